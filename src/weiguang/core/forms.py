"""What every page form shares. A select's empty choice reads 请选择 ("Please choose"), never
Django's "---------" (a ModelChoiceField's default empty label, or a model's blank choice)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
