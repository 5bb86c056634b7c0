"""`<integer field>__in` with values no column can hold (an id of 10^25 typed into a multi-select) matches nothing.

Django already treats an out-of-range `exact`/`gt`/`lt` this way; `in` passes such values to the database driver,
which raises (SQLite: OverflowError; PostgreSQL: out of range) — a 500 on any form, filter or API with a multi-select.
"""
from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [value for value in self.rhs if not isinstance(value, int)
                        or ((low is None or value >= low) and (high is None or value <= high))]
        return super().process_rhs(compiler, connection)
