"""Official documents (văn bản hành chính) from draft to sent.

- ``PaperKind``: a kind the team issues (Công văn, Tờ trình, Giấy mời, ...):
  its Decree 30 type, layout and the fixed texts the administrator edits.
- ``IssuingProfile``: how a body signs (header lines, symbol, drafting unit,
  place, titles of its head and deputies).
- ``NumberingRegister`` and ``RegisterCounter``: the body's register(s) of
  outgoing numbers; numbers restart each year.
- ``Paper``: one document in its life cycle (``Paper.State``); ``PaperVersion``
  keeps every draft; ``PaperStep`` records who did what; ``PaperRecipient``
  names the addressees and copies; ``PaperDelivery`` is a recipient's inbox
  row once the paper is sent.

The transition table (who may do what in which state) is in ``workflow.py``;
the writes in ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX = 500


class PaperKind(models.Model):
    """A kind of document and its fixed texts: templates as data."""

    class Layout(models.TextChoices):
        LETTER = "letter", _("Letter (V/v under the number, no title)")
        TITLED = "titled", _("Titled (kind name and subject centred)")

    key = models.SlugField(_("key"), max_length=30, unique=True)
    doc_type = models.ForeignKey(
        "docs.DocumentType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document type"),
    )
    layout = models.CharField(
        _("layout"), max_length=10, choices=Layout.choices, default=Layout.TITLED
    )
    title = models.CharField(
        _("title"),
        max_length=60,
        blank=True,
        help_text=_("Printed in capitals above the subject, e.g. BÁO CÁO."),
    )
    addressed = models.BooleanField(
        _("has Kính gửi"),
        default=False,
        help_text=_("Công văn and Tờ trình name their addressees."),
    )
    closing_text = models.TextField(
        _("closing text"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_("The fixed closing sentence, e.g. of a Giấy mời. Plain text."),
    )
    always_copied = models.TextField(
        _("always copied"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_("Recipients copied on every document of this kind, one per line."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("document kind")
        verbose_name_plural = _("document kinds")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.doc_type.name if self.doc_type_id else self.key

    def copied_lines(self) -> list[str]:
        return [
            line.strip() for line in self.always_copied.splitlines() if line.strip()
        ]


class IssuingProfile(models.Model):
    """How a body signs its documents (Decree 30/2020 header and footer).

    Whether the Hanoi team issues in its own name or through its standing
    agency is not known (domain.md §5), so it is configured here, per body.
    """

    body = models.OneToOneField(
        "org.Body",
        on_delete=models.CASCADE,
        related_name="issuing_profile",
        verbose_name=_("coordination body"),
    )
    governing_body_line = models.CharField(
        _("governing body"),
        max_length=120,
        blank=True,
        help_text=_("Cơ quan chủ quản, in capitals, e.g. UBND THÀNH PHỐ HÀ NỘI."),
    )
    issuer_line = models.CharField(
        _("issuer"),
        max_length=200,
        help_text=_("In capitals; one line per line of the header."),
    )
    issuer_short_name = models.CharField(
        _("issuer in running text"),
        max_length=100,
        help_text=_("How a document names the issuer in its text, e.g. Tổ điều phối."),
    )
    symbol = models.CharField(
        _("symbol"),
        max_length=30,
        blank=True,
        help_text=_("The issuer's abbreviation: 12/BC-TĐP. Empty: the body's symbol."),
    )
    drafting_unit = models.CharField(
        _("drafting unit"),
        max_length=30,
        blank=True,
        help_text=_(
            "Added to the symbol of a Công văn: 12/TĐP-KTĐN (Decree 30, App. I)."
        ),
    )
    # Empty: the standing agency of the body on the document's date.
    issuer_agency = models.ForeignKey(
        "org.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing agency in the register"),
        help_text=_("Empty: the body's standing agency on the date of the document."),
    )
    place = models.CharField(_("place"), max_length=60, default="Hà Nội")
    collective_name = models.CharField(
        _("collective name"),
        max_length=100,
        help_text=_("After TM. in the signature block, e.g. TỔ ĐIỀU PHỐI."),
    )
    head_title = models.CharField(
        _("head's title"), max_length=100, help_text=_("e.g. TỔ TRƯỞNG.")
    )
    deputy_title = models.CharField(
        _("deputy's title"), max_length=100, help_text=_("e.g. PHÓ TỔ TRƯỞNG.")
    )
    recipients = models.TextField(
        _("other recipients"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_(
            "One per line, copied on every document after the addressees "
            "(Như trên) and before the archive line, e.g. Lãnh đạo Tổ điều phối."
        ),
    )
    archive_line = models.CharField(
        _("archive line"),
        max_length=100,
        blank=True,
        help_text=_("Last line of Nơi nhận, e.g. Lưu: VT, TĐP."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("issuing profile")
        verbose_name_plural = _("issuing profiles")

    def __str__(self) -> str:
        return str(self.body)

    @property
    def effective_symbol(self) -> str:
        return self.symbol or self.body.symbol

    def other_recipient_lines(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class NumberingRegister(models.Model):
    """A sequence of outgoing numbers of a body (Decree 30/2020, App. I, II.3:
    one sequence per year; a body may keep separate ones, e.g. for
    decisions). ``kinds`` empty: every kind no other register of the body
    takes."""

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.CASCADE,
        related_name="numbering_registers",
        verbose_name=_("coordination body"),
    )
    name = models.CharField(_("name"), max_length=100)
    kinds = models.ManyToManyField(
        PaperKind, blank=True, related_name="+", verbose_name=_("kinds")
    )

    class Meta:
        verbose_name = _("numbering register")
        verbose_name_plural = _("numbering registers")
        ordering = ["body", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "name"], name="numbering_register_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.body} — {self.name}"


class RegisterCounter(models.Model):
    register = models.ForeignKey(
        NumberingRegister,
        on_delete=models.CASCADE,
        related_name="counters",
        verbose_name=_("numbering register"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("register counter")
        verbose_name_plural = _("register counters")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "year"], name="register_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.year}: {self.last_number}"


class Paper(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Waiting for approval")
        APPROVED = "approved", _("Approved, to be issued")
        ISSUED = "issued", _("Issued, signed copy awaited")
        SIGNED = "signed", _("Signed copy on record")
        SENT = "sent", _("Sent")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Authority(models.TextChoices):
        # Decree 30/2020, App. I, II.7: the signing authority prefixes.
        NONE = "", _("The head signs in own name")
        TM = "TM", _("TM. — on behalf of the collective (the head)")
        KT = "KT", _("KT. — for the head (a deputy)")
        Q = "Q", _("Q. — acting head")
        TL = "TL", _("TL. — by order (head of the office)")
        TUQ = "TUQ", _("TUQ. — by authorisation")

    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="papers",
        verbose_name=_("coordination body"),
    )
    kind = models.ForeignKey(
        PaperKind,
        on_delete=models.PROTECT,
        related_name="papers",
        verbose_name=_("kind"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    authority = models.CharField(
        _("signing authority"),
        max_length=4,
        choices=Authority.choices,
        blank=True,
        default=Authority.TM,
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signer"),
    )
    # TL./TUQ.: the signer's own title (e.g. CHÁNH VĂN PHÒNG).
    signer_title = models.CharField(_("signer's title"), max_length=100, blank=True)
    current = models.ForeignKey(
        "PaperVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("current version"),
    )
    # Set at issue only.
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    symbol = models.CharField(_("symbol"), max_length=60, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    # The year of the number's sequence (numbers restart each year).
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    register = models.ForeignKey(
        NumberingRegister,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("numbering register"),
    )
    document = models.OneToOneField(
        "docs.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paper",
        verbose_name=_("register entry"),
    )
    signed_copy = models.ForeignKey(
        "docs.Attachment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed copy"),
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    # The capability that produced the content (``producers``), and its item.
    producer = models.CharField(_("produced by"), max_length=40, blank=True)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    progress = models.ForeignKey(
        "jobs.JobProgress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic locking: every write checks and bumps it.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("official document")
        verbose_name_plural = _("official documents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["body", "state", "-id"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "year", "number"],
                name="paper_number_unique",
                condition=models.Q(number__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.reference or self.subject[:80]

    def get_absolute_url(self) -> str:
        return reverse("paperwork:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """``05/BC-TĐP`` once issued, else empty."""
        if self.number is None:
            return ""
        return (
            f"{self.number:02d}/{self.symbol}" if self.symbol else f"{self.number:02d}"
        )

    @property
    def subject_line(self) -> str:
        """The trích yếu as printed and registered: ``V/v …`` for a Công văn."""
        if self.kind.layout == PaperKind.Layout.LETTER:
            return f"V/v {self.subject}"
        return self.subject

    @property
    def is_issued(self) -> bool:
        return self.number is not None


class PaperVersion(models.Model):
    """One draft of a paper's content: blocks, annexes and texts, as JSON
    (``content.py``), plus the DOCX and PDF laid out from it once the
    render job has run (or the DOCX the user uploaded)."""

    class Origin(models.TextChoices):
        GENERATED = "generated", _("Generated from the system's data")
        EDITED = "edited", _("Edited in the app")
        UPLOADED = "uploaded", _("Uploaded from Word")
        ISSUED = "issued", _("As issued")

    paper = models.ForeignKey(
        Paper,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("paper"),
    )
    number = models.PositiveIntegerField(_("version"))
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    blocks = models.JSONField(_("body"), default=list)
    annexes = models.JSONField(_("annexes"), default=list)
    docx = models.FileField(_("DOCX"), upload_to="papers/%Y/%m/", blank=True)
    pdf = models.FileField(_("PDF"), upload_to="papers/%Y/%m/", blank=True)
    progress = models.ForeignKey(
        "jobs.JobProgress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
        verbose_name = _("paper version")
        verbose_name_plural = _("paper versions")
        ordering = ["paper", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "number"], name="paper_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} v{self.number}"


class PaperRecipient(models.Model):
    """An addressee (Kính gửi) or a copy (Nơi nhận) of a paper: an agency,
    a body (another province's team) or a line of text."""

    paper = models.ForeignKey(
        Paper,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("paper"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    addressee = models.BooleanField(_("addressee (Kính gửi)"), default=True)
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
    text = models.CharField(_("name as printed"), max_length=300)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["paper", "-addressee", "position", "id"]

    def __str__(self) -> str:
        return self.text


class PaperStep(models.Model):
    """A step of the life cycle: who, when, and what they said."""

    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="steps", verbose_name=_("paper")
    )
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    version_number = models.PositiveIntegerField(_("version"), null=True, blank=True)
    comment = models.TextField(
        _("comment"), blank=True, validators=[MaxLengthValidator(4000)]
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["paper", "at", "id"]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.action}"


class PaperDelivery(models.Model):
    """A sent paper in one person's inbox (who acts for a recipient)."""

    paper = models.ForeignKey(
        Paper,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("paper"),
    )
    recipient = models.ForeignKey(
        PaperRecipient,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="paper_deliveries",
        verbose_name=_("person"),
    )
    delivered_at = models.DateTimeField(_("delivered at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "person"], name="paper_delivery_unique"
            )
        ]
        indexes = [models.Index(fields=["person", "-delivered_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.paper_id} → {self.person_id}"
