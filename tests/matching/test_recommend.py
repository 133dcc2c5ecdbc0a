"""Recommended claimers: the ranking on a street with a known best answer, who is left out,
invitations from invite to claim, and who may do what through the API."""

from __future__ import annotations

import pytest

from weiguang.core.errors import Conflict, NotAllowed
from weiguang.core.models import Notification
from weiguang.matching import invitations as invites
from weiguang.matching import recommend, scoring
from weiguang.matching.models import Invitation, InvitationStatus
from weiguang.partners.models import Resource, ResourceKind
from weiguang.regions.models import Role
from weiguang.volunteers import services as vol_services
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Claim, ClaimStatus, WishKind, WishStatus

from ..demands.test_api import get, post
from ..factories import UserFactory, grant

pytestmark = pytest.mark.django_db

WEEKEND = {"sat": ["am", "pm"], "sun": ["am"]}


@pytest.fixture
def street(people, register, skills, tree):
    """Volunteers around grid A1 with known scores, and a wish that wants an appliance fixed."""

    def volunteer(username, region, *, skill=None, approve=True, street_role=False, availability=WEEKEND):
        user = UserFactory(username=username, first_name=username)
        v = register(
            user, home_region=region, skills=[skills[skill]] if skill else [], availability=availability
        )
        if approve:
            staff = people.outsider_staff if region == tree.other_community else people.street_admin
            v = vol_services.approve_volunteer(v, staff)
        if street_role:  # may claim anywhere in the street
            grant(user, Role.VOLUNTEER, tree.street)
        return v

    s = type("Street", (), {})()
    s.fixer_a1 = volunteer("fixer_a1", tree.grid_a1, skill="家电维修")  # the best answer
    s.fixer_b = volunteer("fixer_b", tree.community_b, skill="家电维修", street_role=True)
    s.plain_a1 = volunteer("plain_a1", tree.grid_a1)
    s.barber_a = volunteer("barber_a", tree.community_a, skill="理发", availability={})
    # left out
    s.pending = volunteer("pending_a1", tree.grid_a1, skill="家电维修", approve=False)
    s.suspended = volunteer("suspended_a1", tree.grid_a1, skill="家电维修")
    vol_services.suspend_volunteer(s.suspended, people.street_admin, reason="暂停")
    s.elsewhere = volunteer("fixer_x", tree.other_community, skill="家电维修")
    s.b_only = volunteer("fixer_b_only", tree.community_b, skill="家电维修")  # may not claim in A
    s.wish = make_service_wish(people)
    return s


def make_service_wish(people, title="电饭煲坏了，想请人上门维修"):
    wish, _ = wish_services.submit_wish(
        people.resident_user,
        kind=WishKind.SERVICE,
        title=title,
        description="插电不加热",
        confirm_duplicate=True,
    )
    return wish_services.publish_wish(wish, people.staff)


def ids(found):
    return [c.volunteer_id or f"unit{c.partner_id}" for c in found]


# --- the score -------------------------------------------------------------------------------


def test_components_and_formula():
    need = scoring.Need(
        "service", ("维修服务", "维修", "家电"), "电饭煲坏了 维修", "/1/2/3/4/", "/1/2/3/", "/1/2/"
    )
    assert scoring.skill_match(need, "家电维修", "电器 维修 电饭煲") == pytest.approx(1 - 0.5**3)
    assert scoring.skill_match(need, "理发", "剪发") == 0
    assert scoring.closeness_level(need, "/1/2/3/4/") == "grid"
    assert scoring.closeness_level(need, "/1/2/3/") == "community"
    assert scoring.closeness_level(need, "/1/2/9/") == "street"
    assert scoring.closeness_level(need, "/1/7/") is None
    assert scoring.load_score(0) == 1 and scoring.load_score(3) == 0.25
    assert scoring.record_score(0, 0) == 0.5 and scoring.record_score(8, 0) == 0.9
    assert scoring.availability_score(0) == 0 and scoring.availability_score(6) == 1
    assert scoring.resource_match(need, "goods", "电饭煲", "电饭煲") == 0  # goods do not fix things
    item = scoring.Need("item", ("生活用品", "电饭煲"), "想要一个电饭煲", "/1/2/3/4/", "/1/2/3/", "/1/2/")
    assert scoring.resource_match(item, "goods", "爱心家电", "电饭煲") == pytest.approx(0.25 + 0.75 * 0.5)
    perfect = dict.fromkeys(scoring.WEIGHTS, 1.0)
    assert scoring.total(perfect) == 1.0 and scoring.total({**perfect, "closeness": 0}) == 0


