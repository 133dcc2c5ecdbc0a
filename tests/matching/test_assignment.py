"""Bulk assignment: the solver equals the brute-force optimum; propose and confirm on a street;
the API's permissions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.matching import assignment, recommend, scoring
from weiguang.matching import invitations as invites
from weiguang.matching.assignment import ClaimerRef
from weiguang.matching.models import Invitation, InvitationStatus
from weiguang.volunteers import services as vol_services
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishKind

from ..demands.test_api import post
from ..factories import UserFactory

# --- the solver against brute force (no database) ---------------------------------------------


def brute_force(scores: np.ndarray, caps: list[int]) -> float:
    """Try every way to give each wish to one claimer or to nobody."""
    n, m = scores.shape
    best = 0.0
    for choice in itertools.product(range(-1, m), repeat=n):
        used = [0] * m
        total = 0.0
        ok = True
        for i, j in enumerate(choice):
            if j < 0:
                continue
            used[j] += 1
            if used[j] > caps[j] or scores[i, j] <= 0:
                ok = False
                break
            total += scores[i, j]
        if ok:
            best = max(best, total)
    return best


@st.composite
def problems(draw):
    n = draw(st.integers(2, 5))
    m = draw(st.integers(1, 4))
    cell = st.one_of(st.just(0.0), st.floats(0.01, 1.0, allow_nan=False).map(lambda x: round(x, 3)))
    scores = np.array([[draw(cell) for _ in range(m)] for _ in range(n)])
    caps = [draw(st.integers(1, 3)) for _ in range(m)]
    return scores, caps


@settings(max_examples=300, deadline=None)
@given(problems())
def test_solve_equals_the_brute_force_optimum(problem):
    scores, caps = problem
    pairs = assignment.solve(scores, caps)
    rows = [i for i, _ in pairs]
    assert len(rows) == len(set(rows))  # each wish at most once
    for j, cap in enumerate(caps):
        assert sum(1 for _, c in pairs if c == j) <= cap  # each claimer within capacity
    assert all(scores[i, j] > 0 for i, j in pairs)  # never a pair that does not fit
    assert sum(scores[i, j] for i, j in pairs) == pytest.approx(brute_force(scores, caps), abs=1e-9)


def test_solve_is_not_greedy():
    # greedy takes the 0.9 and leaves 0.1 + nothing; the optimum is 0.8 + 0.8
    scores = np.array([[0.9, 0.8], [0.8, 0.0]])
    assert assignment.solve(scores, [1, 1]) == [(0, 1), (1, 0)]


def test_solve_edge_cases():
    assert assignment.solve(np.zeros((0, 2)), [1, 1]) == []
    assert assignment.solve(np.zeros((3, 2)), [1, 1]) == []  # nothing fits: nothing assigned
    assert assignment.solve(np.ones((3, 1)), [2]) == [(0, 0), (1, 0)]


# --- propose and confirm on a street ----------------------------------------------------------------


@pytest.fixture
def batch(db, people, register, skills, tree):
    """Three service wishes of grid A1 and three volunteers able to claim them."""

    def volunteer(username, region, skill=None):
        user = UserFactory(username=username, first_name=username)
        v = register(
            user, home_region=region, skills=[skills[skill]] if skill else [], availability={"sat": ["am"]}
        )
        return vol_services.approve_volunteer(v, people.street_admin)

    b = type("Batch", (), {})()
    b.fixer = volunteer("fixer", tree.grid_a1, "家电维修")
    b.barber = volunteer("barber", tree.community_a, "理发")
    b.plain = volunteer("plain", tree.grid_a1)
    b.outsider = volunteer("far", tree.community_b, "家电维修")  # may not claim in community A
    b.wishes = []
    for title in ["电饭煲坏了请人维修", "想理发，头发太长了", "帮忙下楼买菜"]:
        wish, _ = wish_services.submit_wish(
            people.resident_user, kind=WishKind.SERVICE, title=title, confirm_duplicate=True
        )
        b.wishes.append(wish_services.publish_wish(wish, people.staff))
    return b


def refs(*volunteers, cap=1):
    return [(ClaimerRef(user_id=v.user_id), cap) for v in volunteers]


@pytest.mark.django_db
def test_the_matrix_agrees_with_the_ranking(batch, people):
    claimers = [
        ClaimerRef(user_id=v.user_id) for v in [batch.fixer, batch.barber, batch.plain, batch.outsider]
    ]
    claimers.append(ClaimerRef(partner_id=people.partner.pk))
    scores, *_ = assignment.score_matrix(batch.wishes, claimers)
    for i, wish in enumerate(batch.wishes):
        ranked = {
            (c.user_id if c.kind == "volunteer" else None, c.partner_id): c.score
            for c in recommend.candidates(wish, people.staff, limit=50)
        }
        for j, ref in enumerate(claimers):
            key = (ref.user_id, ref.partner_id) if ref.user_id else (None, ref.partner_id)
            assert scores[i, j] == pytest.approx(ranked.get(key, 0.0), abs=1e-6), (i, j)
    assert not scores[:, 3].any()  # the volunteer of community B is nobody's candidate


@pytest.mark.django_db
def test_propose_gives_each_wish_its_best_claimer(batch, people):
    fix, hair, shop = batch.wishes
    proposal = assignment.propose(batch.wishes, refs(batch.fixer, batch.barber, batch.plain), by=people.staff)
    got = {p.wish_id: p.claimer.user_id for p in proposal.pairs}
    assert got[fix.pk] == batch.fixer.user_id and got[hair.pk] == batch.barber.user_id
    assert got[shop.pk] == batch.plain.user_id
    assert proposal.total == pytest.approx(sum(p.score for p in proposal.pairs), abs=1e-5)
    assert proposal.unassigned == [] and proposal.skipped == []
    skill_pair = next(p for p in proposal.pairs if p.wish_id == fix.pk)
    assert "家电维修" in " ".join(r.text for r in skill_pair.reasons)
    # one claimer with capacity 2: the two wishes it fits best, the third stays open
    proposal = assignment.propose(batch.wishes, refs(batch.fixer, cap=2), by=people.staff)
    assert len(proposal.pairs) == 2 and len(proposal.unassigned) == 1
    assert fix.pk in {p.wish_id for p in proposal.pairs}
    # nobody fits: nothing proposed
    proposal = assignment.propose(batch.wishes, refs(batch.outsider, cap=3), by=people.staff)
    assert proposal.pairs == [] and proposal.total == 0


@pytest.mark.django_db
def test_propose_and_confirm_permissions(batch, people):
    for user in [people.staff_b, people.volunteer, people.outsider_staff]:
        with pytest.raises(NotAllowed):
            assignment.propose(batch.wishes, refs(batch.fixer), by=user)
        with pytest.raises(NotAllowed):
            assignment.confirm([(batch.wishes[0].pk, ClaimerRef(user_id=batch.fixer.user_id))], user)


@pytest.mark.django_db
def test_confirm_invites_everyone_in_one_step(batch, people):
    proposal = assignment.propose(batch.wishes, refs(batch.fixer, batch.barber, batch.plain), by=people.staff)
    pairs = [(p.wish_id, p.claimer) for p in proposal.pairs]
    invitations = assignment.confirm(pairs, people.staff)
    assert len(invitations) == 3
    assert {(i.wish_id, i.invitee_id) for i in invitations} == {(w, c.user_id) for w, c in pairs}
    assert all(i.status == InvitationStatus.PENDING and i.created_by == people.staff for i in invitations)
    # the invitee accepts as usual
    first = invitations[0]
    invites.accept_invitation(first, first.invitee)


@pytest.mark.django_db
def test_confirm_is_all_or_nothing(batch, people):
    fix, hair, shop = batch.wishes
    ok = (fix.pk, ClaimerRef(user_id=batch.fixer.user_id))
    wish_services.claim_wish(hair, batch.barber.user)  # left the wall meanwhile
    with pytest.raises(Conflict) as exc:
        assignment.confirm([ok, (hair.pk, ClaimerRef(user_id=batch.plain.user_id))], people.staff)
    assert exc.value.code == "not_published"
    assert not Invitation.objects.exists()
    with pytest.raises(InvalidInput):  # one wish twice
        assignment.confirm([ok, (fix.pk, ClaimerRef(user_id=batch.plain.user_id))], people.staff)
    with pytest.raises(InvalidInput):  # not a candidate
        assignment.confirm([(shop.pk, ClaimerRef(user_id=batch.outsider.user_id))], people.staff)
    assert not Invitation.objects.exists()
    # propose skips the claimed wish
    proposal = assignment.propose(batch.wishes, refs(batch.fixer, batch.plain), by=people.staff)
    assert proposal.skipped == [hair.pk]


@pytest.mark.django_db
def test_assignment_api(client, batch, people):
    body = {
        "wish_ids": [w.pk for w in batch.wishes],
        "claimers": [{"user_id": batch.fixer.user_id, "capacity": 2}, {"partner_id": people.partner.pk}],
    }
    assert post(client, "/api/v1/assignments/propose", None, body).status_code == 401
    assert post(client, "/api/v1/assignments/propose", people.volunteer, body).status_code == 403
    assert post(client, "/api/v1/assignments/propose", people.staff_b, body).status_code == 403
    bad = {**body, "claimers": [{"user_id": 1, "partner_id": 1}]}
    assert post(client, "/api/v1/assignments/propose", people.staff, bad).status_code == 422
    assert (
        post(client, "/api/v1/assignments/propose", people.staff, {**body, "wish_ids": [999999]}).status_code
        == 422
    )
    r = post(client, "/api/v1/assignments/propose", people.staff, body)
    assert r.status_code == 200, r.content
    proposal = r.json()
    assert len(proposal["pairs"]) >= 2 and proposal["total"] > 0
    assert set(proposal["pairs"][0]["components"]) == set(scoring.WEIGHTS)
    pairs = [
        {"wish_id": p["wish_id"], "user_id": p["user_id"], "partner_id": p["partner_id"]}
        for p in proposal["pairs"]
    ]
    assert post(client, "/api/v1/assignments/confirm", people.volunteer, {"pairs": pairs}).status_code == 403
    r = post(client, "/api/v1/assignments/confirm", people.staff, {"pairs": pairs})
    assert r.status_code == 201, r.content
    assert len(r.json()["invitations"]) == len(pairs)
    assert Invitation.objects.count() == len(pairs)
