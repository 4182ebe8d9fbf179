"""RFC 5545 calendars from ``CalendarEvent``s, written with icalendar.

One writer for the feeds (``METHOD:PUBLISH``) and for the invitation e-mails'
attachment (``METHOD:REQUEST``; ``METHOD:CANCEL`` when the activity is
cancelled). Timed events are written in UTC (``DTSTART:...Z``), so no
VTIMEZONE is needed and every client shows them in its own zone; all-day
events are dates (``DTEND`` the day after, exclusive).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .events import CalendarEvent

PRODID = "-//dieuphoi//Capital Region coordination//VI"


def _utc(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC)


def to_vevent(
    event: CalendarEvent,
    *,
    base_url: str = "",
    stamp: datetime.datetime | None = None,
    organizer: tuple[str, str] | None = None,  # (e-mail, name)
    attendees: Iterable[tuple[str, str]] = (),
) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(stamp or timezone.now()))
    if event.all_day:
        start = event.start
        end = event.end if event.end and event.end > start else None
        vevent.add("dtstart", start)
        vevent.add("dtend", end or start + datetime.timedelta(days=1))
    else:
        vevent.add("dtstart", _utc(event.start))
        if event.end is not None:
            vevent.add("dtend", _utc(event.end))
    vevent.add("summary", event.title)
    vevent.add("sequence", int(event.sequence))
    vevent.add("status", event.status)
    if event.location:
        vevent.add("location", event.location)
    description = event.description
    if event.url:
        url = base_url.rstrip("/") + event.url if base_url else event.url
        if base_url:
            vevent.add("url", url)
        description = f"{description}\n\n{url}".strip()
    if description:
        vevent.add("description", description)
    if event.last_modified is not None:
        vevent.add("last-modified", _utc(event.last_modified))
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer[0]}")
        address.params["cn"] = vText(organizer[1])
        vevent.add("organizer", address, encode=False)
    for email, name in attendees:
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        vevent.add("attendee", address, encode=False)
    return vevent


def calendar_bytes(
    events: Iterable[CalendarEvent],
    *,
    name: str = "",
    method: str = "PUBLISH",
    base_url: str = "",
    organizer: tuple[str, str] | None = None,
    attendees: Iterable[tuple[str, str]] = (),
) -> bytes:
    """The ``text/calendar`` body for ``events``."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    stamp = timezone.now()
    attendees = list(attendees)
    for event in events:
        cal.add_component(
            to_vevent(
                event,
                base_url=base_url,
                stamp=stamp,
                organizer=organizer,
                attendees=attendees,
            )
        )
    return cal.to_ical()
