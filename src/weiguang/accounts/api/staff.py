"""Staff accounts API (/api/v1/staff/accounts): who holds which role where, granting and
removing roles, deactivating and reactivating accounts. The rule is accounts.staff's."""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Page, Ref, Text, ref, referenced, require_user
from weiguang.core.errors import NotAllowed, NotFound, ServiceError
from weiguang.regions.models import Membership

from .. import staff

router = Router(tags=["staff accounts"])


class StaffRoleOut(Schema):
    id: int = Field(description="The role's id (to remove it)")
    role: str
    role_label: str
    region: Ref
    removable: bool = Field(
        description="Whether you may remove it here (department handler, partner rep: from every "
        "department or unit that gives it)"
    )


class StaffAccountOut(Schema):
    id: int
    name: str
    username: str
    phone: str | None
    active: bool
    password_set: bool = Field(description="False until they set a password from the SMS link")
    roles: list[StaffRoleOut] = Field(description="Their staff roles in your part of the tree")


class StaffAccountPage(Page):
    items: list[StaffAccountOut]


class StaffQuery(staff.StaffFilter):
    limit: int = Field(30, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10**9)


class GrantIn(InSchema):
    role: staff.StaffRoleCode
    region_id: Id | None = Field(
        None, description="Where (street admin: a street, community staff: a community, grid worker: a grid)"
    )
    target_id: Id | None = Field(
        None, description="Department handler: the department; partner rep: the unit"
    )


class CreateIn(GrantIn):
    name: Text = Field(description="The person's name", max_length=staff.NAME_MAX)
    phone: Text = Field(
        description="Mainland mobile number: the SMS with the link goes there; they log in with it"
    )


def _out(actor, user) -> dict:
    phone = getattr(getattr(user, "account", None), "phone", None)
    return {
        "id": user.pk,
        "name": staff.display_name(user),
        "username": user.get_username(),
        "phone": phone,
        "active": user.is_active,
        "password_set": user.has_usable_password(),
        "roles": [
            {
                "id": m.pk,
                "role": m.role,
                "role_label": staff.role_label(m.role),
                "region": ref(m.region),
                "removable": staff.may_grant(actor, m.role, m.region),
            }
            for m in user.shown_roles
        ],
    }


def _account(actor, user_id: int):
    try:
        return staff.account_for(actor, user_id)
    except NotFound as err:
        raise Http404 from err


def _answer(actor, user_id: int, *, user=None) -> dict:
    """What the endpoints answer: the account as it is now (`user`: the account whose last role
    in the actor's area was just removed, which they no longer see: with no roles)."""
    try:
        return _out(actor, _account(actor, user_id))
    except Http404:
        if user is None:
            raise
        user.shown_roles = []
        return _out(actor, user)


def _require_manager(actor) -> None:
    if not staff.may_manage_accounts(actor):
        raise NotAllowed(staff.not_a_manager())


@router.get(
    "/accounts",
    response={200: StaffAccountPage, **ERROR_RESPONSES},
    summary="Who holds which role where (street admins; community staff: their grid workers)",
)
def list_accounts(request, filters: Query[StaffQuery]):
    """Accounts holding a staff role in your part of the tree, by name, each with those roles."""
    actor = require_user(request)
    _require_manager(actor)
    rows = staff.staff_accounts(actor, filters)
    items = [_out(actor, u) for u in Page.window(rows, filters)]
    return Page.body(filters, rows.count(), items)


_API_FIELDS = {"region": "region_id", "target": "target_id"}


def _granting(service, actor, data: GrantIn, *args, **kwargs):
    """`service` (create_staff_account, grant_role) with the role and where of `data`; the
    service names the page's fields, the API's are region_id and target_id."""
    region = referenced(staff.regions_in_scope(actor), data.region_id, "region_id", staff.unknown_region())
    try:
        return service(actor, *args, role=data.role, region=region, target=data.target_id, **kwargs)
    except ServiceError as err:
        err.fields = {_API_FIELDS.get(k, k): v for k, v in err.fields.items()}
        raise


@router.post(
    "/accounts",
    response={201: StaffAccountOut, **ERROR_RESPONSES},
    summary="Create a staff account: the role, and an SMS with a one-time link to set a password",
)
def create_account(request, data: CreateIn):
    actor = require_user(request)
    _require_manager(actor)
    base_url = request.build_absolute_uri("/")
    user = _granting(
        staff.create_staff_account, actor, data, name=data.name, phone=data.phone, base_url=base_url
    )
    return 201, _answer(actor, user.pk)


@router.get(
    "/accounts/{id:user_id}", response={200: StaffAccountOut, **ERROR_RESPONSES}, summary="One staff account"
)
def get_account(request, user_id: Id):
    return _answer(require_user(request), user_id)


@router.post(
    "/accounts/{id:user_id}/roles",
    response={201: StaffAccountOut, **ERROR_RESPONSES},
    summary="Grant a role at a node of your part of the tree",
)
def grant_role(request, user_id: Id, data: GrantIn):
    actor = require_user(request)
    user = _account(actor, user_id)
    _granting(staff.grant_role, actor, data, user)
    return 201, _answer(actor, user_id)


@router.delete(
    "/accounts/{id:user_id}/roles/{id:role_id}",
    response={200: StaffAccountOut, **ERROR_RESPONSES},
    summary="Remove a role",
)
def remove_role(request, user_id: Id, role_id: Id):
    actor = require_user(request)
    user = _account(actor, user_id)
    membership = Membership.objects.select_related("region", "user").filter(pk=role_id, user=user).first()
    if membership is None:
        raise Http404
    staff.remove_role(actor, membership)
    return _answer(actor, user_id, user=user)


def _account_action(name: str, service, summary: str, *, base_url: bool = False) -> None:
    """POST /accounts/{user_id}/<name>: the service on the account (`base_url`: with the site's
    address, for a link), which it answers with."""

    def endpoint(request, user_id: Id):
        actor = require_user(request)
        extra = {"base_url": request.build_absolute_uri("/")} if base_url else {}
        service(actor, _account(actor, user_id), **extra)
        return _answer(actor, user_id)

    endpoint.__name__ = name
    router.post(
        f"/accounts/{{id:user_id}}/{name}",
        response={200: StaffAccountOut, **ERROR_RESPONSES},
        summary=summary,
    )(endpoint)


_account_action(
    "deactivate",
    staff.deactivate,
    "Deactivate an account: no more logins, its sessions and tokens end (street admin)",
)
_account_action("reactivate", staff.reactivate, "Reactivate a deactivated account (street admin)")
_account_action(
    "send_link",
    staff.send_link,
    "Send the link to set a password again (the older link dies); until they set one",
    base_url=True,
)
