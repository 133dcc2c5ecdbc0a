"""Forms for the event pages. They parse and show fields; the rules live in services."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.core.formfields import ModelIdField
from weiguang.core.forms import Form
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup, Resident
from weiguang.places.models import Room, Station
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind
from weiguang.volunteers.models import Team

from . import services
from .models import EventKind, OrganiserKind, room_label

WHEN = {"type": "datetime-local"}
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _when(label):
    return forms.DateTimeField(
        label=label,
        input_formats=WHEN_FORMATS,
        widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"),
    )


class EventForm(Form):
    region = forms.ModelChoiceField(label=_("Community or street"), queryset=Region.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "---------"), *EventKind.choices])
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=services.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False,
        help_text=_("A station, a function room or an address: one of them."),
    )  # fmt: skip
    room = forms.ModelChoiceField(
        label=_("Function room"), queryset=Room.objects.none(), required=False,
        help_text=_("The room is booked for the event's times."),
    )  # fmt: skip
    place_text = forms.CharField(label=_("Address"), max_length=services.PLACE_MAX, required=False)
    starts_at = _when(_("Starts at"))
    ends_at = _when(_("Ends at"))
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("Leave empty for no limit."),
    )
    max_party_size = forms.IntegerField(
        label=_("People per sign-up"), min_value=1, max_value=services.MAX_PARTY_SIZE, initial=1,
        help_text=_("How many people one sign-up may bring, themselves included."),
    )  # fmt: skip
    organiser_kind = forms.ChoiceField(label=_("Organiser"), choices=OrganiserKind.choices)
    organiser_name = forms.CharField(
        label=_("Organiser's name"), max_length=services.NAME_MAX, required=False
    )
    team = forms.ModelChoiceField(label=_("Volunteer team"), queryset=Team.objects.none(), required=False)
    partner = forms.ModelChoiceField(
        label=_("Partner unit"), queryset=PartnerUnit.objects.none(), required=False
    )
    residents_only = forms.BooleanField(label=_("Residents of this place only"), required=False, initial=True)
    groups = forms.ModelMultipleChoiceField(
        label=_("For these groups"), queryset=PopulationGroup.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Empty: for everyone."),
    )  # fmt: skip
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=120, required=False)
    party_members_only = forms.BooleanField(label=_("Party members only"), required=False)
    offer_minutes = forms.IntegerField(
        label=_("Minutes to accept an offered place"), min_value=5, max_value=10080, required=False,
        help_text=_("Empty: the site's default."),
    )  # fmt: skip
    auto_promote = forms.BooleanField(
        label=_("Confirm from the waiting list automatically"), required=False,
        help_text=_("A freed place goes to the next person waiting without asking them first."),
    )  # fmt: skip
    summary = forms.CharField(
        label=_("Summary afterwards"), max_length=services.TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefixes = access.role_paths(user, "event.manage")
        inside = Q(pk__in=[])
        for prefix in prefixes:
            inside |= Q(path__startswith=prefix)
        places = Region.objects.filter(inside, kind__in=[RegionKind.COMMUNITY, RegionKind.STREET])
        self.fields["region"].queryset = places.order_by("path")
        streets = {services.street_path_of(p) for p in prefixes}
        in_street, unit_places = Q(pk__in=[]), Q(pk__in=[])
        for street in streets:
            in_street |= Q(region__path__startswith=street)
            unit_places |= Q(region__path__startswith=street) | Q(
                region__path__in=services.paths_above(street)
            )
        self.fields["team"].queryset = Team.objects.filter(in_street).order_by("name")
        self.fields["station"].queryset = services.places_for(prefixes, Station).select_related("region")
        self.fields["station"].queryset = self.fields["station"].queryset.order_by("region__path", "name")
        self.fields["station"].label_from_instance = lambda s: f"{s.name}（{s.region.name}）"
        rooms = services.places_for(prefixes, Room).filter(active=True).select_related("centre")
        self.fields["room"].queryset = rooms.order_by("centre__name", "floor", "name")
        self.fields["room"].label_from_instance = room_label
        self.fields["partner"].queryset = PartnerUnit.objects.filter(unit_places).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("It cannot end before it starts."))
        chosen = [name for name in services.PLACE_FIELDS if data.get(name)]
        if len(chosen) > 1:
            for name in chosen:
                self.add_error(name, _("Say where in one way: a station, a function room or an address."))
        return data


def event_initial(event) -> dict:
    tz = timezone.get_current_timezone()
    return {
        **{f: getattr(event, f) for f in [
            "region", "kind", "title", "description", "station", "room", "place_text", "capacity", "max_party_size",
            "organiser_kind", "organiser_name", "team", "partner", "residents_only", "min_age",
            "party_members_only", "offer_minutes", "auto_promote", "summary",
        ]},
        "starts_at": event.starts_at.astimezone(tz), "ends_at": event.ends_at.astimezone(tz),
        "groups": list(event.groups.all()),
    }  # fmt: skip


class SignUpForm(Form):
    party_size = forms.IntegerField(label=_("How many people, yourself included?"), min_value=1, initial=1)

    def __init__(self, event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"] = forms.IntegerField(
            label=_("How many people, yourself included?"), min_value=1, max_value=event.max_party_size, initial=1,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        )  # fmt: skip


class OnBehalfForm(Form):
    resident = ModelIdField(queryset=Resident.objects.all())
    party_size = forms.IntegerField(
        label=_("People"), min_value=1, max_value=services.MAX_PARTY_SIZE, initial=1
    )


class CancelEventForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=services.REASON_MAX, min_length=2)
