"""Station pages' forms: the station (create and edit), an amenity's state, the items it hands out."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weiguang.core.forms import Form
from weiguang.partners.models import PartnerUnit

from .. import hours as opening
from ..models import Amenity, AmenityState, StationKind

DAY_LABELS = {
    "mon": _("Monday"), "tue": _("Tuesday"), "wed": _("Wednesday"), "thu": _("Thursday"),
    "fri": _("Friday"), "sat": _("Saturday"), "sun": _("Sunday"),
}  # fmt: skip


class StationForm(Form):
    region = forms.ModelChoiceField(queryset=None, label=_("Community or street"))
    name = forms.CharField(label=_("Station name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=StationKind.choices)
    address = forms.CharField(label=_("Address"), max_length=120)
    latitude = forms.DecimalField(
        label=_("Latitude"), min_value=-90, max_value=90, decimal_places=6, max_digits=9,
        help_text=_("E.g. 36.066 (Qingdao); read it from any map app."),
    )  # fmt: skip
    longitude = forms.DecimalField(
        label=_("Longitude"), min_value=-180, max_value=180, decimal_places=6, max_digits=9,
        help_text=_("E.g. 120.383."),
    )  # fmt: skip
    open_24h = forms.BooleanField(label=_("Open 24 hours"), required=False)
    open_on_holidays = forms.BooleanField(
        label=_("Keeps these hours on public holidays"), required=False,
        help_text=_(
            "Otherwise it is closed on the street's holidays and open with the working-day hours on a 调休 make-up day."
        ),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Service phone"), max_length=30, required=False,
        help_text=_("The station's public number, never a resident's."),
    )  # fmt: skip
    partner = forms.ModelChoiceField(queryset=None, label=_("Run by (optional)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Shown on the public station list"), required=False, initial=True)
    amenities = forms.MultipleChoiceField(
        label=_("Amenities offered"), choices=Amenity.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, regions=None, partners=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for day in opening.WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=DAY_LABELS[day], max_length=80, required=False,
                help_text=_("08:00-12:00, 14:00-20:00; empty: closed") if day == "mon" else "",
            )  # fmt: skip
        self.fields["partner"].queryset = partners if partners is not None else PartnerUnit.objects.none()
        if editing:
            del self.fields["region"], self.fields["amenities"]
        else:
            self.fields["region"].queryset = regions
            del self.fields["remove_photo"]

    def clean(self):
        data = super().clean()
        week = {}
        for day in opening.WEEKDAYS:
            try:
                week[day] = opening.parse_day(data.get(f"hours_{day}", ""))
            except ValidationError as err:
                self.add_error(f"hours_{day}", err)
        data["hours"] = week
        return data

    def values(self) -> dict:
        """The service's keyword arguments."""
        data = self.cleaned_data
        names = (
            "name", "kind", "address", "latitude", "longitude", "open_24h", "open_on_holidays", "hours", "phone",
            "partner",
        )  # fmt: skip
        values = {name: data[name] for name in names} | {"note": data["note"], "active": data["active"]}
        if "region" in self.fields:
            values["region"] = data["region"]
            values["amenities"] = {a: AmenityState.AVAILABLE for a in data["amenities"]}
        values["photo"] = data.get("photo")
        if "remove_photo" in self.fields:
            values["remove_photo"] = data["remove_photo"]
        return values

    @staticmethod
    def initial_for(station) -> dict:
        initial = {
            name: getattr(station, name)
            for name in (
                "name",
                "kind",
                "address",
                "latitude",
                "longitude",
                "open_24h",
                "open_on_holidays",
                "phone",
                "note",
                "active",
            )
        }
        initial["partner"] = station.partner_id
        for day in opening.WEEKDAYS:
            initial[f"hours_{day}"] = opening.format_day(station.hours.get(day, []))
        return initial


class AmenityStateForm(Form):
    state = forms.ChoiceField(choices=AmenityState.choices)
    note = forms.CharField(max_length=100, required=False)
    until = forms.DateField(required=False)


class PickupItemsForm(Form):
    items = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Love supermarket items collected here"),
    )  # fmt: skip

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items
