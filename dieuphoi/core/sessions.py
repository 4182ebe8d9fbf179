"""Django's database sessions, with the read every signed-in request makes
compiled once (``SESSION_ENGINE``).

``db.SessionStore`` builds ``Session.objects.get(session_key=…,
expire_date__gt=now)`` anew on each request: building that SQL cost more
than running it (a fifth of the signed-in floor, ``docs/performance.md``).
Here the same query is compiled once per database (``core.prepared``) and
run with the key and the time filled in; the rule is Django's, unchanged: an
unknown or expired key loads nothing and the key is dropped. Every write
(create, save, delete) is Django's own.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from .prepared import Prepared


def _session_query(key, now):
    return Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data"
    )


_SESSION = Prepared(_session_query, opens=("str", "datetime"))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = _SESSION.rows(
            (self.session_key, timezone.now()), using=router.db_for_read(self.model)
        )
        if not found:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=found[0][0])
