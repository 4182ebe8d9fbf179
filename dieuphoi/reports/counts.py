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
"""

from __future__ import annotations

from django.db.models import Q

from dieuphoi.org.models import Agency
from dieuphoi.tasks import buckets, lineage
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.rates import due_count, rates_from_counts
from dieuphoi.tasks.selectors import grouped_counts


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


def task_counts(body, period) -> dict:
    """``{"totals": row, "by_agency": [row + id, code, name]}``; agencies
    ordered by most overdue, then most tasks, then name."""
    body_id = getattr(body, "pk", body)
    qs = Task.objects.filter(assigned_in(body_id, period))
    totals, by_agency, _by_sector = grouped_counts(qs, period.end, warnings=False)
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
    return {"totals": totals, "by_agency": rows}
