"""Vietnamese working days: the one place that says whether a date is worked.

Public names (stable; other apps import them)::

    from dieuphoi.workdays.calendar import (
        is_working_day,        # (d) -> bool
        add_working_days,      # (d, n) -> date; n may be negative or 0
        working_days_between,  # (a, b) -> int, working days in (a, b]
        next_working_day,      # (d) -> first working day after d
        previous_working_day,  # (d) -> last working day before d
        working_day_on_or_after,  # (d) -> d if worked, else the next one
        day_reason,            # (d) -> why d is off / worked against the rule
        calendar_version,      # () -> hashable stamp that changes with the table
        # deadlines on a day off (settings.DEADLINE_ON_DAY_OFF):
        effective_deadline,    # (d) -> the day a deadline written as d ends
        overdue_cutoff,        # (on) -> C: open task overdue on ``on`` iff deadline < C
        due_working_day,       # (d) -> the working day a deadline d falls due (ladder)
        deadlines_due_on,      # (w) -> written deadlines due on working day w
        days_off_between,      # (a, b) -> the days off in [a, b]
        effective_deadline_expression,  # (field, start=, end=) -> SQL date
    )

The rules, in order (the first that applies decides):

1. A ``CalendarDay`` row (the admin table of the government's yearly
   announcements): ``working_day`` means worked, ``day_off`` means not.
2. The ``holidays`` package's swapped working weekend days for Vietnam
   (``weekend_workdays``, e.g. Saturday 22/08/2026) are worked.
3. The package's public holidays for Vietnam (New Year, lunar Tết, Hùng
   Kings' day, 30/4, 1/5, National Day, Vietnam Cultural Day, and the
   observed/substituted days it knows) are not.
4. Monday to Friday are worked; Saturday and Sunday are not.

Counting: ``add_working_days(d, n)`` does not count ``d`` itself: with n > 0 it
is the n-th working day after d, with n < 0 the |n|-th working day before d,
with n == 0 it is d unchanged (even on a day off: callers that need a working
day use ``working_day_on_or_after``). ``working_days_between(a, b)`` counts
the working days d with a < d <= b (negated when b < a), so for a working day
b, ``add_working_days(a, working_days_between(a, b)) == b``.

Caching: the package's dates are cached per year for the life of the process.
The table is read once and kept in memory; it is re-read at once in the
process that changes it (model signals), and other processes notice a change
within ``settings.WORKDAYS_CACHE_SECONDS`` (default 10) by comparing a cheap
stamp (row count and latest ``updated_at``) read from the database. Tests
start each test from an empty table with no stamp checks
(``reset_for_tests``, called by the root conftest), so calendar lookups add
no queries to query-count assertions unless the test writes the table.
"""

from __future__ import annotations

import datetime
import functools
import threading
import time
from collections.abc import Mapping

import holidays
from django.conf import settings

ONE_DAY = datetime.timedelta(days=1)
COUNTRY = "VN"
# A span with no working day this long means the data are wrong (e.g. a
# table that marks a whole year off); stop instead of looping for ever.
MAX_SCAN_DAYS = 3660

WORKING_DAY = "working_day"
DAY_OFF = "day_off"


# --- the holidays package ----------------------------------------------------


@functools.lru_cache(maxsize=256)
def _package_year(
    year: int, language: str | None = None
) -> tuple[Mapping[datetime.date, str], frozenset[datetime.date]]:
    """``(holidays, swapped working weekend days)`` of ``year`` for Vietnam."""
    kwargs = {"years": year}
    if language:
        kwargs["language"] = language
    calendar = holidays.country_holidays(COUNTRY, **kwargs)
    names = {day: calendar.get(day) for day in sorted(calendar)}
    workdays = frozenset(
        day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year
    )
    return names, workdays


def package_is_working_day(day: datetime.date) -> bool:
    """The package's answer alone (rules 2-4), ignoring the admin table."""
    names, workdays = _package_year(day.year)
    if day in workdays:
        return True
    if day in names:
        return False
    return day.weekday() < 5


def package_holidays(year: int, language: str | None = None) -> dict:
    """``{date: name}`` of the package's holidays in ``year``.

    ``language`` is one the package supports for Vietnam (``vi``, ``en_US``);
    anything else falls back to the package default (English).
    """
    if language not in (None, "vi", "en_US"):
        language = None
    return dict(_package_year(year, language)[0])


def package_weekend_workdays(year: int) -> frozenset[datetime.date]:
    return _package_year(year)[1]


# --- the admin table, cached -------------------------------------------------


class _TableCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[datetime.date, str] | None = None
        self.stamp: tuple | None = None
        self.checked_at = 0.0
        # Seconds between stamp checks; None = never (tests).
        self.ttl: float | None = None

    def clear(self) -> None:
        with self.lock:
            self.rows = None
            self.stamp = None
            self.checked_at = 0.0


