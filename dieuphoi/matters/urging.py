"""Stale matters as obligations of the reminder ladder
(``dieuphoi.reminders.obligations``, source ``matters.stale``).

An open matter (new, coordinating) owes a log entry every
``MATTER_STALE_WORKING_DAYS`` working days: the deadline is its last log
date (or the date it was raised) plus N working days (``stale.stale_due``).
Its owner is reminded before and on that day and urged after it
(``Matter.urge_count``); after ``ESCALATE_AFTER_URGINGS`` the body's leader
and secretariat are told. A new log entry moves the deadline (a new ladder)
and resets the count; a resolved, escalated or closed matter is not reminded.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.org.models import Membership
from dieuphoi.reminders.obligations import (
    Obligation,
    ObligationSource,
    register_obligation_source,
)
from dieuphoi.workdays.calendar import add_working_days

from . import stale
from .models import Matter

SOURCE = "matters.stale"


def stale_matters_due(day: datetime.date, horizon: datetime.date):
    n = stale.stale_days()
    # Deadline ≤ horizon ⟺ last activity ≤ the cutoff of the horizon.
    cutoff = stale.stale_cutoff(horizon)
    matters = list(
        Matter.objects.filter(stale.stale_q(cutoff=cutoff), owner__isnull=False)
        .select_related("body")
        .order_by("pk")
    )
    if not matters:
        return []
    bodies = sorted({m.body_id for m in matters})
    escalate: dict[int, set[int]] = {b: set() for b in bodies}
    for body_id, person_id in (
        Membership.objects.as_of(day)
        .filter(
            body_id__in=bodies,
            role__in=[Membership.Role.LEADER, Membership.Role.SECRETARIAT],
        )
        .values_list("body_id", "person_id")
    ):
        escalate[body_id].add(person_id)
    out = []
    for matter in matters:
        out.append(
            Obligation(
                pk=matter.pk,
                deadline=add_working_days(matter.last_activity_on, n),
                urge_count=matter.urge_count,
                recipients=frozenset({matter.owner_id}),
                target=matter,
                subject=lambda matter=matter: _subject(matter),
                url=f"{matter.get_absolute_url()}#log",
                escalate_to=frozenset(escalate[matter.body_id]),
            )
        )
    return out


def _subject(matter: Matter) -> str:
    return gettext("a new entry in the coordination log of the matter %(code)s") % {
        "code": matter.code
    }


def stale_counted(counts: dict[int, int], day: datetime.date) -> None:
    Matter.objects.filter(pk__in=counts).update(
        urge_count=Case(
            *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
            output_field=IntegerField(),
        )
    )


def register() -> None:
    register_obligation_source(
        ObligationSource(
            key=SOURCE,
            label=_("Stale inter-provincial matter"),
            open_due=stale_matters_due,
            counted=stale_counted,
        )
    )
