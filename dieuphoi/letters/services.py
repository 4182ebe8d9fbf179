"""Writes for outgoing letters: document numbers and urging letters.

Public names:

- ``document_number_allocate(*, body, doc_type, year, symbol) -> int``: the
  next number of the body's register for that type and year.
- ``urging_letter_request(*, actor, body, on=None, task_ids=None,
  agency=None) -> UrgingLetter``: checks the selection and enqueues the
  generation job with a progress bar (what the page calls).
- ``urging_letter_generate(*, actor, body, on, task_ids=None, agency=None,
  letter=None, progress_id=None) -> UrgingLetter``: makes the letter now
  (what the job calls; tests and scripts may call it directly).
- ``urging_letter_retry(*, actor, letter) -> UrgingLetter``: a failed
  letter's job again, with the number it had reserved.
- ``urging_letter_fail(*, letter, message)``.

Every one raises ``ValidationError`` keyed by field on bad input, before
anything is written.

A letter is an urging. When it is issued, each task it lists gets one more
urging: ``Task.urge_count`` goes up by one and ``LetterTask.urge_number``
records the count after it, the number the letter prints in its "Số lần đôn
đốc" column (the preview shows the same). Notices of the daily run
(``dieuphoi.reminders``) and letters share that one count, and the next
notice is due ``URGING_EVERY_WORKING_DAYS`` working days after the last
urging of either kind. A notice and a letter on the same day both count:
each reached the agency and each is an urging in the sense of Decision
847/QĐ-UBND; the run never sends a notice after a letter of the same day
(the letter is the last urging), so the two only meet when the notice went
out first. Co-operating agencies are not addressed by the letter, so their
parts' counts (kept by the notices) do not change.

What a letter lists: tasks overdue on its date that are new or in
progress. Reported done (waiting for confirmation), completed and cancelled
tasks are left out; a task whose extension request awaits a decision is
shown on the preview with a warning and left out unless the secretariat
keeps it (``keep_ids``). Days overdue are working days
(``dieuphoi.workdays.calendar``), from the effective deadline (a deadline
on a day off moves under ``settings.DEADLINE_ON_DAY_OFF``) to the letter's
date.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import Document, DocumentType
from dieuphoi.docs.services import attachment_add, document_register
from dieuphoi.jobs.progress import enqueue_with_progress, job_progress_update
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar

from . import content as wording
from . import selectors
from .models import DocumentCounter, IssuingProfile, LetterTask, UrgingLetter

logger = logging.getLogger(__name__)

CONG_VAN = "cong-van"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ACTION_LABELS = {
    "letters.request": _("Requested an urging letter"),
    "letters.generate": _("Generated the urging letter"),
    "letters.fail": _("The urging letter could not be generated"),
    "letters.retry": _("Asked again for the urging letter"),
    "letters.urging_sent": _("Urged by an official letter"),
}
# Keys of the ``letters.urging_sent`` changes shown on a task's timeline.
CHANGE_LABELS = {
    "urging_letter": _("Urging letter"),
    "letter_date": _("Letter date"),
    "days_overdue": _("Working days overdue"),
    "urge_number": _("Urging no."),
}


def reply_working_days() -> int:
    """Working days the agency has to answer (the date printed in the letter)."""
    return int(getattr(settings, "URGING_LETTER_REPLY_WORKING_DAYS", 5))


class UrgeCountChanged(RuntimeError):
    """A task's urging count moved between laying out and issuing the
    letter; the job retries (and lays it out with the new numbers)."""


# --- numbering ------------------------------------------------------------------


def _used_numbers(*, body: Body, symbol: str, year: int) -> set[int]:
    """Numbers already in the register with this symbol and year (typed by hand)."""
    numbers = Document.objects.filter(
        body=body, symbol=symbol, issued_on__year=year
    ).values_list("number", flat=True)
    return {int(n) for n in numbers if n.isdigit()}


def document_number_allocate(
    *, body: Body, doc_type: DocumentType, year: int, symbol: str
) -> int:
    """The next number of ``body``'s outgoing ``doc_type`` in ``year``.

    Concurrency: the counter row is incremented by an UPDATE, which holds its
    row lock until the caller's transaction ends (PostgreSQL), so two
    allocations never read the same value; on SQLite the IMMEDIATE
    transaction already holds the database's write lock. The first number
    of a year inserts the row; a racing insert loses on the unique constraint
    and increments instead. Numbers already in the register under the same
    symbol (entered by hand) are skipped. Call it inside the transaction
    that uses the number: if that rolls back, so does the allocation.
    """
    with transaction.atomic():
        key = {"body": body, "year": year, "doc_type": doc_type}
        updated = DocumentCounter.objects.filter(**key).update(
            last_number=F("last_number") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    DocumentCounter.objects.create(**key, last_number=1)
            except IntegrityError:
                DocumentCounter.objects.filter(**key).update(
                    last_number=F("last_number") + 1
                )
        counter = DocumentCounter.objects.select_for_update().get(**key)
        used = _used_numbers(body=body, symbol=symbol, year=year)
        number = counter.last_number
        while number in used:
            number += 1
        if number != counter.last_number:
            counter.last_number = number
            counter.save(update_fields=["last_number"])
    return number


# --- checks ---------------------------------------------------------------------


def _selection(
    task_ids: list[int] | None, agency: Agency | None
) -> tuple[list[int] | None, Agency | None]:
    if agency is not None and task_ids:
        raise TypeError("Give either task_ids or agency, not both")
    if agency is None and not task_ids:
        raise ValidationError(
            {"task": [gettext("Choose a lead agency or select some tasks.")]}
        )
    return (selectors.clean_task_ids(task_ids) if task_ids else None), agency


def _check_date(on: datetime.date) -> None:
    today = local_today()
    if on > today:
        raise ValidationError(
            {
                "on": [
                    gettext("A letter cannot be dated after today (%(today)s).")
                    % {"today": wording.dmy(today)}
                ]
            }
        )


def _no_overdue_error(agency: Agency | None) -> ValidationError:
    field = "agency" if agency is not None else "task"
    return ValidationError(
        {
            field: [
                gettext(
                    "There is no overdue task in the selection: no letter was made."
                )
            ]
        }
    )


def _profile(body: Body) -> IssuingProfile:
    profile = selectors.issuing_profile_get(body=body)
    if profile is None or not profile.effective_symbol:
        raise ValidationError(
            {
                "body": [
                    gettext(
                        "%(body)s has no issuing profile with a document symbol; "
                        "an administrator sets it under Administration, Issuing "
                        "profiles."
                    )
                    % {"body": body}
                ]
            }
        )
    return profile


def _issuer(body: Body, on: datetime.date, profile: IssuingProfile) -> Agency:
    issuer = selectors.issuing_agency(body=body, on=on, profile=profile)
    if issuer is None:
        raise ValidationError(
            {
                "body": [
                    gettext(
                        "%(body)s has no standing agency on %(date)s to enter "
                        "as the issuer; set the issuing agency in its issuing "
                        "profile."
                    )
                    % {"body": body, "date": wording.dmy(on)}
                ]
            }
        )
    return issuer


def _signer_name(body: Body, on: datetime.date, profile: IssuingProfile) -> str:
    if profile.signer_name:
        return profile.signer_name
    leader = (
        Membership.objects.as_of(on)
        .filter(body=body, role=Membership.Role.LEADER)
        .select_related("person")
        .order_by("-valid_from")
        .first()
    )
    return leader.person.full_name if leader else ""


def _cong_van() -> DocumentType:
    # Reference data seeded by dieuphoi.docs.seed; created here if missing so a
    # fresh register can still number its letters.
    doc_type, _created = DocumentType.objects.get_or_create(
        key=CONG_VAN, defaults={"name": "Công văn", "abbreviation": ""}
    )
    return doc_type


# --- request ----------------------------------------------------------------------


def urging_letter_request(
    *,
    actor,
    body: Body,
    on: datetime.date | None = None,
    task_ids: list[int] | None = None,
    agency: Agency | None = None,
    keep_ids: list[int] | None = None,
) -> UrgingLetter:
    """Record the request and enqueue its generation with a progress bar.

    The caller has checked ``letters.add_letter`` on ``body``. Raises
    ``ValidationError`` (nothing written) for an empty selection, a
    selection with no overdue task, a date after today, a body without an
    issuing profile or issuer.
    """
    from .jobs import urging_letter_job

    on = on or local_today()
    task_ids, agency = _selection(task_ids, agency)
    keep = selectors.clean_task_ids(keep_ids or [])
    _check_date(on)
    profile = _profile(body)
    _issuer(body, on, profile)
    with transaction.atomic():
        ids = list(
            selectors.overdue_tasks(
                body=body, on=on, task_ids=task_ids, agency=agency, keep_ids=keep
            ).values_list("pk", flat=True)
        )
        if not ids:
            raise _no_overdue_error(agency)
        letter = UrgingLetter(
            body=body,
            agency=agency,
            task_ids=task_ids or [],
            kept_ids=sorted(set(keep) & set(ids)),
            on=on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        letter.full_clean()
        letter.save()
        # Two units of work per row (the DOCX row, the PDF), plus saving.
        letter.progress = enqueue_with_progress(
            urging_letter_job,
            owner=actor,
            label=gettext("Urging letter"),
            total=2 * len(ids) + 1,
            kwargs={"letter_id": letter.pk},
        )
        letter.save(update_fields=["progress"])
        audit_record(
            actor=actor,
            action="letters.request",
            target=letter,
            changes={
                "agency": agency,
                "tasks": len(ids),
                "on": on,
            },
        )
    return letter


def urging_letter_retry(*, actor, letter: UrgingLetter) -> UrgingLetter:
    """Run a failed letter's job again; it keeps the number it reserved."""
    from .jobs import urging_letter_job

    with transaction.atomic():
        current = UrgingLetter.objects.select_for_update().get(pk=letter.pk)
        if current.status != UrgingLetter.Status.FAILED:
            raise ValidationError(
                gettext("Only a letter that failed can be generated again.")
            )
        current.status = UrgingLetter.Status.PENDING
        current.error = ""
        current.progress = enqueue_with_progress(
            urging_letter_job,
            owner=actor,
            label=gettext("Urging letter"),
            kwargs={"letter_id": current.pk},
        )
        current.save(update_fields=["status", "error", "progress"])
        audit_record(actor=actor, action="letters.retry", target=current)
    return current