_cache = _TableCache()


def _ttl() -> float | None:
    if _cache.ttl is not None:
        return _cache.ttl if _cache.ttl >= 0 else None
    return float(getattr(settings, "WORKDAYS_CACHE_SECONDS", 10))


def _read_stamp() -> tuple:
    from django.db.models import Count, Max

    from .models import CalendarDay

    agg = CalendarDay.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def _read_rows() -> dict[datetime.date, str]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.values_list("date", "kind"))


def _table() -> dict[datetime.date, str]:
    """The admin table ``{date: kind}``, re-read when its stamp changed."""
    now = time.monotonic()
    rows = _cache.rows
    ttl = _ttl()
    if rows is not None and (ttl is None or now - _cache.checked_at < ttl):
        return rows
    with _cache.lock:
        stamp = _read_stamp()
        if _cache.rows is None or stamp != _cache.stamp:
            _cache.rows = _read_rows()
            _cache.stamp = stamp
        _cache.checked_at = time.monotonic()
        return _cache.rows


def invalidate() -> None:
    """Forget the cached table; the next lookup re-reads it.

    Called by the model signals on every save and delete of a ``CalendarDay``;
    call it yourself after writing the table with ``QuerySet.update()`` or raw
    SQL, which send no signals.
    """
    ttl = _cache.ttl
    _cache.clear()
    _cache.ttl = ttl


def reset_for_tests() -> None:
    """Start from an empty table and check no stamps (no queries).

    The root conftest calls this around every test: each test's database
    starts with an empty table, and a cached table must not leak from one
    test's rolled-back rows into the next. Writes in a test still refresh the
    cache through the model signals.
    """
    with _cache.lock:
        _cache.rows = {}
        _cache.stamp = None
        _cache.checked_at = time.monotonic()
        _cache.ttl = -1.0


def _on_table_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    # The next lookup in this process re-reads the table (inside the writer's
    # transaction it sees the new row); other processes see the new stamp.
    invalidate()


def connect_signals() -> None:
    """Framework plumbing only: keep the cache in step with the table."""
    from django.db.models.signals import post_delete, post_save

    from .models import CalendarDay

    post_save.connect(_on_table_change, sender=CalendarDay, dispatch_uid="wd-save")
    post_delete.connect(_on_table_change, sender=CalendarDay, dispatch_uid="wd-delete")


def calendar_version() -> tuple | None:
    """A stamp that changes whenever the table changes (for callers' caches)."""
    _table()
    return _cache.stamp if _cache.stamp is not None else ("empty",)


# --- the rules ---------------------------------------------------------------


def _is_working(day: datetime.date, table: Mapping[datetime.date, str]) -> bool:
    kind = table.get(day)
    if kind == WORKING_DAY:
        return True
    if kind == DAY_OFF:
        return False
    return package_is_working_day(day)


def is_working_day(day: datetime.date) -> bool:
    return _is_working(day, _table())


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``day`` (before it when n < 0); see above."""
    table = _table()
    step = ONE_DAY if n >= 0 else -ONE_DAY
    remaining = abs(n)
    scanned = 0
    while remaining:
        day += step
        scanned += 1
        if scanned > MAX_SCAN_DAYS:
            raise ValueError("No working day found in ten years: check the calendar.")
        if _is_working(day, table):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days d with ``start < d <= end``; negative when ``end < start``."""
    if end < start:
        return -working_days_between(end, start)
    table = _table()
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if _is_working(day, table):
            count += 1
    return count


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day strictly after ``day``."""
    return add_working_days(day, 1)


def previous_working_day(day: datetime.date) -> datetime.date:
    """The last working day strictly before ``day``."""
    return add_working_days(day, -1)


def working_day_on_or_after(day: datetime.date) -> datetime.date:
    """``day`` when it is worked, else the next working day."""
    return day if is_working_day(day) else next_working_day(day)


def day_reason(day: datetime.date, language: str | None = None) -> str:
    """Why ``day`` is off or worked, for display: a holiday's name, the table
    row's note, or "" for an ordinary weekday or weekend day."""
    from django.utils.translation import gettext

    from .models import CalendarDay

    row = CalendarDay.objects.filter(date=day).first()
    if row is not None:
        return row.note or row.get_kind_display()
    names, workdays = _package_year(day.year, language)
    if day in workdays:
        return gettext("Swapped working day")
    return names.get(day, "")


# --- deadlines that fall on a day off ----------------------------------------
#
# Civil Code 2015, Art. 148(5): when the last day of a period is a weekly day
# off or a holiday, the period ends at the end of the next working day. That
# is the default (``settings.DEADLINE_ON_DAY_OFF = "next_working_day"``);
# ``"as_written"`` keeps the written date. Every consumer (buckets, ladder,
# task page, date-field warning) asks these functions, so they agree.

