"""Event pages: the list residents see, an event with its sign-up, my sign-ups with their
tickets, and the staff's events, form and sign-ups (with the waiting list and signing a
resident up on their behalf). Thin: parse, call a service, render."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.actions import run_page_action
from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.regions import access

from . import services
from .actions import EVENT_ACTIONS, SIGNUP_ACTIONS
from .filters import EventFilter, SignUpFilter
from .forms import CancelEventForm, EventForm, OnBehalfForm, SignUpForm, event_initial
from .models import EVENT_TRANSITIONS, SIGNUP_TRANSITIONS, Event, EventKind, SignUp, SignUpStatus

PAGE_SIZE = 20


def _events(user):
    return services.with_places(
        Event.objects.select_related(
            "region", "team", "partner", "station", "room__centre", "room_booking"
        ).prefetch_related("groups"),
        user,
    )


def _event(request, pk: int, action: str | None = None) -> Event:
    return access.get_for_user(
        _events(request.user), request.user, action, see=services.may_view_event, pk=pk
    )


def _signups():
    return services.with_position(
        SignUp.objects.select_related(
            "event__region", "event__station", "event__room__centre", "resident", "user"
        )
    )


# --- everyone -------------------------------------------------------------------------------


def event_list(request):
    """Upcoming events: a resident's own community's and street's (and those open to all);
    anyone else sees every published one."""
    filters = EventFilter.from_query(request.GET)
    qs = _events(request.user).filter(pk__in=services.upcoming_for(request.user).values("pk"))
    qs = filters.apply(qs).order_by("starts_at", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "events/list.html",
        {"page_obj": page, "events": page.object_list, "kinds": EventKind.choices, "kind": filters.kind,
         "query": f"kind={filters.kind}" if filters.kind else ""},
    )  # fmt: skip


def event_detail(request, pk: int):
    event = _event(request, pk)
    return render(request, "events/detail.html", _detail_context(request, event))


def _detail_context(request, event: Event, form=None) -> dict:
    user = request.user
    mine = None
    if user.is_authenticated:
        mine = (
            _signups()
            .filter(pk__in=services.my_signups(user).values("pk"), event=event)
            .order_by("-id")
            .first()
        )
    live = mine is not None and mine.status in (
        SignUpStatus.CONFIRMED,
        SignUpStatus.OFFERED,
        SignUpStatus.WAITING,
    )
    problem = None
    if user.is_authenticated and not live and event.status == "published":
        from weiguang.people.services import own_resident

        problem = services.eligibility_problem(event, own_resident(user), user)
    return {
        "event": event,
        "places_left": services.places_left(event),
        "mine": mine,
        "mine_live": live,
        "mine_actions": SIGNUP_TRANSITIONS.available(mine, user) if live else [],
        "problem": problem[1] if problem else "",
        "form": form or SignUpForm(event),
        "open": event.status == "published" and not services.has_started(event),
        "event_actions": EVENT_TRANSITIONS.available(event, user),
        "manage": access.can(user, "event.manage", event),
        "photos": list(event.photos.all()),
    }


@login_required
@require_POST
def event_sign_up(request, pk: int):
    event = _event(request, pk)
    form = SignUpForm(event, request.POST)
    if form.is_valid():
        try:
            signup = services.sign_up(event, request.user, party_size=form.cleaned_data["party_size"])
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            if signup.status == SignUpStatus.WAITING:
                messages.info(request, _("All places are taken: you are on the waiting list."))
            else:
                messages.success(request, _("You are signed up. Show your code at the door."))
            return redirect("event_my_signups")
    return render(request, "events/detail.html", _detail_context(request, event, form), status=422)


@login_required
@require_POST
def signup_action(request, pk: int, action: str):
    if action not in SIGNUP_ACTIONS:
        raise Http404
    signup = access.get_for_user(_signups(), request.user, see="signup.view", pk=pk)
    default = "/events/mine/"
    try:
        run_page_action(SIGNUP_ACTIONS[action], request, signup, {})
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, SIGNUP_ACTIONS[action].success)
    return redirect(safe_next(request, default))


@login_required
def my_signups(request):
    rows = (
        _signups()
        .filter(pk__in=services.my_signups(request.user).values("pk"))
        .order_by("-event__starts_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    signups = [
        (s, SIGNUP_TRANSITIONS.available(s, request.user) if s.status in services.LIVE else [])
        for s in page.object_list
    ]
    return render(request, "events/mine.html", {"page_obj": page, "signups": signups})


@login_required
def signup_qr(request, pk: int):
    """The ticket's QR code (SVG): the signed token check-in reads back."""
    signup = access.get_for_user(SignUp.objects.all(), request.user, see=services.owns_signup, pk=pk)
    out = io.BytesIO()
    segno.make(services.ticket_token(signup), error="m").save(out, kind="svg", scale=5, border=2)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff ------------------------------------------------------------------------------------


