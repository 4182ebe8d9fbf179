"""Periodic reports to the city People's Committee and its Chairman.

- ``SectionTemplate``: the headings member agencies are asked to fill for a
  report type (templates as data, edited in the admin): ``headings`` is a
  list of ``{"key", "title", "required", "hint"}``.
- ``Report``: one report of a body for a period (``periods``): its window
  (``start`` → ``end``, the cut-off), the submission ``deadline``, the
  compiled ``figures`` (``figures.compile_figures``: JSON, with the date they
  are as of and the rules they were counted by), the editable difficulties
  and recommendations, and the ``paper`` that carries it through review,
  approval, numbering and sending (``paperwork``). The figures are frozen
  (``frozen_at``) when the paper is approved. A correction is a new report
  that ``replaces`` the old one.
- ``ContributionRequest``: the secretariat's request for sections, with the
  headings (copied from the template when asked) and a deadline.
- ``Contribution``: one party asked (a member agency, or another province's
  team for a joint report), its sections (``{heading key: text}``, where a
  run of tab- or ``|``-separated lines is a table: ``sections.py``), draft
  or submitted once, late or not, and its urgings (the reminder ladder).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .periods import PeriodType


class SectionTemplate(models.Model):
    period_type = models.CharField(
        _("period type"),
        max_length=20,
        choices=PeriodType.choices,
        blank=True,
        help_text=_("Blank: every type without a template of its own."),
    )
    name = models.CharField(_("name"), max_length=200)
    headings = models.JSONField(_("headings"), default=list)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("section template")
        verbose_name_plural = _("section templates")
        ordering = ["period_type", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    class State(models.TextChoices):
        # Collecting contributions and compiling; the paper, if any, is a draft.
        DRAFT = "draft", _("Being prepared")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Issued")
        SENT = "sent", _("Sent")
        REPLACED = "replaced", _("Replaced by a correction")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("coordination body"),
    )
    period_type = models.CharField(
        _("period type"), max_length=20, choices=PeriodType.choices
    )
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("period number"), default=0)
    start = models.DateField(_("from"))
    end = models.DateField(_("cut-off date"))
    deadline = models.DateField(_("submission deadline"))
    title = models.CharField(_("title"), max_length=300)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT
    )
    figures = models.JSONField(_("figures"), null=True, blank=True)
    compiled_at = models.DateTimeField(_("compiled at"), null=True, blank=True)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("compiled by"),
    )
    frozen_at = models.DateTimeField(_("figures frozen at"), null=True, blank=True)
    difficulties = models.TextField(_("difficulties and obstacles"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    paper = models.ForeignKey(
        "paperwork.Paper",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("document"),
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-end", "-id"]
        indexes = [models.Index(fields=["body", "-end", "-id"], name="report_body_end")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="report_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def period(self):
        from .periods import Period

        return Period(
            self.period_type,
            self.year,
            self.number,
            self.start,
            self.end,
            self.deadline,
        )


class ContributionRequest(models.Model):
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="requests",
        verbose_name=_("report"),
    )
    headings = models.JSONField(_("headings"), default=list)
    deadline = models.DateField(_("deadline"))
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("asked by"),
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contribution request")
        verbose_name_plural = _("contribution requests")
        ordering = ["report", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report} ({self.deadline:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.report_id]) + "#contributions"


class Contribution(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Not started")
        DRAFT = "draft", _("Draft saved")
        SUBMITTED = "submitted", pgettext_lazy("contribution", "Submitted")

    request = models.ForeignKey(
        ContributionRequest,
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("request"),
    )
    agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agency"),
    )
    party_body = models.ForeignKey(
        "org.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("coordination body"),
    )
    name = models.CharField(_("party"), max_length=300)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    sections = models.JSONField(_("sections"), default=dict)
    saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    late = models.BooleanField(_("submitted late"), default=False)
    urge_count = models.PositiveIntegerField(_("urgings"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["request", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False, party_body__isnull=True)
                | models.Q(agency__isnull=True, party_body__isnull=False),
                name="contribution_one_party",
            ),
            models.UniqueConstraint(
                fields=["request", "agency"], name="contribution_agency_once"
            ),
            models.UniqueConstraint(
                fields=["request", "party_body"], name="contribution_body_once"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "state"], name="contribution_agency"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:contribution", args=[self.pk])
