"""Tasks API, mounted at /api/v1/tasks.

Same rules as the pages: lists show tasks of the bodies the caller may see
(an outsider gets an empty list); a task the caller may not see answers 404;
an action the caller's role does not allow answers 403; bad input answers 422
with the field and the reason (a transition the state does not allow is 422
on ``action``); a stale ``version`` answers 409 with ``current_version``.

Endpoints: ``GET ""`` (filters as the list page, plus ``on``, ``cursor``,
``limit`` ≤ 200), ``POST ""``, ``GET /summary``, ``GET /{id}``,
``PATCH /{id}``, ``POST /{id}/progress`` (JSON, or multipart with
``files``), ``POST /{id}/transitions``; extension requests:
``GET /{id}/extension-requests``, ``POST /{id}/extension-requests`` (JSON,
or multipart with ``file``), ``POST /{id}/extension-requests/{rid}/decision``,
``POST /{id}/extension-requests/{rid}/withdraw``. Deciding a request that is
no longer pending answers 409.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import json_or_multipart, request_payload
from dieuphoi.api.schemas import Out, json_response, json_text
from dieuphoi.core.models import local_today
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.docs.models import Document
from dieuphoi.org.models import AdministrativeUnit, Agency, Body

from . import buckets, selectors, services, workflow
from . import cache as task_cache
from .extensions import selectors as extension_selectors
from .extensions import services as extension_services
from .models import ExtensionRequest, Sector, Task
from .permissions import access_task, allowed_actions, manager_body_ids, user_seats
from .templatetags import task_tags

router = Router(tags=["tasks"])

# Service field names -> the names the API uses for them.
API_FIELD_NAMES = {
    "body": "body_id",
    "lead_agency": "lead_agency_id",
    "owner": "owner_id",
    "sector": "sector_id",
    "source_document": "source_document_id",
    "provinces": "province_ids",
    "part": "part_id",
}


# --- schemas --------------------------------------------------------------------


class TaskRefOut(Out):
    id: int = Field(description="Id of the referenced object.")
    name: str = Field(description="Its display name.")


class TaskAgencyRef(Out):
    id: int = Field(description="Agency id (GET /api/v1/agencies).")
    code: str = Field(description="Short code, e.g. SXD.")
    name: str = Field(description="Display name.")


class PartOut(Out):
    id: int = Field(description="Part id (``part_id`` when reporting on it).")
    party_kind: str = Field(description="agency or body (another province's team).")
    agency: TaskAgencyRef | None = Field(
        description="The co-operating agency; null for a team party."
    )
    body: TaskRefOut | None = Field(
        description="The co-operating coordination team; null for an agency party."
    )
    description: str = Field(description="Its part of the work (may be empty).")
    deadline: datetime.date | None = Field(description="Its sub-deadline, if any.")
    progress: int = Field(description="Its progress, 0-100.")
    completed_on: datetime.date | None = Field(
        description="When it reached 100%, if it has."
    )


class LatestUpdateOut(Out):
    on: datetime.date
    text: str


class TaskOut(Out):
    id: int = Field(description="Task id.")
    code: str = Field(description="NV-<year>-<seq>, unique per body and year.")
    title: str = Field(description="Title.")
    body: TaskRefOut = Field(description="The assigning coordination body.")
    state: str = Field(description=", ".join(Task.State.values))
    state_label: str = Field(description="The state in the caller's language.")
    bucket: str | None = Field(description="Null for a cancelled task.")
    bucket_label: str = Field(description="The bucket in the caller's language.")
    warnings: list[str] = Field(description="due_soon, at_risk")
    lead_agency: TaskAgencyRef = Field(description="The one lead agency (chủ trì).")
    cooperating: list[PartOut] = Field(
        description="Co-operating parties (phối hợp): agencies or other teams."
    )
    owner: TaskRefOut | None = Field(description="The person in charge, if any.")
    sector: TaskRefOut | None = Field(description="Sector, if any.")
    is_key: bool = Field(description="Key task (nhiệm vụ trọng tâm).")
    assigned_on: datetime.date = Field(description="Assigned date.")
    deadline: datetime.date | None = Field(
        description="Current approved deadline; null for none."
    )
    original_deadline: datetime.date | None = Field(
        description="The deadline when assigned."
    )
    extension_count: int = Field(description="How many times the deadline moved.")
    recurrence: str = Field(description=", ".join(Task.Recurrence.values))
    reported_done_on: datetime.date | None = Field(
        description="When the lead reported the work done."
    )
    completed_on: datetime.date | None = Field(
        description="When the work was done (set on confirmation)."
    )
    progress: int = Field(description="The lead's progress, 0-100.")
    latest_update: LatestUpdateOut | None = Field(
        description="The latest progress update (date and text)."
    )
    version: int = Field(description="Send it back with changes (409 when stale).")


class UpdateOut(Schema):
    id: int
    part_id: int | None
    agency: TaskAgencyRef
    author: str | None
    reported_on: datetime.date
    percent: int
    text: str
    reason: str


class DeadlineChangeOut(Schema):
    old_deadline: datetime.date | None
    new_deadline: datetime.date | None
    reason: str
    changed_by: str | None
    changed_at: datetime.datetime


class TaskDetailOut(TaskOut):
    description: str
    source_document: TaskRefOut | None
    source_text: str
    provinces: list[TaskRefOut]
    cancel_reason: str
    at_risk_reason: str | None
    allowed_actions: list[str]
    updates: list[UpdateOut]
    deadline_changes: list[DeadlineChangeOut]


class TaskPageOut(Out):
    items: list[TaskOut]
    next_cursor: str | None


class RateOut(Schema):
    """One official rate with the count it is taken over."""

    key: str = Field(
        description="completion (completed / due), on_time (completed on time "
        "/ completed), overdue_of_due (overdue / due), overdue_of_all "
        "(overdue / all counted tasks)"
    )
    value: float | None = Field(
        description="Percentage, rounded to two decimals half away from zero "
        "from the exact counts; null when the denominator is 0"
    )
    numerator: int = Field(description="The count the rate is of")
    denominator: int = Field(description="The count the rate is over")
    denominator_key: str = Field(
        description="Which count is the denominator: due, completed or total"
    )
    label: str = Field(description="The rate's name, translated")
    denominator_label: str = Field(
        description="The denominator's name, translated (e.g. “over tasks due”)"
    )

    @staticmethod
    def resolve_value(obj) -> float | None:
        return None if obj.value is None else float(obj.value)

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj.label)

    @staticmethod
    def resolve_denominator_label(obj) -> str:
        return str(obj.denominator_label)


class CountsOut(Schema):
    completed_on_time: int
    completed_late: int
    in_progress_within_deadline: int
    overdue: int
    due_soon: int
    at_risk: int
    total: int = Field(description="Tasks counted (cancelled tasks are not)")
    due: int = Field(
        description="Tasks due (đến hạn): completed (on time or late) plus "
        "overdue not completed"
    )
    rates: list[RateOut] = Field(
        description="Completion, on-time and overdue rates, each with its denominator"
    )


class SummaryRowOut(CountsOut):
    id: int | None
    code: str
    name: str


class SummaryOut(Schema):
    on: datetime.date
    totals: CountsOut
    by_agency: list[SummaryRowOut]
    by_sector: list[SummaryRowOut]
    rounding: str = Field(description="How the rates are rounded, translated")


class TaskListQuery(Schema):
    """Documented here; parsed by ``selectors.parse_task_filters``."""

    bucket: str | None = Field(None, description=", ".join(buckets.BUCKETS))
    warning: str | None = Field(None, description=", ".join(buckets.WARNINGS))
    state: str | None = None
    lead_agency: str | None = Field(None, description="Agency id.")
    cooperating_agency: str | None = Field(None, description="Agency id.")
    sector: str | None = Field(None, description="Sector id.")
    province: str | None = Field(None, description="Administrative unit id.")
    is_key: str | None = Field(None, description="1 or 0.")
    extended: str | None = Field(
        None,
        description="1: the deadline was changed (extended) at least once; 0: never.",
    )
    deadline_from: str | None = Field(None, description="YYYY-MM-DD")
    deadline_to: str | None = None
    assigned_from: str | None = None
    assigned_to: str | None = None
    source_document: str | None = Field(None, description="Document id.")
    source: str | None = Field(
        None,
        description=(
            "The record the tasks carry out, as app_label.model:id "
            "(e.g. proposals.proposal:12)."
        ),
    )
    record_only: str | None = Field(
        None,
        description=(
            "1: lead_agency and province match the agency or unit of record "
            "only; default: they include their predecessors (mergers)."
        ),
    )
    q: str | None = Field(None, description="Free text: code, title, latest update.")
    sort: str | None = Field(None, description=", ".join(selectors.SORTS))
    on: str | None = Field(None, description="As of this date (default today).")


class PageQuery(Schema):
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=selectors.MAX_LIMIT)


class PartIn(Schema):
    """A co-operating party: exactly one of ``agency_id`` (a Hanoi agency,
    another province's agency, a ministry) and ``body_id`` (another
    province's coordination team). The team asks it to co-operate."""

    agency_id: ApiId | None = Field(
        None, description="Agency id (GET /api/v1/agencies?on=); or body_id."
    )
    body_id: ApiId | None = Field(
        None, description="Coordination team id (GET /api/v1/bodies?on=); or agency_id."
    )
    description: str = Field("", description="Its part of the work, ≤ 500 chars.")
    deadline: ApiDate | None = Field(
        None, description="Sub-deadline: not before assigned_on, not after deadline."
    )


class TaskIn(Schema):
    body_id: ApiId | None = Field(
        None, description="Assigning body; may be left out if you manage exactly one."
    )
    title: str = Field(description="Title, 1-500 characters.")
    description: str = Field("", description="Longer description.")
    source_document_id: ApiId | None = Field(
        None, description="Source document id, from a register you can see."
    )
    source_text: str = Field(
        "", description="Source as text, when it is not in the register."
    )
    assigned_on: ApiDate = Field(description="Assigned date, not in the future.")
    lead_agency_id: ApiId = Field(
        description=(
            "The one lead agency: one of the assigning team's own agencies, "
            "valid on assigned_on (GET /api/v1/agencies?on=&unit=)."
        )
    )
    cooperating: list[PartIn] = Field(
        [], description="Co-operating parties (agencies or other teams)."
    )
    owner_id: ApiId | None = Field(
        None,
        description=(
            "A member of the body working at the lead agency "
            "(GET /api/v1/bodies/{id}/people?on=)."
        ),
    )
    sector_id: ApiId | None = Field(
        None, description="Sector id (GET /api/v1/sectors)."
    )
    province_ids: list[ApiId] = Field(
        [], description="Administrative unit ids (GET /api/v1/region/units?on=)."
    )
    is_key: bool = Field(False, description="Key task (nhiệm vụ trọng tâm).")
    deadline: ApiDate | None = Field(
        None, description="Deadline; null for none. Not before assigned_on."
    )
    recurrence: str = Field(
        "", description=", ".join(v for v in Task.Recurrence.values if v)
    )


class TaskPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    title: str | None = Field(None, description="New title.")
    description: str | None = Field(None, description="New description.")
    source_document_id: ApiId | None = Field(
        None, description="Source document id; null to clear."
    )
    source_text: str | None = Field(None, description="Source as text.")
    lead_agency_id: ApiId | None = Field(
        None, description="New lead agency (one of the team's own agencies)."
    )
    cooperating: list[PartIn] | None = Field(
        None,
        description=(
            "Replaces the co-operating parties; a party that has reported "
            "cannot be removed."
        ),
    )
    owner_id: ApiId | None = Field(None, description="Person in charge; null to clear.")
    sector_id: ApiId | None = Field(None, description="Sector id; null to clear.")
    province_ids: list[ApiId] | None = Field(
        None, description="Administrative unit ids (replaces the list)."
    )
    is_key: bool | None = Field(None, description="Key task.")
    recurrence: str | None = Field(
        None, description=", ".join(v for v in Task.Recurrence.values if v)
    )
    deadline: ApiDate | None = Field(
        None, description="Not changeable here: use the change_deadline transition."
    )


class ProgressIn(Schema):
    percent: int = Field(description="0-100; lower than now needs a reason.")
    text: str = Field(description="What was done (required).")
    reported_on: ApiDate | None = Field(
        None, description="Default today; not in the future nor before the last."
    )
    part_id: ApiId | None = Field(
        None,
        description=(
            "A co-operating party's part (its users report only on their own; "
            "403 on another's)."
        ),
    )
    reason: str = Field("", description="Required when the progress goes down.")
    version: ApiVersion | None = Field(None, description="The task's version you read.")


class ProgressOut(Schema):
    update: UpdateOut
    task: TaskOut


class TransitionIn(Schema):
    action: str = Field(description=", ".join(workflow.TASK_ACTIONS))
    reason: str = Field(
        "", description="Required for reopen, cancel and change_deadline."
    )
    version: ApiVersion | None = Field(None, description="The task's version you read.")
    new_deadline: ApiDate | None = Field(
        None, description="change_deadline: the new deadline."
    )
    reported_on: ApiDate | None = Field(
        None, description="report_done: the date the work was done (default today)."
    )
    effective_on: ApiDate | None = Field(
        None,
        description="change_deadline: the day the new deadline takes effect "
        "(default today; not before the assignment or the previous change, "
        "not in the future). Figures as of earlier days keep the old deadline.",
    )


# --- output -------------------------------------------------------------------------


def _agency(a: Agency) -> dict:
    return {"id": a.pk, "code": a.code, "name": str(a)}


def _task_out(task: Task) -> dict[str, Any]:
    # Labels from the per-language cache the list pages use (task_tags):
    # get_state_display and lazy labels cost more than the rest of a task.
    bucket = getattr(task, "bucket", None)
    return {
        "id": task.pk,
        "code": task.code,
        "title": task.title,
        "body": {"id": task.body_id, "name": str(task.body)},
        "state": task.state,
        "state_label": task_tags.state_label(task),
        "bucket": bucket,
        "bucket_label": task_tags.bucket_label(bucket),
        "warnings": buckets.task_warnings(task),
        "lead_agency": _agency(task.lead_agency),
        "cooperating": [
            {
                "id": p.pk,
                "party_kind": "agency" if p.agency_id is not None else "body",
                "agency": _agency(p.agency) if p.agency_id is not None else None,
                "body": {"id": p.body_id, "name": str(p.body)}
                if p.body_id is not None
                else None,
                "description": p.description,
                "deadline": p.deadline,
                "progress": p.progress,
                "completed_on": p.completed_on,
            }
            for p in task.listed_parts  # the parts the caller sees (selectors)
        ],
        "owner": {"id": task.owner_id, "name": str(task.owner)}
        if task.owner_id
        else None,
        "sector": {"id": task.sector_id, "name": task.sector.name}
        if task.sector_id
        else None,
        "is_key": task.is_key,
        "assigned_on": task.assigned_on,
        "deadline": task.deadline,
        "original_deadline": task.original_deadline,
        "extension_count": task.extension_count,
        "recurrence": task.recurrence,
        "reported_done_on": task.reported_done_on,
        "completed_on": task.completed_on,
        "progress": task.progress,
        "latest_update": (
            {"on": task.last_update_on, "text": task.last_update_text}
            if task.last_update_on
            else None
        ),
        "version": task.version,
    }


def _update_out(u) -> dict[str, Any]:
    return {
        "id": u.pk,
        "part_id": u.part_id,
        "agency": _agency(u.agency),
        "author": str(u.author) if u.author_id else None,
        "reported_on": u.reported_on,
        "percent": u.percent,
        "text": u.text,
        "reason": u.reason,
    }


def _detail_out(request, pk: int) -> dict[str, Any]:
    task = selectors.task_get(user=request.user, pk=pk)
    data = _task_out(task)
    data.update(
        description=task.description,
        source_document=(
            {"id": task.source_document_id, "name": str(task.source_document)}
            if task.source_document_id
            else None
        ),
        source_text=task.source_text,
        provinces=[{"id": u.pk, "name": u.name} for u in task.provinces.all()],
        cancel_reason=task.cancel_reason,
        at_risk_reason=buckets.why_at_risk(task, local_today()),
        allowed_actions=allowed_actions(request.user, task),
        updates=[_update_out(u) for u in task.updates.all()],
        deadline_changes=[
            {
                "old_deadline": c.old_deadline,
                "new_deadline": c.new_deadline,
                "reason": c.reason,
                "changed_by": str(c.changed_by) if c.changed_by_id else None,
                "changed_at": c.changed_at,
            }
            for c in task.deadline_changes.all()
        ],
    )
    if getattr(task, "party_only", False):
        # Seen only as a co-operating party (``selectors.task_get`` keeps
        # parts, updates and deadline changes to theirs): no Hanoi people or
        # documents, and the latest update among those they see (the task's
        # own may be another party's).
        updates = list(task.updates.all())
        latest = max(updates, key=lambda u: (u.reported_on, u.pk), default=None)
        data.update(
            owner=None,
            source_document=None,
            source_text="",
            latest_update={"on": latest.reported_on, "text": latest.text}
            if latest
            else None,
        )
    return data


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {
            API_FIELD_NAMES.get(f, f): messages
            for f, messages in exc.message_dict.items()
        }
    )


