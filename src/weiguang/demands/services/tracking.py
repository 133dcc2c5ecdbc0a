"""Following a demand without an account: by tracking code or phone number."""

from __future__ import annotations

from django.utils.translation import gettext as _

from weiguang.core import ratelimit
from weiguang.core.errors import InvalidInput, NotFound, RateLimited
from weiguang.core.text import normalize_phone
from weiguang.core.transitions import SYSTEM

from ..models import (
    Demand,
    normalize_tracking_code,
)
from .common import PHONE_LOOKUP_MAX, PUBLIC_WINDOW, lookup_limit
from .handling import (
    evaluate_demand,
)

# --- following a demand without an account ------------------------------------------------


def _count_lookup(client: str) -> None:
    """Count one public look-up of `client`; refuse once the hour's allowance is spent."""
    if ratelimit.hits("demand-lookup", client or "unknown") >= lookup_limit():
        raise RateLimited(_("Too many look-ups from this network; please try again in an hour."))
    ratelimit.record("demand-lookup", client or "unknown", PUBLIC_WINDOW)


def find_by_code(code: str, *, client: str) -> Demand | None:
    """The demand with this tracking code, as a person wrote or read it out ("3815 0274-6692"),
    or None. A code that matches nothing counts against the address's look-ups."""
    code = normalize_tracking_code(code)
    demand = Demand.objects.filter(tracking_code=code).first() if 4 <= len(code) <= 12 else None
    if demand is None:
        _count_lookup(client)
    return demand


def find_by_phone(phone: str, *, client: str) -> list[Demand]:
    """The newest demands given with this phone number at submission (the number a visitor or a
    hotline caller left). Every such look-up counts against the address's look-ups."""
    phone = normalize_phone(phone)
    if not 5 <= len(phone) <= 20:
        raise InvalidInput(_("Enter the phone number you gave, as digits."), fields={"phone": "invalid"})
    _count_lookup(client)
    return list(
        Demand.objects.filter(contact_phone=phone)
        .select_related("category")
        .order_by("-created_at", "-id")[:PHONE_LOOKUP_MAX]
    )


def evaluate_by_code(code: str, *, evaluation: str, note: str = "") -> Demand:
    """Evaluation by whoever holds the tracking code (an anonymous online submitter, or a
    resident given the code on a slip at the desk). The system acts for them."""
    demand = Demand.objects.filter(tracking_code=normalize_tracking_code(code)).first()
    if demand is None:
        raise NotFound(_("No demand has this tracking code."))
    return evaluate_demand(demand, SYSTEM, evaluation=evaluation, note=note, via_code=True)
