"""The dated history of a task, and what was in force on a past date.

Figures "as of D" come from this history, never from the current row alone,
so a figure for a past date does not change when the task changes later.
Public names:

- Writing (called by the services inside their transaction, task locked):
  ``record_state_change(*, task, from_state, to_state, actor, on=None)``,
  ``record_lead_change(*, task, old_agency, new_agency, actor, on=None,
  reason="", document=None)``, ``deadline_effective_on(*, task, effective_on,
  field)`` (validates the date a deadline change takes effect).
- SQL, correlated to the outer ``Task`` row (for filters, ``Count(filter=)``
  and annotations): ``state_on(on)``, ``deadline_on(on)``, ``lead_on(on)``,
  ``progress_on(on)``; ``changed_after_q(on)``, the tasks that need them,
  and ``as_of_parts(qs, on, use_history=)``, a count's split on it.
- One task in Python (the detail page, tests): ``task_state_on(task, on)``,
  ``task_deadline_on(task, on)``, ``task_lead_on(task, on)`` (a query each).
- The plain-Python reference the property tests compare with:
  ``snapshot(record, on)``.

What is in force on D:

- the state: ``to_state`` of the last ``TaskStateChange`` with ``on`` ≤ D.
  ``on`` is the local day the change was recorded (the creation's row is
  dated ``assigned_on``); a confirmation is dated the day it was confirmed,
  so before that day the task was "reported done", i.e. open, even though
  ``completed_on`` (the day the work was done, which judges on-time) is
  earlier. A task without any state change (rows written outside the
  services, e.g. the scale seed) falls back to the dated columns: completed
  on D when ``completed_on`` ≤ D, cancelled when ``cancelled_on`` ≤ D;
- the deadline: ``new_deadline`` of the last ``DeadlineChange`` effective on
  or before D, else the ``old_deadline`` of the first change effective after
  D, else the task's deadline. Changes take effect on the day they are
  recorded unless a date is given; a given date is never before the
  assignment, in the future, or before the previous change's date (so the
  changes ordered by date form one chain);
- the lead agency of record: ``new_agency`` of the last ``TaskLeadChange`` on
  or before D, else the first change's ``old_agency``, else the task's lead;
- the progress: the percent of the last task-level ``ProgressUpdate``
  recorded (``created_at``) before the end of D, local time; none recorded
  then means 0, unless the task has no update at all (rows written outside
  the services), where the current progress stands.

The buckets compare the deadline in force with ``completed_on`` and D under
``settings.DEADLINE_ON_DAY_OFF`` (``buckets``: a deadline on a day off ends
on the next working day by default); ``snapshot`` gives the written dates and
``buckets.bucket_of`` applies the rule.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from dieuphoi.core.models import local_today

from .models import (
    DeadlineChange,
    ProgressUpdate,
    Task,
    TaskLeadChange,
    TaskStateChange,
)

S = Task.State


def _d(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- writing ------------------------------------------------------------------


def record_state_change(
    *,
    task: Task,
    from_state: str,
    to_state: str,
    actor,
    on: datetime.date | None = None,
) -> TaskStateChange | None:
    """Write the change of ``task``'s state (nothing when it did not change).

    ``on`` defaults to today: the day the change took effect is the day it
    is recorded, so a later event can never move a past day's state.
    """
    if from_state == to_state:
        return None
    return TaskStateChange.objects.create(
        task=task,
        from_state=from_state or "",
        to_state=to_state,
        on=on or local_today(),
        actor=_user(actor),
    )


def record_lead_change(
    *,
    task: Task,
    old_agency,
    new_agency,
    actor,
    on: datetime.date | None = None,
    reason: str = "",
    document=None,
) -> TaskLeadChange | None:
    """Write the change of ``task``'s lead agency (nothing when unchanged).

    ``old_agency``/``new_agency``: agencies or their ids."""
    old_id = getattr(old_agency, "pk", old_agency)
    new_id = getattr(new_agency, "pk", new_agency)
    if old_id == new_id:
        return None
    return TaskLeadChange.objects.create(
        task=task,
        old_agency_id=old_id,
        new_agency_id=new_id,
        on=on or local_today(),
        reason=reason[:500],
        document=document,
        actor=_user(actor),
    )


def deadline_effective_on(
    *, task: Task, effective_on: datetime.date | None, field: str = "effective_on"
) -> datetime.date:
    """The day a new deadline of ``task`` takes effect (default today).

    A given date must not be before the assignment, in the future, or before
    the date of the task's previous deadline change (errors keyed by
    ``field``): the changes must form one chain in date order.
    """
    today = local_today()
    if effective_on is None:
        return today
    if effective_on > today:
        raise ValidationError({field: gettext("The date cannot be in the future.")})
    if effective_on < task.assigned_on:
        raise ValidationError(
            {
                field: gettext(
                    "The change cannot take effect before the task was assigned "
                    "(%(date)s)."
                )
                % {"date": _d(task.assigned_on)}
            }
        )
    latest = (
        DeadlineChange.objects.filter(task=task, effective_on__isnull=False)
        .order_by("-effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )
    if latest is not None and effective_on < latest:
        raise ValidationError(
            {
                field: gettext(
                    "The change cannot take effect before the previous deadline "
                    "change (%(date)s)."
                )
                % {"date": _d(latest)}
            }
        )
    return effective_on


# --- SQL ----------------------------------------------------------------------


def end_of_day(on: datetime.date) -> datetime.datetime:
    """The first instant after local day ``on``, as an aware datetime."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(
        on + datetime.timedelta(days=1), datetime.time(), tz
    )