NEXT_WORKING_DAY = "next_working_day"
AS_WRITTEN = "as_written"
DEADLINE_RULES = (NEXT_WORKING_DAY, AS_WRITTEN)


def deadline_rule() -> str:
    rule = getattr(settings, "DEADLINE_ON_DAY_OFF", NEXT_WORKING_DAY)
    if rule not in DEADLINE_RULES:
        raise ValueError(f"DEADLINE_ON_DAY_OFF must be one of {DEADLINE_RULES}")
    return rule


def deadline_rule_label() -> str:
    """The rule's legal source, for sentences like "... under <label>"."""
    from django.utils.translation import gettext

    if deadline_rule() == NEXT_WORKING_DAY:
        return gettext("Article 148(5) of the Civil Code 2015")
    return gettext("the written date (DEADLINE_ON_DAY_OFF = as_written)")


def effective_deadline(day: datetime.date) -> datetime.date:
    """The last day a deadline written as ``day`` can be met on.

    ``next_working_day``: ``day`` if it is worked, else the next working day.
    ``as_written``: ``day``.
    """
    if deadline_rule() == AS_WRITTEN:
        return day
    return working_day_on_or_after(day)


def overdue_cutoff(on: datetime.date) -> datetime.date:
    """The date C such that a task open on ``on`` is overdue on ``on`` exactly
    when its written deadline < C (i.e. ``effective_deadline(deadline) < on``).

    ``next_working_day``: the last working day strictly before ``on``, plus
    one day (a deadline on Saturday is not overdue on Monday when Monday is
    the next working day, and not on Sunday either). ``as_written``: ``on``.
    Monotonic in ``on``, and never after ``on``.
    """
    if deadline_rule() == AS_WRITTEN:
        return on
    return previous_working_day(on) + ONE_DAY


def is_deadline_moved(day: datetime.date) -> bool:
    """Whether the rule moves a deadline written as ``day``."""
    return effective_deadline(day) != day


def due_working_day(day: datetime.date) -> datetime.date:
    """The working day on which a deadline written as ``day`` falls due, for
    reminders (which go out on working days): ``effective_deadline(day)``
    under ``next_working_day``; under ``as_written`` the last working day on
    or before ``day`` (a Saturday deadline is met by Friday's work)."""
    if deadline_rule() == AS_WRITTEN:
        return day if is_working_day(day) else previous_working_day(day)
    return working_day_on_or_after(day)


def deadlines_due_on(working_day: datetime.date) -> list[datetime.date]:
    """The written deadlines ``d`` with ``due_working_day(d) == working_day``,
    ascending: ``working_day`` and the days off just before it
    (``next_working_day``) or just after it (``as_written``). Empty when
    ``working_day`` is not worked."""
    if not is_working_day(working_day):
        return []
    dates = [working_day]
    step = ONE_DAY if deadline_rule() == AS_WRITTEN else -ONE_DAY
    day = working_day + step
    while not is_working_day(day):
        dates.append(day)
        day += step
        if len(dates) > MAX_SCAN_DAYS:
            raise ValueError("No working day found in ten years: check the calendar.")
    return sorted(dates)


def days_off_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every day in ``[start, end]`` that is not worked (weekends included)."""
    table = _table()
    out = []
    day = start
    while day <= end:
        if not _is_working(day, table):
            out.append(day)
        day += ONE_DAY
    return out


def day_off_runs(
    start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, datetime.date, datetime.date]]:
    """``(first, last, next working day)`` of each run of consecutive days off
    that meets ``[start, end]`` (a run is cut at ``start`` and ``end``; its
    next working day may lie after ``end``)."""
    runs: list[tuple[datetime.date, datetime.date, datetime.date]] = []
    first = last = None
    for day in days_off_between(start, end):
        if last is not None and day == last + ONE_DAY:
            last = day
            continue
        if first is not None:
            runs.append((first, last, last + ONE_DAY))
        first = last = day
    if first is not None:
        runs.append((first, last, next_working_day(last)))
    return runs


def effective_deadline_expression(
    field: str, *, start: datetime.date, end: datetime.date
):
    """SQL for ``effective_deadline(<field>)`` of rows whose ``field`` lies in
    ``[start, end]`` (outside that range the written date is returned): a
    ``CASE`` with one branch per run of days off in the range. NULL stays
    NULL. Keep the range tight (e.g. the earliest open deadline to the
    as-of date): a year has about 60 runs, mostly weekends.
    """
    from django.db.models import Case, DateField, F, Value, When

    if deadline_rule() == AS_WRITTEN or end < start:
        return F(field)
    whens = [
        When(**{f"{field}__range": (first, last)}, then=Value(after))
        for first, last, after in day_off_runs(start, end)
    ]
    if not whens:
        return F(field)
    return Case(*whens, default=F(field), output_field=DateField())
