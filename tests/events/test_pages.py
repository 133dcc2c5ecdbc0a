"""The event pages as people use them: residents list, sign up, see their ticket; staff create,
publish, see sign-ups and the waiting list, sign a resident up; everyone else is kept out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.events import services
from weiguang.events.models import Event, SignUp, SignUpStatus

pytestmark = pytest.mark.django_db


def test_a_resident_signs_up_and_sees_the_code(client, people, make_event):
    event = make_event(capacity=1)
    client.force_login(people.resident_user)
    listed = client.get("/events/").content.decode()
    assert event.title in listed and "已报 0 / 1" in listed
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert 'data-testid="signup-form"' in page
    r = client.post(f"/events/{event.pk}/sign-up/", {"party_size": "1"})
    assert r.status_code == 302 and r["Location"] == "/events/mine/"
    signup = SignUp.objects.get(event=event)
    mine = client.get("/events/mine/").content.decode()
    assert signup.code in mine and f"/events/signups/{signup.pk}/qr.svg" in mine
    qr = client.get(f"/events/signups/{signup.pk}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    # the home page shows the tile
    assert "/events/" in client.get("/").content.decode()
    # nobody else gets the ticket, not even staff
    client.force_login(people.staff)
    assert client.get(f"/events/signups/{signup.pk}/qr.svg").status_code == 404


def test_full_event_puts_the_next_one_on_the_waiting_list_and_cancel_offers(
    client, people, make_event, residents
):
    event = make_event(capacity=1)
    services.sign_up(event, residents[0].user)
    client.force_login(people.resident_user)
    assert "候补" in client.get(f"/events/{event.pk}/").content.decode()  # 加入候补 / Join the waiting list
    client.post(f"/events/{event.pk}/sign-up/", {"party_size": "1"})
    mine = SignUp.objects.get(event=event, user=people.resident_user)
    assert mine.status == SignUpStatus.WAITING
    client.force_login(residents[0].user)
    first = SignUp.objects.get(event=event, user=residents[0].user)
    r = client.post(f"/events/signups/{first.pk}/cancel/")
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.OFFERED
    client.force_login(people.resident_user)
    page = client.get("/events/mine/").content.decode()
    assert f"/events/signups/{mine.pk}/accept/" in page
    client.post(f"/events/signups/{mine.pk}/accept/")
    mine.refresh_from_db()
    assert mine.status == SignUpStatus.CONFIRMED


def test_bad_party_size_is_a_field_error(client, people, make_event):
    event = make_event(max_party_size=2)
    client.force_login(people.resident_user)
    for bad in ["0", "3", "abc", ""]:
        r = client.post(f"/events/{event.pk}/sign-up/", {"party_size": bad})
        assert r.status_code == 422, bad
    assert not SignUp.objects.exists()


def test_anonymous_see_public_events_without_names(client, people, make_event, residents):
    event = make_event()
    draft = make_event(status="draft", title="草稿活动")
    services.sign_up(event, residents[0].user)
    listed = client.get("/events/").content.decode()
    assert event.title in listed and "草稿活动" not in listed
    page = client.get(f"/events/{event.pk}/")
    assert page.status_code == 200 and residents[0].name not in page.content.decode()
    assert client.get(f"/events/{draft.pk}/").status_code == 404
    for url in ["/events/mine/", "/events/manage/", f"/events/{event.pk}/signups/", "/events/new/"]:
        assert client.get(url).status_code == 302, url  # to the login page


@pytest.mark.parametrize(
    "who, manage, signups, sign_up_for",
    [
        ("staff", 200, 200, 200),
        ("street_admin", 200, 200, 200),
        ("grid_worker", 403, 403, 200),
        ("staff_b", 403, 403, 403),  # other community of the street
        ("outsider_staff", 403, 404, 403),
        ("outsider_grid_worker", 403, 404, 403),
        ("resident_user", 403, 403, 403),
    ],
)
def test_access_matrix(client, people, make_event, who, manage, signups, sign_up_for):
    event = make_event()
    draft = make_event(status="draft")
    client.force_login(getattr(people, who))
    edit = client.get(f"/events/{event.pk}/edit/").status_code
    assert edit == (200 if manage == 200 else 403)
    assert client.get(f"/events/{event.pk}/signups/").status_code == (signups if signups != 404 else 403)
    assert client.get(f"/events/{event.pk}/sign-up-for/").status_code == sign_up_for
    assert client.get(f"/events/{draft.pk}/").status_code == (200 if manage == 200 else 404)
    r = client.post(f"/events/{draft.pk}/do/publish/")
    draft.refresh_from_db()
    assert (draft.status == "published") == (manage == 200), r.status_code


def test_staff_create_publish_and_sign_a_resident_up(client, people, tree):
    client.force_login(people.staff)
    assert client.get("/events/new/").status_code == 200
    starts = timezone.localtime() + dt.timedelta(days=5)
    body = {
        "region": tree.community_a.pk, "kind": "party_day", "title": "七一主题党日", "place_text": "党群服务中心",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "2", "max_party_size": "1", "organiser_kind": "community", "residents_only": "on",
    }  # fmt: skip
    bad = client.post(
        "/events/new/", {**body, "ends_at": (starts - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    )
    assert bad.status_code == 422 and not Event.objects.exists()
    other = client.post("/events/new/", {**body, "region": tree.community_b.pk})
    assert other.status_code == 422 and not Event.objects.exists()  # not a place of theirs
    r = client.post("/events/new/", body)
    event = Event.objects.get()
    assert r.status_code == 302 and event.status == "draft"
    client.post(f"/events/{event.pk}/do/publish/")
    event.refresh_from_db()
    assert event.status == "published"
    found = client.get(f"/events/{event.pk}/sign-up-for/", {"q": "王秀英"}).content.decode()
    assert "王秀英" in found
    r = client.post(f"/events/{event.pk}/sign-up-for/", {"resident": people.resident.pk, "party_size": "1"})
    assert r.status_code == 302
    signup = SignUp.objects.get(event=event)
    assert signup.signed_up_by == people.staff and signup.resident == people.resident
    listing = client.get(f"/events/{event.pk}/signups/").content.decode()
    assert "王秀英" in listing and signup.code in listing
    # an outsider's resident is refused and nothing written
    client.force_login(people.grid_worker)
    r = client.post(
        f"/events/{event.pk}/sign-up-for/", {"resident": people.other_resident.pk, "party_size": "1"}
    )
    assert r.status_code == 422 and SignUp.objects.count() == 1
    found = client.get(f"/events/{event.pk}/sign-up-for/", {"q": "陈桂兰"}).content.decode()
    assert "在您的辖区没有找到这位居民" in found and f'value="{people.other_resident.pk}"' not in found
    r = client.post(f"/events/{event.pk}/do/cancel/", {"reason": "x"})
    event.refresh_from_db()
    assert event.status == "published"  # a grid worker cannot cancel it


def test_a_resident_sees_her_next_events_on_her_home_page(client, people, make_event, tree):
    """Issue 12: residents of the region see upcoming events on their home page (the next three,
    soonest first), with their own sign-up marked; staff's home has 举办活动 instead."""
    soon = make_event(title="七一主题党日", capacity=5)
    later = make_event(title="智能手机课", starts_at=timezone.now() + dt.timedelta(days=9),
                       ends_at=timezone.now() + dt.timedelta(days=9, hours=2))  # fmt: skip
    make_event(status="draft", title="还没发布的活动")
    make_event(title="别的社区的活动", region=tree.community_b, by=people.staff_b)
    services.sign_up(soon, people.resident_user)
    client.force_login(people.resident_user)
    home = client.get("/").content.decode()
    assert 'data-testid="home-events"' in home
    shown = home.split('data-testid="home-events"')[1].split("</ul>")[0]
    assert shown.index("七一主题党日") < shown.index("智能手机课")
    assert "还没发布的活动" not in shown and "别的社区的活动" not in shown
    assert shown.count('data-testid="event"') == 2 and shown.count("已报名") == 1  # you signed up
    assert f"/events/{later.pk}/" in shown
    client.force_login(people.staff)
    assert 'data-testid="home-events"' not in client.get("/").content.decode()
