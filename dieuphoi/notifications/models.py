"""In-app notifications, their e-mails and each user's preferences.

A ``Notification`` is one message to one person about one item (any model:
``target_type`` + ``target_id``). Its ``key`` is unique, so creating the same
notification twice (a re-run job, a retried service) inserts it once.

E-mail goes through ``OutgoingEmail`` rows (an outbox): one per notification
for people who want each event at once, one per person and day for the daily
digest. The send job claims a row before sending it, so a row is sent by one
worker, and records failures on the row for administrators.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Each notification by e-mail")
    DIGEST = "digest", _("One daily digest e-mail")
    OFF = "off", _("No e-mail (in-app only)")


class NotificationPreference(models.Model):
    """How one person wants to be told. No row, or a blank field, means the
    default: e-mail per event for the leader, deputy and secretariat of a
    body, the daily digest for everyone else; the site's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_mode = models.CharField(
        _("e-mail"),
        max_length=20,
        choices=EmailMode.choices,
        blank=True,
        help_text=_("Leave empty for the default of your role."),
    )
    language = models.CharField(
        _("language of notifications"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.email_mode or '-'} {self.language or '-'}"


class KindPreference(models.Model):
    """One person's setting for one kind of notification (``kinds``): its
    e-mail mode, or ``muted`` (not sent at all). No row means the kind's
    default. A must-act kind is never muted (``services.preference_update``
    refuses it, and ``notify_many`` ignores such a row)."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("In the app, and an e-mail each time")
        DIGEST = "digest", _("In the app, and in the daily digest")
        OFF = "off", _("In the app only")
        MUTED = "muted", _("Switched off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_kind_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    mode = models.CharField(_("setting"), max_length=10, choices=Mode.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification kind setting")
        verbose_name_plural = _("notification kind settings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_kind_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.mode}"


class OutgoingEmail(models.Model):
    """One e-mail to send (outbox row). Written by ``services``; sent by the
    ``email_send`` job, which fills subject and bodies on its first attempt."""

    class Kind(models.TextChoices):
        EVENT = "event", _("Single notification")
        DIGEST = "digest", _("Daily digest")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        RETRY = "retry", _("Failed, will retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Not sent: the item is no longer visible")

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to = models.EmailField(_("address"))
    day = models.DateField(_("day"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The notification of a single-event e-mail (a digest lists its
    # notifications through ``Notification.digest``).
    notification = models.OneToOneField(
        "Notification",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_email",
        verbose_name=_("notification"),
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set before the first attempt and kept for every later one (a claim
    # taken over from a worker that died, a resend): the same Message-ID lets
    # the relay or the recipient's mail system drop a duplicate.
    message_id = models.CharField(
        _("Message-ID"), max_length=255, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["claim"]),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject or self.key}"

    @property
    def is_stale_claim(self) -> bool:
        """Still "sending" long after it was claimed: its sender died."""
        import datetime

        from django.utils import timezone

        timeout = datetime.timedelta(
            seconds=int(getattr(settings, "EMAIL_CLAIM_TIMEOUT_SECONDS", 600))
        )
        return (
            self.status == self.Status.SENDING
            and self.claimed_at is not None
            and self.claimed_at < timezone.now() - timeout
        )


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    target_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Rendered in the recipient's language when the notification is made.
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The local day the notification belongs to (the scheduler's day for
    # reminders): the daily digest of day D lists those of day D and before.
    day = models.DateField(_("day"))
    # The recipient's e-mail choice when it was made: what happens to it.
    email_mode = models.CharField(
        _("e-mail"), max_length=20, choices=EmailMode.choices, default=EmailMode.OFF
    )
    digest = models.ForeignKey(
        OutgoingEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_notifications",
        verbose_name=_("digest e-mail"),
    )
    key = models.CharField(_("key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"]),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # The digest's selection: not yet in a digest, digest mode, by day.
            models.Index(
                fields=["digest", "email_mode", "day"], name="notification_digest"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
