"""Projects (项目清单): one or more needs matched to resources of units serving the region,
with an owner, a plan, dates, a status and the outcome. "project.create" / "project.manage"
decide who may do what (regions.access)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.text import clean_text as _text
from weiguang.core.transitions import perform
from weiguang.demands.services.queries import visible_demands
from weiguang.partners.models import Resource, units_serving
from weiguang.partners.services import REASON_MAX, TITLE_MAX, dates_in_order
from weiguang.regions import access
from weiguang.regions.models import Region
from weiguang.wishes.services import visible_wishes

from ..models import Project, ProjectStatus

PLAN_MAX = 4000
MAX_LINKS = 50  # wishes, demands, surveys or resources linked to one project
EDITABLE_PROJECT_STATES = [ProjectStatus.PLANNED, ProjectStatus.RUNNING]


def project_url(project: Project) -> str:
    return f"/projects/{project.pk}/"


def _clean_links(region: Region, links: dict) -> dict:
    cleaned = {}
    for name, items in links.items():
        items = list(dict.fromkeys(items or []))
        if len(items) > MAX_LINKS:
            raise InvalidInput(_("At most %(max)d links.") % {"max": MAX_LINKS}, fields={name: "too_many"})
        for item in items:
            if name == "wishes":
                ok = region.contains(item.grid) and item.status != "withdrawn"
                message = _("Link wishes of the project's region.")
            elif name == "demands":
                ok = region.contains(item.grid)
                message = _("Link demands of the project's region.")
            elif name == "surveys":
                ok = region.contains(item.region) or item.region.contains(region)
                message = _("Link surveys of the project's region.")
            else:
                ok = item.active and item.unit.serves(region)
                message = _("Link resources on offer from units serving the project's region.")
            if not ok:
                raise InvalidInput(message, fields={name: "invalid"})
        cleaned[name] = items
    return cleaned


def _clean_owner(owner):
    if owner is None or not getattr(owner, "is_active", False):
        raise InvalidInput(_("Choose the project's owner."), fields={"owner": "invalid"})
    return owner


def create_project(
    by, *, region: Region, title: str, plan: str, owner, starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, wishes=(), demands=(), surveys=(), resources=(),
) -> Project:  # fmt: skip
    """A need or several matched to resources, with an owner and a plan: staff of the region."""
    if region is None:
        raise InvalidInput(_("Choose the region."), fields={"region": "invalid"})
    if not access.can(by, "project.create", region):
        raise NotAllowed(_("Only staff of the region may create projects."))
    title = _text(
        title, "title", required=True, min_length=2, max_length=TITLE_MAX, message=_("Name the project.")
    )
    plan = _text(plan, "plan", required=True, max_length=PLAN_MAX, message=_("Describe the plan."))
    owner = _clean_owner(owner)
    dates_in_order(starts_on, ends_on, "starts_on", "ends_on")
    links = _clean_links(
        region, {"wishes": wishes, "demands": demands, "surveys": surveys, "resources": resources}
    )
    if not (links["wishes"] or links["demands"] or links["surveys"]):
        raise InvalidInput(
            _("Link at least one need: a wish, a demand or a survey."), fields={"wishes": "required"}
        )
    with transaction.atomic():
        project = Project.objects.create(
            region=region, title=title, plan=plan, owner=owner, starts_on=starts_on, ends_on=ends_on,
            created_by=by,
        )  # fmt: skip
        for name, items in links.items():
            getattr(project, name).set(items)
        log_action(
            project, "create", by, to_state=project.status, owner=owner.pk,
            **{name: [i.pk for i in items] for name, items in links.items()},
        )  # fmt: skip
        if owner.pk != by.pk:
            notify([owner], _("You own the project “%(t)s”.") % {"t": title}, url=project_url(project))
    return project


def update_project(project: Project, by, **changes) -> Project:
    """Change the title, plan, dates or links while the project is planned or running; the
    owner is changed by staff only."""
    if not access.can(by, "project.manage", project):
        raise NotAllowed(_("Only the project's owner and staff of the region may edit it."))
    if "owner" in changes and not access.can(by, "project.create", project.region):
        raise NotAllowed(_("Only staff of the region may hand the project to another owner."))
    fields = {}
    for name, value in changes.items():
        if name == "title":
            fields[name] = _text(value, "title", required=True, min_length=2, max_length=TITLE_MAX)
        elif name == "plan":
            fields[name] = _text(value, "plan", required=True, max_length=PLAN_MAX)
        elif name in ("starts_on", "ends_on"):
            fields[name] = value
        elif name == "owner":
            fields[name] = _clean_owner(value)
        elif name not in ("wishes", "demands", "surveys", "resources"):
            raise InvalidInput(_("Unknown field."), fields={name: "unknown"})
    links = _clean_links(
        project.region,
        {n: v for n, v in changes.items() if n in ("wishes", "demands", "surveys", "resources")},
    )
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("region").get(pk=project.pk)
        if locked.status not in EDITABLE_PROJECT_STATES:
            raise Conflict(
                _("This cannot be done now: the current state is “%(state)s”.")
                % {"state": locked.get_status_display()},
                code="state_conflict",
            )
        dates_in_order(
            fields.get("starts_on", locked.starts_on),
            fields.get("ends_on", locked.ends_on),
            "starts_on",
            "ends_on",
        )
        if {"wishes", "demands", "surveys"} & set(links):
            remaining = [links.get(n, getattr(locked, n).all()) for n in ("wishes", "demands", "surveys")]
            if not any(len(items) for items in remaining):
                raise InvalidInput(
                    _("Link at least one need: a wish, a demand or a survey."), fields={"wishes": "required"}
                )
        save_and_log_update(locked, by, fields, links)
        new_owner = fields.get("owner")
        if new_owner is not None and new_owner.pk != project.owner_id:
            notify(
                [new_owner], _("You own the project “%(t)s”.") % {"t": locked.title}, url=project_url(locked)
            )
    return locked


def _project_staff(p: Project):
    return access.holders(access.STAFF, p.region.path)


def start_project(project: Project, by, note: str = "") -> Project:
    note = _text(note, "note", required=False, max_length=REASON_MAX)

    def apply(p: Project):
        p.starts_on = p.starts_on or timezone.localdate()
        notify(
            [p.owner, *_project_staff(p)], _("Project started: %(t)s") % {"t": p.title}, url=project_url(p)
        )

    return perform(project, "start", by, note=note, apply=apply)


def finish_project(project: Project, by, outcome: str) -> Project:
    """Done, with the outcome (what was delivered, to how many people)."""
    outcome = _text(
        outcome, "outcome", required=True, max_length=PLAN_MAX, message=_("Describe the outcome.")
    )

    def apply(p: Project):
        p.outcome = outcome
        today = timezone.localdate()
        if p.ends_on is None or p.ends_on > today:
            p.ends_on = max(today, p.starts_on) if p.starts_on else today
        notify(
            [p.owner, *_project_staff(p)], _("Project done: %(t)s") % {"t": p.title}, body=outcome,
            url=project_url(p),
        )  # fmt: skip

    return perform(project, "finish", by, note=outcome, apply=apply)


def cancel_project(project: Project, by, reason: str) -> Project:
    reason = _text(reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason."))

    def apply(p: Project):
        p.outcome = reason
        notify(
            [p.owner, *_project_staff(p)], _("Project cancelled: %(t)s") % {"t": p.title}, body=reason,
            url=project_url(p),
        )  # fmt: skip

    return perform(project, "cancel", by, note=reason, apply=apply)


def visible_projects(user) -> QuerySet[Project]:
    return Project.objects.select_related("region", "owner").restrict(user, "project.manage")


def with_links(projects: QuerySet[Project], user) -> QuerySet[Project]:
    """Projects with their owner, region and links loaded in a fixed number of queries; the
    linked wishes and demands are only those `user` may see (`visible_wishes` /
    `visible_demands`), in `p.seen_wishes` and `p.seen_demands`."""
    return projects.select_related("region", "owner").prefetch_related(
        Prefetch("wishes", queryset=visible_wishes(user).order_by("id"), to_attr="seen_wishes"),
        Prefetch("demands", queryset=visible_demands(user).order_by("id"), to_attr="seen_demands"),
        "surveys",
        Prefetch("resources", queryset=Resource.objects.select_related("unit")),
    )


def project_owners(region: Region):
    """Who may own a project of `region`: its staff and the representatives of units serving it."""
    staff = access.holders(access.STAFF, region.path).values("pk")
    reps = get_user_model().objects.filter(partner_units__in=units_serving(region)).values("pk")
    return (
        get_user_model().objects.filter(Q(pk__in=staff) | Q(pk__in=reps)).order_by("first_name", "username")
    )
