"""Reads of extension requests. The caller has checked the task
(``permissions.access_task`` or ``selectors.task_get``) except for the inbox,
which is scoped by the user's seats.

Public names:

- ``extension_request_list(*, task) -> list[ExtensionRequest]``: newest
  first, with ``requested_by``, ``decided_by``, ``agency`` and ``files``
  (a list of ``docs`` attachments); two queries.
- ``extension_request_get(*, task, pk) -> ExtensionRequest`` (404 when it is
  not one of the task's).
- ``extension_request_inbox(*, user, limit=INBOX_SIZE) -> Inbox``: pending
  requests in the bodies the user leads (leader, deputy), oldest first, with
  the total; a fixed number of queries.
- ``pending_requests_q()``: ``Q`` on ``ExtensionRequest`` for the pending
  ones (for reminders and reports).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Window
from django.http import Http404

from dieuphoi.docs.models import Attachment

from .models import ExtensionRequest, Task
from .permissions import decider_body_ids

R = ExtensionRequest.State
INBOX_SIZE = 10


def _attach_files(extensions: list[ExtensionRequest]) -> None:
    """``extension.files``: its attachments, for all of them in one query."""
    for extension in extensions:
        extension.files = []
    if not extensions:
        return
    by_pk = {e.pk: e for e in extensions}
    ct = ContentType.objects.get_for_model(ExtensionRequest)
    for attachment in Attachment.objects.filter(
        target_type=ct, target_id__in=sorted(by_pk)
    ).order_by("uploaded_at", "id"):
        by_pk[attachment.target_id].files.append(attachment)


def extension_request_list(*, task: Task) -> list[ExtensionRequest]:
    """The task's requests, newest first, with their files (two queries)."""
    extensions = list(
        ExtensionRequest.objects.filter(task=task).select_related(
            "requested_by", "decided_by", "agency"
        )
    )
    for extension in extensions:
        extension.task = task
    _attach_files(extensions)
    return extensions


def extension_request_get(*, task: Task, pk) -> ExtensionRequest:
    """One of ``task``'s requests (the task already checked), or 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    extension = (
        ExtensionRequest.objects.filter(task=task, pk=pk)
        .select_related("requested_by", "decided_by", "agency")
        .first()
    )
    if extension is None:
        raise Http404
    extension.task = task
    _attach_files([extension])
    return extension


def pending_requests_q() -> Q:
    return Q(state=R.PENDING)


@dataclass
class Inbox:
    """Pending requests awaiting ``user``'s decision, oldest first."""

    items: list[ExtensionRequest] = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> bool:
        return self.count > len(self.items)


def extension_request_inbox(*, user, limit: int = INBOX_SIZE) -> Inbox:
    """Pending requests of the bodies ``user`` leads (leader or deputy).

    Queries: the seats (once per request), the rows with their task, lead
    agency, requester and the total (a window count), and their files.
    """
    bodies = decider_body_ids(user)
    if not bodies:
        return Inbox()
    qs = ExtensionRequest.objects.filter(
        pending_requests_q(), task__body_id__in=sorted(bodies)
    )
    items = list(
        qs.select_related(
            "task", "task__lead_agency", "task__body", "requested_by", "agency"
        )
        .defer("task__description", "task__search_text")
        .annotate(total=Window(Count("id")))
        .order_by("created_at", "id")[:limit]
    )
    count = items[0].total if items else 0
    _attach_files(items)
    return Inbox(items=items, count=count)
