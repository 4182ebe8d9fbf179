"""The filtered task list as an XLSX workbook (openpyxl, write-only mode).

Dates are real dates shown as dd/mm/yyyy; statuses, stages and warnings are
translated labels. At most ``MAX_ROWS`` rows: a larger list ends with a note
row saying it was cut. A second sheet gives the official rates, overall and
per lead agency, each beside its denominator, as numbers (counts
``#,##0``, rates ``0.00%``: Excel shows them in the reader's format, e.g.
21.914 and 98,62% in Vietnamese), with the rounding rule. Queries: the
tasks (one cursor) and their co-operating agencies once per ``CHUNK`` rows,
whatever the size up to that, plus the summary's grouped counts and names
(``selectors.task_summary``).
"""

from __future__ import annotations

import datetime
import io

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dieuphoi.core import xlsx

from . import buckets, selectors
from .forms import filter_label
from .rates import ROUNDING

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
CHUNK = 2000
DATE_FORMAT = xlsx.DATE_FORMAT
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"


def _columns() -> list[tuple[str, int]]:
    """(header, width) of each column, in the order of ``_row``."""
    return [
        (gettext("Code"), 14),
        (gettext("Title"), 60),
        (gettext("Assigning body"), 22),
        (gettext("Source"), 28),
        (gettext("Lead agency"), 30),
        (gettext("Co-operating agencies"), 40),
        (gettext("Person in charge"), 24),
        (gettext("Sector"), 22),
        (gettext("Key task"), 10),
        (gettext("Assigned on"), 13),
        (gettext("Original deadline"), 13),
        (gettext("Deadline"), 13),
        (gettext("Extensions"), 10),
        (gettext("Status"), 26),
        (gettext("Warnings"), 20),
        (gettext("Stage"), 26),
        (gettext("Progress (%)"), 11),
        (gettext("Completed on"), 13),
        (gettext("Latest update on"), 13),
        (gettext("Latest update"), 60),
    ]


def _row(task) -> list:
    # A party sees its own part, not the others' (selectors.listed_parts).
    parts = task.parts.all()
    if task.source_document_id:
        source = task.source_document.reference
    else:
        source = task.source_text
    return [
        task.code,
        task.title,
        str(task.body),
        source,
        task.lead_agency.name,
        "; ".join(p.party_full_name for p in parts),
        str(task.owner) if task.owner_id else "",
        task.sector.name if task.sector_id else "",
        gettext("Yes") if task.is_key else "",
        task.assigned_on,
        task.original_deadline,
        task.deadline,
        task.extension_count or None,
        buckets.bucket_label(task.bucket),
        ", ".join(buckets.warning_label(w) for w in buckets.task_warnings(task)),
        str(task.get_state_display()),
        task.progress,
        task.completed_on,
        task.last_update_on,
        task.last_update_text,
    ]


def export_queryset(*, user, filters: selectors.TaskFilters, on: datetime.date):
    """The visible tasks matching ``filters``, annotated and sorted as the list."""
    sort = filters.sort if filters.sort in selectors.SORTS else selectors.DEFAULT_SORT
    order = [f"-{name}" if desc else name for name, desc in selectors.SORTS[sort]]
    qs = (
        selectors.task_queryset(user=user, filters=filters, on=on)
        .select_related("body", "lead_agency", "sector", "owner", "source_document")
        .defer("description", "search_text")
        .prefetch_related(
            Prefetch(
                "parts",
                queryset=selectors.listed_parts(user).select_related("agency", "body"),
            )
        )
    )
    return buckets.annotate_buckets(qs, on).order_by(*order)


def _rates_columns() -> list[tuple[str, int]]:
    return [
        (gettext("Lead agency"), 36),
        *[(buckets.bucket_label(name), 14) for name in buckets.BUCKETS],
        (gettext("Total"), 10),
        (gettext("Tasks due"), 12),
    ]


