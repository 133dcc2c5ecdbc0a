"""Bulk assignment: a batch of published wishes (e.g. those collected at one fair) and a set
of claimers with capacities → the assignment with the greatest total match score.

Exact, not greedy: the score matrix (wishes × claimers, scores from scoring.py) gets each
claimer's column repeated `capacity` times, and the Hungarian method
(scipy.optimize.linear_sum_assignment, maximising) picks at most one cell per row and per
column. Scores are never negative, so a full assignment of the bigger side loses nothing
against a partial one; pairs scoring 0 (not a candidate) are dropped from the answer, which
leaves the total unchanged. Staff review the proposal and `confirm` it in one step: one
invitation per pair, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.volunteers.models import Skill
from weiguang.wishes.models import Wish, WishStatus

from . import invitations, recommend, scoring
from .models import Invitation

MAX_CAPACITY = 20
# what scoring.need_of() and the access check read of a wish
NEED_FIELDS = [
    "kind", "title", "description", "status", "grid__path", "community__path", "street__path",
    "category__name", "category__keywords", "resident__user_id",
]  # fmt: skip


@dataclass(frozen=True)
class ClaimerRef:
    """A volunteer (by user id) or a partner unit (by id)."""

    user_id: int | None = None
    partner_id: int | None = None

    def __post_init__(self):
        if (self.user_id is None) == (self.partner_id is None):
            raise ValueError("A claimer is a user or a partner unit, not both nor neither.")


@dataclass
class Pair:
    wish_id: int
    claimer: ClaimerRef
    invitee_id: int  # the volunteer, or the unit's representative who is asked
    score: float
    components: dict[str, float]
    reasons: list[scoring.Reason]


@dataclass
class Proposal:
    pairs: list[Pair]
    total: float
    unassigned: list[int]  # wishes no claimer fits (or all fitting claimers are full)
    skipped: list[int] = field(default_factory=list)  # wishes not on the wall any more
    timings: dict[str, float] = field(default_factory=dict)  # seconds: matrix, solve


def solve(scores: np.ndarray, capacities: Sequence[int]) -> list[tuple[int, int]]:
    """Rows (wishes) to columns (claimers) maximising the total score, each row at most once,
    column j at most capacities[j] times; no pair of score ≤ 0. Returns (row, column) pairs."""
    scores = np.asarray(scores, dtype=float)
    caps = np.asarray(capacities, dtype=int)
    if scores.ndim != 2 or scores.shape[1] != len(caps):
        raise ValueError("one capacity per column")
    slots = np.repeat(np.arange(len(caps)), np.clip(caps, 0, None))
    if scores.shape[0] == 0 or len(slots) == 0:
        return []
    expanded = np.clip(scores[:, slots], 0, None)
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    return sorted((int(r), int(slots[c])) for r, c in zip(rows, cols, strict=True) if expanded[r, c] > 0)


def _check_wishes(wishes: Iterable[Wish], by) -> None:
    if by is not None:
        for wish in wishes:
            if not access.can(by, "claimers.recommend", wish):
                raise NotAllowed(_("Only staff of the region can assign claimers to these wishes."))


def _load_wishes(wish_ids) -> list[Wish]:
    return list(
        Wish.objects.filter(pk__in=list(wish_ids))
        .select_related("grid", "community", "street", "category", "resident")
        .only(*NEED_FIELDS)
        .order_by("pk")
    )


def score_matrix(wishes: Sequence[Wish], claimers: Sequence[ClaimerRef]):
    """(scores, needs, volunteer facts by user, unit infos by id) for wishes × claimers."""
    needs = [scoring.need_of(w) for w in wishes]
    vol_facts = recommend.volunteer_facts([c.user_id for c in claimers if c.user_id is not None])
    units = recommend.unit_facts(
        PartnerUnit.objects.filter(pk__in=[c.partner_id for c in claimers if c.partner_id is not None])
    )
    scores = np.zeros((len(wishes), len(claimers)))
    vol_cols = [j for j, c in enumerate(claimers) if c.user_id in vol_facts]
    if vol_cols:
        skills = {pk: (name, kw) for pk, name, kw in Skill.objects.values_list("pk", "name", "keywords")}
        scores[:, vol_cols] = scoring.volunteer_matrix(
            needs, [vol_facts[claimers[j].user_id] for j in vol_cols], skills
        )
    today = timezone.localdate()
    for j, c in enumerate(claimers):
        info = units.get(c.partner_id) if c.partner_id is not None else None
        if info is None:
            continue
        for i, need in enumerate(needs):
            if info.invitee_for(need) is not None:
                scores[i, j] = scoring.score_unit(need, info.facts, today).score
    return scores, needs, vol_facts, units


def propose(wishes: Iterable[Wish] | Iterable[int], claimers_with_capacity, by=None) -> Proposal:
    """The best assignment of `wishes` (objects or ids) to `claimers_with_capacity`, a list of
    (ClaimerRef, capacity). With `by`, only staff of every wish's region may ask."""
    import time

    ids = [w.pk if isinstance(w, Wish) else int(w) for w in wishes]
    loaded = _load_wishes(ids)
    _check_wishes(loaded, by)
    skipped = sorted(w.pk for w in loaded if w.status != WishStatus.PUBLISHED)
    open_wishes = [w for w in loaded if w.status == WishStatus.PUBLISHED]
    capacity_of: dict[ClaimerRef, int] = {}
    for ref, capacity in claimers_with_capacity:  # the same claimer twice: capacities add up
        capacity_of[ref] = capacity_of.get(ref, 0) + int(capacity)
    claimers, caps = list(capacity_of), list(capacity_of.values())
    started = time.perf_counter()
    scores, needs, vol_facts, units = score_matrix(open_wishes, claimers)
    built = time.perf_counter()
    chosen = solve(scores, caps)
    solved = time.perf_counter()
    pairs = []
    today = timezone.localdate()
    for i, j in chosen:
        wish, ref, need = open_wishes[i], claimers[j], needs[i]
        if ref.user_id is not None:
            scored, invitee = scoring.score_volunteer(need, vol_facts[ref.user_id], today), ref.user_id
        else:
            info = units[ref.partner_id]
            scored, invitee = scoring.score_unit(need, info.facts, today), info.invitee_for(need)
        pairs.append(Pair(wish.pk, ref, invitee, scored.score, scored.components, scored.reasons))
    assigned = {p.wish_id for p in pairs}
    return Proposal(
        pairs=pairs,
        total=round(float(sum(scores[i, j] for i, j in chosen)), 6),
        unassigned=[w.pk for w in open_wishes if w.pk not in assigned],
        skipped=skipped,
        timings={"matrix": built - started, "solve": solved - built},
    )


