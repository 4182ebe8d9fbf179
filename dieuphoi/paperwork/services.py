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

What the jobs run (``paper_issue``, ``paper_issue_fail``, ``version_render``,
and the numbering) is in ``issuing``, re-exported here; the input cleaning
(``clean_text``, ``TEXT_MAX``, ...) is in ``cleaning`` and what every write
shares (``profile_of``, the step log, ...) in ``steps``. The jobs import
``issuing``, never this module, which enqueues them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.services import audit_record
from dieuphoi.docs.services import attachment_add
from dieuphoi.jobs.progress import enqueue_with_progress
from dieuphoi.org.models import Agency, Body
from dieuphoi.org.permissions import roles_in

from . import cache as paperwork_cache
from . import content as c
from . import producers, workflow
from .cleaning import (
    BLOCKS_MAX,
    TEXT_MAX,
    clean_annexes,
    clean_blocks,
    clean_subject,
    clean_text,
)
from .issuing import (
    number_allocate,
    paper_issue,
    paper_issue_fail,
    register_for,
    version_render,
)
from .jobs import paper_issue_job, paper_version_render
from .models import (
    Paper,
    PaperDelivery,
    PaperKind,
    PaperRecipient,
    PaperVersion,
)
from .steps import (
    actor_or_none,
    new_version,
    profile_of,
    record_step,
    require_allowed,
    save_paper,
)

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

# --- input ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientInput:
    """An addressee or a copy: an agency, a body, or text alone."""

    text: str = ""
    agency: Agency | None = None
    party_body: Body | None = None
    addressee: bool = True


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


def _queue_render(version: PaperVersion, actor) -> None:
    """Lay out the draft's DOCX and PDF in a job (the page answers at once)."""

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
    subject = clean_subject(subject)
    stored = clean_blocks(blocks)
    if closing and kind.closing_text.strip():
        stored += clean_blocks(
            [c.Paragraph(text=kind.closing_text)] if kind.closing_text else []
        )
    stored_annexes = clean_annexes(list(annexes))
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
            created_by=actor_or_none(actor),
        )
        PaperRecipient.objects.bulk_create(_recipient_rows(paper, recipients))
        version = new_version(
            paper, actor=actor, blocks=stored, annexes=stored_annexes, origin=origin
        )
        paper.save(update_fields=["current"])
        record_step(paper, "create", actor)
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
    require_allowed(actor, paper, "edit")
    changes: dict[str, dict] = {}
    new_subject = clean_subject(subject) if subject is not None else None
    new_blocks = clean_blocks(blocks) if blocks is not None else None
    new_annexes = clean_annexes(annexes) if annexes is not None else None
    with transaction.atomic():
        paper = _lock(paper, version)
        require_allowed(actor, paper, "edit")
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
            created = new_version(
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
        save_paper(paper, fields)
        record_step(paper, "edit", actor, clean_text(note, multiline=True, limit=4000))
        audit_record(
            actor=actor, action="paperwork.update", target=paper, changes=changes
        )
    return paper


def paper_upload_docx(*, actor, paper: Paper, version: int, uploaded_file) -> Paper:
    """The DOCX edited in Word, read back as the next draft version."""
    from .docx_import import import_docx

    require_allowed(actor, paper, "upload")
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
    stored = clean_blocks(blocks)
    stored_annexes = clean_annexes(annexes)
    if not stored:
        raise ValidationError(
            {"file": [gettext("The uploaded file has no body text.")]}
        )
    with transaction.atomic():
        paper = _lock(paper, version)
        require_allowed(actor, paper, "upload")
        before = paper.current.number if paper.current_id else None
        created = new_version(
            paper,
            actor=actor,
            blocks=stored,
            annexes=stored_annexes,
            origin=PaperVersion.Origin.UPLOADED,
            note=name[:200],
        )
        created.docx.save(f"paper-{paper.pk}-v{created.number}.docx", ContentFile(data))
        save_paper(paper, ["current"])
        record_step(paper, "upload", actor)
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
    require_allowed(actor, paper, action)
    comment = clean_text(comment, multiline=True, limit=4000)
    if comment_required and not comment:
        raise ValidationError(
            {"comment": [gettext("Say what must change, for the drafter.")]}
        )
    with transaction.atomic():
        paper = _lock(paper, version)
        require_allowed(actor, paper, action)
        if check is not None:
            check(paper)
        producers.run_check(paper, action, actor)
        before = paper.state
        paper.state = workflow.TRANSITIONS[action].target
        save_paper(paper, ["state"])
        record_step(paper, action, actor, comment)
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


# --- issue -----------------------------------------------------------------------


def paper_issue_request(*, actor, paper: Paper, version: int) -> Paper:
    """Queue the issue: the page answers at once and shows the progress."""
    require_allowed(actor, paper, "issue")
    profile_of(paper.body)
    with transaction.atomic():
        paper = _lock(paper, version)
        require_allowed(actor, paper, "issue")
        if paper.progress_id and paper.progress and not paper.progress.is_finished:
            raise ValidationError(
                {"state": [gettext("The document is already being issued.")]}
            )
        paper.error = ""
        save_paper(paper, ["error"])

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


# --- signed copy and sending ------------------------------------------------------


def paper_sign(*, actor, paper: Paper, version: int, uploaded_file) -> Paper:
    """File the signed copy (a PDF: scan or digitally signed) as the
    document of record."""
    require_allowed(actor, paper, "sign")
    name = (getattr(uploaded_file, "name", "") or "").lower()
    if uploaded_file is None or not name.endswith(".pdf"):
        raise ValidationError(
            {"file": [gettext("The signed copy must be a PDF file.")]}
        )
    with transaction.atomic():
        paper = _lock(paper, version)
        require_allowed(actor, paper, "sign")
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
        save_paper(paper, ["state", "signed_copy"])
        record_step(paper, "sign", actor)
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

    require_allowed(actor, paper, "send")
    with transaction.atomic():
        paper = _lock(paper, version)
        require_allowed(actor, paper, "send")
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
        paperwork_cache.bump_paperwork()  # bulk_create sends no signal
        before = paper.state
        paper.state = Paper.State.SENT
        save_paper(paper, ["state"])
        record_step(paper, "send", actor)
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
    require_allowed(actor, paper, "correct")
    with transaction.atomic():
        fresh = _lock(paper, None)
        require_allowed(actor, fresh, "correct")
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
        record_step(fresh, "correct", actor)
        audit_record(
            actor=actor,
            action="paperwork.correct",
            target=fresh,
            changes={"replaced_by": {"before": None, "after": correction.pk}},
        )
    return correction


# --- drafts' files ---------------------------------------------------------------


def detail_url(paper: Paper) -> str:
    return reverse("paperwork:detail", args=[paper.pk])


# Re-exported: the limits and the job's work (``cleaning``, ``issuing``: the
# jobs import those, never this module, which enqueues them).
__all__ = [
    "BLOCKS_MAX",
    "TEXT_MAX",
    "Conflict",
    "RecipientInput",
    "UploadedFile",
    "number_allocate",
    "paper_issue",
    "paper_issue_fail",
    "register_for",
    "version_render",
]
