"""Django's database sessions, with the read every signed-in request makes
compiled once (``SESSION_ENGINE``).

``db.SessionStore`` builds ``Session.objects.get(session_key=…,
expire_date__gt=now)`` anew on each request: building that SQL cost more
than running it (a fifth of the signed-in floor, ``docs/performance.md``).
Here the SQL is built once per database from the same query (so quoting and
the date's form are the ORM's) and run with the two values filled in; the
rule is Django's, unchanged: an unknown or expired key loads nothing and
the key is dropped. Every write (create, save, delete) is Django's own.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

# Values no real request holds, to find where each goes in the parameters.
_KEY_MARK = "dieuphoi-session-key-mark"
_TIME_MARK = datetime.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)


class SessionStore(db.SessionStore):
    _compiled: dict[tuple[str, str], tuple[str, int, int]] = {}

    def _read_sql(self, using: str) -> tuple[str, int, int]:
        """``(sql, key slot, time slot)`` for this database, built once."""
        connection = connections[using]
        cache_key = (using, connection.vendor)
        found = self._compiled.get(cache_key)
        if found is None:
            query = (
                self.model._default_manager.using(using)
                .filter(session_key=_KEY_MARK, expire_date__gt=_TIME_MARK)
                .values_list("session_data")
                .query
            )
            sql, params = query.get_compiler(using).as_sql()
            field = self.model._meta.get_field("expire_date")
            time = field.get_db_prep_value(_TIME_MARK, connection)
            slots = [i for i, p in enumerate(params) if p == _KEY_MARK]
            times = [i for i, p in enumerate(params) if p == time]
            if len(params) != 2 or len(slots) != 1 or len(times) != 1:
                raise ValueError(f"unexpected session query parameters: {params!r}")
            found = (sql, slots[0], times[0])
            self._compiled[cache_key] = found
        return found

    def _get_session_from_db(self):
        using = router.db_for_read(self.model)
        sql, key_slot, time_slot = self._read_sql(using)
        connection = connections[using]
        params: list = [None, None]
        params[key_slot] = self.session_key
        params[time_slot] = self.model._meta.get_field("expire_date").get_db_prep_value(
            timezone.now(), connection
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
