"""Reads of the reminders app, scoped by permission."""

from __future__ import annotations

from dieuphoi.org import permissions as org_perms

from . import permissions
from .models import Reminder, TaskEscalation

PAGE_SIZE = 50
OPEN, RESOLVED, ALL = "open", "resolved", "all"


def escalation_list(
    *, user, state: str = OPEN, before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[TaskEscalation]:
    """Escalations of the tasks of the bodies the user manages (all for
    administrators and the city leadership), newest first (keyset by id)."""
    bodies = permissions.escalation_body_ids(user)
    qs = TaskEscalation.objects.select_related(
        "task", "task__body", "task__lead_agency", "resolved_by"
    ).order_by("-id")
    if bodies is not None:
        qs = qs.filter(task__body_id__in=bodies)
    if state == OPEN:
        qs = qs.filter(resolved=False)
    elif state == RESOLVED:
        qs = qs.filter(resolved=True)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs[: limit + 1])


def task_reminder_panel(*, user, task) -> dict:
    """Context for ``reminders/task_escalation.html`` on the task page (two
    queries): the task's escalations and its latest reminders. The caller has
    already checked that the user may see the task."""
    escalations = list(
        TaskEscalation.objects.filter(task=task)
        .select_related("resolved_by")
        .order_by("-id")
    )
    # A part's urging shows its agency and number (the part's count then).
    reminders = list(
        Reminder.objects.filter(task=task)
        .select_related("part__agency")
        .order_by("-sent_on", "-id")[:5]
    )
    return {
        "task": task,
        "escalations": escalations,
        "flagged": any(not e.resolved for e in escalations),
        "reminders": reminders,
        "can_resolve": org_perms.can_manage_body(user, task.body_id),
    }
