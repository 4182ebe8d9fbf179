"""The reminder ladder as date arithmetic: which deadlines get which rung on
working day D. Pure functions of the working-day calendar (no task query).

Definitions (all counts in working days, ``dieuphoi.workdays.calendar``).
A deadline on a day off follows ``settings.DEADLINE_ON_DAY_OFF`` (the
calendar's ``effective_deadline``, ``due_working_day``, ``overdue_cutoff``,
``deadlines_due_on``), so the ladder agrees with the buckets and the task
page. Reminders keep the *written* deadline as their key.

- A deadline's *due working day* (``calendar.due_working_day``) is the
  working day its reminders count to: under ``next_working_day`` (the
  default, Civil Code 2015 Art. 148(5)) the deadline itself when worked,
  else the next working day (a deadline on Saturday is due on Monday);
  under ``as_written`` the last working day on or before it (a deadline on
  Saturday is met by Friday's work).
- ``before n``: sent ``n`` working days before the due working day. On day
  D that is every deadline in ``calendar.deadlines_due_on(add_working_days(D,
  n))``: that working day and the days off right before it
  (``next_working_day``) or right after it (``as_written``): several
  calendar dates map to one working day around weekends and Tết.
- ``on the deadline``: sent on the due working day:
  ``deadlines_due_on(D)``.
- ``urging``: a task is overdue on D when its *effective deadline*
  (``calendar.effective_deadline``: the due working day under
  ``next_working_day``, the written date under ``as_written``) is before
  D, i.e. its written deadline < ``calendar.overdue_cutoff(D)``. The next
  urging is due on D when ``U`` working days (``URGING_EVERY_WORKING_DAYS``)
  have passed since the last urging (a notice or a letter), or since the
  effective deadline when there was none: ``working_days_between(base, D)
  >= U`` with ``base = max(effective deadline, last urging)``. Two dates per
  run express it on the written columns, so SQL compares them set-based:
  ``last urging <= urging_cutoff(D, U)`` and ``written deadline <
  urging_deadline_cutoff(D, U)``. A missed day, a server that was down or
  go-live with tasks far overdue catch up with one urging per task per
  run, numbered from the task's count. When the job runs every working day
  urging k goes out on ``urging_day(deadline, k, U)``, U·k working days
  after the effective deadline (``urging_rungs`` gives the same from the
  other side: the rule before counts were kept; the tests check they
  agree).
- ``confirmation``: a task reported done and not confirmed after N working
  days (``CONFIRMATION_REMINDER_WORKING_DAYS``): ``reported_done_on <=
  urging_cutoff(D, N)``.
- ``progress request``: on the first working day of each month (or
  quarter), for open tasks without a deadline.
- ``working_days_from(D, deadlines)``: working days from D to each
  deadline's effective deadline (negative: overdue), for the task list, the
  task page and the letters' "days overdue" column.
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
    confirm_after: int = 3

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
            confirm_after=int(
                getattr(settings, "CONFIRMATION_REMINDER_WORKING_DAYS", 3)
            ),
        )


def urging_cutoff(day: datetime.date, every: int) -> datetime.date:
    """The last date ``X`` with ``working_days_between(X, day) >= every``
    (``day`` a working day, ``every >= 1``): a task whose last urging (and
    effective deadline, ``urging_deadline_cutoff``) is on or before it is
    due for its next urging on ``day``; a report waiting for confirmation
    since on or before it is reminded (``every`` = N).

    ``working_days_between(X, day)`` counts the working days in ``(X,
    day]``; it is ``every`` up to the day before the ``every - 1``-th
    working day before ``day`` (the days off just before that one count
    the same as the working day before them).
    """
    if every < 1:
        raise ValueError("every must be at least 1")
    return calendar.add_working_days(day, 1 - every) - ONE_DAY


def urging_deadline_cutoff(day: datetime.date, every: int) -> datetime.date:
    """The date ``X`` such that a deadline written as ``d`` has had at least
    ``every`` working days pass since its effective deadline on working day
    ``day`` exactly when ``d < X`` (``working_days_between(
    effective_deadline(d), day) >= every``): ``effective_deadline(d) <=
    urging_cutoff(day, every)``, which ``overdue_cutoff`` turns into a
    bound on the written date."""
    return calendar.overdue_cutoff(urging_cutoff(day, every) + ONE_DAY)


def urging_day(deadline: datetime.date, k: int, every: int) -> datetime.date:
    """The working day urging ``k`` (from 1) is due for ``deadline`` when
    the job runs every working day and nothing else urged the task: ``k ·
    every`` working days after its effective deadline."""
    if k < 1 or every < 1:
        raise ValueError("k and every must be at least 1")
    return calendar.add_working_days(calendar.effective_deadline(deadline), k * every)


def approaching_rungs(
    day: datetime.date, before_days: tuple[int, ...], *, kind: str
) -> dict[datetime.date, Rung]:
    """``{written deadline: Rung(kind, n)}`` for the "n days before" rungs
    and the "on the day" rung (``n = 0``) due on ``day``: the deadlines
    whose due working day is ``n`` working days after ``day``."""
    rungs: dict[datetime.date, Rung] = {}
    for n in before_days:
        for date in calendar.deadlines_due_on(calendar.add_working_days(day, n)):
            rungs[date] = Rung(kind, n)
    for date in calendar.deadlines_due_on(day):
        rungs.setdefault(date, Rung(kind, 0))
    return rungs


def urging_rungs(
    day: datetime.date, every: int, oldest: datetime.date | None
) -> dict[datetime.date, Rung]:
    """``{written deadline: Rung(URGING, k)}`` for the deadlines whose
    effective deadline is ``k·every`` working days before ``day``, back to
    ``oldest`` (the oldest open deadline).

    The deadlines whose effective deadline is ``m`` working days before
    ``day`` are ``deadlines_due_on(add_working_days(day, -m))`` under both
    rules (under ``as_written`` a day off right after that working day is
    itself ``m`` working days before ``day``)."""
    rungs: dict[datetime.date, Rung] = {}
    if every <= 0 or oldest is None or oldest >= day:
        return rungs
    working_day = day
    k = 0
    while True:
        working_day = calendar.add_working_days(working_day, -every)
        k += 1
        dates = calendar.deadlines_due_on(working_day)
        for date in dates:
            rungs[date] = Rung(URGING, k)
        if dates[0] <= oldest:
            return rungs


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


def working_days_from(day: datetime.date, dates) -> dict[datetime.date, int]:
    """``{deadline: n}`` for many written deadlines at once, one walk over
    the calendar: ``n = working_days_between(day, effective_deadline(d))``:
    the working days left until the deadline (0 on its effective deadline),
    negative past it (``-n``: working days overdue). Under
    ``next_working_day`` a deadline on Saturday has 1 working day left on
    Friday and is due on Monday. For a page of rows or a letter's table (the
    calendar is walked once from the earliest date to the latest)."""
    written = {d for d in dates if isinstance(d, datetime.date)}
    if not written:
        return {}
    effective = {d: calendar.effective_deadline(d) for d in written}
    wanted = sorted(set(effective.values()))
    low = min(wanted[0], day)
    high = max(wanted[-1], day)
    # cumulative[d]: working days in (low, d], for the dates asked and ``day``.
    marks = {*wanted, day}
    cumulative: dict[datetime.date, int] = {low: 0}
    count = 0
    current = low
    while current < high:
        current += ONE_DAY
        if calendar.is_working_day(current):
            count += 1
        if current in marks:
            cumulative[current] = count
    base = cumulative[day]
    return {d: cumulative[e] - base for d, e in effective.items()}
