"""The steps of a residence request (RESIDENCE_MACHINE): confirm, reject, withdraw, each with
its page form and API body, one row each (core/actions.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from weiguang.core.actions import Action, ActionTable
from weiguang.core.api import Id, InSchema, Text
from weiguang.core.forms import BigRadioSelect, Form

from . import residence
from .residence import RESIDENCE_MACHINE

NEW = "new"


class ConfirmForm(Form):
    resident = forms.ChoiceField(label=_("Resident record"), widget=BigRadioSelect)

    def __init__(self, *args, matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(r.pk), f"{r.name} · {r.address}") for r in matches]
        choices.append((NEW, _("Create a new resident record from the request")))
        self.fields["resident"].choices = choices
        self.fields["resident"].initial = choices[0][0]


class RejectForm(Form):
    reason = forms.CharField(
        label=_("Why not"), max_length=residence.REASON_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. no such door in this building")}),
    )  # fmt: skip


class ResidenceConfirmIn(InSchema):
    resident_id: Id | None = Field(
        None,
        description="The matching record to link (GET /residence_requests lists `matches`); null: create one",
    )


class ResidenceRejectIn(InSchema):
    reason: Text = Field(min_length=1, max_length=residence.REASON_MAX)


def _confirm_form(request, req, data):
    return ConfirmForm(data, matches=residence.matches_for(req), prefix=f"r{req.pk}")


def _reject_form(request, req, data):
    return RejectForm(data, prefix=f"r{req.pk}")


def _confirm_inputs(request, form) -> dict:
    chosen = form.cleaned_data["resident"]
    return {"resident": None if chosen == NEW else int(chosen)}


RESIDENCE_ACTIONS = ActionTable(
    RESIDENCE_MACHINE,
    [
        Action(
            "confirm", residence.confirm_residence,
            summary="Confirm where the person lives (staff of the community): link a record or create one",
            success=_("Confirmed. The person's account is now linked to the resident record."),
            schema=ResidenceConfirmIn, api_inputs=lambda request, data: {"resident": data.resident_id if data else None},
            form=_confirm_form, page_inputs=_confirm_inputs,
        ),
        Action(
            "reject", residence.reject_residence,
            summary="Reject a residence request with a reason (staff of the community)",
            success=_("Rejected. The person was told why."),
            schema=ResidenceRejectIn, body_required=True, form=_reject_form,
        ),
        Action(
            "withdraw", residence.withdraw_residence,
            summary="Withdraw my pending residence request",
            success=_("Withdrawn."),
        ),
    ],
)  # fmt: skip
