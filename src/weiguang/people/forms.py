"""The form a grid worker or staff member fills to add a resident on the spot (on the pages that
record a wish or a demand on a resident's behalf). It parses; people.services.add_resident decides."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from weiguang.core.errors import Conflict, ServiceError
from weiguang.core.forms import Form, apply_service_error
from weiguang.regions import access

from . import services
from .models import PopulationGroup, Resident

CONSENT_TEXT = _(
    "I told the resident that Weiguang keeps their name, phone and address so that the community "
    "can help them, and they agreed. They can see, correct or delete it at any time."
)


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class AddResidentForm(Form):
    """Prefixed ("nr-") so that it can sit inside another page's form without a clash."""

    prefix = "nr"

    idempotency_key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Name"), required=False, max_length=services.NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=services.PHONE_TEXT_MAX,
        help_text=_(
            "A mobile or landline. The resident can later sign up with this number and find this record."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    grid = GridChoiceField(label=_("Grid"), queryset=None, required=False)
    building = forms.CharField(label=_("Building"), required=False, max_length=services.PLACE_MAX)
    door = forms.CharField(label=_("Door"), required=False, max_length=services.PLACE_MAX)
    groups = forms.ModelMultipleChoiceField(
        label=_("Population groups"),
        queryset=PopulationGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicate: Resident | None = None
        grids = access.grids_for(user, "resident.create").select_related("parent")
        self.fields["grid"].queryset = grids
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            if "grid" not in self.initial:
                only = list(grids[:2])
                if len(only) == 1:
                    self.initial["grid"] = only[0].pk

    @classmethod
    def after_search(cls, user, q: str = "", **initial) -> AddResidentForm | None:
        """The empty form shown under a search that found no one (None: `user` may not add
        residents). The searched name is typed in already; digits were a phone's end, not a name."""
        if not access.can(user, "resident.create"):
            return None
        q = " ".join((q or "").split())[: services.NAME_MAX]
        if q and not any(ch.isdigit() for ch in q):
            initial.setdefault("name", q)
        return cls(user=user, initial=initial)

    def save(self, *, channel: str = "page") -> Resident | None:
        """The new resident, or None with the errors on the form (and `duplicate`: the record
        that has the phone, when the user may pick it instead)."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            resident, _created = services.add_resident(
                self.user, grid=data["grid"], name=data["name"], phone=data["phone"],
                building=data["building"], door=data["door"], groups=data["groups"],
                consent=data["consent"], idempotency_key=data["idempotency_key"] or None, channel=channel,
            )  # fmt: skip
            return resident
        except ServiceError as err:
            apply_service_error(self, err)
            if isinstance(err, Conflict) and err.code == "duplicate_resident":
                pickable = Resident.objects.select_related("grid").restrict(self.user, "resident.search")
                self.duplicate = pickable.filter(pk=int(err.fields["duplicate_of"])).first()
        return None
