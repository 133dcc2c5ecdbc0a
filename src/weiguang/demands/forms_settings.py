"""Forms of the street's demand settings (holidays, categories, departments). They parse and
show fields; the rules (and their messages) live in demands.configure."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weiguang.core.forms import Form

from .configure import CATEGORY_NAME_MAX, DEPARTMENT_NAME_MAX, HOLIDAY_NAME_MAX

DAY_KINDS = [
    ("holiday", _("Holiday: a weekday off")),
    ("workday", _("Make-up working day (调休): a Saturday or Sunday worked")),
]
DATE_WIDGET = {"type": "date"}


class HolidayForm(Form):
    date = forms.DateField(
        label=_("Date (the first day)"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date."), "invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    until = forms.DateField(
        label=_("Last day (for several days, optional)"),
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        help_text=_("e.g. 10-01 to 10-07 for National Day: Saturdays and Sundays in it are left out."),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of day"),
        choices=DAY_KINDS,
        initial="holiday",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose holiday or make-up working day.")},
    )
    name = forms.CharField(
        label=_("Name of the holiday"),
        max_length=HOLIDAY_NAME_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 国庆节, 春节"), "autocomplete": "off"}),
        error_messages={"required": _("Give it a name, e.g. National Day or Spring Festival.")},
    )


class NameForm(Form):
    """A name: a new or renamed category or department (its length is checked by the service,
    the browser stops at `max_length`)."""

    name = forms.CharField(
        label=_("New name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Give a name.")},
    )

    def __init__(self, *args, max_length: int = CATEGORY_NAME_MAX, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["maxlength"] = str(max_length)
        if label is not None:
            self.fields["name"].label = label
            self.fields["name"].widget.attrs["placeholder"] = label


def department_name_form(*args, **kwargs) -> NameForm:
    return NameForm(*args, max_length=DEPARTMENT_NAME_MAX, **kwargs)


class HandlerForm(Form):
    username = forms.CharField(
        label=_("Username of the account"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "placeholder": _("Username of the new handler"),
            }
        ),
        error_messages={"required": _("Give the username of an existing account.")},
    )
