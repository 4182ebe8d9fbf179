import unicodedata

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def fold(text: str) -> str:
    """Case-folded NFC text with single spaces: the form searches compare."""
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def strip_diacritics(text: str) -> str:
    """Drop diacritics, "Đầu tư" -> "Dau tu": how people type without accents."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    )


class DocumentType(models.Model):
    """Decree 30/2020 Appendix III types; Công văn has no abbreviation."""

    key = models.SlugField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    abbreviation = models.CharField(_("abbreviation"), max_length=10, blank=True)
    is_normative = models.BooleanField(_("normative"), default=False)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "in", _("Incoming")
        OUTGOING = "out", _("Outgoing")
        INTERNAL = "internal", _("Internal")

    # The register the document belongs to; visibility follows the body.
    body = models.ForeignKey(
        "org.Body",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("register of"),
    )
    doc_type = models.ForeignKey(
        DocumentType,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("document type"),
    )
    number = models.CharField(_("number"), max_length=20)
    # Empty only for a Công văn, whose type has no abbreviation (the service
    # checks this).
    symbol = models.CharField(
        _("symbol"), max_length=60, blank=True, help_text=_("For example QĐ-UBND")
    )
    issuer = models.ForeignKey(
        "org.Agency",
        on_delete=models.PROTECT,
        related_name="issued_documents",
        verbose_name=_("issuing agency"),
    )
    signer = models.CharField(_("signer"), max_length=150, blank=True)
    issued_on = models.DateField(_("date"))
    summary = models.CharField(_("summary"), max_length=1000)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.INCOMING,
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
    # Case-folded reference, summary and signer, with and without diacritics,
    # written by the services: SQLite folds case for ASCII only, so this column
    # makes "Đầu tư" and "đầu tư" (and "dau tu") match the same on both
    # databases.
    search_text = models.TextField(editable=False, blank=True, default="")
    attachments = GenericRelation(
        "docs.Attachment",
        content_type_field="target_type",
        object_id_field="target_id",
        verbose_name=_("attachments"),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["body", "-issued_on", "-id"]),
            models.Index(fields=["-issued_on", "-id"], name="docs_document_issued_idx"),
            models.Index(fields=["number"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("docs:detail", args=[self.pk])

    def compute_search_text(self) -> str:
        folded = fold(" | ".join([self.reference, self.summary, self.signer]))
        plain = strip_diacritics(folded)
        return folded if plain == folded else f"{folded}\n{plain}"

    @property
    def reference(self) -> str:
        """Number and symbol as written on the document: "986/QĐ-TTg"."""
        return f"{self.number}/{self.symbol}" if self.symbol else self.number


class AttachmentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def removed(self):
        return self.filter(deleted_at__isnull=False)


class LiveAttachmentManager(models.Manager.from_queryset(AttachmentQuerySet)):
    """Attachments not removed: what every list, download and relation sees."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Attachment(models.Model):
    """A file linked to any item; stored under a generated name.

    Removing a file is a soft delete (``deleted_at``/``deleted_by``): the
    default manager ``objects`` (and so ``GenericRelation``s and prefetches)
    hides it, an administrator may restore it until the daily purge deletes
    it for good (``ATTACHMENT_TRASH_DAYS``, 30 by default). ``all_objects``
    sees removed files too (admin, purge).
    """

    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=150)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("removed by"),
    )

    objects = LiveAttachmentManager()
    all_objects = models.Manager.from_queryset(AttachmentQuerySet)()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(
                fields=["deleted_at"],
                name="docs_attachment_removed_idx",
                condition=models.Q(deleted_at__isnull=False),
            ),
        ]
        # Related managers and deletion cascades see removed files too.
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_removed(self) -> bool:
        return self.deleted_at is not None