def urging_letter_fail(*, letter: UrgingLetter, message: str) -> None:
    with transaction.atomic():
        updated = UrgingLetter.objects.filter(
            pk=letter.pk, status=UrgingLetter.Status.PENDING
        ).update(status=UrgingLetter.Status.FAILED, error=message[:500])
        if updated:
            letter.status = UrgingLetter.Status.FAILED
            letter.error = message[:500]
            audit_record(
                actor=None,
                action="letters.fail",
                target=letter,
                changes={"error": message[:500]},
            )


# --- generation -------------------------------------------------------------------


def _source(task: Task) -> str:
    document = task.source_document
    if document is not None:
        return f"{document.reference} ngày {wording.dmy(document.issued_on)}"
    return task.source_text


def _progress_text(task: Task) -> str:
    text = f"{task.progress}%"
    if task.last_update_on:
        text += f" - {wording.dmy(task.last_update_on)}"
        if task.last_update_text:
            text += f": {task.last_update_text}"
    return text


def working_days_overdue(tasks: list[Task], on: datetime.date) -> dict[int, int]:
    """``{task id: working days from its effective deadline to on}`` (a
    deadline on a day off ends as ``settings.DEADLINE_ON_DAY_OFF`` says, as
    for the buckets and the reminders), one calendar walk."""
    from dieuphoi.reminders.ladder import working_days_from

    days = working_days_from(on, [task.deadline for task in tasks])
    return {task.pk: max(0, -days[task.deadline]) for task in tasks}


