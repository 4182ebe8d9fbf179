"""Inspections and supervision (kiểm tra, giám sát) the team carries out for
the Chairman (Decision 4854/QĐ-UBND), and their findings.

- ``Inspection``: a plan run by a coordination body: kind (inspection or
  supervision), code unique per body and year (``KT-2026-01``), the
  inspected agencies (valid on the plan date), scope, the period inspected,
  the team (a leader, members, outside members as text), the visit (dates,
  place), a state (``workflow.py``), the plan document (the body's register)
  and the conclusion paper (``paperwork.Paper``, from the documents engine).
- ``Finding`` (phát hiện): what the visit found, its severity, evidence
  files (``docs`` attachments), the recommendation (kiến nghị) and the
  inspected agency responsible for it, with a proposed deadline. Each
  recommendation becomes one follow-up task of that agency
  (``services.finding_convert``: ``task``, ``converted_at``/``converted_by``),
  whose source is the finding (``tasks.sources``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 5000


class Inspection(models.Model):
    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("Inspection")
        SUPERVISION = "supervision", _("Supervision")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        FINDINGS = "findings", _("Findings recorded")
        CONCLUDED = "concluded", _("Concluded")
        CLOSED = "closed", _("Closed")

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("coordination body"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.INSPECTION
    )
    code = models.CharField(_("code"), max_length=30)
    # The year of ``planned_on``: the code is unique per body and year.
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=500)
    planned_on = models.DateField(_("plan date"))
    subject_agencies = models.ManyToManyField(
        "org.Agency",
        related_name="inspections",
        verbose_name=_("inspected agencies"),
    )
    scope = models.TextField(
        _("scope"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    period_from = models.DateField(_("period inspected from"), null=True, blank=True)
    period_to = models.DateField(_("period inspected to"), null=True, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team leader"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("team members"),
    )
    external_members = models.TextField(
        _("other members"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_("People from outside the system, one per line."),
    )
    visit_from = models.DateTimeField(_("visit from"), null=True, blank=True)
    visit_to = models.DateTimeField(_("visit to"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PLANNED
    )
    plan_document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("plan document"),
    )
    conclusion_paper = models.ForeignKey(
        "paperwork.Paper",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("conclusion document"),
    )
    # Inter-provincial matters the inspection concerns (shown on their page:
    # ``matters.links``).
    matters = models.ManyToManyField(
        "matters.Matter",
        blank=True,
        related_name="inspections",
        verbose_name=_("matters"),
    )
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
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "code"], name="inspection_code_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period_to__isnull=True)
                | models.Q(period_from__isnull=True)
                | models.Q(period_to__gte=models.F("period_from")),
                name="inspection_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["body", "-planned_on", "-id"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:detail", args=[self.pk])


class Finding(models.Model):
    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        SERIOUS = "serious", _("Serious")

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="findings",
        verbose_name=_("inspection"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    description = models.TextField(
        _("description"), validators=[MaxLengthValidator(TEXT_MAX)]
    )
    recommendation = models.TextField(
        _("recommendation"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_findings",
        verbose_name=_("responsible agency"),
    )
    deadline = models.DateField(_("proposed deadline"), null=True, blank=True)
    task = models.ForeignKey(
        "tasks.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection_findings",
        verbose_name=_("follow-up task"),
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("converted by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "order"], name="inspection_finding_order_unique"
            )
        ]

    def __str__(self) -> str:
        text = (
            self.description
            if len(self.description) <= 80
            else (self.description[:79] + "…")
        )
        return f"{self.inspection.code} #{self.order}: {text}"

    def get_absolute_url(self) -> str:
        return f"{self.inspection.get_absolute_url()}#finding-{self.pk}"

    @property
    def is_converted(self) -> bool:
        return self.converted_at is not None
