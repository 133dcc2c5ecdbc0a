"""Recommended claimers (issue 4): rank who should make a wish (or demand) come true.

`candidates(need, by)` ranks approved volunteers of the need's street and partner units that
serve its grid (scores: matching/scoring.py). A candidate must be able to claim the wish
by the ordinary claim rules: a volunteer holds the volunteer role at the wish's grid or above,
a unit has a representative with the partner role there. Someone who could not accept an
invitation is not offered.

Top-k without loading every volunteer: the score is a weighted sum, and match and closeness
are known per *tier* before a volunteer's row is read (the best fitting skill; the home in
the grid, the community or the street). Tiers are read best bound first, each in one query
that also counts the volunteer's open, done and failed claims (correlated subqueries on the
claim index); reading stops when no volunteer of the next tier can beat the k-th score found.

Invitations to the candidates: matching/invitations.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.errors import NotAllowed
from weiguang.partners.models import PartnerUnit, Resource
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, Role, ancestor_ids
from weiguang.volunteers.models import Skill, Volunteer, VolunteerStatus
from weiguang.wishes.models import Claim, ClaimStatus, Wish

from . import scoring
from .models import Invitation, InvitationStatus
from .scoring import CLOSENESS, Need, ResourceFacts, UnitFacts, VolunteerFacts

DONE = [ClaimStatus.DONE]
FAILED = [ClaimStatus.RELEASED, ClaimStatus.EXPIRED]
OPEN = [ClaimStatus.ACTIVE]
MAX_LIMIT = 50


# --- counting claims in SQL ----------------------------------------------------------------


def _claims(statuses, *, unit: bool) -> Coalesce:
    """The number of a volunteer's own claims (or a unit's) in `statuses`, as a subquery."""
    if unit:
        qs = Claim.objects.filter(partner=OuterRef("pk"), status__in=statuses).values("partner")
    else:
        qs = Claim.objects.filter(
            claimer=OuterRef("user_id"), partner__isnull=True, status__in=statuses
        ).values("claimer")
    counted = qs.order_by().annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_claim_counts(qs: QuerySet, *, unit: bool = False) -> QuerySet:
    return qs.annotate(
        n_open=_claims(OPEN, unit=unit), n_done=_claims(DONE, unit=unit), n_failed=_claims(FAILED, unit=unit)
    )


# --- facts about claimers ------------------------------------------------------------------


def volunteer_facts(user_ids) -> dict[int, VolunteerFacts]:
    """Approved, active volunteers among `user_ids`, by user id, with everything the score
    needs (a fixed number of queries, whatever the number of users)."""
    rows = list(
        _with_claim_counts(
            Volunteer.objects.filter(
                user_id__in=list(user_ids), status=VolunteerStatus.APPROVED, user__is_active=True
            )
        ).values_list("pk", "user_id", "home_region__path", "availability", "n_open", "n_done", "n_failed")
    )
    vids = [r[0] for r in rows]
    skills: dict[int, dict[int, tuple[str, str]]] = {}
    through = Volunteer.skills.through.objects.filter(volunteer_id__in=vids)
    for vid, sid, name, kw in through.values_list(
        "volunteer_id", "skill_id", "skill__name", "skill__keywords"
    ):
        skills.setdefault(vid, {})[sid] = (name, kw)
    paths: dict[int, list[str]] = {}
    for uid, path in Membership.objects.filter(
        user_id__in=[r[1] for r in rows], role=Role.VOLUNTEER
    ).values_list("user_id", "region__path"):
        paths.setdefault(uid, []).append(path)
    return {
        uid: VolunteerFacts(
            volunteer_id=vid,
            user_id=uid,
            home_path=home,
            claim_paths=tuple(sorted(paths.get(uid, []))),
            skills=skills.get(vid, {}),
            availability=avail or {},
            open_claims=n_open,
            done=n_done,
            failed=n_failed,
        )  # fmt: skip
        for vid, uid, home, avail, n_open, n_done, n_failed in rows
    }


@dataclass
class UnitInfo:
    facts: UnitFacts
    reps: dict[int, tuple[str, ...]] = field(default_factory=dict)  # rep user id → partner-role paths

    def invitee_for(self, need: Need) -> int | None:
        """The representative who would claim: the first one with the partner role there."""
        for uid in sorted(self.reps):
            if scoring.may_claim(need, self.reps[uid]):
                return uid
        return None


def unit_facts(units: QuerySet[PartnerUnit]) -> dict[int, UnitInfo]:
    """Facts about the units of `units`, by id (a fixed number of queries)."""
    today = timezone.localdate()
    live = Resource.objects.filter(active=True).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )
    rows = list(
        _with_claim_counts(units, unit=True)
        .select_related("region")
        .prefetch_related("communities", Prefetch("resources", queryset=live, to_attr="live_resources"))
    )
    reps: dict[int, dict[int, list[str]]] = {}
    rep_rows = PartnerUnit.representatives.through.objects.filter(
        partnerunit_id__in=[u.pk for u in rows], user__is_active=True
    ).values_list("partnerunit_id", "user_id")
    rep_users = {uid for _, uid in rep_rows}
    role_paths: dict[int, list[str]] = {}
    for uid, path in Membership.objects.filter(user_id__in=rep_users, role=Role.PARTNER_REP).values_list(
        "user_id", "region__path"
    ):
        role_paths.setdefault(uid, []).append(path)
    for pid, uid in rep_rows:
        reps.setdefault(pid, {})[uid] = role_paths.get(uid, [])
    result = {}
    for u in rows:
        unit_reps = {uid: tuple(sorted(p)) for uid, p in reps.get(u.pk, {}).items()}
        facts = UnitFacts(
            partner_id=u.pk,
            name=u.name,
            region_path=u.region.path,
            community_paths=tuple(sorted(c.path for c in u.communities.all())),
            claim_paths=tuple(sorted({p for paths in unit_reps.values() for p in paths})),
            resources=[
                ResourceFacts(r.kind, r.title, r.keywords, r.description, r.available_from, r.available_until)
                for r in u.live_resources
            ],
            open_claims=u.n_open,
            done=u.n_done,
            failed=u.n_failed,
        )
        result[u.pk] = UnitInfo(facts, unit_reps)
    return result


# --- ranking ---------------------------------------------------------------------------------


@dataclass
class Candidate:
    kind: str  # "volunteer" | "unit"
    user_id: int | None  # who is invited: the volunteer, or the unit's representative
    partner_id: int | None
    volunteer_id: int | None
    name: str
    score: float
    components: dict[str, float]
    reasons: list[scoring.Reason]
    invited: bool = False
    number: str = ""  # the volunteer's number, to record their work on a demand

    @property
    def sort_key(self):
        return (-self.score, self.kind != "volunteer", self.volunteer_id or self.partner_id or 0)


def check_may_recommend(by, need_obj) -> None:
    if not access.can(by, "claimers.recommend", need_obj):
        raise NotAllowed(_("Only staff of the region can see recommended claimers."))


def _volunteer_tiers(need: Need):
    """(bound, match, level, region ids, skills to have, skills not to have), best bound first."""
    fits = {
        sid: scoring.skill_match(need, name, kw)
        for sid, name, kw in Skill.objects.values_list("pk", "name", "keywords")
    }
    levels = sorted({f for f in fits.values() if f > 0}, reverse=True) + [0.0]
    regions: dict[str, list[int]] = {"grid": [], "community": [], "street": []}
    for rid, path in Region.objects.filter(path__startswith=need.street_path).values_list("pk", "path"):
        level = scoring.closeness_level(need, path)
        if level:
            regions[level].append(rid)
    tiers = []
    for m in levels:
        have = [s for s, f in fits.items() if f == m] if m > 0 else None
        higher = [s for s, f in fits.items() if f > m]
        for level, ids in regions.items():
            if ids:
                tiers.append((scoring.upper_bound(m, CLOSENESS[level]), m, level, ids, have, higher))
    tiers.sort(key=lambda t: -t[0])
    return tiers


def _rank_volunteers(need: Need, limit: int) -> list[tuple[float, int, int]]:
    """The best `limit` (score, volunteer id, user id), read tier by tier (see the module)."""
    through = Volunteer.skills.through.objects
    may_claim_here = Membership.objects.filter(
        role=Role.VOLUNTEER, region_id__in=ancestor_ids(need.grid_path)
    )
    base = Volunteer.objects.filter(
        status=VolunteerStatus.APPROVED,
        user__is_active=True,
        user_id__in=may_claim_here.values("user_id"),
    )
    if need.owner_user_id:
        base = base.exclude(user_id=need.owner_user_id)
    best: list[tuple[float, int, int]] = []
    for bound, m, level, region_ids, have, higher in _volunteer_tiers(need):
        if len(best) >= limit and bound < -best[limit - 1][0]:
            break
        qs = base.filter(home_region_id__in=region_ids)
        if have:
            qs = qs.filter(Exists(through.filter(volunteer_id=OuterRef("pk"), skill_id__in=have)))
        if higher:
            qs = qs.exclude(Exists(through.filter(volunteer_id=OuterRef("pk"), skill_id__in=higher)))
        rows = _with_claim_counts(qs).values_list(
            "pk", "user_id", "availability", "n_open", "n_done", "n_failed"
        )
        for vid, uid, avail, n_open, n_done, n_failed in rows:
            score = scoring.total(
                {
                    "match": m,
                    "closeness": CLOSENESS[level],
                    "availability": scoring.availability_score(len(scoring.free_slots(avail))),
                    "load": scoring.load_score(n_open),
                    "record": scoring.record_score(n_done, n_failed),
                }
            )
            if score > 0:
                best.append((-score, vid, uid))
        best.sort()
        del best[limit:]
    return [(-s, vid, uid) for s, vid, uid in best]


def shown_name(volunteer: Volunteer, by) -> str:
    """A volunteer's name as `by` sees it among claimers: in full where they may view the
    volunteer (staff of the volunteer's home, the volunteer), else masked."""
    return volunteer.name if access.can(by, "volunteer.view", volunteer) else volunteer.masked_name


def volunteers_for(region: Region) -> QuerySet[Volunteer]:
    """Approved volunteers who may claim somewhere in `region` (the volunteer role at it, above
    or below it): the claimers its wishes' recommendations can show."""
    may_claim = Membership.objects.filter(role=Role.VOLUNTEER).filter(
        Q(region__path__startswith=region.path) | Q(region_id__in=region.ancestor_ids)
    )
    return Volunteer.objects.filter(
        status=VolunteerStatus.APPROVED, user__is_active=True, user_id__in=may_claim.values("user_id")
    )


def units_serving(need: Need) -> QuerySet[PartnerUnit]:
    """Units whose area contains the need's grid (serves() narrows by communities after)."""
    return PartnerUnit.objects.filter(region_id__in=ancestor_ids(need.grid_path))


def candidates(need_obj, by, limit: int = 10, *, today: dt.date | None = None) -> list[Candidate]:
    """The best `limit` claimers for a wish or a demand, best first, each with its score,
    components and reasons. Staff of the need's region only."""
    check_may_recommend(by, need_obj)
    limit = max(1, min(int(limit), MAX_LIMIT))
    need = scoring.need_of(need_obj)
    today = today or timezone.localdate()
    found: list[Candidate] = []
    # volunteers: the top ones by the tiered read, then scored in full for their reasons
    ranked = _rank_volunteers(need, limit)
    facts = volunteer_facts([uid for _, _, uid in ranked])
    people = {
        v.pk: v for v in Volunteer.objects.select_related("home_region").filter(pk__in=[r[1] for r in ranked])
    }
    for _score, vid, uid in ranked:
        f, v = facts.get(uid), people.get(vid)
        if f is None or v is None:  # changed meanwhile
            continue
        scored = scoring.score_volunteer(need, f, today)
        if scored.score <= 0:
            continue
        name = shown_name(v, by)
        found.append(
            Candidate(
                "volunteer",
                uid,
                None,
                vid,
                name,
                scored.score,
                scored.components,
                scored.reasons,
                number=v.number or "",
            )  # fmt: skip
        )
    # units: few per street, scored in full
    for info in unit_facts(units_serving(need)).values():
        scored = scoring.score_unit(need, info.facts, today)
        invitee = info.invitee_for(need)
        if scored.score <= 0 or invitee is None:
            continue
        found.append(
            Candidate(
                "unit", invitee, info.facts.partner_id, None, info.facts.name, scored.score,
                scored.components, scored.reasons,
            )
        )  # fmt: skip
    found.sort(key=lambda c: c.sort_key)
    found = found[:limit]
    if isinstance(need_obj, Wish):
        pending = set(
            Invitation.objects.filter(wish=need_obj, status=InvitationStatus.PENDING).values_list(
                "invitee_id", "partner_id"
            )
        )
        for c in found:
            c.invited = (c.user_id, c.partner_id) in pending
    return found


def score_of(need_obj, *, user_id: int | None = None, partner_id: int | None = None):
    """(scored, invitee user id) of one claimer for one need; score 0 when not a candidate."""
    need = scoring.need_of(need_obj)
    if partner_id is not None:
        info = unit_facts(PartnerUnit.objects.filter(pk=partner_id)).get(partner_id)
        if info is None:
            return scoring.NOT_A_CANDIDATE, None
        invitee = info.invitee_for(need)
        if user_id is not None:
            invitee = (
                user_id if user_id in info.reps and scoring.may_claim(need, info.reps[user_id]) else None
            )
        if invitee is None:
            return scoring.NOT_A_CANDIDATE, None
        return scoring.score_unit(need, info.facts, timezone.localdate()), invitee
    facts = volunteer_facts([user_id]).get(user_id)
    if facts is None:
        return scoring.NOT_A_CANDIDATE, None
    return scoring.score_volunteer(need, facts), user_id
