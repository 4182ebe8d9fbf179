"""The agency scorecards page and its XLSX export (``scorecards``).

| URL name | who |
|---|---|
| ``scorecards`` | who sees the body (its members, administrators, city leadership viewers): 404 for anyone else, so for an outsider and for another province's user asking for the Hanoi team |
| ``scorecards-xlsx`` | the same |

Parameters: ``body`` (a body the user sees; default: the user's own, or
the Hanoi team for administrators and leadership viewers), ``type`` (a
period type) and ``period`` (a ``Period.key``; default the latest period
of the type whose cut-off is past). A bad type or period shows the error
and counts nothing; a body the user may not see answers 404.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dieuphoi.core import params, xlsx
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Body
from dieuphoi.org.permissions import body_roles, visible_body_ids
from dieuphoi.tasks import buckets
from dieuphoi.tasks.rates import ROUNDING

from . import periods, scorecards

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"
DELAY_FORMAT = "0.0"


# --- which body, which period -------------------------------------------------------


def scorecard_bodies(user) -> list[Body]:
    """The bodies whose scorecards ``user`` may read (those they see that
    exist today), the user's own first."""
    ids = visible_body_ids(user)
    qs = Body.objects.as_of(local_today())
    if ids is not None:
        if not ids:
            return []
        qs = qs.filter(pk__in=sorted(ids))
    return list(qs.order_by("kind", "name", "id"))


def _default_body(user, bodies: list[Body]) -> Body:
    own = [b for b in bodies if b.pk in body_roles(user)]
    if own:
        return own[0]
    from dieuphoi.org.seed import HANOI_TEAM_KEY

    return next((b for b in bodies if b.key == HANOI_TEAM_KEY), bodies[0])


def pick_body(user, value: str | None) -> Body:
    """The body asked for (``value``: an id), else the user's default; 404
    when it is not one the user sees, or the user sees none."""
    bodies = scorecard_bodies(user)
    if not bodies:
        raise Http404
    if not value:
        return _default_body(user, bodies)
    pk = params.parse_id_or_none(value)
    found = next((b for b in bodies if b.pk == pk), None)
    if found is None:
        raise Http404
    return found


def pick_period(query) -> tuple[str, periods.Period | None, dict[str, str]]:
    """``(type, period, errors)`` from ``type`` and ``period`` parameters: the
    period given wins unless the type was changed to another one."""
    errors: dict[str, str] = {}
    type_ = (query.get("type") or "").strip()
    key = (query.get("period") or "").strip()
    if type_ and type_ not in periods.enabled_types():
        errors["type"] = gettext("Unknown period type “%(value)s”.") % {"value": type_}
        return type_, None, errors
    found = None
    if key:
        try:
            found = scorecards.parse_period(key)
        except ValidationError as exc:
            errors["period"] = " ".join(exc.messages)
            return type_, None, errors
    if found is not None and (not type_ or found.type == type_):
        return found.type, found, errors
    type_ = type_ or periods.PeriodType.ANNUAL.value
    if type_ == periods.PeriodType.AD_HOC:
        errors["period"] = gettext("An ad hoc period needs its own dates.")
        return type_, None, errors
    return type_, scorecards.default_period(type_), errors


# --- the page ------------------------------------------------------------------------------


def _cell_urls(rows: list[dict]) -> None:
    """Each row's links to the task list: its tasks, those completed on
    time, those overdue (as of the cut-off)."""
    list_url = reverse("tasks:list")
    for row in rows:
        query = urlencode(row["params"])
        row["url_total"] = f"{list_url}?{query}"
        row["url_on_time"] = (
            f"{list_url}?{query}&{urlencode({'bucket': buckets.COMPLETED_ON_TIME})}"
        )
        row["url_overdue"] = (
            f"{list_url}?{query}&{urlencode({'bucket': buckets.OVERDUE})}"
        )
        row["url_late"] = (
            f"{list_url}?{query}&{urlencode({'bucket': buckets.COMPLETED_LATE})}"
        )


def _context(request) -> dict:
    body = pick_body(request.user, request.GET.get("body"))
    type_, period, errors = pick_period(request.GET)
    bodies = scorecard_bodies(request.user)
    context = {
        "body": body,
        "bodies": bodies if len(bodies) > 1 else [],
        "type": type_,
        "types": [(t, periods.PeriodType(t).label) for t in scorecards.picker_types()],
        "period": period,
        "errors": errors,
        "rows": None,
        "rank_rule": scorecards.RANK_RULE,
        "delay_rule": scorecards.DELAY_RULE,
        "rounding": ROUNDING,
    }
    choices = []
    if type_ in scorecards.picker_types():
        choices = scorecards.period_choices(type_)
    if period is not None and all(p.key != period.key for p in choices):
        choices = [period, *choices]
    context["period_choices"] = choices
    if period is not None:
        counted = scorecards.as_of_period(period)
        context["as_of"] = counted.end
        context["running"] = counted.end != period.end
        context["rows"] = scorecards.agency_scorecards(body, counted)
        query = {"body": body.pk, "type": period.type, "period": period.key}
        context["xlsx_url"] = f"{reverse('reports:scorecards-xlsx')}?{urlencode(query)}"
    return context


