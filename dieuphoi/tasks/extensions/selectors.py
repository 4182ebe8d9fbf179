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

import base64
import binascii
import datetime
import json
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.http import Http404

from dieuphoi.core import params
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Attachment
from dieuphoi.org.models import Agency

from ..models import ExtensionRequest, Task
from ..permissions import decider_body_ids
from ..selectors import task_queryset

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
            "requested_by", "decided_by", "agency", "part__agency", "part__body"
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


# --- the list of requests (tasks:extension-list) -----------------------------------

LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class ExtensionFilters:
    """Filters of the list; URL parameters use the same names. ``state``: an
    ``ExtensionRequest.State`` value; ``agency``: the requesting agency."""

    state: str | None = None
    agency: int | None = None

    def to_params(self) -> dict[str, str]:
        return {
            name: str(value)
            for name, value in (("state", self.state), ("agency", self.agency))
            if value not in (None, "")
        }


@dataclass
class ExtensionPage:
    items: list[ExtensionRequest]
    next_cursor: str | None


def extension_request_queryset(*, user, filters: ExtensionFilters | None = None):
    """Requests of the tasks ``user`` may see (the task list's scope, as a
    subquery: the same rule as ``permissions.can_view_task``)."""
    filters = filters or ExtensionFilters()
    visible = task_queryset(user=user, on=local_today()).values("pk")
    qs = ExtensionRequest.objects.filter(task__in=visible)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.agency:
        qs = qs.filter(agency_id=filters.agency)
    return qs


_PENDING = Q(state=R.PENDING)
# Pending first, oldest first (the leaders' queue); then the decided ones,
# latest decision first. The pending keys are null on decided rows, so
# each group is ordered by its own keys, and the cursor names its group.
LIST_ORDER = (
    Case(When(_PENDING, then=Value(0)), default=Value(1)),
    Case(When(_PENDING, then=F("created_at"))).asc(nulls_last=True),
    Case(When(_PENDING, then=F("id"))).asc(nulls_last=True),
    F("decided_on").desc(nulls_last=True),
    F("created_at").desc(),
    F("id").desc(),
)
LIST_RELATED = (
    "task",
    "task__body",
    "agency",
    "part__agency",
    "part__body",
    "requested_by",
    "decided_by",
)


def encode_extension_cursor(extension: ExtensionRequest) -> str:
    if extension.state == R.PENDING:
        values = ["p", extension.created_at.isoformat(), extension.pk]
    else:
        values = [
            "d",
            extension.decided_on.isoformat() if extension.decided_on else None,
            extension.created_at.isoformat(),
            extension.pk,
        ]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after_q(cursor: str) -> Q:
    """Rows after ``cursor`` in ``LIST_ORDER``; ``ValueError`` when bad."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        group, *keys = values
        if group == "p":
            created = datetime.datetime.fromisoformat(keys[0])
            pk = params.parse_id(keys[1])
            after = Q(created_at__gt=created) | Q(created_at=created, pk__gt=pk)
            return (_PENDING & after) | ~_PENDING
        if group == "d":
            decided = datetime.date.fromisoformat(keys[0])
            created = datetime.datetime.fromisoformat(keys[1])
            pk = params.parse_id(keys[2])
            same_day = Q(decided_on=decided)
            after = (
                Q(decided_on__lt=decided)
                | (same_day & Q(created_at__lt=created))
                | (same_day & Q(created_at=created, pk__lt=pk))
            )
            return ~_PENDING & after
    except (TypeError, ValueError, IndexError, binascii.Error):
        pass
    raise ValueError(cursor)


def extension_request_page(
    *,
    user,
    filters: ExtensionFilters | None = None,
    after: str | None = None,
    limit: int = LIST_PAGE_SIZE,
) -> ExtensionPage:
    """One page of the requests ``user`` sees, in ``LIST_ORDER``, after the
    cursor ``after`` (``ValueError`` when it is malformed), with the task
    (its body), agency, part, requester and decider loaded. Keyset
    pagination: a decision taken meanwhile moves a row to the decided group
    without shifting the next page. Queries: the seats (once per request)
    and the rows."""
    qs = extension_request_queryset(user=user, filters=filters)
    if after:
        qs = qs.filter(_after_q(after))
    rows = list(
        qs.select_related(*LIST_RELATED)
        .defer("task__description", "task__search_text")
        .order_by(*LIST_ORDER)[: limit + 1]
    )
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_extension_cursor(items[-1]) if more else None
    return ExtensionPage(items=items, next_cursor=next_cursor)


def extension_request_row(*, user, pk: int) -> ExtensionRequest:
    """One request of the list (after an inline decision), or 404."""
    extension = (
        extension_request_queryset(user=user)
        .select_related(*LIST_RELATED)
        .defer("task__description", "task__search_text")
        .filter(pk=pk)
        .first()
    )
    if extension is None:
        raise Http404
    return extension


def extension_agency_choices(*, user) -> list[Agency]:
    """Agencies that made the requests ``user`` sees (one query)."""
    return list(
        Agency.objects.filter(
            pk__in=extension_request_queryset(user=user).values("agency_id")
        )
        .only("id", "name", "short_name")
        .order_by("name")
    )
