"""Reads of the notifications app, scoped to the user asking."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Concat

from dieuphoi.core import cache as stamps
from dieuphoi.core.models import local_today
from dieuphoi.core.prepared import Prepared

from . import registry
from .kinds import all_kinds
from .models import KindPreference, Notification, NotificationPreference, OutgoingEmail

PAGE_SIZE = 50
ROW_FIELDS = (
    "id",
    "recipient_id",
    "kind",
    "target_type_id",
    "target_id",
    "title",
    "url",
    "created_at",
    "read_at",
)


class NotificationPage(NamedTuple):
    rows: list[Notification]
    next_before: int | None


def _visible_keys(user, keys: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The ``(target_type_id, target_id)`` among ``keys`` that ``user`` may
    see today: a few queries per target model (the registry's bulk check),
    whatever the number of notifications, none while the registry keeps the
    answer (``registry.visible_to``)."""
    by_type: dict[int, set[int]] = defaultdict(set)
    for type_id, target_id in keys:
        by_type[type_id].add(target_id)
    today = local_today()
    return {
        (type_id, t)
        for type_id, ids in by_type.items()
        for t in registry.visible_to(user, type_id, ids, today)
    }


def notification_list(
    *, user, unread_only: bool = False, before_id: int | None = None
) -> NotificationPage:
    """The user's own notifications, newest first, one keyset page (by id).

    Notifications about an item the user may no longer see are left out (the
    page may then hold fewer than ``PAGE_SIZE``; ``next_before`` still goes
    on from the last row read). Fixed queries: the page, then the registry's
    check per target model.
    """
    qs = Notification.objects.filter(recipient=user).order_by("-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    # What the rows show and the checks read (not the e-mail's fields).
    rows = list(qs.only(*ROW_FIELDS)[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_before = rows[-1].pk if more and rows else None
    seen = _visible_keys(
        user,
        {(n.target_type_id, n.target_id) for n in rows if n.target_type_id},
    )
    rows = [
        n
        for n in rows
        if n.target_type_id is None or (n.target_type_id, n.target_id) in seen
    ]
    return NotificationPage(rows=rows, next_before=next_before)


def unread_count(*, user) -> int:
    """Unread notifications the user may still see the item of.

    Asked by the header badge on every page, so cached (for
    ``NOTIFICATION_BADGE_CACHE_SECONDS``) under what identifies the unread
    set (its size, the sum and the largest of its ids: one indexed query),
    the day, and the tasks' and registry's stamps. A new notification, one
    read, a task or registry write all change the key at once; other changes
    of who may see an item (a membership that ended, another app's item
    moved) show within the cache's time. The centre's list is always
    checked afresh."""
    if not getattr(user, "is_authenticated", False):
        return 0
    seconds = settings.NOTIFICATION_BADGE_CACHE_SECONDS
    if seconds <= 0:
        return _unread_visible(user)
    parts = _badge_parts(user)
    if parts is None:
        return 0
    return stamps.cached(
        BADGE_PREFIX,
        parts,
        lambda: _unread_visible(user),
        stamps=BADGE_STAMPS,
        seconds=seconds,
    )


def unread_count_ready(*, user) -> int | None:
    """``unread_count`` when it costs no visibility check: 0 when nothing is
    unread (one indexed query), the cached count when it is stored, else
    None. The page's header shows it at once and loads only a missing count
    by the badge's own request. None when the badge cache is off."""
    if not getattr(user, "is_authenticated", False):
        return None
    seconds = settings.NOTIFICATION_BADGE_CACHE_SECONDS
    if seconds <= 0:
        return None
    parts = _badge_parts(user)
    if parts is None:
        return 0
    return stamps.peek(BADGE_PREFIX, parts, stamps=BADGE_STAMPS, seconds=seconds)


BADGE_PREFIX = "notifications:unread"
BADGE_STAMPS = (stamps.TASKS, stamps.REGISTRY)


def _unread_summary(mark):
    return (
        _unread(mark)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"), last=Max("pk"), total=Sum("pk"))
        .values_list("n", "last", "total")
    )


# Compiled once (core.prepared): every page's header asks it.
_UNREAD_SUMMARY = Prepared(_unread_summary)


# The same summary rides on the request's user query (``core.auth``), as
# "n:last:total" (NULL: nothing unread). It is used only if no notification
# was written by this process since it was loaded (``NOTIFICATION_WRITES``:
# the model's signals, and ``notifications_written`` from every queryset
# write), else asked afresh.
NOTIFICATION_WRITES = stamps.WriteCounter("notifications")


def notifications_written() -> None:
    """Notifications were created, read or deleted here (by a queryset
    write: model saves and deletes are counted by their signals): a summary
    loaded with a user before now is not used."""
    NOTIFICATION_WRITES.add()


def unread_floor_expression(day=None):
    return Subquery(
        _unread(OuterRef("pk"))
        .order_by()
        .values("recipient_id")
        .annotate(
            packed=Concat(
                Cast(Count("pk"), CharField()),
                Value(":"),
                Cast(Max("pk"), CharField()),
                Value(":"),
                Cast(Sum("pk"), CharField()),
                output_field=CharField(),
            )
        )
        .values("packed")
    )


def unread_floor_loaded(user, packed) -> None:
    user.unread_floor = (NOTIFICATION_WRITES.count, packed)


def _badge_parts(user) -> tuple | None:
    """What identifies the unread set today (from the user's query, else
    one indexed query), or None when nothing is unread."""
    floor = getattr(user, "unread_floor", None)
    if floor is not None and floor[0] == NOTIFICATION_WRITES.count:
        if not floor[1]:
            return None
        found = [floor[1].split(":")]
    else:
        found = _UNREAD_SUMMARY.rows(user.pk)
        if not found or not found[0][0]:
            return None
    # int(): PostgreSQL sums a bigint as numeric (no ORM converter here).
    n, last, total = (int(value) for value in found[0])
    return (user.pk, n, last, total, local_today())


def _unread(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def _unread_visible(user) -> int:
    counts = list(
        _unread(user)
        .order_by()
        .values_list("target_type_id", "target_id")
        .annotate(n=Count("pk"))
    )
    seen = _visible_keys(user, {(t, i) for t, i, _n in counts if t is not None})
    return sum(n for t, i, n in counts if t is None or (t, i) in seen)


def notification_item_visible(*, user, notification: Notification) -> bool:
    """Whether ``user`` may still see the item ``notification`` is about."""
    if notification.target_type_id is None:
        return True
    key = (notification.target_type_id, notification.target_id)
    return key in _visible_keys(user, {key})


def kind_settings(*, user) -> list[dict]:
    """Each catalogued kind with ``user``'s own choice (``""``: default)."""
    chosen = dict(KindPreference.objects.filter(user=user).values_list("kind", "mode"))
    return [{"kind": k, "mode": chosen.get(k.key, "")} for k in all_kinds()]


def preference_get(*, user) -> NotificationPreference:
    return NotificationPreference.objects.filter(
        user=user
    ).first() or NotificationPreference(user=user)


def outgoing_email_list(
    *, status: str = "", before_id: int | None = None
) -> list[OutgoingEmail]:
    """Outbox rows for administrators, newest first (keyset by id)."""
    qs: QuerySet[OutgoingEmail] = OutgoingEmail.objects.select_related(
        "recipient"
    ).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.defer("body_text", "body_html")[: PAGE_SIZE + 1])
