"""Aggregates the ORM lacks on both databases alike."""

from __future__ import annotations

from django.db.models import Aggregate, CharField


class TextList(Aggregate):
    """A group's values as one comma-separated text (``GROUP_CONCAT`` on
    SQLite, ``STRING_AGG`` on PostgreSQL), in no set order: a row's related
    values in the same query as the row. The values must hold no comma."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s::text, ',')",
            **extra,
        )
