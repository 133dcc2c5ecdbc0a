"""Cleaning the free text a service receives: one rule for every app."""

from __future__ import annotations

import re
import unicodedata

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


# A phone number as people type it: "139 1234-5678", "+86 139…", "(0532) 8388-1234".
PHONE_TEXT = re.compile(r"^\+?[0-9\s()\-]+$")


def normalize_phone(text) -> str:
    """A phone number as Weiguang stores and compares it: digits only (full-width digits, spaces,
    dashes and brackets dropped) and without a leading +86 / 0086 country code. A resident's
    record and a demand's contact keep this form (an account's mobile number is the same 11
    digits), so a look-up by phone finds the same person whichever way the number was typed
    ("+86 139-1234-5678" -> "13912345678", "0532-8388 1234" -> "053283881234")."""
    if not isinstance(text, str):
        return ""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch in "0123456789")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


_DIGITS = re.compile(r"(\d+)")


def natural_key(text) -> tuple:
    """A sort key that orders numbers inside text by value: "2号楼" before "12号楼", "3单元" before
    "10单元", a number before a word at the same place (full-width digits count as digits; Chinese
    numerals such as 十二 do not). Text parts compare case-insensitively."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    parts = _DIGITS.split(text)  # text, digits, text, digits, ...: the digits at odd places
    return tuple(
        (0, int(part), part) if i % 2 else (1, 0, part.casefold()) for i, part in enumerate(parts) if part
    )
