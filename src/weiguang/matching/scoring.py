"""Who should make a need come true: the match score of a (need, candidate) pair.

Pure functions over plain data (no queries here; recommend.py and assignment.py load the
data). A need is a micro-wish or a demand; a candidate is an approved volunteer or a partner
unit (whose representatives claim for it).

    score = 0.35·match + 0.20·closeness + 0.15·availability + 0.15·load + 0.15·record

and 0 when the pair is no candidate at all (outside the need's street, or the candidate may
not claim there). Every component lies in [0, 1], so the score does too.

- match: the best of the candidate's skills (volunteers) or active resources (units).
  A skill's or resource's terms (its name or title and its keywords) are compared with the
  need's terms (category name and keywords) and text (title and description); each distinct
  term found counts as a hit and the keyword fit is 1 − 0.5^hits (1 hit 0.5, 2 hits 0.75, ...).
  A resource only fits a need of its kind (item wish ↔ goods; service wish or demand ↔ service
  or people) and then scores 0.25 + 0.75 × keyword fit.
- closeness in the place tree: home (or the unit's area) in the need's grid 1, in its
  community 0.6, elsewhere in its street 0.3, anywhere else: not a candidate.
- availability: a volunteer's weekly free slots (the coming week is one turn of the weekly
  pattern): none 0, otherwise 0.5 + 0.5 × min(slots, 6)/6. A unit: 1 when a fitting resource
  is on offer in the coming week, 0.5 otherwise.
- load: open (active) claims n → 1/(1 + n), to spread the work.
- record: past claims with a prior, (done + 1)/(done + failed + 2), failed = released or
  expired; a newcomer starts at 0.5.

Each score comes with its components and the reasons a person reads ("技能：家电维修",
"同一网格", "本周有空", "正在办理 2 个心愿", "完成率 90%").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weiguang.volunteers.models import PERIODS, WEEKDAYS

# Load weighs enough that two wishes in hand cost more than living one step further away
# (grid → community: 0.20 × 0.4 = 0.08 < 0.15 × 2/3 = 0.10); a fitting skill outweighs both.
WEIGHTS = {"match": 0.35, "closeness": 0.20, "availability": 0.15, "load": 0.15, "record": 0.15}
CLOSENESS = {"grid": 1.0, "community": 0.6, "street": 0.3}
RESOURCE_BASE = 0.25  # a resource of the right kind, before its keywords are compared
FULL_SLOTS = 6  # weekly free slots that count as fully available
# which resource kinds can answer which kind of need
RESOURCE_KINDS = {"item": {"goods"}, "service": {"service", "people"}, "demand": {"service", "people"}}

_SPLIT = re.compile(r"[\s,，、;；/|。.]+")


@lru_cache(maxsize=16_384)
def split_terms(*texts: str) -> tuple[str, ...]:
    """Keywords from free text: separated by spaces, commas (also Chinese ones) or slashes."""
    seen: dict[str, None] = {}
    for text in texts:
        for term in _SPLIT.split(text or ""):
            term = term.strip().lower()
            if term:
                seen.setdefault(term, None)
    return tuple(seen)


# --- the need ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What is needed and where: built from a wish or a demand by `need_of()`."""

    kind: str  # "item" | "service" (wishes) | "demand"
    terms: tuple[str, ...]  # category name and keywords
    text: str  # title and description, lower case
    grid_path: str
    community_path: str
    street_path: str
    owner_user_id: int | None = None  # the resident (who may not claim their own wish)


def need_of(obj) -> Need:
    """A Need from a Wish or a Demand (their category, text and place)."""
    from weiguang.wishes.models import Wish

    terms: list[str] = []
    category = obj.category
    if category is not None:
        terms += split_terms(category.name, getattr(category, "keywords", ""))
        parent = getattr(category, "parent", None)  # demand categories form a tree
        if parent is not None:
            terms += split_terms(parent.name)
    kind = obj.kind if isinstance(obj, Wish) else "demand"
    resident = getattr(obj, "resident", None)
    return Need(
        kind=kind,
        terms=tuple(dict.fromkeys(terms)),
        text=f"{obj.title} {obj.description}".lower(),
        grid_path=obj.grid.path,
        community_path=obj.community.path,
        street_path=obj.street.path,
        owner_user_id=resident.user_id if resident is not None else None,
    )


