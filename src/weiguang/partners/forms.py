"""Forms for the partner pages. They parse and show fields; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weiguang.core.forms import Form

from .models import ResourceKind


class ProfileForm(Form):
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    party_organisation = forms.CharField(label=_("Party organisation"), max_length=100, required=False)
    party_members = forms.IntegerField(label=_("Party members"), min_value=0, required=False)


class ResourceForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("What is offered"), max_length=60)
    description = forms.CharField(
        label=_("Details"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    keywords = forms.CharField(label=_("Keywords (what needs it fits)"), max_length=200, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, required=False)
    quantity_unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    available_from = forms.DateField(
        label=_("Available from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    available_until = forms.DateField(
        label=_("Available until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
