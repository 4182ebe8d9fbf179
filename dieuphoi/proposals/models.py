"""Proposals of regional scope and their consultation rounds.

- ``Proposal``: a mechanism, policy, plan, programme, scheme, task or key
  project the team proposes (Decision 4854/QĐ-UBND's first duty), with its
  lead agency, parties, provinces, sectors, budget by source and state
  (``workflow.py`` holds the transition table).
- ``ProposalDraft``: each draft file, kept (a new one never replaces the
  earlier ones), with its text for the diff.
- ``ProposalStep``: who did what, when, and the document that carries it.
- ``ConsultationRound`` (lấy ý kiến): the draft asked about, the parties,
  the deadline, the request letter (``paperwork.Paper``).
- ``RoundParty``: one party asked, its answer and when; silence at the
  close is recorded as "no comment" (silence means agreement).
- ``RoundComment``: one comment of a party on a section of the draft, and
  the lead agency's response to it (the synthesis table's row).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 20, "decimal_places": 0}


class Proposal(models.Model):
    class Kind(models.TextChoices):
        MECHANISM = "mechanism", _("Mechanism")
        POLICY = "policy", _("Policy")
        MASTER_PLAN = "master_plan", _("Plan (quy hoạch)")
        PLAN = "plan", _("Plan (kế hoạch)")
        PROGRAMME = "programme", _("Programme")
        SCHEME = "scheme", _("Scheme (đề án)")
        TASK = "task", _("Task")
        KEY_PROJECT = "key_project", _("Key project")

    class Scope(models.TextChoices):
        # domain.md §1: in two or more provinces, or in one while affecting
        # another.
        REGIONAL_SCALE = "regional_scale", _("Regional scale")
        REGIONAL_LINKAGE = "regional_linkage", _("Regional linkage")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONSULTATION = "consultation", _("In consultation")
        TEAM_REVIEW = "team_review", _("Under team review")
        SUBMITTED = "submitted", _("Submitted to the Chairman")
        APPROVED = "approved", _("Approved")
        APPROVED_CHANGES = "approved_changes", _("Approved with changes")
        REJECTED = "rejected", _("Rejected")
        FORWARDED = "forwarded", _("Forwarded to the Council")
        ADOPTED = "adopted", _("Adopted")
        IMPLEMENTATION = "implementation", _("In implementation")

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("coordination body"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("proposal", "title"), max_length=500)
    summary = models.TextField(
        _("summary"), blank=True, validators=[MaxLengthValidator(10_000)]
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    proposed_on = models.DateField(_("date proposed"))
    lead_agency = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead agency"),
    )
    cooperating_agencies = models.ManyToManyField(
        "org.Agency",
        blank=True,
        related_name="cooperating_proposals",
        verbose_name=_("co-operating agencies"),
    )
    # Dated units, as of ``proposed_on`` (a proposal of 2024 keeps Bắc Giang).
    provinces = models.ManyToManyField(
        "org.AdministrativeUnit",
        blank=True,
        related_name="proposals",
        verbose_name=_("provinces concerned"),
    )
    sectors = models.ManyToManyField(
        "tasks.Sector", blank=True, related_name="proposals", verbose_name=_("sectors")
    )
    basis_documents = models.ManyToManyField(
        "docs.Document",
        blank=True,
        related_name="proposals",
        verbose_name=_("basis documents"),
    )
    # Estimated budget in VND, by source; the total is their sum.
    budget_central = models.DecimalField(
        _("central budget (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    budget_city = models.DecimalField(
        _("city budget (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    budget_provinces = models.DecimalField(
        _("provinces' budgets (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    budget_other = models.DecimalField(
        _("ODA and other sources (VND)"), null=True, blank=True, **MONEY,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    starts_on = models.DateField(_("expected start"), null=True, blank=True)
    ends_on = models.DateField(_("expected end"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT
    )
    # Set by the Chairman's decision; whether it goes to the Council.
    beyond_city = models.BooleanField(
        _("beyond the city's competence"),
        default=False,
        help_text=_("Then it is forwarded to the Capital Region Coordination Council."),
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
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-proposed_on", "-id"]
        indexes = [models.Index(fields=["body", "state", "-proposed_on", "-id"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.pk])

    @property
    def budget_total(self) -> Decimal | None:
        parts = [
            self.budget_central,
            self.budget_city,
            self.budget_provinces,
            self.budget_other,
        ]
        if all(p is None for p in parts):
            return None
        return sum((p or Decimal(0) for p in parts), Decimal(0))


class ProposalDraft(models.Model):
    """A draft of the proposal's text, kept for good (DOCX or PDF)."""

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="drafts",
        verbose_name=_("proposal"),
    )
    number = models.PositiveIntegerField(_("draft"))
    attachment = models.ForeignKey(
        "docs.Attachment",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("file"),
    )
    # The text of a DOCX draft (paragraphs, in order), for the diff; empty
    # for a PDF.
    text = models.TextField(editable=False, blank=True, default="")
    # The numbered headings of the draft, that comments refer to.
    sections = models.JSONField(default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal draft")
        verbose_name_plural = _("proposal drafts")
        ordering = ["proposal", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "number"], name="proposal_draft_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} d{self.number}"


class ProposalStep(models.Model):
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("proposal"),
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    # The document that carries the step (the Tờ trình, the decision).
    document = models.ForeignKey(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document"),
    )
    paper = models.ForeignKey(
        "paperwork.Paper",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("official document"),
    )
    comment = models.TextField(
        _("comment"), blank=True, validators=[MaxLengthValidator(4000)]
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal step")
        verbose_name_plural = _("proposal steps")
        ordering = ["proposal", "at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.action}"


class ConsultationRound(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        related_name="rounds",
        verbose_name=_("proposal"),
    )
    number = models.PositiveIntegerField(_("round"))
    draft = models.ForeignKey(
        ProposalDraft,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("draft asked about"),
    )
    opened_on = models.DateField(_("opened on"))
    working_days = models.PositiveSmallIntegerField(_("working days to answer"))
    deadline = models.DateField(_("deadline"))
    questions = models.TextField(
        _("questions"), blank=True, validators=[MaxLengthValidator(10_000)]
    )
    # The Công văn xin ý kiến, through the documents engine.
    request_paper = models.OneToOneField(
        "paperwork.Paper",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation_round",
        verbose_name=_("request letter"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("consultation round")
        verbose_name_plural = _("consultation rounds")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "number"], name="consultation_round_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal} — {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("proposals:round", args=[self.pk])


class RoundParty(models.Model):
    """A party asked in a round: a Hanoi agency, a ministry, another
    province's team or agency."""

    class Answer(models.TextChoices):
        AGREE = "agree", _("Agrees")
        AGREE_COMMENTS = "agree_comments", _("Agrees, with comments")
        DISAGREE = "disagree", _("Disagrees")
        # Recorded at the close for a party that did not answer.
        SILENT = "silent", _("No comment (did not answer)")

    round = models.ForeignKey(
        ConsultationRound,
        on_delete=models.CASCADE,
        related_name="parties",
        verbose_name=_("round"),
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
    answer = models.CharField(
        _("answer"), max_length=20, choices=Answer.choices, blank=True
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    late = models.BooleanField(_("answered late"), default=False)
    urge_count = models.PositiveIntegerField(_("urgings"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("party asked")
        verbose_name_plural = _("parties asked")
        ordering = ["round", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False, party_body__isnull=True)
                | models.Q(agency__isnull=True, party_body__isnull=False),
                name="round_party_one_of",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def answered(self) -> bool:
        return bool(self.answer) and self.answer != self.Answer.SILENT


class RoundComment(models.Model):
    """One comment on a section of the draft, and the lead's response."""

    class Response(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted (tiếp thu)")
        PARTLY = "partly", _("Partly accepted (tiếp thu một phần)")
        EXPLAINED = "explained", _("Explained (giải trình)")

    party = models.ForeignKey(
        RoundParty,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("party"),
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    section = models.CharField(_("section of the draft"), max_length=300, blank=True)
    text = models.TextField(_("comment"), validators=[MaxLengthValidator(10_000)])
    response = models.CharField(
        _("response"), max_length=10, choices=Response.choices, blank=True
    )
    response_text = models.TextField(
        _("response text"), blank=True, validators=[MaxLengthValidator(10_000)]
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("comment of a round")
        verbose_name_plural = _("comments of rounds")
        ordering = ["party", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]
