"""Writes of the notifications app.

Public names (other apps use these):

- ``notify(*, recipients, kind, target, title, url, key, day=None,
  email=True) -> int``: one notification per recipient about one item.
- ``notify_many(specs, *, on=None) -> int``: many at once (set-based:
  a fixed number of queries per call, whatever the number of specs).
- ``NotificationSpec``: one notification for ``notify_many``.

Both keep only the recipients who may see the item (``registry``), render
the title in each recipient's language, insert with ``ignore_conflicts`` on
the unique ``key`` (so a re-run inserts nothing twice) and queue the e-mails
of people who want each event at once: only for notifications that have no
e-mail yet, so a re-run queues nothing twice either. Call them inside your
service's transaction; with the database job backend the e-mail jobs commit
or roll back with it.

``title`` is a string, a lazy translation, or a callable returning a string;
it is evaluated with the recipient's language active.

The notifications are made by ``inbox`` (``NotificationSpec`` and
``chunks`` are its, imported here as ever), the e-mails queued through
``emails.queue_emails``, which enqueues the send job; ``emails`` tells the
administrators of a failed e-mail through ``inbox`` alone, so neither
imports this module.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, diff, snapshot
from dieuphoi.core.models import local_today

from . import registry, selectors
from .emails import claim_timeout, queue_emails
from .inbox import (
    INSERT_BATCH,
    NotificationSpec,
    Recipient,
    TitleSource,
    chunks,
    notification_specs,
    notifications_create,
    recipients_info,
)
from .kinds import get_kind
from .models import (
    EmailMode,
    KindPreference,
    Notification,
    NotificationPreference,
    OutgoingEmail,
)

ACTION_LABELS = {
    "notifications.preference_update": _("Changed the notification settings"),
    "notifications.email_resend": _("Queued a failed e-mail again"),
}

KEY_CHUNK = 500


def effective_email_mode(user, on: datetime.date | None = None) -> str:
    info = recipients_info([user.pk], on or local_today())
    return info[user.pk].mode if user.pk in info else EmailMode.OFF


# --- notify ---------------------------------------------------------------


def notify_many(
    specs: Iterable[NotificationSpec], *, on: datetime.date | None = None
) -> int:
    """Create the notifications (once each) and queue their e-mails.

    Returns how many specs passed the permission filter and the recipients'
    settings (inserted now or before): a recipient who switched the kind off
    (``kinds``, ``KindPreference``) gets nothing; the e-mail mode is the
    kind's (``effective_kind_mode``). ``on`` is the day permissions are
    judged on (default today). The notifications are made by
    ``inbox.notifications_create``.
    """
    rows, people = notifications_create(specs, on=on)
    immediate = [row.key for row in rows if row.email_mode == EmailMode.IMMEDIATE]
    _queue_event_emails(immediate, people)
    return len(rows)


def _queue_event_emails(keys: list[str], people: dict[int, Recipient]) -> None:
    """One e-mail per notification that has none yet (so never twice)."""
    for chunk in chunks(keys, KEY_CHUNK):
        fresh = list(
            Notification.objects.filter(
                key__in=chunk,
                email_mode=EmailMode.IMMEDIATE,
                event_email__isnull=True,
            ).values_list("pk", "recipient_id", "day")
        )
        if not fresh:
            continue
        OutgoingEmail.objects.bulk_create(
            [
                OutgoingEmail(
                    key=f"event:{pk}",
                    kind=OutgoingEmail.Kind.EVENT,
                    recipient_id=uid,
                    to=people[uid].email,
                    day=day,
                    language=people[uid].language,
                    notification_id=pk,
                )
                for pk, uid, day in fresh
                if uid in people
            ],
            ignore_conflicts=True,
            batch_size=INSERT_BATCH,
        )
        ids = list(
            OutgoingEmail.objects.filter(
                notification_id__in=[pk for pk, _uid, _day in fresh],
                status=OutgoingEmail.Status.PENDING,
            ).values_list("pk", flat=True)
        )
        queue_emails(ids)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    target: models.Model | None,
    title: TitleSource,
    url: str = "",
    key: str,
    day: datetime.date | None = None,
    email: bool = True,
) -> int:
    """Tell ``recipients`` (users or user ids) about ``target``, once.

    ``key`` names the event (e.g. ``"extension:12:requested"``); each
    recipient's notification gets ``"<key>:<user id>"``, so calling again
    with the same key adds nothing. Recipients who may not see ``target``
    get nothing. Returns how many recipients were notified.
    """
    return notify_many(
        notification_specs(
            recipients=recipients,
            kind=kind,
            target=target,
            title=title,
            url=url,
            key=key,
            day=day,
            email=email,
        ),
        on=day,
    )


# --- the recipient's own actions --------------------------------------------
#
# Marking read changes only the reader's own inbox: no audit event (it would
# be one row per click and says nothing about the items).


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.recipient_id != user.pk:
        raise ValidationError(gettext("This notification is not yours."))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now
        )
        selectors.notifications_written()
        notification.read_at = now
    return notification


def notification_mark_all_read(*, user) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    selectors.notifications_written()
    return marked


KIND_FIELD = "kind_{}"


def _kind_errors(kinds: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, mode in kinds.items():
        entry = get_kind(key)
        field = KIND_FIELD.format(key)
        if entry is None:
            errors[field] = [
                gettext("“%(kind)s” is not a kind of notification.") % {"kind": key}
            ]
        elif mode and mode not in KindPreference.Mode.values:
            errors[field] = [
                gettext("Choose one of the settings offered for “%(kind)s”.")
                % {"kind": entry.label}
            ]
        elif mode == KindPreference.Mode.MUTED and entry.must_act:
            errors[field] = [
                gettext(
                    "“%(kind)s” cannot be switched off: you have to act on it. "
                    "You may choose how it is e-mailed."
                )
                % {"kind": entry.label}
            ]
    return errors


@transaction.atomic
def preference_update(
    *,
    user,
    actor,
    email_mode: str = "",
    language: str = "",
    kinds: dict[str, str] | None = None,
) -> NotificationPreference:
    """Save ``user``'s notification settings in one transaction.

    ``kinds`` maps kind keys (``kinds``) to a ``KindPreference.Mode`` value,
    or ``""`` for the kind's default; kinds not in it keep their setting.
    Switching off a must-act kind, an unknown kind or mode raise
    ``ValidationError`` keyed ``kind_<key>``, and nothing is saved.
    """
    kinds = dict(kinds or {})
    errors = _kind_errors(kinds)
    if errors:
        raise ValidationError(errors)
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    before = snapshot(preference, ["email_mode", "language"])
    preference.email_mode = email_mode
    preference.language = language
    preference.full_clean()
    preference.save()
    changes = diff(before, snapshot(preference, ["email_mode", "language"]))
    if kinds:
        current = dict(
            KindPreference.objects.filter(user=user, kind__in=kinds).values_list(
                "kind", "mode"
            )
        )
        changed = {
            key: {"before": current.get(key, ""), "after": mode}
            for key, mode in sorted(kinds.items())
            if current.get(key, "") != mode
        }
        cleared = [key for key, change in changed.items() if not change["after"]]
        if cleared:
            KindPreference.objects.filter(user=user, kind__in=cleared).delete()
        for key, change in changed.items():
            if change["after"]:
                KindPreference.objects.update_or_create(
                    user=user, kind=key, defaults={"mode": change["after"]}
                )
        if changed:
            changes["kinds"] = changed
    if changes:
        audit_record(
            actor=actor,
            action="notifications.preference_update",
            target=preference,
            changes=changes,
        )
    return preference


# --- the daily digest ---------------------------------------------------------


def digest_prepare(*, day: datetime.date, chunk_size: int = 200) -> list[int]:
    """Make day ``day``'s digest e-mails and queue them; returns their ids.

    Each person with digest-mode notifications of ``day`` or before that are
    in no digest yet gets one e-mail (unique key per person and day), listing
    the ones they may still see; the others are dropped from e-mail. A re-run
    finds the day's e-mails already made: a notification that arrived since
    joins one only while it is still waiting to be sent, otherwise the next
    day's digest. Each chunk of people is one transaction.
    """
    pending = Notification.objects.filter(
        digest__isnull=True, email_mode=EmailMode.DIGEST, day__lte=day
    )
    user_ids = sorted(set(pending.values_list("recipient_id", flat=True).distinct()))
    queued: list[int] = []
    for chunk in chunks(user_ids, chunk_size):
        with transaction.atomic():
            queued += _digest_chunk(pending, list(chunk), day)
    return queued


def _digest_chunk(pending, user_ids: list[int], day: datetime.date) -> list[int]:
    rows = list(
        pending.filter(recipient_id__in=user_ids).values_list(
            "pk", "recipient_id", "target_type_id", "target_id"
        )
    )
    by_type: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for _pk, uid, type_id, target_id in rows:
        if type_id is not None:
            by_type[type_id].add((uid, target_id))
    allowed = {t: registry.visible(t, pairs, day) for t, pairs in by_type.items()}
    people = recipients_info(user_ids, day)
    keep: dict[int, list[int]] = defaultdict(list)
    drop: list[int] = []
    for pk, uid, type_id, target_id in rows:
        seen = type_id is None or (uid, target_id) in allowed[type_id]
        if seen and uid in people and people[uid].email:
            keep[uid].append(pk)
        else:
            drop.append(pk)
    if drop:
        # Not e-mailed: the item is no longer theirs to see, or no address.
        Notification.objects.filter(pk__in=drop).update(email_mode=EmailMode.OFF)
    if not keep:
        return []
    OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                key=f"digest:{uid}:{day.isoformat()}",
                kind=OutgoingEmail.Kind.DIGEST,
                recipient_id=uid,
                to=people[uid].email,
                day=day,
                language=people[uid].language,
            )
            for uid in keep
        ],
        ignore_conflicts=True,
    )
    open_rows = dict(
        OutgoingEmail.objects.filter(
            key__in=[f"digest:{uid}:{day.isoformat()}" for uid in keep],
            status=OutgoingEmail.Status.PENDING,
        ).values_list("recipient_id", "pk")
    )
    ids = [pk for uid, pks in keep.items() if uid in open_rows for pk in pks]
    if ids:
        Notification.objects.filter(pk__in=ids, digest__isnull=True).update(
            digest_id=Case(
                *[
                    When(recipient_id=uid, then=Value(oid))
                    for uid, oid in open_rows.items()
                ],
                output_field=models.BigIntegerField(),
            )
        )
    queue_emails(list(open_rows.values()))
    return list(open_rows.values())


# --- the outbox -----------------------------------------------------------------


@transaction.atomic
def outgoing_email_resend(*, email: OutgoingEmail, actor) -> OutgoingEmail:
    """Queue a failed e-mail again (administrators, after fixing the cause),
    or one whose sender died while sending it (a stale "sending" claim). The
    Message-ID is kept: a copy that did get out is a duplicate to drop."""
    S = OutgoingEmail.Status
    stale_before = timezone.now() - claim_timeout()
    if email.status not in (S.FAILED, S.RETRY) and not email.is_stale_claim:
        raise ValidationError(gettext("Only a failed e-mail can be sent again."))
    before = snapshot(email, ["status", "attempts"])
    resendable = Q(status__in=[S.FAILED, S.RETRY]) | Q(
        status=S.SENDING, claimed_at__lt=stale_before
    )
    if not OutgoingEmail.objects.filter(resendable, pk=email.pk).update(
        status=S.PENDING, attempts=0, claim=None
    ):
        raise ValidationError(gettext("Only a failed e-mail can be sent again."))
    email.refresh_from_db()
    audit_record(
        actor=actor,
        action="notifications.email_resend",
        target=email,
        changes=diff(before, snapshot(email, ["status", "attempts"])),
    )
    queue_emails([email.pk])
    return email
