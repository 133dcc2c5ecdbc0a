"""Personal information rights (PIPL) on the page: "my data" for the person (see everything,
download it as JSON or Excel, correct the name, ask staff to correct the rest, withdraw or give
consent, ask for deletion) and the staff's list of such requests (carry out or refuse).
The services are in accounts.personal_data."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from weiguang.core.errors import ServiceError
from weiguang.core.forms import Form, apply_service_error
from weiguang.people.models import PopulationGroup, Resident
from weiguang.people.services import own_resident, view_resident_record
from weiguang.regions import access

from .. import personal_data as pd
from ..filters import DataRequestFilter
from ..models import DataRequestKind, DataRequestStatus


class NameForm(Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=50)


class CorrectionForm(Form):
    phone = forms.CharField(label=gettext_lazy("phone"), max_length=30, required=False)
    building = forms.CharField(label=gettext_lazy("building"), max_length=30, required=False)
    door = forms.CharField(label=gettext_lazy("door"), max_length=30, required=False)
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("groups"),
        queryset=PopulationGroup.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick the groups you belong to; leave all empty to keep them as they are."),
    )
    reason = forms.CharField(
        label=gettext_lazy("What is wrong (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def change(self, resident: Resident) -> dict:
        data = self.cleaned_data
        change = {
            k: data[k].strip()
            for k in ("phone", "building", "door")
            if data[k].strip() and data[k].strip() != getattr(resident, k)
        }
        codes = sorted(g.code for g in data["groups"])
        if codes and codes != sorted(resident.groups.values_list("code", flat=True)):
            change["groups"] = codes
        return change


class DeletionForm(Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    understood = forms.BooleanField(
        label=gettext_lazy("I understand: my account is closed and I can no longer log in."), required=True
    )


class AnswerForm(Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer to the person"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


STEPS = ("name", "correction", "consent", "deletion")


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    """Everything Weiguang holds about the signed-in person, and what they may do about it."""
    user = request.user
    resident = own_resident(user)
    bound: dict = {}
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            done = _run_step(request, step, resident, bound)
        except ServiceError as err:
            form = bound.get(step)
            if form is None:
                messages.error(request, err.message)
                return redirect("my_data")
            apply_service_error(form, err)
            done = None
        if done == "closed":
            logout(request)
            messages.success(request, _("Your account is closed and your personal data erased. Goodbye."))
            return redirect("home")
        if done:  # the forms post to their section (#correct, ...); the message shows at the top
            messages.success(request, done)
            return redirect(reverse("my_data") + "#top")
    pending = {r.kind: r for r in user.data_requests.filter(status=DataRequestStatus.SUBMITTED)}
    name_form = bound.get("name") or NameForm(
        initial={"name": user.get_full_name() or (resident.name if resident else "")}
    )
    correction_form = bound.get("correction") or CorrectionForm(
        initial={"groups": [g.code for g in resident.groups.all()]} if resident else None
    )
    return render(
        request,
        "accounts/data.html",
        {
            "sections": _shown(pd.personal_data(user)),
            "resident": resident,
            "name_form": name_form,
            "correction_form": correction_form,
            "deletion_form": bound.get("deletion") or DeletionForm(),
            "pending_correction": pending.get(DataRequestKind.CORRECTION),
            "pending_deletion": pending.get(DataRequestKind.DELETION),
        },
    )


ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")


def _readable(value):
    """A plain value (accounts.personal_data.plain) as the page shows it: times to the minute,
    a requested change as "label: value" pairs."""
    if isinstance(value, str) and (found := ISO_TIME.match(value)):
        return f"{found[1]} {found[2]}"
    if isinstance(value, dict):
        parts = []
        for key, v in value.items():
            try:
                label = Resident._meta.get_field(key).verbose_name
            except FieldDoesNotExist:
                label = key
            parts.append(f"{label}: {', '.join(v) if isinstance(v, list) else v}")
        return "; ".join(parts)
    return value


def _shown(sections: list[dict]) -> list[dict]:
    """Each row as (label, readable value) pairs in the section's order, empty values left out."""
    for section in sections:
        section["cells"] = [
            [
                (f["label"], _readable(row[f["key"]]))
                for f in section["fields"]
                if row.get(f["key"]) not in ("", None, [], {})
            ]
            for row in section["rows"]
        ]
    return sections


