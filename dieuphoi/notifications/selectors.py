"""Reads of the notifications app, scoped to the user asking."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification, NotificationPreference, OutgoingEmail

PAGE_SIZE = 50


def notification_list(
    *, user, unread_only: bool = False, before_id: int | None = None
) -> list[Notification]:
    """The user's own notifications, newest first, one keyset page (by id)."""
    qs = Notification.objects.filter(recipient=user).order_by("-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs[: PAGE_SIZE + 1])


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


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
