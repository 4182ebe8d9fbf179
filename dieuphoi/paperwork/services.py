"""Writes of the documents engine: a paper from draft to sent.

Public names:

- ``paper_create(*, actor, body, kind, subject, blocks, annexes=(),
  recipients=(), authority, signer, signer_title="", producer="",
  source=None, origin="generated", closing=True) -> Paper``
- ``paper_update(*, actor, paper, version, **fields) -> Paper``: texts,
  body, recipients, signer (a new version when the content changes).
- ``paper_upload_docx(*, actor, paper, version, uploaded_file) -> Paper``
- ``paper_submit``, ``paper_return``, ``paper_approve``, ``paper_withdraw``
  (``*, actor, paper, version, comment``)
- ``paper_issue_request(*, actor, paper, version) -> Paper``: queues the
  issue job; ``paper_issue(*, actor, paper_id, on, progress_id)`` is what
  it runs: the number is taken, the files laid out, the register entry
  written and the paper marked issued in ONE transaction, so a failure
  keeps no number and leaves no gap.
- ``paper_sign(*, actor, paper, version, uploaded_file)``: the signed PDF.
- ``paper_send(*, actor, paper, version)``: inbox rows and notifications.
- ``paper_correct(*, actor, paper) -> Paper``: a new draft replacing it.
- ``number_allocate(*, register, year, symbol) -> int``.

Each checks the transition table (``workflow``), the version (optimistic
locking: ``Conflict`` on a stale one) and the input, raising
``ValidationError`` keyed by field before anything is written; each writes
in one transaction with its audit event and a ``PaperStep``.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Document
from dieuphoi.docs.services import attachment_add
from dieuphoi.jobs.progress import enqueue_with_progress, job_progress_update
from dieuphoi.org.models import Agency, Body, BodyAgency
from dieuphoi.org.permissions import roles_in

from . import compose as composer
from . import content as c
from . import producers, workflow
from .models import (
    IssuingProfile,
    NumberingRegister,
    Paper,
    PaperDelivery,
    PaperKind,
    PaperRecipient,
    PaperStep,
    PaperVersion,
    RegisterCounter,
)
from .producers import get_producer

logger = logging.getLogger(__name__)

ACTION_LABELS = {
    "paperwork.create": _("Drafted the document"),
    "paperwork.update": _("Edited the draft"),
    "paperwork.upload": _("Uploaded a draft from Word"),
    "paperwork.submit": _("Submitted the document for approval"),
    "paperwork.return": _("Returned the document for changes"),
    "paperwork.approve": _("Approved the document"),
    "paperwork.issue": _("Issued the document"),
    "paperwork.sign": _("Filed the signed copy"),
    "paperwork.send": _("Sent the document"),
    "paperwork.withdraw": _("Withdrew the draft"),
    "paperwork.correct": _("Started a correction of the document"),
}
CHANGE_LABELS = {
    "subject": _("subject"),
    "state": _("state"),
    "number": _("number"),
    "signer": _("signer"),
    "authority": _("signing authority"),
    "version": _("version"),
}

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BLOCKS_MAX = 2000
TEXT_MAX = 20_000
CELLS_MAX = 200_000


def clean_text(value: Any, *, multiline: bool = False, limit: int = TEXT_MAX) -> str:
    """NFC, no control characters (no NUL), one line unless ``multiline``."""
    text = unicodedata.normalize("NFC", str(value or ""))
    # Lone surrogates cannot be stored or encoded: drop them.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()[: limit + 1]


# --- input ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientInput:
    """An addressee or a copy: an agency, a body, or text alone."""

    text: str = ""
    agency: Agency | None = None
    party_body: Body | None = None
    addressee: bool = True


def _clean_blocks(blocks: Any, field: str = "blocks") -> list[dict]:
    """The body as stored JSON, validated and cleaned; ValidationError on bad."""
    if isinstance(blocks, (list, tuple)) and all(
        isinstance(b, (c.Paragraph, c.Heading, c.Table)) for b in blocks
    ):
        blocks = c.blocks_to_json(blocks)
    try:
        parsed = c.blocks_from_json(blocks)
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(
            {field: [gettext("The body of the document is not valid.")]}
        ) from None
    if len(parsed) > BLOCKS_MAX:
        raise ValidationError(
            {
                field: [
                    gettext("A document has at most %(n)d parts.") % {"n": BLOCKS_MAX}
                ]
            }
        )
    cells = 0
    cleaned: list[c.Block] = []
    for block in parsed:
        if isinstance(block, c.Table):
            rows = []
            for row in block.rows:
                cells += len(row.cells)
                rows.append(
                    c.TableRow(
                        cells=tuple(clean_text(x, multiline=True) for x in row.cells),
                        group=row.group,
                    )
                )
            cleaned.append(
                c.Table(
                    columns=tuple(clean_text(x) for x in block.columns),
                    rows=tuple(rows),
                    widths=block.widths,
                    center=block.center,
                    font_size=block.font_size,
                    caption=clean_text(block.caption),
                )
            )
        elif isinstance(block, c.Heading):
            text = clean_text(block.text)
            if text:
                cleaned.append(c.Heading(text=text, level=block.level))
        else:
            text = clean_text(block.text, multiline=True)
            if len(text) > TEXT_MAX:
                raise ValidationError(
                    {
                        field: [
                            gettext("A paragraph is too long (over 20,000 characters).")
                        ]
                    }
                )
            if text:
                cleaned.append(
                    c.Paragraph(
                        text=text,
                        bold=block.bold,
                        italic=block.italic,
                        align=block.align,
                        indent=block.indent,
                    )
                )
    if cells > CELLS_MAX:
        raise ValidationError({field: [gettext("The tables are too large.")]})
    return c.blocks_to_json(cleaned)


def _clean_annexes(annexes: Any) -> list[dict]:
    if isinstance(annexes, (list, tuple)) and all(
        isinstance(a, c.Annex) for a in annexes
    ):
        annexes = c.annexes_to_json(annexes)
    try:
        parsed = c.annexes_from_json(annexes or [])
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(
            {"annexes": [gettext("The annexes are not valid.")]}
        ) from None
    return [
        {
            "title": clean_text(a.title),
            "subtitle": clean_text(a.subtitle),
            "note": clean_text(a.note),
            "landscape": a.landscape,
            "blocks": _clean_blocks(c.blocks_to_json(a.blocks), "annexes"),
        }
        for a in parsed
    ]


def _clean_subject(subject: Any) -> str:
    text = clean_text(subject)
    if not text:
        raise ValidationError({"subject": [gettext("Write the subject (trích yếu).")]})
    if len(text) > Paper._meta.get_field("subject").max_length:
        raise ValidationError(
            {
                "subject": [
                    gettext("The subject is longer than %(n)d characters.")
                    % {"n": Paper._meta.get_field("subject").max_length}
                ]
            }
        )
    return text


def profile_of(body: Body) -> IssuingProfile:
    profile = IssuingProfile.objects.select_related("body").filter(body=body).first()
    if profile is None:
        raise ValidationError(
            {
                "body": [
                    gettext(
                        "This body has no issuing profile: an administrator sets "
                        "it up first."
                    )
                ]
            }
        )
    return profile


def _check_signer(
    *, body: Body, authority: str, signer, signer_title: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if authority not in Paper.Authority.values:
        errors["authority"] = [gettext("Choose a signing authority.")]
        return errors
    if signer is None:
        errors["signer"] = [gettext("Choose who signs.")]
        return errors
    allowed = workflow.SIGNING_ROLES[authority]
    if not roles_in(signer, body.pk) & allowed:
        errors["signer"] = [
            gettext(
                "%(name)s cannot sign with this authority: it is signed by "
                "the %(roles)s of the body."
            )
            % {
                "name": str(signer),
                "roles": ", ".join(
                    sorted(str(workflow.ROLE_LABELS[r]) for r in allowed)
                ),
            }
        ]
    if authority in (Paper.Authority.TL, Paper.Authority.TUQ) and not signer_title:
        errors["signer_title"] = [
            gettext("With TL. or TUQ., write the signer's own title.")
        ]
    return errors


def _recipient_rows(paper: Paper, recipients: Iterable[RecipientInput]) -> list:
    rows = []
    for position, item in enumerate(recipients):
        text = clean_text(item.text, limit=300)
        if not text and item.agency is not None:
            text = item.agency.name
        if not text and item.party_body is not None:
            text = item.party_body.name
        if not text:
            continue
        if len(text) > 300:
            raise ValidationError(
                {"recipients": [gettext("A recipient's name is too long.")]}
            )
        rows.append(
            PaperRecipient(
                paper=paper,
                position=position,
                addressee=item.addressee,
                agency=item.agency,
                party_body=item.party_body,
                text=text,
            )
        )
    return rows


def _step(paper: Paper, action: str, actor, comment: str = "") -> PaperStep:
    return PaperStep.objects.create(
        paper=paper,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        version_number=paper.current.number if paper.current_id else None,
        comment=comment,
    )


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _new_version(
    paper: Paper, *, actor, blocks: list, annexes: list, origin: str, note: str = ""
) -> PaperVersion:
    last = paper.versions.order_by("-number").values_list("number", flat=True).first()
    version = PaperVersion.objects.create(
        paper=paper,
        number=(last or 0) + 1,
        origin=origin,
        blocks=blocks,
        annexes=annexes,
        note=note[:500],
        created_by=_actor(actor),
    )
    paper.current = version
    return version


def _queue_render(version: PaperVersion, actor) -> None:
    """Lay out the draft's DOCX and PDF in a job (the page answers at once)."""
    from .jobs import paper_version_render

    def enqueue():
        progress = enqueue_with_progress(
            paper_version_render,
            owner=actor,
            label=gettext("Laying out the draft"),
            total=2,
            kwargs={"version_id": version.pk},
        )
        PaperVersion.objects.filter(pk=version.pk).update(progress=progress)

    transaction.on_commit(enqueue)


