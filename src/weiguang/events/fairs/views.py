"""The fair's pages: a fair's stalls, a stall (take a number, book a slot), my number (how many
are ahead, polled), the stall's counter (call, skip, recall, on someone's behalf), the stall's
display (large type, polled, numbers and masked names only) and the fair's summary (page and
Excel). Thin: the services decide."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.errors import InvalidInput, ServiceError
from weiguang.regions import access

from .. import services as event_services
from ..models import Event, EventKind, QueueTicket, Stall, TicketStatus
from . import services
from .staff_views import counter_context, served_stall
from .summary import fair_summary, summary_rows, summary_xlsx

DISPLAY_POLL_SECONDS = 3
TICKET_POLL_SECONDS = 5


def _fair(request, pk: int) -> Event:
    event = event_services.public_events().filter(pk=pk, kind=EventKind.SERVICE_FAIR).first()
    if event is None:
        raise Http404
    return event


def _stall(request, pk: int) -> Stall:
    stall = (
        Stall.objects.select_related("event", "partner", "team")
        .filter(pk=pk, event__in=event_services.public_events())
        .first()
    )
    if stall is None:
        raise Http404
    return stall


def fair_stalls(request, pk: int):
    """A fair's stalls with their queues now (anyone)."""
    event = _fair(request, pk)
    stalls = list(
        services.fair_stalls(event).annotate(
            n_waiting=Count("tickets", filter=Q(tickets__status=TicketStatus.WAITING))
        )
    )
    user = request.user
    return render(
        request, "events/fairs/stalls.html",
        {"event": event, "stalls": stalls, "may_summary": access.can(user, "fair.summary", event),
         "may_setup": access.can(user, "stall.manage", event), "may_food": access.can(user, "food.manage", event)},
    )  # fmt: skip


def stall_detail(request, pk: int):
    stall = _stall(request, pk)
    user = request.user
    mine = None
    if user.is_authenticated:
        mine = (
            services.my_tickets(user)
            .filter(stall=stall, status__in=[TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SKIPPED])
            .first()
        )
    now = timezone.now()
    slots = [s for s in services.slots(stall) if s["starts_at"] > now]
    return render(
        request,
        "events/fairs/stall.html",
        {
            "stall": stall, "mine": mine, "slots": slots, "open": now < stall.closes_at,
            "waiting": services.waiting(stall).count(), "may_serve": access.can(user, "stall.serve", stall),
        },
    )  # fmt: skip


@login_required
@require_POST
def take_number(request, pk: int):
    stall = _stall(request, pk)
    try:
        ticket = services.take_number(stall, request.user)
    except ServiceError as err:
        messages.error(request, err.message)
        mine = services.my_tickets(request.user).filter(stall=stall).order_by("-taken_at").first()
        return redirect(
            reverse("fair_ticket", args=[mine.pk])
            if mine and err.code == "already_queued"
            else reverse("stall", args=[stall.pk])
        )
    return redirect("fair_ticket", ticket.pk)


@login_required
@require_POST
def book_slot(request, pk: int):
    stall = _stall(request, pk)
    try:
        at = dt.datetime.fromisoformat(request.POST.get("starts_at", ""))
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        booking = services.book_slot(stall, request.user, at)
    except ValueError:
        messages.error(request, _("There is no such slot."))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("Booked: %(time)s at stall %(n)d.")
            % {"time": timezone.localtime(booking.starts_at).strftime("%H:%M"), "n": stall.number},
        )
    return redirect("stall", stall.pk)