def confirm(pairs: Sequence[tuple[int, ClaimerRef]], by) -> list[Invitation]:
    """Create the invitations of a reviewed proposal — (wish id, claimer) pairs — in one
    transaction: all of them or none. Refused when a wish is named twice, is not in the
    caller's region, is no longer on the wall, or a claimer is not a candidate for it."""
    if not pairs:
        raise InvalidInput(_("Choose at least one pair."), fields={"pairs": "required"})
    wish_ids = [wid for wid, _ref in pairs]
    if len(set(wish_ids)) != len(wish_ids):
        raise InvalidInput(
            _("Each wish may be given to one claimer only."), fields={"pairs": "duplicate_wish"}
        )
    wishes = {w.pk: w for w in _load_wishes(wish_ids)}
    missing = [wid for wid in wish_ids if wid not in wishes]
    if missing:
        raise InvalidInput(
            _("There is no such wish: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
            fields={"pairs": "unknown"},
        )
    _check_wishes(wishes.values(), by)
    refs = list(dict.fromkeys(ref for _wid, ref in pairs))
    ordered = [wishes[wid] for wid in wish_ids]
    scores, needs, vol_facts, units = score_matrix(ordered, refs)
    invitees = []
    unfit = []
    column = {ref: j for j, ref in enumerate(refs)}
    for i, (wid, ref) in enumerate(pairs):
        j = column[ref]
        invitee = ref.user_id if ref.user_id is not None else units[ref.partner_id].invitee_for(needs[i])
        if scores[i, j] <= 0 or invitee is None:
            unfit.append(wid)
        invitees.append((invitee, float(scores[i, j])))
    if unfit:
        raise InvalidInput(
            _("These wishes cannot go to the chosen claimer: %(ids)s.") % {"ids": ", ".join(map(str, unfit))},
            fields={"pairs": "not_a_candidate"},
        )
    created = []
    with transaction.atomic():
        locked = {w.pk: w for w in Wish.objects.select_for_update().filter(pk__in=wish_ids).order_by("pk")}
        gone = sorted(wid for wid in wish_ids if locked[wid].status != WishStatus.PUBLISHED)
        if gone:
            raise Conflict(
                _("These wishes are no longer on the wall: %(ids)s. Propose again.")
                % {"ids": ", ".join(map(str, gone))},
                code="not_published",
            )
        for (wid, ref), (invitee, score) in zip(pairs, invitees, strict=True):
            inv, _new = invitations.create_invitation(locked[wid], by, invitee, ref.partner_id, score)
            created.append(inv)
    return created