@login_required
@require_GET
def scorecards_page(request):
    context = _context(request)
    rows = context["rows"]
    if rows:
        _cell_urls(rows)
        context["chart"] = scorecards.chart_data(rows)
    return render_page(request, "reports/scorecards.html", context, "scorecard-table")


# --- XLSX --------------------------------------------------------------------------------


def _columns() -> list[tuple[str, int]]:
    return [
        (gettext("Rank"), 7),
        (gettext("Code"), 10),
        (gettext("Lead agency"), 36),
        (gettext("Tasks assigned"), 11),
        (gettext("Completed on time"), 11),
        (gettext("Completed"), 11),
        (gettext("On-time rate (over tasks completed)"), 13),
        (gettext("Overdue"), 10),
        (gettext("Completed late or overdue"), 12),
        (gettext("Average delay (working days)"), 12),
        (gettext("Urgings received"), 10),
        (gettext("Contributions expected"), 12),
        (gettext("Contributions submitted"), 12),
        (gettext("Contributions on time"), 12),
        (gettext("Consultation answers expected"), 12),
        (gettext("Consultation answers given"), 12),
        (gettext("Consultation answers on time"), 12),
        (gettext("Tasks from conclusions"), 12),
        (gettext("Tasks from conclusions completed"), 12),
    ]


def _number(ws, value, number_format: str):
    if value is None:
        return xlsx.text_cell(ws, "—")
    out = WriteOnlyCell(ws, value=value)
    out.number_format = number_format
    return out


def scorecards_xlsx_bytes(body, period, as_of, rows: list[dict]) -> bytes:
    """The scorecards as one sheet: a title, the rules, a header, the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("Scorecards")[:31])
    columns = _columns()
    for index, (_header, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    title = xlsx.text_cell(
        ws,
        gettext("Agency scorecards: %(body)s, %(period)s")
        % {"body": body.name, "period": period.label},
    )
    title.font = Font(bold=True, size=13)
    ws.append([title])
    ws.append(
        xlsx.row(
            ws,
            [
                gettext("Tasks assigned from %(start)s to %(end)s, as of %(end)s.")
                % {
                    "start": period.start.strftime("%d/%m/%Y"),
                    "end": as_of.strftime("%d/%m/%Y"),
                }
            ],
        )
    )
    for rule in (scorecards.RANK_RULE, scorecards.DELAY_RULE, ROUNDING):
        ws.append(xlsx.row(ws, [str(rule)]))
    ws.append([])
    header = []
    for name, _width in columns:
        cell = xlsx.text_cell(ws, name)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    ws.append(header)
    for row in rows:
        rate = row["on_time_rate"].value
        ws.append(
            [
                row["rank"],
                xlsx.text_cell(ws, row["code"] or ""),
                xlsx.text_cell(ws, row["name"]),
                _number(ws, row["total"], COUNT_FORMAT),
                _number(ws, row[buckets.COMPLETED_ON_TIME], COUNT_FORMAT),
                _number(ws, row["completed"], COUNT_FORMAT),
                _number(ws, None if rate is None else float(rate) / 100, RATE_FORMAT),
                _number(ws, row[buckets.OVERDUE], COUNT_FORMAT),
                _number(ws, row["delay_tasks"], COUNT_FORMAT),
                _number(
                    ws,
                    None
                    if row["average_delay"] is None
                    else float(row["average_delay"]),
                    DELAY_FORMAT,
                ),
                _number(ws, row["urgings"], COUNT_FORMAT),
                _number(ws, row["contributions_expected"], COUNT_FORMAT),
                _number(ws, row["contributions_submitted"], COUNT_FORMAT),
                _number(ws, row["contributions_on_time"], COUNT_FORMAT),
                _number(ws, row["consultations_expected"], COUNT_FORMAT),
                _number(ws, row["consultations_answered"], COUNT_FORMAT),
                _number(ws, row["consultations_on_time"], COUNT_FORMAT),
                _number(ws, row["conclusion_tasks"], COUNT_FORMAT),
                _number(ws, row["conclusion_tasks_completed"], COUNT_FORMAT),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@login_required
@require_GET
def scorecards_xlsx(request):
    context = _context(request)
    period = context["period"]
    if period is None:
        # The page says what is wrong with the parameters.
        return redirect(f"{reverse('reports:scorecards')}?{request.GET.urlencode()}")
    content = scorecards_xlsx_bytes(
        context["body"], period, context["as_of"], context["rows"]
    )
    name = slugify(f"scorecards-{context['body'].key}-{period.key}") or "scorecards"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
