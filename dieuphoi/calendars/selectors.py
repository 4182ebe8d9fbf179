"""Reads of the calendar: the pages' and the API's parameters, and the month,
week and agenda layouts built from ``events.events_between``.

Public names:

- ``CalendarFilters`` (``body_ids``, ``agency_ids``, ``kinds``: ``None`` = no
  restriction) and ``parse_filters(querydict) -> (filters, errors)``.
- ``parse_month(text)``, ``parse_week(text)``, ``parse_day(text)``: the
  navigation parameters (``2026-12``, ``2026-W49``, ``2026-12-03`` or
  ``03/12/2026``); ``ValueError`` on a bad one.
- ``month_grid``, ``week_grid``, ``agenda_days``: the layouts (plain
  dataclasses the templates walk).
- ``MAX_RANGE_DAYS``: the longest range the agenda and the API answer.

Everything reads through ``events_between``: a fixed number of queries per
source whatever the number of events.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext

from dieuphoi.core import params

from .events import CalendarEvent, event_sources, events_between

DAY = datetime.timedelta(days=1)
MAX_RANGE_DAYS = 400
AGENDA_DAYS = 30
MONTH_SHOWN = 3  # events shown in a month cell before "+N more"
WEEK_HOURS = range(7, 19)  # hours always drawn in the week view
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{1,2})", re.IGNORECASE)
MAX_FILTER_IDS = 50


@dataclass(frozen=True)
class CalendarFilters:
    body_ids: frozenset[int] | None = None
    agency_ids: frozenset[int] | None = None
    kinds: frozenset[str] | None = None

    def to_params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for name, values in (
            ("body", self.body_ids),
            ("agency", self.agency_ids),
            ("kind", self.kinds),
        ):
            for value in sorted(values or ()):
                out.append((name, str(value)))
        return out


def kind_labels() -> dict[str, str]:
    return {s.key: str(s.label) for s in event_sources()}


def _getlist(data, name: str) -> list[str]:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
    else:
        value = data.get(name)
        values = value if isinstance(value, list) else [value]
    return [v for v in (str(x).strip() for x in values if x is not None) if v]


def parse_filters(data) -> tuple[CalendarFilters, dict[str, str]]:
    """``body``, ``agency`` (ids, repeatable) and ``kind`` (source keys,
    repeatable) from a query dict; ``errors`` is ``{field: message}``."""
    errors: dict[str, str] = {}
    values: dict[str, frozenset | None] = {}
    for name, attr in (("body", "body_ids"), ("agency", "agency_ids")):
        raw = _getlist(data, name)
        if not raw:
            values[attr] = None
            continue
        try:
            ids = params.parse_ids(raw)
        except ValueError:
            errors[name] = gettext("Choose a value from the list.")
            continue
        if len(ids) > MAX_FILTER_IDS:
            errors[name] = gettext("Choose at most %(max)s.") % {"max": MAX_FILTER_IDS}
            continue
        values[attr] = frozenset(ids)
    kinds = _getlist(data, "kind")
    if kinds:
        known = kind_labels()
        bad = [k for k in kinds if k not in known]
        if bad:
            errors["kind"] = gettext("Unknown kind of event: %(kind)s.") % {
                "kind": bad[0][:40]
            }
        else:
            values["kinds"] = frozenset(kinds)
    return CalendarFilters(**values), errors


def parse_month(text: str) -> datetime.date:
    """The first day of the month ``YYYY-MM``."""
    m = _MONTH_RE.fullmatch((text or "").strip())
    if not m:
        raise ValueError(text)
    year, month = int(m.group(1)), int(m.group(2))
    if not params.MIN_YEAR <= year <= params.MAX_YEAR or not 1 <= month <= 12:
        raise ValueError(text)
    return datetime.date(year, month, 1)


def parse_week(text: str) -> datetime.date:
    """The Monday of the ISO week ``YYYY-Www``."""
    m = _WEEK_RE.fullmatch((text or "").strip())
    if not m:
        raise ValueError(text)
    year, week = int(m.group(1)), int(m.group(2))
    if not params.MIN_YEAR <= year < params.MAX_YEAR:
        raise ValueError(text)
    return datetime.date.fromisocalendar(year, week, 1)  # ValueError on W54


def parse_day(text: str) -> datetime.date:
    return params.parse_date(text)


def week_param(monday: datetime.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def month_param(first: datetime.date) -> str:
    return f"{first.year}-{first.month:02d}"


def add_months(first: datetime.date, n: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- placing events on days ----------------------------------------------------------


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value)


def event_days(
    event: CalendarEvent, start: datetime.date, end: datetime.date
) -> list[datetime.date]:
    """The local days of ``[start, end)`` the event covers."""
    if event.all_day:
        first = event.start
        last = event.end - DAY if event.end and event.end > first else first
    else:
        begin = _local(event.start)
        first = begin.date()
        last = first
        if event.end is not None:
            finish = _local(event.end)
            last = finish.date()
            if finish.time() == datetime.time.min and last > first:
                last -= DAY
    first, last = max(first, start), min(last, end - DAY)
    days = []
    day = first
    while day <= last:
        days.append(day)
        day += DAY
    return days


@dataclass
class Item:
    """An event as a view shows it on one day."""

    event: CalendarEvent
    time: str = ""  # local "HH:MM" for a timed event on its first day
    continued: bool = False  # a day after its first
    label: str = ""  # the kind's label

    @property
    def kind_class(self) -> str:
        return kind_css(self.event.kind)


def kind_css(kind: str) -> str:
    return "cal-kind-" + re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")


def _items_by_day(events, start, end) -> dict[datetime.date, list[Item]]:
    by_day: dict[datetime.date, list[Item]] = {}
    labels = kind_labels()
    for event in events:
        days = event_days(event, start, end)
        first = None
        if not event.all_day:
            first = _local(event.start).date()
        for day in days:
            time = ""
            if first is not None and day == first:
                time = _local(event.start).strftime("%H:%M")
            by_day.setdefault(day, []).append(
                Item(
                    event=event,
                    time=time,
                    continued=first is not None and day != first,
                    label=labels.get(event.kind, ""),
                )
            )
    return by_day


@dataclass
class Cell:
    day: datetime.date
    in_month: bool
    is_today: bool
    items: list[Item]
    more: int = 0
    shown: list[Item] = field(default_factory=list)


@dataclass
class MonthGrid:
    first: datetime.date
    start: datetime.date
    end: datetime.date
    weeks: list[list[Cell]]
    count: int


def month_range(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = first - datetime.timedelta(days=first.weekday())
    next_first = add_months(first, 1)
    last = next_first - DAY
    end = last + datetime.timedelta(days=7 - last.weekday())
    return start, end


def month_grid(*, user, first: datetime.date, filters: CalendarFilters) -> MonthGrid:
    start, end = month_range(first)
    events = _read(user, start, end, filters)
    by_day = _items_by_day(events, start, end)
    today = timezone.localdate()
    weeks = []
    day = start
    while day < end:
        week = []
        for _ in range(7):
            items = by_day.get(day, [])
            week.append(
                Cell(
                    day=day,
                    in_month=day.month == first.month,
                    is_today=day == today,
                    items=items,
                    shown=items[:MONTH_SHOWN],
                    more=max(len(items) - MONTH_SHOWN, 0),
                )
            )
            day += DAY
        weeks.append(week)
    return MonthGrid(first=first, start=start, end=end, weeks=weeks, count=len(events))


@dataclass
class WeekDay:
    day: datetime.date
    is_today: bool
    all_day: list[Item]


@dataclass
class HourRow:
    hour: int
    cells: list[list[Item]]


@dataclass
class WeekGrid:
    monday: datetime.date
    days: list[WeekDay]
    hours: list[HourRow]
    count: int


def week_grid(*, user, monday: datetime.date, filters: CalendarFilters) -> WeekGrid:
    end = monday + datetime.timedelta(days=7)
    events = _read(user, monday, end, filters)
    by_day = _items_by_day(events, monday, end)
    today = timezone.localdate()
    days = []
    timed: dict[tuple[int, int], list[Item]] = {}
    hours = set(WEEK_HOURS)
    for i in range(7):
        day = monday + datetime.timedelta(days=i)
        all_day = []
        for item in by_day.get(day, []):
            if item.event.all_day or item.continued:
                all_day.append(item)
            else:
                hour = _local(item.event.start).hour
                hours.add(hour)
                timed.setdefault((hour, i), []).append(item)
        days.append(WeekDay(day=day, is_today=day == today, all_day=all_day))
    rows = [
        HourRow(hour=h, cells=[timed.get((h, i), []) for i in range(7)])
        for h in sorted(hours)
    ]
    return WeekGrid(monday=monday, days=days, hours=rows, count=len(events))


@dataclass
class AgendaDay:
    day: datetime.date
    is_today: bool
    items: list[Item]


def agenda_days(
    *, user, start: datetime.date, end: datetime.date, filters: CalendarFilters
) -> list[AgendaDay]:
    """Days of ``[start, end)`` that have events, in order."""
    events = _read(user, start, end, filters)
    by_day = _items_by_day(events, start, end)
    today = timezone.localdate()
    return [
        AgendaDay(day=day, is_today=day == today, items=by_day[day])
        for day in sorted(by_day)
    ]


def _read(user, start, end, filters: CalendarFilters) -> list[CalendarEvent]:
    return events_between(
        user,
        start,
        end,
        body_ids=filters.body_ids,
        agency_ids=filters.agency_ids,
        kinds=filters.kinds,
    )


def range_error(start: datetime.date, end: datetime.date) -> str | None:
    if end <= start:
        return gettext("The end must be after the start.")
    if (end - start).days > MAX_RANGE_DAYS:
        return gettext("Choose a range of at most %(days)s days.") % {
            "days": MAX_RANGE_DAYS
        }
    return None
