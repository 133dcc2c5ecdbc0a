"""Staff accounts and roles: the street admin manages who holds which role where without the
Django admin (issue 11, "Staff").

The rule (`may_grant`, from regions.access's table: "account.grant_grid_worker" and
"account.administer"): a role may be granted or removed at a node only by someone who holds,
at that node or above it, a role at least as high as the one granted:

- a street admin (at the street, or a superuser at the root) grants and removes any staff role
  at any node of their street: street admin at the street, community staff at a community,
  grid worker at a grid, department handler and partner representative where the department
  or unit is (those two granted and removed through the department's and the unit's own
  services, registered here by demands and partners as `Attachment`s);
- community staff grant and remove grid workers at the grids of their community (and create
  their accounts), nothing else;
- nobody grants at a node above or beside their own, or a role higher than their own.

Deactivating and reactivating an account, and its history, are the street admin's alone, for
an account whose roles all lie in their street. The last street admin of a street cannot be
removed or deactivated (name another one first). Every change is one audit entry on the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from weiguang.core.audit import history_of, log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from weiguang.core.filters import FilterSchema
from weiguang.core.text import clean_text
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role

from . import security
from .models import Account
from .registration import check_password, free_username, phone_of
from .sms import send_sms

User = get_user_model()

NAME_MAX = 30
# The roles this page manages, highest first (volunteers and residents have their own ways in:
# the volunteer registration and the residence request).
STAFF_ROLES = [Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DEPARTMENT, Role.PARTNER_REP]
# Where each role is held (department handlers and partner representatives: where their
# department or unit is, chosen through its Attachment).
ROLE_KINDS = {
    Role.STREET_ADMIN: {RegionKind.STREET},
    Role.COMMUNITY_STAFF: {RegionKind.COMMUNITY},
    Role.GRID_WORKER: {RegionKind.GRID},
}
# Who may grant (and remove) which role: the regions.access action that allows it.
GRANT_ACTION = {role: "account.administer" for role in STAFF_ROLES} | {
    Role.GRID_WORKER: "account.grant_grid_worker"
}
ACTION = "account.manage"  # regions.access: street admins and community staff


# --- department handlers and partner representatives -------------------------------------


@dataclass(frozen=True)
class Attachment:
    """How a role that belongs to a record of an app above (a department's handler, a unit's
    representative) is granted: the app registers it from its AppConfig.ready()."""

    role: str
    label: object  # lazy text: "Department", "Partner unit"
    options: Callable  # (actor) -> [(id, label, region)] the actor may attach people to
    attach: Callable  # (actor, user, id) -> None: the app's own service, granting the role
    held: Callable  # (membership) -> [(id, label)] the records that give the user this role
    detach: Callable  # (actor, user, id) -> None: the app's own service, removing the role
    manage_url: Callable  # (membership) -> URL of the department's or unit's page


ATTACHMENTS: dict[str, Attachment] = {}


def register_attachment(attachment: Attachment) -> None:
    ATTACHMENTS[attachment.role] = attachment


def records_attachment(
    *, role: str, label, model, place: str, members: str,
    available: Callable, add: Callable, remove: Callable, manage_url: Callable,
) -> Attachment:  # fmt: skip
    """The Attachment of a role that membership of a record gives (a department's `handlers`,
        a unit's `representatives`), held at the record's `place` (its region field): `available`
        (actor) -> the records they may attach people to; `add` and `remove` (actor, record, user),
        the app's services; `manage_url` (membership, the records giving it, a queryset) -> the page
    where they are managed."""

    def options(actor) -> list:
        rows = available(actor).select_related(place).order_by(f"{place}__path", "name")
        return [(r.pk, f"{r.name}（{getattr(r, place).name}）", getattr(r, place)) for r in rows]

    def giving(membership):
        return model.objects.filter(**{place: membership.region_id, members: membership.user_id}).order_by(
            "name"
        )

    def record(pk: int):
        return model.objects.select_related(place).get(pk=pk)

    return Attachment(
        role=role,
        label=label,
        options=options,
        attach=lambda actor, user, pk: add(actor, record(pk), user),
        held=lambda membership: [(r.pk, r.name) for r in giving(membership)],
        detach=lambda actor, user, pk: remove(actor, record(pk), user),
        manage_url=lambda membership: manage_url(membership, giving(membership)),
    )


def not_a_manager() -> str:
    return _("Only street admins and community staff manage staff accounts.")


def unknown_region() -> str:
    return _("There is no such place in your area.")


def role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


# --- the rule --------------------------------------------------------------------------------


def may_grant(actor, role: str, region: Region) -> bool:
    """May `actor` grant (or remove) `role` at `region`? See the module's docstring."""
    return role in GRANT_ACTION and access.can(actor, GRANT_ACTION[role], path=region.path)


def grantable_roles(actor) -> list[str]:
    """The roles `actor` may grant somewhere, highest first."""
    return [role for role in STAFF_ROLES if access.can(actor, GRANT_ACTION[role])]


def may_manage_accounts(actor) -> bool:
    return bool(grantable_roles(actor))


def admin_over_all(actor, user) -> bool:
    """Is `actor` a street admin over every role `user` holds (and does the user hold one)?
    Only then may they deactivate or reactivate the account (a superuser: the Django admin)."""
    if user.is_superuser:
        return False
    paths = [m.region.path for m in user.memberships.all()]
    return bool(paths) and all(access.can(actor, "account.administer", path=p) for p in paths)


def regions_in_scope(actor, *, grantable: bool = False) -> QuerySet[Region]:
    """The nodes of the actor's part of the tree (`grantable`: where they may grant a role)."""
    if not grantable:
        return Region.objects.restrict(actor, ACTION).order_by("path")
    places = Region.objects.none()
    for role in grantable_roles(actor):
        for kind in ROLE_KINDS.get(role, ()):
            places |= access.regions_below(actor, GRANT_ACTION[role], kind)
    return places.order_by("path")


def region_label(region: Region) -> str:
    """A node's name in a select, indented by its depth under the street."""
    return "\u3000" * max(0, region.path.count("/") - 2) + region.name


# --- the list: who holds which role where ---------------------------------------------------


def visible_memberships(actor) -> QuerySet[Membership]:
    """The staff roles held in the actor's part of the tree."""
    return Membership.objects.restrict(actor, ACTION).filter(role__in=STAFF_ROLES)


# The staff roles' codes, for the filter and the API's bodies.
StaffRoleCode = Literal[tuple(r.value for r in STAFF_ROLES)]  # type: ignore[valid-type]


class StaffFilter(FilterSchema):
    """The list's filters, shared by the page and the API. They narrow the roles (each account
    shows the roles that match, and an account is listed when one of its roles does)."""

    q: str | None = Field(None, max_length=30, description="Name, username or part of the mobile number")
    role: StaffRoleCode | None = None
    region: int | None = Field(None, ge=1, le=2**63 - 1, description="A region: roles held there or below")

    lookups: ClassVar[dict[str, str]] = {"role": "role"}

    def filter_q(self, roles: QuerySet[Membership], q: str) -> QuerySet[Membership]:
        q = q.strip()
        if not q:
            return roles
        return roles.filter(
            Q(user__first_name__icontains=q) | Q(user__last_name__icontains=q)
            | Q(user__username__icontains=q) | Q(user__account__phone__contains=q)
        )  # fmt: skip

    def filter_region(self, roles: QuerySet[Membership], pk: int) -> QuerySet[Membership]:
        """Roles held at the region or below it (the roles are the actor's area's already: a
        region elsewhere matches none)."""
        path = Region.objects.filter(pk=pk).values_list("path", flat=True).first()
        return roles.filter(region__path__startswith=path) if path else roles.none()


def staff_accounts(actor, filters: StaffFilter | None = None):
    """The users holding a staff role in the actor's part of the tree (those of `filters`), each
    with those roles (`shown_roles`) and their account, by name."""
    roles = visible_memberships(actor)
    if filters is not None:
        roles = filters.apply(roles)
    users = User.objects.filter(Exists(roles.filter(user=OuterRef("pk"))))
    shown = roles.select_related("region").order_by("region__path", "role")
    return (
        users.select_related("account")
        .prefetch_related(Prefetch("memberships", queryset=shown, to_attr="shown_roles"))
        .order_by("first_name", "username", "pk")
    )


def account_for(actor, pk: int):
    """The user `pk` if they hold a staff role in the actor's part of the tree, else NotFound
    (pages answer 404), with `shown_roles` and all their memberships."""
    if not may_manage_accounts(actor):
        raise NotAllowed(not_a_manager())
    user = staff_accounts(actor).prefetch_related("memberships__region").filter(pk=pk).first()
    if user is None:
        raise NotFound(_("There is no such staff account in your area."))
    return user


HISTORY_LABELS = {
    "staff.create": gettext_lazy("created the account"),
    "staff.send_link": gettext_lazy("sent the link to set a password"),
    "staff.set_password": gettext_lazy("set a password from the link"),
    "staff.grant": gettext_lazy("granted a role"),
    "staff.remove_role": gettext_lazy("removed a role"),
    "staff.deactivate": gettext_lazy("deactivated the account"),
    "staff.reactivate": gettext_lazy("reactivated the account"),
}


def history(user) -> QuerySet:
    return history_of(user).filter(action__startswith="staff.").order_by("-created_at", "-pk")


# --- grant and remove --------------------------------------------------------------------------


def _lock(region: Region, *, actor=None, role: str = "") -> None:
    """Serialise changes of the roles at a node (two admins granting or removing at once). With
    `actor`, ask again under the lock whether they may grant or remove `role` there: an admin
    whose own role another admin removed a moment ago must not finish their change."""
    Region.objects.select_for_update().filter(pk=region.pk).first()
    if actor is not None:
        access.forget(actor)  # the memberships read before the lock may be gone now
        if not may_grant(actor, role, region):
            raise NotAllowed(_("Your own role here has changed meanwhile: you may no longer do this."))


def _refuse_grant(actor, role: str, region: Region | None) -> None:
    if role not in STAFF_ROLES:
        raise InvalidInput(_("Choose one of the staff roles."), fields={"role": "invalid"})
    if region is None:
        raise InvalidInput(_("Choose where the role is held."), fields={"region": "required"})
    if not may_grant(actor, role, region):
        raise NotAllowed(
            _("You may not grant the role %(role)s at %(region)s.")
            % {"role": role_label(role), "region": region.name},
            fields={"role": "forbidden"},
        )
    kinds = ROLE_KINDS.get(role)
    if kinds and region.kind not in kinds:
        text = _("The role %(role)s is held at a %(kind)s.") % {
            "role": role_label(role),
            "kind": " / ".join(str(RegionKind(k).label) for k in sorted(kinds)),
        }
        raise InvalidInput(text, fields={"region": text})


def _attachment_target(actor, role: str, target: int | None):
    """(target id, its region) for a role granted through an Attachment."""
    attachment = ATTACHMENTS.get(role)
    if attachment is None:
        raise InvalidInput(_("This role cannot be granted here."), fields={"role": "invalid"})
    for pk, _label, region in attachment.options(actor):
        if pk == target:
            return pk, region
    text = _("Choose the %(what)s.") % {"what": str(attachment.label).lower()}
    raise InvalidInput(text, fields={"target": text})


def _where(actor, role: str, region: Region | None, target: int | None) -> tuple[Region, int | None]:
    """The node where `actor` may grant `role` (a department's or unit's: its place), or a refusal."""
    if role in STAFF_ROLES and role not in grantable_roles(actor):
        raise NotAllowed(
            _("You may not grant the role %(role)s.") % {"role": role_label(role)},
            fields={"role": "forbidden"},
        )
    if role in ATTACHMENTS:
        target, region = _attachment_target(actor, role, target)
    _refuse_grant(actor, role, region)
    return region, target


def _grant(actor, user, role: str, region: Region, target: int | None) -> Membership:
    """Inside the caller's transaction, with `region` locked."""
    if role in ATTACHMENTS:
        ATTACHMENTS[role].attach(actor, user, target)
        return Membership.objects.get(user=user, role=role, region=region)
    if Membership.objects.filter(user=user, role=role, region=region).exists():
        text = _("%(user)s is already %(role)s at %(region)s.") % {
            "user": display_name(user), "role": role_label(role), "region": region.name
        }  # fmt: skip
        raise Conflict(text, code="already_granted", fields={"role": text})
    return Membership.objects.create(user=user, role=role, region=region)


def _log_role(user, action: str, actor, role: str, region: Region) -> None:
    log_action(user, action, actor, note=f"{role_label(role)} @ {region.name}", role=role, region=region.pk)


def grant_role(actor, user, *, role: str, region: Region | None = None, target: int | None = None):
    """`user` gets `role` at `region` (for a department handler or partner representative: at
    the department's or unit's place, through that app's service). Returns the membership."""
    region, target = _where(actor, role, region, target)
    if not user.is_active:
        raise Conflict(_("The account is deactivated: reactivate it first."), code="inactive")
    with transaction.atomic():
        _lock(region, actor=actor, role=role)
        membership = _grant(actor, user, role, region, target)
        _log_role(user, "staff.grant", actor, role, region)
    access.forget(user)
    return membership


# --- new accounts and the link to set a password ----------------------------------------------


class LinkTokens(PasswordResetTokenGenerator):
    """The one-time link's token: it dies when the password is set (the hash covers the
    password), when a new link is sent (a new unusable password), and after
    PASSWORD_RESET_TIMEOUT (settings: STAFF_LINK_HOURS)."""

    key_salt = "weiguang.accounts.staff.LinkTokens"


link_tokens = LinkTokens()


def link_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("staff_set_password", args=[uid, link_tokens.make_token(user)])


def _send_link(actor, user, phone: str, base_url: str) -> None:
    """Inside the caller's transaction: a fresh unusable password (any older link dies), the
    SMS with the link, and the audit entry."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    roles = "、".join(
        f"{m.region.name}{role_label(m.role)}"
        for m in user.memberships.select_related("region").order_by("pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "%(name)s, your Weiguang account (%(roles)s) is ready. Set your password within %(hours)d hours: %(url)s"
        ) % {
            "name": display_name(user),
            "roles": roles,
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            "url": base_url.rstrip("/") + link_path(user),
        }
    send_sms(phone, text, purpose="staff_link")
    log_action(user, "staff.send_link", actor, note=roles)


def _phone_taken() -> Conflict:
    text = _("This number already has an account. Find it in the list and grant the role there.")
    return Conflict(text, code="phone_registered", fields={"phone": text})


def create_staff_account(
    actor, *, name, phone, role: str, region: Region | None = None, target: int | None = None, base_url: str
):
    """A new staff account: a user with an unusable password, their Account (the mobile number,
    with which they log in), the role, and an SMS with a one-time link to set a password.
    Returns the user."""
    name = clean_text(name, "name", required=True, max_length=NAME_MAX, one_line=True)
    phone = phone_of(phone)
    region, target = _where(actor, role, region, target)
    if Account.objects.filter(phone=phone).exists():
        raise _phone_taken()
    try:
        with transaction.atomic():
            _lock(region)
            user = User(username=free_username(phone), first_name=name)
            user.set_unusable_password()
            user.save()
            Account.objects.create(user=user, phone=phone)
            _grant(actor, user, role, region, target)
            _log_role(user, "staff.create", actor, role, region)
            _send_link(actor, user, phone, base_url)
    except IntegrityError:  # the same number, a moment ago
        raise _phone_taken() from None
    access.forget(user)
    return user


def send_link(actor, user, *, base_url: str) -> None:
    """Send the link again (the one sent before dies), for an account that has set no password
    yet: whoever may manage one of its roles may."""
    if not any(m.role in STAFF_ROLES and may_grant(actor, m.role, m.region) for m in user.memberships.all()):
        raise NotAllowed(_("You may not manage this account."))
    phone = getattr(getattr(user, "account", None), "phone", None)
    if not user.is_active:
        raise Conflict(_("The account is deactivated: reactivate it first."), code="inactive")
    if user.has_usable_password():
        raise Conflict(
            _(
                "They have set a password already. If they forgot it, they reset it with a code sent to their phone."
            ),
            code="password_set",
        )
    if not phone:
        raise Conflict(_("The account has no mobile number to send the link to."), code="no_phone")
    with transaction.atomic():
        _send_link(actor, User.objects.select_for_update().get(pk=user.pk), phone, base_url)


def link_user(uidb64: str, token: str):
    """The active user the link is for while it is valid, else None."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first() if 0 < pk < 2**63 else None
    return user if user is not None and link_tokens.check_token(user, token) else None


def link_dead() -> str:
    return _("This link has expired or was already used. Ask the street office to send a new one.")


def set_password_from_link(uidb64: str, token: str, password):
    """The person behind the link sets their password, and the link dies. Returns the user."""
    with transaction.atomic():
        user = link_user(uidb64, token)
        if user is not None:  # once more under the lock: two tabs, one link
            user = User.objects.select_for_update().get(pk=user.pk)
            user = user if link_tokens.check_token(user, token) else None
        if user is None:
            raise Conflict(link_dead(), code="link_dead")
        check_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        log_action(user, "staff.set_password", user)
    return user


def _check_not_last_admin(membership: Membership) -> None:
    """Refuse to leave a street without an active street admin."""
    if membership.role != Role.STREET_ADMIN:
        return
    others = Membership.objects.filter(
        role=Role.STREET_ADMIN, region=membership.region, user__is_active=True
    ).exclude(user=membership.user_id)
    if not others.exists():
        text = _("%(user)s is the last street admin of %(region)s. Make someone else street admin first.") % {
            "user": display_name(membership.user),
            "region": membership.region.name,
        }
        raise Conflict(text, code="last_admin")


def remove_role(actor, membership: Membership, *, target: int | None = None) -> None:
    """The role goes. A department handler's or partner representative's goes with their place
    in the department or unit `target` (None: in every one that gives them the role here),
    through that app's service, which keeps the role while another one still gives it."""
    if membership.role not in STAFF_ROLES or not may_grant(actor, membership.role, membership.region):
        raise NotAllowed(_("You may not remove this role."))
    attachment = ATTACHMENTS.get(membership.role)
    with transaction.atomic():
        _lock(membership.region, actor=actor, role=membership.role)
        locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if locked is None:
            raise Conflict(_("This role was already removed."), code="already_removed")
        if attachment is not None:
            held = [pk for pk, _label in attachment.held(membership)]
            if target is not None and target not in held:
                text = _("Choose the %(what)s.") % {"what": str(attachment.label).lower()}
                raise InvalidInput(text, fields={"target": text})
            for pk in [target] if target is not None else held:
                attachment.detach(actor, membership.user, pk)
            if not held:  # a role no department or unit gives any more
                locked.delete()
        else:
            _check_not_last_admin(membership)
            locked.delete()
        _log_role(membership.user, "staff.remove_role", actor, membership.role, membership.region)
    access.forget(membership.user)


# --- deactivate and reactivate ---------------------------------------------------------------


def _require_admin_over(actor, user) -> None:
    if not admin_over_all(actor, user):
        raise NotAllowed(_("Only a street admin over every role of the account may do this."))


def deactivate(actor, user) -> None:
    """The person can no longer log in; their sessions and API tokens end. Their records and
    roles stay (reactivating gives them back)."""
    _require_admin_over(actor, user)
    if user.pk == actor.pk:
        raise Conflict(_("You cannot deactivate your own account."), code="self")
    with transaction.atomic():
        admin_roles = [m for m in user.memberships.all() if m.role == Role.STREET_ADMIN]
        for m in admin_roles:
            _lock(m.region)
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise Conflict(_("The account is already deactivated."), code="inactive")
        for m in admin_roles:
            _check_not_last_admin(m)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        ended = security.end_all_access(locked)
        log_action(locked, "staff.deactivate", actor, sessions=ended)
    user.is_active = False


def reactivate(actor, user) -> None:
    _require_admin_over(actor, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise Conflict(_("The account is active."), code="active")
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        log_action(locked, "staff.reactivate", actor)
    user.is_active = True


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()
