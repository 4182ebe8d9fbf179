"""Who is told of what happens to a proposal (``dieuphoi.notifications``).

| event | kind | told |
|---|---|---|
| a round opens | round_request | whoever acts for each party asked (``PartySeats``) |
"""

from __future__ import annotations

from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.notifications.services import notify
from dieuphoi.tasks.notices import PartySeats

from .models import ConsultationRound


def round_opened(*, consultation: ConsultationRound, actor) -> int:
    proposal = consultation.proposal
    parties = list(consultation.parties.all())
    seats = PartySeats.load(
        local_today(),
        bodies=[proposal.body_id],
        party_bodies=[p.party_body_id for p in parties if p.party_body_id],
        party_agencies=[p.agency_id for p in parties if p.agency_id],
    )
    people: set[int] = set()
    for party in parties:
        people |= seats.party(proposal.body_id, party.agency_id, party.party_body_id)
    people.discard(getattr(actor, "pk", None))
    if not people:
        return 0

    def title() -> str:
        return gettext("Your opinion is asked on %(title)s, by %(date)s") % {
            "title": proposal.title[:120],
            "date": consultation.deadline.strftime("%d/%m/%Y"),
        }

    return notify(
        recipients=people,
        kind="round_request",
        target=consultation,
        title=title,
        url=consultation.get_absolute_url(),
        key=f"round:{consultation.pk}:opened",
    )
