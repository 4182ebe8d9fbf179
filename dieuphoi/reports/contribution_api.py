"""Contribution requests and contributions API, mounted at /api/v1.

Same rules as the pages (``permissions``, ``contributions``):

- ``GET /reports/{id}/contributions``: the report's requests, each party's
  contribution and the completeness (DHIS2: expected, submitted, on time,
  with the rates); who sees the report's body (404 otherwise).
- ``POST /reports/{id}/contributions``: a request (``agency_ids``,
  ``body_ids`` of other provinces' teams, ``deadline``, ``headings`` left
  out for the template's, ``message``); the body's managers (403 for other
  viewers, 404 for the rest).
- ``GET /contributions``: the contributions the caller acts for, open first.
- ``GET /contributions/{id}``: the request's headings and the texts; who
  sees the report's body and whoever acts for the party (404 otherwise).
- ``PATCH /contributions/{id}``: ``sections`` (``{heading key: text}``: the
  keys given replace those texts) with the ``version`` read; ``submit:
  true`` submits it (once). Whoever acts for the party (403 otherwise).
- ``POST /contributions/{id}/files``: a file (``multipart/form-data``,
  field ``file``) while the contribution is open.

Bad input answers 422 with the field (a heading's text: ``sections.<key>``),
a stale ``version`` 409 with the current one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import IdLookup
from dieuphoi.core.models import local_today
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.docs.selectors import attachment_list
from dieuphoi.org.models import Agency, Body

from . import contributions, permissions
from .models import Contribution, ContributionRequest

router = Router(tags=["report contributions"])

API_FIELD_NAMES = {"parties": "agency_ids"}


class ContributionRefOut(Schema):
    id: int
    name: str


class ContributionPartyOut(Schema):
    kind: str = Field(description="agency or team")
    id: int
    name: str


class ContributionHeadingIn(Schema):
    key: str = Field("", description="Left empty: s1, s2… by position.")
    title: str
    required: bool = False
    hint: str = ""


class ContributionHeadingOut(Schema):
    key: str
    title: str
    required: bool
    hint: str


class ContributionCompletenessOut(Schema):
    expected: int
    submitted: int
    on_time: int = Field(description="Submitted by the request's deadline.")
    late: int
    missing: int
    submitted_rate: float | None = Field(
        description="submitted / expected, percent, two decimals; null if none expected"
    )
    on_time_rate: float | None = Field(description="on_time / expected, percent")
    line: str = Field(description="The same, as one translated sentence.")


class ContributionOut(Schema):
    id: int
    request_id: int
    report_id: int
    party: ContributionPartyOut
    state: str = Field(description=", ".join(Contribution.State.values))
    state_label: str
    deadline: datetime.date
    saved_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    submitted_on: datetime.date | None
    late: bool = Field(description="Submitted after the deadline.")
    overdue: bool = Field(description="Not submitted and the deadline has passed.")
    urge_count: int
    version: int = Field(description="Send it back with changes (409 when stale).")


class ContributionRequestOut(Schema):
    id: int
    deadline: datetime.date
    message: str
    headings: list[ContributionHeadingOut]
    created_at: datetime.datetime
    completeness: ContributionCompletenessOut
    contributions: list[ContributionOut]


class ReportContributionsOut(Schema):
    report: ContributionRefOut
    completeness: ContributionCompletenessOut
    requests: list[ContributionRequestOut]


class ContributionRequestIn(Schema):
    agency_ids: list[ApiId] = Field([], description="Agencies valid today.")
    body_ids: list[ApiId] = Field([], description="Other provinces' teams.")
    deadline: ApiDate = Field(
        description="From today to the report's deadline (YYYY-MM-DD)."
    )
    headings: list[ContributionHeadingIn] | None = Field(
        None, description="Left out: the template of the report's period type."
    )
    message: str = ""


class ContributionFileOut(Schema):
    id: int
    name: str
    size: int
    url: str


class ContributionReportOut(Schema):
    id: int
    title: str
    body: ContributionRefOut
    start: datetime.date
    end: datetime.date
    state: str


class ContributionDetailOut(ContributionOut):
    report: ContributionReportOut
    message: str
    headings: list[ContributionHeadingOut]
    sections: dict[str, str]
    files: list[ContributionFileOut]
    can_edit: bool


class ContributionPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    sections: dict[str, str] | None = Field(
        None, description="{heading key: text}; the keys given replace their texts."
    )
    submit: bool = Field(False, description="Submit it (once) after saving.")


class ContributionMineQuery(Schema):
    limit: int = Field(100, ge=1, le=200)


# --- output ----------------------------------------------------------------------------


def _completeness(value: contributions.Completeness) -> dict[str, Any]:
    out = value.as_dict()
    for key in ("submitted_rate", "on_time_rate"):
        out[key] = None if out[key] is None else float(out[key])
    out["line"] = value.line
    return out


def _party(item: Contribution) -> dict[str, Any]:
    if item.party_body_id:
        return {"kind": "team", "id": item.party_body_id, "name": item.name}
    return {"kind": "agency", "id": item.agency_id, "name": item.name}


def _contribution_out(item: Contribution, today: datetime.date) -> dict[str, Any]:
    request = item.request
    return {
        "id": item.pk,
        "request_id": item.request_id,
        "report_id": request.report_id,
        "party": _party(item),
        "state": item.state,
        "state_label": str(item.get_state_display()),
        "deadline": request.deadline,
        "saved_at": item.saved_at,
        "submitted_at": item.submitted_at,
        "submitted_on": item.submitted_on,
        "late": item.late,
        "overdue": item.state != Contribution.State.SUBMITTED
        and today > request.deadline,
        "urge_count": item.urge_count,
        "version": item.version,
    }


def _request_out(stats: contributions.RequestStats, today) -> dict[str, Any]:
    request: ContributionRequest = stats.request
    return {
        "id": request.pk,
        "deadline": request.deadline,
        "message": request.message,
        "headings": request.headings,
        "created_at": request.created_at,
        "completeness": _completeness(stats.completeness),
        "contributions": [_contribution_out(i, today) for i in stats.contributions],
    }


def _detail_out(request, pk) -> dict[str, Any]:
    item = permissions.access_contribution(user=request.user, pk=pk)
    report = item.request.report
    out = _contribution_out(item, local_today())
    out.update(
        report={
            "id": report.pk,
            "title": report.title,
            "body": {"id": report.body_id, "name": report.body.name},
            "start": report.start,
            "end": report.end,
            "state": report.state,
        },
        message=item.request.message,
        headings=item.request.headings,
        sections=item.sections or {},
        files=[
            {
                "id": f.pk,
                "name": f.original_name,
                "size": f.size,
                "url": reverse("docs:attachment-download", args=[f.pk]),
            }
            for f in attachment_list(target=item)
        ],
        can_edit=contributions.can_edit(request.user, item),
    )
    return out


def _section_errors(exc: ValidationError) -> ValidationError:
    """A heading key's error on ``sections.<key>``."""
    if not hasattr(exc, "error_dict"):
        return exc
    plain = {"state", "version", "files", "sections"}
    return ValidationError(
        {
            (field if field in plain else f"sections.{field}"): messages
            for field, messages in exc.message_dict.items()
        }
    )


