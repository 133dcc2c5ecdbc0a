"""What the events app holds about a person from an event's desk (accounts.personal_data's
registry): their check-ins. When their data is erased the visits stay (the event's figures)
under the masked name."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data
from weiguang.core.privacy import mask_name

from .models import CheckIn


def _theirs(user, resident):
    q = Q(user=user)
    if resident is not None:
        q |= Q(resident=resident)
    return CheckIn.objects.filter(q)


def checkins_of(user, resident) -> list[dict]:
    rows = _theirs(user, resident).select_related("event").order_by("-checked_in_at", "-id")
    return [
        {
            "title": c.event.title,
            "name": c.name,
            "role": c.get_role_display(),
            "checked_in_at": c.checked_in_at,
            "checked_out_at": c.checked_out_at,
        }
        for c in rows
    ]


def erase(user, resident) -> None:
    for visit in _theirs(user, resident).select_for_update():
        visit.name = mask_name(visit.name)
        visit.save(update_fields=["name"])


def register() -> None:
    register_personal_data(
        "event_checkins",
        _("Your check-ins at events"),
        checkins_of,
        erase,
        order=61,
        fields={
            "title": _("title"),
            "name": _("name"),
            "role": _("role"),
            "checked_in_at": _("checked in"),
            "checked_out_at": _("checked out"),
        },
    )
