"""Forms of the fair's staff pages: a stall, a wish or a demand recorded at a stall, a food-bank
round and a parcel handed out. They parse and show fields; the rules live in services."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.accounts.staff import display_name
from weiguang.core.forms import BigRadioSelect, Form
from weiguang.demands.forms import CategoryField, GridField, category_choices
from weiguang.partners.models import units_serving
from weiguang.people.models import PopulationGroup
from weiguang.regions import access
from weiguang.regions.models import ancestor_paths
from weiguang.volunteers.models import Team
from weiguang.wishes.forms import OnBehalfWishForm, WishForm

from ..models import Event, ProviderKind, Stall
from . import services

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StallForm(Form):
    """Who runs the stall, what it offers, where and when; bookable slots if it takes them."""

    provider_kind = forms.ChoiceField(label=_("Run by"), choices=ProviderKind.choices, widget=BigRadioSelect)
    partner = forms.ModelChoiceField(label=_("Partner unit"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("Volunteer team"), queryset=None, required=False)
    department_name = forms.CharField(label=_("Department"), max_length=60, required=False)
    service = forms.CharField(
        label=_("Service"), max_length=services.SERVICE_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. free haircuts; appliance repair")}),
    )  # fmt: skip
    spot = forms.CharField(label=_("Spot"), max_length=services.SPOT_MAX, required=False)
    number = forms.IntegerField(
        label=_("Stall number"), min_value=1, max_value=999, required=False,
        help_text=_("Empty: the next free number."),
    )  # fmt: skip
    opens_at = forms.TimeField(label=_("Opens at"), widget=TIME)
    closes_at = forms.TimeField(label=_("Closes at"), widget=TIME)
    slot_minutes = forms.IntegerField(
        label=_("Minutes per slot"), min_value=5, max_value=240, required=False,
        help_text=_("Residents book a time when this is set; empty: no booking, numbers only."),
    )  # fmt: skip
    per_slot = forms.IntegerField(label=_("People per slot"), min_value=1, max_value=50, initial=1)
    workers = forms.ModelMultipleChoiceField(
        label=_("Serving at the stall"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("They call numbers and record whom the stall served."),
        error_messages={
            "invalid_choice": services.NOT_A_WORKER,
            "invalid_pk_value": _("This choice is not valid; reload the page and try again."),
        },
    )  # fmt: skip

    def __init__(self, event: Event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["partner"].queryset = units_serving(event.region).order_by("name")
        paths = ancestor_paths(event.region.path)
        street = paths[1] if len(paths) > 1 else event.region.path
        self.fields["team"].queryset = Team.objects.filter(region__path__startswith=street).order_by("name")
        self.fields["workers"].queryset = services.worker_candidates(event).order_by("first_name", "username")
        self.fields["workers"].label_from_instance = display_name
        if not self.is_bound and "opens_at" not in self.initial:
            self.initial["opens_at"] = timezone.localtime(event.starts_at).time()
            self.initial["closes_at"] = timezone.localtime(event.ends_at).time()

    @classmethod
    def for_stall(cls, stall: Stall, *args, **kwargs) -> StallForm:
        initial = {
            f: getattr(stall, f)
            for f in ("provider_kind", "partner", "team", "department_name", "service", "spot", "number",
                      "slot_minutes", "per_slot")
        }  # fmt: skip
        initial["opens_at"] = timezone.localtime(stall.opens_at).time()
        initial["closes_at"] = timezone.localtime(stall.closes_at).time()
        initial["workers"] = [w.pk for w in stall.workers.all()]
        return cls(stall.event, *args, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        if (
            data.get("provider_kind") == ProviderKind.DEPARTMENT
            and not (data.get("department_name") or "").strip()
        ):
            self.add_error("department_name", _("Name the department."))
        return data

    def _at(self, t: dt.time) -> dt.datetime:
        day = timezone.localtime(self.event.starts_at).date()
        return timezone.make_aware(dt.datetime.combine(day, t))

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "number": data["number"], "provider_kind": data["provider_kind"], "partner": data["partner"],
            "team": data["team"], "department_name": data["department_name"], "service": data["service"],
            "spot": data["spot"], "opens_at": self._at(data["opens_at"]), "closes_at": self._at(data["closes_at"]),
            "slot_minutes": data["slot_minutes"], "per_slot": data["per_slot"] or 1,
            "workers": list(data["workers"]),
        }  # fmt: skip


# The services name a refused field by the API's name (partner_id); the forms call it partner.
FIELD_NAMES = {"partner_id": "partner", "team_id": "team", "event_id": None}


def form_field_errors(err) -> dict:
    return {FIELD_NAMES.get(k, k): v for k, v in (err.fields or {}).items() if FIELD_NAMES.get(k, k)}


class StallWishForm(OnBehalfWishForm):
    """A wish recorded at a stall: the grid worker's form, its channel being the stall."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"]
        self.fields["title"].widget.attrs["placeholder"] = _("e.g. a rice cooker; a haircut at home")

    def service_kwargs(self) -> dict:
        return WishForm.service_kwargs(self)  # the channel is the stall's


class StallDemandForm(Form):
    """A demand recorded at a stall, for a resident found or for someone by name (or no one);
    handled on the spot at once, or left to be dispatched from the demand's page."""

    grid = GridField(label=_("Grid"), required=False)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Name"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    title = forms.CharField(label=_("The demand, in one line"), min_length=2, max_length=60)
    description = forms.CharField(label=_("Details (optional)"), required=False, max_length=2000)
    category = CategoryField(label=_("Category"))
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    resolved = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    result = forms.CharField(label=_("How it was resolved"), required=False, max_length=2000)

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].set_grids(grids)
        self.fields["grid"].choices = [("", _("The resident's grid")), *self.fields["grid"].choices[1:]]
        self.fields["category"].choices = category_choices()
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def clean(self):
        data = super().clean()
        if data.get("resolved") and not (data.get("result") or "").strip():
            self.add_error("result", _("Describe how it was resolved."))
        return data


def stall_grids(user, stall: Stall):
    """The grids of the fair's place where `user` records demands."""
    return (
        access.grids_for(user, "demand.create")
        .filter(path__startswith=stall.event.region.path)
        .order_by("path")
    )


class FoodRoundForm(Form):
    title = forms.CharField(label=_("Title"), min_length=2, max_length=services.TITLE_MAX)
    groups = forms.ModelMultipleChoiceField(
        label=_("For households with"), queryset=PopulationGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose who the parcels are for.")},
    )  # fmt: skip
    parcels = forms.IntegerField(
        label=_("Parcels"), min_value=1, max_value=100_000, required=False,
        help_text=_("Empty: no limit."),
    )  # fmt: skip
    stall = forms.ModelChoiceField(label=_("At stall (optional)"), queryset=None, required=False)

    def __init__(self, event: Event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stall"].queryset = services.fair_stalls(event)
        self.fields["stall"].label_from_instance = lambda s: f"{s.number}. {s.service}"
        self.fields["groups"].queryset = PopulationGroup.objects.order_by("ordering", "id")
        if not self.is_bound:
            self.initial.setdefault("title", _("Food bank parcels"))


class HandOutForm(Form):
    code = forms.CharField(
        label=_("The household's code (their 6-digit sign-up code)"), max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}),
    )  # fmt: skip
