"""The official buckets and the early warnings, in SQL and in plain Python.

Public names:

- ``BUCKETS``: ``completed_on_time``, ``completed_late``,
  ``in_progress_within_deadline``, ``overdue`` (API/URL names), and
  ``WARNINGS``: ``due_soon``, ``at_risk``.
- ``bucket_label(name)``, ``warning_label(name)``; ``BUCKET_LABELS``,
  ``WARNING_LABELS``.
- ``bucket_q(name, on, indexed=True)``, ``warning_q(name, on, indexed=True)``,
  ``in_view_q(on)``, ``open_q(on)``: ``Q`` objects for filters (``indexed=True``,
  the default) and for ``Count(filter=...)`` over many rows (``indexed=False``);
  both forms select the same rows.
- ``annotate_buckets(qs, on)``: adds ``bucket`` (a name, or ``None`` for a
  cancelled task), ``is_due_soon`` and ``is_at_risk``.
- ``bucket_of(task, on)`` / ``warnings_of(task, on)``: the plain-Python
  reference of the same rules (a dict or a Task), used by the property tests.
- ``why_at_risk(task, on) -> str | None``: the reason shown on the task.
- ``due_soon_limit(on)``, ``add_working_days(start, n)``, ``is_working_day``,
  ``overdue_cutoff(on)``, ``not_past_cutoff(on)``, ``is_late(deadline,
  completed_on)``, ``late_condition(on, deadline=, completed_on=)`` (SQL).

The rules, as of date D (default today in Asia/Ho_Chi_Minh):

- Tasks assigned after D are not in the view (``in_view_q``).
- A task is *completed on D* when its state is ``completed`` and its
  ``completed_on`` ≤ D; *cancelled on D* when ``cancelled`` and
  ``cancelled_on`` ≤ D; otherwise it is *open on D* (so a task completed or
  cancelled after D counts as open on D).
- A deadline that falls on a day off follows ``settings.DEADLINE_ON_DAY_OFF``
  (``dieuphoi.workdays.calendar``): ``next_working_day`` (default, Civil Code
  2015 Art. 148(5)) ends it at the end of the next working day;
  ``as_written`` keeps the written date. ``effective(deadline)`` below is
  ``calendar.effective_deadline``; ``cutoff(D)`` is ``calendar.overdue_cutoff(D)``
  (``effective(deadline) < D`` ⟺ ``deadline < cutoff(D)``, so the open-task
  rules compare the written deadline with one date and keep the indexes).
- completed_on_time: completed on D, and no deadline or completed_on ≤
  effective(deadline).
- completed_late: completed on D and completed_on > effective(deadline). In
  SQL ``completed_on - deadline > days off just before completed_on``
  (``deadline < cutoff(completed_on)``): one byte per row looked up in a
  per-day table built from the calendar (``late_condition``,
  ``days_off_table``; completions before 2000 are judged as written). No
  extra query, any range of dates.
- in_progress_within_deadline: open on D, and no deadline or deadline ≥
  cutoff(D).
- overdue: open on D and deadline < cutoff(D) (``next_working_day``: a
  Saturday deadline is overdue from Tuesday when Monday is worked).
- cancelled on D: no bucket, excluded from every count.
- On a past date D (before today) the state, the deadline, the lead agency
  and the progress are those in force on D, read from the dated history
  (``history``: state changes, deadline changes with their effective date,
  lead changes, progress updates as recorded), so a figure for a past date
  never changes afterwards (unless the calendar table or
  ``DEADLINE_ON_DAY_OFF`` changes: the rule is applied when asked); a completion counts from the day it was
  confirmed, judged on time by ``completed_on`` (the day the work was done)
  against the deadline in force on D. From today on the current columns
  are used: the services write the history so that they agree
  (``history=True`` forces the history form for any date, for the tests).
- due_soon: open on D and cutoff(D) ≤ deadline ≤ D + N working days
  (``settings.DUE_SOON_WORKING_DAYS``, default 5; working days from
  ``dieuphoi.workdays.calendar``: holidays package plus the admin table).
- at_risk: open on D, effective(deadline) after D (deadline ≥
  ``not_past_cutoff(D)`` = cutoff(D + 1 day)), and progress is more than
  ``settings.TASK_AT_RISK_GAP`` (default 25) percentage points behind the
  share of the time elapsed: ``progress < 100·(D - assigned)/(deadline -
  assigned) - gap``, computed in SQL without division as
  ``(progress + gap)·(deadline - assigned) < 100·(D - assigned)``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.models import local_today
from dieuphoi.workdays import calendar

from . import history as task_history
from .models import Task

S = Task.State

COMPLETED_ON_TIME = "completed_on_time"
COMPLETED_LATE = "completed_late"
IN_PROGRESS_WITHIN_DEADLINE = "in_progress_within_deadline"
OVERDUE = "overdue"
BUCKETS = (COMPLETED_ON_TIME, COMPLETED_LATE, IN_PROGRESS_WITHIN_DEADLINE, OVERDUE)
DUE_SOON = "due_soon"
AT_RISK = "at_risk"
WARNINGS = (DUE_SOON, AT_RISK)

BUCKET_LABELS = {
    COMPLETED_ON_TIME: _("Completed on time"),
    COMPLETED_LATE: _("Completed late"),
    IN_PROGRESS_WITHIN_DEADLINE: _("In progress within deadline"),
    OVERDUE: _("Overdue"),
}
WARNING_LABELS = {DUE_SOON: _("Due soon"), AT_RISK: _("At risk")}

OPEN_STATES = tuple(str(s) for s in Task.OPEN_STATES)


def bucket_label(name: str | None) -> str:
    if name is None:
        return gettext("Cancelled")
    return str(BUCKET_LABELS.get(name, name))


def warning_label(name: str) -> str:
    return str(WARNING_LABELS.get(name, name))


def due_soon_days() -> int:
    return int(getattr(settings, "DUE_SOON_WORKING_DAYS", 5))


def at_risk_gap() -> int:
    return int(getattr(settings, "TASK_AT_RISK_GAP", 25))


# --- working days -----------------------------------------------------------
#
# ``dieuphoi.workdays.calendar`` decides what a working day is (Mon-Fri minus
# Vietnamese public holidays, plus the admin table of announced days off and
# swapped working Saturdays); it caches, so these cost no query.


def is_working_day(day: datetime.date) -> bool:
    return calendar.is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The date ``n`` working days after ``start`` (``start`` itself not counted)."""
    return calendar.add_working_days(start, n)


