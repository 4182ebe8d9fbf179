"""The life cycle of a paper as one table: (state, action) → who may, next state.

The services enforce it (``check``); the pages show as buttons exactly the
actions ``allowed_actions`` returns, so a user never sees a button that
would be refused.

| state | action | who | next |
|---|---|---|---|
| draft | edit, upload | drafters of the body | draft |
| draft | submit | drafters of the body | in_review |
| draft | withdraw | drafters of the body | withdrawn |
| in_review | return | the signer | draft |
| in_review | approve | the signer, whose role matches the authority | approved |
| in_review | withdraw | drafters of the body | withdrawn |
| approved | return | the signer | draft |
| approved | issue | the body's clerks (secretariat) | issued |
| issued | sign | the body's clerks | signed |
| signed | send | the body's clerks | sent |
| issued, signed, sent | correct | drafters of the body | (a new draft that replaces it) |

Drafters: the body's leader, deputy, secretariat and specialists, and
administrators (``org.permissions.can_manage_body``). Clerks: the body's
secretariat and administrators (the văn thư keeps the register).

Authority (Decree 30/2020, App. I, II.7) → the role that signs:
no prefix and TM. → the leader; KT. → a deputy; Q. → a deputy acting for
the head; TL. → the secretariat (head of the office, by order); TUQ. → a
deputy, a member or the secretariat authorised by the head.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dieuphoi.org.models import Membership
from dieuphoi.org.permissions import can_manage_body, is_admin, roles_in

from .models import Paper

S = Paper.State
A = Paper.Authority
Role = Membership.Role

DRAFTER, SIGNER, CLERK = "drafter", "signer", "clerk"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    who: str
    target: str | None  # None: the state does not change (edit) or a new paper
    label: object


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("edit", (S.DRAFT,), DRAFTER, S.DRAFT, _("Edit")),
        Transition("upload", (S.DRAFT,), DRAFTER, S.DRAFT, _("Upload from Word")),
        Transition(
            "submit", (S.DRAFT,), DRAFTER, S.IN_REVIEW, _("Submit for approval")
        ),
        Transition("return", (S.IN_REVIEW, S.APPROVED), SIGNER, S.DRAFT, _("Return")),
        Transition("approve", (S.IN_REVIEW,), SIGNER, S.APPROVED, _("Approve")),
        Transition("issue", (S.APPROVED,), CLERK, S.ISSUED, _("Issue")),
        Transition("sign", (S.ISSUED,), CLERK, S.SIGNED, _("Upload the signed copy")),
        Transition("send", (S.SIGNED,), CLERK, S.SENT, _("Send")),
        Transition(
            "withdraw", (S.DRAFT, S.IN_REVIEW), DRAFTER, S.WITHDRAWN, _("Withdraw")
        ),
        Transition(
            "correct", (S.ISSUED, S.SIGNED, S.SENT), DRAFTER, None, _("Correct")
        ),
    )
}

ROLE_LABELS = dict(Role.choices)

SIGNING_ROLES: dict[str, frozenset[str]] = {
    A.NONE: frozenset({Role.LEADER}),
    A.TM: frozenset({Role.LEADER}),
    A.KT: frozenset({Role.DEPUTY}),
    A.Q: frozenset({Role.DEPUTY}),
    A.TL: frozenset({Role.SECRETARIAT}),
    A.TUQ: frozenset({Role.DEPUTY, Role.MEMBER, Role.SECRETARIAT}),
}


def signer_matches(user, paper: Paper) -> bool:
    """Whether ``user`` holds, in the paper's body, a role that signs with
    the paper's authority prefix."""
    return bool(roles_in(user, paper.body_id) & SIGNING_ROLES[paper.authority])


def is_clerk(user, body_id: int) -> bool:
    return is_admin(user) or Role.SECRETARIAT in roles_in(user, body_id)


def may(user, paper: Paper, action: str) -> bool:
    """Whether ``user`` may do ``action`` on ``paper`` now."""
    transition = TRANSITIONS.get(action)
    if transition is None or paper.state not in transition.sources:
        return False
    if action == "correct" and hasattr(paper, "replaced_by"):
        try:
            paper.replaced_by  # noqa: B018
        except Paper.DoesNotExist:
            pass
        else:
            return False
    if transition.who == DRAFTER:
        return can_manage_body(user, paper.body_id)
    if transition.who == SIGNER:
        return paper.signer_id == user.pk
    return is_clerk(user, paper.body_id)


def allowed_actions(user, paper: Paper) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may(user, paper, t.action)]
