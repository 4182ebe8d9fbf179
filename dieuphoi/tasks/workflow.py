"""The task workflow as data: (from states, action, allowed roles, next state).

Public names (used by services, selectors, views and the API):

- ``TRANSITIONS``: ``{action: Transition}``; the one place the workflow is defined.
- ``ACTIONS``: action names in display order.
- ``allowed_actions(user, task) -> list[str]``: the actions ``user`` may take
  on ``task`` now (the buttons to show).
- ``check_transition(user, task, action)``: raises ``ValidationError`` on
  ``action`` (unknown action, or the state does not allow it) or
  ``PermissionDenied`` (the user's role does not allow it).
- ``action_label(action)``: translated button label.

Roles are *task roles*, resolved per task by ``permissions.task_roles``:

- ``leader``: leader or deputy of the task's body;
- ``secretariat``: secretariat or specialist of the task's body;
- ``lead``: focal point of the lead agency (a member/specialist of the body
  whose home agency is the task's lead agency);
- ``owner``: the task's owner person;
- ``cooperating``: focal point of a co-operating agency (reports on its
  own part only: see ``services.progress_report``; no transition);
- ``admin``: system administrator, who may do what the leader does.

``completed_on`` is the date the lead agency reported the work done (kept in
``Task.reported_done_on`` by ``report_done``), not the day the secretariat
confirmed it: on-time is judged by when the work was done.

Extension requests (``extensions``): ``request_extension`` moves an open
task (new, in progress) to ``extension_requested``; the leader's decision
(``approve_extension``, ``approve_extension_other_date``,
``refuse_extension``) or the requester's ``withdraw_extension`` returns it to
the state it had before the request (``RESTORE``). These rows carry
``extension=True``: they are performed by ``extensions.extension_request``,
``extension_decide`` and ``extension_withdraw`` (which also write the
``ExtensionRequest``), never by ``services.task_transition``. Deciding is for
the leader and deputy of the task's body (and administrators); delegation to
other people is not modelled. While a request is pending, cancel and
change_deadline still apply (a cancellation closes the request).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Task

S = Task.State

LEADER = "leader"
SECRETARIAT = "secretariat"
LEAD = "lead"
OWNER = "owner"
COOPERATING = "cooperating"
ADMIN = "admin"

MANAGERS = frozenset({LEADER, SECRETARIAT, ADMIN})
REPORTERS = frozenset({LEAD, OWNER})
DECIDERS = frozenset({LEADER, ADMIN})
OPEN = frozenset(Task.OPEN_STATES)
# ``to_state`` of the extension decisions: the state before the request.
RESTORE = "__previous__"


@dataclass(frozen=True)
class Transition:
    action: str
    from_states: frozenset[str]
    roles: frozenset[str]
    # None: the state does not change (change_deadline); RESTORE: the state
    # the task had before its extension request.
    to_state: str | None
    reason_required: bool = False
    label: str = ""
    # Performed by the extension-request services (``extensions``), not by
    # ``services.task_transition``.
    extension: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "start",
            frozenset({S.NEW}),
            REPORTERS | MANAGERS,
            S.IN_PROGRESS,
            label=_("Start"),
        ),
        Transition(
            "report_done",
            frozenset({S.NEW, S.IN_PROGRESS}),
            REPORTERS,
            S.REPORTED_DONE,
            label=_("Report done"),
        ),
        Transition(
            "confirm",
            frozenset({S.REPORTED_DONE}),
            MANAGERS,
            S.COMPLETED,
            label=_("Confirm completion"),
        ),
        Transition(
            "reopen",
            frozenset({S.REPORTED_DONE}),
            MANAGERS,
            S.IN_PROGRESS,
            reason_required=True,
            label=_("Return for more work"),
        ),
        Transition(
            "cancel",
            OPEN,
            MANAGERS,
            S.CANCELLED,
            reason_required=True,
            label=_("Cancel task"),
        ),
        Transition(
            "change_deadline",
            OPEN,
            MANAGERS,
            None,
            reason_required=True,
            label=_("Change deadline"),
        ),
        Transition(
            "request_extension",
            frozenset({S.NEW, S.IN_PROGRESS}),
            REPORTERS,
            S.EXTENSION_REQUESTED,
            reason_required=True,
            label=_("Request extension"),
            extension=True,
        ),
        Transition(
            "approve_extension",
            frozenset({S.EXTENSION_REQUESTED}),
            DECIDERS,
            RESTORE,
            label=_("Approve the extension"),
            extension=True,
        ),
        Transition(
            "approve_extension_other_date",
            frozenset({S.EXTENSION_REQUESTED}),
            DECIDERS,
            RESTORE,
            label=_("Approve with another date"),
            extension=True,
        ),
        Transition(
            "refuse_extension",
            frozenset({S.EXTENSION_REQUESTED}),
            DECIDERS,
            RESTORE,
            reason_required=True,
            label=_("Refuse the extension"),
            extension=True,
        ),
        Transition(
            "withdraw_extension",
            frozenset({S.EXTENSION_REQUESTED}),
            REPORTERS,
            RESTORE,
            label=_("Withdraw the request"),
            extension=True,
        ),
    ]
}
ACTIONS: list[str] = list(TRANSITIONS)
# Actions of ``services.task_transition`` (the others are extensions').
TASK_ACTIONS: list[str] = [a for a, t in TRANSITIONS.items() if not t.extension]


def action_label(action: str) -> str:
    t = TRANSITIONS.get(action)
    return str(t.label) if t else action


def allowed_actions(user, task: Task, *, extension: bool | None = None) -> list[str]:
    """Actions ``user`` may take on ``task`` in its current state.

    ``extension``: ``False`` only ``task_transition``'s actions, ``True``
    only the extension-request ones, ``None`` both.
    """
    from .permissions import task_roles

    roles = task_roles(user, task)
    return [
        name
        for name, t in TRANSITIONS.items()
        if task.state in t.from_states
        and roles & t.roles
        and (extension is None or t.extension == extension)
    ]


def check_transition(user, task: Task, action: str) -> Transition:
    """The transition, or ``ValidationError``/``PermissionDenied`` (see module doc).

    The role is checked before the state, so a user who may never take the
    action gets 403 whatever the state, and one who may gets 422 naming the
    state.
    """
    from .permissions import task_roles

    t = TRANSITIONS.get(action)
    if t is None:
        raise ValidationError(
            {"action": gettext("Unknown action “%(action)s”.") % {"action": action}}
        )
    if not task_roles(user, task) & t.roles:
        raise PermissionDenied(gettext("Your role does not allow this action."))
    if task.state not in t.from_states:
        raise ValidationError(
            {
                "action": gettext(
                    "“%(action)s” is not possible while the task is “%(state)s”."
                )
                % {"action": action_label(action), "state": task.get_state_display()}
            }
        )
    return t