def _lock(paper: Paper, version: int | None) -> Paper:
    """The paper's row locked; ``Conflict`` when ``version`` is stale."""
    fresh = (
        Paper.objects.select_for_update(of=("self",))
        .select_related("kind", "kind__doc_type", "body", "current")
        .get(pk=paper.pk)
    )
    if version is not None and fresh.version != version:
        raise Conflict(
            gettext(
                "Someone changed this document while you were working on it. "
                "Reload the page to see their changes."
            )
        )
    return fresh


def _require(actor, paper: Paper, action: str) -> None:
    if not workflow.may(actor, paper, action):
        transition = workflow.TRANSITIONS[action]
        if paper.state not in transition.sources:
            raise ValidationError(
                {
                    "state": [
                        gettext(
                            "This cannot be done while the document is “%(state)s”."
                        )
                        % {"state": paper.get_state_display()}
                    ]
                }
            )
        raise PermissionDenied(gettext("You may not do this on this document."))


def _save(paper: Paper, fields: Sequence[str]) -> None:
    paper.version = F("version") + 1
    paper.save(update_fields=[*fields, "version", "updated_at"])
    paper.refresh_from_db(fields=["version"])


# --- create and edit -------------------------------------------------------------


def paper_create(
    *,
    actor,
    body: Body,
    kind: PaperKind,
    subject: str,
    blocks: Any,
    annexes: Any = (),
    recipients: Iterable[RecipientInput] = (),
    authority: str = Paper.Authority.TM,
    signer=None,
    signer_title: str = "",
    producer: str = "",
    source=None,
    origin: str = PaperVersion.Origin.GENERATED,
    closing: bool = True,
    render: bool = True,
) -> Paper:
    """A new draft (version 1) of ``kind`` for ``body``'s register.

    ``closing``: end the body with the kind's fixed closing text (templates
    as data). The draft's DOCX and PDF are laid out by a job.
    """
    if not kind.active:
        raise ValidationError(
            {"kind": [gettext("This kind of document is not in use.")]}
        )
    profile_of(body)
    subject = _clean_subject(subject)
    stored = _clean_blocks(blocks)
    if closing and kind.closing_text.strip():
        stored += _clean_blocks(
            [c.Paragraph(text=kind.closing_text)] if kind.closing_text else []
        )
    stored_annexes = _clean_annexes(list(annexes))
    signer_title = clean_text(signer_title, limit=100)
    errors = _check_signer(
        body=body, authority=authority, signer=signer, signer_title=signer_title
    )
    if errors:
        raise ValidationError(errors)
    recipients = list(recipients)
    with transaction.atomic():
        paper = Paper.objects.create(
            body=body,
            kind=kind,
            subject=subject,
            authority=authority,
            signer=signer,
            signer_title=signer_title,
            producer=producer,
            source_type=(
                ContentType.objects.get_for_model(source)
                if source is not None
                else None
            ),
            source_id=source.pk if source is not None else None,
            created_by=_actor(actor),
        )
        PaperRecipient.objects.bulk_create(_recipient_rows(paper, recipients))
        version = _new_version(
            paper, actor=actor, blocks=stored, annexes=stored_annexes, origin=origin
        )
        paper.save(update_fields=["current"])
        _step(paper, "create", actor)
        audit_record(
            actor=actor,
            action="paperwork.create",
            target=paper,
            changes={
                "subject": {"before": None, "after": subject},
                "state": {"before": None, "after": paper.state},
                "version": {"before": None, "after": version.number},
            },
        )
        if render:
            _queue_render(version, actor)
    return paper


