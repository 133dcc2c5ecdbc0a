"""What the demands app holds about a person (accounts.personal_data's registry): the demands
recorded for their resident record. When their data is erased the demands stay (the street's
records), with the contact name masked and the contact phone emptied."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data

from .models import Demand


def demands_of(user, resident) -> list[dict]:
    if resident is None:
        return []
    demands = (
        Demand.objects.filter(resident=resident).select_related("category").order_by("-created_at", "-id")
    )
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


def erase(user, resident) -> None:
    if resident is None:
        return
    Demand.objects.filter(resident=resident).update(contact_name=resident.masked_name, contact_phone="")


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
