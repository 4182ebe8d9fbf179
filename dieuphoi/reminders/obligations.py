"""Deadlines that are not a task's, reminded and urged by the task ladder.

Anything someone owes by a date — a party's answer to a consultation round,
a key project's milestone, an agency's part of a periodic report, a reply to
an invitation — is an *obligation*. The capability that owns it registers an
``ObligationSource`` (from its ``AppConfig.ready()``); the daily run
(``services.reminders_run_day``) then treats every open obligation as it
treats a task's deadline (``ladder``), with the same settings:

- a reminder ``REMINDER_BEFORE_DAYS`` working days before the due working
  day, and one on it;
- once overdue, an urging every ``URGING_EVERY_WORKING_DAYS`` working days,
  numbered from the obligation's own count (the source stores it:
  ``counted``), catching up one urging per run after a missed day;
- when the count reaches ``ESCALATE_AFTER_URGINGS``, the source's
  ``escalate_to`` people are told, once per deadline.

Each rung is sent exactly once: an ``ObligationReminder`` row (unique per
source, object, kind, written deadline and number) is inserted with
``ignore_conflicts`` and only the rows this run inserted are notified and
counted, as for tasks. A deadline moved later starts a new ladder (the key
holds the written deadline).

Registering::

    register_obligation_source(ObligationSource(
        key="proposals.round_party",
        label=_("Answer to a consultation round"),
        open_due=round_parties_due,   # (day, horizon) -> Iterable[Obligation]
        counted=round_parties_counted,  # ({pk: count}, day) -> None
    ))

``open_due`` returns the obligations still open on ``day`` whose written
deadline is on or before ``horizon`` (later ones have no rung due yet).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from dieuphoi.audit.services import audit_record
from dieuphoi.workdays import calendar

from . import ladder

BEFORE, ON, URGING, ESCALATION = "before", "on", "urging", "escalation"


@dataclass(frozen=True)
class Obligation:
    pk: int
    deadline: datetime.date
    urge_count: int
    # Who must act (user ids); nobody to tell means nothing is sent or counted.
    recipients: frozenset[int]
    # A registered notification target (``notifications.registry``).
    target: object
    # What is owed, as a noun phrase for the titles ("ý kiến của … về …"):
    # a callable, so each recipient reads it in their own language.
    subject: Callable[[], str]
    url: str
    escalate_to: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ObligationSource:
    key: str
    label: object
    open_due: Callable[[datetime.date, datetime.date], Iterable[Obligation]]
    counted: Callable[[dict[int, int], datetime.date], None]


_SOURCES: dict[str, ObligationSource] = {}


def register_obligation_source(source: ObligationSource) -> None:
    _SOURCES[source.key] = source


def obligation_sources() -> list[ObligationSource]:
    return list(_SOURCES.values())


@dataclass
class ObligationResult:
    planned: int = 0
    sent: int = 0
    urged: int = 0
    escalated: int = 0
    by_source: dict[str, int] = field(default_factory=dict)


def _rungs_for(
    day: datetime.date, settings_: ladder.LadderSettings
) -> tuple[dict[datetime.date, int], datetime.date]:
    """``{written deadline: n}`` of the approaching rungs due on ``day``
    (``n = 0``: on the deadline) and the latest such deadline."""
    approaching = {
        date: rung.seq
        for date, rung in ladder.approaching_rungs(
            day, settings_.before_days, kind=BEFORE
        ).items()
    }
    return approaching, max(approaching, default=day)


def plan(
    day: datetime.date, settings_: ladder.LadderSettings
) -> list[tuple[ObligationSource, Obligation, str, int]]:
    """Every rung due on working ``day``: (source, obligation, kind, number)."""
    from .models import ObligationReminder

    approaching, horizon = _rungs_for(day, settings_)
    every = settings_.urging_every
    overdue_before = ladder.urging_deadline_cutoff(day, every)
    last_cutoff = ladder.urging_cutoff(day, every)
    planned = []
    for source in obligation_sources():
        open_ = [o for o in source.open_due(day, horizon) if o.recipients]
        if not open_:
            continue
        last = dict(
            ObligationReminder.objects.filter(
                source=source.key,
                kind=URGING,
                object_id__in=[o.pk for o in open_],
            )
            .values("object_id")
            .annotate(last=Max("sent_on"))
            .values_list("object_id", "last")
        )
        for ob in open_:
            if ob.deadline in approaching:
                n = approaching[ob.deadline]
                planned.append((source, ob, ON if n == 0 else BEFORE, n))
            elif ob.deadline < overdue_before and (
                ob.pk not in last or last[ob.pk] <= last_cutoff
            ):
                seq = ob.urge_count + 1
                planned.append((source, ob, URGING, seq))
                if ob.escalate_to and seq >= settings_.escalate_after:
                    planned.append((source, ob, ESCALATION, 0))
    return planned


def title(kind: str, seq: int, ob: Obligation) -> str:
    date = ob.deadline.strftime("%d/%m/%Y")
    subject = ob.subject()
    if kind == BEFORE:
        return gettext(
            "Reminder: %(subject)s is due in %(n)d working days (%(date)s)"
        ) % {
            "subject": subject,
            "n": seq,
            "date": date,
        }
    if kind == ON:
        return gettext("Reminder: %(subject)s is due today (%(date)s)") % {
            "subject": subject,
            "date": date,
        }
    if kind == URGING:
        return gettext("Urging no. %(n)d: %(subject)s was due on %(date)s") % {
            "subject": subject,
            "n": seq,
            "date": date,
        }
    return gettext(
        "Escalated: %(subject)s, due on %(date)s, is still missing after %(n)d urgings"
    ) % {"subject": subject, "n": ob.urge_count + 1, "date": date}


KIND_OF_NOTICE = {
    BEFORE: "obligation_reminder",
    ON: "obligation_reminder",
    URGING: "obligation_urging",
    ESCALATION: "obligation_escalation",
}


def run_day(day: datetime.date) -> ObligationResult:
    """Send the obligations' rungs due on ``day`` (a working day), once."""
    from dieuphoi.notifications.services import notify

    from .models import ObligationReminder

    result = ObligationResult()
    if not calendar.is_working_day(day):
        return result
    settings_ = ladder.LadderSettings.from_settings()
    planned = plan(day, settings_)
    result.planned = len(planned)
    run = uuid.uuid4()
    with transaction.atomic():
        ObligationReminder.objects.bulk_create(
            [
                ObligationReminder(
                    source=source.key,
                    object_id=ob.pk,
                    kind=kind,
                    deadline=ob.deadline,
                    seq=seq,
                    sent_on=day,
                    run=run,
                )
                for source, ob, kind, seq in planned
            ],
            ignore_conflicts=True,
        )
        mine = set(
            ObligationReminder.objects.filter(run=run).values_list(
                "source", "object_id", "kind", "deadline", "seq"
            )
        )
        counts: dict[str, dict[int, int]] = {}
        for source, ob, kind, seq in planned:
            if (source.key, ob.pk, kind, ob.deadline, seq) not in mine:
                continue  # sent by an earlier run
            people = ob.escalate_to if kind == ESCALATION else ob.recipients
            result.sent += notify(
                recipients=people,
                kind=KIND_OF_NOTICE[kind],
                target=ob.target,
                title=lambda kind=kind, seq=seq, ob=ob: title(kind, seq, ob),
                url=ob.url,
                key=f"obligation:{source.key}:{ob.pk}:{kind}:{ob.deadline}:{seq}",
                day=day,
            )
            result.by_source[source.key] = result.by_source.get(source.key, 0) + 1
            if kind == URGING:
                counts.setdefault(source.key, {})[ob.pk] = seq
                result.urged += 1
                audit_record(
                    actor=None,
                    action="reminders.obligation_urge",
                    target=ob.target,
                    changes={"source": source.key, "object": ob.pk, "urging": seq},
                )
            elif kind == ESCALATION:
                result.escalated += 1
        for source in obligation_sources():
            if source.key in counts:
                source.counted(counts[source.key], day)
    return result