def paper_update(
    *,
    actor,
    paper: Paper,
    version: int,
    subject: str | None = None,
    blocks: Any = None,
    annexes: Any = None,
    recipients: Iterable[RecipientInput] | None = None,
    authority: str | None = None,
    signer=None,
    signer_title: str | None = None,
    note: str = "",
) -> Paper:
    """Change a draft. A change of the body or annexes makes a new version
    (the earlier ones are kept)."""
    _require(actor, paper, "edit")
    changes: dict[str, dict] = {}
    new_subject = _clean_subject(subject) if subject is not None else None
    new_blocks = _clean_blocks(blocks) if blocks is not None else None
    new_annexes = _clean_annexes(annexes) if annexes is not None else None
    with transaction.atomic():
        paper = _lock(paper, version)
        _require(actor, paper, "edit")
        fields: list[str] = []
        if new_subject is not None and new_subject != paper.subject:
            changes["subject"] = {"before": paper.subject, "after": new_subject}
            paper.subject = new_subject
            fields.append("subject")
        new_authority = authority if authority is not None else paper.authority
        new_signer = signer if signer is not None else paper.signer
        new_title = (
            clean_text(signer_title, limit=100)
            if signer_title is not None
            else paper.signer_title
        )
        if (new_authority, getattr(new_signer, "pk", None), new_title) != (
            paper.authority,
            paper.signer_id,
            paper.signer_title,
        ):
            errors = _check_signer(
                body=paper.body,
                authority=new_authority,
                signer=new_signer,
                signer_title=new_title,
            )
            if errors:
                raise ValidationError(errors)
            if new_authority != paper.authority:
                changes["authority"] = {
                    "before": paper.authority,
                    "after": new_authority,
                }
            if new_signer.pk != paper.signer_id:
                changes["signer"] = {"before": paper.signer_id, "after": new_signer.pk}
            paper.authority, paper.signer, paper.signer_title = (
                new_authority,
                new_signer,
                new_title,
            )
            fields += ["authority", "signer", "signer_title"]
        if recipients is not None:
            rows = _recipient_rows(paper, list(recipients))
            before = list(paper.recipients.values_list("text", flat=True))
            paper.recipients.all().delete()
            PaperRecipient.objects.bulk_create(rows)
            if [r.text for r in rows] != before:
                changes["recipients"] = {
                    "before": before,
                    "after": [r.text for r in rows],
                }
        current = paper.current
        content_changed = (
            new_blocks is not None and new_blocks != (current.blocks if current else [])
        ) or (
            new_annexes is not None
            and new_annexes != (current.annexes if current else [])
        )
        if content_changed or (changes and current is not None):
            created = _new_version(
                paper,
                actor=actor,
                blocks=new_blocks if new_blocks is not None else current.blocks,
                annexes=new_annexes if new_annexes is not None else current.annexes,
                origin=PaperVersion.Origin.EDITED,
                note=clean_text(note, limit=500),
            )
            changes["version"] = {
                "before": current.number if current else None,
                "after": created.number,
            }
            fields.append("current")
            _queue_render(created, actor)
        if not changes:
            return paper
        _save(paper, fields)
        _step(paper, "edit", actor, clean_text(note, multiline=True, limit=4000))
        audit_record(
            actor=actor, action="paperwork.update", target=paper, changes=changes
        )
    return paper


