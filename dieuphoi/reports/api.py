"""Periodic reports API, mounted at /api/v1.

Same rules as the pages (``permissions``): a report the caller may not see
answers 404 (the list is empty for an outsider); a change by someone who sees
it but may not make it 403; bad input 422 with the field; a stale
``version`` 409.

``GET /report-periods?type=&on=&year=`` (Decree 09/2019 windows: the period
of each type holding ``on``, or every period of ``type`` in ``year``),
``GET/POST /reports``, ``GET/PATCH /reports/{id}``, ``POST
/reports/{id}/compile`` (queued: 202 with the job's progress id; the figures
are in ``GET /reports/{id}`` when it ends). Contributions:
``contribution_api``; scorecards: ``scorecard_api``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import body_to_create_in
from dieuphoi.core.models import local_today
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion

from . import periods, permissions, selectors, services
from .models import Report

router = Router(tags=["periodic reports"])


class ReportPeriodOut(Schema):
    key: str = Field(description="Pass as period= to the scorecards.")
    type: str
    label: str
    year: int
    number: int
    start: datetime.date
    end: datetime.date = Field(description="The cut-off: the last day of data.")
    deadline: datetime.date = Field(description="Send by (working days after end).")


class PeriodQuery(Schema):
    type: str | None = Field(None, description=", ".join(periods.PeriodType.values))
    on: ApiDate | None = Field(None, description="Default: today.")
    year: int | None = Field(
        None, ge=1900, le=2100, description="Every period of type in the year."
    )


class ReportRefOut(Schema):
    id: int
    name: str


class ReportOut(Schema):
    id: int
    title: str
    body: ReportRefOut
    period: ReportPeriodOut
    state: str = Field(description=", ".join(Report.State.values))
    state_label: str
    compiled_at: datetime.datetime | None
    frozen_at: datetime.datetime | None
    paper_id: int | None
    number: str = Field(description="Số/ký hiệu once issued, else empty.")
    contributions_expected: int
    contributions_submitted: int
    contributions_on_time: int
    version: int


class ReportDetailOut(ReportOut):
    difficulties: str
    recommendations: str
    figures: dict | None = Field(description="The compiled figures, as of period.end.")
    replaces_id: int | None


class ReportListQuery(Schema):
    type: str | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    state: str | None = Field(None, description=", ".join(Report.State.values))


class ReportIn(Schema):
    body_id: ApiId | None = Field(
        None, description="May be left out if you prepare one body's reports."
    )
    period_type: str = Field(description=", ".join(periods.PeriodType.values))
    year: int | None = Field(
        None, ge=1900, le=2100, description="The year the period ends in."
    )
    number: int | None = Field(None, ge=1, le=12, description="Month, quarter or half.")
    start: ApiDate | None = Field(None, description="Ad hoc only.")
    end: ApiDate | None = Field(None, description="Ad hoc only.")
    deadline: ApiDate | None = None
    title: str = ""


class ReportPatch(Schema):
    version: ApiVersion
    title: str | None = None
    difficulties: str | None = None
    recommendations: str | None = None


class CompileOut(Schema):
    progress_id: str
    progress_url: str


def _period_out(p: periods.Period) -> dict[str, Any]:
    return {
        "key": p.key,
        "type": p.type,
        "label": p.label,
        "year": p.year,
        "number": p.number,
        "start": p.start,
        "end": p.end,
        "deadline": p.deadline,
    }


def _report_out(r: Report) -> dict[str, Any]:
    paper = r.paper
    number = paper.reference if paper is not None and paper.number else ""
    return {
        "id": r.pk,
        "title": r.title,
        "body": {"id": r.body_id, "name": r.body.name},
        "period": _period_out(r.period),
        "state": r.state,
        "state_label": str(r.get_state_display()),
        "compiled_at": r.compiled_at,
        "frozen_at": r.frozen_at,
        "paper_id": r.paper_id,
        "number": number,
        "contributions_expected": getattr(r, "expected", 0),
        "contributions_submitted": getattr(r, "submitted", 0),
        "contributions_on_time": getattr(r, "on_time", 0),
        "version": r.version,
    }


@router.get(
    "/report-periods",
    response=responses({200: list[ReportPeriodOut]}),
    summary="Reporting periods (Decree 09/2019/NĐ-CP Art. 12)",
)
def report_periods(request, query: Query[PeriodQuery]):
    types = periods.enabled_types()
    if query.type:
        if query.type not in types:
            raise ValidationError(
                {
                    "type": [
                        gettext("Unknown period type “%(value)s”.")
                        % {"value": query.type}
                    ]
                }
            )
        types = [query.type]
    types = [t for t in types if t != periods.PeriodType.AD_HOC]
    if not types:
        raise ValidationError(
            {"type": [gettext("An ad hoc period needs its own dates.")]}
        )
    out = []
    if query.year is not None:
        if not query.type:
            raise ValidationError({"type": [gettext("Choose the period type.")]})
        return [_period_out(p) for p in periods.periods_in_year(query.type, query.year)]
    on = query.on or local_today()
    for kind in types:
        try:
            out.append(_period_out(periods.period_of(kind, on)))
        except ValidationError:
            if query.type:
                raise
    return out


@router.get(
    "/reports", response=responses({200: list[ReportOut]}), summary="List reports"
)
def list_reports(request, query: Query[ReportListQuery]):
    if query.type and query.type not in periods.PeriodType.values:
        raise ValidationError(
            {
                "type": [
                    gettext("Unknown period type “%(value)s”.") % {"value": query.type}
                ]
            }
        )
    if query.state and query.state not in Report.State.values:
        raise ValidationError(
            {"state": [gettext("Unknown state “%(value)s”.") % {"value": query.state}]}
        )
    rows = selectors.report_list(
        user=request.user,
        filters=selectors.ReportFilters(
            period_type=query.type or "", year=query.year, state=query.state or ""
        ),
    )
    return [_report_out(r) for r in rows]


def _detail(request, pk: int) -> dict[str, Any]:
    report = selectors.report_counted(
        permissions.access_report(user=request.user, pk=pk)
    )
    out = _report_out(report)
    out.update(
        difficulties=report.difficulties,
        recommendations=report.recommendations,
        figures=report.figures,
        replaces_id=report.replaces_id,
    )
    return out


@router.post(
    "/reports",
    response=responses({201: ReportDetailOut}),
    summary="Create a report for a period",
)
def create_report(request, payload: ReportIn):
    body = body_to_create_in(selectors.creatable_bodies(request.user), payload.body_id)
    report = services.report_create(
        actor=request.user,
        body=body,
        period_type=payload.period_type,
        year=payload.year,
        number=payload.number,
        start=payload.start,
        end=payload.end,
        deadline=payload.deadline,
        title=payload.title,
    )
    return Status(201, _detail(request, report.pk))


@router.get(
    "/reports/{int:pk}", response=responses({200: ReportDetailOut}), summary="A report"
)
def get_report(request, pk: int):
    return _detail(request, pk)


def _managed(request, pk: int) -> Report:
    from django.core.exceptions import PermissionDenied

    report = permissions.access_report(user=request.user, pk=pk)
    if not permissions.can_manage_report(request.user, report):
        raise PermissionDenied
    return report


@router.patch(
    "/reports/{int:pk}",
    response=responses({200: ReportDetailOut}, version=True),
    summary="Change a report's title, difficulties or recommendations",
)
def patch_report(request, pk: int, payload: ReportPatch):
    report = _managed(request, pk)
    services.report_update(
        actor=request.user,
        report=report,
        version=payload.version,
        title=payload.title,
        difficulties=payload.difficulties,
        recommendations=payload.recommendations,
    )
    return _detail(request, pk)


@router.post(
    "/reports/{int:pk}/compile",
    response=responses({202: CompileOut}),
    summary="Compile the figures as of the cut-off (queued)",
)
def compile_report(request, pk: int):
    from django.urls import reverse

    report = _managed(request, pk)
    progress = services.report_compile_request(actor=request.user, report=report)
    return Status(
        202,
        {
            "progress_id": str(progress.pk),
            "progress_url": reverse("jobs:progress", args=[progress.pk]),
        },
    )
