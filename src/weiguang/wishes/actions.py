"""What people do to a wish (WISH_TRANSITIONS), as one table that drives both the wish page's
action view (views.wish_action) and the API's transition endpoints (api.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiguang.core.actions import Action, ActionTable
from weiguang.core.api import json_or_multipart_body, parse_body, referenced
from weiguang.partners.models import PartnerUnit
from weiguang.regions.models import ancestor_paths

from . import services
from .forms import ClaimForm, ConfirmForm, DisputeForm, FulfilForm, ReasonForm, RejectForm
from .models import WISH_TRANSITIONS, Wish
from .schemas import ClaimIn, ConfirmIn, FulfilIn, NoteIn, OptionalReasonIn, RejectIn


def claim_units(user, wish: Wish):
    """Partner units the user represents that serve the wish's area."""
    if not getattr(user, "is_authenticated", False):
        return PartnerUnit.objects.none()
    above = ancestor_paths(wish.grid.path)
    return PartnerUnit.objects.filter(representatives=user, region__path__in=above).order_by("name")


def _claim_form(request, wish, data):
    units = claim_units(request.user, wish)
    return ClaimForm(data, units=units if units.exists() else None)


def _claim_api_inputs(request, data: ClaimIn | None) -> dict:
    data = data or ClaimIn()
    units = PartnerUnit.objects.select_related("region")
    partner = referenced(units, data.partner_id, "partner_id", _("There is no such unit."))
    return {"promised_date": data.promised_date, "partner": partner}


def _fulfil_api_inputs(request, data) -> dict:
    data, photos = parse_body(request, FulfilIn)
    return {"note": data.note, "photos": photos, "hours": data.hours}


def _reason_form(prefix: str):
    return lambda request, wish, data: ReasonForm(data, prefix=prefix)


WISH_ACTIONS = ActionTable(
    WISH_TRANSITIONS,
    [
        Action(
            "publish", services.publish_wish, summary="Publish on the wall (staff)",
            success=gettext_lazy("The wish is on the wall."), schema=NoteIn,
            page_inputs=lambda request, form: {"note": request.POST.get("note", "")},
        ),
        Action(
            "reject", services.reject_wish, summary="Reject with a reason (staff)",
            success=gettext_lazy("The wish was rejected; the resident will see your reason."),
            schema=RejectIn, body_required=True, form=lambda request, wish, data: RejectForm(data),
        ),
        Action(
            "claim", services.claim_wish, summary="Claim (volunteer or partner representative)",
            description="Two claims at once: exactly one wins, the other gets 409 `state_conflict`.",
            success=gettext_lazy("Thank you! The wish is yours. The resident's contact details are below."),
            schema=ClaimIn, api_inputs=_claim_api_inputs, form=_claim_form,
            page_inputs=lambda request, form: {
                "promised_date": form.cleaned_data["promised_date"], "partner": form.cleaned_data.get("partner"),
            },
        ),
        Action(
            "release", services.release_claim, summary="Release a claim (claimer or staff)",
            success=gettext_lazy("You released the claim; the wish is back on the wall."),
            schema=OptionalReasonIn, form=_reason_form("release"), lenient=True,
        ),
        Action(
            "fulfil", services.fulfil_wish,
            summary="Mark fulfilled, with a note and optional photos (the claimer)",
            description='JSON `{"note": ...}`, or multipart/form-data with `note` and up to 6 `photos`.',
            success=gettext_lazy("Well done! The resident will be asked to confirm."),
            api_inputs=_fulfil_api_inputs,
            openapi_extra={"requestBody": json_or_multipart_body(FulfilIn, files="photos")},
            form=lambda request, wish, data: FulfilForm(data),
            page_inputs=lambda request, form: {
                "note": form.cleaned_data["note"], "photos": request.FILES.getlist("photos"),
                "hours": form.cleaned_data.get("hours"),
            },
        ),
        Action(
            "confirm", services.confirm_wish, summary="Confirm and thank (the resident or staff)",
            success=gettext_lazy("Thank you! The wish is lit."),
            schema=ConfirmIn, form=lambda request, wish, data: ConfirmForm(data),
        ),
        Action(
            "dispute", services.dispute_wish,
            summary="Say it did not come true, with a reason (the resident or staff)",
            description="From `fulfilled`; staff of the region and the claimer are told and staff follow up.",
            success=gettext_lazy("Thank you for telling us. The community will follow up with you."),
            schema=RejectIn, body_required=True,
            form=lambda request, wish, data: DisputeForm(data, prefix="dispute"),
        ),
        Action(
            "reopen", services.reopen_wish, summary="Send a disputed wish back to its claimer (staff)",
            description="After following up a dispute. To close it the other way, staff confirm the wish.",
            success=gettext_lazy("The wish is back with its claimer to finish."),
            schema=NoteIn, form=_reason_form("reopen"),
            page_inputs=lambda request, form: {"note": form.cleaned_data["reason"]},
        ),
        Action(
            "withdraw", services.withdraw_wish, summary="Withdraw (the resident or staff)",
            success=gettext_lazy("The wish was withdrawn."),
            schema=OptionalReasonIn, form=_reason_form("withdraw"), lenient=True,
        ),
    ],
)  # fmt: skip
