"""The demo street: a fictional 街道 with residents, volunteers, partner units, wishes in
every state and demands (诉求) in every state, so that `make run` shows a lived-in site.

Every wish and demand goes through the services (wishes/services.py, demands/services/),
so each has its audit trail and notifications; afterwards the timestamps of each step are
moved into the past, so that the wall, the queues and the inboxes read like the last weeks of
a real programme. The street has two departments, a holiday calendar (2026 and 2027, with
the 调休 make-up days), a desk session (书记面对面) and two deliberation meetings. Demand
deadlines are computed again from the backdated times, so the community queue shows green,
yellow and red orders. Deterministic for a given seed (names, ages, IDs, which wish or demand
ends in which state); dates are relative to today.

The package, one module per area: accounts (password, seed, listed accounts), people (names,
IDs, users), departments (departments, holidays, demand categories), wishes, demand_plan (what
the demands say and their routes), demands, meetings (the desk session and the lift meeting),
street (the builder that lays it all out in order).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from weiguang.regions.models import Region

from .accounts import DEMO_PASSWORD, DEMO_SEED, LISTED_USERNAMES, NEWCOMER, Account, existing_accounts
from .street import DISTRICT, STREET, Builder

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_SEED",
    "DISTRICT",
    "NEWCOMER",
    "STREET",
    "Account",
    "DemoExists",
    "database_is_empty",
    "existing_accounts",
    "seed",
]


class DemoExists(Exception):
    pass


def database_is_empty() -> bool:
    return not Region.objects.exists()


def seed(seed: int = DEMO_SEED) -> list[Account]:
    """Build the demo street in an empty database; return the demo accounts."""
    with transaction.atomic():
        if not database_is_empty():
            raise DemoExists("The database already holds regions.")
        taken = get_user_model().objects.filter(username__in=LISTED_USERNAMES)
        if taken.exists():
            raise DemoExists(
                "Demo usernames are taken: " + ", ".join(taken.values_list("username", flat=True))
            )
        return Builder(seed).build()
