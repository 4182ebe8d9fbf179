"""Inspections and supervision API, mounted at /api/v1.

Same rules as the pages (``permissions``): the list shows the inspections
the caller may see (an outsider gets an empty list); an inspection the
caller may not see answers 404; a change by someone who sees it but does
not manage its body answers 403; bad input 422 with the field and the
reason; a stale ``version`` 409 with the current one.

Endpoints: ``GET/POST /inspections`` (filters ``kind``, ``state``,
``agency``, ``year``; ``cursor``, ``limit`` ≤ 200), ``GET/PATCH
/inspections/{id}``, ``GET/POST /inspections/{id}/findings`` (keyset on
``(order, id)``), ``POST /inspections/{id}/findings/{fid}/task`` (the
recommendation becomes a follow-up task, once: a second call is a 422 on
``task``).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import IdLookup, body_to_create_in
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.docs.models import Document
from dieuphoi.org.models import Agency, Body

from . import permissions, selectors, services
from .models import Finding, Inspection

router = Router(tags=["inspections and supervision"])

API_FIELD_NAMES = {
    "body": "body_id",
    "subject_agencies": "subject_agency_ids",
    "leader": "leader_id",
    "members": "member_ids",
    "plan_document": "plan_document_id",
    "agency": "agency_id",
    "conclusion_paper": "conclusion_paper_id",
    "matters": "matter_ids",
}


# --- schemas -----------------------------------------------------------------------


class InspectionRef(Schema):
    id: int = Field(description="Id of the referenced object.")
    name: str = Field(description="Its display name.")


class InspectionAgencyRef(Schema):
    id: int = Field(description="Agency id (GET /api/v1/agencies).")
    code: str
    name: str


class FollowupOut(Schema):
    findings: int = Field(description="Findings recorded.")
    converted: int = Field(description="Findings turned into a follow-up task.")
    tasks: int = Field(description="Follow-up tasks counted (not cancelled).")
    done: int = Field(description="completed_on_time + completed_late.")
    completed_on_time: int
    completed_late: int
    in_progress_within_deadline: int
    overdue: int


class InspectionOut(Schema):
    id: int
    code: str
    kind: str = Field(description=", ".join(Inspection.Kind.values))
    kind_label: str
    title: str
    state: str = Field(description=", ".join(Inspection.State.values))
    state_label: str
    body: InspectionRef
    planned_on: datetime.date
    subject_agencies: list[InspectionAgencyRef]
    period_from: datetime.date | None
    period_to: datetime.date | None
    visit_from: datetime.datetime | None
    visit_to: datetime.datetime | None
    place: str
    followup: FollowupOut
    version: int = Field(description="Send it back with changes (409 when stale).")


class InspectionPageOut(Schema):
    items: list[InspectionOut]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class InspectionDetailOut(InspectionOut):
    scope: str
    leader: InspectionRef | None
    members: list[InspectionRef]
    external_members: str
    plan_document_id: int | None
    conclusion_paper_id: int | None
    matter_ids: list[int]
    can_change: bool


class InspectionIn(Schema):
    body_id: ApiId | None = Field(
        None, description="The body; may be left out if you manage one only."
    )
    kind: str = Field(Inspection.Kind.INSPECTION, description="inspection, supervision")
    code: str = Field(
        "", description="Unique in the body and year; empty: KT-<year>-NN."
    )
    title: str = Field(description="1-500 characters.")
    planned_on: ApiDate = Field(description="Date of the plan.")
    subject_agency_ids: list[ApiId] = Field(
        description="The inspected agencies: the team's own, valid on planned_on."
    )
    scope: str = ""
    period_from: ApiDate | None = None
    period_to: ApiDate | None = Field(None, description="Not before period_from.")
    leader_id: ApiId | None = None
    member_ids: list[ApiId] = []
    external_members: str = ""
    visit_from: datetime.datetime | None = None
    visit_to: datetime.datetime | None = Field(
        None, description="Not before visit_from."
    )
    place: str = ""
    plan_document_id: ApiId | None = Field(
        None, description="A document of the body's register."
    )
    matter_ids: list[ApiId] = Field([], description="Matters of the body.")


class InspectionPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    kind: str | None = None
    code: str | None = None
    title: str | None = None
    planned_on: ApiDate | None = None
    subject_agency_ids: list[ApiId] | None = Field(
        None, description="Replaces the list."
    )
    scope: str | None = None
    period_from: ApiDate | None = Field(None, description="null to clear.")
    period_to: ApiDate | None = Field(None, description="null to clear.")
    leader_id: ApiId | None = Field(None, description="null to clear.")
    member_ids: list[ApiId] | None = None
    external_members: str | None = None
    visit_from: datetime.datetime | None = None
    visit_to: datetime.datetime | None = None
    place: str | None = None
    plan_document_id: ApiId | None = None
    matter_ids: list[ApiId] | None = Field(None, description="Replaces the list.")


class InspectionListQuery(Schema):
    kind: str | None = Field(None, description=", ".join(Inspection.Kind.values))
    state: str | None = Field(None, description=", ".join(Inspection.State.values))
    agency: ApiId | None = Field(None, description="An inspected agency.")
    year: int | None = Field(None, ge=1900, le=2100)
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class FindingTaskRef(Schema):
    id: int = Field(description="Task id (GET /api/v1/tasks/{id}).")
    code: str
    state: str
    deadline: datetime.date | None


class FindingOut(Schema):
    id: int
    order: int
    severity: str = Field(description=", ".join(Finding.Severity.values))
    severity_label: str
    description: str
    recommendation: str
    agency: InspectionAgencyRef | None
    deadline: datetime.date | None
    task: FindingTaskRef | None = Field(
        description="The follow-up task, once converted."
    )
    converted_at: datetime.datetime | None
    version: int


class FindingPageOut(Schema):
    items: list[FindingOut]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class FindingQuery(Schema):
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class FindingIn(Schema):
    description: str = Field(description="What was found.")
    severity: str = Field(
        Finding.Severity.MEDIUM, description=", ".join(Finding.Severity.values)
    )
    recommendation: str = ""
    agency_id: ApiId | None = Field(None, description="One of the inspected agencies.")
    deadline: ApiDate | None = Field(None, description="Proposed deadline.")


# --- output ------------------------------------------------------------------------


def _agency(a: Agency) -> dict:
    return {"id": a.pk, "code": a.code, "name": a.name}


def _inspection_out(i: Inspection, followup) -> dict[str, Any]:
    return {
        "id": i.pk,
        "code": i.code,
        "kind": i.kind,
        "kind_label": str(i.get_kind_display()),
        "title": i.title,
        "state": i.state,
        "state_label": str(i.get_state_display()),
        "body": {"id": i.body_id, "name": i.body.name},
        "planned_on": i.planned_on,
        "subject_agencies": [_agency(a) for a in i.subject_agencies.all()],
        "period_from": i.period_from,
        "period_to": i.period_to,
        "visit_from": i.visit_from,
        "visit_to": i.visit_to,
        "place": i.place,
        "followup": followup.as_dict(),
        "version": i.version,
    }


def _detail_out(request, pk: int) -> dict[str, Any]:
    inspection = permissions.access_inspection(user=request.user, pk=pk)
    inspection = (
        Inspection.objects.select_related("body", "leader")
        .prefetch_related("subject_agencies", "members", "matters")
        .get(pk=inspection.pk)
    )
    out = _inspection_out(
        inspection, selectors.followup_figures([inspection.pk])[inspection.pk]
    )
    out.update(
        scope=inspection.scope,
        leader=(
            {"id": inspection.leader_id, "name": str(inspection.leader)}
            if inspection.leader_id
            else None
        ),
        members=[{"id": m.pk, "name": str(m)} for m in inspection.members.all()],
        external_members=inspection.external_members,
        plan_document_id=inspection.plan_document_id,
        conclusion_paper_id=inspection.conclusion_paper_id,
        matter_ids=sorted(m.pk for m in inspection.matters.all()),
        can_change=permissions.can_change_inspection(request.user, inspection),
    )
    return out


def _finding_out(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "order": f.order,
        "severity": f.severity,
        "severity_label": str(f.get_severity_display()),
        "description": f.description,
        "recommendation": f.recommendation,
        "agency": _agency(f.agency) if f.agency_id else None,
        "deadline": f.deadline,
        "task": (
            {
                "id": f.task.pk,
                "code": f.task.code,
                "state": f.task.state,
                "deadline": f.task.deadline,
            }
            if f.task_id
            else None
        ),
        "converted_at": f.converted_at,
        "version": f.version,
    }


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {API_FIELD_NAMES.get(f, f): m for f, m in exc.message_dict.items()}
    )


def _resolve(data: dict, body: Body) -> tuple[dict, dict]:
    User = get_user_model()
    lookup = IdLookup(data)
    one, many = lookup.one, lookup.many
    found, errors = lookup.found, lookup.errors

    users = User.objects.filter(is_active=True)
    one("leader_id", "leader", users, gettext("Unknown user."))
    one(
        "plan_document_id",
        "plan_document",
        Document.objects.filter(body=body),
        gettext("Unknown document in the body's register."),
    )
    many(
        "subject_agency_ids",
        "subject_agencies",
        Agency.objects.all(),
        gettext("Unknown agency."),
    )
    many("member_ids", "members", users, gettext("Unknown user."))
    from dieuphoi.matters.models import Matter

    many(
        "matter_ids",
        "matters",
        Matter.objects.filter(body=body),
        gettext("Unknown matter of the body."),
    )
    return found, errors


TEXT_FIELDS = (
    "kind",
    "code",
    "title",
    "planned_on",
    "scope",
    "period_from",
    "period_to",
    "external_members",
    "visit_from",
    "visit_to",
    "place",
)


# --- inspections -------------------------------------------------------------------


@router.get(
    "/inspections",
    response=responses({200: InspectionPageOut}),
    summary="List inspections",
)
def list_inspections(request, query: Query[InspectionListQuery]):
    """Newest plan first; pass ``next_cursor`` back as ``cursor``. Each row
    carries its follow-up figures (the official buckets of the tasks made
    from its findings)."""
    filters, errors = selectors.parse_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    page = selectors.inspection_list(
        user=request.user, filters=filters, after=query.cursor, limit=query.limit
    )
    return {
        "items": [_inspection_out(i, i.followup) for i in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/inspections",
    response=responses({201: InspectionDetailOut}, body=True),
    summary="Plan an inspection",
)
def create_inspection(request, payload: InspectionIn):
    data = payload.dict()
    body = body_to_create_in(
        permissions.manager_bodies(request.user), data.pop("body_id")
    )
    found, errors = _resolve(data, body)
    if errors:
        raise ValidationError(errors)
    try:
        inspection = services.inspection_create(
            actor=request.user,
            body=body,
            **{k: data[k] for k in TEXT_FIELDS},
            **found,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _detail_out(request, inspection.pk))


@router.get(
    "/inspections/{int:inspection_id}",
    response=responses({200: InspectionDetailOut}),
    summary="Get an inspection",
)
def get_inspection(request, inspection_id: int):
    return _detail_out(request, inspection_id)


NOT_NULL = {"kind", "code", "title", "planned_on", "scope", "external_members", "place"}
NOT_NULL_LISTS = {"subject_agency_ids", "member_ids", "matter_ids"}


@router.patch(
    "/inspections/{int:inspection_id}",
    response=responses({200: InspectionDetailOut}, version=True, body=True),
    summary="Change an inspection",
)
def update_inspection(request, inspection_id: int, payload: InspectionPatch):
    """Send only the fields to change, with the ``version`` you read."""
    inspection = permissions.access_inspection(
        user=request.user, pk=inspection_id, perm=permissions.CHANGE
    )
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    nulls = {
        name: [gettext("This field cannot be null.")]
        for name, v in data.items()
        if v is None and name in NOT_NULL | NOT_NULL_LISTS
    }
    if nulls:
        raise ValidationError(nulls)
    found, errors = _resolve(data, inspection.body)
    if errors:
        raise ValidationError(errors)
    fields = {k: v for k, v in data.items() if k in TEXT_FIELDS}
    fields.update(found)
    try:
        services.inspection_update(
            actor=request.user, inspection=inspection, version=version, **fields
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, inspection_id)


# --- findings ----------------------------------------------------------------------


def _encode(f: Finding) -> str:
    return base64.urlsafe_b64encode(f"{f.order}:{f.pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        order, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        value = (int(order), int(pk))
        if not (0 <= value[0] < 2**15 and 0 < value[1] < 2**63):
            raise ValueError(cursor)
        return value
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(
            {"cursor": [gettext("This page link is invalid or expired.")]}
        ) from None


@router.get(
    "/inspections/{int:inspection_id}/findings",
    response=responses({200: FindingPageOut}),
    summary="Findings of an inspection",
)
def list_findings(request, inspection_id: int, query: Query[FindingQuery]):
    """In order; pass ``next_cursor`` back as ``cursor``."""
    from django.db.models import Q

    inspection = permissions.access_inspection(user=request.user, pk=inspection_id)
    qs = inspection.findings.select_related("agency", "task").order_by("order", "id")
    if query.cursor:
        order, pk = _decode(query.cursor)
        qs = qs.filter(Q(order__gt=order) | Q(order=order, id__gt=pk))
    rows = list(qs[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "items": [_finding_out(f) for f in rows],
        "next_cursor": _encode(rows[-1]) if more else None,
    }


@router.post(
    "/inspections/{int:inspection_id}/findings",
    response=responses({201: FindingOut}, body=True),
    summary="Record a finding",
)
def add_finding(request, inspection_id: int, payload: FindingIn):
    """Evidence files are added on the page (or ``POST /attachments``)."""
    inspection = permissions.access_inspection(
        user=request.user, pk=inspection_id, perm=permissions.CHANGE
    )
    data = payload.dict()
    agency = None
    if data["agency_id"] is not None:
        agency = Agency.objects.filter(pk=data["agency_id"]).first()
        if agency is None:
            raise ValidationError({"agency_id": [gettext("Unknown agency.")]})
    try:
        finding = services.finding_add(
            actor=request.user,
            inspection=inspection,
            description=data["description"],
            severity=data["severity"],
            recommendation=data["recommendation"],
            agency=agency,
            deadline=data["deadline"],
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    finding = Finding.objects.select_related("agency", "task").get(pk=finding.pk)
    return Status(201, _finding_out(finding))


@router.post(
    "/inspections/{int:inspection_id}/findings/{int:finding_id}/task",
    response=responses({201: FindingOut}),
    summary="Turn a finding's recommendation into a follow-up task",
)
def convert_finding(request, inspection_id: int, finding_id: int):
    """The task is the responsible agency's (lead), due on the proposed
    deadline, with the finding as its source (the task list's
    ``?source=inspections.finding:<id>``). Once: a second call answers 422
    on ``task`` and writes nothing."""
    finding = permissions.access_finding(
        user=request.user,
        inspection_pk=inspection_id,
        pk=finding_id,
        perm=permissions.CHANGE,
    )
    try:
        services.finding_convert(actor=request.user, finding=finding)
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    finding = Finding.objects.select_related("agency", "task").get(pk=finding.pk)
    return Status(201, _finding_out(finding))
