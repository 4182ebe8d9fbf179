"""Writes of the reminders app.

Public names:

- ``reminders_run_day(*, day, batch_size=None, progress_key=None) ->
  RunResult``: the daily ladder for working day ``day`` (the daily job calls
  it; tests call it directly or through ``schedule_daily --on``).
- ``task_urge_count_sync(*, task_ids) -> dict[int, int]``: recount
  ``Task.urge_count`` from the records (notices plus letters); a repair
  tool, the run keeps the count by incrementing it.
- ``part_urge_counts(part_ids) -> dict[int, int]``: co-operating parts'
  urging counts.
- ``escalation_resolve(*, escalation, actor, resolution) -> TaskEscalation``.
- ``extension_pending_notify(*, day) -> int``: remind the leader and deputy
  of each body of the extension requests still awaiting their decision on
  working day ``day`` (once per request, person and day; the daily job
  ``reminders.extension_pending`` calls it).

How a day runs (set-based; a fixed number of queries per batch):

1. Dates computed once from the calendar (``ladder``), following
   ``settings.DEADLINE_ON_DAY_OFF`` (a deadline on a day off is due on the
   next working day by default, Civil Code 2015 Art. 148(5); on the
   working day before it under ``as_written``): the written deadlines due
   for a reminder before (or on) the deadline (``calendar.deadlines_due_on``
   of the target working day), the overdue cut-off
   (``calendar.overdue_cutoff``), the urging cut-offs (a task is due for
   its next urging when its last urging, notice or letter, is on or before
   ``urging_cutoff`` and its written deadline is before
   ``urging_deadline_cutoff``: U working days since the later of the two,
   counted from the effective deadline), the confirmation cut-off. Then
   one query per kind compares the written dates with them and selects the
   tasks and co-operating parts: no loop over tasks. Each reminder's key
   keeps the written deadline.
   Urgings are numbered from the count (count + 1); a task whose count
   reaches ``ESCALATE_AFTER_URGINGS`` (with this urging, or earlier while
   nothing ran) and has no escalation for its current deadline is
   escalated.
2. The planned reminders go in batches; each batch is one transaction:
   the urgings and escalations of its tasks are decided again on the
   locked task rows (a letter issued or another run of the same day since
   the plan leaves the task not due; the number is the count read under
   the lock); insert the ``Reminder`` rows with ``ignore_conflicts`` under
   a fresh run marker, read back the rows this batch inserted (a re-run or
   a crashed earlier run inserted the others, and they were handled then),
   and for those only: add one to the urging counts, create escalations,
   write one audit event per reminder on the task's timeline, and notify
   (notifications have unique keys too, and e-mails are queued in the same
   transaction).

A crash rolls back the batch it was in; the earlier batches are complete, so
running the day again sends each reminder exactly once. Running an earlier
day after a later one (``schedule_daily --on``) sends no urging the later
run already covered: the last urging is after that day.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, audit_record_many
from dieuphoi.notifications.services import NotificationSpec, chunks, notify_many
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.org.permissions import LEADER_ROLES
from dieuphoi.tasks.cache import bump_tasks
from dieuphoi.tasks.extensions.selectors import pending_requests_q
from dieuphoi.tasks.models import ExtensionRequest, Task, TaskPart
from dieuphoi.tasks.notices import PartySeats
from dieuphoi.workdays import calendar

from . import ladder
from .models import Reminder, TaskEscalation

K = Reminder.Kind
Role = Membership.Role
DEFAULT_BATCH_SIZE = 1000


def _before_label_text(n: int) -> str:
    return ngettext(
        "Reminder sent: %(n)s working day before the deadline",
        "Reminder sent: %(n)s working days before the deadline",
        n,
    ) % {"n": n}


def _part_before_label_text(n: int) -> str:
    return ngettext(
        "Reminder sent to a co-operating agency: %(n)s working day before "
        "its sub-deadline",
        "Reminder sent to a co-operating agency: %(n)s working days before "
        "its sub-deadline",
        n,
    ) % {"n": n}


# Lazy: the label is worded in the reader's language when it is shown.
_before_label = lazy(_before_label_text, str)
_part_before_label = lazy(_part_before_label_text, str)


def _action_labels(offsets) -> dict:
    labels = {
        "reminders.on_deadline": _("Reminder sent: the deadline is today"),
        "reminders.urging": _("Urging notice sent"),
        "reminders.escalation": _(
            "Escalated to the leader and the secretariat; flagged for the "
            "leadership meeting"
        ),
        "reminders.progress_request": _("Progress report requested"),
        "reminders.part_urging": _("Urging notice sent to a co-operating agency"),
        "reminders.confirmation_pending": _(
            "Secretariat reminded: reported done, not yet confirmed"
        ),
        "reminders.part_on_deadline": _(
            "Reminder sent to a co-operating agency: its sub-deadline is today"
        ),
        "reminders.escalation_resolve": _("Escalation resolved"),
    }
    for n in offsets:
        labels[f"reminders.before_deadline_{n}"] = _before_label(n)
        labels[f"reminders.part_before_deadline_{n}"] = _part_before_label(n)
    return labels


def action_labels() -> dict:
    offsets = set(range(1, 11)) | set(ladder.LadderSettings.from_settings().before_days)
    return _action_labels(sorted(offsets))


@dataclass(frozen=True)
class Planned:
    task_id: int
    part_id: int | None
    kind: str
    deadline: datetime.date
    seq: int
    code: str
    title: str
    body_id: int
    owner_id: int | None
    agency_id: int | None  # the lead agency, or the part's agency
    # A part whose party is another province's team (``TaskPart.body``).
    party_body_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.task_id, self.part_id, self.kind, self.deadline, self.seq)


@dataclass
class RunResult:
    day: datetime.date
    skipped: bool = False
    planned: int = 0
    inserted: Counter = field(default_factory=Counter)
    notifications: int = 0
    batches: int = 0

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "skipped": self.skipped,
            "planned": self.planned,
            "inserted": dict(self.inserted),
            "notifications": self.notifications,
            "batches": self.batches,
        }


# --- planning (set-based selection) ---------------------------------------------

# Urged: open and nobody waits on anyone else. Reported done waits for the
# secretariat's confirmation (they are reminded instead); an extension
# request waits for the leader's decision (``extension_pending_notify``).
URGEABLE_STATES = (Task.State.NEW, Task.State.IN_PROGRESS)
APPROACHING_KINDS = (K.BEFORE_DEADLINE, K.ON_DEADLINE, K.PART_BEFORE_DEADLINE)


def task_urging_base():
    """SQL expression on ``Task``: the latest of the written deadline, the
    last urging notice and the last urging letter (a letter dated on its
    ``on``). Both kinds count (see ``task_urge_count_sync``).

    The next urging counts from the latest of the *effective* deadline and
    the last urging; a deadline on a day off may end later than written
    (``settings.DEADLINE_ON_DAY_OFF``), so compare this with
    ``ladder.urging_cutoff(day, U)`` AND the written deadline with
    ``ladder.urging_deadline_cutoff(day, U)`` (``task_urging_candidates``):
    together they say ``max(effective deadline, last urging) <= cut-off``
    without computing the effective deadline per row."""
    from dieuphoi.letters.models import LetterTask, UrgingLetter

    notice = (
        Reminder.objects.filter(task=OuterRef("pk"), part__isnull=True, kind=K.URGING)
        .order_by()
        .values("task")
        .annotate(m=Max("sent_on"))
        .values("m")
    )
    letter = (
        LetterTask.objects.filter(
            task=OuterRef("pk"), letter__status=UrgingLetter.Status.DONE
        )
        .order_by()
        .values("task")
        .annotate(m=Max("letter__on"))
        .values("m")
    )
    date = DateField()
    return Greatest(
        F("deadline"),
        Coalesce(Subquery(notice, output_field=date), F("deadline")),
        Coalesce(Subquery(letter, output_field=date), F("deadline")),
        output_field=date,
    )


def task_urging_candidates(day: datetime.date, settings_: ladder.LadderSettings):
    """Tasks with something to do on ``day``: overdue (the written deadline
    before ``calendar.overdue_cutoff(day)``: past its effective deadline),
    urgeable, and due for their next urging (U working days since the later
    of the effective deadline and the last urging: two cut-off dates, see
    ``task_urging_base``) or at the threshold without an escalation for
    their current deadline (``escalated`` false), also when they passed it
    while nothing ran. Annotated with ``urging_base``, ``escalated`` and
    ``urging_due``. The same query picks them for the plan and, locked, in
    each batch."""
    every = settings_.urging_every
    threshold = settings_.escalate_after
    qs = Task.objects.filter(
        state__in=URGEABLE_STATES,
        assigned_on__lte=day,
        deadline__lt=calendar.overdue_cutoff(day),
    ).order_by()
    condition = Q()
    due = Value(False)
    if every > 0:
        cutoff = ladder.urging_cutoff(day, every)
        deadline_cutoff = ladder.urging_deadline_cutoff(day, every)
        qs = qs.annotate(urging_base=task_urging_base())
        urging = Q(urging_base__lte=cutoff, deadline__lt=deadline_cutoff)
        condition = urging
        due = Case(When(urging, then=Value(True)), default=Value(False))
    if threshold > 0:
        qs = qs.annotate(
            escalated=Exists(
                TaskEscalation.objects.filter(
                    task=OuterRef("pk"), deadline=OuterRef("deadline")
                )
            )
        )
        condition |= Q(urge_count__gte=threshold - 1, escalated=False)
    else:
        qs = qs.annotate(escalated=Value(True))
    if not condition:
        return qs.none()
    return qs.filter(condition).annotate(
        urging_due=ExpressionWrapper(due, output_field=BooleanField())
    )


def _urging_plan(row: tuple, settings_: ladder.LadderSettings) -> list[tuple[str, int]]:
    """``[(kind, seq)]`` for a candidate row ``(urge_count, due, escalated)``:
    the urging numbered count + 1 when due, the escalation when the count
    (after it) reaches the threshold and the deadline has none yet."""
    count, due, escalated = row
    rungs = []
    if due:
        count += 1
        rungs.append((K.URGING, count))
    threshold = settings_.escalate_after
    if threshold > 0 and count >= threshold and not escalated:
        rungs.append((K.ESCALATION, count))
    return rungs


TASK_FIELDS = (
    "pk",
    "code",
    "title",
    "deadline",
    "owner_id",
    "lead_agency_id",
    "body_id",
)


def _planned(kind, seq, row, deadline=None) -> Planned:
    pk, code, title, task_deadline, owner_id, lead_id, body_id = row
    return Planned(
        task_id=pk,
        part_id=None,
        kind=kind,
        deadline=deadline or task_deadline,
        seq=seq,
        code=code,
        title=title,
        body_id=body_id,
        owner_id=owner_id,
        agency_id=lead_id,
    )


def plan_day(day: datetime.date, settings_: ladder.LadderSettings) -> list[Planned]:
    """Every reminder due on working day ``day``, selected in SQL by dates
    computed once from the calendar (a few queries, whatever the number of
    tasks)."""
    open_tasks = (
        Task.objects.filter(is_open=1, assigned_on__lte=day)
        .exclude(state=Task.State.REPORTED_DONE)
        .order_by()
    )
    # Before and on the deadline only: urgings follow the counts below.
    rungs = ladder.deadline_rungs(day, settings_, None)
    plan: list[Planned] = []
    if rungs:
        for row in (
            open_tasks.filter(deadline__in=sorted(rungs))
            .order_by("pk")
            .values_list(*TASK_FIELDS)
        ):
            rung = rungs[row[3]]
            plan.append(_planned(rung.kind, rung.seq, row))
    for *row, count, due, escalated in (
        task_urging_candidates(day, settings_)
        .order_by("pk")
        .values_list(*TASK_FIELDS, "urge_count", "urging_due", "escalated")
    ):
        for kind, seq in _urging_plan((count, due, escalated), settings_):
            plan.append(_planned(kind, seq, row))
    period = ladder.progress_period_start(day, settings_.progress_every)
    if period is not None:
        for row in (
            open_tasks.filter(deadline__isnull=True, assigned_on__lt=period)
            .order_by("pk")
            .values_list(*TASK_FIELDS)
        ):
            plan.append(_planned(K.PROGRESS_REQUEST, 0, row, deadline=period))
    if settings_.confirm_after > 0:
        confirm_cutoff = ladder.urging_cutoff(day, settings_.confirm_after)
        for *row, reported in (
            Task.objects.filter(
                state=Task.State.REPORTED_DONE,
                reported_done_on__lte=confirm_cutoff,
                assigned_on__lte=day,
            )
            .order_by("pk")
            .values_list(*TASK_FIELDS, "reported_done_on")
        ):
            plan.append(_planned(K.CONFIRMATION_PENDING, 0, row, deadline=reported))
    plan.extend(_plan_parts(day, settings_))
    plan.sort(key=lambda p: (p.task_id, p.part_id or 0, p.kind))
    return plan


PART_FIELDS = (
    "pk",
    "task_id",
    "agency_id",
    "deadline",
    "task__code",
    "task__title",
    "task__body_id",
    "task__owner_id",
    "body_id",
)


def part_urge_counts(part_ids) -> dict[int, int]:
    """``{part id: urgings}``: each co-operating part's urging count (the
    part urging notices sent to its agency; letters are addressed to the
    lead agency and do not count for parts). One query."""
    ids = sorted(set(part_ids))
    if not ids:
        return {}
    return dict(
        Reminder.objects.filter(part_id__in=ids, kind=K.PART_URGING)
        .order_by()
        .values("part_id")
        .annotate(n=Count("pk"))
        .values_list("part_id", "n")
    )


def _plan_parts(day: datetime.date, settings_: ladder.LadderSettings) -> list[Planned]:
    """Co-operating parts: reminders before their sub-deadline (by its due
    working day, as for tasks), and urgings after it (every U working days
    from the sub-deadline's effective deadline or the part's last urging,
    numbered from the part's count) while the part is not done and the task
    is urgeable."""
    plan: list[Planned] = []

    def planned(kind, seq, row):
        pk, task_id, agency_id, deadline, code, title, body_id, owner_id, team = row
        return Planned(
            task_id=task_id,
            part_id=pk,
            kind=kind,
            deadline=deadline,
            seq=seq,
            code=code,
            title=title,
            body_id=body_id,
            owner_id=owner_id,
            agency_id=agency_id,
            party_body_id=team,
        )

    prungs = ladder.part_rungs(day, settings_)
    if prungs:
        for row in (
            TaskPart.objects.filter(
                deadline__in=sorted(prungs),
                completed_on__isnull=True,
                task__is_open=1,
                task__assigned_on__lte=day,
            )
            .exclude(task__state=Task.State.REPORTED_DONE)
            .order_by("pk")
            .values_list(*PART_FIELDS)
        ):
            plan.append(planned(K.PART_BEFORE_DEADLINE, prungs[row[3]].seq, row))
    if settings_.urging_every > 0:
        cutoff = ladder.urging_cutoff(day, settings_.urging_every)
        deadline_cutoff = ladder.urging_deadline_cutoff(day, settings_.urging_every)
        urgings = Reminder.objects.filter(
            part=OuterRef("pk"), kind=K.PART_URGING
        ).order_by()
        last = urgings.values("part").annotate(m=Max("sent_on")).values("m")
        count = urgings.values("part").annotate(n=Count("pk")).values("n")
        for *row, n in (
            TaskPart.objects.filter(
                # Past its effective deadline by U working days (implies
                # overdue: ``deadline_cutoff <= overdue_cutoff(day)``).
                deadline__lt=deadline_cutoff,
                completed_on__isnull=True,
                task__state__in=URGEABLE_STATES,
                task__assigned_on__lte=day,
            )
            .annotate(
                urging_base=Greatest(
                    F("deadline"),
                    Coalesce(Subquery(last, output_field=DateField()), F("deadline")),
                    output_field=DateField(),
                ),
                urgings=Coalesce(Subquery(count), 0),
            )
            .filter(urging_base__lte=cutoff)
            .order_by("pk")
            .values_list(*PART_FIELDS, "urgings")
        ):
            plan.append(planned(K.PART_URGING, n + 1, row))
    return plan


# --- the people to tell ---------------------------------------------------------


@dataclass
class _People:
    """Who is told of each planned reminder (one query for the run): a
    task's lead agency's focal points and owner; a part's party as the task
    notices tell it (``PartySeats``: focal points in the body, else an
    outside agency's people's seats elsewhere, or all members of another
    province's team); escalations the body's leaders and secretariat;
    confirmations its secretariat."""

    seats: PartySeats

    @classmethod
    def load(cls, day: datetime.date, plan: list[Planned]) -> _People:
        parts = [p for p in plan if p.part_id]
        return cls(
            PartySeats.load(
                day,
                bodies={p.body_id for p in plan},
                party_bodies={p.party_body_id for p in parts},
                party_agencies={p.agency_id for p in parts},
            )
        )

    def recipients(self, p: Planned) -> set[int]:
        seats = self.seats
        if p.kind == K.ESCALATION:
            return seats.role(p.body_id, Role.LEADER) | seats.role(
                p.body_id, Role.SECRETARIAT
            )
        if p.kind == K.CONFIRMATION_PENDING:
            # The secretariat confirms; the agency already did its part.
            return seats.role(p.body_id, Role.SECRETARIAT)
        if p.part_id is not None:
            return seats.party(p.body_id, p.agency_id, p.party_body_id)
        people = set(seats.focal.get((p.body_id, p.agency_id), ()))
        if p.owner_id:
            people.add(p.owner_id)
        return people


# --- texts ----------------------------------------------------------------------


def _d(value: datetime.date) -> str:
    # dd/mm/yyyy in every language (the house format); strftime is ~50x
    # cheaper than formats.date_format over tens of thousands of titles.
    return value.strftime("%d/%m/%Y")


def _short(title: str) -> str:
    return title if len(title) <= 120 else title[:119] + "…"


def notification_title(kind: str, seq: int, code: str, deadline, title: str) -> str:
    """The notification's title, in the active language."""
    values = {"code": code, "date": _d(deadline), "title": _short(title), "n": seq}
    if kind == K.BEFORE_DEADLINE:
        text = ngettext(
            "%(code)s is due in %(n)s working day, on %(date)s: %(title)s",
            "%(code)s is due in %(n)s working days, on %(date)s: %(title)s",
            seq,
        )
    elif kind == K.ON_DEADLINE:
        text = gettext("%(code)s is due today, %(date)s: %(title)s")
    elif kind == K.URGING:
        text = gettext(
            "Urging no. %(n)s: %(code)s is overdue since %(date)s: %(title)s"
        )
    elif kind == K.ESCALATION:
        text = gettext(
            "Escalated for the leadership meeting: %(code)s is still overdue "
            "after %(n)s urgings: %(title)s"
        )
    elif kind == K.PROGRESS_REQUEST:
        text = gettext("Please report the progress of %(code)s: %(title)s")
    elif kind == K.PART_URGING:
        text = gettext(
            "Urging no. %(n)s: your agency's part of %(code)s is overdue since "
            "%(date)s: %(title)s"
        )
    elif kind == K.CONFIRMATION_PENDING:
        text = gettext(
            "%(code)s was reported done on %(date)s and still awaits "
            "confirmation: %(title)s"
        )
    elif seq:
        text = ngettext(
            "Your agency's part of %(code)s is due in %(n)s working day, on "
            "%(date)s: %(title)s",
            "Your agency's part of %(code)s is due in %(n)s working days, on "
            "%(date)s: %(title)s",
            seq,
        )
    else:
        text = gettext(
            "Your agency's part of %(code)s is due today, %(date)s: %(title)s"
        )
    return text % values


def _audit_action(p: Planned) -> str:
    if p.kind == K.BEFORE_DEADLINE:
        return f"reminders.before_deadline_{p.seq}"
    if p.kind == K.PART_BEFORE_DEADLINE:
        if p.seq:
            return f"reminders.part_before_deadline_{p.seq}"
        return "reminders.part_on_deadline"
    return f"reminders.{p.kind}"


# --- services -------------------------------------------------------------------


def task_urge_count_sync(*, task_ids) -> dict[int, int]:
    """Recount each task's ``urge_count`` from the records: its urging
    notices plus the generated urging letters that list it (the definition
    the daily run and the letters keep by incrementing). A repair tool: the
    run and the letters never call it, and a count set before the records
    existed (an import) is replaced. ``version`` stays: a counter the system
    keeps is no edit conflict for the person editing the task."""
    from dieuphoi.letters.models import LetterTask, UrgingLetter

    ids = sorted(set(task_ids))
    if not ids:
        return {}
    notices = (
        Reminder.objects.filter(task=OuterRef("pk"), kind=K.URGING, part__isnull=True)
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    letters = (
        LetterTask.objects.filter(
            task=OuterRef("pk"), letter__status=UrgingLetter.Status.DONE
        )
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Task.objects.filter(pk__in=ids).update(
        urge_count=Coalesce(Subquery(notices), 0) + Coalesce(Subquery(letters), 0)
    )
    bump_tasks()  # the list's cached rows show the count (no signal here)
    return dict(Task.objects.filter(pk__in=ids).values_list("pk", "urge_count"))


def reminders_run_day(
    *,
    day: datetime.date,
    batch_size: int | None = None,
    progress_key: str | None = None,
) -> RunResult:
    """Send the reminders due on ``day`` (see the module docstring)."""
    result = RunResult(day=day)
    if not calendar.is_working_day(day):
        result.skipped = True
        return result
    settings_ = ladder.LadderSettings.from_settings()
    plan = plan_day(day, settings_)
    result.planned = len(plan)
    if not plan:
        return result
    size = batch_size or int(
        getattr(settings, "REMINDER_BATCH_SIZE", DEFAULT_BATCH_SIZE)
    )
    context = _RunContext.load(day, plan, settings_)
    done = 0
    for batch in chunks(plan, size):
        with transaction.atomic():
            _run_batch(list(batch), context, result)
        done += len(batch)
        result.batches += 1
        if progress_key:
            from dieuphoi.jobs.progress import job_progress_update

            job_progress_update(progress_key, done, len(plan))
    return result


@dataclass
class _RunContext:
    day: datetime.date
    people: _People
    agency_names: dict[int, str]
    team_names: dict[int, str]
    task_type: ContentType
    url_template: str
    reason_language: str
    settings: ladder.LadderSettings = field(
        default_factory=ladder.LadderSettings.from_settings
    )

    def party_name(self, p: Planned) -> str:
        if p.party_body_id:
            return self.team_names.get(p.party_body_id, "")
        return self.agency_names.get(p.agency_id, "")

    @classmethod
    def load(
        cls,
        day: datetime.date,
        plan: list[Planned],
        settings_: ladder.LadderSettings | None = None,
    ) -> _RunContext:
        part_agencies = {p.agency_id for p in plan if p.part_id and p.agency_id}
        teams = {p.party_body_id for p in plan if p.party_body_id}
        marker = 987654321
        return cls(
            day=day,
            people=_People.load(day, plan),
            agency_names=dict(
                Agency.objects.filter(pk__in=part_agencies).values_list(
                    "pk", "short_name"
                )
            )
            if part_agencies
            else {},
            team_names={
                pk: short or name
                for pk, short, name in Body.objects.filter(pk__in=teams).values_list(
                    "pk", "short_name", "name"
                )
            }
            if teams
            else {},
            task_type=ContentType.objects.get_for_model(Task),
            url_template=reverse("tasks:detail", args=[marker]).replace(
                str(marker), "{}"
            ),
            reason_language=settings.LANGUAGE_CODE,
            settings=settings_ or ladder.LadderSettings.from_settings(),
        )


def _recheck_urgings(batch: list[Planned], ctx: _RunContext) -> list[Planned]:
    """The batch with its tasks' urgings and escalations decided again on
    the locked task rows (inside the batch's transaction): a letter issued
    or another run of the day since the plan was made leaves the task not
    due, and the number is the count read under the lock. One query, only
    when the batch has any."""
    ids = {p.task_id for p in batch if p.kind in (K.URGING, K.ESCALATION)}
    if not ids:
        return batch
    rows = {
        pk: (count, due, escalated)
        for pk, count, due, escalated in task_urging_candidates(ctx.day, ctx.settings)
        .filter(pk__in=sorted(ids))
        # Row locks in id order, as the letters take them: no deadlock.
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "urge_count", "urging_due", "escalated")
    }
    kept: list[Planned] = []
    redone: set[int] = set()
    for p in batch:
        if (
            p.task_id not in ids
            or p.part_id is not None
            or p.kind not in (K.URGING, K.ESCALATION)
        ):
            kept.append(p)
        elif p.task_id not in redone:
            redone.add(p.task_id)
            row = rows.get(p.task_id)
            if row is not None:
                kept.extend(
                    replace(p, kind=kind, seq=seq)
                    for kind, seq in _urging_plan(row, ctx.settings)
                )
    return kept


def _run_batch(batch: list[Planned], ctx: _RunContext, result: RunResult) -> None:
    batch = _recheck_urgings(batch, ctx)
    if not batch:
        return
    run = uuid.uuid4()
    Reminder.objects.bulk_create(
        [
            Reminder(
                task_id=p.task_id,
                part_id=p.part_id,
                kind=p.kind,
                deadline=p.deadline,
                seq=p.seq,
                sent_on=ctx.day,
                run=run,
            )
            for p in batch
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    inserted = {
        (task_id, part_id, kind, deadline, seq): pk
        for pk, task_id, part_id, kind, deadline, seq in Reminder.objects.filter(
            run=run
        ).values_list("pk", "task_id", "part_id", "kind", "deadline", "seq")
    }
    new = [(p, inserted[p.key]) for p in batch if p.key in inserted]
    if not new:
        return
    for p, _pk in new:
        result.inserted[p.kind] += 1

    # The count after each urging is its number (read under the lock).
    counts = {p.task_id: p.seq for p, _pk in new if p.kind == K.URGING}
    if counts:
        Task.objects.filter(pk__in=sorted(counts)).update(
            urge_count=F("urge_count") + 1
        )
        bump_tasks()  # the list's cached rows show the count (no signal here)
    escalations = [p for p, _pk in new if p.kind == K.ESCALATION]
    if escalations:
        with translation.override(ctx.reason_language):
            TaskEscalation.objects.bulk_create(
                [
                    TaskEscalation(
                        task_id=p.task_id,
                        deadline=p.deadline,
                        urge_count=counts.get(p.task_id, p.seq),
                        escalated_on=ctx.day,
                        reason=gettext(
                            "Overdue since %(date)s and not completed after "
                            "%(count)s urgings."
                        )
                        % {"date": _d(p.deadline), "count": p.seq},
                    )
                    for p in escalations
                ],
                ignore_conflicts=True,
            )

    events = []
    for p, _pk in new:
        if p.kind in (K.BEFORE_DEADLINE, K.ON_DEADLINE):
            changes = {"deadline": p.deadline}
        elif p.kind == K.URGING:
            changes = {"urge_count": counts.get(p.task_id, p.seq)}
        elif p.kind == K.ESCALATION:
            changes = {"deadline": p.deadline, "urge_count": p.seq}
        elif p.kind == K.PART_BEFORE_DEADLINE:
            changes = {"cooperating": f"{ctx.party_name(p)} ({_d(p.deadline)})"}
        elif p.kind == K.PART_URGING:
            changes = {
                "cooperating": f"{ctx.party_name(p)} ({_d(p.deadline)})",
                "urge_count": p.seq,
            }
        elif p.kind == K.CONFIRMATION_PENDING:
            changes = {"reported_done_on": p.deadline}
        else:
            changes = {}
        events.append(
            {
                "action": _audit_action(p),
                "target_type": ctx.task_type,
                "target_id": p.task_id,
                "target_repr": f"{p.code} {p.title[:80]}",
                "changes": changes,
            }
        )
    audit_record_many(actor=None, events=events)

    specs = []
    for p, pk in new:
        # Reminders before and on the deadline name the day it falls due
        # (a deadline on a day off may move); urgings the written deadline.
        shown = (
            calendar.effective_deadline(p.deadline)
            if p.kind in APPROACHING_KINDS
            else p.deadline
        )
        title = functools.partial(
            notification_title, p.kind, p.seq, p.code, shown, p.title
        )
        url = ctx.url_template.format(p.task_id)
        for uid in sorted(ctx.people.recipients(p)):
            specs.append(
                NotificationSpec(
                    recipient_id=uid,
                    kind=p.kind,
                    key=f"reminder:{pk}:{uid}",
                    title=title,
                    url=url,
                    target_type_id=ctx.task_type.pk,
                    target_id=p.task_id,
                    day=ctx.day,
                )
            )
    result.notifications += notify_many(specs, on=ctx.day)


@transaction.atomic
def escalation_resolve(
    *, escalation: TaskEscalation, actor, resolution: str
) -> TaskEscalation:
    """Close an escalation (the leadership meeting dealt with it)."""
    from dieuphoi.core.models import local_today

    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(
            {"resolution": gettext("Say how the escalation was resolved.")}
        )
    current = TaskEscalation.objects.select_for_update().get(pk=escalation.pk)
    if current.resolved:
        raise ValidationError(gettext("This escalation is already resolved."))
    current.resolved = True
    current.resolved_on = local_today()
    current.resolved_by = actor
    current.resolution = resolution[:2000]
    current.full_clean()
    current.save()
    audit_record(
        actor=actor,
        action="reminders.escalation_resolve",
        target=current.task,
        changes={"resolution": current.resolution},
    )
    return current


# --- extension requests awaiting a decision ------------------------------------


def extension_pending_title(code: str, date: datetime.date, title: str) -> str:
    """The reminder's title, in the active language."""
    return gettext(
        "Reminder: the extension request for %(code)s (to %(date)s) is still "
        "awaiting your decision: %(title)s"
    ) % {"code": code, "date": _d(date), "title": _short(title)}


def extension_pending_notify(*, day: datetime.date) -> int:
    """Tell the leader and deputy of each body about the extension requests
    still pending on working day ``day``.

    Set-based: one query for the pending requests, one for the deciders of
    their bodies, then ``notify_many`` (a fixed number of queries). Each
    notification's key is ``extension-pending:<request>:<day>:<person>``, so
    running the day again adds nothing. Returns how many recipients were
    notified (now or by an earlier run of the day).
    """
    if not calendar.is_working_day(day):
        return 0
    rows = list(
        ExtensionRequest.objects.filter(pending_requests_q())
        .order_by("pk")
        .values_list(
            "pk",
            "requested_deadline",
            "task_id",
            "task__code",
            "task__title",
            "task__body_id",
        )
    )
    if not rows:
        return 0
    deciders: dict[int, set[int]] = defaultdict(set)
    for person, body in (
        Membership.objects.as_of(day)
        .filter(
            body_id__in={row[5] for row in rows},
            role__in=sorted(LEADER_ROLES),
            person__is_active=True,
        )
        .order_by()
        .values_list("person_id", "body_id")
    ):
        deciders[body].add(person)
    task_type = ContentType.objects.get_for_model(Task)
    marker = 987654321
    url_template = reverse("tasks:detail", args=[marker]).replace(str(marker), "{}")
    specs = []
    for pk, requested, task_id, code, title, body_id in rows:
        text = functools.partial(extension_pending_title, code, requested, title)
        for uid in sorted(deciders.get(body_id, ())):
            specs.append(
                NotificationSpec(
                    recipient_id=uid,
                    kind="extension_pending",
                    key=f"extension-pending:{pk}:{day.isoformat()}:{uid}",
                    title=text,
                    url=url_template.format(task_id),
                    target_type_id=task_type.pk,
                    target_id=task_id,
                    day=day,
                )
            )
    with transaction.atomic():
        return notify_many(specs, on=day)
