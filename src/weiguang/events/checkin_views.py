"""The event desk's pages: the scanner (camera, a code typed, the last results; it works
offline, sending what it recorded as field entries of kind "checkin"), and the desk (who is
in, the figures, walk-ins, check-out, the volunteers serving)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from weiguang.core.errors import InvalidInput, ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.regions import access
from weiguang.volunteers.models import Volunteer

from . import checkins
from .models import CheckIn, CheckInStatus, Event, EventHelper

DESK_LIST_MAX = 200


class WalkInForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Visitor's name"), max_length=checkins.NAME_MAX)


class PartyForm(forms.Form):
    party = forms.IntegerField(min_value=1, max_value=100)


class HelperForm(forms.Form):
    volunteer_number = forms.CharField(label=gettext_lazy("Volunteer number"), max_length=20)


def _event(request, pk: int) -> Event:
    return checkins.desk_event(request.user, pk)


@login_required
@require_GET
def scanner(request):
    """/events/scan/: one address for every event (the phone keeps the page for offline use);
    the event is chosen on the page among those whose desk the user works."""
    events = list(checkins.desk_events(request.user).select_related("region")[:20])
    if not events and not checkins.works_desks(request.user):
        raise PermissionDenied
    strings = {
        "online": _("Online: scans are sent at once."),
        "offline": _("Offline: scans are kept on this phone and sent when the signal returns."),
        "waiting": _("Waiting to send"),
        "ok": _("Check-in done"),
        "already": _("Already checked in"),
        "unknown": _("Not a ticket of this event"),
        "not_sent": _("Not sent yet"),
        "camera_off": _("The camera could not be started; type the code or choose a photo of the QR code."),
        "no_qr": _("No QR code found in this picture."),
        "login": _("Your login has expired: log in again, then the scans are sent."),
    }
    response = render(
        request,
        "events/checkin_scanner.html",
        {"events": events, "strings": strings, "endpoint": "/api/v1/field/entries"},
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def _desk_context(request, event: Event, **extra) -> dict:
    user = request.user
    staff = access.can(user, "event.signups", event)
    visits = list(checkins.visits(event, user)[:DESK_LIST_MAX])
    for v in visits:  # the desk's choice of how many of a party came
        v.party_choices = range(1, v.signup.party_size + 1) if v.signup_id else ()
    return {
        "event": event,
        "figures": checkins.figures(event),
        "visits": visits,
        "staff": staff,
        "keeps_roster": access.can(user, "event.helpers", event),
        "helpers": list(EventHelper.objects.filter(event=event).select_related("volunteer").order_by("id")),
        "my_shift": CheckIn.objects.filter(
            event=event, helper__volunteer__user=user, status=CheckInStatus.IN
        ).first(),
        "serving": checkins.serving(user, event),
        "walk_in_form": extra.pop("walk_in_form", None) or WalkInForm(),
        "helper_form": extra.pop("helper_form", None) or HelperForm(),
        **extra,
    }


@login_required
@require_GET
def desk(request, pk: int):
    event = _event(request, pk)
    return render(request, "events/checkin_desk.html", _desk_context(request, event))


def _back(event: Event):
    return redirect(reverse("event_desk", args=[event.pk]))


@login_required
@require_POST
def desk_walk_in(request, pk: int):
    event = _event(request, pk)
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            visit = checkins.walk_in(event, request.user, name=form.cleaned_data["name"])
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("%(name)s is checked in.") % {"name": visit.name})
            return _back(event)
    return render(
        request, "events/checkin_desk.html", _desk_context(request, event, walk_in_form=form), status=400
    )


@login_required
@require_POST
def desk_party(request, pk: int, visit_id: int):
    """How many of a sign-up's party came (the desk's number, after the check-in)."""
    event = _event(request, pk)
    visit = access.get_for_user(
        CheckIn.objects.filter(event=event), request.user, see="checkin.view", pk=visit_id
    )
    form = PartyForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("How many came? A number."), fields={"party": "invalid"})
        checkins.set_party(visit, request.user, form.cleaned_data["party"])
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("%(name)s: %(n)d of the party came.")
            % {"name": visit.masked_name, "n": form.cleaned_data["party"]},
        )
    return _back(event)


@login_required
@require_POST
def desk_check_out(request, pk: int, visit_id: int):
    event = _event(request, pk)
    visit = access.get_for_user(
        CheckIn.objects.filter(event=event), request.user, see="checkin.view", pk=visit_id
    )
    try:
        checkins.check_out(visit, request.user)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("%(name)s is checked out.") % {"name": visit.masked_name})
    return _back(event)


@login_required
@require_POST
def desk_close(request, pk: int):
    event = _event(request, pk)
    try:
        n = checkins.close_desk(event, request.user)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Everyone still in is checked out (%(n)d).") % {"n": n})
    return _back(event)


@login_required
@require_POST
def desk_serve(request, pk: int):
    """A volunteer of the roster starts or ends their shift."""
    event = _event(request, pk)
    shift = CheckIn.objects.filter(
        event=event, helper__volunteer__user=request.user, status=CheckInStatus.IN
    ).first()
    try:
        if shift is None:
            checkins.start_serving(event, request.user)
            messages.success(request, _("Your shift has started."))
        else:
            checkins.check_out(shift, request.user)
            messages.success(request, _("Your shift has ended; the hours wait for verification."))
    except ServiceError as err:
        messages.error(request, err.message)
    return _back(event)


@login_required
@require_POST
def desk_add_helper(request, pk: int):
    event = _event(request, pk)
    form = HelperForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["volunteer_number"].strip().upper()
        volunteer = Volunteer.objects.filter(number=number).first()
        try:
            if volunteer is None:
                raise InvalidInput(
                    _("No volunteer has this number."), fields={"volunteer_number": "not_found"}
                )
            checkins.add_helper(event, request.user, volunteer)
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("%(name)s serves at this event.") % {"name": volunteer.name})
            return _back(event)
    return render(
        request, "events/checkin_desk.html", _desk_context(request, event, helper_form=form), status=400
    )
