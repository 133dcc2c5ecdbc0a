"""The demo accounts: their password, the seed, and the listed accounts already in the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from weiguang.regions.models import Membership

DEMO_PASSWORD = "weiguang2026"
DEMO_SEED = 2026


@dataclass(frozen=True)
class Account:
    role: str
    username: str
    password: str
    region: str
    name: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("name")
        return data


LISTED_USERNAMES = [
    "admin",
    "staff",
    "staff2",
    "staff3",
    "staff4",
    "grid",
    "volunteer",
    "partner",
    "dept",
    "resident",
]


def existing_accounts() -> list[Account]:
    """The listed demo accounts already in the database (for `make run` on a second start)."""

    found = {}
    memberships = Membership.objects.filter(user__username__in=LISTED_USERNAMES).select_related(
        "user", "region"
    )
    for m in memberships.order_by("id"):
        found.setdefault(
            m.user.username, Account(m.role, m.user.username, DEMO_PASSWORD, m.region.name, m.user.first_name)
        )
    return [found[u] for u in LISTED_USERNAMES if u in found]