def due_soon_limit(on: datetime.date) -> datetime.date:
    """Last deadline that counts as "due soon" on ``on``."""
    return calendar.add_working_days(on, due_soon_days())


# --- deadlines on a day off (settings.DEADLINE_ON_DAY_OFF) -------------------
#
# An open task is overdue on D when its written deadline < overdue_cutoff(D)
# (one parameter, so the deadline indexes still serve the range). A completed
# task is late when completed_on > effective_deadline(deadline), i.e. when
# deadline < overdue_cutoff(completed_on): per row, so in SQL a ``CASE`` over
# ``completed_on`` with one branch per run of days off (``cutoff_expression``).
# Its range starts at the earliest deadline on record (a row with
# completed_on ≤ deadline is on time whatever the ``CASE`` says), read by one
# index look-up (``_earliest_deadline``), and ends at max(D, today).


def overdue_cutoff(on: datetime.date) -> datetime.date:
    """An open task is overdue on ``on`` exactly when its deadline < this."""
    return calendar.overdue_cutoff(on)


def not_past_cutoff(on: datetime.date) -> datetime.date:
    """A deadline is still ahead after ``on`` (at risk, not yet due) exactly
    when it is ≥ this: its effective deadline is after ``on``."""
    return calendar.overdue_cutoff(on + datetime.timedelta(days=1))


def rule_key() -> tuple:
    """What the buckets depend on besides the tasks (for callers' caches):
    the rule for deadlines on a day off and the calendar's version."""
    return (calendar.deadline_rule(), calendar.calendar_version())


def is_late(deadline: datetime.date | None, completed_on: datetime.date) -> bool:
    """Reference rule: completed after the effective deadline."""
    return deadline is not None and completed_on > calendar.effective_deadline(deadline)


