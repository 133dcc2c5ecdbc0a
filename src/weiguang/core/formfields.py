"""Form fields shared by the pages: ids and lists of ids posted by a page, parsed so that a
tampered or stale value is a clear form error — never a 500 from the database."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .converters import MAX_ID


def _is_id(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 1 <= len(text) <= 19 and 1 <= int(text) <= MAX_ID


class IdField(forms.IntegerField):
    """A database id: a whole number from 1 to the bigint maximum."""

    default_error_messages = {"invalid": _("This choice is not valid; reload the page and try again.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not _is_id(str(value).strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(str(value).strip())


class ModelIdField(forms.ModelChoiceField):
    """A ModelChoiceField whose posted id is checked to be an id before the database sees it."""

    default_error_messages = {"invalid_choice": _("This choice is not valid; reload the page and try again.")}

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(str(value).strip()):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdListField(forms.Field):
    """Ticked ids (a group of checkboxes with one name): a list of distinct ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("This choice is not valid; reload the page and try again.")}

    def __init__(self, *, max_count: int = 500, **kwargs):
        self.max_count = max_count
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        if len(values) > self.max_count or not all(_is_id(str(v).strip()) for v in values):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(int(str(v).strip()) for v in values))


def first_error(form: forms.BaseForm) -> str:
    """The first message of an invalid form, for a page that shows it as a message."""
    for errors in form.errors.values():
        for message in errors:
            return str(message)
    return str(_("This choice is not valid; reload the page and try again."))