def paper_upload_docx(*, actor, paper: Paper, version: int, uploaded_file) -> Paper:
    """The DOCX edited in Word, read back as the next draft version."""
    from .docx_import import import_docx

    _require(actor, paper, "upload")
    if uploaded_file is None:
        raise ValidationError({"file": [gettext("Choose a DOCX file.")]})
    name = (getattr(uploaded_file, "name", "") or "").lower()
    max_bytes = 20 * 1024 * 1024
    if uploaded_file.size is not None and uploaded_file.size > max_bytes:
        raise ValidationError({"file": [gettext("The file is larger than 20 MB.")]})
    data = uploaded_file.read(max_bytes + 1)
    if not name.endswith(".docx") or not data.startswith(b"PK"):
        raise ValidationError(
            {"file": [gettext("Upload the document as a Word file (.docx).")]}
        )
    try:
        blocks, annexes = import_docx(data)
    except Exception:  # a broken or foreign file: any parser error
        logger.info("DOCX import failed for paper %s", paper.pk, exc_info=True)
        raise ValidationError(
            {
                "file": [
                    gettext(
                        "This Word file cannot be read as the document's body. "
                        "Download the draft's DOCX, edit it and upload it again."
                    )
                ]
            }
        ) from None
    stored = _clean_blocks(blocks)
    stored_annexes = _clean_annexes(annexes)
    if not stored:
        raise ValidationError(
            {"file": [gettext("The uploaded file has no body text.")]}
        )
    with transaction.atomic():
        paper = _lock(paper, version)
        _require(actor, paper, "upload")
        before = paper.current.number if paper.current_id else None
        created = _new_version(
            paper,
            actor=actor,
            blocks=stored,
            annexes=stored_annexes,
            origin=PaperVersion.Origin.UPLOADED,
            note=name[:200],
        )
        created.docx.save(f"paper-{paper.pk}-v{created.number}.docx", ContentFile(data))
        _save(paper, ["current"])
        _step(paper, "upload", actor)
        audit_record(
            actor=actor,
            action="paperwork.upload",
            target=paper,
            changes={"version": {"before": before, "after": created.number}},
        )
        _queue_render(created, actor)
    return paper


