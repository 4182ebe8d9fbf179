"""The task counts a report and a scorecard share, so both say the same.

``task_counts(body, period)`` counts the tasks ``body`` assigned in the
period's window (``assigned_on`` from ``start`` to ``end``), each in its
official bucket as of the cut-off ``end`` (``tasks.buckets``: from the dated
history when ``end`` is past, so a count for a past cut-off never changes),
overall and per lead agency of record on ``end`` (an agency that ended by
then counted under its successor, ``tasks.lineage``). Cancelled tasks are in
no bucket and no total. Each row: the four buckets, ``total``, ``due``,
``completed``, ``rates`` (``tasks.rates``) and ``params``: the task list's
URL parameters that list exactly the row's tasks.

``task_counts(body, period, extras=True)`` counts in the same grouped pass
what the scorecards add per lead agency of record (``extras``: ``{lead id:
{...}}``, before any lineage grouping):

- ``delay_days`` / ``delay_tasks``: working days past the effective deadline
  in force on ``end``, over the tasks completed late (to ``completed_on``)
  and the tasks still overdue on ``end`` (to ``end``);
- ``conclusion_tasks`` / ``conclusion_tasks_completed``: the tasks that carry
  out an activity's conclusion (``Task.source``), and those completed by
  ``end``.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.db.models.lookups import GreaterThan

from dieuphoi.org.models import Agency
from dieuphoi.tasks import buckets, lineage
from dieuphoi.tasks import history as task_history
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.rates import due_count, rates_from_counts
from dieuphoi.tasks.selectors import grouped_rows, rollup_counts
from dieuphoi.workdays import calendar


def period_params(period) -> dict[str, str]:
    """The task list's parameters for "assigned in the period, as of its
    cut-off" (``TaskFilters``)."""
    return {
        "on": period.end.isoformat(),
        "assigned_from": period.start.isoformat(),
        "assigned_to": period.end.isoformat(),
    }


def assigned_in(body_id: int, period) -> Q:
    return (
        Q(body_id=body_id)
        & Q(assigned_on__gte=period.start, assigned_on__lte=period.end)
        & buckets.in_view_q(period.end)
    )


def _finish(row: dict) -> dict:
    row["due"] = due_count(row)
    row["completed"] = row[buckets.COMPLETED_ON_TIME] + row[buckets.COMPLETED_LATE]
    row["rates"] = rates_from_counts(row)
    return row


def _extra_keys(end: datetime.date) -> dict:
    """``grouped_rows`` keys for the extras: the deadline in force of a task
    completed after it or overdue (``delay_from``), the completion day of
    the former (``delay_to``), whether it carries out a conclusion. Other
    tasks get ``None``/0, so the rows stay few."""
    from dieuphoi.activities.models import Conclusion

    type_id = ContentType.objects.get_for_model(Conclusion).pk
    # A list subquery on the source index: the row's other columns come from
    # the covering index, which holds no source.
    sourced = Q(pk__in=Task.objects.filter(source_type_id=type_id).values("pk"))

    def deadline(history):
        return task_history.deadline_on(end) if history else F("deadline")

    def completed_after_deadline(history):
        # A superset of "completed late" without the day-off rule (cheap
        # column comparisons); a group has one deadline and one completion
        # day, so its counts say whether it was late (``_extras``).
        return buckets.completed_q(end, history=history) & Q(
            GreaterThan(F("completed_on"), deadline(history))
        )

    def delay_from(history):
        overdue = buckets.bucket_q(buckets.OVERDUE, end, indexed=False, history=history)
        return Case(
            When(completed_after_deadline(history) | overdue, then=deadline(history)),
            output_field=_RAW_DATE,
        )

    def delay_to(history):
        return Case(
            When(completed_after_deadline(history), then=F("completed_on")),
            output_field=_RAW_DATE,
        )

    def conclusion(_history):
        return Case(
            When(sourced, then=Value(1)), default=Value(0), output_field=IntegerField()
        )

    return {"delay_from": delay_from, "delay_to": delay_to, "conclusion": conclusion}


# Dates read as the driver gives them (SQLite: ISO text, PostgreSQL: a date),
# turned into dates by ``_day``: Django's converter parses each of a few
# thousand keys with a regular expression.
_RAW_DATE = CharField()


def _day(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def working_day_index(days) -> dict[datetime.date, int]:
    """``{day: working days in (low, day]}`` for the days asked, one walk of
    the calendar from the earliest to the latest (no query: it caches)."""
    marks = set(days)
    if not marks:
        return {}
    low, high = min(marks), max(marks)
    index = {low: 0}
    count = 0
    day = low
    one = datetime.timedelta(days=1)
    while day < high:
        day += one
        if calendar.is_working_day(day):
            count += 1
        if day in marks:
            index[day] = count
    return index


def _extras(rows: list[dict], end: datetime.date) -> dict[int, dict]:
    """The extras per lead of record from the grouped rows (see the module
    docstring); the working days in one calendar walk."""
    out: dict[int, dict] = {}
    delayed = []
    for row in rows:
        n = sum(row[name] for name in buckets.BUCKETS)
        if not n:
            continue
        entry = out.setdefault(
            row["lead"],
            {
                "delay_days": 0,
                "delay_tasks": 0,
                "conclusion_tasks": 0,
                "conclusion_tasks_completed": 0,
            },
        )
        if row["conclusion"]:
            entry["conclusion_tasks"] += n
            entry["conclusion_tasks_completed"] += (
                row[buckets.COMPLETED_ON_TIME] + row[buckets.COMPLETED_LATE]
            )
        late = row[buckets.COMPLETED_LATE] + row[buckets.OVERDUE]
        if late:
            effective = calendar.effective_deadline(_day(row["delay_from"]))
            stop = _day(row["delay_to"]) or end
            delayed.append((entry, effective, stop, late))
    index = working_day_index(d for _e, *days, _n in delayed for d in days)
    for entry, effective, stop, n in delayed:
        entry["delay_days"] += max(0, index[stop] - index[effective]) * n
        entry["delay_tasks"] += n
    return out


def task_counts(body, period, *, extras: bool = False) -> dict:
    """``{"totals": row, "by_agency": [row + id, code, name]}``; agencies
    ordered by most overdue, then most tasks, then name. With ``extras``,
    also ``"extras"`` (see the module docstring), from the same pass."""
    body_id = getattr(body, "pk", body)
    qs = Task.objects.filter(assigned_in(body_id, period))
    grouped = grouped_rows(
        qs,
        period.end,
        warnings=False,
        keys=_extra_keys(period.end) if extras else None,
        by_sector=False,
    )
    totals, by_agency, _by_sector = rollup_counts(grouped)
    agencies = {
        a.pk: a
        for a in Agency.objects.filter(pk__in=[k for k in by_agency if k]).only(
            "id", "code", "name", "short_name", "valid_to"
        )
    }
    by_agency, agencies = lineage.group_by_successor(by_agency, agencies, period.end)
    base = period_params(period)
    rows = []
    for pk, counts in by_agency.items():
        if not counts["total"]:
            continue
        rows.append(
            _finish(
                {
                    "id": pk,
                    "code": agencies[pk].code,
                    "name": str(agencies[pk]),
                    "params": base | {"lead_agency": str(pk)},
                }
                | dict(counts)
            )
        )
    rows.sort(key=lambda r: (-r[buckets.OVERDUE], -r["total"], r["name"]))
    totals = _finish(dict(totals) | {"params": base})
    out = {"totals": totals, "by_agency": rows}
    if extras:
        out["extras"] = _extras(grouped, period.end)
    return out
