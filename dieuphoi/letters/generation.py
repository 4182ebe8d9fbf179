"""Drafting an urging letter: what ``jobs.urging_letter_job`` runs.

Public names:

- ``urging_letter_generate(*, actor, body, on, task_ids=None, agency=None,
  letter=None, progress_id=None, keep_ids=None) -> UrgingLetter``: drafts
  the letter now as an official document (``dieuphoi.paperwork``).
- ``urging_letter_fail(*, letter, message)``: a pending letter marked
  failed (the job, when it gives up).
- ``letter_groups(tasks, on)``, ``letter_blocks(content)``,
  ``working_days_overdue(tasks, on)``: the letter's table, for the preview,
  the draft and the issue hooks (``services``).
- The checks ``urging_letter_request`` makes before it enqueues the job and
  the job makes again (the data may change in between):
  ``clean_selection``, ``check_date``, ``require_profile``,
  ``require_issuer``, ``no_overdue_error``.

This module imports neither ``services`` nor ``jobs``: ``services`` enqueues
the job, the job calls this module (``services`` re-exports its public
names, which callers use from there).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.jobs.progress import job_progress_update
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.paperwork import content as paper
from dieuphoi.paperwork import seed as paperwork_seed
from dieuphoi.paperwork.models import IssuingProfile, Paper, PaperKind
from dieuphoi.paperwork.services import RecipientInput, paper_create
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar

from . import content as wording
from . import selectors
from .models import LetterTask, UrgingLetter

CONG_VAN = "cong-van"
# The documents engine's producer key of an urging letter (its hooks are
# ``services.letter_before_issue`` and ``letter_after_issue``).
PRODUCER = "letters"


def reply_working_days() -> int:
    """Working days the agency has to answer (the date printed in the letter)."""
    return int(getattr(settings, "URGING_LETTER_REPLY_WORKING_DAYS", 5))


# --- checks ---------------------------------------------------------------------


def clean_selection(
    task_ids: list[int] | None, agency: Agency | None
) -> tuple[list[int] | None, Agency | None]:
    if agency is not None and task_ids:
        raise TypeError("Give either task_ids or agency, not both")
    if agency is None and not task_ids:
        raise ValidationError(
            {"task": [gettext("Choose a lead agency or select some tasks.")]}
        )
    return (selectors.clean_task_ids(task_ids) if task_ids else None), agency


def check_date(on: datetime.date) -> None:
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


def no_overdue_error(agency: Agency | None) -> ValidationError:
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


def require_profile(body: Body) -> IssuingProfile:
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


def require_issuer(body: Body, on: datetime.date, profile: IssuingProfile) -> Agency:
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


def _signer(body: Body, on: datetime.date):
    """The body's leader on ``on``: a letter is signed TM. the body."""
    leader = (
        Membership.objects.as_of(on)
        .filter(body=body, role=Membership.Role.LEADER, person__is_active=True)
        .select_related("person")
        .order_by("-valid_from")
        .first()
    )
    if leader is None:
        raise ValidationError(
            {
                "body": [
                    gettext("%(body)s has no leader on %(date)s to sign the letter.")
                    % {"body": body, "date": wording.dmy(on)}
                ]
            }
        )
    return leader.person


def _cong_van() -> PaperKind:
    kind = PaperKind.objects.select_related("doc_type").filter(key=CONG_VAN).first()
    if kind is None:
        kind = paperwork_seed.seed_kinds()[0]
    return kind


# --- failure ----------------------------------------------------------------------


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


def letter_blocks(content: wording.LetterContent) -> list:
    """The letter's body as document blocks: the opening, the table of
    tasks (a heading row per lead agency when there are several), the
    closing."""
    rows: list[paper.TableRow] = []
    for group in content.groups:
        if content.grouped:
            rows.append(paper.TableRow(cells=(group.agency_name,), group=True))
        rows.extend(paper.TableRow(cells=row.cells()) for row in group.rows)
    table = paper.Table(
        columns=content.columns,
        rows=tuple(rows),
        widths=tuple(float(w) for w in content.column_widths_mm),
        center=CENTRED_COLUMNS,
        font_size=TABLE_FONT_SIZE,
    )
    return [
        *(paper.Paragraph(text=text) for text in content.opening),
        table,
        *(paper.Paragraph(text=text) for text in content.closing),
    ]