# --- review ----------------------------------------------------------------------


def _transition(
    *,
    actor,
    paper: Paper,
    version: int,
    action: str,
    comment: str = "",
    comment_required: bool = False,
    check=None,
) -> Paper:
    _require(actor, paper, action)
    comment = clean_text(comment, multiline=True, limit=4000)
    if comment_required and not comment:
        raise ValidationError(
            {"comment": [gettext("Say what must change, for the drafter.")]}
        )
    with transaction.atomic():
        paper = _lock(paper, version)
        _require(actor, paper, action)
        if check is not None:
            check(paper)
        producers.run_check(paper, action, actor)
        before = paper.state
        paper.state = workflow.TRANSITIONS[action].target
        _save(paper, ["state"])
        _step(paper, action, actor, comment)
        producers.run_after(paper, action, actor)
        audit_record(
            actor=actor,
            action=f"paperwork.{action}",
            target=paper,
            changes={"state": {"before": before, "after": paper.state}},
        )
        from . import notices

        notices.paper_transitioned(
            paper=paper, action=action, actor=actor, comment=comment
        )
    return paper


def paper_submit(*, actor, paper: Paper, version: int, comment: str = "") -> Paper:
    return _transition(
        actor=actor, paper=paper, version=version, action="submit", comment=comment
    )


def paper_return(*, actor, paper: Paper, version: int, comment: str) -> Paper:
    return _transition(
        actor=actor,
        paper=paper,
        version=version,
        action="return",
        comment=comment,
        comment_required=True,
    )


def paper_approve(*, actor, paper: Paper, version: int, comment: str = "") -> Paper:
    def check(fresh: Paper) -> None:
        if not workflow.signer_matches(actor, fresh):
            raise ValidationError(
                {
                    "authority": [
                        gettext(
                            "Your role in the body does not sign with “%(authority)s”: "
                            "change the signer or the authority first."
                        )
                        % {"authority": fresh.get_authority_display()}
                    ]
                }
            )

    return _transition(
        actor=actor,
        paper=paper,
        version=version,
        action="approve",
        comment=comment,
        check=check,
    )


def paper_withdraw(*, actor, paper: Paper, version: int, comment: str = "") -> Paper:
    return _transition(
        actor=actor, paper=paper, version=version, action="withdraw", comment=comment
    )


# --- numbering -----------------------------------------------------------------


def register_for(body: Body, kind: PaperKind) -> NumberingRegister:
    """The register that numbers ``kind`` for ``body`` (created when none)."""
    registers = list(
        NumberingRegister.objects.filter(body=body).prefetch_related("kinds")
    )
    for register in registers:
        if any(k.pk == kind.pk for k in register.kinds.all()):
            return register
    for register in registers:
        if not register.kinds.all():
            return register
    register, _created = NumberingRegister.objects.get_or_create(
        body=body, name=str(_("Outgoing documents"))
    )
    return register


def _used_numbers(*, register: NumberingRegister, year: int) -> set[int]:
    """Numbers of the year already in the body's register (typed in by hand)
    for the register's kinds, so the counter never gives them again."""
    kinds = list(register.kinds.values_list("doc_type_id", flat=True))
    docs = Document.objects.filter(
        body_id=register.body_id,
        direction=Document.Direction.OUTGOING,
        issued_on__year=year,
    )
    if kinds:
        docs = docs.filter(doc_type_id__in=kinds)
    else:
        taken = PaperKind.objects.filter(
            pk__in=NumberingRegister.kinds.through.objects.filter(
                numberingregister__body_id=register.body_id
            ).values("paperkind_id")
        ).values("doc_type_id")
        docs = docs.exclude(doc_type_id__in=taken)
    used = set()
    for number in docs.values_list("number", flat=True):
        if number.isascii() and number.isdigit():
            used.add(int(number))
    return used


