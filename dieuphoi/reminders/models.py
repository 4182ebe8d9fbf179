"""Reminders sent about tasks, and tasks escalated to the leadership.

A ``Reminder`` row is the proof that one rung of the ladder was sent: its
unique key (task or co-operating part, kind, deadline, sequence number) is
what makes "sent exactly once" hold when the daily job runs twice or is
killed half-way: the job inserts with ``ignore_conflicts`` and notifies only
for the rows its own run inserted (``run``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    class Kind(models.TextChoices):
        BEFORE_DEADLINE = "before_deadline", _("Before the deadline")
        ON_DEADLINE = "on_deadline", _("On the deadline")
        URGING = "urging", _("Urging")
        ESCALATION = "escalation", _("Escalation")
        PROGRESS_REQUEST = "progress_request", _("Progress request")
        PART_BEFORE_DEADLINE = (
            "part_before_deadline",
            _("Before a co-operating agency's sub-deadline"),
        )
        PART_URGING = "part_urging", _("Urging of a co-operating agency")
        CONFIRMATION_PENDING = (
            "confirmation_pending",
            _("Reported done, not yet confirmed"),
        )

    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("task"),
    )
    part = models.ForeignKey(
        "tasks.TaskPart",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("co-operating agency"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The deadline the reminder is about, as it was that day (the part's
    # sub-deadline for a part; the period's first day for a progress request;
    # the day the task was reported done for a confirmation reminder).
    deadline = models.DateField(_("deadline"))
    # Working days left (before the deadline; 0 on the day), the urging
    # number (the task's or part's urging count after it: notices and letters
    # together), or the count at which the task was escalated.
    seq = models.PositiveIntegerField(_("number"))
    sent_on = models.DateField(_("sent on"))
    run = models.UUIDField(editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "kind", "deadline", "seq"],
                condition=Q(part__isnull=True),
                name="reminder_once_per_task",
            ),
            models.UniqueConstraint(
                fields=["part", "kind", "deadline", "seq"],
                condition=Q(part__isnull=False),
                name="reminder_once_per_part",
            ),
        ]
        indexes = [
            models.Index(fields=["run"]),
            models.Index(fields=["task", "-sent_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.task_id} {self.deadline} #{self.seq}"


class TaskEscalation(models.Model):
    """A task still overdue after the set number of urgings: escalated to the
    body's leader and secretariat and flagged for the leadership meeting
    until someone resolves it."""

    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.CASCADE,
        related_name="escalations",
        verbose_name=_("task"),
    )
    deadline = models.DateField(_("deadline"))
    urge_count = models.PositiveSmallIntegerField(_("urgings"))
    escalated_on = models.DateField(_("escalated on"))
    reason = models.TextField(_("reason"))
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-escalated_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "deadline"], name="escalation_once_per_deadline"
            ),
        ]
        indexes = [models.Index(fields=["resolved", "-escalated_on", "-id"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.escalated_on}"


class ObligationReminder(models.Model):
    """One rung sent about an obligation that is not a task (``obligations``):
    a consultation answer, a milestone, a report contribution. The unique key
    makes each rung go out once, as ``Reminder`` does for tasks."""

    source = models.CharField(_("kind of obligation"), max_length=60)
    object_id = models.BigIntegerField()
    kind = models.CharField(_("kind"), max_length=20)
    deadline = models.DateField(_("deadline"))
    # Working days left (before), 0 (on the day or escalation), or the
    # urging number (the obligation's count after it).
    seq = models.PositiveIntegerField(_("number"))
    sent_on = models.DateField(_("sent on"))
    run = models.UUIDField(editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("obligation reminder")
        verbose_name_plural = _("obligation reminders")
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "object_id", "kind", "deadline", "seq"],
                name="obligation_reminder_once",
            ),
        ]
        indexes = [
            models.Index(fields=["run"]),
            models.Index(fields=["source", "object_id", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.object_id} {self.kind} {self.deadline} #{self.seq}"
