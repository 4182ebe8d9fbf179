"""An activity's life as one table: (state, action) → who may, next state.

| state | action | who | next |
|---|---|---|---|
| planned, invited | edit / move (time, place, title: sequence + 1, invitees told) | managers | same |
| planned | invite (the Giấy mời issued: invitees notified, ICS e-mailed) | managers | invited |
| invited | invite again (new invitees, or after a move) | managers | invited |
| planned, invited | record attendance (not before the start) | managers | held |
| held | record attendance, minutes, conclusions | managers | held |
| held | conclude (the conclusions are written) | managers | concluded |
| concluded | minutes, conclusions, tasks, Thông báo kết luận | managers | concluded |
| planned, invited | cancel (reason required: sequence + 1, METHOD:CANCEL sent) | managers | cancelled |

Managers: the host body's leader, deputy, secretariat and specialists
(``org.permissions.can_manage_body``) and administrators.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from dieuphoi.org.permissions import can_manage_body

from .models import Activity

S = Activity.State


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change
    label: object


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("edit", (S.PLANNED, S.INVITED), None, _("Edit or move")),
        Transition("invite", (S.PLANNED, S.INVITED), S.INVITED, _("Send the invitation")),
        Transition("attendance", (S.PLANNED, S.INVITED, S.HELD), S.HELD, _("Record attendance")),
        Transition("minutes", (S.HELD, S.CONCLUDED), None, _("Record the minutes")),
        Transition("conclusions", (S.HELD, S.CONCLUDED), None, _("Add conclusions")),
        Transition("conclude", (S.HELD,), S.CONCLUDED, _("Mark concluded")),
        Transition("cancel", (S.PLANNED, S.INVITED), S.CANCELLED, _("Cancel")),
        Transition("respond", (S.PLANNED, S.INVITED), None, _("Answer the invitation")),
    )
}  # fmt: skip

# Facts (title, time, place, agenda, invitees) change before the activity is held.
EDITABLE_STATES = frozenset({S.PLANNED, S.INVITED})


def state_allows(activity: Activity, action: str) -> bool:
    return activity.state in TRANSITIONS[action].sources


def may(user, activity: Activity, action: str) -> bool:
    """Whether ``user`` may do ``action`` now (the respond action has its own
    rule of who answers for an invitee: ``permissions.can_respond``)."""
    if not state_allows(activity, action):
        return False
    return can_manage_body(user, activity.body_id)


def allowed_actions(user, activity: Activity) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if t.action != "respond" and may(user, activity, t.action)
    ]
