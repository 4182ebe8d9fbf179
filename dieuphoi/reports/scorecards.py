"""Agency scorecards: how each lead agency did in a period, ranked.

``agency_scorecards(body, period) -> list[dict]``: one row per lead agency
with tasks ``body`` assigned in the period's window, ranked. The columns:

- the tasks (``total``, the four official buckets, ``completed``, ``due``):
  ``reports.counts.task_counts(body, period)``, the counts the compiled
  report's per-agency table shows, so both say the same (as of the cut-off
  ``end``, from the dated history for a past cut-off; the lead of record on
  ``end``; an agency that ended by then counted under its successor);
- ``on_time_rate``: completed on time over completed (``tasks.rates``, the
  rate keyed ``on_time``; shown with its denominator);
- ``overdue``: open and past the deadline on ``end``;
- the average delay in working days (``delay_days`` / ``delay_tasks``,
  ``average_delay``) over the tasks completed late (working days from the
  effective deadline in force on ``end`` to ``completed_on``) and the tasks
  still overdue on ``end`` (from the effective deadline to ``end``); so
  ``delay_tasks = completed_late + overdue``;
- ``urgings``: urgings of the agency's tasks (any task of the body whose lead
  of record on ``end`` is the agency) dated in the window: the ladder's
  urging notices (``reminders.Reminder``, kind ``urging``, ``sent_on``) and
  the issued urging letters that list the task (``letters.LetterTask``, the
  letter's date): the two records ``Task.urge_count`` counts;
- contributions (``contributions_expected`` / ``_submitted`` / ``_on_time``):
  the agency's ``Contribution`` rows in the body's reports whose cut-off is
  in the window (withdrawn reports left out), as recorded now (a
  contribution is submitted after the cut-off):
  ``contributions.contribution_stats_by_party``;
- consultation answers (``consultations_expected`` / ``_answered`` /
  ``_on_time``): the agency's ``proposals.RoundParty`` rows in rounds of the
  body's proposals whose deadline is in the window, as recorded now
  ("no comment" recorded at the close is no answer);
- conclusions followed up (``conclusion_tasks`` /
  ``conclusion_tasks_completed``): the tasks counted above that carry out a
  meeting's conclusion (``Task.source`` an ``activities.Conclusion``), and of
  them those completed by ``end``.

Rank (``RANK_RULE``): the on-time rate, highest first (agencies with no
completed task after all the others); then fewer overdue tasks; equal rate
and overdue count share a rank (1, 2, 2, 4); within a rank by name.

Queries: a fixed number whatever the number of tasks or agencies (the task
counts' grouped pass, which also gives the delays and the conclusions:
``counts.task_counts(..., extras=True)``; the agencies' names; one grouped
query each for the urgings, the contributions and the answers; the lineage
links). The task-derived part is cached under the
``tasks`` and ``registry`` version stamps (``core.cache``,
``SCORECARD_CACHE_SECONDS``), which every write of a task, its history or the
registry replaces; urgings, contributions and answers are read each time
(their writers send no signal a stamp could follow).

``as_of_period(period)``: a period still running counted up to today (a
cut-off in the future would count tasks as overdue on a day not yet come).
``default_period(type_)``, ``period_choices(type_)``: the picker's.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core import cache as stamps
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency
from dieuphoi.tasks import buckets, lineage
from dieuphoi.tasks import history as task_history
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.rates import rates_from_counts

from . import periods
from .counts import task_counts

RANK_RULE = _(
    "Ranked by on-time rate (completed on time over completed), highest first; "
    "agencies with no completed task come last; then by fewer overdue tasks. "
    "Equal rate and overdue count share a rank."
)
DELAY_RULE = _(
    "Average delay: working days past the deadline, over the tasks completed "
    "late (to the day completed) and the tasks still overdue (to the cut-off)."
)

# The columns added to the task counts, summed across an agency's lineage.
EXTRA = (
    "delay_days",
    "delay_tasks",
    "conclusion_tasks",
    "conclusion_tasks_completed",
    "urgings",
    "contributions_expected",
    "contributions_submitted",
    "contributions_on_time",
    "consultations_expected",
    "consultations_answered",
    "consultations_on_time",
)
PERIOD_CHOICES = {
    periods.PeriodType.MONTHLY: 24,
    periods.PeriodType.QUARTERLY: 8,
    periods.PeriodType.HALF_YEAR: 4,
    periods.PeriodType.NINE_MONTH: 3,
    periods.PeriodType.ANNUAL: 3,
}
_TENTH = Decimal("0.1")


# --- periods ---------------------------------------------------------------------


def picker_types() -> list[str]:
    """Types offered by the picker (ad hoc periods come by key only)."""
    return [t for t in periods.enabled_types() if t != periods.PeriodType.AD_HOC]


def default_period(type_: str, today: datetime.date | None = None) -> periods.Period:
    """The period of ``type_`` under way today (its figures counted up to
    today: ``as_of_period``), as a civil servant checking "this year so far"
    expects; outside the nine-month window, the nine months just ended."""
    today = today or local_today()
    try:
        return periods.period_of(type_, today)
    except ValidationError:
        return periods.period(type_, today.year, 1)


def period_choices(
    type_: str, today: datetime.date | None = None
) -> list[periods.Period]:
    """The period under way and the ones before it, latest first."""
    found = default_period(type_, today)
    out = [found]
    for _i in range(PERIOD_CHOICES.get(type_, 3) - 1):
        day = found.start - datetime.timedelta(days=1)
        if type_ == periods.PeriodType.NINE_MONTH:
            found = periods.period(type_, found.year - 1, 1)
        else:
            found = periods.period_of(type_, day)
        out.append(found)
    return out


def as_of_period(
    period: periods.Period, today: datetime.date | None = None
) -> periods.Period:
    """``period``, or for one still running the part up to today."""
    today = today or local_today()
    if period.end < today:
        return period
    return periods.Period(
        period.type,
        period.year,
        period.number,
        period.start,
        max(period.start, today),
        period.deadline,
    )


def parse_period(key: str) -> periods.Period:
    """``periods.parse_key`` with the error on ``period``."""
    try:
        return periods.parse_key(key)
    except ValidationError as exc:
        messages = exc.messages or [gettext("Not a valid period.")]
        raise ValidationError({"period": messages}) from None


# --- the task part (cached) ----------------------------------------------------------


def _lead(on: datetime.date, history: bool):
    return task_history.lead_on(on) if history else F("lead_agency_id")


def _task_part(body_id: int, period) -> dict:
    counts = task_counts(body_id, period, extras=True)
    rows = [
        {k: v for k, v in row.items() if k != "rates"} for row in counts["by_agency"]
    ]
    return {"rows": rows, "extras": counts["extras"]}


def _cached_task_part(body_id: int, period) -> dict:
    seconds = int(
        getattr(
            settings,
            "SCORECARD_CACHE_SECONDS",
            getattr(settings, "TASK_SUMMARY_CACHE_SECONDS", 0),
        )
    )
    parts = (
        body_id,
        period.type,
        period.start.isoformat(),
        period.end.isoformat(),
        buckets.rule_key(),
        buckets.use_history(period.end),
    )
    return stamps.cached(
        "reports:scorecards",
        parts,
        lambda: _task_part(body_id, period),
        stamps=(stamps.TASKS, stamps.REGISTRY),
        seconds=seconds,
    )


# --- the parts read each time ----------------------------------------------------------


def _urgings(body_id: int, period) -> dict[int, dict]:
    """``{lead id on end: {"urgings": n}}``: urging notices and issued urging
    letters dated in the window, of the body's tasks (one query)."""
    from dieuphoi.letters.models import LetterTask, UrgingLetter
    from dieuphoi.reminders.models import Reminder

    window = (period.start, period.end)
    notices = Reminder.objects.filter(
        kind=Reminder.Kind.URGING, part__isnull=True, sent_on__range=window
    )
    letters = LetterTask.objects.filter(
        letter__status=UrgingLetter.Status.DONE, letter__on__range=window
    )

    def count(qs):
        return Coalesce(
            Subquery(
                qs.filter(task=OuterRef("pk"))
                .order_by()
                .values("task")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )

    out: dict[int, dict] = {}
    for task_body, lead, notice_n, letter_n in (
        # The urged tasks as one list (a compound subquery), looked up by
        # key; the body is checked here: a condition on it in SQL made
        # SQLite walk the body's 200,000 tasks instead.
        Task.objects.filter(
            pk__in=notices.order_by()
            .values("task_id")
            .union(letters.order_by().values("task_id"))
        )
        .order_by()
        .values_list(
            "body_id",
            _lead(period.end, buckets.use_history(period.end)),
            count(notices),
            count(letters),
        )
    ):
        if task_body != body_id:
            continue
        entry = out.setdefault(lead, {"urgings": 0})
        entry["urgings"] += notice_n + letter_n
    return out


def _contributions(body_id: int, period) -> dict[int, dict]:
    """The agencies' completeness (``contributions.contribution_stats_by_party``:
    the body's reports whose cut-off is in the window, one query)."""
    from .contributions import contribution_stats_by_party

    return {
        party.agency_id: {
            "contributions_expected": party.completeness.expected,
            "contributions_submitted": party.completeness.submitted,
            "contributions_on_time": party.completeness.on_time,
        }
        for party in contribution_stats_by_party(body_id, period.start, period.end)
        if party.agency_id is not None
    }


def _consultations(body_id: int, period) -> dict[int, dict]:
    from dieuphoi.proposals.models import RoundParty

    answered = ~Q(answer__in=["", RoundParty.Answer.SILENT])
    rows = (
        RoundParty.objects.filter(
            agency__isnull=False,
            round__proposal__body_id=body_id,
            round__deadline__range=(period.start, period.end),
        )
        .order_by()
        .values("agency_id")
        .annotate(
            expected=Count("pk"),
            answered=Count("pk", filter=answered),
            on_time=Count("pk", filter=answered & Q(late=False)),
        )
    )
    return {
        row["agency_id"]: {
            "consultations_expected": row["expected"],
            "consultations_answered": row["answered"],
            "consultations_on_time": row["on_time"],
        }
        for row in rows
    }


def _by_successor(extras: dict[int, dict], on: datetime.date) -> dict[int, dict]:
    """The extra columns of agencies that ended by ``on`` added into their
    successor's (``tasks.lineage``, as the task counts do)."""
    keys = [pk for pk in extras if pk]
    if not keys:
        return {}
    agencies = {
        a.pk: a
        for a in Agency.objects.filter(pk__in=keys).only(
            "id", "code", "name", "short_name", "valid_to"
        )
    }
    rows = {pk: dict.fromkeys(EXTRA, 0) | extras[pk] for pk in agencies}
    grouped, _agencies = lineage.group_by_successor(rows, agencies, on)
    return grouped


# --- rows ---------------------------------------------------------------------------------


def average_delay(days: int, tasks: int) -> Decimal | None:
    """Working days per task, one decimal, halves away from zero."""
    if not tasks:
        return None
    return (Decimal(days) / Decimal(tasks)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _rank(rows: list[dict]) -> None:
    def key(row):
        value = row["on_time_rate"].value
        return (value is None, -(value or 0), row["overdue"])

    rows.sort(key=lambda r: (*key(r), r["name"]))
    previous = None
    for position, row in enumerate(rows, start=1):
        current = key(row)
        if current != previous:
            rank = position
            previous = current
        row["rank"] = rank


def agency_scorecards(body, period) -> list[dict]:
    """The scorecard rows of ``body``'s lead agencies for ``period`` (see the
    module docstring): each the task counts' row (``id``, ``code``,
    ``name``, ``params``: the task list's filter of its tasks, the buckets,
    ``total``, ``completed``, ``due``) with ``on_time_rate`` (a
    ``tasks.rates.Rate``), ``average_delay`` (``Decimal`` or ``None``), the
    columns of ``EXTRA`` and ``rank``; ranked."""
    body_id = getattr(body, "pk", body)
    part = _cached_task_part(body_id, period)
    extras: dict[int, dict] = {pk: dict(v) for pk, v in part["extras"].items()}
    for found in (
        _urgings(body_id, period),
        _contributions(body_id, period),
        _consultations(body_id, period),
    ):
        for pk, values in found.items():
            extras.setdefault(pk, {}).update(values)
    extras = _by_successor(extras, period.end)
    rows = []
    for counts in part["rows"]:
        row = dict(counts) | dict.fromkeys(EXTRA, 0) | extras.get(counts["id"], {})
        row["rates"] = rates_from_counts(row)
        row["on_time_rate"] = next(r for r in row["rates"] if r.key == "on_time")
        row["average_delay"] = average_delay(row["delay_days"], row["delay_tasks"])
        rows.append(row)
    _rank(rows)
    return rows


def chart_data(rows: list[dict]) -> dict:
    """The on-time rate per agency, in rank order, for ``scorecards.js``."""
    return {
        "categories": [row["name"] for row in rows],
        "values": [
            None
            if row["on_time_rate"].value is None
            else float(row["on_time_rate"].value)
            for row in rows
        ],
        # The rates as the table shows them (98,62% in Vietnamese).
        "labels": [row["on_time_rate"].display for row in rows],
        "name": gettext("On-time rate (%)"),
    }
