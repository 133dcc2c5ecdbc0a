"""What every page form shares. A select's empty choice reads 请选择 ("Please choose"), never
Django's "---------" (a ModelChoiceField's default empty label, or a model's blank choice)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import ServiceError

DASHES = "---------"  # django.db.models.fields.BLANK_CHOICE_DASH, ModelChoiceField.empty_label
PLEASE_CHOOSE = _("Please choose")


def please_choose(field: forms.Field) -> None:
    """Give `field`'s empty choice the words 请选择 when it has Django's dashes."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DASHES:
            field.empty_label = PLEASE_CHOOSE
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if any(value in ("", None) and label == DASHES for value, label in choices):
            field.choices = [
                (value, PLEASE_CHOOSE if value in ("", None) and label == DASHES else label)
                for value, label in choices
            ]


class PleaseChooseMixin:
    """For every form with a select. The empty choice is fixed when a field is first shown, so
    that choices a form sets in its own __init__ (or a view sets later) are covered too."""

    def __getitem__(self, name):
        bound = super().__getitem__(name)
        please_choose(bound.field)
        return bound


class Form(PleaseChooseMixin, forms.Form):
    """The base of the pages' forms."""


# A service names the field it refuses by its own name; the pages' forms call some of them
# otherwise (a resident chosen by id is the form's `resident`). None: not a field of the form.
FIELD_ALIASES = {"resident_id": "resident", "duplicate_of": None}


def apply_service_error(form: forms.Form, err: ServiceError) -> None:
    """Show a service's refusal on the form: on the fields it names, else at the top."""
    placed = False
    for name, detail in (err.fields or {}).items():
        name = FIELD_ALIASES.get(name, name)
        if name and name in form.fields:
            # A field entry is either a message of its own or a machine code for err.message.
            text = err.message if re.fullmatch(r"[a-z_]+", str(detail)) else str(detail)
            form.add_error(name, text)
            placed = True
    if not placed:
        form.add_error(None, err.message)


class BigRadioSelect(forms.RadioSelect):
    """Radio buttons drawn as large tappable tiles (see .choices in the CSS)."""

    template_name = "core/widgets/big_radio.html"