@login_required
def manage_events(request):
    if not access.can(request.user, "event.manage"):
        raise PermissionDenied
    filters = EventFilter.from_query(request.GET)
    qs = filters.apply(_events(request.user).restrict(request.user, "event.manage")).order_by(
        "-starts_at", "-id"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "events/manage.html",
        {"page_obj": page, "events": page.object_list, "filters": filters, "kinds": EventKind.choices},
    )  # fmt: skip


def _form_data(form) -> dict:
    return dict(form.cleaned_data)


@login_required
def event_new(request):
    if not access.can(request.user, "event.manage"):
        raise PermissionDenied
    form = EventForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(request.user, _form_data(form))
            services.add_photos(event, request.user, request.FILES.getlist("photos"))
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("The event is saved as a draft. Publish it to open sign-ups."))
            return redirect("event_detail", pk=event.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "events/form.html", {"form": form, "event": None}, status=status)


@login_required
def event_edit(request, pk: int):
    event = _event(request, pk, "event.manage")
    form = EventForm(request.user, request.POST or None, initial=event_initial(event))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(event, request.user, _form_data(form))
            services.add_photos(event, request.user, request.FILES.getlist("photos"))
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("event_detail", pk=event.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "events/form.html", {"form": form, "event": event}, status=status)


@login_required
@require_POST
def event_action(request, pk: int, action: str):
    if action not in EVENT_ACTIONS:
        raise Http404
    event = _event(request, pk)
    try:
        ok = run_page_action(EVENT_ACTIONS[action], request, event, {})
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        if ok:
            messages.success(request, EVENT_ACTIONS[action].success)
    return redirect(safe_next(request, f"/events/{pk}/"))


@login_required
def event_signups(request, pk: int):
    """Who signed up, the waiting list and its open offers; sign a resident up."""
    event = _event(request, pk, "event.signups")
    return render(request, "events/signups.html", _signups_context(request, event))


def _signups_context(request, event: Event) -> dict:
    filters = SignUpFilter.from_query(request.GET)
    rows = filters.apply(_signups().filter(event=event).restrict(request.user, "signup.view"))
    page = Paginator(rows.order_by("created_at", "id"), 50).get_page(request.GET.get("page"))
    for s in page.object_list:
        s.actions = SIGNUP_TRANSITIONS.available(s, request.user) if s.status in services.LIVE else []
    return {
        "event": event,
        "places_left": services.places_left(event),
        "page_obj": page,
        "signups": page.object_list,
        "waiting": list(services.waiting_list(_signups().filter(event=event))[:100]),
        "statuses": SignUpStatus.choices,
        "status": filters.status,
        "query": f"status={filters.status}" if filters.status else "",
        "cancel_form": CancelEventForm(),
        "sign_up_for": access.can_within(request.user, "event.sign_up_for", event.region),
    }


@login_required
def event_sign_up_for(request, pk: int):
    """A grid worker or staff member finds a resident of their place and signs them up."""
    event = _event(request, pk)
    if not access.can_within(request.user, "event.sign_up_for", event.region):
        raise PermissionDenied
    form = OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signup = services.sign_up(
                event, request.user, resident=form.cleaned_data["resident"].pk,
                party_size=form.cleaned_data["party_size"],
            )  # fmt: skip
        except ServiceError as err:
            apply_service_error(form, err)
            messages.error(request, err.message)
        else:
            messages.success(
                request,
                _("%(name)s is signed up (%(status)s), code %(code)s.")
                % {"name": signup.name, "status": signup.get_status_display(), "code": signup.code},
            )
            return redirect("event_sign_up_for", pk=pk)
    q = request.GET.get("q", "").strip()[:30]
    found = list(services.residents_to_sign_up(request.user, event, q)) if q else []
    return render(
        request, "events/sign_up_for.html",
        {"event": event, "places_left": services.places_left(event), "form": form, "q": q, "found": found},
        status=422 if request.method == "POST" else 200,
    )  # fmt: skip