# The days off before each date, as one byte per day from ``TABLE_START``
# (``"0"`` + the count): ``overdue_cutoff(x) = x - count(x)``. Judging a
# completion per row then costs one byte look-up and no extra query, whatever
# the range of dates. Completions before ``TABLE_START`` are judged as
# written; a run of more than ``MAX_RUN`` days off counts as ``MAX_RUN``.
TABLE_START = datetime.date(2000, 1, 1)
MAX_RUN = 79
_tables: dict[tuple, bytes] = {}


def days_off_table(end: datetime.date) -> bytes:
    """Byte ``i``: ``48 + (x - overdue_cutoff(x))`` for ``x = TABLE_START + i``,
    up to ``end`` (cached per calendar version and rule)."""
    key = (calendar.calendar_version(), calendar.deadline_rule(), end)
    found = _tables.get(key)
    if found is not None:
        return found
    out = bytearray()
    day = TABLE_START
    run = 0  # days off just before ``day``
    previous_worked = calendar.is_working_day(day - datetime.timedelta(days=1))
    while day <= end:
        if not previous_worked:
            run += 1
        else:
            run = 0
        out.append(48 + min(run, MAX_RUN))
        previous_worked = calendar.is_working_day(day)
        day += datetime.timedelta(days=1)
    if len(_tables) > 32:
        _tables.clear()
    _tables[key] = bytes(out)
    return _tables[key]


