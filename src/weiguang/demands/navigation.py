"""The demands' role flag, navigation entries and home tiles (core/navigation.py)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from weiguang.core.navigation import register_entry, register_flag, register_tile
from weiguang.people.services import register_seen_on
from weiguang.regions.models import Role

from .models import OPEN_STATUSES, DemandStatus, Department, overdue_q
from .services import queries


def mine(flags) -> dict:
    return (
        queries.visible_demands(flags.user)
        .filter(resident__user=flags.user)
        .aggregate(mine=Count("id"), to_evaluate=Count("id", filter=Q(status=DemandStatus.REPLIED)))
    )


def overdue(flags) -> int:
    return (
        queries.region_demands(flags.user)
        .filter(status__in=OPEN_STATUSES)
        .filter(overdue_q(timezone.now()))
        .count()
    )


def street_admin(flags) -> bool:
    return Role.STREET_ADMIN in flags.roles


def my_demands_caption(flags, n: dict) -> str | None:
    if n["to_evaluate"]:
        return ngettext("%(n)s reply to read", "%(n)s replies to read", n["to_evaluate"]) % {
            "n": n["to_evaluate"]
        }
    if n["mine"]:
        return ngettext("%(n)s demand", "%(n)s demands", n["mine"]) % {"n": n["mine"]}
    return None


def register() -> None:
    register_seen_on("demand", _("Demand"), "demand_detail")  # a resident record seen on its page
    register_flag(  # handles the demands transferred to a department
        "department",
        annotation=lambda: Exists(Department.handlers.through.objects.filter(user_id=OuterRef("pk"))),
    )

    # One or two entries per role. The staff demand pages carry their own tabs (escalated,
    # meetings, figures), so the bar stays two rows at most on a 390 px phone.
    register_entry(  # no account needed to report a problem
        "demand_new", _("Report a problem"), "demand_new", order=110,
        when=lambda flags: flags.is_resident or not flags.authenticated,
    )  # fmt: skip
    register_entry("my_demands", _("My demands"), "my_demands", order=120, when="is_resident")
    register_entry("desk", _("Desk entry"), "desk_demand_new", order=130, when="grid")
    register_entry("demands", _("Demand queue"), "demand_queue", order=140, when="region_list")
    register_entry("dept", _("Department inbox"), "dept_inbox", order=160, when="department")

    register_tile(
        "demand_new", _("Report a problem"), "demand_new", order=110, icon="☏",
        when=lambda flags: flags.is_resident or not flags.authenticated,
        caption=lambda flags, n: _("An opinion, a complaint, a request") if flags.authenticated else _("No account needed"),
    )  # fmt: skip
    register_tile(
        "track", _("Follow a demand"), "demand_track_form", order=115, icon="⌕",
        when=lambda flags: not flags.authenticated, caption=_("With your tracking code"),
    )  # fmt: skip
    register_tile(
        "my_demands", _("My demands"), "my_demands", order=120, icon="☰", when="is_resident", count=mine,
        caption=my_demands_caption,
    )  # fmt: skip
    register_tile(
        "desk", _("Desk entry"), "desk_demand_new", order=130, icon="☏", when="grid",
        caption=_("Record demands in a row"),
    )  # fmt: skip
    register_tile(
        "demand_queue", _("Demand queue"), "demand_queue", order=140, icon="≡", when="region_list", count=overdue,
        caption=lambda flags, n: (
            ngettext("%(n)s overdue", "%(n)s overdue", n) % {"n": n} if n else _("Soonest deadline first")
        ),
    )  # fmt: skip
    register_tile(
        "dept_inbox", _("Department inbox"), "dept_inbox", order=150, icon="✉", when="department", primary=True,
        count=lambda flags: queries.department_inbox(flags.user).count(),
        caption=ngettext_lazy("%(n)s to handle", "%(n)s to handle", "n"),
    )  # fmt: skip
    register_tile(
        "escalated", _("Escalated"), "escalation_board", order=160, icon="⚑", when=street_admin,
        count=lambda flags: queries.escalation_board(flags.user).count(),
        caption=ngettext_lazy("%(n)s waiting for the street", "%(n)s waiting for the street", "n"),
    )  # fmt: skip
    register_tile(
        "demand_settings", _("Demand settings"), "demand_holidays", order=170, icon="⚙", when=street_admin,
        caption=_("Holidays, categories, departments"),
    )  # fmt: skip
    register_tile(
        "meetings", _("Meetings"), "meetings", order=180, icon="☷", when="staff",
        caption=_("Deliberation meetings"),
    )  # fmt: skip
    register_tile(
        "figures", _("Demand figures"), "demand_figures", order=190, icon="▥", when="staff",
        caption=_("Response, resolution, satisfaction"),
    )  # fmt: skip