# --- requests --------------------------------------------------------------------------


@router.get(
    "/reports/{int:report_id}/contributions",
    response=responses({200: ReportContributionsOut}),
    summary="A report's contribution requests and completeness",
)
def list_contributions(request, report_id: int):
    report = permissions.access_report(user=request.user, pk=report_id)
    stats = contributions.contribution_stats(report)
    today = local_today()
    return {
        "report": {"id": report.pk, "name": report.title},
        "completeness": _completeness(stats.completeness),
        "requests": [_request_out(r, today) for r in stats.requests],
    }


@router.post(
    "/reports/{int:report_id}/contributions",
    response=responses({201: ContributionRequestOut}, body=True),
    summary="Ask agencies and teams for their sections of a report",
)
def create_request(request, report_id: int, payload: ContributionRequestIn):
    report = permissions.access_report(user=request.user, pk=report_id)
    if not permissions.can_manage_report(request.user, report):
        raise PermissionDenied
    data = payload.dict()
    lookup = IdLookup(data)
    lookup.many(
        "agency_ids", "agencies", Agency.objects.all(), gettext("Unknown agency.")
    )
    lookup.many(
        "body_ids",
        "party_bodies",
        Body.objects.all(),
        gettext("Unknown coordination body."),
    )
    if lookup.errors:
        raise ValidationError(lookup.errors)
    try:
        asked = contributions.contributions_request(
            actor=request.user,
            report=report,
            agencies=lookup.found.get("agencies", []),
            party_bodies=lookup.found.get("party_bodies", []),
            deadline=data["deadline"],
            headings=data["headings"],
            message=data["message"],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {API_FIELD_NAMES.get(f, f): m for f, m in exc.message_dict.items()}
            ) from exc
        raise
    stats = contributions.contribution_stats(report)
    mine = next(r for r in stats.requests if r.request.pk == asked.pk)
    return Status(201, _request_out(mine, local_today()))


