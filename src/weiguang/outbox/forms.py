from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    sms = forms.BooleanField(label=_("Also by text message"), required=False)
    email = forms.BooleanField(label=_("Also by e-mail"), required=False)
    email_address = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    quiet_from = forms.TimeField(
        label=_("Quiet hours from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_until = forms.TimeField(
        label=_("Quiet hours until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
