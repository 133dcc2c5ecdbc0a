"""Staff pages for residents: the region's residents, and one resident's record with the log
of who saw it (PIPL: viewing a full record is audited, and the region's staff can check)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from weiguang.regions import access

from . import services

VISITS_SHOWN = 20  # the latest notes of visits on a resident's record


@login_required
@require_GET
def staff_residents(request):
    """The residents of the staff member's region, searchable by name, phone ending or building."""
    if not access.can(request.user, "resident.view_log"):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:30]
    residents = services.residents_with_view_log(request.user, q)
    page = Paginator(residents, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "people/residents.html",
        {"page_obj": page, "residents": page.object_list, "q": q, "query": urlencode({"q": q} if q else {})},
    )


@login_required
@require_GET
def staff_resident(request, pk: int):
    """One resident's full record (this view is itself audited) and who looked at it, when."""
    resident = services.resident_with_view_log(request.user, pk)
    services.view_resident_record(resident, request.user, via="record")
    views = services.record_views(resident)
    page = Paginator(views, 50).get_page(request.GET.get("page"))
    for view in page.object_list:
        view.seen_on = services.seen_on(view)
    return render(
        request,
        "people/resident.html",
        {
            "resident": resident,
            "page_obj": page,
            "views": page.object_list,
            "visits": services.visit_notes_of(request.user, resident)[:VISITS_SHOWN],
            "query": "",
        },
    )
