"""Forms for the project pages. They parse and show fields; the rules live in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from weiguang.core.forms import Form


class ProjectForm(Form):
    title = forms.CharField(label=_("Project"), max_length=60)
    plan = forms.CharField(label=_("Plan"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    starts_on = forms.DateField(
        label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
            self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
