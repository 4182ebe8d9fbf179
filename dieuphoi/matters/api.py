"""Inter-provincial matters API, mounted at /api/v1.

Same rules as the pages (``permissions``): the list shows the matters the
caller may see (an outsider gets an empty list); a matter the caller may not
see answers 404; a change by someone who sees it but may not make it 403;
bad input 422 with the field; a stale ``version`` 409 with the current one.

``GET/POST /matters`` (filters as the list page, ``cursor``, ``limit`` ≤ 200),
``GET/PATCH /matters/{id}``, ``GET/POST /matters/{id}/log`` (keyset on
``(occurred_on, id)``), ``POST /matters/{id}/transitions``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import IdLookup, body_to_create_in
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.docs.models import Document
from dieuphoi.org.models import AdministrativeUnit, Agency, Body

from . import permissions, selectors, services, stale, workflow
from .models import LogEntry, Matter

router = Router(tags=["inter-provincial matters"])

API_FIELD_NAMES = {
    "provinces": "province_ids",
    "agencies": "agency_ids",
    "raised_by_body": "raised_by_body_id",
    "raised_by_agency": "raised_by_agency_id",
    "sector": "sector_id",
    "owner": "owner_id",
    "bodies": "body_ids",
    "document": "document_id",
}


class MatterRefOut(Schema):
    id: int
    name: str


class MatterUnitOut(MatterRefOut):
    successors: list[MatterRefOut] = Field(
        description="Today's units that absorbed it (empty while it exists)."
    )


class MatterOut(Schema):
    id: int
    code: str
    title: str
    description: str
    body: MatterRefOut
    sector: MatterRefOut | None
    provinces: list[MatterUnitOut] = Field(description="Units as of raised_on.")
    raised_by_body: MatterRefOut | None
    raised_by_agency: MatterRefOut | None
    raised_on: datetime.date
    competence: str = Field(description=", ".join(Matter.Competence.values))
    priority: str = Field(description=", ".join(Matter.Priority.values))
    state: str = Field(description=", ".join(Matter.State.values))
    state_label: str
    owner: MatterRefOut | None
    last_logged_on: datetime.date | None
    stale: bool = Field(description="Open with no log entry for N working days.")
    version: int = Field(description="Send it back with changes (409 when stale).")


class MatterListItem(MatterOut):
    log_count: int


class MatterPageOut(Schema):
    items: list[MatterListItem]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class MatterDetailOut(MatterOut):
    agencies: list[MatterRefOut]
    resolution: str
    resolved_on: datetime.date | None
    escalation_reason: str
    actions: list[str] = Field(description="Transitions the caller may make now.")
    can_change: bool
    can_log: bool


class MatterListQuery(Schema):
    province: ApiId | None = Field(
        None, description="A unit id (absorbed units included)."
    )
    state: str | None = Field(None, description=", ".join(Matter.State.values))
    competence: str | None = Field(
        None, description=", ".join(Matter.Competence.values)
    )
    sector: ApiId | None = None
    stale: bool | None = None
    q: str | None = Field(None, description="Words in the code, title or description.")
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class MatterIn(Schema):
    body_id: ApiId | None = Field(
        None, description="May be left out if you manage one body."
    )
    code: str = Field("", description="Left empty: VD-<year>-<n>.")
    title: str = Field(description="1-500 characters.")
    description: str = ""
    raised_on: ApiDate
    province_ids: list[ApiId] = Field(
        description="Units valid on raised_on, at least one."
    )
    agency_ids: list[ApiId] = []
    raised_by_body_id: ApiId | None = None
    raised_by_agency_id: ApiId | None = None
    sector_id: ApiId | None = None
    competence: str = Field(
        Matter.Competence.CITY, description=", ".join(Matter.Competence.values)
    )
    priority: str = Field(
        Matter.Priority.NORMAL, description=", ".join(Matter.Priority.values)
    )
    owner_id: ApiId | None = Field(None, description="A member of the body.")


class MatterPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    code: str | None = None
    title: str | None = None
    description: str | None = None
    raised_on: ApiDate | None = None
    province_ids: list[ApiId] | None = None
    agency_ids: list[ApiId] | None = None
    raised_by_body_id: ApiId | None = None
    raised_by_agency_id: ApiId | None = None
    sector_id: ApiId | None = None
    competence: str | None = None
    priority: str | None = None
    owner_id: ApiId | None = None


class LogOut(Schema):
    id: int
    kind: str = Field(description=", ".join(LogEntry.Kind.values))
    kind_label: str
    occurred_on: datetime.date
    summary: str
    agencies: list[MatterRefOut]
    bodies: list[MatterRefOut]
    document_id: int | None
    author: str
    files: list[MatterRefOut]


class LogPageOut(Schema):
    items: list[LogOut]
    next_cursor: str | None


class LogQuery(Schema):
    cursor: str | None = None
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class LogIn(Schema):
    kind: str = Field(description=", ".join(LogEntry.Kind.values))
    occurred_on: ApiDate = Field(description="Not before raised_on, not in the future.")
    summary: str
    agency_ids: list[ApiId] = []
    body_ids: list[ApiId] = Field(
        [], description="Teams of the provinces concerned, the Council."
    )
    document_id: ApiId | None = Field(
        None, description="A document of the body's register."
    )


class MatterTransitionIn(Schema):
    action: str = Field(description=", ".join(workflow.TRANSITIONS))
    version: ApiVersion | None = None
    resolution: str = Field("", description="Required to resolve.")
    reason: str = Field("", description="Required to escalate and to reopen.")
    document_id: ApiId | None = None


# --- output ------------------------------------------------------------------------


def _ref(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": getattr(obj, "name", None) or str(obj)}


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.full_name or user.username}


def _matter_out(m: Matter) -> dict[str, Any]:
    return {
        "id": m.pk,
        "code": m.code,
        "title": m.title,
        "description": m.description,
        "body": _ref(m.body),
        "sector": _ref(m.sector),
        "provinces": [
            {**_ref(u), "successors": [_ref(s) for s in getattr(u, "today", [])]}
            for u in m.provinces.all()
        ],
        "raised_by_body": _ref(m.raised_by_body),
        "raised_by_agency": _ref(m.raised_by_agency),
        "raised_on": m.raised_on,
        "competence": m.competence,
        "priority": m.priority,
        "state": m.state,
        "state_label": str(m.get_state_display()),
        "owner": _person(m.owner),
        "last_logged_on": m.last_logged_on,
        "stale": bool(getattr(m, "stale", False)),
        "version": m.version,
    }


def _detail_out(request, pk: int) -> dict[str, Any]:
    matter = permissions.access_matter(user=request.user, pk=pk)
    matter = (
        Matter.objects.select_related(
            "body", "sector", "owner", "raised_by_body", "raised_by_agency"
        )
        .prefetch_related(selectors._units_prefetch(), "agencies")
        .get(pk=matter.pk)
    )
    selectors.mark([matter], stale.local_today())
    out = _matter_out(matter)
    out.update(
        agencies=[_ref(a) for a in matter.agencies.all()],
        resolution=matter.resolution,
        resolved_on=matter.resolved_on,
        escalation_reason=matter.escalation_reason,
        actions=[t.action for t in workflow.allowed_actions(request.user, matter)],
        can_change=permissions.can_change_matter(request.user, matter),
        can_log=permissions.can_log(request.user, matter),
    )
    return out


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {API_FIELD_NAMES.get(f, f): m for f, m in exc.message_dict.items()}
    )


def _resolve(data: dict, body: Body) -> tuple[dict, dict]:
    from django.contrib.auth import get_user_model

    from dieuphoi.tasks.models import Sector

    lookup = IdLookup(data)
    one, many = lookup.one, lookup.many
    found, errors = lookup.found, lookup.errors

    unknown_agency = gettext("Unknown agency.")
    many(
        "province_ids",
        "provinces",
        AdministrativeUnit.objects.all(),
        gettext("Unknown administrative unit."),
    )
    many("agency_ids", "agencies", Agency.objects.all(), unknown_agency)
    many(
        "body_ids", "bodies", Body.objects.all(), gettext("Unknown coordination body.")
    )
    one(
        "raised_by_body_id",
        "raised_by_body",
        Body.objects.all(),
        gettext("Unknown coordination body."),
    )
    one("raised_by_agency_id", "raised_by_agency", Agency.objects.all(), unknown_agency)
    one("sector_id", "sector", Sector.objects.all(), gettext("Unknown sector."))
    one("owner_id", "owner", get_user_model().objects.all(), gettext("Unknown person."))
    one(
        "document_id",
        "document",
        Document.objects.filter(body=body),
        gettext("Unknown document in the body's register."),
    )
    return found, errors


# --- matters ---------------------------------------------------------------------------


@router.get(
    "/matters",
    response=responses({200: MatterPageOut}),
    summary="List inter-provincial matters",
)
def list_matters(request, query: Query[MatterListQuery]):
    filters, errors = selectors.parse_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    page = selectors.matter_list(
        user=request.user, filters=filters, after=query.cursor, limit=query.limit
    )
    items = []
    for m in page.items:
        row = _matter_out(m)
        row["log_count"] = m.log_count
        items.append(row)
    return {"items": items, "next_cursor": page.next_cursor}


@router.post(
    "/matters",
    response=responses({201: MatterDetailOut}, body=True),
    summary="Create a matter",
)
def create_matter(request, payload: MatterIn):
    data = payload.dict()
    body = body_to_create_in(
        permissions.manager_bodies(request.user), data.pop("body_id")
    )
    found, errors = _resolve(data, body)
    if errors:
        raise ValidationError(errors)
    try:
        matter = services.matter_create(
            actor=request.user,
            body=body,
            code=data["code"],
            title=data["title"],
            description=data["description"],
            raised_on=data["raised_on"],
            competence=data["competence"],
            priority=data["priority"],
            **found,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _detail_out(request, matter.pk))


@router.get(
    "/matters/{int:matter_id}",
    response=responses({200: MatterDetailOut}),
    summary="Get a matter",
)
def get_matter(request, matter_id: int):
    return _detail_out(request, matter_id)


NOT_NULL = {
    "code",
    "title",
    "description",
    "raised_on",
    "competence",
    "priority",
    "province_ids",
    "agency_ids",
}


@router.patch(
    "/matters/{int:matter_id}",
    response=responses({200: MatterDetailOut}, version=True, body=True),
    summary="Change a matter",
)
def update_matter(request, matter_id: int, payload: MatterPatch):
    """Send only the fields to change, with the ``version`` you read."""
    matter = permissions.access_matter(
        user=request.user, pk=matter_id, perm=permissions.CHANGE
    )
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    nulls = [k for k in NOT_NULL if k in data and data[k] is None]
    if nulls:
        raise ValidationError(
            {k: [gettext("This field cannot be null.")] for k in nulls}
        )
    found, errors = _resolve(data, matter.body)
    if errors:
        raise ValidationError(errors)
    plain = {
        k: data[k]
        for k in ("code", "title", "description", "raised_on", "competence", "priority")
        if k in data
    }
    try:
        services.matter_update(
            actor=request.user, matter=matter, version=version, **plain, **found
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, matter.pk)


@router.post(
    "/matters/{int:matter_id}/transitions",
    response=responses({200: MatterDetailOut}, version=True, body=True),
    summary="Change the state of a matter",
)
def transition_matter(request, matter_id: int, payload: MatterTransitionIn):
    matter = permissions.access_matter(user=request.user, pk=matter_id)
    data = payload.dict()
    step = workflow.TRANSITIONS.get(data["action"])
    if step is None:
        raise ValidationError({"action": [gettext("Unknown action.")]})
    if not workflow.holds(request.user, matter, step.who):
        raise PermissionDenied
    found, errors = _resolve({"document_id": data["document_id"]}, matter.body)
    if errors:
        raise ValidationError(errors)
    try:
        services.transition(
            actor=request.user,
            matter=matter,
            action=data["action"],
            version=data["version"],
            resolution=data["resolution"],
            reason=data["reason"],
            document=found.get("document"),
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, matter.pk)


# --- the log ---------------------------------------------------------------------------


def _log_out(e: LogEntry) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "kind_label": str(e.get_kind_display()),
        "occurred_on": e.occurred_on,
        "summary": e.summary,
        "agencies": [_ref(a) for a in e.agencies.all()],
        "bodies": [_ref(b) for b in e.bodies.all()],
        "document_id": e.document_id,
        "author": (e.author.full_name or e.author.username) if e.author else "",
        "files": [
            {"id": f.pk, "name": f.original_name} for f in getattr(e, "files", [])
        ],
    }


@router.get(
    "/matters/{int:matter_id}/log",
    response=responses({200: LogPageOut}),
    summary="The coordination log",
)
def list_log(request, matter_id: int, query: Query[LogQuery]):
    matter = permissions.access_matter(user=request.user, pk=matter_id)
    page = selectors.log_page(matter, after=query.cursor, limit=query.limit)
    return {"items": [_log_out(e) for e in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/matters/{int:matter_id}/log",
    response=responses({201: LogOut}, body=True),
    summary="Add to the coordination log",
)
def add_log(request, matter_id: int, payload: LogIn):
    matter = permissions.access_matter(
        user=request.user, pk=matter_id, perm=permissions.LOG
    )
    data = payload.dict()
    found, errors = _resolve(
        {k: data[k] for k in ("agency_ids", "body_ids", "document_id")}, matter.body
    )
    if errors:
        raise ValidationError(errors)
    try:
        entry = services.log_add(
            actor=request.user,
            matter=matter,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            summary=data["summary"],
            agencies=found.get("agencies", []),
            bodies=found.get("bodies", []),
            document=found.get("document"),
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    entry.files = []
    return Status(201, _log_out(entry))
