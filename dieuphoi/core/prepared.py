"""Small queries every request runs, compiled once instead of on each run.

The ORM builds a query's SQL every time it runs. For the few small queries a
signed-in request always makes (the user with its menu flags, the
second-factor device, the user's seats), building the SQL costs three to
four times as much as running it (docs/performance.md, "The signed-in
floor"). ``Prepared`` builds such a query once per database and key (the
day, for a query "as of today"), with one value left open, the id or the
person, and only fills that value in on each run.

    USER = Prepared(lambda mark, day: User.objects.filter(pk=mark).annotate(...))
    user = USER.first(user_id, key=(today,))

The open value is marked by ``MARK`` when the query is built: it must reach
the parameters unchanged (an integer compared with an integer column) and
exactly once; anything else is refused when the query is first built, so a
query that does not fit fails loudly in the tests, never silently.
Results are what the ORM gives: model instances through ``raw()`` (with the
fields' converters) or plain rows; annotations that are not model fields
come back as the database gives them (``EXISTS`` is 0/1 on SQLite).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

# An id no row has, where the open value goes: negative, and within a 32-bit
# integer column's range (out of range, Django compiles the lookup away).
MARK = -2_013_265_921


class Prepared:
    """A query compiled once per (database, key), run with another value.

    ``build(mark, *key) -> QuerySet`` builds it; ``MARK`` is passed as
    ``mark`` and must appear once among the compiled parameters. At most
    ``size`` compiled forms are kept (the key is usually the day)."""

    def __init__(self, build: Callable[..., QuerySet], *, size: int = 8) -> None:
        self._build = build
        self._size = size
        self._compiled: dict[tuple, tuple[type[Model], str, tuple, int]] = {}

    def _get(self, key: tuple[Hashable, ...], using: str):
        cache_key = (using, connections[using].vendor, key)
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            qs = self._build(MARK, *key)
            sql, params = qs.query.get_compiler(using).as_sql()
            slots = [i for i, p in enumerate(params) if type(p) is int and p == MARK]
            if len(slots) != 1:
                raise ValueError(
                    f"the open value must appear once in the parameters: {params!r}"
                )
            compiled = (qs.model, sql, tuple(params), slots[0])
            if len(self._compiled) >= self._size:
                self._compiled.clear()
            self._compiled[cache_key] = compiled
        return compiled

    def _params(self, compiled, value: Any) -> list:
        _model, _sql, params, slot = compiled
        filled = list(params)
        filled[slot] = value
        return filled

    def objects(
        self, value: Any, *, key: tuple = (), using: str = DEFAULT_DB_ALIAS
    ) -> list[Model]:
        """The model instances the query gives with ``value`` filled in."""
        compiled = self._get(key, using)
        model, sql = compiled[0], compiled[1]
        raw = model._default_manager.db_manager(using).raw(
            sql, self._params(compiled, value)
        )
        return list(raw)

    def first(
        self, value: Any, *, key: tuple = (), using: str = DEFAULT_DB_ALIAS
    ) -> Model | None:
        found = self.objects(value, key=key, using=using)
        return found[0] if found else None

    def rows(
        self, value: Any, *, key: tuple = (), using: str = DEFAULT_DB_ALIAS
    ) -> list[tuple]:
        """The rows as the database gives them (for ``values_list`` queries:
        no field converters are applied)."""
        compiled = self._get(key, using)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled[1], self._params(compiled, value))
            return cursor.fetchall()
