"""Forms for the wish pages. They parse and show fields; the rules live in services."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.core.forms import BigRadioSelect, Form
from weiguang.partners.models import PartnerUnit

from .models import Channel, WishCategory, WishKind


class WishForm(Form):
    """Step 2 of "post a wish": what the wish is. Step 1 chose `kind`."""

    kind = forms.ChoiceField(label=_("Kind of wish"), choices=WishKind.choices, widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("What do you wish for?"),
        min_length=2,
        max_length=60,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("e.g. a rice cooker; a haircut at home")}
        ),
    )
    description = forms.CharField(
        label=_("Tell us a little more (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=WishCategory.objects.filter(active=True),
        required=False,
        empty_label=_("Let us choose"),
    )
    value = forms.DecimalField(
        label=_("About how much is it worth? (yuan, optional)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "1"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)
    suggested = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda c: c.name
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    @property
    def kind_value(self) -> str:
        if self.is_bound:
            return self.data.get("kind", "")
        return self.initial.get("kind", "")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "category": data["category"],
            "value": data["value"] if data["kind"] == WishKind.ITEM else None,
            "idempotency_key": data["idempotency_key"],
            "confirm_duplicate": data["confirm_duplicate"],
        }


class OnBehalfWishForm(WishForm):
    """The grid worker's / staff desk's form: the same fields, the kind chosen here, plus how
    the wish reached us."""

    kind = forms.ChoiceField(label=_("Kind of wish"), choices=WishKind.choices, widget=BigRadioSelect)
    title = forms.CharField(label=_("The wish"), min_length=2, max_length=60)
    channel = forms.ChoiceField(
        label=_("How did the wish reach us?"),
        choices=[c for c in Channel.choices if c[0] != Channel.SELF],
        initial=Channel.GRID,
        widget=BigRadioSelect,
    )
    resident = forms.IntegerField(widget=forms.HiddenInput)

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        kwargs["channel"] = self.cleaned_data["channel"]
        return kwargs


def _default_promise() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=settings.WEIGUANG["DEFAULT_CLAIM_DAYS"])


class ClaimForm(Form):
    promised_date = forms.DateField(
        label=_("I will make it come true by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    partner = forms.ModelChoiceField(
        label=_("Claim as"),
        queryset=PartnerUnit.objects.none(),
        required=False,
        empty_label=_("Myself"),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        attrs = self.fields["promised_date"].widget.attrs
        attrs["min"] = today.isoformat()
        attrs["max"] = (today + dt.timedelta(days=settings.WEIGUANG["MAX_CLAIM_DAYS"])).isoformat()
        self.fields["promised_date"].initial = _default_promise()
        if units is not None:
            self.fields["partner"].queryset = units
        else:
            del self.fields["partner"]


class FulfilForm(Form):
    note = forms.CharField(
        label=_("What was done?"),
        max_length=1000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("e.g. Delivered the rice cooker and showed how to use it.")}
        ),
    )
    hours = forms.DecimalField(
        label=_("Hours you spent (optional)"),
        required=False,
        min_value=0.25,
        max_value=24,
        decimal_places=2,
        help_text=_("Registered volunteers: these become service hours once the community verifies them."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.25"}),  # from min 0.25
    )


RATING_CHOICES = [(str(n), "★" * n) for n in range(5, 0, -1)]


class ConfirmForm(Form):
    rating = forms.ChoiceField(
        label=_("How happy are you?"),
        choices=RATING_CHOICES,
        required=False,
        widget=BigRadioSelect(attrs={"class": "stars-choice"}),
    )
    thanks = forms.CharField(
        label=_("A word of thanks (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(Form):
    reason = forms.CharField(
        label=_("Why is it rejected? The resident will see this."),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class DisputeForm(Form):
    """ "It did not come true": what is missing, in the resident's words."""

    reason = forms.CharField(
        label=_("What did not come true?"),
        min_length=2,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: nobody came, or the kettle does not work. The community will follow up."),
    )
