"""The one place that decides access.

Two kinds of role give a user the right to an action on an object:
- a *region role* (a Membership) at the object's region or any node above it;
- a *relation* to the object itself ("owner" of a wish, its "claimer"), which the model
  declares with `relations_to(user)` (one object) and `relation_q(user)` (a queryset filter).

ACTION_ROLES is the whole permission table. `can()` answers for one object; `scope()` is
the ONE scoping function every listing of private data goes through (as
`Model.objects.restrict(user, action)`, regions.scoping); `get_for_user()` loads one object and
checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Membership, Region, RegionKind, Role, ancestor_paths

STAFF = {Role.STREET_ADMIN, Role.COMMUNITY_STAFF}
OWNER = "owner"
CLAIMER = "claimer"
HANDLER = "handler"  # the assignee of a demand, or a handler of a department it is transferred to
TRANSFEREE = "transferee"  # a handler of a department the demand was ever transferred to (reads it)
LEADER = "leader"  # a leader of the team a volunteer record or membership belongs to
RELATIONS = {OWNER, CLAIMER, HANDLER, TRANSFEREE, LEADER}

ACTION_ROLES: dict[str, set[str]] = {
    # staff accounts (accounts.staff): who holds which role where; community staff grant grid
    # workers at the grids of their community, a street admin grants every staff role in their
    # street and alone deactivates and reactivates accounts
    "account.manage": STAFF,
    "account.grant_grid_worker": STAFF,
    "account.administer": {Role.STREET_ADMIN},
    # residents
    "resident.search": STAFF | {Role.GRID_WORKER},
    "resident.view": STAFF | {Role.GRID_WORKER, OWNER},  # OWNER: the resident's own account
    "resident.view_log": STAFF,  # a resident's full record and who saw it, when
    "resident.create": STAFF | {Role.GRID_WORKER},  # add one on the spot (people.services.add_resident)
    # a visit to a resident's home (people.VisitNote), noted at the door, often offline
    "visit.record": STAFF | {Role.GRID_WORKER},
    "visit.view": STAFF | {Role.GRID_WORKER},
    # "where I live" (accounts.ResidenceRequest): staff of the community named confirm or
    # reject it (a grid worker may not: confirming a real name links an account to a record)
    "residence.confirm": STAFF,
    "residence.withdraw": {OWNER},
    # micro-wishes
    "wish.create_for_resident": STAFF | {Role.GRID_WORKER},
    "wish.list_region": STAFF | {Role.GRID_WORKER},
    "wish.view_private": STAFF | {OWNER, CLAIMER},
    "wish.review": STAFF,
    "wish.claim": {Role.VOLUNTEER, Role.PARTNER_REP},
    "wish.release": STAFF | {CLAIMER},
    "wish.fulfil": {CLAIMER},
    "wish.confirm": STAFF | {OWNER},
    "wish.dispute": STAFF | {OWNER},  # "it did not come true" (staff: for a resident who phoned)
    "wish.withdraw": STAFF | {OWNER},
    "wish.manage_categories": {Role.STREET_ADMIN},
    # demands (诉求)
    "demand.create": STAFF | {Role.GRID_WORKER},
    "demand.list_region": STAFF | {Role.GRID_WORKER},
    "demand.view": STAFF | {Role.GRID_WORKER, OWNER, HANDLER, TRANSFEREE},
    "demand.dispatch": STAFF,
    "demand.handle": STAFF | {HANDLER},
    "demand.accept": {HANDLER},
    "demand.return": {HANDLER},
    "demand.review_return": {Role.STREET_ADMIN},
    "demand.escalate": STAFF | {HANDLER},
    "demand.reply": STAFF,
    "demand.evaluate": STAFF | {OWNER},
    "demand.deliberate": STAFF,
    "demand.stats": STAFF,
    # the street's settings for demands: its holiday calendar and its departments (at the
    # street); the category tree is shared by the whole deployment (any street admin)
    "demand.configure": {Role.STREET_ADMIN},
    "demand.manage_categories": {Role.STREET_ADMIN},
    # volunteers, teams, the service ledger and points
    "volunteer.view": STAFF | {OWNER},
    "volunteer.list_region": STAFF,
    "volunteer.approve": STAFF,
    "volunteer.edit_own": {OWNER},
    "team.create": STAFF,
    "team.manage": STAFF | {LEADER},
    "team.leave": {OWNER},
    "service.view": STAFF | {OWNER, LEADER},
    "service.record": STAFF | {LEADER},
    "service.verify": STAFF | {LEADER},
    "service.honour": STAFF,
    "points.manage": {Role.STREET_ADMIN},
    # partner units, resources and the three lists
    "partner.manage": STAFF | {OWNER},  # a unit's profile and resources: staff, its representatives
    "partner.list_region": STAFF,
    "project.create": STAFF,
    "project.manage": STAFF | {OWNER},
    "survey.manage": STAFF,
    "survey.collect": STAFF | {Role.GRID_WORKER},
    "lists.view": STAFF,
    # recommended claimers and invitations
    "claimers.recommend": STAFF,  # rank candidates for a wish or demand, invite, bulk-assign
    "invitation.view": STAFF | {OWNER},  # OWNER: the invitee, or a representative of the invited unit
    "invitation.respond": {OWNER},  # accept (which claims the wish) or decline
    # stations (驿站, places): staff of the station's region keep it, its amenities' states
    # and hand out the love supermarket's pick-ups; the public page needs no action
    "station.manage": STAFF,
    "station.hand_over": STAFF,
    "pickup.view": STAFF | {OWNER},  # OWNER: the volunteer who redeemed
    # function rooms of a service centre (places.rooms): anyone with a role in the centre's
    # region, above it or inside it sees the rooms and asks for a booking (checked with
    # can_within); staff of the region keep the rooms, approve, refuse or book directly; the
    # booker cancels and checks in at the door
    "room.view": STAFF | {Role.GRID_WORKER, Role.VOLUNTEER, Role.PARTNER_REP, Role.RESIDENT, Role.DEPARTMENT},
    "room.manage": STAFF,
    "booking.request": STAFF
    | {Role.GRID_WORKER, Role.VOLUNTEER, Role.PARTNER_REP, Role.RESIDENT, Role.DEPARTMENT},
    "booking.view": STAFF | {OWNER},
    "booking.approve": STAFF,
    "booking.cancel": STAFF | {OWNER},
    "booking.check_in": STAFF | {OWNER},
    # events (events): staff of the event's community or street run it and see who signed up;
    # grid workers and staff sign residents up on their behalf; a sign-up's owner (the person,
    # or the resident's account) cancels it and takes an offered place
    "event.manage": STAFF,
    "event.signups": STAFF,
    "event.sign_up_for": STAFF | {Role.GRID_WORKER},
    "signup.view": STAFF | {OWNER},
    "signup.cancel": STAFF | {OWNER},
    "signup.respond": STAFF | {OWNER},
    # check-in and check-out: the staff of the event's place and the volunteers serving it
    # (events.EventHelper, HANDLER on a check-in); the roster is the staff's
    "event.check_in": STAFF | {HANDLER},
    "checkin.view": STAFF | {HANDLER, OWNER},
    "event.helpers": STAFF,
    # service fairs (events.fairs): staff of the fair's place set up stalls and food-bank rounds
    # and see the summary; the volunteers and unit staff serving at a stall (HANDLER: its
    # workers) call numbers, take a number for someone, record whom they served, hand out parcels
    "stall.manage": STAFF,
    "stall.serve": STAFF | {HANDLER},
    "ticket.view": STAFF | {OWNER, HANDLER},
    "ticket.cancel": STAFF | {OWNER},
    "slot_booking.view": STAFF | {OWNER, HANDLER},
    "slot_booking.cancel": STAFF | {OWNER},
    "fair.summary": STAFF,
    "food.manage": STAFF,
    "food.hand_out": STAFF | {HANDLER},
    # personal-data requests (PIPL): the person's own, and the staff of their grid who act on them
    "datarequest.view": STAFF | {OWNER},
    "datarequest.handle": STAFF,
}


def memberships(user) -> list[tuple[str, str]]:
    """(role, region path) pairs of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_wg_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).values_list("role", "region__path"))
        if user.is_superuser:
            cached += [
                (Role.STREET_ADMIN, root)
                for root in Region.objects.filter(parent=None).values_list("path", flat=True)
            ]
        user._wg_memberships = cached
    return cached


