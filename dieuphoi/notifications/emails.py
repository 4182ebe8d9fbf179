"""Render and send outbox e-mails: the send job ``email_send(ids=[...])``
and ``queue_emails(ids)``, which enqueues it (``services`` queues the
e-mails of notifications and digests).

``send_outgoing(ids) -> SendResult``: claims the rows that are waiting (or
whose sender died: claimed more than ``EMAIL_CLAIM_TIMEOUT_SECONDS`` ago and
still "sending"), renders each in its recipient's language on the first
attempt, sends them over one connection with Django's mail API
(``EMAIL_BACKEND`` and friends), and records the outcome on each row. Rows
that fail are retried by a later job, with back-off, up to
``NOTIFICATION_EMAIL_MAX_ATTEMPTS``; after the last attempt the row is marked
failed and the administrators are told in the app.

A worker may die between claiming a row and recording its outcome (killed,
machine lost). Such a claim is stale once older than the claim timeout: the
next send job for the row (the job the reaper re-queues waits for it:
``SendResult.waiting``), or the daily ``reclaim_stale``, sends it again, with
the Message-ID kept on the row since the first attempt so that a relay or a
mailbox that already has the message can drop the duplicate; a stale claim
on its last attempt is marked failed for the administrators instead.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection, make_msgid
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django_tasks import task

from dieuphoi.core.models import local_today

from . import inbox, registry
from .models import Notification, OutgoingEmail

logger = logging.getLogger(__name__)

S = OutgoingEmail.Status
EMAILS_PER_JOB = 100


class EmailDeliveryError(Exception):
    """Some e-mails of a send job failed (details on their outbox rows)."""


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    # Rows another worker claimed recently (it may still be sending them):
    # ``{id: moment the claim becomes stale}``.
    waiting: dict[int, datetime.datetime] = field(default_factory=dict)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFICATION_EMAIL_MAX_ATTEMPTS", 5)))


def claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(
        seconds=max(1, int(getattr(settings, "EMAIL_CLAIM_TIMEOUT_SECONDS", 600)))
    )


def message_id_domain() -> str | None:
    """The sender's domain for Message-IDs (the host name when it has none)."""
    _name, _at, domain = (settings.DEFAULT_FROM_EMAIL or "").rpartition("@")
    domain = domain.strip(" >")
    return domain or None


def retry_delay(attempt: int) -> float:
    base = float(getattr(settings, "NOTIFICATION_EMAIL_RETRY_SECONDS", 60))
    return min(3600.0, base * 2 ** max(0, attempt - 1))


