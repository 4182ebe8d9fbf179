"""Writes for urging letters, produced through the documents engine.

Public names:

- ``urging_letter_request(*, actor, body, on=None, task_ids=None,
  agency=None) -> UrgingLetter``: checks the selection and enqueues the
  generation job with a progress bar (what the page calls).
- ``urging_letter_generate(*, actor, body, on, task_ids=None, agency=None,
  letter=None, progress_id=None) -> UrgingLetter``: drafts the letter now
  as an official document (``dieuphoi.paperwork``; what the job calls).
- ``urging_letter_retry(*, actor, letter) -> UrgingLetter``: a failed
  letter's job again.
- ``letter_before_issue`` / ``letter_after_issue``: the engine's hooks
  (``paperwork.producers``), run in the issuing transaction.
- ``urging_letter_fail(*, letter, message)``.

Every one raises ``ValidationError`` keyed by field on bad input, before
anything is written.

A letter is an urging once it is issued (the draft, in review, urges
nobody). When it is issued, each task it lists gets one more
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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.jobs.progress import enqueue_with_progress, job_progress_update
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

logger = logging.getLogger(__name__)

CONG_VAN = "cong-van"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ACTION_LABELS = {
    "letters.request": _("Requested an urging letter"),
    "letters.generate": _("Drafted the urging letter"),
    "letters.issue": _("Issued the urging letter"),
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
        letter.progress = enqueue_with_progress(
            urging_letter_job,
            owner=actor,
            label=gettext("Urging letter"),
            total=3,
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
    task_ids, agency = _selection(task_ids, agency)
    _check_date(on)
    profile = _profile(body)
    _issuer(body, on, profile)
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
        raise _no_overdue_error(agency)
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


# --- issue (hooks of the documents engine) -------------------------------------------

PRODUCER = "letters"


def _letter_of(paper_obj: Paper) -> UrgingLetter:
    return UrgingLetter.objects.select_for_update().get(paper=paper_obj)


def _table(blocks: list) -> tuple[int, paper.Table] | tuple[None, None]:
    for index, block in enumerate(blocks):
        if isinstance(block, paper.Table) and block.columns[:2] == wording.COLUMNS[:2]:
            return index, block
    return None, None


def _listed(letter: UrgingLetter, table: paper.Table | None) -> list[LetterTask]:
    """The letter's tasks still in its table (a row deleted in the editor
    drops its task from the letter)."""
    links = list(letter.links.select_related("task").order_by("position"))
    if table is None:
        return links
    codes = {row.cells[CODE_COLUMN] for row in table.rows if not row.group}
    return [link for link in links if link.task.code in codes]


def letter_before_issue(paper_obj: Paper, version, on: datetime.date):
    """Lock the letter's tasks; refuse when one may no longer be urged;
    bring the days overdue and urging numbers to the date of issue."""
    from dieuphoi.reminders.services import URGEABLE_STATES

    letter = _letter_of(paper_obj)
    blocks = paper.blocks_from_json(version.blocks)
    index, table = _table(blocks)
    links = _listed(letter, table)
    ids = sorted(link.task_id for link in links)
    tasks = {
        task.pk: task
        for task in Task.objects.filter(pk__in=ids).select_for_update().order_by("pk")
    }
    if not tasks:
        raise ValidationError(
            {"state": [gettext("The letter lists no task: there is nobody to urge.")]}
        )
    overdue = working_days_overdue(list(tasks.values()), on)
    # A task whose extension request awaits a decision is urged only when
    # the secretariat kept it in the letter (``kept_ids``).
    kept = set(letter.kept_ids or [])

    def urgeable(task: Task) -> bool:
        return task.state in URGEABLE_STATES or (
            task.state == Task.State.EXTENSION_REQUESTED and task.pk in kept
        )

    stale = sorted(
        task.code
        for task in tasks.values()
        if not urgeable(task) or not overdue.get(task.pk)
    )
    if stale:
        raise ValidationError(
            {
                "state": [
                    gettext(
                        "These tasks may no longer be urged (done, reported done, "
                        "cancelled or no longer overdue): %(codes)s. Return the "
                        "letter and remove their rows, or draft a new letter."
                    )
                    % {"codes": ", ".join(stale)}
                ]
            }
        )
    if table is None:
        return None
    by_code = {task.code: task for task in tasks.values()}
    rows = []
    position = 0
    for row in table.rows:
        task = None if row.group else by_code.get(row.cells[CODE_COLUMN])
        if task is None:
            rows.append(row)
            continue
        # Rows deleted in the draft: number the rest from 1 again, as the
        # links are (``letter_after_issue``).
        position += 1
        cells = list(row.cells)
        cells[STT_COLUMN] = str(position)
        cells[DAYS_COLUMN] = str(overdue[task.pk])
        cells[URGE_COLUMN] = str(task.urge_count + 1)
        rows.append(paper.TableRow(cells=tuple(cells)))
    if tuple(rows) == table.rows:
        return None
    blocks[index] = paper.Table(
        columns=table.columns,
        rows=tuple(rows),
        widths=table.widths,
        center=table.center,
        font_size=table.font_size,
        caption=table.caption,
    )
    return blocks


def letter_after_issue(paper_obj: Paper, actor) -> None:
    """The issued letter is an urging: one more on each task it lists."""
    letter = _letter_of(paper_obj)
    on = paper_obj.issued_on
    _index, table = _table(paper.blocks_from_json(paper_obj.current.blocks))
    links = _listed(letter, table)
    tasks = {link.task_id: link.task for link in links}
    Task.objects.filter(pk__in=list(tasks)).update(urge_count=F("urge_count") + 1)
    fresh = dict(
        Task.objects.filter(pk__in=list(tasks)).values_list("pk", "urge_count")
    )
    overdue = working_days_overdue(list(tasks.values()), on)
    letter.links.exclude(pk__in=[link.pk for link in links]).delete()
    for position, link in enumerate(links, 1):
        link.position = position
        link.days_overdue = overdue[link.task_id]
        link.urge_number = fresh[link.task_id]
        link.deadline = link.task.deadline
    LetterTask.objects.bulk_update(
        links, ["position", "days_overdue", "urge_number", "deadline"]
    )
    document = paper_obj.document
    for link in links:
        audit_record(
            actor=actor,
            action="letters.urging_sent",
            target=link.task,
            changes={
                "urging_letter": {"id": document.pk, "repr": document.reference},
                "letter_date": on,
                "days_overdue": link.days_overdue,
                "urge_number": link.urge_number,
            },
        )
    letter.status = UrgingLetter.Status.DONE
    letter.on = on
    letter.number = paper_obj.number
    letter.symbol = paper_obj.symbol
    letter.document = document
    letter.save(update_fields=["status", "on", "number", "symbol", "document"])
    audit_record(
        actor=actor,
        action="letters.issue",
        target=letter,
        changes={"document": document, "tasks": len(links)},
    )
