"""Forms for the volunteer pages. They parse and show fields; the rules live in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.core.formfields import ModelIdField
from weiguang.core.forms import Form
from weiguang.core.privacy import id_number_problem
from weiguang.regions.models import Region, RegionKind

from .models import PERIODS, WEEKDAYS, RewardItem, Skill

WEEKDAY_LABELS = dict(
    zip(WEEKDAYS, [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")], strict=True)
)
PERIOD_LABELS = dict(zip(PERIODS, [_("Morning"), _("Afternoon"), _("Evening")], strict=True))
SLOTS = [f"{d}-{p}" for d in WEEKDAYS for p in PERIODS]


class RegisterForm(Form):
    name = forms.CharField(label=_("Real name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        help_text=_("Kept for the record and never shown in full."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    home_region = forms.ModelChoiceField(
        label=_("Your community"), queryset=Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("path")
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("What can you do?"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    slots = forms.MultipleChoiceField(
        label=_("When are you usually free?"), choices=[(s, s) for s in SLOTS], required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    party_member = forms.BooleanField(label=_("I am a party member"), required=False)
    dual_reporting_unit = forms.CharField(
        label=_("Workplace unit (双报到, party members)"), max_length=100, required=False
    )

    def clean_id_number(self) -> str:
        # Checked here as well as in the service, so that the first submit shows every problem
        # at once, this one next to its field (the service runs only when the form is valid).
        value = "".join(self.cleaned_data["id_number"].split()).upper()
        problem = id_number_problem(value)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return value

    def availability(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {}
        for slot in self.cleaned_data.get("slots", []):
            day, period = slot.split("-")
            chosen.setdefault(day, []).append(period)
        return chosen

    def slot_grid(self):
        """Rows of (weekday label, [(slot value, period label, checked)]) for the template."""
        chosen = set(self["slots"].value() or [])
        return [
            (WEEKDAY_LABELS[d], [(f"{d}-{p}", PERIOD_LABELS[p], f"{d}-{p}" in chosen) for p in PERIODS])
            for d in WEEKDAYS
        ]


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AttendeeForm(Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.BooleanField(required=False)
    check_in = forms.TimeField(
        label=_("Checked in"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    check_out = forms.TimeField(
        label=_("Checked out"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class ActivityForm(Form):
    title = forms.CharField(label=_("Activity"), max_length=60)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, time))


class DemandServiceForm(Form):
    """A volunteer's work on a demand, recorded by those handling it."""

    volunteer_number = forms.CharField(
        label=_("Volunteer number"), max_length=20,
        help_text=_("On the volunteer's profile and certificate, e.g. WG20260000012."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )  # fmt: skip
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0.5, max_value=24, decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )  # fmt: skip
    content = forms.CharField(
        label=_("What they did"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RedeemForm(Form):
    """The love supermarket's redeem button: which item, how many (the service decides whether
    it is on offer for this volunteer and affordable)."""

    item = ModelIdField(queryset=RewardItem.objects.all())
    quantity = forms.IntegerField(min_value=1, max_value=10, required=False, widget=forms.HiddenInput)

    def clean_quantity(self) -> int:
        return self.cleaned_data.get("quantity") or 1
