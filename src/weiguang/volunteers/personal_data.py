"""What the volunteers app holds about a person (accounts.personal_data's registry): their
volunteer record, teams, service records (hours) and points. When their data is erased the
hours and points stay (the street's ledger) under the masked name; the phone, ID number and
workplace are emptied."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data
from weiguang.core.privacy import mask_id_number, mask_name

from .models import PointsEntry, ServiceRecord, TeamMembership, Volunteer


def _volunteer(user):
    return (
        Volunteer.objects.filter(user=user).select_related("home_region").prefetch_related("skills").first()
    )


def volunteer_of(user, resident) -> list[dict]:
    v = _volunteer(user)
    if v is None:
        return []
    return [
        {
            "number": v.number or "",
            "name": v.name,
            "phone": v.phone,
            "id_number": mask_id_number(v.id_number),
            "home_region": v.home_region.name,
            "skills": ", ".join(str(s) for s in v.skills.all()),
            "party_member": v.party_member,
            "dual_reporting_unit": v.dual_reporting_unit,
            "status": v.get_status_display(),
            "verified_hours": v.verified_hours,
            "points_balance": v.points_balance,
            "created_at": v.created_at,
        }
    ]


def teams_of(user, resident) -> list[dict]:
    rows = TeamMembership.objects.filter(volunteer__user=user).select_related("team").order_by("-created_at")
    return [
        {
            "team": m.team.name,
            "status": m.get_status_display(),
            "created_at": m.created_at,
            "decided_at": m.decided_at,
        }
        for m in rows
    ]


def records_of(user, resident) -> list[dict]:
    rows = (
        ServiceRecord.objects.filter(volunteer__user=user)
        .select_related("region")
        .order_by("-created_at", "-id")
    )
    return [
        {
            "content": r.content,
            "kind": r.get_kind_display(),
            "hours": r.hours,
            "status": r.get_status_display(),
            "region": r.region.name,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def points_of(user, resident) -> list[dict]:
    rows = PointsEntry.objects.filter(volunteer__user=user).order_by("-created_at", "-id")
    return [{"delta": p.delta, "reason": p.reason, "created_at": p.created_at} for p in rows]


def erase(user, resident) -> None:
    v = Volunteer.objects.select_for_update().filter(user=user).first()
    if v is None:
        return
    v.name = mask_name(v.name)
    v.phone = ""
    v.id_number = f"erased-{v.pk}"[:18]  # unique and required: a token that is no ID number
    v.dual_reporting_unit = ""
    v.availability = {}
    v.save()


def register() -> None:
    register_personal_data(
        "volunteer",
        _("Your volunteer record"),
        volunteer_of,
        erase,
        order=50,
        fields={
            "number": _("volunteer number"),
            "name": _("name"),
            "phone": _("phone"),
            "id_number": _("ID number"),
            "home_region": _("home community or grid"),
            "skills": _("skills"),
            "party_member": _("party member"),
            "dual_reporting_unit": _("workplace unit (双报到)"),
            "status": _("status"),
            "verified_hours": _("verified hours"),
            "points_balance": _("points"),
            "created_at": _("registered at"),
        },
    )
    register_personal_data(
        "teams",
        _("Your teams"),
        teams_of,
        order=52,
        fields={
            "team": _("team"),
            "status": _("status"),
            "created_at": _("asked at"),
            "decided_at": _("decided at"),
        },
    )
    register_personal_data(
        "service_records",
        _("Your service records"),
        records_of,
        order=54,
        fields={
            "content": _("service content"),
            "kind": _("kind"),
            "hours": _("hours"),
            "status": _("status"),
            "region": _("place"),
            "started_at": _("checked in"),
            "ended_at": _("checked out"),
            "created_at": _("recorded at"),
        },
    )
    register_personal_data(
        "points",
        _("Your points"),
        points_of,
        order=56,
        fields={"delta": _("points"), "reason": _("reason"), "created_at": _("when")},
    )
