"""What the wishes app holds about a person (accounts.personal_data's registry): the wishes
posted for their resident record and the wishes they claimed. Wishes stay when a person's
data is erased: the resident record they point to then shows only the masked name, and their
phone number is masked in the wishes' text."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import mask_phones_in_rows, phones_of, register_personal_data

from .models import Claim, Wish


def wishes_of(user, resident) -> list[dict]:
    if resident is None:
        return []
    wishes = Wish.objects.filter(resident=resident).select_related("category").order_by("-created_at", "-id")
    return [
        {
            "id": w.pk,
            "title": w.title,
            "kind": w.get_kind_display(),
            "category": str(w.category) if w.category else "",
            "description": w.description,
            "value": w.value,
            "status": w.get_status_display(),
            "channel": w.get_channel_display(),
            "created_at": w.created_at,
            "fulfilled_at": w.fulfilled_at,
            "thanks": w.thanks,
            "rating": w.rating,
        }
        for w in wishes
    ]


def claims_of(user, resident) -> list[dict]:
    claims = (
        Claim.objects.filter(claimer=user).select_related("wish", "partner").order_by("-created_at", "-id")
    )
    return [
        {
            "wish": c.wish.title,
            "partner": c.partner.name if c.partner else "",
            "status": c.get_status_display(),
            "promised_date": c.promised_date,
            "hours": c.hours,
            "created_at": c.created_at,
            "ended_at": c.ended_at,
        }
        for c in claims
    ]


def erase(user, resident) -> None:
    """The wishes stay; the person's phone number is masked in what was written in them."""
    if resident is not None:
        mask_phones_in_rows(
            Wish.objects.filter(resident=resident),
            ["title", "description", "thanks", "fulfil_note", "dispute_reason", "reject_reason"],
            phones_of(user, resident),
        )


def register() -> None:
    register_personal_data(
        "wishes",
        _("Your wishes"),
        wishes_of,
        erase,
        order=30,
        fields={
            "id": "#",
            "title": _("title"),
            "kind": _("kind"),
            "category": _("category"),
            "description": _("description"),
            "value": _("estimated value (yuan)"),
            "status": _("status"),
            "channel": _("channel"),
            "created_at": _("posted at"),
            "fulfilled_at": _("fulfilled at"),
            "thanks": _("thanks"),
            "rating": _("rating"),
        },
    )
    register_personal_data(
        "claims",
        _("Wishes you claimed"),
        claims_of,
        order=35,
        fields={
            "wish": _("micro-wish"),
            "partner": _("partner unit"),
            "status": _("status"),
            "promised_date": _("promised date"),
            "hours": _("hours spent"),
            "created_at": _("claimed at"),
            "ended_at": _("ended at"),
        },
    )
