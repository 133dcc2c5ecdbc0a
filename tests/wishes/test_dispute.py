"""A resident can say a wish did not come true (not only "实现了，点亮它！"): a dispute with a
reason, audited, told to staff and the claimer; staff see it on their to-do and the wish page
and resolve it by sending it back to the claimer or by confirming it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import ApiToken, Notification
from weiguang.volunteers import services as volunteer_services
from weiguang.volunteers.models import ServiceRecord
from weiguang.wishes import services
from weiguang.wishes.models import Claim, ClaimStatus, WishStatus

from ..factories import make_id_number

pytestmark = pytest.mark.django_db

REASON = "说好送电水壶，一直没人来"


def page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return r.content.decode()


def test_the_resident_says_it_did_not_come_true_and_staff_send_it_back(client, people, make_wish):
    wish = make_wish("fulfilled", title="想要一个电水壶")
    client.force_login(people.resident_user)
    html = page(client, f"/wishes/{wish.pk}/")
    assert "实现了，点亮它！" in html and 'data-action="dispute"' in html and "没有实现" in html
    # no reason: said next to the field, nothing changes
    r = client.post(f"/wishes/{wish.pk}/dispute/", {"dispute-reason": ""})
    assert r.status_code == 422
    box = re.search(r'data-testid="dispute-box" open>.*?</details>', r.content.decode(), re.S).group(0)
    assert "has-error" in box
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    r = client.post(f"/wishes/{wish.pk}/dispute/", {"dispute-reason": REASON})
    assert r.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.dispute_reason) == (WishStatus.DISPUTED, REASON)
    entry = history_of(wish).last()
    assert (entry.action, entry.actor, entry.note) == ("dispute", people.resident_user, REASON)
    told = set(Notification.objects.filter(body=REASON).values_list("recipient__username", flat=True))
    assert {people.staff.username, people.street_admin.username, people.volunteer.username} <= told
    assert people.staff_b.username not in told  # another community's staff

    # staff: on the home page's to-do, the review queue and the wish page
    client.force_login(people.staff)
    home = page(client, "/")
    tile = re.search(r'<a [^>]*href="/staff/wishes/" data-tile="queue">(.*?)</a>', home, re.S).group(1)
    assert re.findall(r"\d+", tile) == ["1"], tile  # the disputed wish is waiting for them
    queue = page(client, "/staff/wishes/")
    assert 'data-testid="disputed"' in queue and REASON in queue and f"/wishes/{wish.pk}/" in queue
    detail = page(client, f"/wishes/{wish.pk}/")
    assert REASON in detail and 'data-action="reopen"' in detail and 'data-action="confirm"' in detail
    r = client.post(f"/wishes/{wish.pk}/reopen/", {"reopen-reason": "已联系志愿者，本周内送到"})
    assert r.status_code == 302
    wish.refresh_from_db()
    claim = Claim.objects.get(wish=wish)
    assert wish.status == WishStatus.CLAIMED and claim.status == ClaimStatus.ACTIVE
    assert claim.promised_date > timezone.localdate()  # not expired by tonight's job
    assert 'data-testid="disputed"' not in page(client, "/staff/wishes/")
    assert Notification.objects.filter(recipient=people.volunteer, body="已联系志愿者，本周内送到").exists()
    # the claimer finishes it properly and the resident lights it
    services.fulfil_wish(wish, people.volunteer, note="已送到并试用")
    services.confirm_wish(wish, people.resident_user, thanks="谢谢")
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED


def test_staff_confirm_a_disputed_wish_after_following_up(client, people, make_wish):
    wish = services.dispute_wish(make_wish("fulfilled"), people.resident_user, reason="还没收到")
    client.force_login(people.staff)
    r = client.post(f"/wishes/{wish.pk}/confirm/", {"thanks": "电话回访：已收到，是记错了"})
    assert r.status_code == 302
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED


def test_who_may_dispute_and_resolve(people, make_wish):
    wish = make_wish("fulfilled")
    for outsider in [people.volunteer, people.outsider_staff, people.staff_b, people.stranger]:
        with pytest.raises(NotAllowed):
            services.dispute_wish(wish, outsider, reason="没有实现")
    with pytest.raises(InvalidInput):
        services.dispute_wish(wish, people.resident_user, reason=" ")
    with pytest.raises(Conflict):  # only a fulfilled wish
        services.dispute_wish(make_wish("claimed", title="想理个发"), people.resident_user, reason="没来")
    wish = services.dispute_wish(wish, people.staff, reason="居民来电说没收到")  # for a resident who phoned
    for not_staff in [people.resident_user, people.volunteer, people.outsider_staff]:
        with pytest.raises(NotAllowed):
            services.reopen_wish(wish, not_staff)
    assert services.reopen_wish(wish, people.staff).status == WishStatus.CLAIMED


def test_fulfilled_again_after_a_dispute_keeps_one_service_record(people, make_wish):
    v = volunteer_services.register_volunteer(
        people.volunteer, name="周志愿", phone="13800005555", id_number=make_id_number(77, region="370203"),
        home_region=people.tree.community_a,
    )  # fmt: skip
    volunteer_services.approve_volunteer(v, people.staff)
    wish = make_wish("fulfilled")
    wish = services.dispute_wish(wish, people.resident_user, reason="没修好")
    wish = services.reopen_wish(wish, people.staff)
    claim = Claim.objects.get(wish=wish)
    Claim.objects.filter(pk=claim.pk).update(promised_date=timezone.localdate() + dt.timedelta(days=1))
    services.fulfil_wish(wish, people.volunteer, note="重新修好了")
    assert ServiceRecord.objects.filter(volunteer=v, wish=wish).count() == 1


def test_the_api_disputes_and_reopens(client, people, make_wish):
    wish = make_wish("fulfilled")

    def post(user, action, body):
        return client.post(
            f"/api/v1/wishes/{wish.pk}/{action}", body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}",
        )  # fmt: skip

    r = post(people.resident_user, "dispute", {"reason": REASON})
    assert r.status_code == 200 and r.json()["status"] == "disputed"
    r = post(people.staff, "reopen", {"note": "已督促"})
    assert r.status_code == 200 and r.json()["status"] == "claimed"
