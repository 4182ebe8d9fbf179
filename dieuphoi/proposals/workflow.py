"""A proposal's life as one table: (state, action) → who may, next state.

The services enforce it; the pages show as buttons exactly what
``allowed_actions`` returns.

| state | action | who | next |
|---|---|---|---|
| draft | consult (open a round) | drafters | consultation |
| draft | review | drafters | team_review |
| consultation | review (every round closed) | drafters | team_review |
| team_review | submit (with a Tờ trình) | leader, deputy | submitted |
| team_review | rework | leader, deputy | draft |
| submitted | approve / approve_changes | recorders (the Chairman's decision) | approved / approved_changes |
| submitted | return | recorders | draft |
| submitted | reject | recorders | rejected |
| approved, approved_changes | forward (beyond the city's competence) | recorders | forwarded |
| approved, approved_changes, forwarded | adopt | recorders | adopted |
| adopted | implement (its tasks are assigned) | recorders | implementation |

Drafters: the body's leader, deputy, secretariat and specialists
(``can_manage_body``). Recorders: leader, deputy, secretariat (they enter
the decisions taken elsewhere, with the document that carries them).
A returned proposal goes back to draft keeping its drafts, rounds and
answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dieuphoi.org.models import Membership
from dieuphoi.org.permissions import can_manage_body, is_admin, roles_in

from .models import Proposal

S = Proposal.State
Role = Membership.Role
DRAFTER, DECIDER, RECORDER = "drafter", "decider", "recorder"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    who: str
    target: str
    label: object
    needs_document: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("consult", (S.DRAFT,), DRAFTER, S.CONSULTATION, _("Open a consultation round")),
        Transition("review", (S.DRAFT, S.CONSULTATION), DRAFTER, S.TEAM_REVIEW, _("Send to the team's review")),
        Transition("rework", (S.TEAM_REVIEW,), DECIDER, S.DRAFT, _("Back to draft")),
        Transition("submit", (S.TEAM_REVIEW,), DECIDER, S.SUBMITTED, _("Submit to the Chairman")),
        Transition("approve", (S.SUBMITTED,), RECORDER, S.APPROVED, _("Record: approved"), True),
        Transition("approve_changes", (S.SUBMITTED,), RECORDER, S.APPROVED_CHANGES, _("Record: approved with changes"), True),
        Transition("return", (S.SUBMITTED,), RECORDER, S.DRAFT, _("Record: returned for revision"), True),
        Transition("reject", (S.SUBMITTED,), RECORDER, S.REJECTED, _("Record: rejected"), True),
        Transition("forward", (S.APPROVED, S.APPROVED_CHANGES), RECORDER, S.FORWARDED, _("Forward to the Council"), True),
        Transition("adopt", (S.APPROVED, S.APPROVED_CHANGES, S.FORWARDED), RECORDER, S.ADOPTED, _("Record: adopted"), True),
        Transition("implement", (S.ADOPTED,), RECORDER, S.IMPLEMENTATION, _("Start implementation")),
    )
}  # fmt: skip

# The proposal's facts are edited while it is drafted, consulted on and
# reviewed by the team; from submission on, what was decided stays.
EDITABLE_STATES = frozenset({S.DRAFT, S.CONSULTATION, S.TEAM_REVIEW})

DECIDER_ROLES = frozenset({Role.LEADER, Role.DEPUTY})
RECORDER_ROLES = frozenset({Role.LEADER, Role.DEPUTY, Role.SECRETARIAT})


def holds(user, proposal: Proposal, who: str) -> bool:
    if who == DRAFTER:
        return can_manage_body(user, proposal.body_id)
    if is_admin(user):
        return True
    roles = roles_in(user, proposal.body_id)
    return bool(roles & (DECIDER_ROLES if who == DECIDER else RECORDER_ROLES))


def may(user, proposal: Proposal, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    if transition is None or proposal.state not in transition.sources:
        return False
    if action == "forward" and not proposal.beyond_city:
        return False
    return holds(user, proposal, transition.who)


def allowed_actions(user, proposal: Proposal) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may(user, proposal, t.action)]
