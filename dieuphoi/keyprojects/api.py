"""Key projects API, mounted at /api/v1.

Same rules as the pages (``permissions``): the list shows the projects the
caller may see (an outsider gets an empty list); a project the caller may
not see answers 404; a change by someone who sees it but does not manage
its body answers 403; bad input 422 with the field and the reason; a stale
``version`` 409 with the current one.

Endpoints: ``GET /key-projects`` (filters as the list page, ``cursor``,
``limit`` ≤ 200), ``POST /key-projects``, ``GET/PATCH /key-projects/{id}``,
``GET/POST /key-projects/{id}/milestones`` (the list keyset-paginated on
``(planned_on, id)``), ``PATCH /key-projects/{id}/milestones/{mid}``
(``actual_on`` marks it done; ``null`` reopens it).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import IdLookup, body_to_create_in
from dieuphoi.core.models import local_today
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.docs.models import Document
from dieuphoi.org.models import AdministrativeUnit, Agency, Body

from . import permissions, selectors, services
from .models import KeyProject, Milestone, Phase

router = Router(tags=["key projects"])

# Service field names -> the names the API uses for them.
API_FIELD_NAMES = {
    "body": "body_id",
    "lead_agency": "lead_agency_id",
    "locations": "location_ids",
    "proposal": "proposal_id",
    "decision_documents": "decision_document_ids",
    "tasks": "task_ids",
    "responsible_agency": "responsible_agency_id",
    "phase": "phase_id",
}
MONEY_DESCRIPTION = "VND, whole; a string may group thousands: 1.000.000."


# --- schemas -----------------------------------------------------------------------


class KeyProjectRefOut(Schema):
    id: int = Field(description="Id of the referenced object.")
    name: str = Field(description="Its display name.")


class KeyProjectAgencyRef(Schema):
    id: int = Field(description="Agency id (GET /api/v1/agencies).")
    code: str = Field(description="Short code, e.g. SXD.")
    name: str = Field(description="Display name.")


class KeyProjectDocumentRef(Schema):
    id: int = Field(description="Document id (GET /api/v1/documents/{id}).")
    reference: str = Field(description="Number and symbol, e.g. 12/QĐ-UBND.")
    issued_on: datetime.date


class KeyProjectTaskRef(Schema):
    id: int = Field(description="Task id (GET /api/v1/tasks/{id}).")
    code: str
    title: str


class CapitalOut(Schema):
    central: int | None = Field(description="Central budget, VND.")
    city: int | None = Field(description="City budget, VND.")
    provinces: int | None = Field(description="Provinces' budgets, VND.")
    other: int | None = Field(description="Other sources, VND.")
    total: int | None = Field(description="Total investment, VND.")


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    investor: str
    state: str = Field(description=", ".join(KeyProject.State.values))
    state_label: str = Field(description="The state in the caller's language.")
    body: KeyProjectRefOut = Field(description="The coordination body that follows it.")
    lead_agency: KeyProjectAgencyRef
    decided_on: datetime.date = Field(description="Date of the investment decision.")
    locations: list[KeyProjectRefOut] = Field(description="Units as of decided_on.")
    capital: CapitalOut
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    version: int = Field(description="Send it back with changes (409 when stale).")


class ProjectListItem(ProjectOut):
    milestones_total: int
    milestones_done: int
    milestones_late: int = Field(
        description="Milestones past their planned date without an actual date."
    )
    next_planned_on: datetime.date | None = Field(
        description="The earliest planned date, today or later, of an open milestone."
    )


class ProjectPageOut(Schema):
    items: list[ProjectListItem]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class PhaseOut(Schema):
    id: int
    name: str
    order: int


class ProjectDetailOut(ProjectOut):
    proposal_id: int | None = Field(
        description="The adopted proposal it came from (null when the caller "
        "may not see it)."
    )
    decision_documents: list[KeyProjectDocumentRef]
    phases: list[PhaseOut]
    tasks: list[KeyProjectTaskRef] | None = Field(
        description="Linked tasks; null for a caller outside the body."
    )
    can_change: bool = Field(description="Whether the caller may change it.")


class ProjectIn(Schema):
    body_id: ApiId | None = Field(
        None, description="The body; may be left out if you manage one only."
    )
    code: str = Field(description="1-30 characters, unique in the body.")
    name: str = Field(description="1-500 characters.")
    investor: str = ""
    state: str = Field(
        KeyProject.State.PREPARING, description=", ".join(KeyProject.State.values)
    )
    decided_on: ApiDate = Field(description="Date of the investment decision.")
    lead_agency_id: ApiId = Field(
        description="One of the body's own agencies, valid on decided_on."
    )
    location_ids: list[ApiId] = Field(
        [], description="Administrative units valid on decided_on."
    )
    proposal_id: ApiId | None = Field(
        None, description="An approved or adopted proposal of the body."
    )
    decision_document_ids: list[ApiId] = Field(
        [], description="Documents of the body's register."
    )
    task_ids: list[ApiId] = Field([], description="Tasks of the body.")
    capital_central: int | str | None = Field(None, description=MONEY_DESCRIPTION)
    capital_city: int | str | None = None
    capital_provinces: int | str | None = None
    capital_other: int | str | None = None
    total_investment: int | str | None = Field(
        None,
        description="When sources are given they must add up to it; left out, "
        "it is their sum.",
    )
    starts_on: ApiDate | None = None
    ends_on: ApiDate | None = None


class ProjectPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    code: str | None = None
    name: str | None = None
    investor: str | None = None
    state: str | None = Field(None, description=", ".join(KeyProject.State.values))
    decided_on: ApiDate | None = None
    lead_agency_id: ApiId | None = None
    location_ids: list[ApiId] | None = Field(None, description="Replaces the list.")
    proposal_id: ApiId | None = Field(None, description="null to clear.")
    decision_document_ids: list[ApiId] | None = None
    task_ids: list[ApiId] | None = None
    capital_central: int | str | None = Field(
        None,
        description="The five amounts are replaced together when any is sent "
        "(a source left out is cleared).",
    )
    capital_city: int | str | None = None
    capital_provinces: int | str | None = None
    capital_other: int | str | None = None
    total_investment: int | str | None = None
    starts_on: ApiDate | None = Field(None, description="null to clear.")
    ends_on: ApiDate | None = Field(None, description="null to clear.")


class KeyProjectListQuery(Schema):
    state: str | None = Field(None, description=", ".join(KeyProject.State.values))
    lead_agency: ApiId | None = None
    province: ApiId | None = Field(None, description="A location (unit id).")
    late: bool | None = Field(None, description="With late milestones.")
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class MilestoneOut(Schema):
    id: int
    name: str
    phase: PhaseOut | None
    planned_on: datetime.date
    actual_on: datetime.date | None
    status: str = Field(description=", ".join(Milestone.Status.values))
    status_label: str
    responsible_agency: KeyProjectAgencyRef
    urge_count: int = Field(description="Urgings sent since the planned date.")
    note: str
    version: int


class MilestonePageOut(Schema):
    items: list[MilestoneOut]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class MilestoneQuery(Schema):
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class MilestoneIn(Schema):
    name: str = Field(description="1-300 characters.")
    planned_on: ApiDate = Field(description="On or after the project's start.")
    responsible_agency_id: ApiId = Field(description="Valid on planned_on.")
    phase_id: ApiId | None = Field(None, description="A phase of the project.")
    actual_on: ApiDate | None = Field(
        None, description="For a milestone already reached (not in the future)."
    )
    note: str = ""


class MilestonePatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    name: str | None = None
    planned_on: ApiDate | None = None
    actual_on: ApiDate | None = Field(
        None,
        description="Marks it done (not before the project's start, not in "
        "the future); null reopens it.",
    )
    responsible_agency_id: ApiId | None = None
    phase_id: ApiId | None = Field(None, description="null to clear.")
    note: str | None = None


# --- output ------------------------------------------------------------------------


def _agency(a: Agency) -> dict:
    return {"id": a.pk, "code": a.code, "name": a.name}


def _int(value) -> int | None:
    return None if value is None else int(value)


def _project_out(p: KeyProject) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "investor": p.investor,
        "state": p.state,
        "state_label": str(p.get_state_display()),
        "body": {"id": p.body_id, "name": p.body.name},
        "lead_agency": _agency(p.lead_agency),
        "decided_on": p.decided_on,
        "locations": [{"id": u.pk, "name": u.name} for u in p.locations.all()],
        "capital": {
            "central": _int(p.capital_central),
            "city": _int(p.capital_city),
            "provinces": _int(p.capital_provinces),
            "other": _int(p.capital_other),
            "total": _int(p.total_investment),
        },
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "version": p.version,
    }


def _detail_out(request, pk: int) -> dict[str, Any]:
    project = permissions.access_project(user=request.user, pk=pk)
    project = (
        KeyProject.objects.select_related("body", "lead_agency", "proposal")
        .prefetch_related("locations", "decision_documents", "phases")
        .get(pk=project.pk)
    )
    out = _project_out(project)
    proposal_id = None
    if project.proposal is not None:
        from dieuphoi.proposals.permissions import can_view_proposal

        if can_view_proposal(request.user, project.proposal):
            proposal_id = project.proposal_id
    out["proposal_id"] = proposal_id
    out["decision_documents"] = [
        {"id": d.pk, "reference": d.reference, "issued_on": d.issued_on}
        for d in project.decision_documents.all()
    ]
    out["phases"] = [
        {"id": ph.pk, "name": ph.name, "order": ph.order} for ph in project.phases.all()
    ]
    out["tasks"] = (
        [
            {"id": t.pk, "code": t.code, "title": t.title}
            for t in project.tasks.order_by("code")
        ]
        if permissions.can_see_internals(request.user, project)
        else None
    )
    out["can_change"] = permissions.can_change_project(request.user, project)
    return out


def _milestone_out(m: Milestone, on: datetime.date) -> dict[str, Any]:
    status = m.status_on(on)
    return {
        "id": m.pk,
        "name": m.name,
        "phase": (
            {"id": m.phase.pk, "name": m.phase.name, "order": m.phase.order}
            if m.phase
            else None
        ),
        "planned_on": m.planned_on,
        "actual_on": m.actual_on,
        "status": status,
        "status_label": str(Milestone.Status(status).label),
        "responsible_agency": _agency(m.responsible_agency),
        "urge_count": m.urge_count,
        "note": m.note,
        "version": m.version,
    }


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {API_FIELD_NAMES.get(f, f): m for f, m in exc.message_dict.items()}
    )


def _resolve(data: dict, body: Body) -> tuple[dict, dict]:
    """The objects the ids name; unknown ones are errors at their field."""
    from dieuphoi.proposals.models import Proposal
    from dieuphoi.tasks.models import Task

    lookup = IdLookup(data)
    one, many = lookup.one, lookup.many
    found, errors = lookup.found, lookup.errors

    one(
        "lead_agency_id",
        "lead_agency",
        Agency.objects.all(),
        gettext("Unknown agency."),
    )
    one(
        "proposal_id",
        "proposal",
        Proposal.objects.filter(body=body),
        gettext("Unknown proposal of the body."),
    )
    many(
        "location_ids",
        "locations",
        AdministrativeUnit.objects.all(),
        gettext("Unknown administrative unit."),
    )
    many(
        "decision_document_ids",
        "decision_documents",
        Document.objects.filter(body=body),
        gettext("Unknown document in the body's register."),
    )
    many(
        "task_ids",
        "tasks",
        Task.objects.filter(body=body),
        gettext("Unknown task of the body."),
    )
    return found, errors


def _amounts(data: dict) -> dict:
    return {
        "capital": {name: data.get(name) for name in services.CAPITAL_FIELDS},
        "total_investment": data.get("total_investment"),
    }


# --- projects ----------------------------------------------------------------------


@router.get(
    "/key-projects",
    response=responses({200: ProjectPageOut}),
    summary="List key projects",
)
def list_projects(request, query: Query[KeyProjectListQuery]):
    """Filters as on the list page, newest decision first; pass
    ``next_cursor`` back as ``cursor``."""
    filters, errors = selectors.parse_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    page = selectors.project_list(
        user=request.user, filters=filters, after=query.cursor, limit=query.limit
    )
    items = []
    for p in page.items:
        row = _project_out(p)
        row.update(
            milestones_total=p.milestones_total,
            milestones_done=p.milestones_done,
            milestones_late=p.milestones_late,
            next_planned_on=p.next_planned_on,
        )
        items.append(row)
    return {"items": items, "next_cursor": page.next_cursor}


@router.post(
    "/key-projects",
    response=responses({201: ProjectDetailOut}, body=True),
    summary="Create a key project",
)
def create_project(request, payload: ProjectIn):
    data = payload.dict()
    body = body_to_create_in(
        permissions.manager_bodies(request.user), data.pop("body_id")
    )
    found, errors = _resolve(data, body)
    if errors:
        raise ValidationError(errors)
    try:
        project = services.project_create(
            actor=request.user,
            body=body,
            code=data["code"],
            name=data["name"],
            investor=data["investor"],
            state=data["state"],
            decided_on=data["decided_on"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            **_amounts(data),
            **found,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _detail_out(request, project.pk))


@router.get(
    "/key-projects/{int:project_id}",
    response=responses({200: ProjectDetailOut}),
    summary="Get a key project",
)
def get_project(request, project_id: int):
    return _detail_out(request, project_id)


NOT_NULL = {"code", "name", "investor", "state", "decided_on", "lead_agency_id"}
NOT_NULL_LISTS = {"location_ids", "decision_document_ids", "task_ids"}


@router.patch(
    "/key-projects/{int:project_id}",
    response=responses({200: ProjectDetailOut}, version=True, body=True),
    summary="Change a key project",
)
def update_project(request, project_id: int, payload: ProjectPatch):
    """Send only the fields to change, with the ``version`` you read."""
    project = permissions.access_project(
        user=request.user, pk=project_id, perm=permissions.CHANGE
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
    found, errors = _resolve(data, project.body)
    if errors:
        raise ValidationError(errors)
    fields = {
        k: v
        for k, v in data.items()
        if k
        in ("code", "name", "investor", "state", "decided_on", "starts_on", "ends_on")
    }
    fields.update(found)
    money_keys = {*services.CAPITAL_FIELDS, "total_investment"}
    if money_keys & set(data):
        fields.update(_amounts(data))
    try:
        services.project_update(
            actor=request.user, project=project, version=version, **fields
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, project_id)


# --- milestones --------------------------------------------------------------------


def _encode(m: Milestone) -> str:
    raw = f"{m.planned_on.isoformat()}:{m.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime.date, int]:
    # The same opaque form as the projects' cursor: (date, id).
    return selectors.decode_cursor(cursor)


@router.get(
    "/key-projects/{int:project_id}/milestones",
    response=responses({200: MilestonePageOut}),
    summary="Milestones of a key project",
)
def list_milestones(request, project_id: int, query: Query[MilestoneQuery]):
    """By planned date; pass ``next_cursor`` back as ``cursor``."""
    project = permissions.access_project(user=request.user, pk=project_id)
    qs = project.milestones.select_related("phase", "responsible_agency").order_by(
        "planned_on", "id"
    )
    if query.cursor:
        day, pk = _decode(query.cursor)
        qs = qs.filter(Q(planned_on__gt=day) | Q(planned_on=day, id__gt=pk))
    rows = list(qs[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    on = local_today()
    return {
        "items": [_milestone_out(m, on) for m in rows],
        "next_cursor": _encode(rows[-1]) if more else None,
    }


def _milestone_refs(data: dict, project: KeyProject) -> tuple[dict, dict]:
    found: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "responsible_agency_id" in data:
        found["responsible_agency"] = Agency.objects.filter(
            pk=data["responsible_agency_id"]
        ).first()
        if found["responsible_agency"] is None:
            errors["responsible_agency_id"] = [gettext("Unknown agency.")]
    if "phase_id" in data:
        if data["phase_id"] is None:
            found["phase"] = None
        else:
            found["phase"] = Phase.objects.filter(
                pk=data["phase_id"], project=project
            ).first()
            if found["phase"] is None:
                errors["phase_id"] = [gettext("Not a phase of this project.")]
    return found, errors


@router.post(
    "/key-projects/{int:project_id}/milestones",
    response=responses({201: MilestoneOut}, body=True),
    summary="Add a milestone",
)
def add_milestone(request, project_id: int, payload: MilestoneIn):
    project = permissions.access_project(
        user=request.user, pk=project_id, perm=permissions.CHANGE
    )
    data = payload.dict()
    found, errors = _milestone_refs(data, project)
    if errors:
        raise ValidationError(errors)
    try:
        milestone = services.milestone_add(
            actor=request.user,
            project=project,
            name=data["name"],
            planned_on=data["planned_on"],
            actual_on=data["actual_on"],
            note=data["note"],
            **found,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    milestone = Milestone.objects.select_related("phase", "responsible_agency").get(
        pk=milestone.pk
    )
    return Status(201, _milestone_out(milestone, local_today()))


@router.patch(
    "/key-projects/{int:project_id}/milestones/{int:milestone_id}",
    response=responses({200: MilestoneOut}, version=True, body=True),
    summary="Change a milestone, or mark it done",
)
def update_milestone(
    request, project_id: int, milestone_id: int, payload: MilestonePatch
):
    """Send only the fields to change, with the ``version`` you read;
    ``actual_on`` records the date the milestone was reached."""
    milestone = permissions.access_milestone(
        user=request.user,
        project_pk=project_id,
        pk=milestone_id,
        perm=permissions.CHANGE,
    )
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    nulls = {
        name: [gettext("This field cannot be null.")]
        for name, v in data.items()
        if v is None and name in ("name", "planned_on", "responsible_agency_id", "note")
    }
    if nulls:
        raise ValidationError(nulls)
    found, errors = _milestone_refs(data, milestone.project)
    if errors:
        raise ValidationError(errors)
    fields = {
        k: v
        for k, v in data.items()
        if k in ("name", "planned_on", "actual_on", "note")
    }
    fields.update(found)
    try:
        milestone = services.milestone_update(
            actor=request.user, milestone=milestone, version=version, **fields
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _milestone_out(milestone, local_today())
