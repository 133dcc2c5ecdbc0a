"""The forms of the room pages: a booking request (once or weekly) and a room's settings."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.core.formfields import ModelIdField
from weiguang.core.forms import Form
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.volunteers.models import Team

from ..models import ROOM_WEEKDAYS, Equipment
from . import services

WEEKDAY_LABELS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


class BookingForm(Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends at"), widget=TIME_INPUT)
    purpose = forms.CharField(label=_("Purpose"), max_length=services.PURPOSE_MAX)
    group_name = forms.CharField(
        label=_("Group"), max_length=services.GROUP_MAX, required=False,
        help_text=_("e.g. 老年大学书法班; left empty: the team's or unit's name"),
    )  # fmt: skip
    team = ModelIdField(Team.objects.none(), label=_("Volunteer team"), required=False, widget=forms.Select)
    partner = ModelIdField(
        PartnerUnit.objects.none(), label=_("Partner unit"), required=False, widget=forms.Select
    )
    attendees = forms.IntegerField(label=_("Attendees expected"), min_value=1, max_value=10000)
    weekly = forms.BooleanField(label=_("Every week"), required=False)
    until = forms.DateField(label=_("Last date"), required=False, widget=DATE_INPUT)
    count = forms.IntegerField(
        label=_("Or number of weeks"), required=False, min_value=1, max_value=services.MAX_WEEKS
    )
    direct = forms.BooleanField(label=_("Book directly (approved)"), required=False)

    def __init__(self, *args, room, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.room = room
        staff = access.can(user, "booking.approve", room)
        if staff:
            self.fields["team"].queryset = Team.objects.restrict(user, "team.manage").order_by("name")
            self.fields["partner"].queryset = PartnerUnit.objects.restrict(user, "partner.manage").order_by(
                "name"
            )
        else:
            self.fields["team"].queryset = Team.objects.filter(leaders=user).order_by("name")
            self.fields["partner"].queryset = PartnerUnit.objects.filter(representatives=user).order_by(
                "name"
            )
            del self.fields["direct"]
        for name in ("team", "partner"):
            if not self.fields[name].queryset.exists():
                del self.fields[name]
        self.fields["attendees"].validators.append(
            MaxValueValidator(room.capacity, _("The room holds at most %(n)d people.") % {"n": room.capacity})
        )
        self.fields["attendees"].widget.attrs["max"] = room.capacity
        self.fields["attendees"].help_text = _("At most %(n)d.") % {"n": room.capacity}

    def clean(self):
        data = super().clean()
        day = data.get("date")
        if day is not None and not 2000 <= day.year <= 2100:
            self.add_error("date", _("Give a date between %(a)d and %(b)d.") % {"a": 2000, "b": 2100})
        until = data.get("until")
        if until is not None and not 2000 <= until.year <= 2100:
            self.add_error("until", _("Give a date between %(a)d and %(b)d.") % {"a": 2000, "b": 2100})
        if data.get("weekly") and data.get("until") is None and data.get("count") is None:
            self.add_error("until", _("Give either a last date or a number of weeks."))
        return data

    def input(self) -> services.BookingInput:
        d = self.cleaned_data
        return services.BookingInput(
            purpose=d["purpose"], group_name=d.get("group_name", ""), attendees=d["attendees"],
            team=d.get("team"), partner=d.get("partner"),
        )  # fmt: skip

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        d = self.cleaned_data
        return services.local(d["date"], d["start_time"]), services.local(d["date"], d["end_time"])

    def rule(self) -> services.Rule:
        """The weekly rule (one week when `weekly` is not ticked; a number of weeks wins over a
        last date)."""
        d = self.cleaned_data
        until, count = None, 1
        if d.get("weekly"):
            until, count = (None, d["count"]) if d.get("count") else (d.get("until"), None)
        return services.Rule(
            weekday=d["date"].weekday(), start_time=d["start_time"], end_time=d["end_time"], first_date=d["date"],
            until=until, count=count,
        )  # fmt: skip


class BookingChangeForm(Form):
    """A booking's new time (the same room), purpose and number of people."""

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends at"), widget=TIME_INPUT)
    purpose = forms.CharField(label=_("Purpose"), max_length=services.PURPOSE_MAX)
    attendees = forms.IntegerField(label=_("Attendees expected"), min_value=1, max_value=10000)

    def __init__(self, *args, booking, **kwargs):
        start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
        kwargs.setdefault(
            "initial",
            {"date": start.date(), "start_time": start.time(), "end_time": end.time(),
             "purpose": booking.purpose, "attendees": booking.attendees},
        )  # fmt: skip
        super().__init__(*args, **kwargs)
        capacity = booking.room.capacity
        self.fields["attendees"].validators.append(
            MaxValueValidator(capacity, _("The room holds at most %(n)d people.") % {"n": capacity})
        )
        self.fields["attendees"].widget.attrs["max"] = capacity

    def clean(self):
        data = super().clean()
        day = data.get("date")
        if day is not None and not 2000 <= day.year <= 2100:
            self.add_error("date", _("Give a date between %(a)d and %(b)d.") % {"a": 2000, "b": 2100})
        return data

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "start": services.local(d["date"], d["start_time"]), "end": services.local(d["date"], d["end_time"]),
            "purpose": d["purpose"], "attendees": d["attendees"],
        }  # fmt: skip


def default_booking(room) -> dict:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return {
        "date": tomorrow,
        "start_time": dt.time(14),
        "end_time": dt.time(16),
        "attendees": min(10, room.capacity),
    }


def _span_text(span) -> str:
    return f"{span[0]}-{span[1]}" if span else ""


class RoomForm(Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    floor = forms.IntegerField(label=_("Floor"), min_value=1, max_value=200)
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=1, max_value=10000)
    equipment = forms.MultipleChoiceField(
        label=_("Equipment"), choices=Equipment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    needs_approval = forms.BooleanField(label=_("Bookings need approval"), required=False)
    active = forms.BooleanField(label=_("Open for bookings"), required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i, day in enumerate(ROOM_WEEKDAYS):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=WEEKDAY_LABELS[i], required=False, max_length=20,
                widget=forms.TextInput(attrs={"placeholder": "08:30-17:00", "inputmode": "numeric"}),
            )  # fmt: skip
        self.fields["hours_mon"].help_text = _("Bookable hours, e.g. 08:30-17:00; empty: closed that day.")

    @staticmethod
    def initial_of(room) -> dict:
        initial = {
            name: getattr(room, name)
            for name in ("name", "floor", "capacity", "equipment", "needs_approval", "active", "description")
        }
        for day in ROOM_WEEKDAYS:
            initial[f"hours_{day}"] = _span_text((room.hours or {}).get(day))
        return initial

    def fields_for_service(self) -> dict:
        d = self.cleaned_data
        hours = {}
        for day in ROOM_WEEKDAYS:
            text = (
                (d.get(f"hours_{day}") or "")
                .replace("–", "-")
                .replace("—", "-")
                .replace("～", "-")
                .replace("~", "-")
            )
            if text.strip():
                parts = [p.strip() for p in text.split("-")]
                hours[day] = parts if len(parts) == 2 else ["x", "x"]
        fields = {
            k: d[k]
            for k in ("name", "floor", "capacity", "equipment", "needs_approval", "active", "description")
        }
        fields["hours"] = hours
        return fields