# --- the ranking --------------------------------------------------------------------------------


def test_the_known_best_answer_comes_first(street, people):
    found = recommend.candidates(street.wish, people.staff)
    order = ids(found)
    # a skilled volunteer in the grid > a skilled one of another community > an unskilled one
    # in the grid; the barber (same community, no time given) is last of the volunteers
    s = street
    assert order.index(s.fixer_a1.pk) < order.index(s.fixer_b.pk) < order.index(s.plain_a1.pk)
    assert order.index(s.plain_a1.pk) < order.index(s.barber_a.pk)
    assert order[0] == s.fixer_a1.pk
    best = found[0]
    codes = [r.code for r in best.reasons]
    texts = " ".join(r.text for r in best.reasons)
    assert "skill" in codes and "家电维修" in texts and "grid" in codes
    assert best.components["closeness"] == 1.0 and best.components["load"] == 1.0
    assert 0 < best.score <= 1
    assert [r.code for r in found[order.index(s.fixer_b.pk)].reasons if r.code == "street"] == ["street"]
    assert found == sorted(found, key=lambda c: -c.score)


def test_who_is_left_out(street, people):
    order = ids(recommend.candidates(street.wish, people.staff, limit=50))
    for v in [street.pending, street.suspended, street.elsewhere, street.b_only]:
        assert v.pk not in order


def test_open_claims_spread_the_load(street, people, tree, register):
    # give the best fixer two wishes in hand: the other fixer of the grid's community wins
    for n in range(2):
        other = wish_services.publish_wish(
            wish_services.submit_wish(
                people.staff,
                kind=WishKind.ITEM,
                title=f"想要台灯{n}",
                resident=people.resident,
                confirm_duplicate=True,
            )[0],
            people.staff,
        )
        wish_services.claim_wish(other, street.fixer_a1.user)
    fixer_a2 = vol_services.approve_volunteer(
        register(
            UserFactory(username="fixer_comm"), home_region=tree.community_a,
            skills=list(street.fixer_a1.skills.all()), availability=WEEKEND,
        ),
        people.staff,
    )  # fmt: skip
    found = recommend.candidates(street.wish, people.staff)
    order = ids(found)
    assert order.index(fixer_a2.pk) < order.index(street.fixer_a1.pk)
    busy = found[order.index(street.fixer_a1.pk)]
    assert busy.components["load"] == pytest.approx(1 / 3)
    assert "busy" in [r.code for r in busy.reasons]


def test_past_record_counts(street, people):
    # the plain volunteer of the grid released one claim: their record drops below 0.5
    wish = make_service_wish(people, title="帮忙换个灯泡")
    wish_services.claim_wish(wish, street.plain_a1.user)
    wish_services.release_claim(wish, street.plain_a1.user, reason="没空")
    found = {c.volunteer_id: c for c in recommend.candidates(street.wish, people.staff, limit=50)}
    assert found[street.plain_a1.pk].components["record"] == pytest.approx(1 / 3)
    assert "record" in [r.code for r in found[street.plain_a1.pk].reasons]


def test_a_unit_with_fitting_goods_ranks_high_for_an_item_wish(street, people):
    Resource.objects.create(
        unit=people.partner, kind=ResourceKind.GOODS, title="爱心家电捐赠", keywords="电饭煲 电水壶"
    )
    Resource.objects.create(unit=people.partner, kind=ResourceKind.FUNDS, title="助学金", keywords="书包")
    wish, _ = wish_services.submit_wish(
        people.resident_user, kind=WishKind.ITEM, title="想要一个电饭煲", description="旧的坏了"
    )
    wish = wish_services.publish_wish(wish, people.staff)
    found = recommend.candidates(wish, people.staff)
    order = ids(found)
    unit = found[order.index(f"unit{people.partner.pk}")]
    assert unit.kind == "unit" and unit.user_id == people.partner_rep.pk
    assert order.index(f"unit{people.partner.pk}") < order.index(street.plain_a1.pk)
    assert "resource" in [r.code for r in unit.reasons] and "爱心家电捐赠" in unit.reasons[0].text
    # a unit serving another community only is not offered
    people.partner.communities.set([people.tree.community_b])
    assert f"unit{people.partner.pk}" not in ids(recommend.candidates(wish, people.staff))