# --- contributions ---------------------------------------------------------------------


@router.get(
    "/contributions",
    response=responses({200: list[ContributionOut]}),
    summary="The contributions you fill, open first",
)
def my_contributions(request, query: Query[ContributionMineQuery]):
    today = local_today()
    return [
        _contribution_out(item, today)
        for item in contributions.my_contributions(request.user, limit=query.limit)
    ]


@router.get(
    "/contributions/{int:contribution_id}",
    response=responses({200: ContributionDetailOut}),
    summary="A contribution with its headings and texts",
)
def get_contribution(request, contribution_id: int):
    return _detail_out(request, contribution_id)


@router.patch(
    "/contributions/{int:contribution_id}",
    response=responses({200: ContributionDetailOut}, version=True, body=True),
    summary="Save a contribution's texts, or submit it",
)
def update_contribution(request, contribution_id: int, payload: ContributionPatch):
    """Send the ``version`` you read; ``submit: true`` submits once (every
    required heading written)."""
    item = permissions.access_contribution(user=request.user, pk=contribution_id)
    if not permissions.acts_for(request.user, item):
        raise PermissionDenied
    data = payload.dict(exclude_unset=True)
    sections = data.get("sections")
    try:
        if data.get("submit"):
            contributions.contribution_submit(
                actor=request.user,
                contribution=item,
                version=data["version"],
                sections=sections,
            )
        else:
            contributions.contribution_save(
                actor=request.user,
                contribution=item,
                version=data["version"],
                sections=sections or {},
            )
    except ValidationError as exc:
        raise _section_errors(exc) from exc
    return _detail_out(request, item.pk)


@router.post(
    "/contributions/{int:contribution_id}/files",
    response=responses({201: ContributionFileOut}),
    summary="Attach a file to your contribution",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
def attach_file(request, contribution_id: int):
    """A signed copy or an annex (PDF, Word, Excel, images), while the
    contribution is open, by whoever acts for the party."""
    from dieuphoi.docs.services import attachment_add

    item = permissions.access_contribution(user=request.user, pk=contribution_id)
    if not permissions.acts_for(request.user, item):
        raise PermissionDenied
    if not contributions.can_edit(request.user, item):
        raise ValidationError(
            {"file": [gettext("The contribution takes no more files.")]}
        )
    file = request.FILES.get("file")
    if file is None:
        raise ValidationError({"file": [gettext("Choose a file to upload.")]})
    attachment = attachment_add(actor=request.user, target=item, uploaded_file=file)
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "url": reverse("docs:attachment-download", args=[attachment.pk]),
        },
    )
