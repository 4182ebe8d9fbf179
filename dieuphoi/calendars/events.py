"""What the calendar shows, and where it comes from.

Each app that has dated things (activities, task deadlines, consultation
deadlines, milestones) registers an event source from its
``AppConfig.ready()``::

    from dieuphoi.calendars.events import register_event_source

    register_event_source("activities.activity", _("Activities"), activity_events)

``events(user, start, end, *, body_ids=None, agency_ids=None)`` returns the
``CalendarEvent``s ``user`` may see that overlap ``[start, end)`` (dates, in
Asia/Ho_Chi_Minh), restricted to the given bodies and agencies when these are
given (``None``: no restriction). It must keep a fixed number of queries
whatever the number of events (one or two). The month, week and agenda views
and the ICS feeds all read through ``events_between``; no view asks an app
directly.

An event's ``uid`` is stable for the life of the thing it shows (an activity
keeps its UID when it moves; ``sequence`` goes up instead), so a calendar
that imported it updates it in place; a cancelled activity keeps its UID with
``status="CANCELLED"``.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# "activity", "task_deadline", "round_deadline", "milestone", ...: the key of
# the source, used for colour and filtering.
Kind = str


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # globally unique and stable, e.g. "activity-12@dieuphoi"
    kind: Kind
    title: str
    # A date means an all-day event; an aware datetime a timed one.
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime | None = None
    url: str = ""  # the item's page (absolute path)
    sequence: int = 0  # RFC 5545 SEQUENCE: bumped when the event changes
    status: str = "CONFIRMED"  # or "TENTATIVE", "CANCELLED"
    location: str = ""
    description: str = ""
    body_id: int | None = None
    agency_ids: tuple[int, ...] = ()
    last_modified: datetime.datetime | None = None
    # Extra display hints for the views (e.g. {"overdue": True}).
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime.datetime)


EventsFn = Callable[..., Iterable[CalendarEvent]]


@dataclass(frozen=True)
class EventSource:
    key: str
    label: str
    events: EventsFn


_SOURCES: dict[str, EventSource] = {}


def register_event_source(key: str, label, events: EventsFn) -> None:
    _SOURCES[key] = EventSource(key=key, label=label, events=events)


def event_sources() -> list[EventSource]:
    return list(_SOURCES.values())


def events_between(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    body_ids: Iterable[int] | None = None,
    agency_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
) -> list[CalendarEvent]:
    """Every event ``user`` may see in ``[start, end)``, sorted by start."""
    if getattr(user, "is_authenticated", False):
        # The user's seats today, in one query that also fills
        # ``org.permissions.body_roles``' cache: the sources share them.
        from dieuphoi.tasks.permissions import user_seats

        user_seats(user)
    body_ids = None if body_ids is None else frozenset(body_ids)
    agency_ids = None if agency_ids is None else frozenset(agency_ids)
    wanted = None if kinds is None else set(kinds)
    out: list[CalendarEvent] = []
    for source in _SOURCES.values():
        if wanted is not None and source.key not in wanted:
            continue
        out.extend(
            source.events(user, start, end, body_ids=body_ids, agency_ids=agency_ids)
        )
    out.sort(key=lambda e: (sort_key(e.start), e.title, e.uid))
    return out


def uid_host() -> str:
    """The host part of the events' UIDs (``task-12-deadline@<host>``): the
    site's host name from ``SITE_URL``, so two installations never clash."""
    from django.conf import settings

    return _host_of(getattr(settings, "SITE_URL", "") or "")


@functools.lru_cache(maxsize=8)
def _host_of(site_url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(site_url).hostname or "dieuphoi"


def event_uid(local: str) -> str:
    """``local@host``: a stable UID for the thing ``local`` names."""
    return f"{local}@{uid_host()}"


def sort_key(value: datetime.date | datetime.datetime) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return datetime.datetime.combine(value, datetime.time.min)
