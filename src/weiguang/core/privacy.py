"""Masking helpers: what a public page may show of a person (PIPL: the minimum needed).

张三丰 → 张** (or 张阿姨 / 张大爷 for an elderly woman / man), 13812341234 → 138****1234,
ID numbers keep 4 leading and 4 trailing characters.
"""

from __future__ import annotations

import datetime as dt
import re

# Common two-character surnames; everything else is treated as a one-character surname.
COMPOUND_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "申屠",
}  # fmt: skip

ELDERLY_AGE = 60


def surname_of(full_name: str) -> str:
    name = (full_name or "").strip()
    if not name:
        return ""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    if re.match(r"^[A-Za-z]", name):  # Latin names: keep the first word's initial
        return name[0].upper() + "."
    return name[0]


def age_on(birth_date: dt.date | None, today: dt.date | None = None) -> int | None:
    if not birth_date:
        return None
    today = today or dt.date.today()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def mask_name(full_name: str, gender: str = "", birth_date: dt.date | None = None) -> str:
    """张阿姨 / 张大爷 for residents of 60 and over, else 张** (one star per hidden character)."""
    surname = surname_of(full_name)
    if not surname:
        return "**"
    age = age_on(birth_date)
    if age is not None and age >= ELDERLY_AGE and gender in {"F", "M"}:
        return surname + ("阿姨" if gender == "F" else "大爷")
    hidden = max(len((full_name or "").strip()) - len(surname), 1)
    return surname + "*" * min(hidden, 2)


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_phones_in(text: str, phones) -> str:
    """`text` with each of `phones` (stored digits, core.text.normalize_phone) masked wherever it
    was typed, spaced, dashed or with +86 ("电话 139-1234-5678" -> "电话 139****5678"): what a
    person wrote stays readable once their number is erased."""
    for phone in {p for p in phones if p and len(p) >= 7}:
        digits = r"[\s\-()]*".join(re.escape(d) for d in phone)
        text = re.sub(rf"(?<!\d)(?:\+?86[\s\-]*)?{digits}(?!\d)", mask_phone(phone), text or "")
    return text


def mask_id_number(id_number: str) -> str:
    value = (id_number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(id_number: str) -> str | None:
    """Why an 18-character resident ID number (GB 11643-1999) is invalid, or None if valid."""
    from django.utils.translation import gettext as _

    value = (id_number or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return _("An ID number has 17 digits followed by a digit or X.")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > dt.date.today():
        return _("The date of birth inside the ID number is not a real date.")
    if id_number_check_digit(value[:17]) != value[17]:
        return _("The ID number's check digit is wrong; please check each digit.")
    return None