def number_allocate(*, register: NumberingRegister, year: int) -> int:
    """The next number of ``register`` in ``year``.

    Call it inside the transaction that uses the number: if that rolls back,
    so does the allocation (no gap). The counter row is incremented by an
    UPDATE, which holds its row lock until the transaction ends
    (PostgreSQL), so two clerks never read the same value; SQLite's
    IMMEDIATE transactions already serialise writers. The year's first
    number inserts the row; a racing insert loses on the unique constraint
    and increments instead.
    """
    with transaction.atomic():
        key = {"register": register, "year": year}
        updated = RegisterCounter.objects.filter(**key).update(
            last_number=F("last_number") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RegisterCounter.objects.create(**key, last_number=1)
            except IntegrityError:
                RegisterCounter.objects.filter(**key).update(
                    last_number=F("last_number") + 1
                )
        counter = RegisterCounter.objects.select_for_update().get(**key)
        used = _used_numbers(register=register, year=year)
        number = counter.last_number
        while number in used:
            number += 1
        if number != counter.last_number:
            counter.last_number = number
            counter.save(update_fields=["last_number"])
    return number


# --- issue -----------------------------------------------------------------------


def paper_issue_request(*, actor, paper: Paper, version: int) -> Paper:
    """Queue the issue: the page answers at once and shows the progress."""
    from .jobs import paper_issue_job

    _require(actor, paper, "issue")
    profile_of(paper.body)
    with transaction.atomic():
        paper = _lock(paper, version)
        _require(actor, paper, "issue")
        if paper.progress_id and paper.progress and not paper.progress.is_finished:
            raise ValidationError(
                {"state": [gettext("The document is already being issued.")]}
            )
        paper.error = ""
        _save(paper, ["error"])

        def enqueue():
            progress = enqueue_with_progress(
                paper_issue_job,
                owner=actor,
                label=gettext("Issuing the document"),
                total=4,
                kwargs={"paper_id": paper.pk, "actor_id": actor.pk},
            )
            Paper.objects.filter(pk=paper.pk).update(progress=progress)

        transaction.on_commit(enqueue)
    return paper


def _issuer_agency(profile: IssuingProfile, on: datetime.date) -> Agency:
    if profile.issuer_agency_id:
        return profile.issuer_agency
    standing = (
        BodyAgency.objects.as_of(on)
        .filter(body_id=profile.body_id, role=BodyAgency.Role.STANDING)
        .select_related("agency")
        .first()
    )
    if standing is None:
        raise ValidationError(
            {
                "body": [
                    gettext(
                        "The body has no standing agency on %(date)s to enter as "
                        "the issuer in the register: set the issuing agency in "
                        "the issuing profile."
                    )
                    % {"date": c.dmy(on)}
                ]
            }
        )
    return standing.agency


def paper_issue(
    *,
    actor,
    paper_id: int,
    on: datetime.date | None = None,
    progress_id: str | None = None,
) -> Paper:
    """Number, lay out, register and mark issued, in one transaction.

    The paper's row is locked first, so two clerks pressing "Issue" on the
    same paper issue it once; the number comes from the register's counter
    only inside this transaction, so a layout error leaves no number taken.
    """
    from .render_docx import render_docx
    from .render_pdf import render_pdf

    on = on or local_today()

    def report(done: int, message: str | None = None) -> None:
        if progress_id:
            job_progress_update(progress_id, done, 4, message=message)

    with transaction.atomic():
        paper = (
            Paper.objects.select_for_update(of=("self",))
            .select_related("kind", "kind__doc_type", "body", "current", "signer")
            .get(pk=paper_id)
        )
        if paper.state != Paper.State.APPROVED:
            if paper.is_issued:
                return paper  # a retried job: already done
            _require(actor, paper, "issue")
        if not workflow.may(actor, paper, "issue"):
            raise PermissionDenied(gettext("You may not issue this document."))
        profile = profile_of(paper.body)
        issuer = _issuer_agency(profile, on)
        version = paper.current
        producer = get_producer(paper.producer)
        if producer is not None and producer.before_issue is not None:
            refreshed = producer.before_issue(paper, version, on)
            if refreshed is not None:
                version = _new_version(
                    paper,
                    actor=actor,
                    blocks=_clean_blocks(refreshed),
                    annexes=version.annexes,
                    origin=PaperVersion.Origin.ISSUED,
                    note=gettext("Figures brought up to the date of issue"),
                )
        register = register_for(paper.body, paper.kind)
        number = number_allocate(register=register, year=on.year)
        symbol = composer.paper_symbol(paper.kind, profile)
        content = composer.compose(
            paper, version, profile=profile, number=number, symbol=symbol, issued_on=on
        )
        report(1, gettext("Laying out the DOCX"))
        docx_bytes = render_docx(content)
        report(2, gettext("Laying out the PDF"))
        pdf_bytes = render_pdf(content)
        report(3, gettext("Entering it in the register"))
        document = Document.objects.create(
            body=paper.body,
            doc_type=paper.kind.doc_type,
            number=c.document_number(number),
            symbol=symbol,
            issuer=issuer,
            signer=content.signature.name,
            issued_on=on,
            summary=register_summary(paper)[:1000],
            direction=Document.Direction.OUTGOING,
            created_by=_actor(actor),
        )
        document.search_text = document.compute_search_text()
        document.save(update_fields=["search_text"])
        audit_record(
            actor=actor,
            action="docs.register",
            target=document,
            changes={"number": {"before": None, "after": document.reference}},
        )
        stem = issued_file_stem(paper, number, symbol)
        for data, ext, mime in (
            (docx_bytes, "docx", "application/vnd.openxmlformats-officedocument"
             ".wordprocessingml.document"),
            (pdf_bytes, "pdf", "application/pdf"),
        ):  # fmt: skip
            attachment_add(
                actor=actor,
                target=document,
                uploaded_file=SimpleUploadedFile(f"{stem}.{ext}", data, mime),
            )
        before = paper.state
        paper.state = Paper.State.ISSUED
        paper.number, paper.symbol, paper.issued_on, paper.year = (
            number,
            symbol,
            on,
            on.year,
        )
        paper.register = register
        paper.document = document
        paper.current = version
        _save(
            paper,
            [
                "state",
                "number",
                "symbol",
                "issued_on",
                "year",
                "register",
                "document",
                "current",
            ],
        )
        if paper.replaces_id:
            Paper.objects.filter(pk=paper.replaces_id).update(
                version=F("version") + 1, updated_at=timezone.now()
            )
        if producer is not None and producer.after_issue is not None:
            producer.after_issue(paper, actor)
        _step(paper, "issue", actor)
        audit_record(
            actor=actor,
            action="paperwork.issue",
            target=paper,
            changes={
                "state": {"before": before, "after": paper.state},
                "number": {"before": None, "after": paper.reference},
            },
        )
        from . import notices

        notices.paper_transitioned(paper=paper, action="issue", actor=actor)
    report(4)
    return paper


def issued_file_stem(paper: Paper, number: int, symbol: str) -> str:
    """``Công văn 01-TĐP - V-v đôn đốc thực hiện nhiệm vụ quá hạn``: the
    kind, the reference ("/" would read as a folder) and the subject."""
    subject = register_summary(paper).replace("/", "-")
    if len(subject) > 80:
        subject = subject[:79].rstrip() + "…"
    return (
        f"{paper.kind.doc_type.name} {c.document_number(number)}-{symbol} - {subject}"
    )


def register_summary(paper: Paper) -> str:
    """The trích yếu as the register shows it: ``V/v …`` for a Công văn."""
    return paper.subject_line


def paper_issue_fail(*, paper_id: int, message: str) -> None:
    Paper.objects.filter(pk=paper_id).update(error=message[:500])


# --- signed copy and sending ------------------------------------------------------


def paper_sign(*, actor, paper: Paper, version: int, uploaded_file) -> Paper:
    """File the signed copy (a PDF: scan or digitally signed) as the
    document of record."""
    _require(actor, paper, "sign")
    name = (getattr(uploaded_file, "name", "") or "").lower()
    if uploaded_file is None or not name.endswith(".pdf"):
        raise ValidationError(
            {"file": [gettext("The signed copy must be a PDF file.")]}
        )
    with transaction.atomic():
        paper = _lock(paper, version)
        _require(actor, paper, "sign")
        attachment = attachment_add(
            actor=actor, target=paper.document, uploaded_file=uploaded_file
        )
        if attachment.content_type != "application/pdf":
            raise ValidationError(
                {"file": [gettext("The signed copy must be a PDF file.")]}
            )
        before = paper.state
        paper.state = Paper.State.SIGNED
        paper.signed_copy = attachment
        _save(paper, ["state", "signed_copy"])
        _step(paper, "sign", actor)
        audit_record(
            actor=actor,
            action="paperwork.sign",
            target=paper,
            changes={"state": {"before": before, "after": paper.state}},
        )
    return paper


def paper_send(*, actor, paper: Paper, version: int) -> Paper:
    """Deliver to whoever acts for each recipient inside the system (their
    inbox, a notification and an e-mail with the signed PDF)."""
    from . import notices

    _require(actor, paper, "send")
    with transaction.atomic():
        paper = _lock(paper, version)
        _require(actor, paper, "send")
        producers.run_check(paper, "send", actor)
        recipients = list(
            paper.recipients.filter(
                Q(agency__isnull=False) | Q(party_body__isnull=False)
            )
        )
        people = notices.recipient_people(paper, recipients)
        rows = [
            PaperDelivery(paper=paper, recipient=recipient, person_id=person)
            for recipient in recipients
            for person in sorted(people.get(recipient.pk, ()))
        ]
        seen: set[int] = set()
        unique = []
        for row in rows:
            if row.person_id not in seen:
                seen.add(row.person_id)
                unique.append(row)
        PaperDelivery.objects.bulk_create(unique, ignore_conflicts=True)
        before = paper.state
        paper.state = Paper.State.SENT
        _save(paper, ["state"])
        _step(paper, "send", actor)
        producers.run_after(paper, "send", actor)
        audit_record(
            actor=actor,
            action="paperwork.send",
            target=paper,
            changes={
                "state": {"before": before, "after": paper.state},
                "delivered_to": {"before": None, "after": len(unique)},
            },
        )
        notices.paper_sent(paper=paper, people=seen, actor=actor)
    return paper


def delivery_mark_read(*, paper: Paper, user) -> None:
    PaperDelivery.objects.filter(paper=paper, person=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- corrections -----------------------------------------------------------------


def paper_correct(*, actor, paper: Paper) -> Paper:
    """A new draft that will replace ``paper`` when issued (Decree 30: an
    issued document is corrected by another document, never edited)."""
    _require(actor, paper, "correct")
    with transaction.atomic():
        fresh = _lock(paper, None)
        _require(actor, fresh, "correct")
        recipients = [
            RecipientInput(
                text=r.text,
                agency=r.agency,
                party_body=r.party_body,
                addressee=r.addressee,
            )
            for r in fresh.recipients.select_related("agency", "party_body")
        ]
        correction = paper_create(
            actor=actor,
            body=fresh.body,
            kind=fresh.kind,
            subject=fresh.subject,
            blocks=fresh.current.blocks if fresh.current_id else [],
            annexes=fresh.current.annexes if fresh.current_id else [],
            recipients=recipients,
            authority=fresh.authority,
            signer=fresh.signer,
            signer_title=fresh.signer_title,
            producer="",
            origin=PaperVersion.Origin.EDITED,
            closing=False,
        )
        correction.replaces = fresh
        correction.save(update_fields=["replaces"])
        _step(fresh, "correct", actor)
        audit_record(
            actor=actor,
            action="paperwork.correct",
            target=fresh,
            changes={"replaced_by": {"before": None, "after": correction.pk}},
        )
    return correction


# --- drafts' files ---------------------------------------------------------------


def version_render(*, version_id: int, progress_id: str | None = None) -> PaperVersion:
    """Lay out a draft version's DOCX (unless uploaded) and PDF."""
    from .render_docx import render_docx
    from .render_pdf import render_pdf

    version = (
        PaperVersion.objects.select_related(
            "paper",
            "paper__kind",
            "paper__kind__doc_type",
            "paper__body",
            "paper__signer",
        )
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        return None
    paper = version.paper
    profile = profile_of(paper.body)
    content = composer.compose_for(paper, version, profile=profile)
    stem = f"paper-{paper.pk}-v{version.number}"
    if not version.docx:
        data = render_docx(content)
        version.docx.save(f"{stem}.docx", ContentFile(data), save=False)
    if progress_id:
        job_progress_update(progress_id, 1, 2)
    data = render_pdf(content)
    version.pdf.save(f"{stem}.pdf", ContentFile(data), save=False)
    PaperVersion.objects.filter(pk=version.pk).update(
        docx=version.docx.name, pdf=version.pdf.name
    )
    if progress_id:
        job_progress_update(progress_id, 2, 2)
    return version


def detail_url(paper: Paper) -> str:
    return reverse("paperwork:detail", args=[paper.pk])


__all__ = [
    "Conflict",
    "RecipientInput",
    "UploadedFile",
]
