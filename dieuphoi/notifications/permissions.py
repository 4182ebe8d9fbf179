"""Who may do what with notifications.

- A notification is seen and marked read by its recipient only; anyone else
  gets 404 (``access_notification``).
- The outbox (failed e-mails, resend) is for administrators; anyone else
  gets 403 on the page and the action (``require_email_admin``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dieuphoi.org.permissions import is_admin

from .models import Notification, OutgoingEmail


def access_notification(*, user, pk) -> Notification:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    notification = Notification.objects.filter(pk=pk, recipient_id=user.pk).first()
    if notification is None:
        raise Http404
    return notification


def can_manage_emails(user) -> bool:
    return is_admin(user)


def require_email_admin(user) -> None:
    if not can_manage_emails(user):
        raise PermissionDenied


def access_outgoing_email(*, user, pk) -> OutgoingEmail:
    require_email_admin(user)
    email = OutgoingEmail.objects.filter(pk=pk).first()
    if email is None:
        raise Http404
    return email


def _email_visible_pairs(pairs, on):
    """Outbox rows are seen by active administrators only."""
    from django.contrib.auth import get_user_model

    admins = set(
        get_user_model()
        .objects.filter(pk__in={u for u, _ in pairs}, is_superuser=True, is_active=True)
        .values_list("pk", flat=True)
    )
    return {(u, t) for u, t in pairs if u in admins}


def register_targets() -> None:
    from .registry import register_notification_target

    register_notification_target(
        OutgoingEmail,
        can_view=lambda user, email: can_manage_emails(user),
        visible_pairs=_email_visible_pairs,
    )