# --- components --------------------------------------------------------------------------


def _within(small: str, big: str) -> bool:
    """`small` occurs in `big`; a single character only counts as the whole word ("书" is not
    "书法")."""
    return small == big or (len(small) >= 2 and small in big)


def keyword_hits(need: Need, offer_terms: Iterable[str], offer_text: str = "") -> list[str]:
    """Distinct terms shared by the need and an offer: an offer term found in the need's text or
    inside / around one of its terms, and a need term found in the offer's text."""
    return list(_hits(need.terms, need.text, tuple(offer_terms), (offer_text or "").lower()))


@lru_cache(maxsize=65_536)
def _hits(
    terms: tuple[str, ...], text: str, offer_terms: tuple[str, ...], offer_text: str
) -> tuple[str, ...]:
    # Cached: a batch of wishes shares categories and often texts. Same rule as
    # _within(term, text) or any(_within(term, n) or _within(n, term) for n in terms), faster:
    # a term of two or more characters lies inside some need term iff it lies inside their
    # NUL-joined blob (no word holds a NUL).
    exact = set(terms)
    blob = "\x00".join(terms)
    long_terms = [n for n in terms if len(n) >= 2]
    hits: dict[str, None] = {}
    for term in offer_terms:
        if (
            term in exact
            or term == text
            or (len(term) >= 2 and (term in text or term in blob))
            or any(n in term for n in long_terms)
        ):
            hits.setdefault(term, None)
    for n in terms:
        if _within(n, offer_text) and not any(_within(n, h) or _within(h, n) for h in hits):
            hits.setdefault(n, None)
    return tuple(hits)


def keyword_fit(hits: int) -> float:
    return 1.0 - 0.5**hits if hits > 0 else 0.0


def skill_match(need: Need, name: str, keywords: str) -> float:
    terms = split_terms(name, keywords)
    return keyword_fit(len(keyword_hits(need, terms, name)))


def resource_match(need: Need, kind: str, title: str, keywords: str, description: str = "") -> float:
    if kind not in RESOURCE_KINDS.get(need.kind, set()):
        return 0.0
    hits = keyword_hits(need, split_terms(keywords), f"{title} {description}")
    return RESOURCE_BASE + (1.0 - RESOURCE_BASE) * keyword_fit(len(hits))


def closeness_level(need: Need, home_path: str) -> str | None:
    """'grid', 'community' or 'street' for a home region (or a unit's area); None if outside."""
    if not home_path:
        return None
    if home_path.startswith(need.grid_path):
        return "grid"
    if home_path.startswith(need.community_path):
        return "community"
    if home_path.startswith(need.street_path):
        return "street"
    return None


def unit_closeness_level(need: Need, region_path: str, community_paths: Sequence[str]) -> str | None:
    """A unit serves the need's grid when its area contains it and, if it lists the communities
    it serves, one of them does. It is as close as the narrowest area that covers the need."""
    if not need.grid_path.startswith(region_path):
        return None
    if community_paths and not any(need.grid_path.startswith(p) for p in community_paths):
        return None
    if region_path.startswith(need.grid_path):
        return "grid"
    if region_path.startswith(need.community_path) or any(
        p.startswith(need.community_path) for p in community_paths
    ):
        return "community"
    return "street"


def may_claim(need: Need, claim_paths: Iterable[str]) -> bool:
    """Whether a role held at one of `claim_paths` covers the need's grid."""
    return any(need.grid_path.startswith(p) for p in claim_paths)


def free_slots(availability) -> list[tuple[str, str]]:
    if not isinstance(availability, dict):
        return []
    return [
        (day, period)
        for day in WEEKDAYS
        for period in PERIODS
        if isinstance(availability.get(day), list) and period in availability[day]
    ]


def availability_score(slots: int) -> float:
    return 0.0 if slots <= 0 else 0.5 + 0.5 * min(slots, FULL_SLOTS) / FULL_SLOTS


def load_score(open_claims: int) -> float:
    return 1.0 / (1 + max(open_claims, 0))


def record_score(done: int, failed: int) -> float:
    return (done + 1) / (done + failed + 2)


