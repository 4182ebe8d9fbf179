"""Inter-provincial matters (vấn đề liên tỉnh) and their coordination log.

- ``Matter``: a matter the coordination body follows with ministries and the
  other provinces: provinces concerned (dated units valid on ``raised_on``:
  a matter raised before the 2025 mergers keeps its original provinces; the
  pages show their successors), agencies involved, who raised it and when,
  competence, priority, the state (``workflow.py``), the specialist who
  follows it (``owner``), the resolution, and links to tasks, proposals and
  key projects. ``last_logged_on`` is the date of the latest log entry
  (kept by ``services.log_add``) so that "stale" is a SQL filter.
- ``LogEntry``: one dated step of the coordination log (letter sent or
  received, meeting, call, field visit), with its parties (agencies and
  bodies), optionally a document of the body's register, and files.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 5000


class Matter(models.Model):
    class Competence(models.TextChoices):
        CITY = "city", _("Within the city's competence")
        COUNCIL = "council", _("Needs the Council")
        GOVERNMENT = "government", _("Needs the central Government")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class State(models.TextChoices):
        NEW = "new", _("New")
        COORDINATING = "coordinating", _("Coordinating")
        RESOLVED = "resolved", _("Resolved")
        ESCALATED = "escalated", _("Escalated to the Council")
        CLOSED = "closed", _("Closed")

    OPEN_STATES = (State.NEW, State.COORDINATING)

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="matters",
        verbose_name=_("coordination body"),
    )
    code = models.CharField(_("code"), max_length=30)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    sector = models.ForeignKey(
        "tasks.Sector",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matters",
        verbose_name=_("sector"),
    )
    provinces = models.ManyToManyField(
        "org.AdministrativeUnit",
        related_name="matters",
        verbose_name=_("provinces concerned"),
    )
    agencies = models.ManyToManyField(
        "org.Agency",
        blank=True,
        related_name="matters",
        verbose_name=_("agencies involved"),
    )
    raised_by_body = models.ForeignKey(
        "org.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raised_matters",
        verbose_name=_("raised by (body)"),
    )
    raised_by_agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raised_matters",
        verbose_name=_("raised by (agency)"),
    )
    raised_on = models.DateField(_("raised on"))
    competence = models.CharField(
        _("competence"),
        max_length=20,
        choices=Competence.choices,
        default=Competence.CITY,
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_matters",
        verbose_name=_("followed by"),
    )
    resolution = models.TextField(
        _("resolution"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    resolution_document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolution document"),
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    escalation_reason = models.TextField(
        _("reason for escalation"),
        blank=True,
        validators=[MaxLengthValidator(TEXT_MAX)],
    )
    tasks = models.ManyToManyField(
        "tasks.Task", blank=True, related_name="matters", verbose_name=_("tasks")
    )
    proposals = models.ManyToManyField(
        "proposals.Proposal",
        blank=True,
        related_name="matters",
        verbose_name=_("proposals"),
    )
    key_projects = models.ManyToManyField(
        "keyprojects.KeyProject",
        blank=True,
        related_name="matters",
        verbose_name=_("key projects"),
    )
    last_logged_on = models.DateField(_("last log entry"), null=True, blank=True)
    # Reminders of a stale matter sent to the owner (the reminder ladder).
    urge_count = models.PositiveIntegerField(_("reminders"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("inter-provincial matter")
        verbose_name_plural = _("inter-provincial matters")
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "code"], name="matter_code_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(raised_by_body__isnull=False)
                | models.Q(raised_by_agency__isnull=False),
                name="matter_raised_by_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["body", "state", "-raised_on", "-id"]),
            models.Index(fields=["-raised_on", "-id"], name="matter_keyset"),
            # The list's filters by competence and sector, each in the list's
            # order (a rare value is read from its index, not found by walking
            # the whole keyset). No index led by state: the stale filter
            # (state IN new, coordinating) then made SQLite collect and sort
            # every open matter (0.6 ms → 5-10 ms on 10,000), while walking
            # ``matter_keyset`` stops after a page; states are few and common.
            models.Index(
                fields=["competence", "-raised_on", "-id"], name="matter_comp_keyset"
            ),
            models.Index(
                fields=["sector", "-raised_on", "-id"], name="matter_sector_keyset"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("matters:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def raised_by(self):
        return self.raised_by_body or self.raised_by_agency

    @property
    def last_activity_on(self):
        return self.last_logged_on or self.raised_on


class LogEntry(models.Model):
    class Kind(models.TextChoices):
        LETTER_SENT = "letter_sent", _("Letter sent")
        LETTER_RECEIVED = "letter_received", _("Letter received")
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Phone call")
        FIELD_VISIT = "field_visit", _("Field visit")
        OTHER = "other", _("Other")

    matter = models.ForeignKey(
        Matter,
        on_delete=models.CASCADE,
        related_name="log_entries",
        verbose_name=_("matter"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    summary = models.TextField(_("summary"), validators=[MaxLengthValidator(TEXT_MAX)])
    agencies = models.ManyToManyField(
        "org.Agency",
        blank=True,
        related_name="matter_log_entries",
        verbose_name=_("agencies"),
    )
    bodies = models.ManyToManyField(
        "org.Body",
        blank=True,
        related_name="matter_log_entries",
        verbose_name=_("coordination bodies"),
    )
    document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["matter", "-occurred_on", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%d/%m/%Y}"