class DaysOffBefore(Func):
    """``x - overdue_cutoff(x)`` for a date ``x`` (0 outside the table)."""

    output_field = IntegerField()
    arity = 1

    def __init__(self, expression, *, table: bytes, **extra):
        super().__init__(expression, **extra)
        self.table = table

    def _parts(self, compiler):
        sql, params = compiler.compile(self.source_expressions[0])
        last = TABLE_START + datetime.timedelta(days=len(self.table) - 1)
        return sql, params, TABLE_START.isoformat(), last.isoformat()

    def as_sqlite(self, compiler, connection, **extra_context):
        x, p, start, last = self._parts(compiler)
        return (
            f"(CASE WHEN {x} >= %s AND {x} <= %s THEN unicode(substr(%s, "
            f"CAST(julianday({x}) - julianday(%s) AS INTEGER) + 1, 1)) - 48 "
            "ELSE 0 END)",
            [*p, start, *p, last, self.table, *p, start],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        x, p, start, last = self._parts(compiler)
        return (
            f"(CASE WHEN ({x})::date >= %s::date AND ({x})::date <= %s::date "
            f"THEN get_byte(%s::bytea, ({x})::date - %s::date) - 48 ELSE 0 END)",
            [*p, start, *p, last, self.table, *p, start],
        )

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(
            f"DaysOffBefore is not defined for {connection.vendor}"
        )


def late_condition(on: datetime.date, *, deadline=None, completed_on=None):
    """``completed_on > effective_deadline(deadline)`` in SQL, for completions
    up to max(on, today): ``completed_on - deadline > days off before
    completed_on`` (``deadline < overdue_cutoff(completed_on)``). False for a
    NULL deadline."""
    deadline = F("deadline") if deadline is None else deadline
    completed_on = F("completed_on") if completed_on is None else completed_on
    if calendar.deadline_rule() == calendar.AS_WRITTEN:
        return GreaterThan(completed_on, deadline)
    # To the end of next year: one table serves every date until then. No
    # completion lies in the future, so a far "as of" date needs no more.
    today = local_today()
    last = min(max(on, today), today + datetime.timedelta(days=3660))
    table = days_off_table(datetime.date(last.year + 1, 12, 31))
    return GreaterThan(
        DaysBetween(completed_on, deadline), DaysOffBefore(completed_on, table=table)
    )


# --- SQL --------------------------------------------------------------------


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (``end - start``), both dates.

    SQLite stores dates as ISO text, so it needs ``julianday``; PostgreSQL
    subtracts dates to an integer.
    """

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def _compiled(self, compiler):
        parts, params = [], []
        for arg in self.source_expressions:
            sql, p = compiler.compile(arg)
            parts.append(sql)
            params.extend(p)
        return parts, params

    def as_sqlite(self, compiler, connection, **extra_context):
        (end, start), params = self._compiled(compiler)
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        (end, start), params = self._compiled(compiler)
        return f"(({end})::date - ({start})::date)", params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"DaysBetween is not defined for {connection.vendor}")


def _date(on: datetime.date) -> Value:
    return Value(on, output_field=DateField())


def in_view_q(on: datetime.date) -> Q:
    """Tasks that exist on ``on`` (assigned on or before it).

    The services refuse an assigned date in the future, so from today on
    every task is in view and no condition is needed.
    """
    if _is_present(on):
        return Q()
    return Q(assigned_on__lte=on)


def _is_present(on: datetime.date) -> bool:
    """Whether ``on`` is today or later.

    ``completed_on`` and ``cancelled_on`` are never in the future when they
    are written (the services take today or an earlier report date; the
    seeds likewise), so on such a date no task is "completed after ``on``":
    the state alone decides, which lets both databases use the state indexes.
    """
    return on >= local_today()


def use_history(on: datetime.date, history: bool | None = None) -> bool:
    """Whether figures as of ``on`` are read from the dated history: for
    dates before today (``history=None``), or when forced."""
    return not _is_present(on) if history is None else history


def lead_agency_q(agency_ids, on: datetime.date, *, history: bool | None = None) -> Q:
    """Tasks whose lead agency is one of ``agency_ids``: the lead of record
    on ``on`` for a past date (``history.lead_on``), else the current one."""
    ids = sorted({int(pk) for pk in agency_ids})
    if use_history(on, history):
        return Q(In(task_history.lead_on(on), ids))
    if len(ids) == 1:
        return Q(lead_agency_id=ids[0])
    return Q(lead_agency_id__in=ids)


def _history_open(st) -> Q:
    return Q(In(st, list(OPEN_STATES)))


def _history_bucket_q(name: str, on: datetime.date) -> Q:
    st = task_history.state_on(on)
    dl = task_history.deadline_on(on)
    completed = Q(Exact(st, S.COMPLETED.value))
    no_deadline = Q(IsNull(dl, True))
    if name == COMPLETED_ON_TIME:
        return completed & (no_deadline | ~Q(late_condition(on, deadline=dl)))
    if name == COMPLETED_LATE:
        return completed & Q(late_condition(on, deadline=dl))
    cutoff = _date(overdue_cutoff(on))
    if name == IN_PROGRESS_WITHIN_DEADLINE:
        return _history_open(st) & (no_deadline | Q(GreaterThanOrEqual(dl, cutoff)))
    if name == OVERDUE:
        return _history_open(st) & Q(LessThan(dl, cutoff))
    raise ValueError(name)


def _history_warning_q(name: str, on: datetime.date) -> Q:
    st = task_history.state_on(on)
    dl = task_history.deadline_on(on)
    if name == DUE_SOON:
        return (
            _history_open(st)
            & Q(GreaterThanOrEqual(dl, _date(overdue_cutoff(on))))
            & Q(LessThanOrEqual(dl, _date(due_soon_limit(on))))
        )
    if name == AT_RISK:
        return (
            _history_open(st)
            & Q(GreaterThanOrEqual(dl, _date(not_past_cutoff(on))))
            & Q(
                at_risk_condition(
                    on, deadline=dl, progress=task_history.progress_on(on)
                )
            )
        )
    raise ValueError(name)


def completed_q(on: datetime.date, *, history: bool | None = None) -> Q:
    if use_history(on, history):
        return Q(Exact(task_history.state_on(on), S.COMPLETED.value))
    if _is_present(on):
        return Q(state=S.COMPLETED)
    return Q(state=S.COMPLETED, completed_on__lte=on)


def cancelled_q(on: datetime.date, *, history: bool | None = None) -> Q:
    if use_history(on, history):
        return Q(Exact(task_history.state_on(on), S.CANCELLED.value))
    if _is_present(on):
        return Q(state=S.CANCELLED)
    return Q(state=S.CANCELLED, cancelled_on__lte=on)


def open_q(
    on: datetime.date, *, indexed: bool = True, history: bool | None = None
) -> Q:
    """Open on ``on``: an open state, or completed/cancelled after ``on``."""
    if use_history(on, history):
        return _history_open(task_history.state_on(on))
    now_open = Q(is_open=1) if indexed else Q(state__in=OPEN_STATES)
    if _is_present(on):
        return now_open
    return (
        now_open
        | Q(state=S.COMPLETED, completed_on__gt=on)
        | Q(state=S.CANCELLED, cancelled_on__gt=on)
    )


def counted_q(on: datetime.date, *, history: bool | None = None) -> Q:
    """In some bucket on ``on`` (not cancelled by then)."""
    return ~cancelled_q(on, history=history)


# Two equal forms of each rule. ``indexed=True`` (lists) compares the
# generated columns ``is_open`` and ``deadline_key`` (the deadline with "none"
# as 9999-12-31), so "open and no deadline or deadline >= D" is one index
# range. ``indexed=False`` (counts over many rows) compares the base columns:
# SQLite searches generated columns through an index but cannot read them
# from a covering index, so scans and aggregates use the stored columns.


def bucket_q(
    name: str,
    on: datetime.date,
    *,
    indexed: bool = True,
    history: bool | None = None,
) -> Q:
    """Tasks in bucket ``name`` on ``on``. The four are mutually exclusive.

    Before today (or with ``history=True``) from the dated history
    (correlated subqueries; ``indexed`` makes no difference there)."""
    if use_history(on, history):
        return _history_bucket_q(name, on)
    if name == COMPLETED_ON_TIME:
        if indexed:
            # deadline_key of "no deadline" is 9999-12-31: never late.
            return completed_q(on, history=False) & ~Q(
                late_condition(on, deadline=F("deadline_key"))
            )
        return completed_q(on, history=False) & (
            Q(deadline__isnull=True) | ~Q(late_condition(on))
        )
    if name == COMPLETED_LATE:
        # completed_on <= on, so a late task's deadline is before ``on``:
        # the bound lets a descending deadline scan skip the open tasks.
        key = "deadline_key" if indexed else "deadline"
        return completed_q(on, history=False) & Q(
            Q(**{f"{key}__lt": on}), late_condition(on, deadline=F(key))
        )
    cutoff = overdue_cutoff(on)
    if name == IN_PROGRESS_WITHIN_DEADLINE:
        if indexed:
            return open_q(on, history=False) & Q(deadline_key__gte=cutoff)
        return open_q(on, indexed=False, history=False) & (
            Q(deadline__isnull=True) | Q(deadline__gte=cutoff)
        )
    if name == OVERDUE:
        key = "deadline_key" if indexed else "deadline"
        return open_q(on, indexed=indexed, history=False) & Q(**{f"{key}__lt": cutoff})
    raise ValueError(name)


def at_risk_condition(on: datetime.date, *, deadline=None, progress=None):
    """``(progress + gap)·(deadline - assigned) < 100·(on - assigned)``."""
    gap = at_risk_gap()
    deadline = F("deadline") if deadline is None else deadline
    progress = F("progress") if progress is None else progress
    lhs = (progress + Value(gap)) * DaysBetween(deadline, F("assigned_on"))
    rhs = Value(100) * DaysBetween(_date(on), F("assigned_on"))
    return LessThan(lhs, rhs)


def warning_q(
    name: str,
    on: datetime.date,
    *,
    indexed: bool = True,
    history: bool | None = None,
) -> Q:
    if use_history(on, history):
        return _history_warning_q(name, on)
    key = "deadline_key" if indexed else "deadline"
    if name == DUE_SOON:
        return open_q(on, indexed=indexed, history=False) & Q(
            **{f"{key}__gte": overdue_cutoff(on), f"{key}__lte": due_soon_limit(on)}
        )
    if name == AT_RISK:
        return (
            open_q(on, indexed=indexed, history=False)
            & Q(**{f"{key}__gte": not_past_cutoff(on), "deadline__isnull": False})
            & Q(at_risk_condition(on))
        )
    raise ValueError(name)


def bucket_expression(on: datetime.date, *, history: bool | None = None) -> Case:
    return Case(
        *[
            When(bucket_q(name, on, indexed=False, history=history), then=Value(name))
            for name in BUCKETS
        ],
        default=Value(None),
        output_field=CharField(),
    )


def annotate_buckets(
    qs: QuerySet[Task], on: datetime.date, *, history: bool | None = None
) -> QuerySet[Task]:
    """``bucket``, ``is_due_soon`` and ``is_at_risk`` as of ``on``."""
    return qs.annotate(
        bucket=bucket_expression(on, history=history),
        is_due_soon=Case(
            When(
                warning_q(DUE_SOON, on, indexed=False, history=history),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_at_risk=Case(
            When(
                warning_q(AT_RISK, on, indexed=False, history=history),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def task_warnings(task: Task) -> list[str]:
    """Warning names of an annotated task (``annotate_buckets``)."""
    out = []
    if getattr(task, "is_due_soon", False):
        out.append(DUE_SOON)
    if getattr(task, "is_at_risk", False):
        out.append(AT_RISK)
    return out


# --- plain-Python reference ---------------------------------------------------


def _get(task: Any, name: str):
    return task[name] if isinstance(task, dict) else getattr(task, name)


def _is_completed(task, on) -> bool:
    completed_on = _get(task, "completed_on")
    return (
        _get(task, "state") == S.COMPLETED
        and completed_on is not None
        and completed_on <= on
    )


def _is_cancelled(task, on) -> bool:
    cancelled_on = _get(task, "cancelled_on")
    return (
        _get(task, "state") == S.CANCELLED
        and cancelled_on is not None
        and cancelled_on <= on
    )


def is_open_on(task, on: datetime.date) -> bool:
    return not _is_completed(task, on) and not _is_cancelled(task, on)


def bucket_of(task, on: datetime.date) -> str | None:
    """Reference rule: the bucket of ``task`` (dict or Task) on ``on``.

    Returns ``None`` for a task cancelled by ``on``. The caller excludes
    tasks assigned after ``on``.
    """
    deadline = _get(task, "deadline")
    if _is_cancelled(task, on):
        return None
    if _is_completed(task, on):
        if is_late(deadline, _get(task, "completed_on")):
            return COMPLETED_LATE
        return COMPLETED_ON_TIME
    if deadline is None or deadline >= overdue_cutoff(on):
        return IN_PROGRESS_WITHIN_DEADLINE
    return OVERDUE


def _elapsed(task, on) -> tuple[int, int]:
    assigned = _get(task, "assigned_on")
    return (on - assigned).days, (_get(task, "deadline") - assigned).days


def is_at_risk(task, on: datetime.date) -> bool:
    deadline = _get(task, "deadline")
    if not is_open_on(task, on) or deadline is None or deadline < not_past_cutoff(on):
        return False
    elapsed, total = _elapsed(task, on)
    return (_get(task, "progress") + at_risk_gap()) * total < 100 * elapsed


def is_due_soon(task, on: datetime.date) -> bool:
    deadline = _get(task, "deadline")
    return (
        is_open_on(task, on)
        and deadline is not None
        and overdue_cutoff(on) <= deadline <= due_soon_limit(on)
    )


def warnings_of(task, on: datetime.date) -> list[str]:
    out = []
    if is_due_soon(task, on):
        out.append(DUE_SOON)
    if is_at_risk(task, on):
        out.append(AT_RISK)
    return out


def why_at_risk(task, on: datetime.date) -> str | None:
    """Why the task is at risk on ``on``, or ``None`` when it is not."""
    if not is_at_risk(task, on):
        return None
    elapsed, total = _elapsed(task, on)
    return gettext(
        "Progress is %(progress)s%% while %(elapsed_share)s%% of the time has "
        "passed (%(elapsed)s of %(total)s days): more than %(gap)s points behind."
    ) % {
        "progress": _get(task, "progress"),
        # total is 0 for a deadline on the (day-off) assignment day that the
        # rule moves past ``on``.
        "elapsed_share": round(100 * elapsed / total) if total > 0 else 100,
        "elapsed": elapsed,
        "total": total,
        "gap": at_risk_gap(),
    }