def letter_groups(tasks: list[Task], on: datetime.date) -> list[wording.LetterGroup]:
    """The table's rows, grouped by lead agency in the order of ``tasks``.

    Each row's urging count is the task's count after this letter (the
    letter is one more urging), its days overdue are working days."""
    groups: dict[int, tuple[str, list[wording.LetterRow]]] = {}
    overdue = working_days_overdue(tasks, on)
    for position, task in enumerate(tasks, 1):
        original = (
            task.original_deadline
            if task.extension_count and task.original_deadline
            else None
        )
        row = wording.LetterRow(
            position=position,
            code=task.code,
            title=task.title,
            source=_source(task),
            deadline=task.deadline,
            original_deadline=original,
            days_overdue=overdue[task.pk],
            urge_count=task.urge_count + 1,
            progress=_progress_text(task),
            task_id=task.pk,
        )
        name = task.lead_agency.name
        groups.setdefault(task.lead_agency_id, (name, []))[1].append(row)
    return [wording.LetterGroup(name, rows) for name, rows in groups.values()]


def _reporter(progress_id: str | None, offset: int, total: int) -> Callable:
    def report(done: int) -> None:
        if progress_id:
            job_progress_update(progress_id, offset + done, total)

    return report


def _file_name(reference: str, extension: str) -> str:
    # "/" would read as a folder; the register shows the reference anyway.
    return (
        f"Công văn {reference.replace('/', '-')} đôn đốc nhiệm vụ quá hạn.{extension}"
    )


