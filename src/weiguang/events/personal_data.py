"""What the events app holds about a person (accounts.personal_data's registry): their
sign-ups. When their data is erased the sign-ups stay (the event's count of people) under the
masked name."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data
from weiguang.core.privacy import mask_name

from .models import SignUp


def _theirs(user, resident):
    q = Q(user=user)
    if resident is not None:
        q |= Q(resident=resident)
    return SignUp.objects.filter(q)


def signups_of(user, resident) -> list[dict]:
    rows = _theirs(user, resident).select_related("event").order_by("-created_at", "-id")
    return [
        {
            "event": s.event.title,
            "starts_at": s.event.starts_at,
            "name": s.name,
            "party_size": s.party_size,
            "status": s.get_status_display(),
            "created_at": s.created_at,
        }
        for s in rows
    ]


def erase(user, resident) -> None:
    for signup in _theirs(user, resident).select_for_update():
        signup.name = mask_name(signup.name)
        signup.save(update_fields=["name"])


def register() -> None:
    register_personal_data(
        "event_signups",
        _("Your event sign-ups"),
        signups_of,
        erase,
        order=60,
        fields={
            "event": _("event"),
            "starts_at": _("starts at"),
            "name": _("name"),
            "party_size": _("people"),
            "status": _("status"),
            "created_at": _("signed up at"),
        },
    )
