"""Volunteer pages: registration, my hours and points, the love supermarket, teams (joining,
a leader's activities and verification), staff approval and verification, rankings, and the
service certificate (printable page, PDF, and the public check behind its QR code).
Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weiguang.core.actions import run_page_action
from weiguang.core.errors import ServiceError
from weiguang.core.formfields import first_error
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from . import services
from .actions import RECORD_ACTIONS, VOLUNTEER_ACTIONS
from .certificate import certificate_pdf
from .filters import VolunteerFilter
from .forms import ActivityForm, DemandServiceForm, ReasonForm, RedeemForm, RegisterForm
from .models import (
    Certificate,
    MembershipStatus,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
)


def _done(request, message: str, default: str):
    messages.success(request, message)
    return redirect(safe_next(request, default))


def _refused(request, err: ServiceError, default: str):
    messages.error(request, err.message)
    return redirect(safe_next(request, default))


# --- the volunteer ---------------------------------------------------------------------------


@login_required
def register(request):
    if services.volunteer_of(request.user) is not None:
        return redirect("volunteer_me")
    form = RegisterForm(request.POST or None, initial=services.registration_defaults(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_volunteer(
                request.user, name=data["name"], phone=data["phone"], id_number=data["id_number"],
                home_region=data["home_region"], skills=data["skills"], availability=form.availability(),
                party_member=data["party_member"], dual_reporting_unit=data["dual_reporting_unit"],
            )  # fmt: skip
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            return _done(
                request, _("Thank you! The community will look at your registration soon."), "/volunteers/me/"
            )
    status = 422 if request.method == "POST" else 200
    return render(request, "volunteers/register.html", {"form": form}, status=status)


@login_required
def me(request):
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteer_register")
    memberships = volunteer.team_memberships.select_related("team").exclude(status=MembershipStatus.DECLINED)
    return render(
        request,
        "volunteers/me.html",
        {
            "volunteer": volunteer,
            "stars": services.star_level(volunteer.verified_hours),
            "records": volunteer.service_records.select_related("team")[:50],
            "points": volunteer.points_entries.all()[:20],
            "memberships": memberships,
            "thresholds": services.star_thresholds(),
        },
    )


@login_required
def shop(request):
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        return redirect("volunteer_register")
    status = 200
    if request.method == "POST":
        form = RedeemForm(request.POST)
        if form.is_valid():
            item = form.cleaned_data["item"]
            try:
                redemption = services.redeem(request.user, item, form.cleaned_data["quantity"])
            except ServiceError as err:
                return _refused(request, err, "/volunteers/shop/")
            place = services.where_to_collect([redemption]).get(redemption.pk)
            if place:
                message = _("Redeemed: %(item)s. Collect it at %(station)s, %(address)s.") % {
                    "item": item.name, "station": place["station"], "address": place["address"],
                }  # fmt: skip
            else:
                message = _("Redeemed: %(item)s. Collect it at the service station.") % {"item": item.name}
            return _done(request, message, "/volunteers/shop/")
        messages.error(request, first_error(form))  # a tampered or stale button: shown on the page
        status = 400
    redemptions = list(volunteer.redemptions.select_related("item")[:10])
    places = services.where_to_collect(redemptions)
    for r in redemptions:
        r.place = places.get(r.pk)
    return render(
        request,
        "volunteers/shop.html",
        {"volunteer": volunteer, "items": services.offered_items(volunteer), "redemptions": redemptions},
        status=status,
    )


@login_required
def rankings(request):
    period = request.GET.get("period") if request.GET.get("period") in ("month", "year") else "month"
    by = request.GET.get("by") if request.GET.get("by") in ("hours", "lit") else "hours"
    volunteer = services.volunteer_of(request.user)
    streets = Region.objects.filter(kind=RegionKind.STREET).order_by("name")
    street = (
        streets.filter(pk=request.GET.get("street") or 0).first()
        if request.GET.get("street", "").isdigit()
        else None
    )
    if street is None and volunteer is not None:
        street = volunteer.home_region.street
    street = street or streets.first()
    rows = services.ranking(street, period=period, by=by) if street else []
    return render(
        request, "volunteers/rankings.html",
        {"rows": rows, "period": period, "by": by, "street": street, "streets": streets},
    )  # fmt: skip


# --- teams -------------------------------------------------------------------------------------


@login_required
def teams(request):
    volunteer = services.volunteer_of(request.user)
    region = volunteer.home_region.street if volunteer else None
    qs = Team.objects.select_related("region").order_by("region__path", "name")
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    mine = {}
    if volunteer is not None:
        mine = dict(
            volunteer.team_memberships.exclude(
                status__in=[MembershipStatus.DECLINED, MembershipStatus.LEFT]
            ).values_list("team_id", "status")
        )
    return render(request, "volunteers/teams.html", {"teams": qs[:100], "mine": mine, "volunteer": volunteer})


def _team_context(request, team: Team, activity_form=None) -> dict:
    manage = access.can(request.user, "team.manage", team)
    members = list(services.team_members(team))
    return {
        "team": team,
        "manage": manage,
        "members": members,
        "requests": team.memberships.filter(status=MembershipStatus.REQUESTED).select_related("volunteer")
        if manage
        else [],
        "pending": services.pending_records(request.user).filter(team=team) if manage else [],
        "activity_form": activity_form or ActivityForm(),
        "activities": team.activities.all()[:10],
        "membership": TeamMembership.objects.filter(team=team, volunteer__user=request.user)
        .exclude(status__in=[MembershipStatus.DECLINED, MembershipStatus.LEFT])
        .first(),
    }


@login_required
def team_detail(request, pk: int):
    team = get_object_or_404(Team.objects.select_related("region"), pk=pk)
    return render(request, "volunteers/team.html", _team_context(request, team))


@login_required
@require_POST
def team_join(request, pk: int):
    team = get_object_or_404(Team, pk=pk)
    try:
        services.request_to_join(team, request.user)
    except ServiceError as err:
        return _refused(request, err, f"/teams/{pk}/")
    return _done(request, _("You asked to join. The team leader will answer soon."), f"/teams/{pk}/")


@login_required
@require_POST
def membership_decide(request, pk: int, action: str):
    if action not in ("accept", "decline", "leave"):
        raise Http404
    membership = get_object_or_404(TeamMembership.objects.select_related("team__region", "volunteer"), pk=pk)
    try:
        if action == "leave":
            services.leave_team(membership, request.user)
        else:
            services.decide_membership(membership, request.user, accept=action == "accept")
    except ServiceError as err:
        return _refused(request, err, f"/teams/{membership.team_id}/")
    return _done(request, _("Done."), f"/teams/{membership.team_id}/")


@login_required
@require_POST
def record_activity(request, pk: int):
    """A leader records who took part, with check-in and check-out times."""
    team = get_object_or_404(Team.objects.select_related("region"), pk=pk)
    form = ActivityForm(request.POST)
    if not form.is_valid():
        return render(request, "volunteers/team.html", _team_context(request, team, form), status=422)
    day = form.cleaned_data["date"]
    members = {str(v.pk): v for v in services.team_members(team)}
    attendance = []
    try:
        for vid in request.POST.getlist("present"):
            volunteer = members.get(vid)
            check_in, check_out = request.POST.get(f"in-{vid}", ""), request.POST.get(f"out-{vid}", "")
            if volunteer is None or not check_in or not check_out:
                raise ValueError
            attendance.append(
                (
                    volunteer,
                    form.at(day, dt.time.fromisoformat(check_in)),
                    form.at(day, dt.time.fromisoformat(check_out)),
                )
            )
        services.record_activity(
            team, request.user, title=form.cleaned_data["title"], date=day, place=form.cleaned_data["place"],
            attendance=attendance,
        )  # fmt: skip
    except ValueError:
        form.add_error(None, _("Tick who took part and give each one's check-in and check-out time."))
    except ServiceError as err:
        apply_service_error(form, err)
    else:
        return _done(
            request, _("The activity was recorded; the hours wait for verification."), f"/teams/{pk}/"
        )
    return render(request, "volunteers/team.html", _team_context(request, team, form), status=422)


# --- staff ---------------------------------------------------------------------------------------


@login_required
def staff_volunteers(request):
    if not access.can(request.user, "volunteer.list_region"):
        raise PermissionDenied
    qs = Volunteer.objects.select_related("home_region").restrict(request.user, "volunteer.list_region")
    # the page always shows one state: the applications waiting, unless another is asked for
    filters = VolunteerFilter.from_query(request.GET)
    status = filters.status = filters.status or VolunteerStatus.PENDING
    page = Paginator(filters.apply(qs).prefetch_related("skills").order_by("created_at", "id"), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request, "volunteers/staff_volunteers.html",
        {"page_obj": page, "volunteers": page.object_list, "status": status, "statuses": VolunteerStatus.choices,
         "query": f"status={status}", "reject_form": ReasonForm()},
    )  # fmt: skip


@login_required
@require_POST
def volunteer_action(request, pk: int, action: str):
    if action not in VOLUNTEER_ACTIONS:
        raise Http404
    volunteers = Volunteer.objects.select_related("home_region", "user")
    volunteer = access.get_for_user(volunteers, request.user, see="volunteer.view", pk=pk)
    return _page_action(request, VOLUNTEER_ACTIONS[action], volunteer, "/staff/volunteers/")


def _page_action(request, action, obj, default: str):
    """Run one action of a table (actions.py) from a staff page; back to the list either way."""
    try:
        run_page_action(action, request, obj, {})
    except ServiceError as err:
        return _refused(request, err, default)
    return _done(request, action.success, default)


@login_required
def demand_service(request, pk: int):
    """Those handling a demand record the volunteers who worked on it; the hours count once the
    community's staff verify them."""
    demands = services.demand_model().objects.select_related("grid", "community")
    demand = access.get_for_user(demands, request.user, see="demand.handle", pk=pk)
    form = DemandServiceForm(
        request.POST or None, initial={"volunteer_number": request.GET.get("number", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.volunteer_by_number(data["volunteer_number"])
            services.record_demand_service(
                demand, volunteer, request.user, hours=data["hours"], content=data["content"]
            )
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            return _done(
                request,
                _("%(name)s: %(hours)s h recorded; they count once verified.")
                % {"name": volunteer.masked_name, "hours": data["hours"]},
                f"/staff/demands/{demand.pk}/volunteer-service/",
            )
    status = 422 if request.method == "POST" else 200
    context = {"demand": demand, "form": form, "records": services.demand_records(demand)}
    return render(request, "volunteers/demand_service.html", context, status=status)


@login_required
def records_to_verify(request):
    records = services.pending_records(request.user)
    page = Paginator(records, 30).get_page(request.GET.get("page"))
    return render(
        request, "volunteers/verify_records.html",
        {"page_obj": page, "records": page.object_list, "reject_form": ReasonForm()},
    )  # fmt: skip


@login_required
@require_POST
def record_action(request, pk: int, action: str):
    if action not in RECORD_ACTIONS:
        raise Http404
    records = ServiceRecord.objects.select_related("volunteer", "team", "region")
    record = access.get_for_user(records, request.user, see="service.view", pk=pk)
    return _page_action(request, RECORD_ACTIONS[action], record, "/service-records/")


def _verify_url(request, certificate: Certificate) -> str:
    return request.build_absolute_uri(reverse("certificate_verify", args=[certificate.verify_token]))


def _own_certificate(request, number: str) -> Certificate:
    """A certificate its volunteer or staff of the volunteer's region may open; others: 404."""
    return access.get_for_user(
        Certificate.objects.select_related("volunteer", "volunteer__home_region"),
        request.user,
        see=lambda user, c: access.can(user, "volunteer.view", c.volunteer),
        number=number,
    )


@login_required
def my_certificates(request):
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        return render(request, "volunteers/certificates.html", {"volunteer": None}, status=404)
    return render(
        request,
        "volunteers/certificates.html",
        {
            "volunteer": volunteer,
            "stars": services.star_level(volunteer.verified_hours),
            "certificates": volunteer.certificates.all()[:20],
        },
    )


@login_required
@require_POST
def issue_certificate(request):
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        raise Http404
    try:
        certificate = services.issue_certificate(volunteer, request.user)
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect("my_certificates")
    messages.success(request, _("Your certificate is ready. Print it or download the PDF."))
    return redirect("certificate_detail", number=certificate.number)


@login_required
@require_GET
def certificate_detail(request, number: str):
    certificate = _own_certificate(request, number)
    url = _verify_url(request, certificate)
    buf = io.BytesIO()
    segno.make(url, error="m").save(
        buf, kind="svg", scale=4, border=2, xmldecl=False, title=_("Check online")
    )
    return render(
        request,
        "volunteers/certificate.html",
        {
            "certificate": certificate,
            "volunteer": certificate.volunteer,
            "qr": mark_safe(buf.getvalue().decode()),
            "verify_url": url,
        },
    )


@login_required
@require_GET
def certificate_download(request, number: str):
    certificate = _own_certificate(request, number)
    response = HttpResponse(
        certificate_pdf(certificate, _verify_url(request, certificate)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    return response


@require_GET
def certificate_verify(request, token: str):
    """Public: anyone holding the QR code sees that the certificate is genuine, with the
    volunteer's masked name only."""
    certificate = Certificate.objects.select_related("volunteer").filter(verify_token=token[:40]).first()
    if certificate is None:
        return render(request, "volunteers/verify.html", {"certificate": None}, status=404)
    return render(
        request, "volunteers/verify.html", {"certificate": certificate, "volunteer": certificate.volunteer}
    )
