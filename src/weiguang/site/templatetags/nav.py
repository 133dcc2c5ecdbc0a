"""The navigation and who the user is, in broad strokes (for menus and the home page):
`{% load nav %}` gives `nav_items` and `user_flags`. Site's, as it reads every app's roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from weiguang.people.services import home_street_id, own_resident
from weiguang.regions import access
from weiguang.regions.models import Role
from weiguang.volunteers.models import Volunteer

register = template.Library()

VOLUNTEER_ROLES = {Role.VOLUNTEER, Role.PARTNER_REP}
GRID_ROLES = set(access.ACTION_ROLES["wish.create_for_resident"])
REGION_LIST_ROLES = set(access.ACTION_ROLES["wish.list_region"])


@dataclass
class RoleFlags:
    authenticated: bool = False
    resident: object | None = None  # the user's Resident record, if any
    volunteer: bool = False
    grid: bool = False  # may record wishes for residents (grid worker or staff)
    staff: bool = False  # reviews wishes (community staff, street admin)
    region_list: bool = False  # may list the wishes of a region
    street_id: int | None = None  # the street whose wall is "theirs"
    department: bool = False  # handles demands transferred to a department
    volunteer_status: str = ""  # of the user's volunteer registration, "" if none
    partner_rep: bool = False  # represents a partner unit
    team_leader: bool = False
    roles: set[str] = field(default_factory=set)

    @property
    def is_resident(self) -> bool:
        return self.resident is not None


def role_flags(user) -> RoleFlags:
    """What the user may do, in broad strokes, for menus and the home page (cached per request)."""
    if not getattr(user, "is_authenticated", False):
        return RoleFlags()
    cached = getattr(user, "_wg_flags", None)
    if cached is not None:
        return cached
    pairs = access.memberships(user)
    roles = {role for role, _path in pairs}
    resident = own_resident(user)
    flags = RoleFlags(
        authenticated=True,
        resident=resident,
        volunteer=bool(roles & VOLUNTEER_ROLES),
        grid=bool(roles & GRID_ROLES),
        staff=bool(roles & access.STAFF),
        region_list=bool(roles & REGION_LIST_ROLES),
        street_id=home_street_id(user, resident),
        roles=roles,
        department=user.departments.exists(),
        volunteer_status=Volunteer.objects.filter(user=user).values_list("status", flat=True).first() or "",
        partner_rep=Role.PARTNER_REP in roles,
        team_leader=user.led_teams.exists(),
    )
    user._wg_flags = flags
    return flags


@register.simple_tag(takes_context=True)
def user_flags(context) -> RoleFlags:
    return role_flags(context.get("user"))


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """The navigation for the user's roles: [{key, url, label, badge}]."""
    user = context.get("user")
    flags = role_flags(user)
    wall = reverse("street_wall", args=[flags.street_id]) if flags.street_id else reverse("home") + "#walls"
    items = [{"key": "wall", "url": wall, "label": _("Wish wall")}]
    if flags.is_resident:
        items.append({"key": "new", "url": reverse("wish_new"), "label": _("Post a wish")})
        items.append({"key": "mine", "url": reverse("my_wishes"), "label": _("My wishes")})
    if flags.grid:
        items.append({"key": "grid", "url": reverse("grid_wish_new"), "label": _("Record for a resident")})
    if flags.volunteer:
        items.append({"key": "claims", "url": reverse("my_claims"), "label": _("My claims")})
    if flags.staff:
        items.append({"key": "queue", "url": reverse("staff_queue"), "label": _("Review queue")})
    if flags.region_list:
        items.append({"key": "region", "url": reverse("staff_all"), "label": _("All wishes")})
    # Demands (诉求): one or two entries per role. The staff demand pages carry their own tabs
    # (escalated, meetings, figures), so the bar stays two rows at most on a 390 px phone.
    if flags.is_resident or not flags.authenticated:  # no account needed to report a problem
        items.append({"key": "demand_new", "url": reverse("demand_new"), "label": _("Report a problem")})
    if flags.is_resident:
        items.append({"key": "my_demands", "url": reverse("my_demands"), "label": _("My demands")})
    if flags.grid:
        items.append({"key": "desk", "url": reverse("desk_demand_new"), "label": _("Desk entry")})
    if flags.region_list:
        items.append({"key": "demands", "url": reverse("demand_queue"), "label": _("Demand queue")})
    if flags.staff:  # the region's residents, each record with who looked at it
        items.append({"key": "residents", "url": reverse("staff_residents"), "label": _("Residents")})
    if flags.department:
        items.append({"key": "dept", "url": reverse("dept_inbox"), "label": _("Department inbox")})
    if flags.volunteer_status:
        items.append({"key": "volunteering", "url": reverse("volunteer_me"), "label": _("My volunteering")})
    if flags.partner_rep:
        items.append({"key": "unit", "url": reverse("partner_units"), "label": _("My unit")})
    if flags.authenticated:
        unread = context.get("unread_notifications", 0)
        unread = unread() if callable(unread) else unread
        items.append({"key": "inbox", "url": reverse("inbox"), "label": _("Inbox"), "badge": unread})
    request = context.get("request")
    path = getattr(request, "path", "")
    for item in items:
        target = item["url"].split("#")[0]
        item["active"] = target != "/" and path.startswith(target)
    return items
