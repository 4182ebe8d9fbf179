"""An inspection's life as one table: (state, action) → next state.

The services enforce it (``services.inspection_transition``); the page shows
as buttons exactly what ``allowed_actions`` returns. Every action is the
body's managers' (leader, deputy, secretariat, specialists:
``org.permissions.can_manage_body``) and administrators'.

| state | action | condition | next |
|---|---|---|---|
| planned | start (the visit begins) | — | in_progress |
| in_progress | record (the findings are written) | at least one finding | findings |
| findings | reopen (more findings) | — | in_progress |
| findings | conclude | a conclusion document drafted | concluded |
| concluded | close | every recommendation turned into a task | closed |

What each state allows:

- facts of the plan: edited until concluded (``EDITABLE_STATES``);
- findings added: while in progress or recorded (``FINDING_STATES``);
- recommendations turned into tasks: from in progress to concluded
  (``CONVERT_STATES``); a closed inspection changes no more.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dieuphoi.org.permissions import can_manage_body

from .models import Inspection

S = Inspection.State


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label: object


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("start", (S.PLANNED,), S.IN_PROGRESS, _("Start the visit")),
        Transition(
            "record", (S.IN_PROGRESS,), S.FINDINGS, _("Mark the findings recorded")
        ),
        Transition("reopen", (S.FINDINGS,), S.IN_PROGRESS, _("Back to in progress")),
        Transition("conclude", (S.FINDINGS,), S.CONCLUDED, _("Conclude")),
        Transition("close", (S.CONCLUDED,), S.CLOSED, _("Close")),
    )
}

EDITABLE_STATES = frozenset({S.PLANNED, S.IN_PROGRESS, S.FINDINGS})
FINDING_STATES = frozenset({S.IN_PROGRESS, S.FINDINGS})
CONVERT_STATES = frozenset({S.IN_PROGRESS, S.FINDINGS, S.CONCLUDED})
CONCLUSION_STATES = frozenset({S.FINDINGS, S.CONCLUDED})


def may(user, inspection: Inspection, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    if transition is None or inspection.state not in transition.sources:
        return False
    return can_manage_body(user, inspection.body_id)


def allowed_actions(user, inspection: Inspection) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may(user, inspection, t.action)]
