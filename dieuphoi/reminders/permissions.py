"""Who sees and resolves escalations.

- The escalation list: administrators, the city leadership viewers (read
  only), and the leader, deputy, secretariat and specialists of a body (its
  tasks' escalations). Anyone else gets 403.
- An escalation of a task the user may not see is 404; resolving it needs
  the leader, deputy or secretariat of the task's body, or an administrator
  (403 otherwise).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dieuphoi.org import permissions as org_perms
from dieuphoi.tasks.permissions import can_view_task, manager_body_ids

from .models import TaskEscalation


def escalation_body_ids(user) -> set[int] | None:
    """Bodies whose escalations the user sees; None means all."""
    if org_perms.is_admin(user) or org_perms.is_leadership(user):
        return None
    return manager_body_ids(user)


def can_see_escalations(user) -> bool:
    bodies = escalation_body_ids(user)
    return bodies is None or bool(bodies)


def require_escalation_viewer(user) -> None:
    if not can_see_escalations(user):
        raise PermissionDenied


def can_resolve_escalation(user, escalation: TaskEscalation) -> bool:
    # Leader, deputy, secretariat (not specialists), administrators.
    return org_perms.can_manage_members(user, escalation.task.body_id)


def access_escalation(*, user, pk, resolve: bool = False) -> TaskEscalation:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    escalation = (
        TaskEscalation.objects.select_related("task", "task__body", "task__lead_agency")
        .filter(pk=pk)
        .first()
    )
    if escalation is None or not can_view_task(user, escalation.task):
        raise Http404
    if resolve and not can_resolve_escalation(user, escalation):
        raise PermissionDenied
    return escalation