# The table's columns (``wording.COLUMNS``): STT, code, ..., days overdue,
# urging number.
STT_COLUMN, CODE_COLUMN, DAYS_COLUMN, URGE_COLUMN = 0, 1, 5, 6
CENTRED_COLUMNS = (0, 4, 5, 6)
TABLE_FONT_SIZE = 10.5


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
    """Draft the urging letter for the overdue tasks of ``agency`` (or among
    ``task_ids``) on ``on``, in ``body``'s name, as an official document
    (``dieuphoi.paperwork``): a Công văn addressed to the lead agencies,
    signed TM. the body by its leader, with the table of tasks.

    The draft takes no number and urges nobody: the leader reviews it, the
    secretariat issues it, and only then is it numbered and does every task
    it lists get one more urging (``letter_after_issue``). ``LetterTask``
    rows record the tasks with the figures the draft shows.

    Checks first (no overdue task, date after today, missing issuing
    profile, issuer or leader: ``ValidationError``, nothing written).
    Idempotent: a letter already drafted is returned as it is.
    """
    task_ids, agency = clean_selection(task_ids, agency)
    check_date(on)
    profile = require_profile(body)
    require_issuer(body, on, profile)
    signer = _signer(body, on)
    kind = _cong_van()
    if letter is not None and letter.status != UrgingLetter.Status.PENDING:
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
        raise no_overdue_error(agency)
    if progress_id:
        job_progress_update(progress_id, 1, 3)
    groups = letter_groups(tasks, on)
    overdue = working_days_overdue(tasks, on)
    content = wording.build_content(
        governing_body=profile.governing_body_line,
        issuer_line=profile.issuer_line,
        issuer_short_name=profile.issuer_short_name,
        reference="",
        place=profile.place,
        on=on,
        reply_by=calendar.add_working_days(on, reply_working_days()),
        groups=groups,
        other_recipients=[],
        archive_line="",
        signer_authority="",
        signer_title="",
        signer_name="",
        escalate_after=int(getattr(settings, "ESCALATE_AFTER_URGINGS", 3)),
    )
    agencies: dict[int, Agency] = {}
    for task in tasks:
        agencies.setdefault(task.lead_agency_id, task.lead_agency)
    with transaction.atomic():
        if letter is None:
            letter = UrgingLetter(
                body=body,
                agency=agency,
                task_ids=task_ids or [],
                kept_ids=sorted(
                    set(selectors.clean_task_ids(keep_ids or []))
                    & {task.pk for task in tasks}
                ),
                on=on,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            letter.full_clean()
            letter.save()
        else:
            letter = UrgingLetter.objects.select_for_update().get(pk=letter.pk)
            if letter.status != UrgingLetter.Status.PENDING:
                return letter
        draft = paper_create(
            actor=actor,
            body=body,
            kind=kind,
            subject=wording.SUBJECT.removeprefix("V/v ").strip(),
            blocks=letter_blocks(content),
            recipients=[
                RecipientInput(agency=item, text=item.name)
                for item in agencies.values()
            ],
            authority=Paper.Authority.TM,
            signer=signer,
            producer=PRODUCER,
            source=letter,
        )
        letter.paper = draft
        letter.status = UrgingLetter.Status.DRAFTED
        letter.error = ""
        letter.save(update_fields=["paper", "status", "error"])
        LetterTask.objects.bulk_create(
            [
                LetterTask(
                    letter=letter,
                    task=task,
                    position=i,
                    deadline=task.deadline,
                    days_overdue=overdue[task.pk],
                    urge_number=task.urge_count + 1,
                )
                for i, task in enumerate(tasks, 1)
            ]
        )
        audit_record(
            actor=actor,
            action="letters.generate",
            target=letter,
            changes={"paper": draft.pk, "tasks": len(tasks)},
        )
    if progress_id:
        job_progress_update(progress_id, 3, 3)
    return letter
