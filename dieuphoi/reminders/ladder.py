"""The reminder ladder as date arithmetic: which deadlines get which rung on
working day D. Pure functions of the working-day calendar (no task query).

Definitions (all counts in working days, ``dieuphoi.workdays.calendar``):

- A deadline's *effective day* is the last working day on or before it (a
  deadline on a Saturday is met by Friday's work).
- ``before n``: sent ``n`` working days before the effective day. On day D
  that is every deadline whose effective day is ``add_working_days(D, n)``:
  that working day and the days off right after it (several calendar dates
  map to one working day around weekends and Tết).
- ``on the deadline``: sent on the effective day: D and the days off after it.
- ``urging k``: sent when ``working_days_between(deadline, D) == k·U`` (U =
  ``URGING_EVERY_WORKING_DAYS``): the deadlines in ``[W(kU+1), W(kU))``
  where ``W(1) = D`` and ``W(i+1)`` is the working day before ``W(i)``.
- ``progress request``: on the first working day of each month (or
  quarter), for open tasks without a deadline.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from dieuphoi.workdays import calendar

ONE_DAY = datetime.timedelta(days=1)

BEFORE_DEADLINE = "before_deadline"
ON_DEADLINE = "on_deadline"
URGING = "urging"
PART_BEFORE_DEADLINE = "part_before_deadline"


@dataclass(frozen=True)
class Rung:
    kind: str
    seq: int


@dataclass(frozen=True)
class LadderSettings:
    before_days: tuple[int, ...]
    urging_every: int
    escalate_after: int
    progress_every: str

    @classmethod
    def from_settings(cls) -> LadderSettings:
        before = tuple(
            sorted(
                {int(n) for n in getattr(settings, "REMINDER_BEFORE_DAYS", (5, 1))},
                reverse=True,
            )
        )
        return cls(
            before_days=tuple(n for n in before if n > 0),
            urging_every=int(getattr(settings, "URGING_EVERY_WORKING_DAYS", 3)),
            escalate_after=int(getattr(settings, "ESCALATE_AFTER_URGINGS", 3)),
            progress_every=str(getattr(settings, "PROGRESS_REQUEST_EVERY", "monthly")),
        )


def effective_dates(working_day: datetime.date) -> list[datetime.date]:
    """Dates whose effective day is ``working_day``: it and the days off
    that follow it."""
    dates = [working_day]
    day = working_day + ONE_DAY
    while not calendar.is_working_day(day):
        dates.append(day)
        day += ONE_DAY
        if len(dates) > calendar.MAX_SCAN_DAYS:
            raise ValueError("No working day found in ten years: check the calendar.")
    return dates


def approaching_rungs(
    day: datetime.date, before_days: tuple[int, ...], *, kind: str
) -> dict[datetime.date, Rung]:
    """``{deadline: Rung(kind, n)}`` for the "n days before" rungs and the
    "on the day" rung (``n = 0``) due on ``day``."""
    rungs: dict[datetime.date, Rung] = {}
    for n in before_days:
        for date in effective_dates(calendar.add_working_days(day, n)):
            rungs[date] = Rung(kind, n)
    for date in effective_dates(day):
        rungs.setdefault(date, Rung(kind, 0))
    return rungs


def urging_rungs(
    day: datetime.date, every: int, oldest: datetime.date | None
) -> dict[datetime.date, Rung]:
    """``{deadline: Rung(URGING, k)}`` for deadlines at ``k·every`` working
    days before ``day``, back to ``oldest`` (the oldest open deadline)."""
    rungs: dict[datetime.date, Rung] = {}
    if every <= 0 or oldest is None or oldest >= day:
        return rungs
    high = day  # W(n)
    n = 1
    while True:
        low = calendar.previous_working_day(high)  # W(n + 1)
        if n % every == 0:
            date = low
            while date < high:
                rungs[date] = Rung(URGING, n // every)
                date += ONE_DAY
        if low <= oldest:
            return rungs
        high = low
        n += 1


def deadline_rungs(
    day: datetime.date, ladder: LadderSettings, oldest: datetime.date | None
) -> dict[datetime.date, Rung]:
    """Every rung due on working day ``day`` for a task's own deadline."""
    rungs = urging_rungs(day, ladder.urging_every, oldest)
    approaching = approaching_rungs(day, ladder.before_days, kind=BEFORE_DEADLINE)
    for date, rung in approaching.items():
        if rung.seq == 0:
            rung = Rung(ON_DEADLINE, 0)
        rungs[date] = rung
    return rungs


def part_rungs(day: datetime.date, ladder: LadderSettings) -> dict[datetime.date, Rung]:
    """Rungs due on ``day`` for co-operating agencies' sub-deadlines: the
    same offsets, kind ``part_before_deadline`` (``seq`` 0 on the day)."""
    return approaching_rungs(day, ladder.before_days, kind=PART_BEFORE_DEADLINE)


def progress_period_start(day: datetime.date, every: str) -> datetime.date | None:
    """The first day of the period whose progress request is due on ``day``
    (the period's first working day), or None."""
    if every == "monthly":
        start = day.replace(day=1)
    elif every == "quarterly":
        start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        return None
    return start if calendar.working_day_on_or_after(start) == day else None
