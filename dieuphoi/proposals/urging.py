"""A round's parties that have not answered, as obligations the reminder
ladder reminds and urges (``dieuphoi.reminders.obligations``).

Before the deadline whoever acts for the party is reminded; after it they
are urged every few working days and ``RoundParty.urge_count`` counts the
urgings shown on the round; after ``ESCALATE_AFTER_URGINGS`` the body's
leader and secretariat are told. A party stops being reminded when it
answers or when the round closes (its silence is then recorded).
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

from . import cache as proposal_cache
from .models import ConsultationRound, RoundParty

SOURCE = "proposals.round_party"


def round_parties_due(day: datetime.date, horizon: datetime.date):
    parties = list(
        RoundParty.objects.filter(
            answer="",
            round__state=ConsultationRound.State.OPEN,
            round__deadline__lte=horizon,
        ).select_related("round__proposal")
    )
    if not parties:
        return []
    bodies = {p.round.proposal.body_id for p in parties}
    seats = PartySeats.load(
        day,
        bodies=list(bodies),
        party_bodies=[p.party_body_id for p in parties if p.party_body_id],
        party_agencies=[p.agency_id for p in parties if p.agency_id],
    )
    escalate = {
        body: frozenset(
            seats.role(body, Membership.Role.LEADER)
            | seats.role(body, Membership.Role.SECRETARIAT)
        )
        for body in bodies
    }
    out = []
    for party in parties:
        consultation = party.round
        proposal = consultation.proposal
        out.append(
            Obligation(
                pk=party.pk,
                deadline=consultation.deadline,
                urge_count=party.urge_count,
                recipients=frozenset(
                    seats.party(proposal.body_id, party.agency_id, party.party_body_id)
                ),
                target=consultation,
                subject=lambda party=party: _subject(party),
                url=consultation.get_absolute_url(),
                escalate_to=escalate[proposal.body_id],
            )
        )
    return out


def _subject(party: RoundParty) -> str:
    return gettext("the answer of %(party)s to round %(number)d on %(title)s") % {
        "party": party.name,
        "number": party.round.number,
        "title": party.round.proposal.title[:100],
    }


def round_parties_counted(counts: dict[int, int], day: datetime.date) -> None:
    proposal_cache.bump_proposals()  # the update sends no signal
    RoundParty.objects.filter(pk__in=counts).update(
        urge_count=Case(
            *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
            output_field=IntegerField(),
        )
    )


def register() -> None:
    register_obligation_source(
        ObligationSource(
            key=SOURCE,
            label=_("Answer to a consultation round"),
            open_due=round_parties_due,
            counted=round_parties_counted,
        )
    )
