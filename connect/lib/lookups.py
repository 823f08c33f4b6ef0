"""`field__any=values`: the `in` lookup for long lists of values (thousands of ids or usernames).

`field__in=values` sends one placeholder per value: on PostgreSQL the driver parses a query of
thousands of placeholders on every call (psycopg caches no query that long) and the server plans
it; for the import's reads of 2,000 ids that parsing was most of the query's cost. `field__any`
sends the values as ONE array parameter (`field = ANY(%s::bigint[])`); elsewhere it is `in`.
Registered on every field by ConnectConfig.ready.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, Field, ForeignObject, TextField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        field = self.lhs.output_field
        # Values as `in` has them (get_prep_value applied), without NULL, which matches nothing.
        values = [
            field.get_db_prep_value(value, connection, prepared=True)
            for value in self.rhs
            if value is not None
        ]
        if not values:
            raise EmptyResultSet
        target = field.target_field if field.is_relation else field
        # Text without a length: a cast to varchar(n) would cut a longer value down to one that
        # might match.
        array_type = (
            "text" if isinstance(target, (CharField, TextField)) else field.cast_db_type(connection)
        )
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{array_type}[])", (*lhs_params, values)


class RelatedAnyOf(RelatedIn, AnyOf):
    """`user__any=[ids or users]` / `user_id__any=[ids]` on a foreign key (related fields have
    their own lookups)."""

    lookup_name = "any"


def register():
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(RelatedAnyOf)
