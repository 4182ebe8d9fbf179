"""Who may see a proposal and its rounds.

- Members of the proposal's body, administrators and city leadership
  viewers: the proposal and everything on it.
- People who act for a party asked in a round (another province's team, a
  ministry, an agency outside the body): that round's request and their own
  answer, nothing else (``party_rounds``).
"""

from __future__ import annotations

from django.http import Http404

from dieuphoi.org.permissions import can_manage_body, can_see_body, is_admin

from .models import ConsultationRound, Proposal, RoundParty


def can_view_proposal(user, proposal: Proposal) -> bool:
    return can_see_body(user, proposal.body_id)


def can_view_round(user, consultation) -> bool:
    """A round: the body's members, or whoever acts for one of its parties."""
    if can_see_body(user, consultation.proposal.body_id):
        return True
    from .services import acts_for

    return any(acts_for(user, party) for party in consultation.parties.all())


def can_change_proposal(user, proposal: Proposal) -> bool:
    return can_manage_body(user, proposal.body_id)


def access_proposal(*, user, pk) -> Proposal:
    try:
        pk = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    proposal = (
        Proposal.objects.select_related("body", "lead_agency", "created_by")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not can_view_proposal(user, proposal):
        raise Http404
    return proposal


def register_attachment_targets() -> None:
    from dieuphoi.docs.permissions import register_attachment_target

    register_attachment_target(
        Proposal, view_check=can_view_proposal, change_check=can_change_proposal
    )
    # A party's answer carries its files: whoever sees the round sees them;
    # whoever answers for the party adds them while the round is open.
    register_attachment_target(
        RoundParty,
        view_check=lambda user, party: can_view_round(user, party.round),
        change_check=_may_attach_to_answer,
        body_of=lambda party: party.round.proposal.body_id,
        is_open=lambda party: party.round.state == ConsultationRound.State.OPEN,
    )


def _may_attach_to_answer(user, party) -> bool:
    from .services import acts_for

    return is_admin(user) or acts_for(user, party)
