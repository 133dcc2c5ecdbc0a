"""Recommended claimers on the web: staff see a wish's candidates with reasons and invite one;
the volunteer accepts from their invitations (the wish becomes theirs); staff bulk-assign a
batch of wishes, review the proposal and send the invitations in one step."""

from __future__ import annotations

import pytest

from weiguang.matching.models import Invitation, InvitationStatus
from weiguang.wishes.models import WishStatus

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_invite_a_recommended_volunteer_who_accepts(client, people, approved, make_wish, skills):
    v = approved(UserFactory(username="fixer", first_name="修理师傅"), skills=[skills["家电维修"]],
                 availability={"sat": ["am"]})  # fmt: skip
    wish = make_wish("published", title="电饭煲坏了想修一修", description="家电维修")
    client.force_login(people.staff)
    page = client.get(f"/staff/wishes/{wish.pk}/candidates/").content.decode()
    assert "修理师傅" in page and "家电维修" in page
    r = client.post(f"/staff/wishes/{wish.pk}/invite/", {"user": v.user_id, "note": "就在您小区"})
    assert r.status_code == 302
    invitation = Invitation.objects.get(wish=wish)
    for outsider in [people.volunteer, people.outsider_staff, people.staff_b]:
        client.force_login(outsider)
        assert client.get(f"/staff/wishes/{wish.pk}/candidates/").status_code == 404
    client.force_login(v.user)
    mine = client.get("/my/invitations/").content.decode()
    assert "电饭煲坏了想修一修" in mine and "就在您小区" in mine
    r = client.post(f"/invitations/{invitation.pk}/accept/", {"promised_date": ""})
    assert r.status_code == 302 and r["Location"] == f"/wishes/{wish.pk}/"
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED and wish.current_claim.claimer == v.user
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_bulk_assignment_proposes_then_sends_invitations(client, people, approved, make_wish, skills, tree):
    a = approved(
        UserFactory(username="ba", first_name="甲师傅"),
        skills=[skills["家电维修"]],
        availability={"sat": ["am"]},
    )
    b = approved(
        UserFactory(username="bb", first_name="乙师傅"), skills=[skills["理发"]], availability={"sun": ["pm"]}
    )
    w1 = make_wish("published", title="修电风扇", description="家电维修 风扇")
    w2 = make_wish(
        "published", title="上门理发", description="理发", kind="service", resident=people.other_resident
    )
    client.force_login(people.staff)
    page = client.get(f"/staff/assignments/?community={tree.community_a.pk}")
    assert page.status_code == 200 and "修电风扇" in page.content.decode()
    r = client.post("/staff/assignments/", {"community": tree.community_a.pk, "step": "propose", "wish": [w1.pk, w2.pk],
                                            f"cap-u-{a.user_id}": "1", f"cap-u-{b.user_id}": "1"})  # fmt: skip
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="proposal"' in html
    assert (
        f'value="{w1.pk}:u:{a.user_id}"' in html and f'value="{w2.pk}:u:{b.user_id}"' in html
    )  # the best total
    r = client.post("/staff/assignments/", {"community": tree.community_a.pk, "step": "confirm",
                                            "pair": [f"{w1.pk}:u:{a.user_id}", f"{w2.pk}:u:{b.user_id}"]})  # fmt: skip
    assert r.status_code == 302
    assert set(Invitation.objects.values_list("wish_id", "invitee_id")) == {
        (w1.pk, a.user_id),
        (w2.pk, b.user_id),
    }
    client.force_login(people.volunteer)
    assert client.get("/staff/assignments/").status_code == 403


@pytest.mark.parametrize(
    "post",
    [
        {"step": "confirm", "pair": "x"},
        {"step": "confirm", "pair": ["1:u"]},
        {"step": "confirm", "pair": ["1:q:2"]},
        {"step": "confirm", "pair": ["99999999999999999999:u:1"]},
        {"step": "confirm", "pair": ["1:p:99999999999999999999"]},
        {"step": "confirm"},
        {"step": "propose", "wish": ["abc"], "cap-u-1": "1"},
        {"step": "propose", "wish": ["99999999999999999999"], "cap-u-1": "1"},
        {"step": "propose", "wish": ["WISH"], "cap-u-99999999999999999999": "1"},
        {"step": "propose", "wish": ["WISH"], "cap-p-1": "many"},
        {"step": "propose", "wish": ["WISH"]},
    ],
)
def test_a_tampered_bulk_assignment_post_is_a_clear_error(client, people, make_wish, tree, post):
    wish = make_wish("published", title="修电风扇")
    post = {
        k: ([str(wish.pk) if x == "WISH" else x for x in v] if isinstance(v, list) else v)
        for k, v in post.items()
    }
    client.force_login(people.staff)
    r = client.post("/staff/assignments/", {"community": tree.community_a.pk, **post})
    page = r.content.decode()
    assert r.status_code == 400
    assert "修电风扇" in page and 'class="msg msg-error"' in page  # the page again, with the error
    assert not Invitation.objects.exists()
