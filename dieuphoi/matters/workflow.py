"""A matter's life as one table: (state, action) → who may, next state.

The services enforce it; the pages show as buttons exactly what
``allowed_actions`` returns.

| state | action | who | next |
|---|---|---|---|
| new | coordinate (start coordinating) | managers | coordinating |
| new, coordinating | resolve (with the resolution text) | managers | resolved |
| new, coordinating | escalate (to the Council, with a reason) | leader, deputy | escalated |
| resolved, escalated | close | managers | closed |
| resolved, escalated, closed | reopen | leader, deputy | coordinating |

Managers: the body's leader, deputy, secretariat and specialists
(``org.permissions.can_manage_body``) and administrators. Other provinces'
teams never change the state: they add to the log and comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dieuphoi.org.permissions import LEADER_ROLES, can_manage_body, is_admin, roles_in

from .models import Matter

S = Matter.State
MANAGER, DECIDER = "manager", "decider"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    who: str
    target: str
    label: object
    # The field the action requires (text), if any.
    needs: str = ""
    style: str = "outline-primary"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("coordinate", (S.NEW,), MANAGER, S.COORDINATING, _("Start coordinating"), style="primary"),
        Transition("resolve", (S.NEW, S.COORDINATING), MANAGER, S.RESOLVED, _("Record the resolution"), "resolution", "success"),
        Transition("escalate", (S.NEW, S.COORDINATING), DECIDER, S.ESCALATED, _("Escalate to the Council"), "reason", "warning"),
        Transition("close", (S.RESOLVED, S.ESCALATED), MANAGER, S.CLOSED, _("Close")),
        Transition("reopen", (S.RESOLVED, S.ESCALATED, S.CLOSED), DECIDER, S.COORDINATING, _("Reopen"), "reason", "outline-secondary"),
    )
}  # fmt: skip


def holds(user, matter: Matter, who: str) -> bool:
    if who == MANAGER:
        return can_manage_body(user, matter.body_id)
    return is_admin(user) or bool(roles_in(user, matter.body_id) & LEADER_ROLES)


def may(user, matter: Matter, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    if transition is None or matter.state not in transition.sources:
        return False
    return holds(user, matter, transition.who)


def allowed_actions(user, matter: Matter) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may(user, matter, t.action)]