def _changed_after(model, field: str, on: datetime.date) -> Q:
    """The outer task has a row of ``model`` dated after ``on``: one
    uncorrelated subquery, evaluated once per statement (SQLite materialises
    it, PostgreSQL hashes it). Only such tasks need the correlated lookups:
    for the others what was in force on ``on`` is still in the row, because
    the services write the row and its history together."""
    return Q(pk__in=model.objects.filter(**{f"{field}__gt": on}).values("task_id"))


def changed_after_q(on: datetime.date) -> Q:
    """Tasks with a state, deadline or lead change dated after ``on``: the
    only ones whose state, deadline and lead on ``on`` differ from their
    columns (``state_on``, ``deadline_on`` and ``lead_on`` read the columns
    for the others; the constraints that a completed or cancelled task has
    its date make the column rules for a past date, ``buckets.bucket_q(...,
    history=False)``, equal to those). A count over many tasks splits on
    it: the columns for the many, the correlated history for the few."""
    return (
        _changed_after(TaskStateChange, "on", on)
        | _changed_after(DeadlineChange, "effective_on", on)
        | _changed_after(TaskLeadChange, "on", on)
    )


def as_of_parts(qs, on: datetime.date, *, use_history: bool):
    """``qs`` split for counting as of ``on``: ``[(part, history)]``, each
    part counted with the bucket rules' ``history=`` flag and, for the lead
    and deadline, ``lead_on``/``deadline_on`` or the columns. Without the
    history, ``[(qs, False)]``; with it, the tasks with no change after
    ``on`` by their columns and the few others from the history
    (``changed_after_q``)."""
    if not use_history:
        return [(qs, False)]
    changed = changed_after_q(on)
    if not qs.filter(changed).exists():
        # One cheap query spares compiling and running the history's.
        return [(qs, False)]
    return [(qs.exclude(changed), False), (qs.filter(changed), True)]


def state_on(on: datetime.date):
    """The state of the outer task on ``on`` (see the module docstring).

    A task with no state change after ``on`` stood then as it stands now,
    read through the dated columns (completed or cancelled after ``on`` in a
    row written outside the services counts as open then)."""
    last = (
        TaskStateChange.objects.filter(task=OuterRef("pk"), on__lte=on)
        .order_by("-on", "-id")
        .values("to_state")[:1]
    )
    legacy = Case(
        When(
            Q(state=S.COMPLETED, completed_on__lte=on),
            then=Value(S.COMPLETED.value),
        ),
        When(
            Q(state=S.CANCELLED, cancelled_on__lte=on),
            then=Value(S.CANCELLED.value),
        ),
        default=Value(S.IN_PROGRESS.value),
        output_field=CharField(),
    )
    unchanged = Case(
        When(
            Q(state=S.COMPLETED, completed_on__lte=on),
            then=Value(S.COMPLETED.value),
        ),
        When(
            Q(state=S.CANCELLED, cancelled_on__lte=on),
            then=Value(S.CANCELLED.value),
        ),
        When(
            Q(state__in=(S.COMPLETED, S.CANCELLED)),
            then=Value(S.IN_PROGRESS.value),
        ),
        default=F("state"),
        output_field=CharField(),
    )
    return Case(
        When(
            _changed_after(TaskStateChange, "on", on),
            then=Coalesce(Subquery(last, output_field=CharField()), legacy),
        ),
        default=unchanged,
        output_field=CharField(),
    )


