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

The job's work (``urging_letter_generate``, ``urging_letter_fail`` and the
letter's table: ``letter_groups``, ``letter_blocks``,
``working_days_overdue``) is in ``generation``, which the job imports and
this module re-exports: this module enqueues the job, so the job does not
import it.

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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.jobs.progress import enqueue_with_progress
from dieuphoi.org.models import Agency, Body
from dieuphoi.paperwork import content as paper
from dieuphoi.paperwork.models import Paper
from dieuphoi.tasks.cache import bump_tasks
from dieuphoi.tasks.models import Task

from . import content as wording
from . import selectors
from .generation import (
    CODE_COLUMN,
    DAYS_COLUMN,
    STT_COLUMN,
    URGE_COLUMN,
    check_date,
    clean_selection,
    letter_blocks,
    letter_groups,
    no_overdue_error,
    require_issuer,
    require_profile,
    urging_letter_fail,
    urging_letter_generate,
    working_days_overdue,
)
from .jobs import urging_letter_job
from .models import LetterTask, UrgingLetter

# The public names; ``letter_blocks``, ``letter_groups``, ``urging_letter_fail``,
# ``urging_letter_generate`` and ``working_days_overdue`` are ``generation``'s,
# re-exported (the job imports ``generation``, never this module).
__all__ = [
    "ACTION_LABELS",
    "CHANGE_LABELS",
    "letter_after_issue",
    "letter_before_issue",
    "letter_blocks",
    "letter_groups",
    "urging_letter_fail",
    "urging_letter_generate",
    "urging_letter_request",
    "urging_letter_retry",
    "working_days_overdue",
]

logger = logging.getLogger(__name__)

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
    on = on or local_today()
    task_ids, agency = clean_selection(task_ids, agency)
    keep = selectors.clean_task_ids(keep_ids or [])
    check_date(on)
    profile = require_profile(body)
    require_issuer(body, on, profile)
    with transaction.atomic():
        ids = list(
            selectors.overdue_tasks(
                body=body, on=on, task_ids=task_ids, agency=agency, keep_ids=keep
            ).values_list("pk", flat=True)
        )
        if not ids:
            raise no_overdue_error(agency)
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


# --- issue (hooks of the documents engine) -------------------------------------------


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
    bump_tasks()  # the list's cached rows show the count (no signal here)
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
