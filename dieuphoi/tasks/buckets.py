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
- ``due_soon_limit(on)``, ``add_working_days(start, n)``, ``is_working_day``.

The rules, as of date D (default today in Asia/Ho_Chi_Minh):

- Tasks assigned after D are not in the view (``in_view_q``).
- A task is *completed on D* when its state is ``completed`` and its
  ``completed_on`` ≤ D; *cancelled on D* when ``cancelled`` and
  ``cancelled_on`` ≤ D; otherwise it is *open on D* (so a task completed or
  cancelled after D counts as open on D).
- completed_on_time: completed on D, and no deadline or completed_on ≤ deadline.
- completed_late: completed on D and completed_on > deadline.
- in_progress_within_deadline: open on D, and no deadline or deadline ≥ D.
- overdue: open on D and deadline < D.
- cancelled on D: no bucket, excluded from every count.
- Buckets use the current approved deadline (after any extension) and the
  current progress: the "as of" view is historical for dates, not for
  deadline changes or progress.
- due_soon: open on D and D ≤ deadline ≤ D + N working days
  (``settings.DUE_SOON_WORKING_DAYS``, default 5; working days from
  ``dieuphoi.workdays.calendar``: holidays package plus the admin table).
- at_risk: open on D, deadline after D, and progress is more than
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
from django.db.models.lookups import LessThan
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.models import local_today
from dieuphoi.workdays import calendar

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


def completed_q(on: datetime.date) -> Q:
    if _is_present(on):
        return Q(state=S.COMPLETED)
    return Q(state=S.COMPLETED, completed_on__lte=on)


def cancelled_q(on: datetime.date) -> Q:
    if _is_present(on):
        return Q(state=S.CANCELLED)
    return Q(state=S.CANCELLED, cancelled_on__lte=on)


def open_q(on: datetime.date, *, indexed: bool = True) -> Q:
    """Open on ``on``: an open state, or completed/cancelled after ``on``."""
    now_open = Q(is_open=1) if indexed else Q(state__in=OPEN_STATES)
    if _is_present(on):
        return now_open
    return (
        now_open
        | Q(state=S.COMPLETED, completed_on__gt=on)
        | Q(state=S.CANCELLED, cancelled_on__gt=on)
    )


def counted_q(on: datetime.date) -> Q:
    """In some bucket on ``on`` (not cancelled by then)."""
    return ~cancelled_q(on)


# Two equal forms of each rule. ``indexed=True`` (lists) compares the
# generated columns ``is_open`` and ``deadline_key`` (the deadline with "none"
# as 9999-12-31), so "open and no deadline or deadline >= D" is one index
# range. ``indexed=False`` (counts over many rows) compares the base columns:
# SQLite searches generated columns through an index but cannot read them
# from a covering index, so scans and aggregates use the stored columns.


def bucket_q(name: str, on: datetime.date, *, indexed: bool = True) -> Q:
    """Tasks in bucket ``name`` on ``on``. The four are mutually exclusive."""
    if name == COMPLETED_ON_TIME:
        if indexed:
            return completed_q(on) & Q(completed_on__lte=F("deadline_key"))
        return completed_q(on) & (
            Q(deadline__isnull=True) | Q(completed_on__lte=F("deadline"))
        )
    if name == COMPLETED_LATE:
        # completed_on <= on, so a late task's deadline is before ``on``:
        # the bound lets a descending deadline scan skip the open tasks.
        key = "deadline_key" if indexed else "deadline"
        return completed_q(on) & Q(**{f"{key}__lt": on, "completed_on__gt": F(key)})
    if name == IN_PROGRESS_WITHIN_DEADLINE:
        if indexed:
            return open_q(on) & Q(deadline_key__gte=on)
        return open_q(on, indexed=False) & (
            Q(deadline__isnull=True) | Q(deadline__gte=on)
        )
    if name == OVERDUE:
        key = "deadline_key" if indexed else "deadline"
        return open_q(on, indexed=indexed) & Q(**{f"{key}__lt": on})
    raise ValueError(name)


def at_risk_condition(on: datetime.date):
    """``(progress + gap)·(deadline - assigned) < 100·(on - assigned)``."""
    gap = at_risk_gap()
    lhs = (F("progress") + Value(gap)) * DaysBetween(F("deadline"), F("assigned_on"))
    rhs = Value(100) * DaysBetween(_date(on), F("assigned_on"))
    return LessThan(lhs, rhs)


def warning_q(name: str, on: datetime.date, *, indexed: bool = True) -> Q:
    key = "deadline_key" if indexed else "deadline"
    if name == DUE_SOON:
        return open_q(on, indexed=indexed) & Q(
            **{f"{key}__gte": on, f"{key}__lte": due_soon_limit(on)}
        )
    if name == AT_RISK:
        return (
            open_q(on, indexed=indexed)
            & Q(**{f"{key}__gt": on, "deadline__isnull": False})
            & Q(at_risk_condition(on))
        )
    raise ValueError(name)


def bucket_expression(on: datetime.date) -> Case:
    return Case(
        *[
            When(bucket_q(name, on, indexed=False), then=Value(name))
            for name in BUCKETS
        ],
        default=Value(None),
        output_field=CharField(),
    )


def annotate_buckets(qs: QuerySet[Task], on: datetime.date) -> QuerySet[Task]:
    """``bucket``, ``is_due_soon`` and ``is_at_risk`` as of ``on``."""
    return qs.annotate(
        bucket=bucket_expression(on),
        is_due_soon=Case(
            When(warning_q(DUE_SOON, on, indexed=False), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_at_risk=Case(
            When(warning_q(AT_RISK, on, indexed=False), then=Value(True)),
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
        if deadline is None or _get(task, "completed_on") <= deadline:
            return COMPLETED_ON_TIME
        return COMPLETED_LATE
    if deadline is None or deadline >= on:
        return IN_PROGRESS_WITHIN_DEADLINE
    return OVERDUE


def _elapsed(task, on) -> tuple[int, int]:
    assigned = _get(task, "assigned_on")
    return (on - assigned).days, (_get(task, "deadline") - assigned).days


def is_at_risk(task, on: datetime.date) -> bool:
    deadline = _get(task, "deadline")
    if not is_open_on(task, on) or deadline is None or deadline <= on:
        return False
    elapsed, total = _elapsed(task, on)
    return (_get(task, "progress") + at_risk_gap()) * total < 100 * elapsed


def is_due_soon(task, on: datetime.date) -> bool:
    deadline = _get(task, "deadline")
    return (
        is_open_on(task, on)
        and deadline is not None
        and on <= deadline <= due_soon_limit(on)
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
        "elapsed_share": round(100 * elapsed / total),
        "elapsed": elapsed,
        "total": total,
        "gap": at_risk_gap(),
    }
