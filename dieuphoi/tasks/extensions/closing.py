"""Closing extension requests, the step the task writes share with the
extension services (so ``tasks.services`` need not import them):

- ``close(extension, *, state, actor, reason=None)``: mark a request decided
  or withdrawn today by ``actor`` (not saved).
- ``extension_close_on_cancel(*, task, actor, reason) -> int | None``: called
  by ``services.task_transition`` when a task with a pending request is
  cancelled.
"""

from __future__ import annotations

from dieuphoi.core.models import local_today

from ..models import ExtensionRequest, Task

R = ExtensionRequest.State
CLOSED_FIELDS = ["state", "decided_by", "decided_on", "decision_reason"]


def close(
    extension: ExtensionRequest, *, state: str, actor, reason: str | None = None
) -> None:
    """Mark ``extension`` decided or withdrawn today by ``actor`` (not
    saved); ``reason`` (when given) is the decision's reason."""
    extension.state = state
    extension.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    extension.decided_on = local_today()
    if reason is not None:
        extension.decision_reason = reason


def extension_close_on_cancel(*, task: Task, actor, reason: str) -> int | None:
    """Close the pending request of a task being cancelled (inside
    ``task_transition``'s transaction, task locked): it is withdrawn with the
    cancellation's reason. Returns its id, or ``None`` when none was pending.
    Pending requests of the task's parties are withdrawn the same way."""
    for part_request in ExtensionRequest.objects.select_for_update().filter(
        task=task, state=R.PENDING, part__isnull=False
    ):
        close(part_request, state=R.WITHDRAWN, actor=actor, reason=reason)
        part_request.save(update_fields=CLOSED_FIELDS)
    extension = (
        ExtensionRequest.objects.select_for_update()
        .filter(task=task, state=R.PENDING, part__isnull=True)
        .first()
    )
    if extension is None:
        return None
    close(extension, state=R.WITHDRAWN, actor=actor, reason=reason)
    extension.save(update_fields=CLOSED_FIELDS)
    return extension.pk
