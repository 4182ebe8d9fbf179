"""Key projects (dự án trọng điểm) the team follows, their phases and
milestones.

- ``KeyProject``: a project of regional importance, with its investor, lead
  agency, locations (dated administrative units, as of the decision date:
  a project decided in 2024 keeps Bắc Giang), total investment and capital
  sources, decision documents, dates and state; optionally the adopted
  proposal it came from and the tasks that serve it.
- ``Phase`` (giai đoạn): an ordered stage of the project.
- ``Milestone`` (mốc tiến độ): a planned date, the agency responsible, and
  the actual date once done. Its status is computed from the dates
  (``Milestone.status_on``; in SQL: ``selectors.milestone_status``): late
  when the planned date has passed without an actual date, done late when
  the actual date is after the planned one. Open milestones are reminded
  and urged by the reminder ladder (``urging.py``), which counts the
  urgings in ``urge_count``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dieuphoi.core.models import local_today

MONEY = {"max_digits": 20, "decimal_places": 0}
NOTE_MAX = 2000


class KeyProject(models.Model):
    class State(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        UNDER_CONSTRUCTION = "under_construction", _("Under construction")
        IN_OPERATION = "in_operation", _("In operation")
        SUSPENDED = "suspended", _("Suspended")

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="key_projects",
        verbose_name=_("coordination body"),
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=500)
    investor = models.CharField(_("investor"), max_length=300, blank=True)
    # The adopted proposal the project came from, when it did.
    proposal = models.ForeignKey(
        "proposals.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_projects",
        verbose_name=_("proposal"),
    )
    lead_agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="led_key_projects",
        verbose_name=_("lead agency"),
    )
    decided_on = models.DateField(_("decision date"))
    # Dated units, valid on ``decided_on`` (the model of Proposal.provinces).
    locations = models.ManyToManyField(
        "org.AdministrativeUnit",
        blank=True,
        related_name="key_projects",
        verbose_name=_("locations"),
    )
    # VND. The sources add up to the total when both are given
    # (``dieuphoi.core.money.total_of_sources``).
    total_investment = models.DecimalField(
        _("total investment (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    capital_central = models.DecimalField(
        _("central budget (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    capital_city = models.DecimalField(
        _("city budget (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    capital_provinces = models.DecimalField(
        _("provinces' budgets (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    capital_other = models.DecimalField(
        _("other sources (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    decision_documents = models.ManyToManyField(
        "docs.Document",
        blank=True,
        related_name="key_projects",
        verbose_name=_("decision documents"),
    )
    # Tasks of the body that serve the project.
    tasks = models.ManyToManyField(
        "tasks.Task",
        blank=True,
        related_name="key_projects",
        verbose_name=_("linked tasks"),
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PREPARING
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
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "code"], name="key_project_code_unique"
            )
        ]
        indexes = [models.Index(fields=["body", "state", "-decided_on", "-id"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("keyprojects:detail", args=[self.pk])

    CAPITAL_FIELDS = (
        "capital_central",
        "capital_city",
        "capital_provinces",
        "capital_other",
    )

    @property
    def has_capital(self) -> bool:
        return any(getattr(self, name) is not None for name in self.CAPITAL_FIELDS)


class Phase(models.Model):
    project = models.ForeignKey(
        KeyProject,
        on_delete=models.CASCADE,
        related_name="phases",
        verbose_name=_("key project"),
    )
    name = models.CharField(_("name"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "order"], name="key_project_phase_order_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    class Status(models.TextChoices):
        # Not reached, planned date still ahead (or today).
        PLANNED = "planned", _("Not yet due")
        DONE = "done", _("Done on time")
        DONE_LATE = "done_late", _("Done late")
        LATE = "late", _("Late")

    project = models.ForeignKey(
        KeyProject,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("key project"),
    )
    phase = models.ForeignKey(
        Phase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
        verbose_name=_("phase"),
    )
    name = models.CharField(_("name"), max_length=300)
    planned_on = models.DateField(_("planned date"))
    actual_on = models.DateField(_("actual date"), null=True, blank=True)
    responsible_agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="key_project_milestones",
        verbose_name=_("responsible agency"),
    )
    urge_count = models.PositiveIntegerField(_("urgings"), default=0)
    note = models.TextField(
        _("note"), blank=True, validators=[MaxLengthValidator(NOTE_MAX)]
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
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_on", "id"]
        indexes = [
            # The open milestones the reminder ladder reads every day.
            models.Index(
                fields=["planned_on"],
                condition=models.Q(actual_on__isnull=True),
                name="milestone_open_planned",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def status_on(self, on: datetime.date) -> str:
        if self.actual_on is None:
            return self.Status.LATE if self.planned_on < on else self.Status.PLANNED
        if self.actual_on > self.planned_on:
            return self.Status.DONE_LATE
        return self.Status.DONE

    @property
    def status(self) -> str:
        return self.status_on(local_today())

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.actual_on is None