def _reserve_number(
    *,
    actor,
    body: Body,
    on: datetime.date,
    task_ids: list[int] | None,
    agency: Agency | None,
    letter: UrgingLetter | None,
    symbol: str,
    doc_type: DocumentType,
) -> UrgingLetter:
    """The letter row with its number: created, or locked and completed."""
    with transaction.atomic():
        if letter is None:
            letter = UrgingLetter(
                body=body,
                agency=agency,
                task_ids=task_ids or [],
                on=on,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            letter.full_clean()
            letter.save()
        else:
            letter = UrgingLetter.objects.select_for_update().get(pk=letter.pk)
            if letter.status == UrgingLetter.Status.DONE:
                return letter
        if letter.number is None:
            letter.symbol = symbol
            letter.number = document_number_allocate(
                body=body, doc_type=doc_type, year=on.year, symbol=symbol
            )
            letter.save(update_fields=["number", "symbol"])
    return letter


def urging_letter_generate(
    *,
    actor,
    body: Body,
    on: datetime.date,
    task_ids: list[int] | None = None,
    agency: Agency | None = None,
    letter: UrgingLetter | None = None,
    progress_id: str | None = None,
    keep_ids: list[int] | None = None,
) -> UrgingLetter:
    """Make the urging letter for the overdue tasks of ``agency`` (or among
    ``task_ids``) on ``on``, in ``body``'s name.

    Steps: check (no overdue task, date after today, missing issuing profile
    or issuer: ``ValidationError``, nothing written); reserve the next
    number of the register on the letter (one transaction; a retried job
    finds it and keeps it); lay out the DOCX and the PDF from the same
    content, outside any transaction so the progress bar moves; then, in one
    transaction, enter the Công văn in the register (outgoing, issuer = the
    profile's agency or the standing agency on ``on``), attach both files,
    link every task (``LetterTask``) and record ``letters.urging_sent`` on
    each task's timeline and ``letters.generate`` on the letter.

    The last transaction locks the tasks' rows: if a task's urging count
    moved since the files were laid out (a notice went out meanwhile), it
    raises ``UrgeCountChanged`` and the job's retry lays the letter out
    again with the right numbers; otherwise each task's count goes up by
    one and ``LetterTask.urge_number`` records it (see the module
    docstring).

    Idempotent: a letter already generated is returned as it is. Files
    stored by a failed last step are deleted.
    """
    task_ids, agency = _selection(task_ids, agency)
    _check_date(on)
    profile = _profile(body)
    issuer = _issuer(body, on, profile)
    symbol = profile.effective_symbol
    doc_type = _cong_van()
    if letter is not None and letter.status == UrgingLetter.Status.DONE:
        return letter

    if keep_ids is None and letter is not None:
        keep_ids = letter.kept_ids
    tasks = list(
        selectors.overdue_tasks(
            body=body,
            on=on,
            task_ids=task_ids,
            agency=agency,
            keep_ids=selectors.clean_task_ids(keep_ids or []),
        )
    )
    if not tasks:
        raise _no_overdue_error(agency)
    letter = _reserve_number(
        actor=actor,
        body=body,
        on=on,
        task_ids=task_ids,
        agency=agency,
        letter=letter,
        symbol=symbol,
        doc_type=doc_type,
    )
    if letter.status == UrgingLetter.Status.DONE:
        return letter

    total = 2 * len(tasks) + 1
    groups = letter_groups(tasks, on)
    overdue = working_days_overdue(tasks, on)
    signer = _signer_name(body, on, profile)
    content = wording.build_content(
        governing_body=profile.governing_body_line,
        issuer_line=profile.issuer_line,
        issuer_short_name=profile.issuer_short_name,
        reference=letter.reference,
        place=profile.place,
        on=on,
        reply_by=calendar.add_working_days(on, reply_working_days()),
        groups=groups,
        other_recipients=profile.recipients.splitlines(),
        archive_line=profile.archive_line,
        signer_authority=profile.signer_authority,
        signer_title=profile.signer_title,
        signer_name=signer,
        escalate_after=int(getattr(settings, "ESCALATE_AFTER_URGINGS", 3)),
    )
    from .render_docx import render_docx
    from .render_pdf import render_pdf

    docx_bytes = render_docx(content, on_row=_reporter(progress_id, 0, total))
    pdf_bytes = render_pdf(content, on_row=_reporter(progress_id, len(tasks), total))

    stored: list[Any] = []
    try:
        with transaction.atomic():
            current = UrgingLetter.objects.select_for_update().get(pk=letter.pk)
            if current.status == UrgingLetter.Status.DONE:
                return current
            ids = sorted(task.pk for task in tasks)
            locked = dict(
                Task.objects.filter(pk__in=ids)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "urge_count")
            )
            if any(locked.get(task.pk) != task.urge_count for task in tasks):
                raise UrgeCountChanged(
                    "A task's urging count changed while the letter was laid out."
                )
            Task.objects.filter(pk__in=ids).update(urge_count=F("urge_count") + 1)
            names = [group.agency_name for group in groups]
            summary = f"{wording.DOCUMENT_SUMMARY} ({'; '.join(names)})"
            document = document_register(
                actor=actor,
                body=body,
                doc_type=doc_type,
                number=wording.document_number(current.number),
                symbol=current.symbol,
                issuer=issuer,
                signer=signer,
                issued_on=on,
                summary=summary[:1000],
                direction=Document.Direction.OUTGOING,
            )
            for data, extension, mime in (
                (docx_bytes, "docx", DOCX_MIME),
                (pdf_bytes, "pdf", "application/pdf"),
            ):
                upload = SimpleUploadedFile(
                    _file_name(current.reference, extension), data, mime
                )
                attachment = attachment_add(
                    actor=actor, target=document, uploaded_file=upload
                )
                stored.append(attachment.file)
            current.document = document
            current.status = UrgingLetter.Status.DONE
            current.error = ""
            current.save(update_fields=["document", "status", "error"])
            LetterTask.objects.bulk_create(
                [
                    LetterTask(
                        letter=current,
                        task=task,
                        position=i,
                        deadline=task.deadline,
                        days_overdue=overdue[task.pk],
                        urge_number=task.urge_count + 1,
                    )
                    for i, task in enumerate(tasks, 1)
                ]
            )
            for task in tasks:
                audit_record(
                    actor=actor,
                    action="letters.urging_sent",
                    target=task,
                    changes={
                        "urging_letter": {
                            "id": document.pk,
                            "repr": document.reference,
                        },
                        "letter_date": on,
                        "days_overdue": overdue[task.pk],
                        "urge_number": task.urge_count + 1,
                    },
                )
            audit_record(
                actor=actor,
                action="letters.generate",
                target=current,
                changes={
                    "document": document,
                    "tasks": len(tasks),
                },
            )
    except BaseException:
        for field_file in stored:
            try:
                field_file.storage.delete(field_file.name)
            except OSError:  # pragma: no cover - already gone
                logger.warning("Could not delete %s", field_file.name)
        raise
    if progress_id:
        job_progress_update(progress_id, total, total)
    return current
