"""`id__in` with an id no integer column can hold matches nothing.

Since Django 5.0 `id=<too big>` is simply no match, but `id__in=[<too big>]` still reaches the
database: SQLite raises OverflowError and PostgreSQL an error about the range, a 500 wherever a
form or the admin looks up posted ids (a ModelMultipleChoiceField, the admin's autocomplete).
Registered for integer fields and foreign keys in CoreConfig.ready()."""

from __future__ import annotations

from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _InRange:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            field = self.lhs.output_field
            field = getattr(field, "target_field", None) or field
            try:
                low, high = connection.ops.integer_field_range(field.get_internal_type())
            except KeyError:  # not an integer column
                low = high = None
            self.rhs = [
                v
                for v in self.rhs
                if not isinstance(v, int) or ((low is None or v >= low) and (high is None or v <= high))
            ]
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(_InRange, In):
    pass


class RelatedIntegerIn(_InRange, RelatedIn):
    pass


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedIntegerIn)