def _rates_sheet(wb, *, user, filters: selectors.TaskFilters, on: datetime.date):
    """Rates overall and per lead agency (the list's filters, bucket and
    warning left out: a rate over one bucket says nothing)."""
    summary = selectors.task_summary(
        user=user, on=on, filters=filters.replace(bucket=None, warning=None)
    )
    ws = wb.create_sheet(gettext("Rates")[:31])
    columns = _rates_columns()
    rates = summary["totals"]["rates"]
    headers = [title for title, _width in columns] + [
        f"{rate.label} ({rate.denominator_label})" for rate in rates
    ]
    widths = [width for _title, width in columns] + [18] * len(rates)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "B2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    header = []
    for title in headers:
        cell = xlsx.text_cell(ws, title)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    ws.append(header)

    def line(name: str, row: dict, font=None) -> list:
        out = [xlsx.text_cell(ws, name)]
        for value in [*(row[n] for n in buckets.BUCKETS), row["total"], row["due"]]:
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = COUNT_FORMAT
            out.append(cell)
        for rate in row["rates"]:
            value = rate.value
            cell = WriteOnlyCell(
                ws, value=None if value is None else float(value / 100)
            )
            cell.number_format = RATE_FORMAT
            out.append(cell)
        if font is not None:
            for cell in out:
                cell.font = font
        return out

    ws.append(line(gettext("All tasks"), summary["totals"], bold))
    for row in summary["by_agency"]:
        ws.append(line(row["name"], row))
    ws.append([])
    as_of = WriteOnlyCell(ws, value=on)
    as_of.number_format = DATE_FORMAT
    ws.append(xlsx.row(ws, [gettext("Statuses as of"), as_of]))
    ws.append(xlsx.row(ws, [str(ROUNDING)]))
    ws.append(
        xlsx.row(
            ws,
            [
                gettext(
                    "Tasks due: completed (on time or late) plus overdue not "
                    "completed. Cancelled tasks are not counted."
                )
            ],
        )
    )


def tasks_xlsx(
    *, user, filters: selectors.TaskFilters, on: datetime.date
) -> tuple[bytes, str]:
    """``(content, filename)`` of the workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("Tasks")[:31])
    columns = _columns()
    for index, (_header, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "C2"

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    header = []
    for title, _width in columns:
        cell = xlsx.text_cell(ws, title)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    ws.append(header)

    written = 0
    truncated = False
    rows = export_queryset(user=user, filters=filters, on=on)[: MAX_ROWS + 1]
    for task in rows.iterator(chunk_size=CHUNK):
        if written == MAX_ROWS:
            truncated = True
            break
        selectors.redact_party_rows(user, [task])
        # Text as text (never a formula), dates as dd/mm/yyyy dates.
        ws.append(xlsx.row(ws, _row(task)))
        written += 1
    if truncated:
        note = xlsx.text_cell(
            ws,
            gettext(
                "The list was cut at %(max)s rows: narrow the filters to export "
                "the rest."
            )
            % {"max": f"{MAX_ROWS:,}".replace(",", ".")},
        )
        note.font = Font(bold=True, color="B02A37")
        ws.append([note])

    _rates_sheet(wb, user=user, filters=filters, on=on)

    about = wb.create_sheet(gettext("About")[:31])
    as_of = WriteOnlyCell(about, value=on)
    as_of.number_format = DATE_FORMAT
    about.append(xlsx.row(about, [gettext("Statuses as of"), as_of]))
    about.append(
        xlsx.row(
            about,
            [
                gettext("Exported at"),
                timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            ],
        )
    )
    about.append(xlsx.row(about, [gettext("Exported by"), str(user)]))
    about.append(xlsx.row(about, [gettext("Rows"), written]))
    for name, value in filters.to_params().items():
        about.append(xlsx.row(about, [filter_label(name), value]))

    buffer = io.BytesIO()
    wb.save(buffer)
    filename = f"{slugify(gettext('tasks')) or 'tasks'}-{on.isoformat()}.xlsx"
    return buffer.getvalue(), filename
