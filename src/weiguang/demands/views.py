"""Demand pages (诉求): online submission and tracking for residents, the desk's rapid entry,
the community queue, a demand's page with its actions, the department inbox, the street's
escalation board, deliberation meetings and the figures. Thin: parse, call a service, render."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from weiguang.core import ratelimit
from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.idempotency import create_once
from weiguang.core.privacy import mask_phone
from weiguang.core.schemas import history_rows
from weiguang.core.templatetags.wg import safe_next
from weiguang.people.models import Resident
from weiguang.people.services import own_resident, resident_for, search_residents, view_resident_record
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind, Role

from . import services, stats
from .forms import (
    ActionItemFormSet,
    AssignForm,
    ConvertWishForm,
    DecisionForm,
    DeskDemandForm,
    EvaluateForm,
    FiguresForm,
    HandleForm,
    MeetingForm,
    PublicDemandForm,
    ReasonForm,
    ReferForm,
    ReplyForm,
    ResolveForm,
    ReviewReturnForm,
    SessionForm,
    TransferForm,
)
from .models import (
    YELLOW_WINDOW,
    DeadlineColour,
    Deliberation,
    Demand,
    DemandStatus,
    Department,
    IntakeSession,
    MeetingStatus,
    Transfer,
    TransferStatus,
    deadline_colour,
    format_tracking_code,
    normalize_tracking_code,
    overdue_q,
    resident_status,
)

PAGE_SIZE = 30
TRACKING_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
S = DemandStatus
STATUS_BADGES = {
    S.RECEIVED: "blue",
    S.RESOLVED_ON_SPOT: "teal",
    S.ASSIGNED: "orange",
    S.TRANSFERRED: "orange",
    S.RETURNED: "red",
    S.ESCALATED: "red",
    S.DELIBERATING: "orange",
    S.HANDLED: "teal",
    S.REPLIED: "teal",
    S.REOPENED: "red",
    S.CLOSED: "dark",
}
COLOUR_WORDS = dict(DeadlineColour.choices)  # green: on track, yellow: due soon, red: overdue
ACTIONS = (
    "resolve_on_spot", "assign", "transfer", "accept", "handle", "reply", "evaluate", "return",
    "review_return", "escalate", "refer",
)  # fmt: skip
SUCCESS = {
    "resolve_on_spot": gettext_lazy("Recorded as resolved on the spot."),
    "assign": gettext_lazy("Assigned. They have been told."),
    "transfer": gettext_lazy("Transferred. The departments have been told."),
    "accept": gettext_lazy("Accepted. Please handle it before the deadline."),
    "handle": gettext_lazy("The result is recorded."),
    "reply": gettext_lazy("The reply was sent to the resident."),
    "evaluate": gettext_lazy("Thank you for your evaluation."),
    "return": gettext_lazy("The return was sent to the street."),
    "review_return": gettext_lazy("The return was reviewed."),
    "escalate": gettext_lazy("Escalated to the street."),
    "refer": gettext_lazy("Referred to the meeting."),
}
# The resident's view of the life of a demand: received → in progress → replied → closed.
PROGRESS = {
    S.RECEIVED: 1,
    S.ASSIGNED: 2, S.TRANSFERRED: 2, S.RETURNED: 2, S.ESCALATED: 2, S.DELIBERATING: 2,
    S.REOPENED: 2, S.HANDLED: 2,
    S.REPLIED: 3,
    S.CLOSED: 4, S.RESOLVED_ON_SPOT: 4,
}  # fmt: skip
PROGRESS_STEPS = [
    gettext_lazy("Received"),
    gettext_lazy("Being handled"),
    gettext_lazy("Replied"),
    gettext_lazy("Closed"),
]


# --- helpers --------------------------------------------------------------------------------


def _decorate(demands, now=None):
    """Give each demand its badge colour and its deadline colour and word (for the templates)."""
    now = now or timezone.now()
    for d in demands:
        d.badge = STATUS_BADGES.get(d.status, "grey")
        d.deadline = d.colour(now)
        d.deadline_word = COLOUR_WORDS.get(d.deadline, "")
    return demands


def _progress(status: str) -> list[dict]:
    reached = PROGRESS.get(status, 1)
    return [{"label": label, "done": i < reached} for i, label in enumerate(PROGRESS_STEPS)]


def _prefixes(user, action: str) -> list[str]:
    allowed = access.ACTION_ROLES[action]
    return sorted({p for role, p in access.memberships(user) if role in allowed})


def _under(prefixes: list[str]) -> Q:
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(path__startswith=p)
    return q


def _communities(user, action: str) -> list[Region]:
    """The communities where the user may `action`: below their regions, or above their grid."""
    prefixes = _prefixes(user, action)
    if not prefixes:
        return []
    ids = set(Region.objects.filter(_under(prefixes), kind=RegionKind.COMMUNITY).values_list("pk", flat=True))
    ids |= set(
        Region.objects.filter(path__in=prefixes, kind=RegionKind.GRID).values_list("parent_id", flat=True)
    )
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def _grids(user, action: str):
    prefixes = _prefixes(user, action)
    return Region.objects.filter(_under(prefixes), kind=RegionKind.GRID).order_by("path")


def _paginate(request, qs, count: int | None = None, size: int = PAGE_SIZE):
    paginator = Paginator(qs, size)
    if count is not None:
        paginator.__dict__["count"] = count  # known already: no second COUNT query
    return paginator.get_page(request.GET.get("page"))


def _require(user, action: str) -> None:
    if not access.has_role(user, access.ACTION_ROLES[action]):
        raise PermissionDenied


def _history(demand: Demand, for_resident: bool = False) -> list[dict]:
    """The demand's history. The resident's is when it moved on, in her words: no names of staff,
    no office steps (a step that does not change what she reads is left out)."""
    states = dict(DemandStatus.choices)
    rows = [
        {"at": row["at"], "who": row["actor"], "action": row["action_label"], "state": states.get(row["to"], ""),
         "note": row["note"], "to": row["to"]}
        for row in history_rows(demand, _("Received"))
    ]  # fmt: skip
    if not for_resident:
        return rows
    plain, last = [], None
    for row in rows:
        if not row["to"]:
            continue  # not a change of state
        word = resident_status(row["to"])
        if word != last:
            plain.append({"at": row["at"], "state": word})
        last = word
    return plain


def _load(pk: int) -> Demand:
    return get_object_or_404(
        Demand.objects.select_related(
            "grid",
            "community",
            "street",
            "category",
            "resident",
            "assignee",
            "session",
            "source_wish",
            "deliberation",
            "action_of",
        ),
        pk=pk,
    )


def _view_or_404(request, pk: int) -> Demand:
    demand = _load(pk)
    if not access.can(request.user, "demand.view", demand):
        raise Http404
    return demand


def _dispatchers(path: str):
    return access.holders(services.DISPATCHERS, path).order_by("first_name", "username")


def _sub_nav(user) -> list[dict]:
    """The tabs on top of the staff demand pages (the main navigation stays short)."""
    roles = {role for role, _p in access.memberships(user)}
    tabs = []
    if roles & access.ACTION_ROLES["demand.list_region"]:
        tabs.append({"url": reverse("demand_queue"), "label": _("Queue")})
    if roles & access.ACTION_ROLES["demand.create"]:
        tabs.append({"url": reverse("desk_demand_new"), "label": _("Desk entry")})
    if roles & access.ACTION_ROLES["demand.list_region"]:
        tabs.append({"url": reverse("region_demands"), "label": _("All demands")})
    if Role.STREET_ADMIN in roles:
        tabs.append({"url": reverse("escalation_board"), "label": _("Escalated")})
    if roles & access.ACTION_ROLES["demand.deliberate"]:
        tabs.append({"url": reverse("meetings"), "label": _("Meetings")})
    if roles & access.ACTION_ROLES["demand.stats"]:
        tabs.append({"url": reverse("demand_figures"), "label": _("Figures")})
    return tabs


def _staff_render(request, template: str, context: dict, status: int = 200):
    tabs = _sub_nav(request.user)
    for tab in tabs:
        tab["active"] = request.path == tab["url"]
    return render(request, template, {**context, "tabs": tabs}, status=status)


# --- residents: submit online, track by code, my demands --------------------------------------


def demand_new(request):
    """Anyone may submit a demand online: a logged-in resident's is theirs, a visitor's is
    anonymous and followed by its tracking code."""
    user = request.user
    if user.is_authenticated and access.has_role(user, access.ACTION_ROLES["demand.create"]):
        return redirect("desk_demand_new")
    resident = own_resident(user)
    if request.method == "POST":
        form = PublicDemandForm(request.POST, ask_phone=resident is None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                demand = services.submit_demand(
                    user, grid=data["grid"], title=data["title"], description=data["description"],
                    category=data["category"], urgent=data["urgent"], client=ratelimit.client_address(request),
                    contact_phone=data.get("contact_phone", ""),
                )  # fmt: skip
            except ServiceError as err:
                apply_service_error(form, err)
                return render(request, "demands/new.html", {"form": form}, status=err.status)
            if user.is_authenticated and demand.resident_id:
                messages.success(request, _("Your demand was received. We will reply in your inbox."))
                return redirect("demand_detail", pk=demand.pk)
            return redirect("demand_done", code=demand.tracking_code)
        return render(request, "demands/new.html", {"form": form}, status=422)
    initial = {"grid": resident.grid_id} if resident is not None else {}
    form = PublicDemandForm(initial=initial, ask_phone=resident is None)
    return render(request, "demands/new.html", {"form": form})


@require_GET
def demand_done(request, code: str):
    """After an anonymous submission: the tracking code, big, and how to follow it."""
    code = normalize_tracking_code(code)
    if not TRACKING_CODE.match(code) or not Demand.objects.filter(tracking_code=code).exists():
        raise Http404
    return render(request, "demands/done.html", {"code": code, "code_display": format_tracking_code(code)})


def _private(response):
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def track_form(request):
    """Follow a demand by its tracking code, typed any way ("3815 0274-6692"), or by the phone
    number given with it: then the demands given with that number, newest first."""
    client = ratelimit.client_address(request)
    code, phone = request.GET.get("code", "").strip()[:40], request.GET.get("phone", "").strip()[:40]
    context: dict = {"code": code, "phone": phone, "error": "", "phone_error": ""}
    status = 200
    try:
        if code:
            demand = services.find_by_code(code, client=client)
            if demand is not None:
                return redirect("demand_track", code=demand.tracking_code)
            context["error"], status = _("No demand has this tracking code. Please check each digit."), 404
        elif phone:
            found = services.find_by_phone(phone, client=client)
            context["found"] = _decorate(found)
            context["masked_phone"] = mask_phone(services.normalize_phone(phone))
    except ServiceError as err:
        context["phone_error" if phone and not code else "error"], status = err.message, err.status
    return _private(render(request, "demands/track_form.html", context, status=status))


TRACK_FIELDS = (
    "tracking_code", "status", "title", "description", "place", "category__name", "public_reply", "reply",
    "result", "created_at", "first_response_at", "handled_at", "replied_at", "closed_at", "evaluation",
    "evaluation_note", "warning_count",
)  # fmt: skip


def _track_demand(request, code: str) -> Demand:
    """The demand with this code (the page's address may carry it with spaces or dashes)."""
    found = services.find_by_code(code, client=ratelimit.client_address(request))
    if found is None:
        raise Http404
    return Demand.objects.select_related("category").only(*TRACK_FIELDS).get(pk=found.pk)


def _track_render(request, demand: Demand, form=None, status: int = 200):
    """What was reported, where it stands, our answer and the evaluation: nothing about who
    asked (no name, phone or address) and no internal working (who handled it, notes)."""
    context = {
        "d": demand,
        "badge": STATUS_BADGES.get(demand.status, "grey"),
        "progress": _progress(demand.status),
        "form": form or EvaluateForm(),
    }
    return _private(render(request, "demands/track.html", context, status=status))


def _track_or_429(request, code: str):
    try:
        return _track_demand(request, code), None
    except ServiceError as err:
        context = {"code": code, "phone": "", "error": err.message, "phone_error": ""}
        return None, _private(render(request, "demands/track_form.html", context, status=err.status))


@require_GET
def track(request, code: str):
    demand, refused = _track_or_429(request, code)
    return refused or _track_render(request, demand)


@require_POST
def track_evaluate(request, code: str):
    demand, refused = _track_or_429(request, code)
    if refused:
        return refused
    form = EvaluateForm(request.POST)
    if not form.is_valid():
        return _track_render(request, demand, form, status=422)
    try:
        services.evaluate_by_code(
            demand.tracking_code, evaluation=form.cleaned_data["evaluation"], note=form.cleaned_data["note"]
        )
    except ServiceError as err:
        messages.error(request, err.message)
        return _track_render(request, _track_demand(request, code), form, status=err.status)
    messages.success(request, SUCCESS["evaluate"])
    return redirect("demand_track", code=demand.tracking_code)


@login_required
def my_demands(request):
    demands = (
        services.visible_demands(request.user)
        .filter(resident__user=request.user)
        .select_related("community", "category")
        .order_by("-created_at", "-id")
    )
    page = _paginate(request, demands, size=20)
    return render(
        request, "demands/my_demands.html", {"page_obj": page, "demands": _decorate(page.object_list)}
    )


# --- the desk's rapid entry -----------------------------------------------------------------


def _desk_sessions(communities):
    return (
        IntakeSession.objects.filter(community__in=communities)
        .select_related("community")
        .order_by("-date", "-id")
    )


def _session_summary(session: IntakeSession | None) -> dict | None:
    if session is None:
        return None
    summary = stats.session_summary(session)
    other = max(summary.total - summary.resolved_on_spot - summary.transferred, 0)
    return {"session": session, "s": summary, "other": other}


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


@login_required
def desk_new(request):
    """Record demands in a row: the same form comes back empty after each save, keeping the
    channel, grid and intake session; "resolved on the spot" records the result at once."""
    user = request.user
    _require(user, "demand.create")
    communities = _communities(user, "demand.create")
    grids = _grids(user, "demand.create")
    sessions = _desk_sessions(communities)
    source = request.POST if request.method == "POST" else request.GET
    sticky = {k: source.get(k, "") for k in ("channel", "grid", "session") if source.get(k, "")}
    resident_qs = access.scope(Resident.objects.select_related("grid"), user, "resident.search")
    saved, status = None, 200
    if request.method == "POST":
        form = DeskDemandForm(request.POST, grids=grids, sessions=sessions)
        if form.is_valid():
            data = form.cleaned_data
            resident, refusal = None, None
            if data["resident"]:
                try:  # the resident's field is hidden: say it at the top of the form
                    resident = resident_for(user, data["resident"], data["grid"])
                except ServiceError as err:
                    refusal = err.message
            grid = data["grid"] or (resident.grid if resident else None)
            if refusal:
                form.add_error(None, refusal)
            elif grid is None:
                form.add_error("grid", _("Choose the grid, or find the resident."))
            else:

                def create():
                    return services.submit_demand(
                        user, grid=grid, title=data["title"], description=data["description"],
                        channel=data["channel"], category=data["category"], urgent=data["urgent"],
                        resident=resident, contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"], session=data["session"],
                    )  # fmt: skip

                try:
                    # A double-tapped Enter saves one demand.
                    demand, created = create_once(
                        user, "demand.desk", data["idempotency_key"], Demand, create
                    )
                except ServiceError as err:
                    apply_service_error(form, err)
                    status = err.status
                else:
                    if created and data["resolved"]:
                        try:
                            services.resolve_on_spot(demand, user, result=data["result"])
                        except ServiceError as err:
                            messages.error(request, err.message)
                    return redirect(
                        reverse("desk_demand_new") + "?" + urlencode({**sticky, "saved": demand.pk})
                    )
        status = status if status != 200 else 422
    else:
        initial = dict(sticky)
        if "grid" not in initial and grids.count() == 1:
            initial["grid"] = grids.first().pk
        form = DeskDemandForm(initial=initial, grids=grids, sessions=sessions)
        saved_pk = _int(request.GET.get("saved"))
        if saved_pk:
            saved = services.visible_demands(user).filter(pk=saved_pk).first()
    chosen = None
    if request.method == "POST" and _int(request.POST.get("resident")):
        chosen = resident_qs.filter(pk=int(request.POST["resident"])).first()
    session_pk = _int(source.get("session"))
    session = sessions.filter(pk=session_pk).first() if session_pk else None
    context = {
        "form": form,
        "saved": saved,
        "chosen": chosen,
        "summary": _session_summary(session),
        "session_form": SessionForm(communities=communities),
        "sticky_query": urlencode(sticky),
    }
    return _staff_render(request, "demands/desk_new.html", context, status=status)


@login_required
@require_POST
def desk_session_new(request):
    """Open an intake session (a desk session or a fair) and go back to the desk form with it."""
    user = request.user
    _require(user, "demand.create")
    communities = _communities(user, "demand.create")
    form = SessionForm(request.POST, communities=communities)
    if not form.is_valid() or form.cleaned_data["community"] is None:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("desk_demand_new")
    data = form.cleaned_data
    try:
        session = services.open_session(
            user, community=data["community"], kind=data["kind"], title=data["title"], date=data["date"]
        )
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect("desk_demand_new")
    messages.success(
        request, _("Session “%(t)s” opened; the next demands belong to it.") % {"t": session.title}
    )
    sticky = {k: request.POST.get(k, "") for k in ("channel", "grid") if request.POST.get(k)}
    return redirect(reverse("desk_demand_new") + "?" + urlencode({**sticky, "session": session.pk}))


@login_required
@require_GET
def desk_resident_search(request):
    """htmx: the residents matching the typed text, each with a button to pick them."""
    _require(request.user, "resident.search")
    q = request.GET.get("q", "").strip()[:50]
    results = search_residents(request.user, q, limit=8) if q else []
    return render(request, "demands/desk_new.html#resident-results", {"q": q, "results": results})


@login_required
@require_GET
def desk_resident_pick(request, pk: int):
    """htmx: the chosen resident (or none, pk=0) as a hidden field with their name."""
    _require(request.user, "resident.search")
    chosen = None
    if pk:
        chosen = (
            access.scope(Resident.objects.select_related("grid"), request.user, "resident.search")
            .filter(pk=pk)
            .first()
        )
        if chosen is None:
            raise Http404
    return render(request, "demands/desk_new.html#chosen-resident", {"chosen": chosen, "picked": True})


# --- the community queue and the region's list ----------------------------------------------------


@login_required
def queue(request):
    """Open orders of one community, soonest deadline first, with the deadline colours."""
    user = request.user
    _require(user, "demand.list_region")
    communities = _communities(user, "demand.list_region")
    if not communities:
        raise PermissionDenied
    wanted = _int(request.GET.get("community"))
    community = next((c for c in communities if c.pk == wanted), communities[0])
    colour = request.GET.get("colour", "")
    colour = colour if colour in DeadlineColour.values else ""
    now = timezone.now()
    counts = (
        services.community_queue(user, community)
        .order_by()
        .aggregate(
            total=Count("id"),
            red=Count("id", filter=overdue_q(now)),
            yellow=Count("id", filter=Q(handle_due__gte=now, handle_due__lte=now + YELLOW_WINDOW)),
            green=Count("id", filter=Q(handle_due__gt=now + YELLOW_WINDOW)),
        )
    )
    page = _paginate(request, services.community_queue(user, community, colour), counts[colour or "total"])
    query = urlencode({k: v for k, v in {"community": community.pk, "colour": colour}.items() if v})
    colours = [
        {"value": c.value, "label": c.label, "count": counts[c.value]}
        for c in (DeadlineColour.RED, DeadlineColour.YELLOW, DeadlineColour.GREEN)
    ]
    context = {
        "communities": communities,
        "community": community,
        "colour": colour,
        "colours": colours,
        "total": counts["total"],
        "page_obj": page,
        "demands": _decorate(page.object_list, now),
        "query": query,
    }
    return _staff_render(request, "demands/queue.html", context)


@login_required
def region_list(request):
    user = request.user
    _require(user, "demand.list_region")
    communities = _communities(user, "demand.list_region")
    status = request.GET.get("status", "")
    status = status if status in DemandStatus.values else ""
    wanted = _int(request.GET.get("community"))
    community = next((c for c in communities if c.pk == wanted), None)
    qs = services.region_demands(user).select_related("grid", "community", "category", "assignee")
    if status:
        qs = qs.filter(status=status)
    if community:
        qs = qs.filter(community=community)
    page = _paginate(request, qs.order_by("-created_at", "-id"))
    query = urlencode({k: v for k, v in {"status": status, "community": wanted or ""}.items() if v})
    context = {
        "communities": communities,
        "community": community,
        "status": status,
        "statuses": DemandStatus.choices,
        "page_obj": page,
        "demands": _decorate(page.object_list),
        "query": query,
    }
    return _staff_render(request, "demands/region_list.html", context)


# --- one demand ---------------------------------------------------------------------------------


def _available(demand: Demand, user, my_transfer: Transfer | None) -> dict:
    """The action forms to show, by the names of the page's forms."""
    available = services.available_actions(demand, user, my_transfer)
    if "handle_part" in available:
        available.setdefault("handle", available.pop("handle_part"))
    if "approve_return" in available:
        available["review_return"] = available["approve_return"]
    return available


def _detail_context(request, demand: Demand, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    now = timezone.now()
    my_transfer = services.handler_transfer(demand, user)
    available = _available(demand, user, my_transfer)
    relations = demand.relations_to(user)
    staff = bool(access.roles_at(user, demand.grid.path) & services.DISPATCHERS)
    transfers = list(demand.transfers.select_related("department", "handled_by"))
    for t in transfers:
        live = t.status in Transfer.LIVE_STATUSES
        t.colour = deadline_colour(t.deadline, now) if live and t.status == TransferStatus.ACTIVE else ""
        t.colour_word = COLOUR_WORDS.get(t.colour, "")
    forms = {}
    if "resolve_on_spot" in available:
        forms["resolve"] = bound.get("resolve_on_spot") or ResolveForm(prefix="resolve")
    if "assign" in available:
        forms["assign"] = bound.get("assign") or AssignForm(people=_dispatchers(demand.grid.path))
    if "transfer" in available:
        forms["transfer"] = bound.get("transfer") or TransferForm(
            departments=Department.objects.filter(street=demand.street_id),
            default_due=services.default_transfer_deadline(demand, now),
        )
    if "handle" in available:
        forms["handle"] = bound.get("handle") or HandleForm()
    if "reply" in available:
        forms["reply"] = bound.get("reply") or ReplyForm()
    if "evaluate" in available:
        forms["evaluate"] = bound.get("evaluate") or EvaluateForm()
    if "return" in available:
        forms["return"] = bound.get("return") or ReasonForm(prefix="return")
    if "escalate" in available:
        forms["escalate"] = bound.get("escalate") or ReasonForm(prefix="escalate")
    if "review_return" in available:
        forms["review"] = bound.get("review_return") or ReviewReturnForm()
    if "refer" in available:
        prefixes = [demand.grid.path[: i + 1] for i, ch in enumerate(demand.grid.path) if ch == "/"]
        meetings = Deliberation.objects.filter(status=MeetingStatus.SCHEDULED, region__path__in=prefixes)
        forms["refer"] = bound.get("refer") or ReferForm(meetings=meetings.order_by("held_at")[:20])
    contact = services.can_see_contact(user, demand)
    if contact and demand.resident_id and "owner" not in relations:  # shown: audited (PIPL)
        view_resident_record(demand.resident, user, via="demand", ref=demand.pk)
    resident_record = None
    if demand.resident_id and access.can(user, "resident.view_log", demand.resident):
        resident_record = demand.resident
    demand.badge = STATUS_BADGES.get(demand.status, "grey")
    demand.deadline = demand.colour(now)
    demand.deadline_word = COLOUR_WORDS.get(demand.deadline, "")
    return {
        "d": demand,
        "available": available,
        "forms": forms,
        "contact": contact,
        "resident_record": resident_record,
        "is_owner": "owner" in relations,
        "is_staff": staff,
        "my_transfer": my_transfer,
        "transfers": transfers,
        "progress": _progress(demand.status),
        "history": _history(demand, for_resident="owner" in relations and not staff),
        "returning": [t for t in transfers if t.status == TransferStatus.RETURN_REQUESTED],
        "refer_empty": "refer" in forms and not forms["refer"].meetings,
        "can_record_service": access.can(user, "demand.handle", demand),
        "can_recommend": demand.is_open and access.can(user, "claimers.recommend", demand),
    }


@require_GET
def demand_detail(request, pk: int):
    demand = _load(pk)
    if not access.can(request.user, "demand.view", demand):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    return render(request, "demands/detail.html", _detail_context(request, demand))


def _run_action(request, demand: Demand, action: str, bound: dict) -> bool:
    """Parse the action's form into `bound` and call its service. False: the form is invalid.
    A refusal by the service propagates as ServiceError."""
    user, post = request.user, request.POST
    if action == "resolve_on_spot":
        form = bound[action] = ResolveForm(post, prefix="resolve")
        if not form.is_valid():
            return False
        services.resolve_on_spot(demand, user, result=form.cleaned_data["result"])
    elif action == "assign":
        form = bound[action] = AssignForm(post, people=_dispatchers(demand.grid.path))
        if not form.is_valid() or form.cleaned_data["assignee"] is None:
            return False
        services.assign_demand(demand, user, form.cleaned_data["assignee"], note=form.cleaned_data["note"])
    elif action == "transfer":
        form = bound[action] = TransferForm(
            post, departments=Department.objects.filter(street=demand.street_id)
        )
        if not form.is_valid():
            return False
        services.transfer_demand(demand, user, form.targets(), note=form.cleaned_data["note"])
    elif action == "accept":
        services.accept_transfer(demand, user)
    elif action == "handle":
        form = bound[action] = HandleForm(post)
        if not form.is_valid():
            return False
        data = form.cleaned_data
        services.handle_demand(
            demand, user, result=data["result"], action_taken=data["action_taken"], is_genuine=form.genuine(),
            beyond_remit=data["beyond_remit"],
        )  # fmt: skip
    elif action == "reply":
        form = bound[action] = ReplyForm(post)
        if not form.is_valid():
            return False
        services.reply_demand(
            demand, user, reply=form.cleaned_data["reply"], public_reply=form.cleaned_data["public_reply"]
        )
    elif action == "evaluate":
        form = bound[action] = EvaluateForm(post)
        if not form.is_valid():
            return False
        services.evaluate_demand(
            demand, user, evaluation=form.cleaned_data["evaluation"], note=form.cleaned_data["note"]
        )
    elif action in ("return", "escalate"):
        form = bound[action] = ReasonForm(post, prefix=action)
        if not form.is_valid():
            return False
        if action == "return":
            services.request_return(demand, user, reason=form.cleaned_data["reason"])
        else:
            services.escalate_demand(demand, user, reason=form.cleaned_data["reason"])
    elif action == "review_return":
        form = bound[action] = ReviewReturnForm(post)
        if not form.is_valid():
            return False
        services.review_return(
            demand, user, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"]
        )
    elif action == "refer":
        prefixes = [demand.grid.path[: i + 1] for i, ch in enumerate(demand.grid.path) if ch == "/"]
        meetings = Deliberation.objects.filter(region__path__in=prefixes)
        form = bound[action] = ReferForm(post, meetings=meetings)
        if not form.is_valid() or form.cleaned_data["meeting"] is None:
            return False
        services.refer_to_meeting(demand, user, form.cleaned_data["meeting"], note=form.cleaned_data["note"])
    return True


@login_required
@require_POST
def demand_action(request, pk: int, action: str):
    """POST /demands/<pk>/<action>/: one step. A refusal is shown to the user with the HTTP
    status the API would use, never a server error."""
    if action not in ACTIONS:
        raise Http404
    demand = _view_or_404(request, pk)
    bound: dict = {}
    try:
        ok = _run_action(request, demand, action, bound)
        status = 200 if ok else 422
    except ServiceError as err:
        ok, status = False, err.status
        messages.error(request, err.message)
        form = bound.get(action)
        if form is not None and err.fields:
            apply_service_error(form, err)
    if ok:
        messages.success(request, SUCCESS[action])
        fresh = _load(pk)
        default = reverse("demand_detail", args=[pk])
        if not access.can(request.user, "demand.view", fresh):
            default = reverse("home")
        return redirect(safe_next(request, default))
    if status == 422:
        messages.error(request, _("Please check the form below."))
    fresh = _view_or_404(request, pk)
    return render(request, "demands/detail.html", _detail_context(request, fresh, bound), status=status)


@login_required
@require_POST
def convert_wish(request, wish_pk: int):
    """Staff turn a micro-wish that is too big into a demand; the wish links to it."""
    from weiguang.wishes import views as wish_views

    wish = wish_views._load_wish(wish_pk)
    if not wish_views._may_view(request.user, wish):
        raise Http404
    form = ConvertWishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        demand = services.convert_wish(wish, request.user, note=note)
    except ServiceError as err:
        messages.error(request, err.message)
        context = wish_views._detail_context(request, wish_views._load_wish(wish_pk))
        return render(request, "wishes/detail.html", context, status=err.status)
    messages.success(request, _("The wish is now a demand. Please dispatch it."))
    return redirect("demand_detail", pk=demand.pk)


# --- the department's inbox ---------------------------------------------------------------------


@login_required
def dept_inbox(request):
    user = request.user
    if not user.departments.exists():
        raise PermissionDenied
    page = _paginate(request, services.department_inbox(user))
    now = timezone.now()
    rows = list(page.object_list)
    for t in rows:
        t.colour = deadline_colour(t.deadline, now) if t.status == TransferStatus.ACTIVE else ""
        t.colour_word = COLOUR_WORDS.get(t.colour, "")
        t.badge = STATUS_BADGES.get(t.demand.status, "grey")
        t.handle_form = HandleForm(auto_id=f"t{t.pk}_%s")
        t.return_form = ReasonForm(prefix="return", auto_id=f"t{t.pk}_%s")
        t.can_act = t.status == TransferStatus.ACTIVE and t.demand.status in (S.TRANSFERRED, S.REOPENED)
    return render(request, "demands/dept_inbox.html", {"page_obj": page, "transfers": rows})


# --- the street's escalation board (吹哨报到) ------------------------------------------------------


@login_required
def escalation_board(request):
    user = request.user
    _require(user, "demand.review_return")
    page = _paginate(request, services.escalation_board(user))
    now = timezone.now()
    demands = _decorate(list(page.object_list), now)
    departments: dict[int, list] = {}
    whistle_due: dict[int, object] = {}  # an escalated demand's usual deadline: one per street
    for d in demands:
        if d.street_id not in departments:
            departments[d.street_id] = list(Department.objects.filter(street_id=d.street_id))
        transfers = list(d.transfers.all())
        d.returning = [t for t in transfers if t.status == TransferStatus.RETURN_REQUESTED]
        d.summoned = [t for t in transfers if t.summoned and t.status != TransferStatus.RETURNED]
        if d.status == S.ESCALATED:
            if d.street_id not in whistle_due:
                whistle_due[d.street_id] = services.default_transfer_deadline(d, now)
            d.summon_form = TransferForm(
                departments=departments[d.street_id],
                auto_id=f"d{d.pk}_%s",
                default_due=whistle_due[d.street_id],
            )
        if d.status == S.RETURNED:
            d.review_form = ReviewReturnForm(auto_id=f"r{d.pk}_%s")
    return _staff_render(request, "demands/escalation_board.html", {"page_obj": page, "demands": demands})


# --- deliberation meetings (党群联席议事会) -----------------------------------------------------------


def _meeting_regions(user) -> list[Region]:
    prefixes = _prefixes(user, "demand.deliberate")
    if not prefixes:
        return []
    return list(
        Region.objects.filter(_under(prefixes), kind__in=[RegionKind.STREET, RegionKind.COMMUNITY]).order_by(
            "path"
        )
    )


@login_required
def meetings(request):
    user = request.user
    _require(user, "demand.deliberate")
    qs = (
        access.scope(Deliberation.objects.select_related("region"), user, "demand.deliberate")
        .annotate(n_referred=Count("referred", distinct=True), n_actions=Count("action_items", distinct=True))
        .order_by("-held_at", "-id")
    )
    page = _paginate(request, qs)
    return _staff_render(request, "demands/meetings.html", {"page_obj": page, "meetings": page.object_list})


@login_required
def meeting_new(request):
    user = request.user
    _require(user, "demand.deliberate")
    regions = _meeting_regions(user)
    if request.method == "POST":
        form = MeetingForm(request.POST, regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.schedule_meeting(
                    user, region=data["region"], title=data["title"], held_at=data["held_at"],
                    place=data["place"], attendees=data["attendees"],
                )  # fmt: skip
            except ServiceError as err:
                apply_service_error(form, err)
                return _staff_render(request, "demands/meeting_new.html", {"form": form}, status=err.status)
            messages.success(request, _("The meeting is scheduled. Refer demands to it from their pages."))
            return redirect("meeting_detail", pk=meeting.pk)
        return _staff_render(request, "demands/meeting_new.html", {"form": form}, status=422)
    return _staff_render(request, "demands/meeting_new.html", {"form": MeetingForm(regions=regions)})


def _meeting_people(meeting: Deliberation):
    """Staff and grid workers who could own an action item of the meeting's area."""
    path = meeting.region.path
    above = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__region__path__startswith=path) | Q(memberships__region__path__in=above),
            memberships__role__in=list(services.DISPATCHERS),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "username")
    )


