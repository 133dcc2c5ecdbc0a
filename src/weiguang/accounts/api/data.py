"""Personal information rights in the API: GET /api/v1/me/data (everything Weiguang holds about
the caller, the same JSON as the page's download) and the staff's personal-data requests
(/api/v1/data_requests: list, one, carry out, refuse). The services: accounts.personal_data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.actions import Action, ActionTable, register_api_actions
from weiguang.core.api import ERROR_RESPONSES, InSchema, Page, Text, require_user

from .. import personal_data as pd
from ..filters import DataRequestFilter, KindCode, StatusCode
from ..models import DATA_REQUEST_TRANSITIONS

me_data_router = Router(tags=["me"])
data_requests_router = Router(tags=["personal data requests"])


class FieldOut(Schema):
    key: str
    label: str


class SectionOut(Schema):
    key: str = Field(description="The section's stable name: account, resident, wishes, demands, ...")
    label: str = Field(description="Its title in the request's language")
    fields: list[FieldOut] = Field(description="The rows' keys and their labels, in order")
    rows: list[dict[str, Any]]


class MyDataOut(Schema):
    generated_at: str
    user_id: int
    sections: list[SectionOut]


@me_data_router.get(
    "/data", response={200: MyDataOut, **ERROR_RESPONSES}, summary="Everything Weiguang holds about me"
)
def my_data(request):
    """One section a kind of record (the account, the resident record and who looked at it,
    wishes, claims, demands, the volunteer record, teams, hours, points, invitations, the
    inbox, the audit entries about me), each with its rows. The ID number is masked."""
    return pd.export_document(require_user(request))


class ChangeIn(InSchema):
    phone: Text | None = Field(None, max_length=30)
    building: Text | None = Field(None, max_length=30)
    door: Text | None = Field(None, max_length=30)
    groups: list[Text] | None = Field(None, max_length=20, description="Population group codes")


class CorrectionIn(InSchema):
    change: ChangeIn
    reason: Text = Field("", max_length=500)


class DeletionIn(InSchema):
    reason: Text = Field("", max_length=500)


class NameIn(InSchema):
    name: Text = Field(min_length=1, max_length=50)


class NameOut(Schema):
    name: str


class ConsentIn(InSchema):
    consent: bool = Field(description="false withdraws the consent to processing, true gives it")


class ConsentOut(Schema):
    consent: bool


class DataRequesterOut(Schema):
    resident_id: int | None
    masked_name: str
    community: str
    grid: str


class DataRequestOut(Schema):
    id: int
    kind: KindCode
    status: StatusCode
    person: DataRequesterOut
    change: dict[str, Any] = Field(description="A correction: {phone, building, door: text, groups: [codes]}")
    reason: str
    answer: str
    created_at: dt.datetime
    handled_at: dt.datetime | None
    handled_by: str | None


class DataRequestPage(Page):
    items: list[DataRequestOut]


class DataRequestFilters(DataRequestFilter):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class AnswerIn(InSchema):
    answer: Text = Field("", max_length=500, description="To the person (required to refuse)")


def request_out(req) -> dict:
    grid = req.grid
    return {
        "id": req.pk,
        "kind": req.kind,
        "status": req.status,
        "person": {
            "resident_id": req.resident_id,
            "masked_name": req.resident.masked_name if req.resident else "",
            "community": grid.parent.name if grid and grid.parent_id else "",
            "grid": grid.name if grid else "",
        },
        "change": req.change,
        "reason": req.reason,
        "answer": req.answer,
        "created_at": req.created_at,
        "handled_at": req.handled_at,
        "handled_by": (req.handled_by.get_full_name() or req.handled_by.get_username())
        if req.handled_by
        else None,
    }


@me_data_router.post(
    "/data/corrections",
    response={201: DataRequestOut, **ERROR_RESPONSES},
    summary="Ask the staff of my grid to correct my resident record",
)
def ask_correction(request, data: CorrectionIn):
    """Phone, building, door or groups (the name: POST /me/data/name). One open correction at a time
    (409 `pending`); without a resident record: 409 `no_resident`."""
    user = require_user(request)
    req = pd.request_correction(user, data.change.model_dump(exclude_none=True), data.reason)
    return Status(201, request_out(_fresh(req)))


@me_data_router.post(
    "/data/deletion",
    response={201: DataRequestOut, **ERROR_RESPONSES},
    summary="Ask for my account to be closed and my personal data erased",
)
def ask_deletion(request, data: DeletionIn):
    """With a resident record the staff of its grid carry it out (status `submitted`); without
    one it is done at once (status `done`: the account is closed and this token revoked)."""
    user = require_user(request)
    return Status(201, request_out(_fresh(pd.request_deletion(user, data.reason))))


@me_data_router.post("/data/name", response={200: NameOut, **ERROR_RESPONSES}, summary="Correct my name")
def correct_name(request, data: NameIn):
    """The account's name and the resident record's, at once (audited)."""
    user = require_user(request)
    pd.rename_self(user, data.name)
    return {"name": user.first_name}


@me_data_router.post(
    "/data/consent",
    response={200: ConsentOut, **ERROR_RESPONSES},
    summary="Withdraw or give my consent to processing",
)
def set_consent(request, data: ConsentIn):
    """Withdrawn: nothing new is recorded on my behalf, staff see it on my record."""
    user = require_user(request)
    resident = pd.give_consent(user) if data.consent else pd.withdraw_consent(user)
    return {"consent": resident.consent}


@data_requests_router.get(
    "", response={200: DataRequestPage, **ERROR_RESPONSES}, summary="Personal data requests of my region"
)
def list_requests(request, filters: Query[DataRequestFilters]):
    """The requests of the residents of the regions where you are staff, oldest first."""
    user = require_user(request)
    qs = filters.apply(pd.requests_for_staff(user, None))
    return Page.body(filters, qs.count(), [request_out(r) for r in Page.window(qs, filters)])


def _load(user, request_id: int):
    return pd.request_for_staff(user, request_id)


@data_requests_router.get(
    "/{id:request_id}", response={200: DataRequestOut, **ERROR_RESPONSES}, summary="One personal data request"
)
def get_request(request, request_id: int):
    return request_out(_load(require_user(request), request_id))


DATA_REQUEST_ACTIONS = ActionTable(
    DATA_REQUEST_TRANSITIONS,
    [
        Action(
            "carry_out",
            lambda req, user, answer="": pd.carry_out(req, user, answer),
            summary="Carry out a personal data request",
            description="A correction is applied to the resident record; a deletion closes the "
            "account and erases the personal fields (history stays under the masked name).",
            schema=AnswerIn,
        ),
        Action(
            "refuse",
            lambda req, user, answer="": pd.refuse(req, user, answer),
            summary="Refuse a personal data request, saying why",
            schema=AnswerIn,
            body_required=True,
        ),
    ],
)

register_api_actions(
    data_requests_router,
    DATA_REQUEST_ACTIONS,
    path="/{id:request_id}",
    load=_load,
    render=lambda user, req: request_out(_fresh(req)),
    response={200: DataRequestOut, **ERROR_RESPONSES},
    module=__name__,
)


def _fresh(req):
    from ..models import DataRightsRequest

    return DataRightsRequest.objects.select_related("resident", "grid", "grid__parent", "handled_by").get(
        pk=req.pk
    )
