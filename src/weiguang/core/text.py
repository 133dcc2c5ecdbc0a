"""Cleaning the free text a service receives: one rule for every app."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import InvalidInput


def clean_text(
    value, field: str, *, required: bool, max_length: int, min_length: int = 0, message: str = "",
    one_line: bool = False,
) -> str:  # fmt: skip
    """`value` stripped (and, `one_line`, with every run of whitespace made one space, for
    names), or InvalidInput naming `field`: not text, missing when `required` (`message`, or
    a plain "required"), shorter than `min_length` or longer than `max_length`."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("This value has the wrong type."), fields={field: "invalid"})
    value = " ".join((value or "").split()) if one_line else (value or "").strip()
    if required and not value:
        raise InvalidInput(message or _("This field is required."), fields={field: "required"})
    if value and len(value) < min_length:
        raise InvalidInput(
            _("At least %(min)d characters.") % {"min": min_length}, fields={field: "too_short"}
        )
    if len(value) > max_length:
        raise InvalidInput(_("At most %(max)d characters.") % {"max": max_length}, fields={field: "too_long"})
    return value