def _run_step(request, step, resident, bound):
    """Run one of the page's steps; the message to show, "closed", or None (a form to show again)."""
    user = request.user
    if step == "name":
        form = bound["name"] = NameForm(request.POST)
        if not form.is_valid():
            return None
        pd.rename_self(user, form.cleaned_data["name"])
        return _("Your name is corrected.")
    if step == "consent":
        if request.POST.get("consent") == "give":
            pd.give_consent(user)
            return _("Thank you: your consent is recorded.")
        pd.withdraw_consent(user)
        return _("Your consent is withdrawn.")
    if step == "correction":
        form = bound["correction"] = CorrectionForm(request.POST)
        if not form.is_valid() or resident is None:
            if resident is None:
                form.add_error(None, _("You have no resident record: there is nothing for staff to correct."))
            return None
        pd.request_correction(user, form.change(resident), form.cleaned_data["reason"])
        return _("Your request is sent to the staff of your community.")
    if step == "deletion":
        form = bound["deletion"] = DeletionForm(request.POST)
        if not form.is_valid():
            return None
        req = pd.request_deletion(user, form.cleaned_data["reason"])
        if req.status == DataRequestStatus.DONE:
            return "closed"
        return _("Your request is sent to the staff of your community; they will answer it.")
    return None


@login_required
@require_GET
def my_data_download(request, fmt: str):
    """The whole of "my data" as a file: JSON or Excel (one sheet a section)."""
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            pd.export_xlsx(request.user),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="weiguang-my-data-{stamp}.xlsx"'
        return response
    body = json.dumps(pd.export_document(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="weiguang-my-data-{stamp}.json"'
    return response


# --- staff --------------------------------------------------------------------------------------


@login_required
@require_GET
def data_requests(request):
    """The personal-data requests of the staff member's region: waiting first, or the handled."""
    if not access.can(request.user, "datarequest.handle"):
        raise PermissionDenied
    filters = DataRequestFilter.from_query(request.GET)
    status = filters.status or DataRequestStatus.SUBMITTED  # waiting ones unless asked
    rows = filters.apply(pd.requests_for_staff(request.user, status))
    if status != DataRequestStatus.SUBMITTED:
        rows = rows.order_by("-handled_at", "-id")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/data_requests.html",
        {
            "page_obj": page,
            "requests": page.object_list,
            "status": status,
            "tabs": DataRequestStatus.choices,
            "query": urlencode(filters.active()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def data_request(request, pk: int):
    """One request: the person's record as it is and the change asked for; carry out or refuse."""
    req = pd.request_for_staff(request.user, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step")
        try:
            if step == "carry_out":
                pd.carry_out(req, request.user, form.cleaned_data["answer"])
                messages.success(request, _("Done: the request is carried out."))
                return redirect("data_requests")
            if step == "refuse":
                pd.refuse(req, request.user, form.cleaned_data["answer"])
                messages.success(request, _("The request is refused; the person is told why."))
                return redirect("data_requests")
            form.add_error(None, _("Choose what to do."))
        except ServiceError as err:
            apply_service_error(form, err)
    if req.resident_id and req.status == DataRequestStatus.SUBMITTED:
        view_resident_record(req.resident, request.user, via="data_request", ref=req.pk)
    groups = {g.code: g for g in PopulationGroup.objects.all()}
    return render(
        request,
        "accounts/data_request.html",
        {
            "req": req,
            "resident": req.resident,
            "form": form,
            "requested_groups": [groups[c] for c in req.change.get("groups", []) if c in groups],
            "can_act": req.status == DataRequestStatus.SUBMITTED,
        },
    )