def test_the_tiered_read_agrees_with_scoring_everyone(street, people):
    """The top-k read tier by tier equals scoring every volunteer in full and sorting."""
    from weiguang.volunteers.models import Volunteer

    need = scoring.need_of(street.wish)
    facts = recommend.volunteer_facts(Volunteer.objects.values_list("user_id", flat=True))
    everyone = sorted(
        (-scoring.score_volunteer(need, f).score, f.volunteer_id)
        for f in facts.values()
        if scoring.score_volunteer(need, f).score > 0
    )
    for k in [1, 3, 5]:
        found = [c for c in recommend.candidates(street.wish, people.staff, limit=k) if c.kind == "volunteer"]
        expected = everyone[: len(found)]
        assert [(round(-c.score, 6), c.volunteer_id) for c in found] == [
            (round(s, 6), v) for s, v in expected
        ]
    assert len(everyone) == 4  # fixer_a1, fixer_b, plain_a1, barber_a


def test_only_staff_of_the_region_may_ask(street, people):
    for user in [
        people.volunteer,
        people.grid_worker,
        people.staff_b,
        people.outsider_staff,
        people.stranger,
    ]:
        with pytest.raises(NotAllowed):
            recommend.candidates(street.wish, user)
    assert recommend.candidates(street.wish, people.street_admin)


def test_demands_get_candidates_too(client, street, people, tree):
    from weiguang.demands.models import Demand

    demand = Demand.objects.create(
        grid=tree.grid_a1, community=tree.community_a, street=tree.street, channel="desk",
        title="楼道灯坏了需要维修", response_due="2030-01-01T00:00Z", handle_due="2030-01-02T00:00Z",
    )  # fmt: skip
    found = recommend.candidates(demand, people.staff)
    assert ids(found)[0] == street.fixer_a1.pk
    assert not any(c.invited for c in found)
    url = f"/api/v1/demands/{demand.pk}/candidates"
    r = get(client, url, people.staff)
    assert r.status_code == 200, r.content
    assert r.json()["demand_id"] == demand.pk and r.json()["items"][0]["volunteer_id"] == street.fixer_a1.pk
    assert get(client, url, people.staff_b).status_code == 404
    assert get(client, url, people.volunteer).status_code == 404
    assert get(client, url, people.grid_worker).status_code == 403  # may see it, not rank helpers
    assert get(client, url).status_code == 401
    client.force_login(people.staff)  # the page links each volunteer to recording their work
    page = client.get(f"/staff/demands/{demand.pk}/candidates/").content.decode()
    assert street.fixer_a1.number and f"?number={street.fixer_a1.number}" in page


# --- invitations -----------------------------------------------------------------------------------


def test_invite_notifies_and_accepting_claims_the_wish(street, people):
    fixer = street.fixer_a1.user
    inv = invites.invite(street.wish, people.staff, user=fixer, note="您最近")
    assert inv.status == InvitationStatus.PENDING and inv.score > 0
    note = Notification.objects.filter(recipient=fixer).latest("created_at")
    assert note.url == f"/wishes/{street.wish.pk}/"
    assert invites.invite(street.wish, people.staff, user=fixer).pk == inv.pk  # once
    assert [c.invited for c in recommend.candidates(street.wish, people.staff) if c.user_id == fixer.pk] == [
        True
    ]
    with pytest.raises(NotAllowed):  # only the invitee answers
        invites.accept_invitation(inv, street.plain_a1.user)
    inv = invites.accept_invitation(inv, fixer)
    assert inv.status == InvitationStatus.ACCEPTED and inv.decided_at is not None
    claim = Claim.objects.get(wish=street.wish, status=ClaimStatus.ACTIVE)
    assert claim.claimer == fixer and inv.claim == claim
    street.wish.refresh_from_db()
    assert street.wish.status == WishStatus.CLAIMED
    assert Notification.objects.filter(recipient=people.staff, title__contains=street.wish.title).exists()


def test_accepting_after_someone_else_claimed_is_a_conflict(street, people):
    inv_b = invites.invite(street.wish, people.staff, user=street.fixer_b.user)
    invites.invite(street.wish, people.staff, user=street.plain_a1.user)
    wish_services.claim_wish(street.wish, street.fixer_a1.user)  # straight from the wall
    with pytest.raises(Conflict) as exc:
        invites.accept_invitation(inv_b, street.fixer_b.user)
    assert exc.value.code == "wish_taken"
    inv_b.refresh_from_db()
    assert inv_b.status == InvitationStatus.EXPIRED
    assert Claim.objects.filter(wish=street.wish).count() == 1
    # and after an accepted invitation, the others waiting expire
    wish2 = make_service_wish(people, title="风扇不转了")
    first = invites.invite(wish2, people.staff, user=street.fixer_a1.user)
    second = invites.invite(wish2, people.staff, user=street.fixer_b.user)
    invites.accept_invitation(first, street.fixer_a1.user)
    second.refresh_from_db()
    assert second.status == InvitationStatus.EXPIRED
    with pytest.raises(Conflict):
        invites.accept_invitation(second, street.fixer_b.user)


