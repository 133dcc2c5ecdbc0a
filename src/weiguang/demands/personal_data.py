"""What the demands app holds about a person (accounts.personal_data's registry): the demands
recorded for their resident record, and those they sent online before they had one (an
unconfirmed sign-up: their phone is the demand's contact). When their data is erased the
demands stay (the street's records), with the contact name masked, the contact phone emptied
and the person's phone number masked in the demands' text."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import mask_phones_in_rows, phones_of, register_personal_data
from weiguang.core.privacy import mask_name

from .models import Demand
from .services.intake import sent_without_record


def demands_of(user, resident) -> list[dict]:
    theirs = sent_without_record(user)
    if resident is not None:
        theirs = theirs | Demand.objects.filter(resident=resident)
    demands = theirs.select_related("category").order_by("-created_at", "-id")
    return [
        {
            "tracking_code": d.tracking_code,
            "title": d.title,
            "category": str(d.category) if d.category else "",
            "description": d.description,
            "place": d.place,
            "contact_name": d.contact_name,
            "contact_phone": d.contact_phone,
            "channel": d.get_channel_display(),
            "status": d.get_status_display(),
            "created_at": d.created_at,
            "reply": d.reply,
            "evaluation": d.get_evaluation_display(),
            "evaluation_note": d.evaluation_note,
        }
        for d in demands
    ]


# what staff or the person wrote in a demand, where the person's number may stand
TEXT_FIELDS = [
    "title",
    "description",
    "place",
    "result",
    "action_taken",
    "reply",
    "public_reply",
    "evaluation_note",
]


def erase(user, resident) -> None:
    theirs = sent_without_record(user)
    if resident is not None:
        theirs = theirs | Demand.objects.filter(resident=resident)
    mask_phones_in_rows(theirs, TEXT_FIELDS, phones_of(user, resident))
    if resident is not None:
        Demand.objects.filter(resident=resident).update(contact_name=resident.masked_name, contact_phone="")
    for demand in sent_without_record(user).exclude(contact_name="", contact_phone=""):
        demand.contact_name = mask_name(demand.contact_name) if demand.contact_name else ""
        demand.contact_phone = ""
        demand.save(update_fields=["contact_name", "contact_phone", "updated_at"])


def register() -> None:
    register_personal_data(
        "demands",
        _("Your demands"),
        demands_of,
        erase,
        order=40,
        fields={
            "tracking_code": _("tracking code"),
            "title": _("title"),
            "category": _("category"),
            "description": _("description"),
            "place": _("place"),
            "contact_name": _("contact name"),
            "contact_phone": _("contact phone"),
            "channel": _("channel"),
            "status": _("status"),
            "created_at": _("received at"),
            "reply": _("reply to the resident"),
            "evaluation": _("evaluation"),
            "evaluation_note": _("evaluation note"),
        },
    )
