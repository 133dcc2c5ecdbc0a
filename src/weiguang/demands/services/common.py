"""What the demand services share: limits, settings and small helpers."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from weiguang.core.text import clean_text
from weiguang.regions import access
from weiguang.regions.models import Role

from ..models import (
    Demand,
    DemandChannel,
)

TITLE_MIN, TITLE_MAX, TEXT_MAX, REASON_MAX, PLACE_MAX = 2, 60, 2000, 300, 100
CONTACT_NAME_MAX, PHONE_TEXT_MAX, DECISION_MAX = 50, 30, 4000  # the API schemas use these too
AUTO_CLOSE_DAYS = 7  # a reply not evaluated within this many days closes the demand
PUBLIC_PER_HOUR = 5  # online submissions per user, or per address when anonymous
PUBLIC_WINDOW = 3600
# Public look-ups by phone number, and tracking codes that match nothing, per address and hour:
# enough for a person who mistypes, too few to walk through codes or phone numbers.
LOOKUPS_PER_HOUR = 20
PHONE_LOOKUP_MAX = 20  # the newest demands shown for one phone number
# Channels a person records a demand from; the others are set by the system.
INTAKE_CHANNELS = [
    c for c in DemandChannel.values if c not in (DemandChannel.WISH, DemandChannel.DELIBERATION)
]


def auto_close_days() -> int:
    return settings.WEIGUANG.get("DEMAND_AUTO_CLOSE_DAYS", AUTO_CLOSE_DAYS)


def public_limit() -> int:
    return settings.WEIGUANG.get("DEMAND_PUBLIC_PER_HOUR", PUBLIC_PER_HOUR)


def lookup_limit() -> int:
    return settings.WEIGUANG.get("DEMAND_LOOKUPS_PER_HOUR", LOOKUPS_PER_HOUR)


def demand_url(demand: Demand) -> str:
    return f"/demands/{demand.pk}/"


def _text(value, field: str, *, required: bool, max_length: int = TEXT_MAX, message: str = "") -> str:
    return clean_text(value, field, required=required, max_length=max_length, message=message)


def _street_admins(demand: Demand):
    return access.holders({Role.STREET_ADMIN}, demand.street.path)


def _resident_user(demand: Demand):
    return demand.resident.user if demand.resident_id else None


def _mark_responded(d: Demand) -> None:
    if d.first_response_at is None:
        d.first_response_at = timezone.now()