def _ticket(request, pk: int) -> QueueTicket:
    ticket = (
        QueueTicket.objects.select_related("stall__event", "resident")
        .restrict(request.user, "ticket.view")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


@login_required
def ticket(request, pk: int):
    """My number: polled every few seconds (only the status block is swapped)."""
    t = _ticket(request, pk)
    context = {"ticket": t, "pos": services.position(t), "poll": TICKET_POLL_SECONDS}
    if request.headers.get("HX-Request"):
        return render(request, "events/fairs/ticket.html#status", context)
    return render(request, "events/fairs/ticket.html", context)


@login_required
@require_POST
def cancel_ticket(request, pk: int):
    t = _ticket(request, pk)
    try:
        services.cancel_ticket(t, request.user)
        messages.success(request, _("You gave up number %(label)s.") % {"label": t.label})
    except ServiceError as err:
        messages.error(request, err.message)
    return redirect("stall", t.stall_id)


@login_required
def counter(request, pk: int):
    """The stall's counter: call the next number, skip, recall, serve; take a number for someone;
    record whom the stall served and a wish or a demand collected here (staff_views)."""
    stall = served_stall(request, pk)
    return render(request, "events/fairs/counter.html", counter_context(request, stall))


@login_required
@require_POST
def counter_act(request, pk: int, step: str):
    stall = served_stall(request, pk)
    try:
        if step == "call_next":
            t = services.call_next(stall, request.user)
            messages.success(request, _("Calling %(label)s.") % {"label": t.label})
        elif step == "take":
            name = request.POST.get("name", "").strip()
            if not name:
                raise InvalidInput(_("Give the person's name."), fields={"name": "required"})
            t = services.take_number(
                stall, request.user, name=name, priority=request.POST.get("priority") == "1"
            )
            messages.success(request, _("Number %(label)s given.") % {"label": t.label})
        elif step == "walk_in":
            raw = request.POST.get("resident", "")
            resident = int(raw) if raw.isdigit() and len(raw) < 12 else None
            visit = services.record_walk_in(
                stall, request.user, resident=resident, name=request.POST.get("name", "")
            )
            messages.success(
                request,
                _("Recorded: %(name)s served.") % {"name": visit.resident.masked_name}
                if visit.resident_id
                else _("Recorded."),
            )
            if visit.resident_id:
                return redirect(
                    reverse("stall_counter", args=[stall.pk]) + f"?resident={visit.resident_id}#record"
                )
        elif step in ("skip", "recall", "serve"):
            raw = request.POST.get("ticket", "")
            t = QueueTicket.objects.filter(
                stall=stall, pk=int(raw) if raw.isdigit() and len(raw) < 12 else 0
            ).first()
            if t is None:
                raise Http404
            {"skip": services.skip_ticket, "recall": services.recall_ticket, "serve": services.serve_ticket}[
                step
            ](t, request.user)
        else:
            raise Http404
    except ServiceError as err:
        messages.error(request, err.message)
    return redirect("stall_counter", stall.pk)


def display(request, pk: int):
    """The stall's screen: the numbers called and the next ones, in large type; the board is
    swapped in place every few seconds (htmx), never the page."""
    stall = _stall(request, pk)
    calling = services.now_calling(stall)
    context = {
        "stall": stall, "calling": calling[0] if calling else None, "before": calling[1:],
        "next": list(services.waiting(stall).select_related("resident")[:5]),
        "waiting": services.waiting(stall).count(), "poll": DISPLAY_POLL_SECONDS,
    }  # fmt: skip
    if request.headers.get("HX-Request"):
        return render(request, "events/fairs/display.html#board", context)
    return render(request, "events/fairs/display.html", context)


def _summary_fair(request, pk: int) -> Event:
    event = (
        Event.objects.restrict(request.user, "fair.summary")
        .filter(pk=pk, kind=EventKind.SERVICE_FAIR)
        .first()
    )
    if event is None:
        raise Http404
    return event


@login_required
def summary(request, pk: int):
    event = _summary_fair(request, pk)
    s = fair_summary(event)
    return render(
        request, "events/fairs/summary.html", {"event": event, "s": s, "figures": summary_rows(event, s)}
    )


@login_required
def summary_download(request, pk: int):
    event = _summary_fair(request, pk)
    response = HttpResponse(
        summary_xlsx(event), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="fair-{event.pk}-summary.xlsx"'
    return response
