"""What the documents engine's jobs run (``jobs``), and the numbering.

- ``paper_issue(*, actor, paper_id, on=None, progress_id=None) -> Paper``:
  the number is taken, the files laid out, the register entry written and
  the paper marked issued in ONE transaction, so a failure keeps no number
  and leaves no gap (``jobs.paper_issue_job``; ``paper_issue_fail`` records
  why it gave up).
- ``version_render(*, version_id, progress_id=None)``: a draft version's
  DOCX and PDF (``jobs.paper_version_render``).
- ``register_for(body, kind)``, ``number_allocate(*, register, year)``.

This module imports neither ``services`` nor ``jobs``: ``services``
enqueues the jobs and re-exports these names.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Document
from dieuphoi.docs.services import attachment_add
from dieuphoi.jobs.progress import job_progress_update
from dieuphoi.org.models import Agency, Body, BodyAgency

from . import compose as composer
from . import content as c
from . import workflow
from .cleaning import clean_blocks
from .models import (
    IssuingProfile,
    NumberingRegister,
    Paper,
    PaperKind,
    PaperVersion,
    RegisterCounter,
)
from .producers import get_producer
from .steps import (
    actor_or_none,
    new_version,
    profile_of,
    record_step,
    require_allowed,
    save_paper,
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
            require_allowed(actor, paper, "issue")
        if not workflow.may(actor, paper, "issue"):
            raise PermissionDenied(gettext("You may not issue this document."))
        profile = profile_of(paper.body)
        issuer = _issuer_agency(profile, on)
        version = paper.current
        producer = get_producer(paper.producer)
        if producer is not None and producer.before_issue is not None:
            refreshed = producer.before_issue(paper, version, on)
            if refreshed is not None:
                version = new_version(
                    paper,
                    actor=actor,
                    blocks=clean_blocks(refreshed),
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
            created_by=actor_or_none(actor),
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
        save_paper(
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
        record_step(paper, "issue", actor)
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
