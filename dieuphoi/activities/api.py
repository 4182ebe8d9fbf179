"""Joint activities API, mounted at /api/v1.

Same rules as the pages (``permissions``): the list shows the activities
the caller may see (an outsider gets an empty list); an activity the caller
may not see answers 404; a change by someone who sees it but does not
manage its host body 403; bad input 422 with the field; a stale ``version``
409 with the current one.

Endpoints: ``GET/POST /activities`` (filters as the list page, ``cursor``,
``limit`` ≤ 200), ``GET/PATCH /activities/{id}``, ``GET/POST
/activities/{id}/responses`` (POST: the caller answers for their own
invitee; the host's managers name the ``invitee_id``), ``GET/POST
/activities/{id}/conclusions`` and ``POST
/activities/{id}/conclusions/{cid}/tasks`` (convert, once).

Times are ISO 8601; one without an offset is read in Asia/Ho_Chi_Minh;
answers give them in UTC.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import body_to_create_in
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.core.versioning import check_version
from dieuphoi.org.models import Agency, Body

from . import permissions, selectors, services
from .models import Activity, Invitee

router = Router(tags=["joint activities"])

API_FIELD_NAMES = {
    "body": "body_id",
    "lead_agency": "lead_agency_id",
    "cooperating_agencies": "cooperating_agency_ids",
    "cooperating_bodies": "cooperating_body_ids",
}


# --- schemas -----------------------------------------------------------------------


class ActivityRef(Schema):
    id: int
    name: str


class ActivityOut(Schema):
    id: int
    uid: str = Field(description="RFC 5545 UID, stable for the activity's life.")
    sequence: int = Field(description="RFC 5545 SEQUENCE: bumped on each move.")
    kind: str = Field(description=", ".join(Activity.Kind.values))
    kind_label: str
    title: str
    description: str
    body: ActivityRef = Field(description="The host coordination body.")
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    online_link: str
    state: str = Field(description=", ".join(Activity.State.values))
    state_label: str
    cancel_reason: str
    response_deadline: datetime.date
    version: int = Field(description="Send it back with changes (409 when stale).")


class ActivityListItem(ActivityOut):
    invitees_total: int
    invitees_pending: int = Field(description="Invitees that have not answered.")
    invitees_coming: int = Field(description="Attending or sending someone.")


class ActivityPageOut(Schema):
    items: list[ActivityListItem]
    next_cursor: str | None = Field(description="Pass back as cursor; null at the end.")


class AgendaOut(Schema):
    order: int
    title: str
    presenter: str


class ActivityDetailOut(ActivityOut):
    agenda: list[AgendaOut]
    minutes: str
    invitation_paper_id: int | None
    conclusions_paper_id: int | None
    matter_ids: list[int] = Field(description="Linked matters you may see.")
    can_change: bool


class ActivityListQuery(Schema):
    kind: str | None = Field(None, description=", ".join(Activity.Kind.values))
    state: str | None = Field(None, description=", ".join(Activity.State.values))
    body: ApiId | None = Field(None, description="Host body id.")
    when: str | None = Field(None, description="upcoming (default), past, all.")
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(selectors.LIST_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class InviteeIn(Schema):
    body_id: ApiId | None = Field(None, description="A coordination body.")
    agency_id: ApiId | None = Field(None, description="An agency.")
    person_id: ApiId | None = Field(None, description="A user.")


class AgendaIn(Schema):
    title: str
    presenter: str = ""


class ActivityIn(Schema):
    body_id: ApiId | None = Field(
        None, description="The host body; may be left out if you manage one only."
    )
    kind: str = Field(description=", ".join(Activity.Kind.values))
    title: str = Field(description="1-500 characters.")
    description: str = ""
    starts_at: datetime.datetime
    ends_at: datetime.datetime = Field(description="After starts_at.")
    place: str = ""
    online_link: str = Field("", description="An https:// link.")
    response_deadline: ApiDate | None = Field(
        None, description="Default: two working days before the start."
    )
    agenda: list[AgendaIn] = []
    invitees: list[InviteeIn] = Field(
        [], description="Each one of body_id, agency_id, person_id."
    )
    matter_ids: list[ApiId] = Field(
        [], description="Inter-provincial matters to link (ones you may see)."
    )


class ActivityPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    place: str | None = None
    online_link: str | None = None
    response_deadline: ApiDate | None = None
    invitees: list[InviteeIn] | None = Field(None, description="Replaces the list.")
    matter_ids: list[ApiId] | None = Field(
        None,
        description="Replaces the linked matters you may see (ones you may not "
        "see stay linked); [] unlinks them.",
    )


class InviteeOut(Schema):
    id: int
    party: str = Field(description="body, agency or person.")
    party_id: int
    name: str
    response: str = Field(description=", ".join(Invitee.Response.values))
    response_label: str
    delegate_name: str
    delegate_position: str
    decline_reason: str
    responded_at: datetime.datetime | None
    attended: str = Field(description=", ".join(Invitee.Attended.values))
    attendee_name: str
    on_behalf_of: str
    can_respond: bool = Field(description="Whether the caller may answer for it.")
    version: int


class ResponseIn(Schema):
    invitee_id: ApiId | None = Field(
        None, description="Your invitee; required when you answer for several."
    )
    response: str = Field(description="attend, delegate, decline.")
    delegate_name: str = ""
    delegate_position: str = ""
    reason: str = Field("", description="Required to decline.")
    version: ApiVersion | None = None


class ConclusionTaskRef(Schema):
    id: int
    code: str
    title: str


class ConclusionOut(Schema):
    id: int
    order: int
    text: str
    lead_agency_id: int | None
    cooperating_agency_ids: list[int]
    cooperating_body_ids: list[int]
    deadline: datetime.date | None
    converted_at: datetime.datetime | None
    tasks: list[ConclusionTaskRef]
    version: int


class ConclusionIn(Schema):
    text: str
    lead_agency_id: ApiId | None = None
    cooperating_agency_ids: list[ApiId] = []
    cooperating_body_ids: list[ApiId] = []
    deadline: ApiDate | None = None


class ConclusionTaskIn(Schema):
    title: str
    lead_agency_id: ApiId
    cooperating_agency_ids: list[ApiId] = []
    cooperating_body_ids: list[ApiId] = []
    deadline: ApiDate | None = None


class ConvertIn(Schema):
    version: ApiVersion | None = None
    tasks: list[ConclusionTaskIn] | None = Field(
        None, description="Left out: one task as the conclusion proposes."
    )


class ConvertOut(Schema):
    tasks: list[ConclusionTaskRef]


# --- helpers -----------------------------------------------------------------------


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=services.LOCAL)


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {API_FIELD_NAMES.get(f, f): m for f, m in exc.message_dict.items()}
    )


def _out(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "uid": a.uid,
        "sequence": a.sequence,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "title": a.title,
        "description": a.description,
        "body": {"id": a.body_id, "name": a.body.name},
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "place": a.place,
        "online_link": a.online_link,
        "state": a.state,
        "state_label": str(a.get_state_display()),
        "cancel_reason": a.cancel_reason,
        "response_deadline": a.response_deadline,
        "version": a.version,
    }


def _detail_out(request, pk: int) -> dict[str, Any]:
    activity = permissions.access_activity(user=request.user, pk=pk)
    activity = selectors.activity_detail(activity.pk)
    out = _out(activity)
    out["agenda"] = [
        {"order": i.order, "title": i.title, "presenter": i.presenter}
        for i in activity.agenda.all()
    ]
    out["minutes"] = activity.minutes
    out["invitation_paper_id"] = activity.invitation_paper_id
    out["conclusions_paper_id"] = activity.conclusions_paper_id
    out["can_change"] = permissions.can_change_activity(request.user, activity)
    from dieuphoi.matters import permissions as matter_perms

    out["matter_ids"] = sorted(
        matter_perms.visible(request.user, activity.matters.all()).values_list(
            "pk", flat=True
        )
    )
    return out


def _invitees(items: list[dict] | None) -> tuple[list | None, dict]:
    from django.contrib.auth import get_user_model

    if items is None:
        return None, {}
    out, errors = [], {}
    for item in items:
        given = [(k, v) for k, v in item.items() if v is not None]
        if len(given) != 1:
            errors["invitees"] = [
                gettext("Each invitee is a body, an agency or a person.")
            ]
            continue
        key, pk = given[0]
        model = {"body_id": Body, "agency_id": Agency, "person_id": get_user_model()}[
            key
        ]
        obj = model.objects.filter(pk=pk).first()
        if obj is None:
            errors["invitees"] = [gettext("Unknown invitee.")]
            continue
        out.append({key[:-3]: obj})
    return out, errors


def _objects(model, ids: list[int], field: str, errors: dict) -> list:
    ids = list(dict.fromkeys(ids or ()))
    found = list(model.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        errors[field] = [gettext("Unknown id.")]
    return found


# --- activities --------------------------------------------------------------------


@router.get(
    "/activities", response=responses({200: ActivityPageOut}), summary="List activities"
)
def list_activities(request, query: Query[ActivityListQuery]):
    """Upcoming first by default (``when``); pass ``next_cursor`` back as ``cursor``."""
    data = {
        k: (v.isoformat() if isinstance(v, datetime.date) else str(v))
        for k, v in query.dict().items()
        if v is not None and k not in ("cursor", "limit")
    }
    filters, errors = selectors.parse_filters(data)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    page = selectors.activity_list(
        user=request.user, filters=filters, after=query.cursor, limit=query.limit
    )
    items = []
    for a in page.items:
        row = _out(a)
        row.update(
            invitees_total=a.invitees_total,
            invitees_pending=a.invitees_pending,
            invitees_coming=a.invitees_coming,
        )
        items.append(row)
    return {"items": items, "next_cursor": page.next_cursor}


@router.post(
    "/activities",
    response=responses({201: ActivityDetailOut}, body=True),
    summary="Create an activity",
)
def create_activity(request, payload: ActivityIn):
    data = payload.dict()
    body = body_to_create_in(
        permissions.manager_bodies(request.user), data.pop("body_id")
    )
    invitees, errors = _invitees(data["invitees"])
    if errors:
        raise ValidationError(errors)
    matters = services.check_matters(request.user, data["matter_ids"], "matter_ids")
    try:
        with transaction.atomic():
            activity = services.activity_create(
                actor=request.user,
                body=body,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                starts_at=_aware(data["starts_at"]),
                ends_at=_aware(data["ends_at"]),
                place=data["place"],
                online_link=data["online_link"],
                response_deadline=data["response_deadline"],
                agenda=data["agenda"],
                invitees=invitees,
            )
            if matters:
                services.activity_matters_set(
                    actor=request.user, activity=activity, add=matters
                )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _detail_out(request, activity.pk))


@router.get(
    "/activities/{int:activity_id}",
    response=responses({200: ActivityDetailOut}),
    summary="Get an activity",
)
def get_activity(request, activity_id: int):
    return _detail_out(request, activity_id)


NOT_NULL = {"kind", "title", "description", "starts_at", "ends_at", "place",
            "online_link", "response_deadline", "invitees"}  # fmt: skip


@router.patch(
    "/activities/{int:activity_id}",
    response=responses({200: ActivityDetailOut}, version=True, body=True),
    summary="Change or move an activity",
)
def update_activity(request, activity_id: int, payload: ActivityPatch):
    """Send only the fields to change with the ``version`` you read. A new
    time, place or title bumps ``sequence`` and tells the invitees."""
    activity = permissions.access_activity(
        user=request.user, pk=activity_id, perm=permissions.CHANGE
    )
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    nulls = {
        name: [gettext("This field cannot be null.")]
        for name, v in data.items()
        if v is None and name in NOT_NULL
    }
    if nulls:
        raise ValidationError(nulls)
    if "invitees" in data:
        data["invitees"], errors = _invitees(data["invitees"])
        if errors:
            raise ValidationError(errors)
    for name in ("starts_at", "ends_at"):
        if name in data:
            data[name] = _aware(data[name])
    matter_ids = data.pop("matter_ids", None)
    matters = (
        None
        if matter_ids is None
        else services.check_matters(request.user, matter_ids, "matter_ids")
    )
    try:
        with transaction.atomic():
            if data or matters is None:
                activity = services.activity_update(
                    actor=request.user, activity=activity, version=version, **data
                )
            else:
                check_version(activity, version)
            if matters is not None:
                services.activity_matters_set(
                    actor=request.user, activity=activity, replace=matters
                )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _detail_out(request, activity_id)


# --- responses ---------------------------------------------------------------------


def _invitee_out(i: Invitee, can: bool) -> dict[str, Any]:
    return {
        "id": i.pk,
        "party": i.party_kind,
        "party_id": i.body_id or i.agency_id or i.person_id,
        "name": i.name,
        "response": i.response,
        "response_label": str(i.get_response_display()),
        "delegate_name": i.delegate_name,
        "delegate_position": i.delegate_position,
        "decline_reason": i.decline_reason,
        "responded_at": i.responded_at,
        "attended": i.attended,
        "attendee_name": i.attendee_name,
        "on_behalf_of": i.on_behalf_of,
        "can_respond": can,
        "version": i.version,
    }


def _responses(request, activity: Activity) -> list[dict]:
    invitees = selectors.invitees_of(activity)
    manager = permissions.can_change_activity(request.user, activity)
    own = {i.pk for i in permissions.own_invitees(request.user, activity, invitees)}
    return [_invitee_out(i, manager or i.pk in own) for i in invitees]


@router.get(
    "/activities/{int:activity_id}/responses",
    response=responses({200: list[InviteeOut]}),
    summary="The invitees and their answers",
)
def list_responses(request, activity_id: int):
    activity = permissions.access_activity(user=request.user, pk=activity_id)
    return _responses(request, activity)


@router.post(
    "/activities/{int:activity_id}/responses",
    response=responses({200: InviteeOut}, version=True, body=True),
    summary="Answer the invitation",
)
def respond(request, activity_id: int, payload: ResponseIn):
    """The caller answers for their own invitee (their body, agency or
    themselves): attend, delegate (name and position) or decline (reason)."""
    activity = permissions.access_activity(user=request.user, pk=activity_id)
    invitees = selectors.invitees_of(activity)
    if payload.invitee_id is not None:
        invitee = next((i for i in invitees if i.pk == payload.invitee_id), None)
        if invitee is None:
            raise ValidationError(
                {"invitee_id": [gettext("Not an invitee of this activity.")]}
            )
    else:
        own = permissions.own_invitees(request.user, activity, invitees)
        if not own and permissions.can_change_activity(request.user, activity):
            raise ValidationError(
                {"invitee_id": [gettext("Choose which invitee you answer for.")]}
            )
        if not own:
            raise PermissionDenied
        if len(own) > 1:
            raise ValidationError(
                {"invitee_id": [gettext("Choose which invitee you answer for.")]}
            )
        invitee = own[0]
    invitee.activity = activity
    try:
        saved = services.response_record(
            actor=request.user,
            invitee=invitee,
            response=payload.response,
            delegate_name=payload.delegate_name,
            delegate_position=payload.delegate_position,
            reason=payload.reason,
            version=payload.version,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _invitee_out(saved, True)


# --- conclusions -------------------------------------------------------------------


def _conclusion_out(c) -> dict[str, Any]:
    return {
        "id": c.pk,
        "order": c.order,
        "text": c.text,
        "lead_agency_id": c.lead_agency_id,
        "cooperating_agency_ids": [a.pk for a in c.cooperating_agencies.all()],
        "cooperating_body_ids": [b.pk for b in c.cooperating_bodies.all()],
        "deadline": c.deadline,
        "converted_at": c.converted_at,
        "tasks": [
            {"id": t.pk, "code": t.code, "title": t.title}
            for t in getattr(c, "tasks", [])
        ],
        "version": c.version,
    }


@router.get(
    "/activities/{int:activity_id}/conclusions",
    response=responses({200: list[ConclusionOut]}),
    summary="The conclusions and their tasks",
)
def list_conclusions(request, activity_id: int):
    activity = permissions.access_activity(user=request.user, pk=activity_id)
    return [_conclusion_out(c) for c in selectors.conclusions_of(activity)]


@router.post(
    "/activities/{int:activity_id}/conclusions",
    response=responses({201: ConclusionOut}, body=True),
    summary="Add a conclusion",
)
def add_conclusion(request, activity_id: int, payload: ConclusionIn):
    activity = permissions.access_activity(
        user=request.user, pk=activity_id, perm=permissions.CHANGE
    )
    errors: dict = {}
    lead = None
    if payload.lead_agency_id is not None:
        lead = Agency.objects.filter(pk=payload.lead_agency_id).first()
        if lead is None:
            errors["lead_agency_id"] = [gettext("Unknown agency.")]
    agencies = _objects(
        Agency, payload.cooperating_agency_ids, "cooperating_agency_ids", errors
    )
    bodies = _objects(
        Body, payload.cooperating_body_ids, "cooperating_body_ids", errors
    )
    if errors:
        raise ValidationError(errors)
    try:
        conclusion = services.conclusion_add(
            actor=request.user,
            activity=activity,
            text=payload.text,
            lead_agency=lead,
            cooperating_agencies=agencies,
            cooperating_bodies=bodies,
            deadline=payload.deadline,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    conclusion.tasks = []
    return Status(201, _conclusion_out(conclusion))


@router.post(
    "/activities/{int:activity_id}/conclusions/{int:conclusion_id}/tasks",
    response=responses({201: ConvertOut}, version=True, body=True),
    summary="Turn a conclusion into tasks (once)",
)
def convert_conclusion(
    request, activity_id: int, conclusion_id: int, payload: ConvertIn
):
    conclusion = permissions.access_conclusion(
        user=request.user,
        activity_pk=activity_id,
        pk=conclusion_id,
        perm=permissions.CHANGE,
    )
    tasks = None
    if payload.tasks is not None:
        errors: dict = {}
        tasks = []
        for item in payload.tasks:
            lead = Agency.objects.filter(pk=item.lead_agency_id).first()
            if lead is None:
                errors["lead_agency_id"] = [gettext("Unknown agency.")]
            agencies = _objects(
                Agency, item.cooperating_agency_ids, "cooperating_agency_ids", errors
            )
            bodies = _objects(
                Body, item.cooperating_body_ids, "cooperating_body_ids", errors
            )
            tasks.append(
                services.TaskInput(
                    title=item.title,
                    lead_agency=lead,
                    cooperating=tuple(
                        [{"agency": a} for a in agencies]
                        + [{"body": b} for b in bodies]
                    ),
                    deadline=item.deadline,
                )
            )
        if errors:
            raise ValidationError(errors)
    try:
        created = services.conclusion_convert(
            actor=request.user,
            conclusion=conclusion,
            tasks=tasks,
            version=payload.version,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(
        201,
        {"tasks": [{"id": t.pk, "code": t.code, "title": t.title} for t in created]},
    )
