"""Who is told of what happens to a contribution request
(``dieuphoi.notifications``).

| event | kind | told |
|---|---|---|
| a request is made | report_contribution_requested | whoever acts for each party asked (``tasks.notices.PartySeats``), about their own contribution |
| a contribution is submitted | report_contribution_submitted | the body's secretariat |

The actor is never told of their own action; keys name the event and the
contribution, so running an event again adds nothing. ``contributions``
calls these inside its writes' transactions; the kinds are registered by
``notices.contributions_ready()``.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext

from dieuphoi.notifications.services import NotificationSpec, notify, notify_many
from dieuphoi.org.models import Membership
from dieuphoi.paperwork import content as c
from dieuphoi.tasks.notices import PartySeats

from .models import Contribution, ContributionRequest

REQUESTED = "report_contribution_requested"
SUBMITTED = "report_contribution_submitted"


def contributions_requested(
    *, request: ContributionRequest, actor, on: datetime.date
) -> int:
    report = request.report
    contributions = list(request.contributions.all())
    seats = PartySeats.load(
        on,
        bodies=[report.body_id],
        party_bodies=[p.party_body_id for p in contributions if p.party_body_id],
        party_agencies=[p.agency_id for p in contributions if p.agency_id],
    )
    type_id = ContentType.objects.get_for_model(Contribution).pk
    actor_id = getattr(actor, "pk", None)

    def title() -> str:
        return gettext("Your section of %(report)s is asked for by %(date)s") % {
            "report": report.title[:150],
            "date": c.dmy(request.deadline),
        }

    specs = [
        NotificationSpec(
            recipient_id=person,
            kind=REQUESTED,
            key=f"contribution:{item.pk}:requested:{person}",
            title=title,
            url=item.get_absolute_url(),
            target_type_id=type_id,
            target_id=item.pk,
            day=on,
        )
        for item in contributions
        for person in sorted(
            seats.party(report.body_id, item.agency_id, item.party_body_id)
        )
        if person != actor_id
    ]
    return notify_many(specs) if specs else 0


def contribution_submitted(
    *, contribution: Contribution, actor, on: datetime.date
) -> int:
    report = contribution.request.report
    seats = PartySeats.load(on, bodies=[report.body_id])
    people = seats.role(report.body_id, Membership.Role.SECRETARIAT)
    people.discard(getattr(actor, "pk", None))
    if not people:
        return 0

    def title() -> str:
        if contribution.late:
            text = gettext("%(party)s submitted its section of %(report)s, late")
        else:
            text = gettext("%(party)s submitted its section of %(report)s")
        return text % {"party": contribution.name, "report": report.title[:150]}

    return notify(
        recipients=sorted(people),
        kind=SUBMITTED,
        target=contribution,
        title=title,
        url=contribution.get_absolute_url(),
        key=f"contribution:{contribution.pk}:submitted",
        day=on,
    )
