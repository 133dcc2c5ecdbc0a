"""Queries: what a user sees, and what a user may do now."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from weiguang.accounts import residence
from weiguang.regions.models import Region

from ..access import may, works_at
from ..models import (
    DEMAND_TRANSITIONS,
    OPEN_STATUSES,
    YELLOW_WINDOW,
    DeadlineColour,
    Demand,
    DemandChannel,
    DemandStatus,
    Transfer,
    TransferStatus,
    overdue_q,
)
from .dispatch import _summoned_handler

# --- queries ----------------------------------------------------------------------------


def can_see_contact(user, demand: Demand) -> bool:
    return may(user, "demand.view", demand)


def sent_unconfirmed(demand: Demand) -> bool:
    """未核实身份: sent online, with no resident record, by an account whose address staff have
    not confirmed yet (accounts.residence: a pending request). Staff who see the contact see it."""
    return (
        demand.resident_id is None
        and demand.channel == DemandChannel.ONLINE
        and demand.created_by_id is not None
        and residence.is_unconfirmed_author(demand.created_by)
    )


def region_demands(user) -> QuerySet[Demand]:
    return Demand.objects.restrict(user, "demand.list_region")


def visible_demands(user) -> QuerySet[Demand]:
    """Every demand the user may read: by region role, as the resident, or as its handler."""
    return Demand.objects.restrict(user, "demand.view")


def community_queue(user, community: Region, colour: str = "") -> QuerySet[Demand]:
    """The open orders of a community the user may list, soonest handling deadline first
    (read off the partial index demand_open_queue); `colour` keeps only green, yellow or red."""
    qs = region_demands(user).filter(community=community, status__in=OPEN_STATUSES)
    if colour:
        qs = by_colour(qs, colour)
    return qs.select_related("grid", "category__parent", "assignee").order_by("handle_due", "id")


def by_colour(qs: QuerySet[Demand], colour: str, now: dt.datetime | None = None) -> QuerySet[Demand]:
    """Open orders whose handling deadline is green, yellow (within 24 h) or red (passed)."""
    now = now or timezone.now()
    qs = qs.filter(status__in=OPEN_STATUSES)
    if colour == DeadlineColour.RED:
        return qs.filter(overdue_q(now))
    if colour == DeadlineColour.YELLOW:
        return qs.filter(handle_due__gte=now, handle_due__lte=now + YELLOW_WINDOW)
    if colour == DeadlineColour.GREEN:
        return qs.filter(handle_due__gt=now + YELLOW_WINDOW)
    raise ValueError(f"unknown colour {colour!r}")


def department_inbox(user) -> QuerySet[Transfer]:
    """The live transfers of the user's departments, soonest deadline first."""
    return (
        Transfer.objects.filter(department__handlers=user, status__in=Transfer.LIVE_STATUSES)
        .select_related("demand", "demand__grid", "demand__community", "department")
        .order_by("deadline", "id")
    )


def escalation_board(user) -> QuerySet[Demand]:
    """Escalated and returned demands of the streets the user administers (吹哨), with the
    departments summoned to report in."""
    return (
        Demand.objects.restrict(user, "demand.review_return")
        .filter(
            Q(status__in=[DemandStatus.ESCALATED, DemandStatus.RETURNED])
            | Q(transfers__summoned=True, status=DemandStatus.TRANSFERRED)
        )
        .distinct()
        .select_related("grid", "community")
        .prefetch_related("transfers__department")
        .order_by("handle_due", "id")
    )


# --- what a user may do now -------------------------------------------------------------

_UNSET = object()


def handler_transfer(demand: Demand, user) -> Transfer | None:
    """The live transfer of `demand` to a department `user` handles for, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        demand.transfers.filter(status__in=Transfer.LIVE_STATUSES, department__handlers=user)
        .select_related("department")
        .first()
    )


def available_actions(demand: Demand, user, transfer=_UNSET) -> dict:
    """The transitions `user` may start on `demand` now, by name: those the state machine and
    the access rules allow, less those the service would refuse for a reason known here (a
    department that already accepted, or whose part is done, has nothing to accept or return).
    The page and the API's `actions` both show this."""
    if transfer is _UNSET:
        transfer = handler_transfer(demand, user)
    available = {t.name: t for t in DEMAND_TRANSITIONS.available(demand, user)}
    active = transfer is not None and transfer.status == TransferStatus.ACTIVE
    if "accept" in available and (not active or transfer.accepted_at):
        del available["accept"]
    if "return" in available and not active:
        del available["return"]
    if "escalate" in available and _summoned_handler(demand, user):
        del available["escalate"]
    if transfer is not None and not active:
        staff = works_at(user, demand.grid.path)
        if not staff and demand.assignee_id != user.pk:
            available.pop("handle", None)
            available.pop("handle_part", None)
    return available
