"""The task list's rows and the summary's cells, as their templates read them
(presentation: no HTML here, and none of it in the views).

- ``task_rows(tasks, on) -> list[TaskRow]``: one page of
  ``selectors.task_list``. The template reads the task itself through the
  display filters of ``templatetags.task_tags`` (dd/mm/yyyy dates, bucket
  and warning labels and classes, the state, the parties' names, the
  truncated latest update); the row adds what only the page knows: the
  working days to or past each deadline, counted for the whole page in one
  walk over the working-day calendar (``task_tags.deadline_distances``).
- ``list_rows(user, filters, on, after) -> RenderedRows``: one page of the
  list's rows rendered (``_task_rows.jinja``, with the "load more" row),
  cached per visible scope, filters, date and cursor until a task or the
  registry changes (``cache.list_rows``): a returning user's list costs
  neither the page's query nor its rendering. ``rows_html(rows, ...)``
  renders without the cache (the page with invalid filters).
- ``summary_page(user, filters, on) -> SummaryPage``: the summary's figures
  rendered (``_summary_body.html``), cached like the rows
  (``cache.summary_page``).
- ``summary_cells(summary, filters)``: gives the totals and each row of
  ``selectors.task_summary`` their ``cells`` (name, label, count, link to
  the list filtered the same way); the template formats the counts a row
  at a time (``rates.active_numbers``) and links those that are not zero.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import buckets, selectors
from . import cache as task_cache
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


ROWS_TEMPLATE = "tasks/_task_rows.jinja"
PAGE_SIZE = 50


class RenderedRows(NamedTuple):
    """One page of the list's rows as HTML, the ids of its tasks in order,
    and the address of the next rows ("" on the last page)."""

    html: SafeString
    task_ids: tuple[int, ...]
    more_url: str


def rows_html(
    rows: list[TaskRow],
    *,
    first_page: bool = True,
    more_url: str = "",
    errors: dict | None = None,
) -> SafeString:
    """``_task_rows.jinja`` for ``rows``. Rendered without the request: what
    is cached for everyone who sees the same tasks holds nothing of one
    request (no token, no user)."""
    detail_base = reverse("tasks:detail", args=[0])[: -len("0/")]
    html = (
        engines["jinja2"]
        .get_template(ROWS_TEMPLATE)
        .render(
            {
                "rows": rows,
                "detail_base": detail_base,
                "first_page": first_page,
                "more_url": more_url,
                "errors": errors or {},
            }
        )
    )
    # Jinja2 escaped every value (autoescape is forced on, core.jinja).
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def list_rows(
    *,
    user,
    filters,
    on: datetime.date,
    after: str | None = None,
    limit: int | None = None,
) -> RenderedRows:
    """One page (``limit``, else ``PAGE_SIZE``) of the visible tasks matching
    ``filters`` after the cursor ``after``, rendered. ``ValidationError`` for
    a bad cursor."""
    limit = limit or PAGE_SIZE

    def render() -> RenderedRows:
        page = selectors.task_list(
            user=user,
            filters=filters,
            on=on,
            after=after,
            limit=limit,
            # The rows show the lead agency only (not body, owner, sector)
            # and the parties' names.
            related=("lead_agency",),
            parts="names",
        )
        more_url = ""
        if page.next_cursor:
            query = urlencode({**filters.to_params(), "after": page.next_cursor})
            more_url = f"{reverse('tasks:list')}?{query}"
        html = rows_html(
            task_rows(page.items, on), first_page=not after, more_url=more_url
        )
        return RenderedRows(html, tuple(task.pk for task in page.items), more_url)

    return task_cache.list_rows(user, filters, on, after, render)


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


class SummaryPage(NamedTuple):
    """The summary's figures as HTML; ``has_chart`` (the page loads the
    chart's script), and the totals' counts and the agencies' ids in their
    order (what the view tells about the figures without reading the HTML).
    Plain values only: a cached lazy translation (the rates' labels) is
    rebuilt as a new class on every read, some 0.4 ms a page."""

    html: SafeString
    has_chart: bool
    totals: dict
    agency_ids: tuple[int, ...]


def chart_data(summary: dict, top: int = 15) -> dict:
    """The bar chart's data: the ``top`` agencies with the most overdue."""
    rows = summary["by_agency"][:top]
    return {
        "categories": [row["name"] for row in rows],
        "series": [
            {
                "key": name,
                "name": buckets.bucket_label(name),
                "data": [row[name] for row in rows],
            }
            for name in buckets.BUCKETS
        ],
    }


def summary_page(*, user, filters, on: datetime.date) -> SummaryPage:
    """The summary of the visible tasks matching ``filters`` as of ``on``,
    rendered without the request (cached for everyone with the same scope)."""

    def render() -> SummaryPage:
        summary = selectors.task_summary(user=user, filters=filters, on=on)
        summary_cells(summary, filters)
        chart = chart_data(summary) if summary["by_agency"] else None
        html = render_to_string(
            "tasks/_summary_body.html", {"summary": summary, "chart": chart}
        )
        return SummaryPage(
            html,
            chart is not None,
            {k: v for k, v in summary["totals"].items() if isinstance(v, int)},
            tuple(row["id"] for row in summary["by_agency"]),
        )

    return task_cache.summary_page(user, filters, on, render)
