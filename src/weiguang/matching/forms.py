"""Forms of the bulk-assignment page. They parse and show fields; the rules live in
matching.assignment."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weiguang.core.converters import MAX_ID
from weiguang.core.formfields import IdListField
from weiguang.core.forms import Form

from .assignment import MAX_CAPACITY, ClaimerRef

_PAIR = re.compile(r"^([0-9]{1,19}):([up]):([0-9]{1,19})$")


class PlanPairsField(forms.Field):
    """The kept rows of a bulk-assignment proposal, posted as "<wish>:u:<user>" (a volunteer)
    or "<wish>:p:<unit>" (a partner unit): a list of (wish id, ClaimerRef)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Keep at least one pair."),
        "invalid": _("The proposal was changed or is out of date; make the proposal again."),
    }

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        pairs = []
        for raw in values[:500]:
            match = _PAIR.match(str(raw))
            if not match or not all(0 < int(match.group(n)) <= MAX_ID for n in (1, 3)):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            ref = int(match.group(3))
            claimer = ClaimerRef(user_id=ref) if match.group(2) == "u" else ClaimerRef(partner_id=ref)
            pairs.append((int(match.group(1)), claimer))
        if len(values) > 500:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return pairs


class ConfirmPlanForm(Form):
    """Step 3 of the bulk assignment: the pairs of the proposal the staff member kept."""

    pair = PlanPairsField()


_CAPACITY = re.compile(r"^cap-([up])-([0-9]{1,19})$")


class ProposePlanForm(Form):
    """Step 2 of the bulk assignment: the ticked wishes, and a capacity per claimer (fields
    "cap-u-<user id>" and "cap-p-<unit id>"; 0 or empty leaves the claimer out)."""

    wish = IdListField(required=False)

    def clean(self):
        cleaned = super().clean()
        claimers = []
        for key in self.data:
            match = _CAPACITY.match(key)
            if not match:
                continue
            value = (self.data.get(key) or "").strip() or "0"
            ref = int(match.group(2))
            if not value.isascii() or not value.isdigit() or not 0 < ref <= MAX_ID:
                raise ValidationError(
                    _("Give each claimer a capacity from 0 to %(n)d.") % {"n": MAX_CAPACITY}
                )
            if int(value) > 0:
                claimer = ClaimerRef(user_id=ref) if match.group(1) == "u" else ClaimerRef(partner_id=ref)
                claimers.append((claimer, min(int(value), MAX_CAPACITY)))
        if not cleaned.get("wish") or not claimers:
            raise ValidationError(_("Tick at least one wish and give at least one claimer a capacity."))
        cleaned["claimers"] = claimers
        return cleaned
