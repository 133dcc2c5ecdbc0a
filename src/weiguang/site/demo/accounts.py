"""The demo accounts: their password, the seed, and the listed accounts already in the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from weiguang.accounts.models import Account as PhoneAccount
from weiguang.regions.models import Membership

DEMO_PASSWORD = "weiguang2026"
DEMO_SEED = 2026
NEWCOMER = "newcomer"  # an unconfirmed sign-up waiting for staff (not a role: printed apart)


@dataclass(frozen=True)
class Account:
    role: str
    username: str
    password: str
    region: str
    name: str = ""
    phone: str = ""  # its mobile number: log in with it and the password, or with an SMS code

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

# The mobile numbers of the listed staff accounts (the resident's is her record's number).
DEMO_PHONES = {name: f"138000000{n:02d}" for n, name in enumerate(LISTED_USERNAMES[:-1], start=1)}


def existing_accounts() -> list[Account]:
    """The listed demo accounts already in the database (for `make run` on a second start)."""

    found = {}
    phones = dict(
        PhoneAccount.objects.filter(user__username__in=LISTED_USERNAMES).values_list(
            "user__username", "phone"
        )
    )
    memberships = Membership.objects.filter(user__username__in=LISTED_USERNAMES).select_related(
        "user", "region"
    )
    for m in memberships.order_by("id"):
        found.setdefault(
            m.user.username,
            Account(
                m.role,
                m.user.username,
                DEMO_PASSWORD,
                m.region.name,
                m.user.first_name,
                phones.get(m.user.username) or "",
            ),
        )
    return [found[u] for u in LISTED_USERNAMES if u in found]
