"""Open milestones of key projects, as obligations the reminder ladder
reminds and urges (``dieuphoi.reminders.obligations``).

Before the planned date the responsible agency's focal points in the
project's body are reminded (an agency with none there: its people's seats
elsewhere, ``tasks.notices.PartySeats``); after it they are urged every few
working days and ``Milestone.urge_count`` counts the urgings shown on the
project page; after ``ESCALATE_AFTER_URGINGS`` the body's leader and
secretariat are told. A milestone stops being reminded when its actual date
is recorded; a planned date moved later starts a new ladder.
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
from dieuphoi.tasks.notices import PartySeats

from .models import Milestone

SOURCE = "keyprojects.milestone"


def milestones_due(day: datetime.date, horizon: datetime.date):
    milestones = list(
        Milestone.objects.filter(
            actual_on__isnull=True, planned_on__lte=horizon
        ).select_related("project")
    )
    if not milestones:
        return []
    bodies = {m.project.body_id for m in milestones}
    seats = PartySeats.load(
        day,
        bodies=list(bodies),
        party_agencies=[m.responsible_agency_id for m in milestones],
    )
    escalate = {
        body: frozenset(
            seats.role(body, Membership.Role.LEADER)
            | seats.role(body, Membership.Role.SECRETARIAT)
        )
        for body in bodies
    }
    out = []
    for milestone in milestones:
        project = milestone.project
        out.append(
            Obligation(
                pk=milestone.pk,
                deadline=milestone.planned_on,
                urge_count=milestone.urge_count,
                recipients=frozenset(
                    seats.party(project.body_id, milestone.responsible_agency_id, None)
                ),
                target=project,
                subject=lambda milestone=milestone: _subject(milestone),
                url=f"{project.get_absolute_url()}#milestone-row-{milestone.pk}",
                escalate_to=escalate[project.body_id],
            )
        )
    return out


def _subject(milestone: Milestone) -> str:
    return gettext("the milestone “%(name)s” of the key project %(project)s") % {
        "name": milestone.name[:100],
        "project": milestone.project.code,
    }


def milestones_counted(counts: dict[int, int], day: datetime.date) -> None:
    Milestone.objects.filter(pk__in=counts).update(
        urge_count=Case(
            *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
            output_field=IntegerField(),
        )
    )


def register() -> None:
    register_obligation_source(
        ObligationSource(
            key=SOURCE,
            label=_("Milestone of a key project"),
            open_due=milestones_due,
            counted=milestones_counted,
        )
    )