def absolute_url(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def date_text(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


# --- rendering --------------------------------------------------------------


def _describe_all(notifications: list[Notification], on: datetime.date) -> dict:
    """``{(type_id, target_id): info}`` for all the notifications' targets:
    one query per target model, whatever the number of e-mails."""
    by_type: dict[int | None, set[int]] = defaultdict(set)
    for n in notifications:
        if n.target_id is not None:
            by_type[n.target_type_id].add(n.target_id)
    described = {}
    for type_id, ids in by_type.items():
        for target_id, info in registry.describe(type_id, ids, on).items():
            described[(type_id, target_id)] = info
    return described


def _items(notifications: list[Notification], described: dict) -> list[dict]:
    items = []
    for n in notifications:
        info = described.get((n.target_type_id, n.target_id), {})
        items.append(
            {
                "title": n.title,
                "url": absolute_url(n.url),
                "code": info.get("code", ""),
                "item_title": info.get("title", ""),
                "deadline": date_text(info.get("deadline")),
                "bucket": info.get("bucket", ""),
                "day": date_text(n.day),
            }
        )
    return items


def _notifications_of(emails: list[OutgoingEmail]) -> dict[int, list[Notification]]:
    """Each e-mail's notifications (one query for all the digests)."""
    listed: dict[int, list[Notification]] = {
        e.pk: [e.notification] if e.notification else [] for e in emails
    }
    digests = [e.pk for e in emails if e.kind == OutgoingEmail.Kind.DIGEST]
    if digests:
        for n in Notification.objects.filter(digest_id__in=digests).order_by(
            "digest_id", "day", "pk"
        ):
            listed[n.digest_id].append(n)
    return listed


def render(
    email: OutgoingEmail,
    notifications: list[Notification] | None = None,
    described: dict | None = None,
) -> tuple[str, str, str]:
    """``(subject, text, html)`` in the recipient's language."""
    if notifications is None:
        notifications = _notifications_of([email])[email.pk]
    if described is None:
        described = _describe_all(notifications, email.day)
    language = email.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if email.kind == OutgoingEmail.Kind.DIGEST:
            template = "emails/digest"
            count = len(notifications)
            subject = ngettext(
                "Daily digest of %(date)s: %(count)s notification",
                "Daily digest of %(date)s: %(count)s notifications",
                count,
            ) % {"date": date_text(email.day), "count": count}
        else:
            template = "emails/notification"
            subject = notifications[0].title if notifications else ""
        context = {
            "recipient": email.recipient,
            "day": date_text(email.day),
            "items": _items(notifications, described),
            "site_url": settings.SITE_URL,
            "centre_url": absolute_url("/notifications/"),
            "site_name": gettext("Capital Region coordination system"),
            "language": language,
        }
        subject = gettext("[Coordination] %(subject)s") % {"subject": subject}
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return " ".join(subject.split())[:300], text, html


def _render_missing(rows: list[OutgoingEmail]) -> None:
    """Render the rows not rendered yet (first attempts), in a few queries."""
    todo = [e for e in rows if not e.subject]
    if not todo:
        return
    listed = _notifications_of(todo)
    by_day: dict[datetime.date, list[Notification]] = defaultdict(list)
    for email in todo:
        by_day[email.day] += listed[email.pk]
    described = {}
    for day, notifications in by_day.items():
        described[day] = _describe_all(notifications, day)
    for email in todo:
        email.subject, email.body_text, email.body_html = render(
            email, listed[email.pk], described[email.day]
        )
    OutgoingEmail.objects.bulk_update(todo, ["subject", "body_text", "body_html"])


# --- failures ----------------------------------------------------------------


def email_failure_notify(*, email: OutgoingEmail) -> int:
    """Tell every administrator, in the app only, that ``email`` failed."""
    admins = get_user_model().objects.filter(is_superuser=True, is_active=True)
    attempts = email.attempts
    to = email.to

    def title() -> str:
        return gettext(
            "An e-mail to %(to)s could not be sent after %(attempts)s attempts."
        ) % {"to": to, "attempts": attempts}

    rows, _people = inbox.notifications_create(
        inbox.notification_specs(
            recipients=admins.values_list("pk", flat=True),
            kind="email_failed",
            target=email,
            title=title,
            url=reverse("notifications:emails") + "?status=failed",
            key=f"email-failed:{email.pk}:{email.attempts}",
            email=False,
        )
    )
    return len(rows)


# --- sending ----------------------------------------------------------------


def _fail_stale_last_attempts(ids: list[int], now) -> list[int]:
    """Stale claims already on their last attempt: marked failed (the
    administrators are told), not sent again."""
    stale = OutgoingEmail.objects.filter(
        pk__in=ids,
        status=S.SENDING,
        claimed_at__lt=now - claim_timeout(),
        attempts__gte=max_attempts(),
    )
    failed = []
    for email in stale:
        if OutgoingEmail.objects.filter(
            pk=email.pk, status=S.SENDING, claim=email.claim
        ).update(
            status=S.FAILED,
            claim=None,
            last_error="WorkerLost: the sender stopped while sending this e-mail.",
        ):
            email.status = S.FAILED
            failed.append(email.pk)
            logger.error(
                "E-mail %s to %s: its sender stopped on the last attempt (%s); "
                "marked failed.",
                email.pk,
                email.to,
                email.attempts,
            )
            email_failure_notify(email=email)
    return failed


def _claim(ids: list[int]) -> tuple[uuid.UUID, list[OutgoingEmail], list[int]]:
    """Claim the rows of ``ids`` that are waiting, or whose claim is stale
    (the rows, and the stale ones marked failed instead)."""
    token = uuid.uuid4()
    now = timezone.now()
    failed = _fail_stale_last_attempts(ids, now)
    OutgoingEmail.objects.filter(pk__in=ids).filter(
        Q(status__in=[S.PENDING, S.RETRY])
        | Q(status=S.SENDING, claimed_at__lt=now - claim_timeout())
    ).update(status=S.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
    rows = list(
        OutgoingEmail.objects.filter(claim=token)
        .select_related("recipient", "notification")
        .order_by("pk")
    )
    # The Message-ID is fixed before the first attempt and kept after.
    new_ids = [e for e in rows if not e.message_id]
    for email in new_ids:
        email.message_id = make_msgid(f"dieuphoi.{email.pk}", message_id_domain())
    if new_ids:
        OutgoingEmail.objects.bulk_update(new_ids, ["message_id"])
    return token, rows, failed


def _still_claimed(ids: list[int], token) -> dict[int, datetime.datetime]:
    """Rows of ``ids`` claimed by another worker: when their claims go stale."""
    timeout = claim_timeout()
    return {
        pk: claimed_at + timeout
        for pk, claimed_at in OutgoingEmail.objects.filter(
            pk__in=ids, status=S.SENDING, claimed_at__isnull=False
        )
        .exclude(claim=token)
        .values_list("pk", "claimed_at")
    }


def stale_claims(*, now: datetime.datetime | None = None) -> list[int]:
    """Every row still "sending" under a claim older than the claim timeout."""
    now = now or timezone.now()
    return list(
        OutgoingEmail.objects.filter(
            status=S.SENDING, claimed_at__lt=now - claim_timeout()
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reclaim_stale(*, now: datetime.datetime | None = None) -> SendResult:
    """Send again (or fail for good) every e-mail whose sender died."""
    ids = stale_claims(now=now)
    if not ids:
        return SendResult()
    logger.warning("Taking over %s e-mails whose sender stopped.", len(ids))
    return send_outgoing(ids)


def _drop_invisible(rows: list[OutgoingEmail], token) -> list[OutgoingEmail]:
    """Single-event e-mails whose item the recipient may no longer see are
    not sent (status ``dropped``); the others are returned. A few queries
    per target model, whatever the number of e-mails."""
    by_type: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for email in rows:
        n = email.notification
        if n is not None and n.target_type_id is not None:
            by_type[n.target_type_id].add((email.recipient_id, n.target_id))
    if not by_type:
        return rows
    today = local_today()
    allowed = {t: registry.visible(t, pairs, today) for t, pairs in by_type.items()}
    keep, drop = [], []
    for email in rows:
        n = email.notification
        if (
            n is None
            or n.target_type_id is None
            or (email.recipient_id, n.target_id) in allowed[n.target_type_id]
        ):
            keep.append(email)
        else:
            drop.append(email.pk)
    if drop:
        OutgoingEmail.objects.filter(pk__in=drop, claim=token).update(
            status=S.DROPPED, claim=None
        )
    return keep


def send_outgoing(ids: list[int]) -> SendResult:
    result = SendResult()
    ids = list(ids)
    token, rows, result.failed = _claim(ids)
    result.waiting = _still_claimed(ids, token)
    rows = _drop_invisible(rows, token)
    if not rows:
        return result
    connection = None
    open_error = ""
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception as exc:  # the server refused us: every row fails
        open_error = f"{type(exc).__name__}: {exc}"
    _render_missing(rows)
    notes = Notification.objects.in_bulk(
        [e.notification_id for e in rows if e.notification_id]
    )
    for email in rows:
        error = open_error
        if not error:
            message = EmailMultiAlternatives(
                subject=email.subject,
                body=email.body_text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email.to],
                connection=connection,
                headers={"Message-ID": email.message_id} if email.message_id else None,
            )
            message.attach_alternative(email.body_html, "text/html")
            note = notes.get(email.notification_id)
            try:
                if note is not None:
                    for name, data, mime in registry.email_attachments(
                        note.target_type_id, note.target_id, note.kind
                    ):
                        message.attach(name, data, mime)
                message.send()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        if error:
            result.errors[email.pk] = error[:2000]
            continue
        now = timezone.now()
        OutgoingEmail.objects.filter(pk=email.pk, claim=token).update(
            status=S.SENT, sent_at=now, last_error="", claim=None
        )
        Notification.objects.filter(
            Q(pk=email.notification_id) if email.notification_id else Q(digest=email)
        ).update(emailed_at=now)
        result.sent.append(email.pk)
    if connection is not None and not open_error:
        # Closing a connection the server already dropped may raise.
        with contextlib.suppress(Exception):
            connection.close()
    _record_failures(rows, token, result)
    return result


def _record_failures(rows, token, result: SendResult) -> None:
    if not result.errors:
        return
    limit = max_attempts()
    retry_after = 0.0
    for email in rows:
        error = result.errors.get(email.pk)
        if error is None:
            continue
        final = email.attempts >= limit
        OutgoingEmail.objects.filter(pk=email.pk, claim=token).update(
            status=S.FAILED if final else S.RETRY, last_error=error, claim=None
        )
        if final:
            result.failed.append(email.pk)
            email.status = S.FAILED
            logger.error(
                "E-mail %s to %s failed for good after %s attempts: %s",
                email.pk,
                email.to,
                email.attempts,
                error,
            )
            email_failure_notify(email=email)
        else:
            result.retry.append(email.pk)
            retry_after = max(retry_after, retry_delay(email.attempts))
            logger.warning(
                "E-mail %s to %s failed (attempt %s of %s): %s",
                email.pk,
                email.to,
                email.attempts,
                limit,
                error,
            )
    if result.retry:
        job = email_send
        if job.get_backend().supports_defer:
            job = job.using(
                run_after=timezone.now() + datetime.timedelta(seconds=retry_after)
            )
        job.enqueue(ids=result.retry)


# --- the send job ------------------------------------------------------------


def queue_emails(ids: Sequence[int]) -> None:
    """Enqueue the send job for outbox rows (a few per job)."""
    for chunk in inbox.chunks(sorted(ids), EMAILS_PER_JOB):
        email_send.enqueue(ids=list(chunk))


@task()
def email_send(*, ids: list[int]) -> dict:
    """Send outbox e-mails (``send_outgoing``); failed ones are retried by a
    later job with back-off, bounded; the job itself fails (visible in the
    jobs admin) when any e-mail failed. Rows another worker claimed are not
    skipped as done: the job enqueues itself again for when their claims go
    stale (``EMAIL_CLAIM_TIMEOUT_SECONDS``), so a job re-queued after its
    worker died sends what that worker left."""
    result = send_outgoing(ids)
    summary = {
        "sent": len(result.sent),
        "retry": len(result.retry),
        "failed": len(result.failed),
        "waiting": len(result.waiting),
    }
    if result.waiting:
        _send_when_stale(result.waiting)
    if result.errors:
        first = next(iter(result.errors.values()))
        raise EmailDeliveryError(
            f"{len(result.errors)} of {len(ids)} e-mails failed "
            f"({summary['retry']} will be retried): {first}"
        )
    return summary


def _send_when_stale(waiting: dict[int, datetime.datetime]) -> None:
    """Another worker holds these rows: look again once its claim is stale
    (sent by it meanwhile: nothing to do then). Backends that cannot defer
    leave them to the daily ``email_reclaim_day``."""
    if not email_send.get_backend().supports_defer:
        logger.info(
            "E-mails %s are claimed by another worker; the daily job checks them.",
            sorted(waiting),
        )
        return
    run_after = max(waiting.values()) + datetime.timedelta(seconds=1)
    email_send.using(run_after=run_after).enqueue(ids=sorted(waiting))
    logger.info(
        "E-mails %s are claimed by another worker; looked at again after %s.",
        sorted(waiting),
        run_after.isoformat(),
    )
