"""The task workflow as data: (from states, action, allowed roles, next state).

Public names (used by services, selectors, views and the API):

- ``TRANSITIONS``: ``{action: Transition}``; the one place the workflow is defined.
- ``ACTIONS``: action names in display order.
- ``action_label(action)``: translated button label.
- the role names (``LEADER``...) and role sets (``MANAGERS``, ``REPORTERS``,
  ``DECIDERS``).

This module is data only and imports no other module of the app: the checks
that combine it with a user's roles, ``allowed_actions(user, task)`` and
``check_transition(user, task, action)``, are in ``permissions``.

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

Extension requests (``extensions.services``): ``request_extension`` moves an open
task (new, in progress) to ``extension_requested``; the leader's decision
(``approve_extension``, ``approve_extension_other_date``,
``refuse_extension``) or the requester's ``withdraw_extension`` returns it to
the state it had before the request (``RESTORE``). These rows carry
``extension=True``: they are performed by ``extensions.services``'
``extension_request_create``, ``extension_request_decide`` and
``extension_request_withdraw`` (which also write the
``ExtensionRequest``), never by ``services.task_transition``. Deciding is for
the leader and deputy of the task's body (and administrators); delegation to
other people is not modelled. While a request is pending, cancel and
change_deadline still apply (a cancellation closes the request).
"""

from __future__ import annotations

from dataclasses import dataclass

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
