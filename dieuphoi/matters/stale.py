"""A matter is *stale* when it is open (new, coordinating) and nothing was
logged for ``MATTER_STALE_WORKING_DAYS`` working days (setting, default 10):
its last log date (or the date it was raised) plus N working days is on or
before today (``dieuphoi.workdays.calendar``).

- ``stale_days()``: N.
- ``stale_due(matter)``: the day it becomes (or became) stale.
- ``is_stale(matter, on)``: in Python.
- ``stale_cutoff(on)`` and ``stale_q(on)``: the same in SQL: stale when the
  last activity is on or before ``stale_cutoff(on)``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q

from dieuphoi.core.models import local_today
from dieuphoi.workdays.calendar import add_working_days

from .models import Matter

ONE_DAY = datetime.timedelta(days=1)


def stale_days() -> int:
    return int(getattr(settings, "MATTER_STALE_WORKING_DAYS", 10))


def stale_due(matter: Matter) -> datetime.date:
    return add_working_days(matter.last_activity_on, stale_days())


def stale_cutoff(on: datetime.date | None = None) -> datetime.date:
    """The latest last-activity date of a stale matter on ``on``: the day
    before the N-th working day counted back from ``on`` (``on`` included),
    so that ``working_days_between(last, on) >= N`` exactly when
    ``last <= cutoff``, whatever day of the week ``last`` is."""
    on = on or local_today()
    return add_working_days(on + ONE_DAY, -stale_days()) - ONE_DAY


def is_stale(matter: Matter, on: datetime.date | None = None) -> bool:
    return matter.is_open and stale_due(matter) <= (on or local_today())


def stale_q(on: datetime.date | None = None, cutoff: datetime.date | None = None) -> Q:
    cutoff = cutoff or stale_cutoff(on)
    return Q(state__in=Matter.OPEN_STATES) & (
        Q(last_logged_on__lte=cutoff)
        | Q(last_logged_on__isnull=True, raised_on__lte=cutoff)
    )