def test_a_wish_leaving_the_wall_closes_its_waiting_invitations(
    street, people, django_capture_on_commit_callbacks
):
    """Claimed from the wall or withdrawn, the wish no longer waits for anyone: an invitee
    must not find an open invitation in their list that can only fail."""
    waiting = invites.invite(street.wish, people.staff, user=street.fixer_b.user)
    with django_capture_on_commit_callbacks(execute=True):
        wish_services.claim_wish(street.wish, street.fixer_a1.user)  # straight from the wall
    waiting.refresh_from_db()
    assert waiting.status == InvitationStatus.EXPIRED and waiting.decided_at is not None
    assert not invites.my_invitations(street.fixer_b.user, InvitationStatus.PENDING).exists()

    wish2 = make_service_wish(people, title="风扇不转了")
    waiting = invites.invite(wish2, people.staff, user=street.fixer_a1.user)
    with django_capture_on_commit_callbacks(execute=True):
        wish_services.withdraw_wish(wish2, people.resident_user, reason="已经修好了")
    waiting.refresh_from_db()
    assert waiting.status == InvitationStatus.EXPIRED


def test_invitations_stay_open_while_the_wish_is_on_the_wall(
    street, people, django_capture_on_commit_callbacks
):
    waiting = invites.invite(street.wish, people.staff, user=street.fixer_b.user)
    other = invites.invite(street.wish, people.staff, user=street.plain_a1.user)
    with django_capture_on_commit_callbacks(execute=True):
        invites.decline_invitation(other, street.plain_a1.user, reason="没空")
    waiting.refresh_from_db()
    assert waiting.status == InvitationStatus.PENDING


def test_decline_with_a_reason(street, people):
    inv = invites.invite(street.wish, people.staff, user=street.plain_a1.user)
    with pytest.raises(NotAllowed):
        invites.decline_invitation(inv, street.fixer_a1.user)
    inv = invites.decline_invitation(inv, street.plain_a1.user, reason="这周出差")
    assert inv.status == InvitationStatus.DECLINED and inv.decline_reason == "这周出差"
    assert Notification.objects.filter(recipient=people.staff, body="这周出差").exists()
    street.wish.refresh_from_db()
    assert street.wish.status == WishStatus.PUBLISHED


def test_only_staff_invite_and_only_candidates(street, people):
    for user in [street.fixer_b.user, people.volunteer, people.staff_b, people.outsider_staff]:
        with pytest.raises(NotAllowed):
            invites.invite(street.wish, user, user=street.fixer_a1.user)
    from weiguang.core.errors import InvalidInput

    for v in [street.pending, street.suspended, street.elsewhere, street.b_only]:
        with pytest.raises(InvalidInput):
            invites.invite(street.wish, people.staff, user=v.user)
    with pytest.raises(InvalidInput):  # the resident may not claim their own wish
        invites.invite(street.wish, people.staff, user=people.resident_user)
    submitted, _ = wish_services.submit_wish(people.resident_user, kind=WishKind.SERVICE, title="修门锁")
    with pytest.raises(Conflict):
        invites.invite(submitted, people.staff, user=street.fixer_a1.user)


def test_a_unit_is_invited_and_its_representative_claims_for_it(street, people):
    Resource.objects.create(
        unit=people.partner, kind=ResourceKind.SERVICE, title="家电义修", keywords="维修 电器"
    )
    inv = invites.invite(street.wish, people.staff, partner=people.partner)
    assert inv.invitee == people.partner_rep and inv.partner == people.partner
    assert Notification.objects.filter(recipient=people.partner_rep).exists()
    inv = invites.accept_invitation(inv, people.partner_rep)
    claim = Claim.objects.get(wish=street.wish, status=ClaimStatus.ACTIVE)
    assert claim.partner == people.partner and claim.claimer == people.partner_rep


# --- the API -----------------------------------------------------------------------------------------