def deadline_on(on: datetime.date):
    """The deadline in force for the outer task on ``on`` (``NULL``: none)."""
    changes = DeadlineChange.objects.filter(task=OuterRef("pk"))
    before = changes.filter(effective_on__lte=on)
    after = changes.filter(effective_on__gt=on)
    return Case(
        When(
            ~_changed_after(DeadlineChange, "effective_on", on),
            then=F("deadline"),
        ),
        When(
            Exists(before),
            then=Subquery(
                before.order_by("-effective_on", "-id").values("new_deadline")[:1]
            ),
        ),
        When(
            Exists(after),
            then=Subquery(
                after.order_by("effective_on", "id").values("old_deadline")[:1]
            ),
        ),
        default=F("deadline"),
        output_field=DateField(),
    )


def lead_on(on: datetime.date):
    """The id of the outer task's lead agency of record on ``on``."""
    changes = TaskLeadChange.objects.filter(task=OuterRef("pk"))
    return Case(
        When(
            _changed_after(TaskLeadChange, "on", on),
            then=Coalesce(
                Subquery(
                    changes.filter(on__lte=on)
                    .order_by("-on", "-id")
                    .values("new_agency")[:1]
                ),
                Subquery(
                    changes.filter(on__gt=on)
                    .order_by("on", "id")
                    .values("old_agency")[:1]
                ),
                F("lead_agency_id"),
                output_field=IntegerField(),
            ),
        ),
        default=F("lead_agency_id"),
        output_field=IntegerField(),
    )


def progress_on(on: datetime.date):
    """The outer task's progress as recorded by the end of ``on``."""
    updates = ProgressUpdate.objects.filter(task=OuterRef("pk"), part__isnull=True)
    known = updates.filter(created_at__lt=end_of_day(on)).order_by("-id")
    return Coalesce(
        Subquery(known.values("percent")[:1]),
        Case(
            When(Exists(updates), then=Value(0)),
            default=F("progress"),
            output_field=IntegerField(),
        ),
        output_field=IntegerField(),
    )


# --- one task -------------------------------------------------------------------


def task_state_on(task: Task, on: datetime.date) -> str:
    return (
        Task.objects.filter(pk=task.pk)
        .annotate(v=state_on(on))
        .values_list("v", flat=True)
        .get()
    )


def task_deadline_on(task: Task, on: datetime.date) -> datetime.date | None:
    return (
        Task.objects.filter(pk=task.pk)
        .annotate(v=deadline_on(on))
        .values_list("v", flat=True)
        .get()
    )


def task_lead_on(task: Task, on: datetime.date) -> int:
    return (
        Task.objects.filter(pk=task.pk)
        .annotate(v=lead_on(on))
        .values_list("v", flat=True)
        .get()
    )


# --- plain-Python reference -------------------------------------------------------


def snapshot(record: dict, on: datetime.date) -> dict:
    """The task as it stood on ``on``, from a plain record of its history,
    in the form ``buckets.bucket_of`` / ``warnings_of`` take.

    ``record``: ``assigned_on``, ``lead`` and ``deadline`` (at creation),
    ``completed_on`` (set at confirmation), ``states``: ``[(on, to_state)]``
    in the order recorded, ``deadlines``: ``[(effective_on, new_deadline)]``
    in order, ``leads``: ``[(on, new_lead)]`` in order, ``progress``:
    ``[(recorded_on, percent)]`` in order.
    """
    state = S.NEW.value
    state_since = record["assigned_on"]
    for day, to_state in record["states"]:
        if day <= on:
            state, state_since = to_state, day
    deadline = record["deadline"]
    for day, new in record["deadlines"]:
        if day <= on:
            deadline = new
    lead = record["lead"]
    for day, new in record["leads"]:
        if day <= on:
            lead = new
    progress = 0
    for day, percent in record["progress"]:
        if day <= on:
            progress = percent
    return {
        "assigned_on": record["assigned_on"],
        "state": state,
        "deadline": deadline,
        "completed_on": record["completed_on"] if state == S.COMPLETED else None,
        "cancelled_on": state_since if state == S.CANCELLED else None,
        "progress": progress,
        "lead": lead,
    }