def total(components: dict[str, float]) -> float:
    if components["closeness"] <= 0:
        return 0.0
    return round(sum(WEIGHTS[k] * components[k] for k in WEIGHTS), 6)


def upper_bound(match: float, closeness: float) -> float:
    """The best score a candidate can reach once match and closeness are known."""
    rest = WEIGHTS["availability"] + WEIGHTS["load"] + WEIGHTS["record"]
    return WEIGHTS["match"] * match + WEIGHTS["closeness"] * closeness + rest


# --- candidates ----------------------------------------------------------------------------


@dataclass
class Reason:
    code: str  # skill, resource, grid, community, street, free, busy, idle, record, new
    text: str


@dataclass
class VolunteerFacts:
    """What the score of a volunteer depends on."""

    volunteer_id: int
    user_id: int
    home_path: str
    claim_paths: tuple[str, ...]  # where the volunteer holds the volunteer role
    skills: dict[int, tuple[str, str]]  # skill id → (name, keywords)
    availability: dict
    open_claims: int = 0
    done: int = 0
    failed: int = 0


@dataclass
class ResourceFacts:
    kind: str
    title: str
    keywords: str
    description: str = ""
    available_from: dt.date | None = None
    available_until: dt.date | None = None


@dataclass
class UnitFacts:
    """What the score of a partner unit depends on. `claim_paths`: where one of its
    representatives holds the partner role (they claim for it)."""

    partner_id: int
    name: str
    region_path: str
    community_paths: tuple[str, ...]
    claim_paths: tuple[str, ...]
    resources: list[ResourceFacts] = field(default_factory=list)
    open_claims: int = 0
    done: int = 0
    failed: int = 0


@dataclass
class Scored:
    score: float
    components: dict[str, float]
    reasons: list[Reason]


def _common_reasons(level: str, open_claims: int, done: int, failed: int) -> list[Reason]:
    labels = {"grid": _("Same grid"), "community": _("Same community"), "street": _("Same street")}
    reasons = [Reason(level, labels[level])]
    if open_claims:
        reasons.append(
            Reason(
                "busy",
                ngettext("Working on %(n)d wish", "Working on %(n)d wishes", open_claims)
                % {"n": open_claims},
            )
        )
    else:
        reasons.append(Reason("idle", _("No wish in hand")))
    if done + failed:
        reasons.append(
            Reason("record", _("Fulfilment rate %(rate)d%%") % {"rate": round(100 * done / (done + failed))})
        )
    else:
        reasons.append(Reason("new", _("No claims yet")))
    return reasons


NOT_A_CANDIDATE = Scored(0.0, dict.fromkeys(WEIGHTS, 0.0), [])


def score_volunteer(need: Need, v: VolunteerFacts, today: dt.date | None = None) -> Scored:
    level = closeness_level(need, v.home_path)
    if level is None or not may_claim(need, v.claim_paths) or v.user_id == need.owner_user_id:
        return NOT_A_CANDIDATE
    skill_fits = sorted(
        ((skill_match(need, name, kw), name) for name, kw in v.skills.values()), key=lambda x: -x[0]
    )
    slots = free_slots(v.availability)
    components = {
        "match": skill_fits[0][0] if skill_fits else 0.0,
        "closeness": CLOSENESS[level],
        "availability": availability_score(len(slots)),
        "load": load_score(v.open_claims),
        "record": record_score(v.done, v.failed),
    }
    reasons = [Reason("skill", _("Skill: %(name)s") % {"name": name}) for fit, name in skill_fits if fit > 0]
    reasons += _common_reasons(level, v.open_claims, v.done, v.failed)
    if slots:
        reasons.insert(
            len(reasons) - 2,
            Reason("free", ngettext("Free this week (%(n)d slot)", "Free this week (%(n)d slots)", len(slots))
                   % {"n": len(slots)}),
        )  # fmt: skip
    else:
        reasons.insert(len(reasons) - 2, Reason("no_time", _("No free time given")))
    return Scored(total(components), components, reasons)


def _on_offer(r: ResourceFacts, today: dt.date) -> bool:
    week_end = today + dt.timedelta(days=7)
    return (r.available_from is None or r.available_from <= week_end) and (
        r.available_until is None or r.available_until >= today
    )