def forget(user) -> None:
    """Drop the cached memberships (after granting or removing a role)."""
    if hasattr(user, "_wg_memberships"):
        del user._wg_memberships


def roles_at(user, path: str) -> set[str]:
    return {role for role, prefix in memberships(user) if path.startswith(prefix)}


def has_role(user, roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return any(role in wanted for role, _ in memberships(user))


def role_paths(user, action: str) -> list[str]:
    """The paths of the regions where `user` holds a role allowed to `action`, sorted."""
    allowed = ACTION_ROLES[action]
    return sorted({path for role, path in memberships(user) if role in allowed})


def regions_for(user, action: str) -> QuerySet[Region]:
    """The top-most regions where `user` may perform `action` by a region role."""
    prefixes = role_paths(user, action)
    if not prefixes:
        return Region.objects.none()
    return Region.objects.filter(path__in=prefixes)


def regions_below(user, action: str, kind: str) -> QuerySet[Region]:
    """The regions of `kind` at or below those where `user` may `action` by a region role (a
    street's staff: every community or grid of the street); in tree order."""
    condition = Q(pk__in=[])
    for prefix in role_paths(user, action):
        condition |= Q(path__startswith=prefix)
    return Region.objects.filter(condition, kind=kind).order_by("path")


def grids_for(user, action: str) -> QuerySet[Region]:
    """The grids where `user` may `action` by a region role: their own grids, every grid of
    their community or street; in tree order."""
    return regions_below(user, action, RegionKind.GRID)


def object_path(obj) -> str:
    return obj.scope_path if hasattr(obj, "scope_path") else obj.path


def can(user, action: str, obj=None, *, path: str | None = None) -> bool:
    """May `user` do `action` on `obj` (or anywhere under `path`; given neither, anywhere)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    allowed = ACTION_ROLES[action]
    target_path = path if path is not None else (object_path(obj) if obj is not None else None)
    if target_path is not None and roles_at(user, target_path) & allowed:
        return True
    if target_path is None and has_role(user, allowed):
        return True
    if obj is not None and allowed & RELATIONS and hasattr(obj, "relations_to"):
        return bool(obj.relations_to(user) & allowed)
    return False


def can_within(user, action: str, region) -> bool:
    """May `user` do `action` somewhere in `region` (or any scoped object): at it, above it,
    or at a place inside it (a grid worker opens a round of visits for their community)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    allowed = ACTION_ROLES[action]
    path = object_path(region)
    return any(
        role in allowed and (path.startswith(prefix) or prefix.startswith(path))
        for role, prefix in memberships(user)
    )


def scope(queryset: QuerySet, user, action: str, *, within: bool = False) -> QuerySet:
    """Restrict `queryset` to the rows `user` may `action`: rows under a region where the user
    holds an allowed role, plus rows the user is related to (the model's relation_q). With
    `within`, the rows can_within() allows: under a role's region or above it, no relations."""
    model = queryset.model
    allowed = ACTION_ROLES[action]
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    condition = Q(pk__in=[])
    lookup = model.scope_path_lookup
    for prefix in role_paths(user, action):
        condition |= Q(**{f"{lookup}__startswith": prefix})
        if within:
            condition |= Q(**{f"{lookup}__in": ancestor_paths(prefix)})
    relations = allowed & RELATIONS
    if relations and not within and hasattr(model, "relation_q"):
        condition |= model.relation_q(user, relations)
    return queryset.filter(condition)


def holders(roles: Iterable[str], path: str):
    """Users holding one of `roles` at `path` or above it (e.g. the staff to notify)."""
    from django.contrib.auth import get_user_model

    prefixes = ancestor_paths(path)
    return (
        get_user_model()
        .objects.filter(
            memberships__role__in=list(roles), memberships__region__path__in=prefixes, is_active=True
        )
        .distinct()
    )


Check = str | Iterable[str] | Callable[[object, Model], bool]


def _passes(user, check: Check, obj) -> bool:
    if callable(check):
        return check(user, obj)
    if isinstance(check, str):
        return can(user, check, obj)
    return any(can(user, action, obj) for action in check)


def get_for_user(
    source, user, action: Check | None = None, *, see: Check | None = None, denied=None, **lookup
):
    """The one row at `lookup` of `source` (a model or queryset), checked once (healthchecks'
    _get_check_for_user): 404 when there is none or `user` may not even see it (`see`: an
    action, several, or a test of (user, obj)); PermissionDenied (or `denied`) when they see it
    but may not `action` it."""
    obj = get_object_or_404(source, **lookup)
    if see is not None and not _passes(user, see, obj):
        raise Http404
    if action is not None and not _passes(user, action, obj):
        raise denied if denied is not None else PermissionDenied
    return obj
