"""Calendar API, mounted at /api/v1.

``GET /calendar/events?start=YYYY-MM-DD&end=YYYY-MM-DD`` (``end``
exclusive, at most 400 days after ``start``), with the optional filters
``body``, ``agency`` (ids, repeatable) and ``kind`` (event source keys,
repeatable): the events the caller may see (``events.events_between``), by
start. An outsider gets an empty list. Bad input: 422 with the field and the
reason.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from dieuphoi.api.errors import responses
from dieuphoi.core.params import ApiDate

from . import selectors
from .events import events_between

router = Router(tags=["calendar"])


class EventsQuery(Schema):
    start: ApiDate = Field(description="First day, YYYY-MM-DD (Asia/Ho_Chi_Minh).")
    end: ApiDate = Field(
        description="The day after the last, YYYY-MM-DD; at most 400 days after start."
    )
    body: list[str] = Field(
        default_factory=list, description="Coordination body ids (repeatable)."
    )
    agency: list[str] = Field(
        default_factory=list, description="Agency ids (repeatable)."
    )
    kind: list[str] = Field(
        default_factory=list,
        description="Kinds of event (repeatable), e.g. tasks.deadline, "
        "proposals.round, keyprojects.milestone, activities.activity.",
    )


class EventOut(Schema):
    uid: str = Field(description="Stable identifier (the ICS UID).")
    kind: str
    kind_label: str = Field(description="The kind in the caller's language.")
    title: str
    all_day: bool
    start: datetime.date | datetime.datetime = Field(
        description="A date for an all-day event, else a UTC date-time."
    )
    end: datetime.date | datetime.datetime | None = Field(
        description="Exclusive end (a date for all-day events), or null."
    )
    url: str = Field(description="The item's page (path).")
    status: str = Field(description="CONFIRMED, TENTATIVE or CANCELLED.")
    sequence: int
    location: str
    body_id: int | None
    agency_ids: list[int]
    overdue: bool = Field(description="A deadline or milestone already passed.")


class EventListOut(Schema):
    items: list[EventOut]


def _utc(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC)
    return value


@router.get(
    "/calendar/events",
    response=responses({200: EventListOut}),
    summary="Calendar events in a date range",
)
def list_events(request, query: Query[EventsQuery]):
    """The events the caller may see overlapping ``[start, end)``."""
    problem = selectors.range_error(query.start, query.end)
    if problem:
        raise ValidationError({"end": [problem]})
    filters, errors = selectors.parse_filters(request.GET)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    labels = selectors.kind_labels()
    events = events_between(
        request.user,
        query.start,
        query.end,
        body_ids=filters.body_ids,
        agency_ids=filters.agency_ids,
        kinds=filters.kinds,
    )
    return {
        "items": [
            {
                "uid": e.uid,
                "kind": e.kind,
                "kind_label": labels.get(e.kind, e.kind),
                "title": e.title,
                "all_day": e.all_day,
                "start": _utc(e.start),
                "end": _utc(e.end),
                "url": e.url,
                "status": e.status,
                "sequence": e.sequence,
                "location": e.location,
                "body_id": e.body_id,
                "agency_ids": list(e.agency_ids),
                "overdue": bool(e.extra.get("overdue")),
            }
            for e in events
        ]
    }
