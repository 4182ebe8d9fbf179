"""Writes of the reminders app.

Public names:

- ``reminders_run_day(*, day, batch_size=None, progress_key=None) ->
  RunResult``: the daily ladder for working day ``day`` (the daily job calls
  it; tests call it directly or through ``schedule_daily --on``).
- ``task_urge_count_sync(*, task_ids) -> dict[int, int]``: set
  ``Task.urge_count`` to the number of urging notices sent (idempotent).
- ``escalation_resolve(*, escalation, actor, resolution) -> TaskEscalation``.
- ``extension_pending_notify(*, day) -> int``: remind the leader and deputy
  of each body of the extension requests still awaiting their decision on
  working day ``day`` (once per request, person and day; the daily job
  ``reminders.extension_pending`` calls it).

How a day runs (set-based; a fixed number of queries per batch):

1. From the calendar alone, the deadline dates due for each rung on ``day``
   (``ladder``); then one query per kind selects the open tasks (and
   co-operating parts) with those deadlines. No loop over all tasks.
2. The planned reminders go in batches; each batch is one transaction: insert
   the ``Reminder`` rows with ``ignore_conflicts`` under a fresh run marker,
   read back the rows this batch inserted (a re-run or a crashed earlier run
   inserted the others, and they were handled then), and for those only:
   update the urging counts, create escalations, write one audit event per
   reminder on the task's timeline, and notify (notifications have unique
   keys too, and e-mails are queued in the same transaction).

A crash rolls back the batch it was in; the earlier batches are complete, so
running the day again sends each reminder exactly once.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, audit_record_many
from dieuphoi.notifications.services import NotificationSpec, chunks, notify_many
from dieuphoi.org.models import Agency, Membership
from dieuphoi.org.permissions import LEADER_ROLES
from dieuphoi.tasks.extension_selectors import pending_requests_q
from dieuphoi.tasks.models import ExtensionRequest, Task, TaskPart
from dieuphoi.tasks.permissions import FOCAL_ROLES
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
    agency_id: int  # the lead agency, or the part's agency

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


def plan_day(day: datetime.date, settings_: ladder.LadderSettings) -> list[Planned]:
    """Every reminder due on working day ``day``, selected in SQL by the
    deadline dates the ladder computes (a few queries, whatever the number
    of tasks)."""
    open_tasks = Task.objects.filter(is_open=1, assigned_on__lte=day).order_by()
    oldest = open_tasks.filter(deadline__lt=day).aggregate(m=Min("deadline"))["m"]
    rungs = ladder.deadline_rungs(day, settings_, oldest)
    plan: list[Planned] = []
    if rungs:
        rows = (
            open_tasks.filter(deadline__in=sorted(rungs))
            .order_by("pk")
            .values_list(
                "pk",
                "code",
                "title",
                "deadline",
                "owner_id",
                "lead_agency_id",
                "body_id",
            )
        )
        for pk, code, title, deadline, owner_id, lead_id, body_id in rows:
            rung = rungs[deadline]
            common = {
                "task_id": pk,
                "part_id": None,
                "deadline": deadline,
                "code": code,
                "title": title,
                "body_id": body_id,
                "owner_id": owner_id,
                "agency_id": lead_id,
            }
            plan.append(Planned(kind=rung.kind, seq=rung.seq, **common))
            if rung.kind == K.URGING and rung.seq == settings_.escalate_after:
                # Escalated with the urging that reaches the threshold, like
                # every rung on its own day: a day the scheduler missed is
                # run again with ``schedule_daily --on``. (Escalating every
                # long-overdue task at its next urging instead would bury the
                # leader under the backlog on the first day.)
                plan.append(Planned(kind=K.ESCALATION, seq=rung.seq, **common))
    period = ladder.progress_period_start(day, settings_.progress_every)
    if period is not None:
        for pk, code, title, owner_id, lead_id, body_id in (
            open_tasks.filter(deadline__isnull=True, assigned_on__lt=period)
            .order_by("pk")
            .values_list("pk", "code", "title", "owner_id", "lead_agency_id", "body_id")
        ):
            plan.append(
                Planned(
                    task_id=pk,
                    part_id=None,
                    kind=K.PROGRESS_REQUEST,
                    deadline=period,
                    seq=0,
                    code=code,
                    title=title,
                    body_id=body_id,
                    owner_id=owner_id,
                    agency_id=lead_id,
                )
            )
    prungs = ladder.part_rungs(day, settings_)
    if prungs:
        for pk, task_id, agency_id, deadline, code, title, body_id, owner_id in (
            TaskPart.objects.filter(
                deadline__in=sorted(prungs),
                completed_on__isnull=True,
                task__is_open=1,
                task__assigned_on__lte=day,
            )
            .order_by("pk")
            .values_list(
                "pk",
                "task_id",
                "agency_id",
                "deadline",
                "task__code",
                "task__title",
                "task__body_id",
                "task__owner_id",
            )
        ):
            rung = prungs[deadline]
            plan.append(
                Planned(
                    task_id=task_id,
                    part_id=pk,
                    kind=K.PART_BEFORE_DEADLINE,
                    deadline=deadline,
                    seq=rung.seq,
                    code=code,
                    title=title,
                    body_id=body_id,
                    owner_id=owner_id,
                    agency_id=agency_id,
                )
            )
    plan.sort(key=lambda p: (p.task_id, p.part_id or 0, p.kind))
    return plan


# --- the people to tell ---------------------------------------------------------


@dataclass
class _People:
    focal: dict[tuple[int, int], set[int]]
    escalate_to: dict[int, set[int]]

    @classmethod
    def load(cls, day: datetime.date, body_ids: set[int]) -> _People:
        focal: dict[tuple[int, int], set[int]] = defaultdict(set)
        escalate_to: dict[int, set[int]] = defaultdict(set)
        for person, body, agency, role in (
            Membership.objects.as_of(day)
            .filter(body_id__in=body_ids, person__is_active=True)
            .order_by()
            .values_list("person_id", "body_id", "agency_id", "role")
        ):
            if role in FOCAL_ROLES and agency:
                focal[(body, agency)].add(person)
            if role in (Role.LEADER, Role.SECRETARIAT):
                escalate_to[body].add(person)
        return cls(focal=focal, escalate_to=escalate_to)

    def recipients(self, p: Planned) -> set[int]:
        if p.kind == K.ESCALATION:
            return set(self.escalate_to.get(p.body_id, ()))
        people = set(self.focal.get((p.body_id, p.agency_id), ()))
        if p.owner_id and p.kind != K.PART_BEFORE_DEADLINE:
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
    """Set each task's ``urge_count`` to the urging notices sent for it (all
    its deadlines): idempotent, so a re-run never counts twice. ``version``
    stays: a counter the system keeps is no edit conflict for the person
    editing the task (the task services lock and re-read the row)."""
    ids = sorted(set(task_ids))
    if not ids:
        return {}
    sent = (
        Reminder.objects.filter(task=OuterRef("pk"), kind=K.URGING, part__isnull=True)
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Task.objects.filter(pk__in=ids).update(urge_count=Coalesce(Subquery(sent), 0))
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
    context = _RunContext.load(day, plan)
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
    task_type: ContentType
    url_template: str
    reason_language: str

    @classmethod
    def load(cls, day: datetime.date, plan: list[Planned]) -> _RunContext:
        part_agencies = {p.agency_id for p in plan if p.part_id}
        marker = 987654321
        return cls(
            day=day,
            people=_People.load(day, {p.body_id for p in plan}),
            agency_names=dict(
                Agency.objects.filter(pk__in=part_agencies).values_list(
                    "pk", "short_name"
                )
            )
            if part_agencies
            else {},
            task_type=ContentType.objects.get_for_model(Task),
            url_template=reverse("tasks:detail", args=[marker]).replace(
                str(marker), "{}"
            ),
            reason_language=settings.LANGUAGE_CODE,
        )


def _run_batch(batch: list[Planned], ctx: _RunContext, result: RunResult) -> None:
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

    counts = task_urge_count_sync(
        task_ids=[p.task_id for p, _pk in new if p.kind == K.URGING]
    )
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
            changes = {
                "cooperating": f"{ctx.agency_names.get(p.agency_id, '')} "
                f"({_d(p.deadline)})"
            }
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
        title = functools.partial(
            notification_title, p.kind, p.seq, p.code, p.deadline, p.title
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
