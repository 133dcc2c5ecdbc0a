"""Volunteer pages, clicked through with the test client as each person would: register,
approval by staff, joining a team, a leader's activity and verification, the love supermarket
and the rankings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.volunteers import services
from weiguang.volunteers.models import RecordStatus, RewardItem, ServiceRecord, Volunteer, VolunteerStatus

from ..factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_register_be_approved_and_see_my_hours(client, people, skills, tree):
    user = UserFactory(username="page_vol", first_name="唐新")
    client.force_login(user)
    assert client.get("/volunteers/me/")["Location"] == "/volunteers/register/"
    form = client.get("/volunteers/register/")
    assert form.status_code == 200 and "家电维修" in form.content.decode()
    good = make_id_number(88, region="370203")
    bad = {"name": "唐新", "phone": "13912340000", "id_number": good[:17] + ("0" if good[17] != "0" else "1"),
           "home_region": tree.community_a.pk, "slots": ["sat-am"]}  # fmt: skip
    r = client.post("/volunteers/register/", bad)
    assert r.status_code == 422 and "校验位" in r.content.decode()  # the check digit, said plainly
    assert not Volunteer.objects.exists()
    r = client.post(
        "/volunteers/register/",
        {**bad, "id_number": good, "skills": [skills["理发"].pk], "slots": ["sat-am", "sun-pm"]},
    )
    assert r.status_code == 302
    v = Volunteer.objects.get(user=user)
    assert v.availability == {"sat": ["am"], "sun": ["pm"]} and [s.name for s in v.skills.all()] == ["理发"]
    page = client.get("/volunteers/me/").content.decode()
    assert "唐新" in page and good not in page and 'data-status="pending"' in page

    client.force_login(people.staff)
    queue = client.get("/staff/volunteers/").content.decode()
    assert "唐新" in queue and good not in queue  # staff see the masked ID number
    client.force_login(people.staff_b)
    assert client.post(f"/volunteers/{v.pk}/approve/").status_code == 404
    client.force_login(people.staff)
    assert client.post(f"/volunteers/{v.pk}/approve/").status_code == 302
    assert Volunteer.objects.get(pk=v.pk).status == VolunteerStatus.APPROVED
    client.force_login(people.resident_user)
    assert client.get("/staff/volunteers/").status_code == 403


def test_a_leader_records_an_activity_and_verifies_it(client, people, approved, tree):
    leader = UserFactory(username="page_leader", first_name="队长老王")
    team = services.create_team(
        people.staff, region=tree.community_a, name="蓝色平安队", colour="blue", leaders=[leader]
    )
    member = approved(UserFactory(username="page_member", first_name="成员小李"))
    client.force_login(member.user)
    assert client.post(f"/teams/{team.pk}/join/").status_code == 302
    client.force_login(leader)
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert "成员小李" in page and 'data-action="accept"' in page
    membership = team.memberships.get()
    client.post(f"/teams/memberships/{membership.pk}/accept/")
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    r = client.post(f"/teams/{team.pk}/activity/", {"title": "夜间巡逻", "date": day, "place": "七星里",
                                                     "present": [member.pk], f"in-{member.pk}": "19:00", f"out-{member.pk}": "21:30"})  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:500]
    record = ServiceRecord.objects.get(volunteer=member)
    assert record.hours == 2.5 and record.status == RecordStatus.PENDING
    r = client.post(f"/teams/{team.pk}/activity/", {"title": "漏填时间", "date": day, "present": [member.pk]})
    assert r.status_code == 422
    assert "data-record" in client.get("/service-records/").content.decode()
    client.force_login(member.user)
    assert client.post(f"/service-records/{record.pk}/verify/").status_code == 302
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.PENDING  # not their own
    client.force_login(leader)
    client.post(f"/service-records/{record.pk}/verify/")
    assert ServiceRecord.objects.get(pk=record.pk).status == RecordStatus.VERIFIED
    client.force_login(member.user)
    me = client.get("/volunteers/me/").content.decode()
    assert "2.50" in me and "夜间巡逻" in me


def test_the_love_supermarket_and_rankings(client, people, approved, tree):
    v = approved(UserFactory(username="shopper", first_name="购物者"))
    services.add_honour_hours(v, people.staff, hours=3, reason="值守")
    item = RewardItem.objects.create(street=tree.street, name="洗衣液", points=20, stock=1)
    client.force_login(v.user)
    page = client.get("/volunteers/shop/").content.decode()
    assert "洗衣液" in page and "30" in page
    assert client.post("/volunteers/shop/", {"item": item.pk}).status_code == 302
    assert Volunteer.objects.get(pk=v.pk).points_balance == 10
    r = client.post("/volunteers/shop/", {"item": item.pk}, follow=True)
    assert "抱歉，库存不足。" in r.content.decode()  # out of stock, said plainly
    ranking = client.get("/volunteers/rankings/").content.decode()
    assert "购**" in ranking and "购物者" not in ranking


def test_home_and_navigation_lead_each_role_to_their_pages(client, people, approved):
    v = approved(UserFactory(username="nav_vol", first_name="导航"))
    client.force_login(v.user)
    home = client.get("/").content.decode()
    assert 'data-nav="volunteering"' in home and 'data-tile="volunteering"' in home
    assert 'data-tile="become_volunteer"' not in home
    client.force_login(people.resident_user)
    assert 'data-tile="become_volunteer"' in client.get("/").content.decode()
    client.force_login(people.staff)
    home = client.get("/").content.decode()
    for tile in ["volunteers", "lists", "bulk", "verify"]:
        assert f'data-tile="{tile}"' in home, tile
    client.force_login(people.partner_rep)
    home = client.get("/").content.decode()
    assert 'data-nav="unit"' in home and 'data-tile="unit"' in home


@pytest.mark.parametrize(
    "post",
    [
        {"item": "abc"},
        {},
        {"item": "99999999999999999999"},
        {"item": "1e3"},
        {"item": "ITEM", "quantity": "x"},
        {"item": "ITEM", "quantity": "99999999999999999999"},
        {"item": "ITEM", "quantity": "0"},
    ],
)
def test_a_tampered_redeem_button_is_a_clear_error_and_spends_nothing(client, people, approved, tree, post):
    v = approved(UserFactory(username="tamper", first_name="乱按"))
    services.add_honour_hours(v, people.staff, hours=3, reason="值守")
    item = RewardItem.objects.create(street=tree.street, name="洗衣液", points=20, stock=5)
    client.force_login(v.user)
    post = {k: (str(item.pk) if val == "ITEM" else val) for k, val in post.items()}
    r = client.post("/volunteers/shop/", post)
    page = r.content.decode()
    assert r.status_code == 400
    assert "洗衣液" in page and 'class="msg msg-error"' in page  # the shop again, with the error
    assert Volunteer.objects.get(pk=v.pk).points_balance == 30
    assert RewardItem.objects.get(pk=item.pk).stock == 5