def _meeting_context(request, meeting: Deliberation, form=None, items=None) -> dict:
    user = request.user
    can_decide = meeting.status == MeetingStatus.SCHEDULED and access.can(user, "demand.deliberate", meeting)
    context = {
        "m": meeting,
        "referred": _decorate(list(meeting.referred.select_related("grid", "community"))),
        "actions": _decorate(list(meeting.action_items.select_related("grid", "assignee"))),
        "can_decide": can_decide,
    }
    if can_decide:
        people = list(_meeting_people(meeting))
        grids = Region.objects.filter(path__startswith=meeting.region.path, kind=RegionKind.GRID).order_by(
            "path"
        )
        kwargs = {"people": people, "grids": grids}
        context["form"] = form or DecisionForm(initial={"attendees": meeting.attendees})
        context["items"] = items or ActionItemFormSet(prefix="items", form_kwargs=kwargs)
    return context


def _load_meeting(request, pk: int) -> Deliberation:
    meeting = get_object_or_404(Deliberation.objects.select_related("region"), pk=pk)
    if not access.can(request.user, "demand.deliberate", meeting):
        raise Http404
    return meeting


@login_required
def meeting_detail(request, pk: int):
    meeting = _load_meeting(request, pk)
    return _staff_render(request, "demands/meeting.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_decide(request, pk: int):
    meeting = _load_meeting(request, pk)
    people = list(_meeting_people(meeting))
    grids = Region.objects.filter(path__startswith=meeting.region.path, kind=RegionKind.GRID)
    form = DecisionForm(request.POST)
    items = ActionItemFormSet(request.POST, prefix="items", form_kwargs={"people": people, "grids": grids})
    status = 422
    if form.is_valid() and items.is_valid():
        actions = [i for i in (f.item() for f in items.forms if f.is_valid()) if i]
        try:
            services.record_decision(
                meeting, request.user, decision=form.cleaned_data["decision"],
                attendees=form.cleaned_data["attendees"], actions=actions,
            )  # fmt: skip
        except ServiceError as err:
            status = err.status
            apply_service_error(form, err)
            messages.error(request, err.message)
        else:
            messages.success(request, _("The decision is recorded; the action items are assigned."))
            return redirect("meeting_detail", pk=pk)
    context = _meeting_context(request, meeting, form, items)
    return _staff_render(request, "demands/meeting.html", context, status=status)


# --- figures ------------------------------------------------------------------------------------


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _figures(s) -> dict:
    return {
        "total": s.total,
        "overdue": s.overdue,
        "response_rate": _pct(s.response_rate),
        "resolution_rate": _pct(s.resolution_rate),
        "satisfaction_rate": _pct(s.satisfaction_rate),
        "on_time_rate": _pct(s.on_time_rate),
        "avg_first_response_hours": _hours(s.avg_first_response_hours),
    }


BREAKDOWNS = [
    ("community", gettext_lazy("By community")),
    ("department", gettext_lazy("By department")),
    ("category", gettext_lazy("By category")),
    ("month", gettext_lazy("By month")),
]


@login_required
def figures(request):
    user = request.user
    _require(user, "demand.stats")
    prefixes = _prefixes(user, "demand.stats")
    regions = list(
        Region.objects.filter(_under(prefixes), kind__in=[RegionKind.STREET, RegionKind.COMMUNITY]).order_by(
            "path"
        )
    )
    if not regions:
        raise PermissionDenied
    today = timezone.localdate()
    defaults = {
        "region": regions[0].pk,
        "start": today.replace(month=1, day=1).isoformat(),
        "end": today.isoformat(),
    }
    form = FiguresForm({**defaults, **request.GET.dict()}, regions=regions)
    if not form.is_valid():
        return _staff_render(request, "demands/figures.html", {"form": form}, status=422)
    region, start, end = form.cleaned_data["region"], form.cleaned_data["start"], form.cleaned_data["end"]
    tables = []
    breakdown = getattr(stats, "breakdown", None)
    for by, title in BREAKDOWNS:
        if by == "community" and region.kind != RegionKind.STREET:
            continue
        rows = breakdown(region, start, end, by) if breakdown else []
        tables.append(
            {
                "by": by,
                "title": title,
                "rows": [{"label": r.label, **_figures(getattr(r, "stats", r))} for r in rows],
            }
        )
    context = {
        "form": form,
        "region": region,
        "start": start,
        "end": end,
        "figures": _figures(stats.demand_stats(region, start, end)),
        "tables": tables,
    }
    return _staff_render(request, "demands/figures.html", context)
