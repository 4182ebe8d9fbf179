"""Writes to the documents register and to attachments.

Every function validates, writes in one transaction and records an audit
event in that transaction. Callers check permissions first
(``dieuphoi.docs.permissions``); the services check the data.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
import uuid
import zipfile
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import ProtectedError
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.services import audit_record, diff
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body

from .models import Attachment, Document, DocumentType
from .permissions import is_attachment_target

# --- documents --------------------------------------------------------------

# "986", "06", "202": digits only; the year of normative documents belongs to
# the symbol ("24" + "2025/QĐ-UBND").
NUMBER_RE = re.compile(r"^\d{1,10}$")
# "QĐ-TTg", "2025/QĐ-UBND", "VPCP-KTTH": letters (with diacritics), digits
# and - / . & joined without spaces, starting with a letter or digit.
SYMBOL_RE = re.compile(r"^[^\W_][\w./&-]*$")
# The first state documents of the Democratic Republic of Vietnam; an
# earlier date is a typing error ("0202" for "2022").
EARLIEST_ISSUED_ON = datetime.date(1945, 9, 2)
SUMMARY_MAX = 1000

UPDATABLE_FIELDS = (
    "doc_type",
    "number",
    "symbol",
    "issuer",
    "signer",
    "issued_on",
    "summary",
    "direction",
)
# Control characters other than tab and newline never belong in a summary.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean_text(value: Any, *, multiline: bool = False) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n"))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def _short_date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _document_state(document: Document) -> dict[str, Any]:
    """What the audit trail records; related rows by id and display text."""

    def related(obj: models.Model | None) -> dict[str, Any] | None:
        return None if obj is None else {"id": obj.pk, "repr": str(obj)[:200]}

    return {
        "doc_type": related(document.doc_type),
        "number": document.number,
        "symbol": document.symbol,
        "issuer": related(document.issuer),
        "signer": document.signer,
        "issued_on": document.issued_on.isoformat()
        if isinstance(document.issued_on, datetime.date)
        else document.issued_on,
        "summary": document.summary,
        "direction": document.direction,
    }


def _validate_document(document: Document) -> None:
    """Domain checks plus ``full_clean``; raises one ValidationError with every field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if document.number and not NUMBER_RE.match(document.number):
        add("number", gettext("The number must be digits only, for example 986 or 06."))

    doc_type: DocumentType | None = document.doc_type if document.doc_type_id else None
    if document.symbol:
        if len(document.symbol) <= 60 and not SYMBOL_RE.match(document.symbol):
            add(
                "symbol",
                gettext(
                    "The symbol may contain letters, digits and - / . only, "
                    "without spaces, for example QĐ-TTg."
                ),
            )
    elif doc_type is not None and doc_type.abbreviation:
        add(
            "symbol",
            gettext("A %(type)s needs a symbol, for example %(abbr)s-UBND.")
            % {"type": doc_type.name, "abbr": doc_type.abbreviation},
        )

    issued_on = document.issued_on
    if issued_on is not None and not isinstance(issued_on, datetime.date):
        add("issued_on", gettext("Enter a valid date."))
        issued_on = None
    elif isinstance(issued_on, datetime.datetime):
        issued_on = issued_on.date()
        document.issued_on = issued_on
    if issued_on is not None:
        today = local_today()
        if issued_on > today:
            add(
                "issued_on",
                gettext("The date cannot be after today (%(today)s).")
                % {"today": _short_date(today)},
            )
        elif issued_on < EARLIEST_ISSUED_ON:
            add(
                "issued_on",
                gettext("The date cannot be before %(date)s.")
                % {"date": _short_date(EARLIEST_ISSUED_ON)},
            )

    issuer: Agency | None = document.issuer if document.issuer_id else None
    if (
        issuer is not None
        and issued_on is not None
        and "issued_on" not in errors
        and not issuer.is_valid_on(issued_on)
    ):
        until = _short_date(issuer.valid_to) if issuer.valid_to else "…"
        add(
            "issuer",
            gettext(
                "%(agency)s did not exist on %(date)s "
                "(it existed from %(start)s to %(end)s)."
            )
            % {
                "agency": str(issuer),
                "date": _short_date(issued_on),
                "start": _short_date(issuer.valid_from),
                "end": until,
            },
        )

    if len(document.summary) > SUMMARY_MAX:
        add(
            "summary",
            gettext(
                "The summary can have at most %(max)d characters (it has %(count)d)."
            )
            % {"max": SUMMARY_MAX, "count": len(document.summary)},
        )

    # Field formats, lengths, choices and required fields.
    try:
        document.full_clean(exclude=[*errors, "search_text"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)

    if not errors and issued_on is not None:
        duplicate = (
            Document.objects.filter(
                body_id=document.body_id,
                number=document.number,
                symbol=document.symbol,
                issued_on__year=issued_on.year,
            )
            .exclude(pk=document.pk)
            .exists()
        )
        if duplicate:
            add(
                "number",
                gettext(
                    "Document %(reference)s of %(year)d is already in this register."
                )
                % {"reference": document.reference, "year": issued_on.year},
            )

    if errors:
        raise ValidationError(errors)


def _lock_register(body_id: int) -> None:
    """Serialise writes to one body's register, so the duplicate check holds.

    A row lock on PostgreSQL; SQLite's IMMEDIATE transactions already
    serialise writers.
    """
    list(
        Body.objects.select_for_update().filter(pk=body_id).values_list("pk", flat=True)
    )


def document_register(
    *,
    actor,
    body: Body,
    doc_type: DocumentType,
    number: str,
    symbol: str,
    issuer: Agency,
    signer: str = "",
    issued_on: datetime.date,
    summary: str,
    direction: str = Document.Direction.INCOMING,
) -> Document:
    """Add a document to ``body``'s register.

    Raises ``ValidationError`` keyed by field: number format, missing symbol
    for types with an abbreviation, a date in the future, an issuer that did
    not exist on the date, a summary over 1000 characters, and the same
    number/symbol already registered in the body for that year.
    """
    document = Document(
        body=body,
        doc_type=doc_type,
        number=_clean_text(number),
        symbol=_clean_text(symbol),
        issuer=issuer,
        signer=_clean_text(signer),
        issued_on=issued_on,
        summary=_clean_text(summary, multiline=True),
        direction=direction,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    with transaction.atomic():
        if body is not None and body.pk is not None:
            _lock_register(body.pk)
        _validate_document(document)
        document.search_text = document.compute_search_text()
        document.save()
        audit_record(
            actor=actor,
            action="docs.register",
            target=document,
            changes={
                key: {"before": None, "after": value}
                for key, value in _document_state(document).items()
                if value not in (None, "")
            },
        )
    return document


def document_update(
    *, actor, document: Document, version: int, **fields: Any
) -> Document:
    """Change a document's fields, if nobody changed it since ``version``.

    Raises ``Conflict`` (HTTP 409) on a stale version, ``ValidationError``
    like ``document_register``, ``TypeError`` on a field that cannot change
    (the register a document belongs to cannot). Returns the saved document
    with its new version; without any real change nothing is written.
    """
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"document_update() cannot change {sorted(unknown)}")

    with transaction.atomic():
        current = (
            Document.objects.select_for_update(of=("self",))
            .select_related("body", "doc_type", "issuer", "created_by")
            .get(pk=document.pk)
        )
        if current.version != version:
            raise Conflict(
                gettext("Someone else changed this document after you opened it."),
                current_version=current.version,
            )
        before = _document_state(current)
        for name, value in fields.items():
            if name == "summary":
                value = _clean_text(value, multiline=True)
            elif name in ("number", "symbol", "signer"):
                value = _clean_text(value)
            setattr(current, name, value)
        after = _document_state(current)
        changes = diff(before, after)
        if not changes:
            return current
        if {"number", "symbol", "issued_on"} & set(changes):
            _lock_register(current.body_id)
        _validate_document(current)
        current.version += 1
        current.search_text = current.compute_search_text()
        current.save()
        audit_record(actor=actor, action="docs.update", target=current, changes=changes)
    return current


# --- attachments ------------------------------------------------------------


class _Kind:
    def __init__(self, label: str, mime: str, extension: str, extensions: set[str]):
        self.label = label
        self.mime = mime
        self.extension = extension  # the one the stored file gets
        self.extensions = extensions  # what the user's file name may say


KINDS: dict[str, _Kind] = {
    "pdf": _Kind("PDF", "application/pdf", "pdf", {"pdf"}),
    "docx": _Kind(
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        {"docx"},
    ),
    "xlsx": _Kind(
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        {"xlsx"},
    ),
    "doc": _Kind("DOC", "application/msword", "doc", {"doc"}),
    "xls": _Kind("XLS", "application/vnd.ms-excel", "xls", {"xls"}),
    "png": _Kind("PNG", "image/png", "png", {"png"}),
    "jpeg": _Kind("JPEG", "image/jpeg", "jpg", {"jpg", "jpeg"}),
    "gif": _Kind("GIF", "image/gif", "gif", {"gif"}),
    "webp": _Kind("WEBP", "image/webp", "webp", {"webp"}),
}
EXTENSION_KIND = {ext: key for key, kind in KINDS.items() for ext in kind.extensions}
ACCEPTED_EXTENSIONS = sorted(EXTENSION_KIND)
ACCEPTED_LABEL = "PDF, DOC, DOCX, XLS, XLSX, PNG, JPEG, GIF, WEBP"

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 8192
# OLE2 directory entries name their streams in UTF-16LE, NUL-terminated:
# Word 97-2003 files have "WordDocument", Excel ones "Workbook" (or "Book"
# for Excel 5). An MSI installer is OLE2 too, and has neither.
OLE2_STREAMS = {
    "doc": ["WordDocument".encode("utf-16-le") + b"\x00\x00"],
    "xls": [
        "Workbook".encode("utf-16-le") + b"\x00\x00",
        "Book".encode("utf-16-le") + b"\x00\x00",
    ],
}
_OLE2_OVERLAP = max(len(m) for ms in OLE2_STREAMS.values() for m in ms)

_UNSAFE_NAME_RE = re.compile(r"[\x00-\x1f\x7f-\x9f<>:\"|?*]")


def sanitize_filename(name: str, *, max_length: int = 255) -> str:
    """The user's file name made safe to display and to send back.

    Path parts ("../../etc/passwd", "C:\\Users\\x\\a.pdf") and control
    characters go; Vietnamese is kept (NFC); the name keeps its extension
    when cut to ``max_length``. Never used as a storage path.
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE_NAME_RE.sub("", text)
    text = " ".join(text.split()).strip(" .")
    if len(text) > max_length:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: max_length - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:max_length]
    return text


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _sniff(
    head: bytes, uploaded_file: UploadedFile, ole_streams: set[str]
) -> str | None:
    """The kind the bytes say, or ``None`` when it is not one we accept."""
    import filetype

    if head.startswith(OLE2_MAGIC):
        # filetype only recognises some OLE2 layouts; the stream names decide.
        if "doc" in ole_streams:
            return "doc"
        if "xls" in ole_streams:
            return "xls"
        return None
    if head.startswith(ZIP_MAGIC):
        # DOCX/XLSX are ZIP packages; read the directory (not the contents, so
        # a zip bomb costs nothing) rather than trust the first entries.
        try:
            uploaded_file.seek(0)
            with zipfile.ZipFile(uploaded_file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return "macro"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    guessed = filetype.guess(bytes(head))
    if guessed is None:
        return None
    return {
        "application/pdf": "pdf",
        "image/png": "png",
        "image/jpeg": "jpeg",
        "image/gif": "gif",
        "image/webp": "webp",
    }.get(guessed.mime)


def _read_upload(
    uploaded_file: UploadedFile, max_bytes: int
) -> tuple[bytes, int, str, set[str]]:
    """``(head, size, sha256, OLE2 stream kinds)`` in one streaming pass."""
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES) or b""
    uploaded_file.seek(0)
    is_ole = head.startswith(OLE2_MAGIC)
    hasher = hashlib.sha256()
    size = 0
    found: set[str] = set()
    tail = b""
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        hasher.update(chunk)
        if is_ole:
            window = tail + chunk
            for kind, markers in OLE2_STREAMS.items():
                if kind not in found and any(m in window for m in markers):
                    found.add(kind)
            tail = window[-_OLE2_OVERLAP:]
    return head, size, hasher.hexdigest(), found


def _too_large(max_bytes: int) -> ValidationError:
    return _file_error(
        gettext("The file is too large: the limit is %(limit)s.")
        % {"limit": filesizeformat(max_bytes)}
    )


def attachment_add(
    *, actor, target: models.Model, uploaded_file: UploadedFile
) -> Attachment:
    """Store ``uploaded_file`` and attach it to ``target``.

    The type is sniffed from the bytes (PDF, DOC, DOCX, XLS, XLSX, PNG,
    JPEG, GIF, WEBP) and must agree with the file name's extension; the file
    is stored under a generated name; the user's name is kept, cleaned, for
    display only. Raises ``ValidationError`` on "file" for a file too large,
    empty, of another type or misnamed. If the database write fails the
    stored file is deleted. (Called inside a caller's transaction that later
    rolls back, the file would stay behind unreferenced.)
    """
    if not is_attachment_target(type(target)):
        raise TypeError(
            f"{type(target).__name__} is not a registered attachment target"
        )
    max_bytes = int(getattr(settings, "ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))

    if uploaded_file is None:
        raise _file_error(gettext("Choose a file to upload."))
    if uploaded_file.size is not None and uploaded_file.size > max_bytes:
        raise _too_large(max_bytes)
    original_name = sanitize_filename(uploaded_file.name or "")
    extension = _extension(original_name)
    if extension not in EXTENSION_KIND:
        raise _file_error(
            gettext("Only these file types are accepted: %(types)s.")
            % {"types": ACCEPTED_LABEL}
        )

    head, size, sha256, ole_streams = _read_upload(uploaded_file, max_bytes)
    if size == 0:
        raise _file_error(gettext("The file is empty."))
    kind_key = _sniff(head, uploaded_file, ole_streams)
    if kind_key == "macro":
        raise _file_error(gettext("Documents with macros are not accepted."))
    if kind_key is None:
        raise _file_error(
            gettext(
                "The content of this file is not one of the accepted types "
                "(%(types)s), whatever its name says."
            )
            % {"types": ACCEPTED_LABEL}
        )
    kind = KINDS[kind_key]
    if EXTENSION_KIND[extension] != kind_key:
        raise _file_error(
            gettext("The file's content is %(actual)s but its name ends in .%(ext)s.")
            % {"actual": kind.label, "ext": extension}
        )

    attachment = Attachment(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=target.pk,
        original_name=original_name,
        size=size,
        sha256=sha256,
        content_type=kind.mime,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    uploaded_file.seek(0)
    attachment.file.save(
        f"{uuid.uuid4().hex}.{kind.extension}", uploaded_file, save=False
    )
    stored_name = attachment.file.name
    storage = attachment.file.storage
    try:
        with transaction.atomic():
            attachment.full_clean()
            attachment.save()
            audit_record(
                actor=actor,
                action="docs.attachment_add",
                target=target,
                changes={"attachments": {"before": None, "after": original_name}},
            )
    except BaseException:
        storage.delete(stored_name)
        raise
    return attachment


def trash_days() -> int:
    """Days a removed file stays restorable before the purge deletes it."""
    return int(getattr(settings, "ATTACHMENT_TRASH_DAYS", 30))


def attachment_remove(*, actor, attachment: Attachment) -> Attachment:
    """Remove the attachment: a soft delete, audited on its target.

    The row and the stored file stay, hidden from every list and download,
    until ``attachment_purge`` deletes them ``trash_days()`` later; an
    administrator may ``attachment_restore`` it until then. Callers check
    ``permissions.can_remove_attachment`` first; this refuses (``ValueError``)
    a file already removed.
    """
    target = attachment.target
    with transaction.atomic():
        # Only a live row changes: two removals at once write one event.
        updated = Attachment.objects.filter(pk=attachment.pk).update(
            deleted_at=timezone.now(),
            deleted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if not updated:
            raise ValueError("This attachment is already removed.")
        attachment.refresh_from_db(fields=["deleted_at", "deleted_by"])
        if target is not None:
            audit_record(
                actor=actor,
                action="docs.attachment_remove",
                target=target,
                changes={
                    "attachments": {"before": attachment.original_name, "after": None}
                },
            )
    return attachment


def attachment_restore(*, actor, attachment: Attachment) -> Attachment:
    """Bring back a removed attachment (administrators, before the purge).

    Raises ``ValidationError`` when it is not removed or its stored file is
    gone. Audited on the target as ``docs.attachment_restore``.
    """
    with transaction.atomic():
        current = (
            Attachment.all_objects.select_for_update()
            .select_related("target_type")
            .filter(pk=attachment.pk)
            .first()
        )
        if current is None or current.deleted_at is None:
            raise ValidationError(gettext("This file is not removed."))
        if not current.file.storage.exists(current.file.name):
            raise ValidationError(
                gettext("The stored file is gone; it cannot be restored.")
            )
        current.deleted_at = None
        current.deleted_by = None
        current.save(update_fields=["deleted_at", "deleted_by"])
        target = current.target
        if target is not None:
            audit_record(
                actor=actor,
                action="docs.attachment_restore",
                target=target,
                changes={
                    "attachments": {"before": None, "after": current.original_name}
                },
            )
    return current


def _purge_one(pk: int, cutoff: datetime.datetime) -> int:
    with transaction.atomic():
        attachment = (
            Attachment.all_objects.select_for_update()
            .select_related("target_type")
            .filter(pk=pk, deleted_at__lt=cutoff)
            .first()
        )
        if attachment is None:
            return 0
        target = attachment.target
        storage, stored_name = attachment.file.storage, attachment.file.name
        original_name = attachment.original_name
        attachment.delete()
        if target is not None:
            audit_record(
                actor=None,
                action="docs.attachment_purge",
                target=target,
                changes={"attachments": {"before": original_name, "after": None}},
            )
        transaction.on_commit(lambda: storage.delete(stored_name))
    return 1


def attachment_purge(*, day: datetime.date, limit: int = 1000) -> int:
    """Delete for good the files removed before ``day - trash_days()``.

    ``day`` is the local day the purge works for (the scheduler's day, never
    the clock). Each row is deleted in its own transaction, audited on its
    target as ``docs.attachment_purge`` (actor: the system), and its stored
    file goes once that commits. Idempotent; at most ``limit`` rows per run
    (the next day takes the rest). Returns the number of rows deleted.
    """
    cutoff = timezone.make_aware(
        datetime.datetime.combine(
            day - datetime.timedelta(days=trash_days()), datetime.time.min
        )
    )
    ids = list(
        Attachment.all_objects.removed()
        .filter(deleted_at__lt=cutoff)
        .order_by("deleted_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    purged = 0
    for pk in ids:
        try:
            purged += _purge_one(pk, cutoff)
        except ProtectedError:
            # Still referenced (a paper's signed copy): keep it, log nothing.
            continue
    return purged


ACTION_LABELS = {
    "docs.register": _("Registered the document"),
    "docs.update": _("Updated the document"),
    "docs.attachment_add": _("Attached a file"),
    "docs.attachment_remove": _("Removed an attached file"),
    "docs.attachment_restore": _("Restored a removed file"),
    "docs.attachment_purge": _("Deleted a removed file for good"),
}
