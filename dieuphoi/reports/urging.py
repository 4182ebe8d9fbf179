"""Contributions not yet submitted, as obligations the reminder ladder
reminds and urges (``dieuphoi.reminders.obligations``), exactly as a
consultation round's silent parties (``proposals.urging``).

Before the request's deadline whoever acts for the party is reminded;
after it they are urged every few working days and
``Contribution.urge_count`` counts the urgings (shown on the report's
contributions and in the scorecards); after ``ESCALATE_AFTER_URGINGS``
the body's leader and secretariat are told. A contribution stops being
chased when it is submitted or when its report is no longer open
(approved or later, or withdrawn).
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.org.models import Membership
from dieuphoi.reminders.obligations import (
    Obligation,
    ObligationSource,
    register_obligation_source,
)
from dieuphoi.tasks.notices import PartySeats

from .contributions import OPEN_STATES, record_urgings
from .models import Contribution

SOURCE = "reports.contribution"


def contributions_due(day: datetime.date, horizon: datetime.date) -> list[Obligation]:
    items = list(
        Contribution.objects.filter(
            state__in=(Contribution.State.PENDING, Contribution.State.DRAFT),
            request__report__state__in=OPEN_STATES,
            request__deadline__lte=horizon,
        ).select_related("request__report")
    )
    if not items:
        return []
    bodies = {item.request.report.body_id for item in items}
    seats = PartySeats.load(
        day,
        bodies=list(bodies),
        party_bodies=[item.party_body_id for item in items if item.party_body_id],
        party_agencies=[item.agency_id for item in items if item.agency_id],
    )
    escalate = {
        body: frozenset(
            seats.role(body, Membership.Role.LEADER)
            | seats.role(body, Membership.Role.SECRETARIAT)
        )
        for body in bodies
    }
    out = []
    for item in items:
        body = item.request.report.body_id
        out.append(
            Obligation(
                pk=item.pk,
                deadline=item.request.deadline,
                urge_count=item.urge_count,
                recipients=frozenset(
                    seats.party(body, item.agency_id, item.party_body_id)
                ),
                target=item,
                subject=lambda item=item: _subject(item),
                url=item.get_absolute_url(),
                escalate_to=escalate[body],
            )
        )
    return out


def _subject(item: Contribution) -> str:
    return gettext("the section of %(party)s for %(report)s") % {
        "party": item.name,
        "report": item.request.report.title[:100],
    }


def contributions_counted(counts: dict[int, int], day: datetime.date) -> None:
    record_urgings(counts)


def register() -> None:
    register_obligation_source(
        ObligationSource(
            key=SOURCE,
            label=_("Section of a periodic report"),
            open_due=contributions_due,
            counted=contributions_counted,
        )
    )