# --- input resolution -------------------------------------------------------------


def _resolve(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Objects for the ids in ``data`` (API names) as service keyword arguments."""
    found: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def one(key: str, name: str, model, message: str) -> None:
        if key not in data:
            return
        pk = data[key]
        if pk is None:
            found[name] = None
            return
        obj = model._default_manager.filter(pk=pk).first()
        if obj is None:
            errors[key] = [message]
        found[name] = obj

    one("lead_agency_id", "lead_agency", Agency, gettext("Unknown agency."))
    one("owner_id", "owner", get_user_model(), gettext("Unknown user."))
    one("sector_id", "sector", Sector, gettext("Unknown sector."))
    one(
        "source_document_id",
        "source_document",
        Document,
        gettext("Unknown document."),
    )
    if data.get("province_ids") is not None:
        ids = list(dict.fromkeys(data["province_ids"]))
        units = list(AdministrativeUnit.objects.filter(pk__in=ids))
        if len(units) != len(ids):
            errors["province_ids"] = [gettext("Unknown administrative unit.")]
        found["provinces"] = units
    if data.get("cooperating") is not None:
        parts = data["cooperating"]
        if any(
            (p.get("agency_id") is None) == (p.get("body_id") is None) for p in parts
        ):
            errors["cooperating"] = [
                gettext("Give each co-operating party an agency_id or a body_id.")
            ]
            return found, errors
        agency_ids = [p["agency_id"] for p in parts if p.get("agency_id") is not None]
        body_ids = [p["body_id"] for p in parts if p.get("body_id") is not None]
        agencies = Agency.objects.in_bulk(agency_ids)
        bodies = Body.objects.in_bulk(body_ids)
        if any(i not in agencies for i in agency_ids):
            errors["cooperating"] = [gettext("Unknown agency.")]
        elif any(i not in bodies for i in body_ids):
            errors["cooperating"] = [gettext("Unknown coordination body.")]
        else:
            found["cooperating"] = [
                {
                    "agency": agencies.get(p.get("agency_id")),
                    "body": bodies.get(p.get("body_id")),
                    "description": p.get("description") or "",
                    "deadline": p.get("deadline"),
                }
                for p in parts
            ]
    return found, errors


# --- endpoints ----------------------------------------------------------------------


class SectorOut(Schema):
    id: int = Field(description="Sector id (sector_id of a task).")
    key: str = Field(description="Stable key, e.g. quy-hoach.")
    name: str = Field(description="Name (lĩnh vực).")


class SectorQuery(Schema):
    on: ApiDate | None = Field(
        None, description="Accepted like the registry's on=; sectors are not dated."
    )


@router.get(
    "/sectors",
    response=responses({200: list[SectorOut]}),
    summary="Sectors a task can have",
)
def list_sectors(request, query: Query[SectorQuery]):
    """Every sector (domain.md §8), in their order."""
    return [
        {"id": s.pk, "key": s.key, "name": s.name} for s in selectors.sector_choices()
    ]


@router.get("", response=responses({200: TaskPageOut}), summary="List tasks")
def list_tasks(request, filters: Query[TaskListQuery], page: Query[PageQuery]):
    """Filters as on the list page; pass ``next_cursor`` back as ``cursor``.

    Each item has its bucket and warnings as of ``on`` (default today).
    """
    parsed, errors = selectors.parse_task_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    on = parsed.on or local_today()

    def answer() -> str:
        result = selectors.task_list(
            user=request.user,
            filters=parsed,
            on=on,
            after=page.cursor,
            limit=page.limit,
        )
        return json_text(
            TaskPageOut.model_validate(
                {
                    "items": [_task_out(t) for t in result.items],
                    "next_cursor": result.next_cursor,
                }
            )
        )

    # Validated and encoded once, kept as text for everyone who sees the same
    # tasks: a cached page is neither a model to unpickle nor JSON to encode.
    return json_response(
        task_cache.api_list(request.user, parsed, on, page.cursor, page.limit, answer)
    )


@router.get(
    "/summary",
    response=responses({200: SummaryOut}),
    summary="Counts per bucket and agency",
)
def task_summary(request, filters: Query[TaskListQuery]):
    """Counts per bucket (and warnings), per lead agency (most overdue first)
    and per sector, as of ``on``; the list filters apply. Cancelled tasks
    are not counted. Each row has ``due`` (tasks due) and ``rates`` (each
    with its numerator, denominator and the denominator's name; rounded to
    two decimals, halves away from zero). A past ``on`` is answered from
    the dated history (the deadline, state and lead agency in force then),
    so its figures do not change later."""
    parsed, errors = selectors.parse_task_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    summary = selectors.task_summary(user=request.user, filters=parsed)
    return {
        "on": summary["on"],
        "totals": summary["totals"],
        "by_agency": summary["by_agency"],
        "by_sector": summary["by_sector"],
        "rounding": str(summary["rounding"]),
    }


@router.post(
    "",
    response=responses({201: TaskDetailOut}, body=True),
    summary="Assign a task",
)
def create_task(request, payload: TaskIn):
    data = payload.dict()
    body_id = data.pop("body_id")
    if body_id is None:
        user_seats(request.user)
        managed = manager_body_ids(request.user)
        if len(managed) != 1:
            raise ValidationError({"body_id": [gettext("Choose the assigning body.")]})
        body_id = next(iter(managed))
    body = Body.objects.filter(pk=body_id).first()
    if body is None:
        raise ValidationError({"body_id": [gettext("Unknown coordination body.")]})
    if not request.user.has_perm("tasks.add_task", body):
        raise PermissionDenied
    found, errors = _resolve(data)
    if errors:
        raise ValidationError(errors)
    try:
        task = services.task_create(
            actor=request.user,
            body=body,
            title=data["title"],
            description=data["description"],
            source_text=data["source_text"],
            assigned_on=data["assigned_on"],
            is_key=data["is_key"],
            deadline=data["deadline"],
            recurrence=data["recurrence"],
            lead_agency=found["lead_agency"],
            cooperating=found.get("cooperating", []),
            owner=found.get("owner"),
            sector=found.get("sector"),
            provinces=found.get("provinces", []),
            source_document=found.get("source_document"),
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _detail_out(request, task.pk))


@router.get(
    "/{int:task_id}",
    response=responses({200: TaskDetailOut}),
    summary="Get a task",
)
def get_task(request, task_id: int):
    return _detail_out(request, task_id)


@router.patch(
    "/{int:task_id}",
    response=responses({200: TaskDetailOut}, version=True, body=True),
    summary="Change a task",
)
def update_task(request, task_id: int, payload: TaskPatch):
    """Send only the fields to change, with the ``version`` you read."""
    task = access_task(user=request.user, pk=task_id, perm="tasks.change_task")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "deadline" in data:
        raise ValidationError(
            {
                "deadline": [
                    gettext("Use the change_deadline transition, with a reason.")
                ]
            }
        )
    nullable = {"owner_id", "sector_id", "source_document_id"}
    nulls = {
        name: [gettext("This field cannot be null.")]
        for name, v in data.items()
        if v is None and name not in nullable
    }
    if nulls:
        raise ValidationError(nulls)
    found, errors = _resolve(data)
    if errors:
        raise ValidationError(errors)
    fields = {
        k: v
        for k, v in data.items()
        if k in ("title", "description", "source_text", "is_key", "recurrence")
    }
    fields.update(found)
    try:
        services.task_update(actor=request.user, task=task, version=version, **fields)
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, task_id)


@router.post(
    "/{int:task_id}/progress",
    response=responses({201: ProgressOut}, version=True, body=True),
    summary="Report progress",
    openapi_extra=json_or_multipart(ProgressIn, required=["percent", "text"]),
)
def report_progress(request, task_id: int):
    """JSON, or multipart/form-data with the same fields and ``files``.

    The lead agency's focal point or the owner reports on the task; a
    co-operating agency's focal point on its own part (``part_id``).
    """
    task = access_task(user=request.user, pk=task_id)
    payload = request_payload(request, ProgressIn)
    files = request.FILES.getlist("files") if request.FILES else []
    try:
        update = services.progress_report(
            actor=request.user,
            task=task,
            percent=payload.percent,
            text=payload.text,
            reported_on=payload.reported_on,
            part=payload.part_id,
            reason=payload.reason,
            files=files,
            version=payload.version,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    update = type(update).objects.select_related("agency", "author").get(pk=update.pk)
    task = selectors.task_get(user=request.user, pk=task_id)
    return Status(201, {"update": _update_out(update), "task": _task_out(task)})


@router.post(
    "/{int:task_id}/transitions",
    response=responses({200: TaskDetailOut}, version=True, body=True),
    summary="Take a workflow action",
)
def transition_task(request, task_id: int, payload: TransitionIn):
    """``action``: start, report_done, confirm, reopen, cancel, change_deadline.

    403 when your role does not allow the action, 422 on ``action`` when the
    task's state does not; ``reason`` is required for reopen, cancel and
    change_deadline; ``new_deadline`` for change_deadline.
    """
    task = access_task(user=request.user, pk=task_id)
    try:
        services.task_transition(
            actor=request.user,
            task=task,
            action=payload.action,
            reason=payload.reason,
            version=payload.version,
            new_deadline=payload.new_deadline,
            reported_on=payload.reported_on,
            effective_on=payload.effective_on,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, task_id)


# --- extension requests ----------------------------------------------------------------


class ExtensionFileOut(Schema):
    id: int
    name: str
    size: int
    url: str


class ExtensionRequestOut(Schema):
    id: int
    task_id: int
    part_id: int | None = Field(
        None, description="Set for a party's request to move its sub-deadline."
    )
    state: str = Field(
        description="pending, approved, approved_other_date, refused, withdrawn"
    )
    state_label: str
    requested_by: TaskRefOut | None
    agency: TaskAgencyRef
    current_deadline: datetime.date = Field(description="The deadline when requested.")
    requested_deadline: datetime.date
    reason: str
    created_at: datetime.datetime
    decided_by: TaskRefOut | None
    decided_on: datetime.date | None
    decision_reason: str
    approved_deadline: datetime.date | None
    files: list[ExtensionFileOut]


class ExtensionRequestListOut(Schema):
    items: list[ExtensionRequestOut]


class ExtensionResultOut(Schema):
    request: ExtensionRequestOut
    task: TaskOut


class ExtensionRequestIn(Schema):
    requested_deadline: ApiDate = Field(
        description=(
            "Today or later, after the current deadline (of the task, or of "
            "the part with part_id; a part's not after the task's deadline)."
        )
    )
    reason: str = Field(description="Why the extension is needed (required).")
    version: ApiVersion | None = Field(None, description="The task's version you read.")
    part_id: ApiId | None = Field(
        None,
        description=(
            "A co-operating party's own part: ask to move its sub-deadline "
            "(the party's users). Without it: the task's deadline (lead, owner)."
        ),
    )


class ExtensionDecisionIn(Schema):
    decision: str = Field(description=", ".join(extension_services.DECISIONS))
    deadline: ApiDate | None = Field(
        None, description="approve_other_date: the approved deadline."
    )
    reason: str = Field("", description="Required to refuse.")


def _person(user) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def _extension_out(e: ExtensionRequest) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": e.pk,
        "task_id": e.task_id,
        "part_id": e.part_id,
        "state": e.state,
        "state_label": str(e.get_state_display()),
        "requested_by": _person(e.requested_by),
        "agency": _agency(e.agency),
        "current_deadline": e.current_deadline,
        "requested_deadline": e.requested_deadline,
        "reason": e.reason,
        "created_at": e.created_at,
        "decided_by": _person(e.decided_by),
        "decided_on": e.decided_on,
        "decision_reason": e.decision_reason,
        "approved_deadline": e.approved_deadline,
        "files": [
            {
                "id": a.pk,
                "name": a.original_name,
                "size": a.size,
                "url": reverse("docs:attachment-download", args=[a.pk]),
            }
            for a in getattr(e, "files", [])
        ],
    }


def _extension_result(request, task_id: int, extension_id: int) -> dict[str, Any]:
    task = selectors.task_get(user=request.user, pk=task_id)
    extension = extension_selectors.extension_request_get(task=task, pk=extension_id)
    return {"request": _extension_out(extension), "task": _task_out(task)}


@router.get(
    "/{int:task_id}/extension-requests",
    response=responses({200: ExtensionRequestListOut}),
    summary="List a task's extension requests",
)
def list_extension_requests(request, task_id: int):
    """Newest first, with the decisions and files. 404 when you may not see
    the task."""
    task = access_task(user=request.user, pk=task_id)
    return {
        "items": [
            _extension_out(e)
            for e in extension_selectors.extension_request_list(task=task)
        ]
    }


@router.post(
    "/{int:task_id}/extension-requests",
    response=responses({201: ExtensionResultOut}, version=True, body=True),
    summary="Request an extension",
    openapi_extra=json_or_multipart(
        ExtensionRequestIn,
        required=["requested_deadline", "reason"],
        files="file",
        many=False,
    ),
)
def create_extension_request(request, task_id: int):
    """The lead agency's focal point or the task's owner asks for a new
    deadline (JSON, or multipart/form-data with an optional ``file``).

    403 for other roles; 422 on ``requested_deadline`` (before today, not
    after the current deadline, a task without deadline), ``reason`` (empty)
    or ``action`` (a request is already pending, or the task is not new or in
    progress); 409 on a stale ``version``.
    """
    task = access_task(user=request.user, pk=task_id)
    payload = request_payload(request, ExtensionRequestIn)
    upload = request.FILES.get("file") if request.FILES else None
    try:
        if payload.part_id is not None:
            extension = extension_services.part_extension_request_create(
                actor=request.user,
                task=task,
                part=payload.part_id,
                requested_deadline=payload.requested_deadline,
                reason=payload.reason,
                file=upload,
            )
        else:
            extension = extension_services.extension_request_create(
                actor=request.user,
                task=task,
                requested_deadline=payload.requested_deadline,
                reason=payload.reason,
                file=upload,
                version=payload.version,
            )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _extension_result(request, task_id, extension.pk))


@router.post(
    "/{int:task_id}/extension-requests/{int:request_id}/decision",
    response=responses({200: ExtensionResultOut}, version=True, body=True),
    summary="Decide on an extension request",
)
def decide_extension_request(
    request, task_id: int, request_id: int, payload: ExtensionDecisionIn
):
    """``decision``: approve (the requested date), approve_other_date (with
    ``deadline``, after the current one), refuse (with ``reason``).

    Leader, deputy or administrator only (403); 404 when the request is not
    the task's; 409 when it is no longer pending; 422 with the field.
    """
    task = access_task(user=request.user, pk=task_id)
    extension = extension_selectors.extension_request_get(task=task, pk=request_id)
    try:
        extension_services.extension_request_decide(
            actor=request.user,
            task=task,
            extension=extension,
            decision=payload.decision,
            deadline=payload.deadline,
            reason=payload.reason,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _extension_result(request, task_id, request_id)


@router.post(
    "/{int:task_id}/extension-requests/{int:request_id}/withdraw",
    response=responses({200: ExtensionResultOut}, version=True, body=True),
    summary="Withdraw an extension request",
)
def withdraw_extension_request(request, task_id: int, request_id: int):
    """The lead agency's focal point or the owner (403 otherwise); 409 when
    the request is no longer pending."""
    task = access_task(user=request.user, pk=task_id)
    extension = extension_selectors.extension_request_get(task=task, pk=request_id)
    extension_services.extension_request_withdraw(
        actor=request.user, task=task, extension=extension
    )
    return _extension_result(request, task_id, request_id)