def test_candidates_api_permissions(client, street, people):
    url = f"/api/v1/wishes/{street.wish.pk}/candidates"
    r = get(client, url, people.staff, limit=3)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["wish_id"] == street.wish.pk and len(body["items"]) == 3
    first = body["items"][0]
    assert first["volunteer_id"] == street.fixer_a1.pk and first["kind"] == "volunteer"
    assert set(first["components"]) == set(scoring.WEIGHTS) and first["reasons"][0]["code"] == "skill"
    assert get(client, url, people.street_admin).status_code == 200
    assert get(client, url, people.staff_b).status_code == 403  # a wish on the wall: known, not theirs
    assert get(client, url, people.volunteer).status_code == 403
    assert get(client, url, people.outsider_staff).status_code == 403
    assert get(client, url).status_code == 401
    assert get(client, url, people.staff, limit=0).status_code == 422
    assert get(client, "/api/v1/wishes/999999/candidates", people.staff).status_code == 404
    # a wish not on the wall is not even known to staff of another community
    submitted, _ = wish_services.submit_wish(people.resident_user, kind=WishKind.SERVICE, title="修水管")
    assert get(client, f"/api/v1/wishes/{submitted.pk}/candidates", people.staff_b).status_code == 404
    assert get(client, f"/api/v1/wishes/{submitted.pk}/candidates", people.staff).status_code == 200
    # the wish itself still answers
    assert get(client, f"/api/v1/wishes/{street.wish.pk}").status_code == 200


def test_invitation_api_round_trip(client, street, people):
    wid, fixer = street.wish.pk, street.fixer_a1.user
    url = f"/api/v1/wishes/{wid}/invite"
    assert post(client, url, None, {"user_id": fixer.pk}).status_code == 401
    assert post(client, url, people.volunteer, {"user_id": fixer.pk}).status_code == 403
    assert post(client, url, people.staff, {}).status_code == 422
    assert post(client, url, people.staff, {"user_id": street.elsewhere.user.pk}).status_code == 422
    assert post(client, url, people.staff, {"partner_id": 999999}).status_code == 422
    r = post(client, url, people.staff, {"user_id": fixer.pk, "note": "您离得最近"})
    assert r.status_code == 201, r.content
    inv = r.json()
    assert inv["status"] == "pending" and inv["wish"]["id"] == wid and inv["actions"] == []
    r = post(client, url, people.staff, {"user_id": street.fixer_b.user.pk})
    other = r.json()

    mine = get(client, "/api/v1/invitations", fixer).json()
    assert [i["id"] for i in mine["items"]] == [inv["id"]] and mine["items"][0]["actions"] == [
        "accept",
        "decline",
    ]
    assert get(client, "/api/v1/invitations", people.volunteer).json()["count"] == 0
    staff_view = get(client, "/api/v1/invitations", people.staff, wish_id=wid).json()
    assert {i["id"] for i in staff_view["items"]} == {inv["id"], other["id"]}

    accept = f"/api/v1/invitations/{inv['id']}/accept"
    assert post(client, accept, street.fixer_b.user).status_code == 404  # not theirs to see
    assert post(client, accept, people.staff).status_code == 403  # staff see it, may not answer
    r = post(client, accept, fixer, {})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "accepted" and r.json()["claim_id"]
    r = post(client, f"/api/v1/invitations/{other['id']}/accept", street.fixer_b.user)
    assert r.status_code == 409
    r = post(client, f"/api/v1/invitations/{other['id']}/decline", street.fixer_b.user, {"reason": "x"})
    assert r.status_code == 409  # it expired when the first was accepted


def test_openapi_lists_the_new_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/wishes/{wish_id}/candidates"]
    assert "post" in paths["/api/v1/wishes/{wish_id}/invite"]
    assert "get" in paths["/api/v1/invitations"]
    for action in ["accept", "decline"]:
        assert "post" in paths[f"/api/v1/invitations/{{invitation_id}}/{action}"]
    for action in ["propose", "confirm"]:
        assert "post" in paths[f"/api/v1/assignments/{action}"]
    assert "get" in paths["/api/v1/wishes/{wish_id}"]


def test_invitation_model_relations(street, people):
    inv = invites.invite(street.wish, people.staff, partner=people.partner)
    assert inv.relations_to(people.partner_rep) == {"owner"}
    assert inv.relations_to(people.staff) == set()
    assert list(Invitation.objects.filter(Invitation.relation_q(people.partner_rep, {"owner"}))) == [inv]


@pytest.mark.django_db(transaction=True)
def test_invitees_accepting_at_once_make_one_claim(street, people):
    from tests.wishes.test_concurrency import at_once

    racers = [street.fixer_a1, street.fixer_b, street.plain_a1, street.barber_a]
    invitations = [invites.invite(street.wish, people.staff, user=v.user) for v in racers]
    outcomes = at_once([lambda inv=inv: invites.accept_invitation(inv, inv.invitee) for inv in invitations])
    assert sum(1 for o in outcomes if o[0] == "ok") == 1
    assert {o[1].status for o in outcomes if o[0] == "refused"} == {409}
    assert Claim.objects.filter(wish=street.wish).count() == 1
    statuses = sorted(Invitation.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "expired", "expired", "expired"]
