"""The task list's rows and the summary's cells, as their templates read them
(presentation: no HTML here, and none of it in the views).

- ``task_rows(tasks, on) -> list[TaskRow]``: one page of
  ``selectors.task_list``. The template reads the task itself through the
  display filters of ``templatetags.task_tags`` (dd/mm/yyyy dates, bucket
  and warning labels and classes, the state, the parties' names, the
  truncated latest update); the row adds what only the page knows: the
  working days to or past each deadline, counted for the whole page in one
  walk over the working-day calendar (``task_tags.deadline_distances``).
- ``summary_cells(summary, filters)``: gives the totals and each row of
  ``selectors.task_summary`` their ``cells`` (name, label, count, link to
  the list filtered the same way); the template formats the counts a row
  at a time (``rates.active_numbers``) and links those that are not zero.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from . import buckets
from .models import Task
from .templatetags import task_tags

# --- list rows ----------------------------------------------------------------


class TaskRow:
    """One row of the list: ``row.task`` and ``row.deadline_distance`` ("overdue
    by 3 working days", "2 working days left", "due today" or empty)."""

    __slots__ = ("deadline_distance", "task")

    def __init__(self, task: Task, deadline_distance: str = "") -> None:
        self.task = task
        self.deadline_distance = deadline_distance


def task_rows(tasks: list[Task], on: datetime.date) -> list[TaskRow]:
    """The rows of one page of tasks (``bucket``-annotated) as of ``on``."""
    # Working days to or past each effective deadline (DEADLINE_ON_DAY_OFF,
    # as the buckets and reminders count): one calendar walk for the page.
    distances = task_tags.deadline_distances(tasks, on)
    return [TaskRow(task, distances.get(task.pk, "")) for task in tasks]


# --- summary cells --------------------------------------------------------------

SUMMARY_COLUMNS = (*buckets.BUCKETS, "total", *buckets.WARNINGS)


def column_label(name: str) -> str:
    if name == "total":
        return gettext("Total")
    if name in buckets.WARNINGS:
        return buckets.warning_label(name)
    return buckets.bucket_label(name)


def summary_cells(summary: dict, filters) -> None:
    """Give the totals (``totals_cells``) and each row (``cells``, and
    ``kind``: agency or sector) of ``summary`` a cell per column: ``name``,
    ``label``, ``count`` and ``url``, the list filtered the same way (empty
    for the "no sector" row). ``filters``: the summary's ``TaskFilters``."""
    base = {
        k: v
        for k, v in filters.to_params().items()
        if k not in ("bucket", "warning", "sort")
    }
    base["on"] = summary["on"].isoformat()

    # ~150 rows x 7 cells: reverse once, label each column once and encode
    # each row's parameters once (bucket/warning are never in ``base``, so
    # they go last, as ``urlencode`` of the merged dict would put them).
    list_url = reverse("tasks:list")
    columns = []
    for name in SUMMARY_COLUMNS:
        if name in buckets.BUCKETS:
            tail = urlencode({"bucket": name})
        elif name in buckets.WARNINGS:
            tail = urlencode({"warning": name})
        else:
            tail = ""
        columns.append((name, column_label(name), tail))

    def cells(counts: dict, extra: dict | None) -> list[dict]:
        query = None if extra is None else urlencode({**base, **extra})
        out = []
        for name, label, tail in columns:
            url = ""
            if query is not None:
                joined = "&".join(p for p in (query, tail) if p)
                url = f"{list_url}?{joined}" if joined else list_url
            out.append(
                {"name": name, "label": label, "count": counts[name], "url": url}
            )
        return out

    summary["totals_cells"] = cells(summary["totals"], {})
    for row in summary["by_agency"]:
        row["kind"] = "agency"
        row["cells"] = cells(row, {"lead_agency": row["id"]})
    for row in summary["by_sector"]:
        row["kind"] = "sector"
        row["cells"] = cells(row, {"sector": row["id"]} if row["id"] else None)