def score_unit(need: Need, u: UnitFacts, today: dt.date | None = None) -> Scored:
    level = unit_closeness_level(need, u.region_path, u.community_paths)
    if level is None or not may_claim(need, u.claim_paths):
        return NOT_A_CANDIDATE
    today = today or dt.date.today()
    fits = sorted(
        (
            (resource_match(need, r.kind, r.title, r.keywords, r.description), r)
            for r in u.resources
            if r.available_until is None or r.available_until >= today
        ),
        key=lambda x: -x[0],
    )
    best, best_resource = fits[0] if fits else (0.0, None)
    components = {
        "match": best,
        "closeness": CLOSENESS[level],
        "availability": 1.0
        if best_resource is not None and best > 0 and _on_offer(best_resource, today)
        else 0.5,
        "load": load_score(u.open_claims),
        "record": record_score(u.done, u.failed),
    }
    kind_labels = {"goods": _("goods"), "service": _("service"), "people": _("people")}
    reasons = [
        Reason(
            "resource", _("Resource: %(title)s (%(kind)s)") % {"title": r.title, "kind": kind_labels[r.kind]}
        )
        for fit, r in fits[:3]
        if fit > 0
    ]
    reasons += _common_reasons(level, u.open_claims, u.done, u.failed)
    return Scored(total(components), components, reasons)


# --- many needs × many volunteers at once (bulk assignment) --------------------------------


def volunteer_matrix(
    needs: Sequence[Need], volunteers: Sequence[VolunteerFacts], skills: dict[int, tuple[str, str]]
) -> np.ndarray:
    """Scores of every (need, volunteer) pair, as score_volunteer() gives them, vectorised:
    the keyword work is done once per (need, skill), the place work once per (grid, home)."""
    n, m = len(needs), len(volunteers)
    if not n or not m:
        return np.zeros((n, m))
    # match: best skill of the volunteer for the need
    skill_ids = sorted(skills)
    column = {s: k for k, s in enumerate(skill_ids)}
    fit = np.array(
        [[skill_match(need, *skills[s]) for s in skill_ids] for need in needs], dtype=float
    ).reshape(n, len(skill_ids))
    has = np.zeros((m, len(skill_ids)), dtype=bool)
    for j, v in enumerate(volunteers):
        for s in v.skills:
            if s in column:
                has[j, column[s]] = True
    match = np.zeros((n, m))
    for k in range(len(skill_ids)):
        if fit[:, k].any() and has[:, k].any():
            np.maximum(match, np.outer(fit[:, k], has[:, k]), out=match)
    # closeness and the right to claim: per distinct grid × distinct home / role set
    grids = {}
    need_grid = np.array([grids.setdefault(need.grid_path, len(grids)) for need in needs])
    first_need = {}
    for need in needs:
        first_need.setdefault(need.grid_path, need)
    homes: dict[tuple[str, tuple[str, ...]], int] = {}
    vol_home = np.array([homes.setdefault((v.home_path, v.claim_paths), len(homes)) for v in volunteers])
    place = np.zeros((len(grids), len(homes)))
    for g, grid_path in enumerate(grids):
        need = first_need[grid_path]
        for (home, claim_paths), h in homes.items():
            level = closeness_level(need, home)
            if level is not None and may_claim(need, claim_paths):
                place[g, h] = CLOSENESS[level]
    closeness = place[np.ix_(need_grid, vol_home)]
    # the volunteer's own figures
    rest = np.array(
        [
            WEIGHTS["availability"] * availability_score(len(free_slots(v.availability)))
            + WEIGHTS["load"] * load_score(v.open_claims)
            + WEIGHTS["record"] * record_score(v.done, v.failed)
            for v in volunteers
        ]
    )
    scores = WEIGHTS["match"] * match + WEIGHTS["closeness"] * closeness + rest[None, :]
    scores[closeness <= 0] = 0.0
    # nobody claims their own wish
    by_user = {}
    for j, v in enumerate(volunteers):
        by_user.setdefault(v.user_id, []).append(j)
    for i, need in enumerate(needs):
        for j in by_user.get(need.owner_user_id, ()):
            scores[i, j] = 0.0
    return np.round(scores, 6)
