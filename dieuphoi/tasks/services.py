"""Writes to tasks. Each function checks permission, validates, writes in one
transaction and records an audit event in it.

Public names (keep them stable: the pages and the API call them):

- ``task_create(*, actor, body, title, assigned_on, lead_agency, ...) -> Task``
- ``task_update(*, actor, task, version, **fields) -> Task``
  (``UPDATABLE_FIELDS``; ``Conflict`` on a stale version)
- ``task_transition(*, actor, task, action, reason="", version=None,
  new_deadline=None, reported_on=None) -> Task`` (actions: ``workflow``)
- ``progress_report(*, actor, task, percent, text, reported_on=None,
  part=None, reason="", files=(), version=None) -> ProgressUpdate``
- ``deadline_change_apply(*, task, new_deadline, reason, actor)``: the
  deadline-change step shared with the extension approvals
  (``extensions.services``)
- ``lock_task(task) -> Task`` and ``VERSION_CONFLICT`` (the message for
  ``core.versioning.check_version``): the first steps of every write to a
  task, shared with ``extensions.services``
- ``CODE_FORMAT``: ``"NV-{year}-{seq:04d}"``; ``ACTION_LABELS`` for the
  audit timeline.

Errors: ``ValidationError`` keyed by field (``title``, ``assigned_on``,
``deadline``, ``lead_agency``, ``cooperating``, ``owner``, ``provinces``,
``source_document``, ``percent``, ``text``, ``reason``, ``reported_on``,
``part``, ``action``, ``new_deadline``); ``PermissionDenied`` when the
actor's role does not allow the action; ``dieuphoi.api.errors.Conflict``
(with ``current_version``) on a stale version. Nothing is written when any of
them is raised.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, diff
from dieuphoi.core.models import local_today
from dieuphoi.core.validation import clean_line, clean_multiline, raise_field_errors
from dieuphoi.core.versioning import check_version
from dieuphoi.docs.models import Document
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import AdministrativeUnit, Agency, Body, Membership

from . import cache as task_cache
from . import history as task_history
from . import notices, workflow
from .extensions.closing import extension_close_on_cancel
from .models import DeadlineChange, ProgressUpdate, Sector, Task, TaskPart
from .permissions import (
    can_change_task,
    can_create_task_in,
    can_report_on_part,
    check_transition,
    task_roles,
    user_parts,
)

S = Task.State
CODE_FORMAT = "NV-{year}-{seq:04d}"
TITLE_MAX = 500
LAST_UPDATE_MAX = 300
UPDATABLE_FIELDS = (
    "title",
    "description",
    "source_document",
    "source_text",
    "lead_agency",
    "cooperating",
    "owner",
    "sector",
    "provinces",
    "is_key",
    "recurrence",
)
_SNAPSHOT_FIELDS = (
    "title",
    "description",
    "source_document",
    "source_text",
    "assigned_on",
    "lead_agency",
    "owner",
    "sector",
    "is_key",
    "deadline",
    "recurrence",
)

ACTION_LABELS = {
    "tasks.create": _("Assigned the task"),
    "tasks.update": _("Updated the task"),
    "tasks.start": _("Started the task"),
    "tasks.report_done": _("Reported the task done"),
    "tasks.confirm": _("Confirmed completion"),
    "tasks.reopen": _("Returned the task for more work"),
    "tasks.cancel": _("Cancelled the task"),
    "tasks.change_deadline": _("Changed the deadline"),
    "tasks.progress": _("Reported progress"),
}


def _d(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- validation shared by create and update ----------------------------------


def _agency_error(
    agency: Agency, on: datetime.date, record_ids: Iterable[int] = ()
) -> str | None:
    """Why ``agency`` cannot take part in a task assigned on ``on``. An agency
    that did not exist then is accepted when it succeeded (by a merger,
    split or renaming) an agency of record of the task (``record_ids``): a
    2024 task's lead may become the 2025 successor."""
    if not agency.is_valid_on(on):
        if isinstance(agency, Agency) and _succeeds(agency, record_ids):
            return None
        return gettext("%(agency)s did not exist on %(date)s.") % {
            "agency": agency,
            "date": _d(on),
        }
    return None


def _succeeds(agency: Agency, record_ids: Iterable[int]) -> bool:
    from dieuphoi.org.selectors import agency_successor_ids

    return any(agency.pk in agency_successor_ids(pk) for pk in set(record_ids))


def _normalise_parts(cooperating: Iterable[Any] | None) -> list[dict]:
    """``[{agency, body, description, deadline}]`` from dicts (or bare
    agencies and bodies). A party is an agency or a body (another
    province's coordination team): exactly one of the two is set."""
    parts = []
    for item in cooperating or ():
        if isinstance(item, Agency):
            item = {"agency": item}
        elif isinstance(item, Body):
            item = {"body": item}
        parts.append(
            {
                "agency": item.get("agency"),
                "body": item.get("body"),
                "description": clean_line(item.get("description", "")),
                "deadline": item.get("deadline"),
            }
        )
    return parts


def _party(part: dict):
    return part["agency"] if part.get("agency") is not None else part.get("body")


def _party_key(part: dict) -> tuple[str, int]:
    if part.get("agency") is not None:
        return ("agency", part["agency"].pk)
    return ("body", part["body"].pk)


# Central agencies: a province's coordination team asks them to co-operate,
# it cannot make them lead.
CENTRAL_KINDS = frozenset(
    {Agency.Kind.MINISTRY, Agency.Kind.GOVERNMENT, Agency.Kind.COUNCIL_OFFICE}
)


def lead_agency_error(body: Body, agency: Agency) -> str | None:
    """Why ``agency`` cannot lead a task of ``body``, or ``None``.

    A coordination team assigns tasks to its own province's agencies only;
    another province's agencies and the ministries are asked to co-operate
    (đề nghị phối hợp). Bodies without a province (the Council) are not
    restricted."""
    if body.kind != Body.Kind.TEAM:
        return None
    foreign = agency.kind in CENTRAL_KINDS or (
        body.unit_id is not None and agency.unit_id != body.unit_id
    )
    if foreign:
        return gettext(
            "%(agency)s is not one of the team's own agencies: the team cannot "
            "assign it a task. Add it as a co-operating party (request for "
            "co-operation) and choose one of the team's agencies as the lead."
        ) % {"agency": agency}
    return None


def _validate_parties(
    *,
    errors: dict[str, list[str]],
    body: Body,
    assigned_on: datetime.date | None,
    deadline: datetime.date | None,
    lead_agency: Agency | None,
    parts: list[dict],
    owner,
    provinces: Sequence[AdministrativeUnit],
    source_document: Document | None,
    actor,
    record_ids: Iterable[int] = (),
) -> None:
    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if lead_agency is None:
        add("lead_agency", gettext("Choose the lead agency."))
    else:
        msg = (assigned_on and _agency_error(lead_agency, assigned_on, record_ids)) or (
            lead_agency_error(body, lead_agency)
        )
        if msg:
            add("lead_agency", msg)

    seen: set[tuple[str, int]] = set()
    for part in parts:
        agency = _party(part)
        if agency is None or (
            part.get("agency") is not None and part.get("body") is not None
        ):
            add(
                "cooperating",
                gettext("Each co-operating party is either an agency or a team."),
            )
            continue
        if part.get("body") is not None:
            party_body = part["body"]
            if party_body.pk == body.pk:
                add(
                    "cooperating",
                    gettext(
                        "%(body)s assigns the task; it cannot also be a "
                        "co-operating party."
                    )
                    % {"body": party_body},
                )
                continue
        elif lead_agency is not None and agency.pk == lead_agency.pk:
            add(
                "cooperating",
                gettext(
                    "%(agency)s is the lead agency; it cannot also be a "
                    "co-operating agency."
                )
                % {"agency": agency},
            )
            continue
        if _party_key(part) in seen:
            add(
                "cooperating",
                gettext("%(agency)s is listed twice.") % {"agency": agency},
            )
            continue
        seen.add(_party_key(part))
        if assigned_on and (msg := _agency_error(agency, assigned_on, record_ids)):
            add("cooperating", msg)
        sub = part["deadline"]
        if sub and assigned_on and sub < assigned_on:
            add(
                "cooperating",
                gettext("The sub-deadline of %(agency)s is before the assigned date.")
                % {"agency": agency},
            )
        elif sub and deadline and sub > deadline:
            add(
                "cooperating",
                gettext("The sub-deadline of %(agency)s is after the task's deadline.")
                % {"agency": agency},
            )
        if len(part["description"]) > 500:
            add(
                "cooperating",
                gettext("The part of %(agency)s is too long (at most 500 characters).")
                % {"agency": agency},
            )

    if assigned_on:
        for unit in provinces:
            if not unit.is_valid_on(assigned_on):
                add(
                    "provinces",
                    gettext("%(unit)s did not exist on %(date)s.")
                    % {"unit": unit, "date": _d(assigned_on)},
                )

    if owner is not None and lead_agency is not None:
        agencies = set(
            Membership.objects.as_of(local_today())
            .filter(person=owner, body=body)
            .values_list("agency_id", flat=True)
        )
        if not agencies:
            add(
                "owner", gettext("The owner must be a member of the coordination body.")
            )
        elif lead_agency.pk not in agencies and owner.agency_id != lead_agency.pk:
            add("owner", gettext("The owner must work at the lead agency."))

    if source_document is not None and not org_perms.can_see_body(
        actor, source_document.body_id
    ):
        add(
            "source_document", gettext("Choose a document from a register you can see.")
        )


def _lock_body(body_id: int) -> None:
    """Serialise code allocation in one body.

    A row lock on PostgreSQL; on SQLite, transactions are IMMEDIATE
    (settings), so the writer lock is already held.
    """
    if connection.vendor == "postgresql":
        list(Body.objects.select_for_update().filter(pk=body_id).values_list("pk"))


def _next_seq(body_id: int, year: int) -> int:
    top = Task.objects.filter(body_id=body_id, year=year).aggregate(m=Max("seq"))["m"]
    return (top or 0) + 1


def _state(task: Task) -> dict:
    data = {}
    for name in _SNAPSHOT_FIELDS:
        field = task._meta.get_field(name)
        data[name] = getattr(task, field.attname)
        if isinstance(data[name], datetime.date):
            data[name] = data[name].isoformat()
    return data


def _parts_state(parts: Iterable[TaskPart]) -> list[dict]:
    # Agency parties keep their audit shape; a team party has "body" instead.
    return [
        {
            **(
                {"agency": p.agency_id}
                if p.agency_id is not None
                else {"body": p.body_id}
            ),
            "description": p.description,
            "deadline": p.deadline.isoformat() if p.deadline else None,
        }
        for p in sorted(parts, key=lambda p: (p.agency_id or 0, p.body_id or 0))
    ]


# --- create -------------------------------------------------------------------


def task_create(
    *,
    actor,
    body: Body,
    title: str,
    assigned_on: datetime.date,
    lead_agency: Agency,
    description: str = "",
    source_document: Document | None = None,
    source_text: str = "",
    cooperating: Iterable[Any] = (),
    owner=None,
    sector: Sector | None = None,
    provinces: Iterable[AdministrativeUnit] = (),
    is_key: bool = False,
    deadline: datetime.date | None = None,
    recurrence: str = Task.Recurrence.NONE,
    source=None,
) -> Task:
    """Assign a new task of ``body`` to ``lead_agency``.

    ``source``: the record the task carries out (a proposal, a conclusion,
    a finding: ``dieuphoi.tasks.sources``); the task page links to it and
    the list filters by it (``?source=``).

    Only the leader, deputy or secretariat of the body (or an administrator)
    may (``PermissionDenied``). The code ``NV-<year>-<seq>`` is unique per
    body and year of the assigned date; allocation is serialised (body row
    lock on PostgreSQL, IMMEDIATE transactions on SQLite) and retried on a
    unique-constraint clash. ``cooperating`` is a list of ``{"agency",
    "description", "deadline"}``.
    """
    if not can_create_task_in(actor, body.pk):
        raise PermissionDenied(
            gettext("Only the leader or secretariat may assign tasks.")
        )
    title = clean_line(title)
    parts = _normalise_parts(cooperating)
    provinces = list(provinces)
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [gettext("Enter the task's title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [
            gettext("The title is too long (%(length)s characters; at most %(max)s).")
            % {"length": len(title), "max": TITLE_MAX}
        ]
    if assigned_on is None:
        errors["assigned_on"] = [gettext("Enter the assigned date.")]
    elif assigned_on > local_today():
        errors["assigned_on"] = [gettext("The assigned date cannot be in the future.")]
    if deadline and assigned_on and deadline < assigned_on:
        errors["deadline"] = [
            gettext(
                "The deadline (%(deadline)s) is before the assigned date (%(assigned)s)."
            )
            % {"deadline": _d(deadline), "assigned": _d(assigned_on)}
        ]
    if recurrence not in Task.Recurrence.values:
        errors["recurrence"] = [gettext("Unknown recurrence.")]
    _validate_parties(
        errors=errors,
        body=body,
        assigned_on=assigned_on,
        deadline=deadline,
        lead_agency=lead_agency,
        parts=parts,
        owner=owner,
        provinces=provinces,
        source_document=source_document,
        actor=actor,
    )
    raise_field_errors(errors)

    with transaction.atomic():
        _lock_body(body.pk)
        year = assigned_on.year
        for attempt in range(5):
            seq = _next_seq(body.pk, year)
            task = Task(
                body=body,
                year=year,
                seq=seq,
                code=CODE_FORMAT.format(year=year, seq=seq),
                title=title,
                description=clean_multiline(description),
                source_document=source_document,
                source_text=clean_line(source_text),
                source_type=(
                    ContentType.objects.get_for_model(source)
                    if source is not None
                    else None
                ),
                source_id=source.pk if source is not None else None,
                assigned_by=actor
                if getattr(actor, "is_authenticated", False)
                else None,
                assigned_on=assigned_on,
                lead_agency=lead_agency,
                owner=owner,
                sector=sector,
                is_key=bool(is_key),
                deadline=deadline,
                original_deadline=deadline,
                recurrence=recurrence or Task.Recurrence.NONE,
                state=S.NEW,
            )
            task.search_text = task.compute_search_text()
            # The unique check is the retry below, under the lock.
            task.full_clean(validate_constraints=False)
            try:
                with transaction.atomic():
                    task.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        task_history.record_state_change(
            task=task, from_state="", to_state=S.NEW, actor=actor, on=assigned_on
        )
        part_rows = [
            TaskPart(
                task=task,
                agency=p["agency"],
                body=p["body"],
                description=p["description"],
                deadline=p["deadline"],
            )
            for p in parts
        ]
        for part in part_rows:
            part.full_clean(exclude=["task"])
        TaskPart.objects.bulk_create(part_rows)
        task_cache.bump_tasks()  # bulk_create sends no signal
        if provinces:
            task.provinces.set(provinces)
        changes = {
            name: {"before": None, "after": value}
            for name, value in _state(task).items()
            if value not in (None, "", False)
        }
        changes["code"] = {"before": None, "after": task.code}
        if part_rows:
            changes["cooperating"] = {"before": None, "after": _parts_state(part_rows)}
        if provinces:
            changes["provinces"] = {
                "before": None,
                "after": sorted(u.pk for u in provinces),
            }
        if source is not None:
            changes["source_record"] = {"before": None, "after": str(source)[:200]}
        audit_record(actor=actor, action="tasks.create", target=task, changes=changes)
        notices.task_created(task=task, actor=actor)
    return task


# --- update -------------------------------------------------------------------


def lock_task(task: Task) -> Task:
    """``task`` read again, locked for update until the transaction ends
    (with its body and lead agency)."""
    return (
        Task.objects.select_for_update()
        .select_related("body", "lead_agency")
        .get(pk=task.pk)
    )


# ``core.versioning.check_version``'s message for a task.
VERSION_CONFLICT = _(
    "Someone else changed this task after you opened it "
    "(your version %(yours)s, now %(current)s). Reload it and try again."
)


def task_update(*, actor, task: Task, version: int, **fields: Any) -> Task:
    """Change the task's fields, if nobody changed it since ``version``.

    Fields: ``UPDATABLE_FIELDS``. The deadline changes only through the
    ``change_deadline`` action (it needs a reason and is counted), so passing
    ``deadline`` is an error on that field. ``cooperating`` replaces the list
    of co-operating agencies (a part that has progress updates cannot be
    removed). Raises ``Conflict``, ``PermissionDenied``, ``ValidationError``.
    Without any real change nothing is written.
    """
    if "deadline" in fields:
        raise ValidationError(
            {
                "deadline": gettext(
                    "Change the deadline with the “Change deadline” action, "
                    "which records the reason."
                )
            }
        )
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"task_update() cannot change {sorted(unknown)}")

    with transaction.atomic():
        current = lock_task(task)
        check_version(current, version, VERSION_CONFLICT)
        if not can_change_task(actor, current):
            raise PermissionDenied(
                gettext("Only the leader or secretariat may edit tasks.")
            )
        old_parts = list(current.parts.select_related("agency", "body"))
        old_provinces = sorted(current.provinces.values_list("pk", flat=True))
        before = _state(current)
        before_parts = _parts_state(old_parts)

        errors: dict[str, list[str]] = {}
        for name in (
            "title",
            "description",
            "source_text",
            "source_document",
            "owner",
            "sector",
            "is_key",
            "recurrence",
            "lead_agency",
        ):
            if name not in fields:
                continue
            value = fields[name]
            if name in ("title", "source_text"):
                value = clean_line(value)
            elif name == "description":
                value = clean_multiline(value)
            elif name == "is_key":
                value = bool(value)
            elif name == "recurrence":
                value = value or Task.Recurrence.NONE
            setattr(current, name, value)
        if not current.title:
            errors["title"] = [gettext("Enter the task's title.")]
        elif len(current.title) > TITLE_MAX:
            errors["title"] = [
                gettext(
                    "The title is too long (%(length)s characters; at most %(max)s)."
                )
                % {"length": len(current.title), "max": TITLE_MAX}
            ]
        if current.recurrence not in Task.Recurrence.values:
            errors["recurrence"] = [gettext("Unknown recurrence.")]
        closed = current.state in (S.COMPLETED, S.CANCELLED)
        if closed and (
            (
                "lead_agency" in fields
                and fields["lead_agency"].pk != before["lead_agency"]
            )
            or "cooperating" in fields
        ):
            errors["lead_agency" if "lead_agency" in fields else "cooperating"] = [
                gettext("The agencies of a closed task cannot change.")
            ]
        parts = (
            _normalise_parts(fields["cooperating"])
            if "cooperating" in fields
            else [
                {
                    "agency": p.agency,
                    "body": p.body,
                    "description": p.description,
                    "deadline": p.deadline,
                }
                for p in old_parts
            ]
        )
        provinces = (
            list(fields["provinces"])
            if "provinces" in fields
            else list(current.provinces.all())
        )
        owner_changed = "owner" in fields or "lead_agency" in fields
        _validate_parties(
            errors=errors,
            body=current.body,
            assigned_on=current.assigned_on,
            deadline=current.deadline,
            lead_agency=current.lead_agency,
            parts=parts if "cooperating" in fields or "lead_agency" in fields else [],
            owner=current.owner if owner_changed else None,
            provinces=provinces if "provinces" in fields else [],
            source_document=current.source_document
            if "source_document" in fields
            else None,
            actor=actor,
            # The agencies of record: their successors may replace them.
            record_ids={before["lead_agency"]}
            | {p.agency_id for p in old_parts if p.agency_id},
        )
        if "cooperating" in fields:
            keep = {_party_key(p) for p in parts if _party(p) is not None}
            for old in old_parts:
                if old.party_key not in keep and old.updates.exists():
                    errors.setdefault("cooperating", []).append(
                        gettext(
                            "%(agency)s has reported progress on its part; it "
                            "cannot be removed."
                        )
                        % {"agency": old.party_name}
                    )
        raise_field_errors(errors)

        after = _state(current)
        changes = diff(before, after)
        if "cooperating" in fields:
            by_agency = {p.party_key: p for p in old_parts}
            new_rows = []
            for p in parts:
                existing = by_agency.pop(_party_key(p), None)
                if existing is None:
                    new_rows.append(
                        TaskPart(
                            task=current,
                            agency=p["agency"],
                            body=p["body"],
                            description=p["description"],
                            deadline=p["deadline"],
                        )
                    )
                elif (existing.description, existing.deadline) != (
                    p["description"],
                    p["deadline"],
                ):
                    existing.description = p["description"]
                    existing.deadline = p["deadline"]
                    existing.full_clean()
                    existing.save(update_fields=["description", "deadline"])
            for removed in by_agency.values():
                removed.delete()
            for row in new_rows:
                row.full_clean(exclude=["task"])
            TaskPart.objects.bulk_create(new_rows)
            task_cache.bump_tasks()  # bulk_create sends no signal
            after_parts = _parts_state(current.parts.all())
            if after_parts != before_parts:
                changes["cooperating"] = {"before": before_parts, "after": after_parts}
        if "provinces" in fields:
            new_ids = sorted(u.pk for u in provinces)
            if new_ids != old_provinces:
                current.provinces.set(provinces)
                changes["provinces"] = {"before": old_provinces, "after": new_ids}
        if not changes:
            return current
        task_history.record_lead_change(
            task=current,
            old_agency=before["lead_agency"],
            new_agency=current.lead_agency_id,
            actor=actor,
        )
        current.version += 1
        current.search_text = current.compute_search_text()
        current.full_clean(validate_constraints=False)
        current.save()
        audit_record(
            actor=actor, action="tasks.update", target=current, changes=changes
        )
        notices.task_updated(task=current, actor=actor, changes=changes)
    return current


# --- workflow -------------------------------------------------------------------


def _report_date(
    reported_on: datetime.date | None, task: Task, latest: datetime.date | None
) -> datetime.date:
    day = reported_on or local_today()
    if day > local_today():
        raise ValidationError(
            {"reported_on": gettext("The date cannot be in the future.")}
        )
    if day < task.assigned_on:
        raise ValidationError(
            {
                "reported_on": gettext(
                    "The date is before the task was assigned (%(date)s)."
                )
                % {"date": _d(task.assigned_on)}
            }
        )
    if latest and day < latest:
        raise ValidationError(
            {
                "reported_on": gettext(
                    "The date is before the latest update (%(date)s)."
                )
                % {"date": _d(latest)}
            }
        )
    return day


def _latest_update_on(task: Task, part: TaskPart | None) -> datetime.date | None:
    return (
        ProgressUpdate.objects.filter(task=task, part=part)
        .order_by("-reported_on")
        .values_list("reported_on", flat=True)
        .first()
    )


def _set_last_update(
    task: Task, day: datetime.date, text: str, prefix: str = ""
) -> None:
    if task.last_update_on is None or day >= task.last_update_on:
        task.last_update_on = day
        body = f"[{prefix}] {text}" if prefix else text
        task.last_update_text = _truncate(body, LAST_UPDATE_MAX)


def deadline_change_apply(
    *,
    task: Task,
    new_deadline: datetime.date | None,
    reason: str,
    actor,
    field: str = "new_deadline",
    effective_on: datetime.date | None = None,
) -> dict[str, Any]:
    """Move the locked ``task``'s deadline to ``new_deadline`` (not saved).

    For callers inside a transaction that holds the task's row lock
    (``task_transition``'s change_deadline, the extension approvals): keeps
    ``original_deadline``, counts the change in ``extension_count`` and writes
    a ``DeadlineChange`` with ``reason``, effective ``effective_on`` (default
    today; see ``history.deadline_effective_on``, errors on
    ``effective_on``). Other errors are keyed by ``field``.
    Returns the audit change ``{"deadline": {"before", "after"}}``; the
    caller saves the task and records the event.
    """
    if new_deadline is None:
        raise ValidationError({field: gettext("Enter the new deadline.")})
    if new_deadline < task.assigned_on:
        raise ValidationError(
            {
                field: gettext(
                    "The deadline (%(deadline)s) is before the assigned date "
                    "(%(assigned)s)."
                )
                % {
                    "deadline": _d(new_deadline),
                    "assigned": _d(task.assigned_on),
                }
            }
        )
    if new_deadline == task.deadline:
        raise ValidationError({field: gettext("This is already the deadline.")})
    effective_on = task_history.deadline_effective_on(
        task=task, effective_on=effective_on
    )
    DeadlineChange.objects.create(
        task=task,
        old_deadline=task.deadline,
        new_deadline=new_deadline,
        effective_on=effective_on,
        reason=reason,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if task.original_deadline is None:
        task.original_deadline = task.deadline
    change = {
        "before": task.deadline.isoformat() if task.deadline else None,
        "after": new_deadline.isoformat(),
    }
    task.deadline = new_deadline
    task.extension_count += 1
    return {"deadline": change}


def task_transition(
    *,
    actor,
    task: Task,
    action: str,
    reason: str = "",
    version: int | None = None,
    new_deadline: datetime.date | None = None,
    reported_on: datetime.date | None = None,
    effective_on: datetime.date | None = None,
) -> Task:
    """Take workflow ``action`` on ``task`` (table in ``workflow``).

    ``reason`` is required for reopen, cancel and change_deadline; for
    report_done it is the closing note. ``reported_on`` (report_done only,
    default today) is the date the work was done; ``confirm`` makes it the
    completion date. ``new_deadline`` is required for change_deadline, which
    keeps ``original_deadline``, counts the change and records a
    ``DeadlineChange`` effective ``effective_on`` (default today; not before
    the assignment or the previous change, not in the future). Each state
    change is recorded in the history dated today (``history``).
    ``version``, when given, must be current.
    """
    reason = clean_multiline(reason)
    known = workflow.TRANSITIONS.get(action)
    if known is not None and known.extension:
        raise ValidationError(
            {
                "action": gettext(
                    "“%(action)s” is part of the extension requests: use their "
                    "form or endpoints."
                )
                % {"action": workflow.action_label(action)}
            }
        )
    with transaction.atomic():
        current = lock_task(task)
        check_version(current, version, VERSION_CONFLICT)
        t = check_transition(actor, current, action)
        if t.reason_required and not reason:
            raise ValidationError({"reason": gettext("Give a reason.")})
        today = local_today()
        before = {"state": current.state}
        changes: dict[str, Any] = {}
        if action == "report_done":
            day = _report_date(reported_on, current, _latest_update_on(current, None))
            text = reason or gettext("Reported the task done.")
            update = ProgressUpdate(
                task=current,
                agency=current.lead_agency,
                author=actor,
                reported_on=day,
                percent=100,
                text=text,
            )
            update.full_clean()
            update.save()
            changes["progress"] = {"before": current.progress, "after": 100}
            changes["reported_on"] = day.isoformat()
            current.progress = 100
            current.reported_done_on = day
            _set_last_update(current, day, text)
        elif action == "confirm":
            current.completed_on = current.reported_done_on or today
            changes["completed_on"] = current.completed_on.isoformat()
        elif action == "reopen":
            current.reported_done_on = None
        elif action == "cancel":
            current.cancelled_on = today
            current.cancel_reason = reason
            if current.state == S.EXTENSION_REQUESTED and (
                closed := extension_close_on_cancel(
                    task=current, actor=actor, reason=reason
                )
            ):
                changes["extension_request"] = closed
        elif action == "change_deadline":
            changes.update(
                deadline_change_apply(
                    task=current,
                    new_deadline=new_deadline,
                    reason=reason,
                    actor=actor,
                    effective_on=effective_on,
                )
            )
        if t.to_state is not None:
            current.state = t.to_state
        if reason:
            changes["reason"] = reason
        if current.state != before["state"]:
            changes["state"] = {"before": before["state"], "after": current.state}
            # A confirmation is dated today, not the reported date: until
            # confirmed the task was open (reported done) on every day.
            task_history.record_state_change(
                task=current,
                from_state=before["state"],
                to_state=current.state,
                actor=actor,
            )
        current.version += 1
        current.search_text = current.compute_search_text()
        current.full_clean(validate_constraints=False)
        current.save()
        audit_record(
            actor=actor, action=f"tasks.{action}", target=current, changes=changes
        )
        notices.task_transitioned(task=current, action=action, actor=actor)
    return current


# --- progress -------------------------------------------------------------------


def reporting_agency(actor, part: TaskPart) -> Agency:
    """The agency a party's update or request is recorded under: the part's
    agency; for a team party, the reporter's home agency in that team (else
    their own agency, else the team's standing agency today)."""
    if part.agency_id is not None:
        return part.agency
    seat_agency = (
        Membership.objects.as_of(local_today())
        .filter(person=actor, body_id=part.body_id, agency__isnull=False)
        .select_related("agency")
        .first()
    )
    if seat_agency is not None:
        return seat_agency.agency
    if getattr(actor, "agency_id", None):
        return actor.agency
    from dieuphoi.org.selectors import body_standing_agency

    standing = body_standing_agency(body=part.body, on=local_today())
    if standing is None:
        raise ValidationError(
            {
                "part": gettext(
                    "Your membership of %(body)s has no home agency; ask its "
                    "secretariat to record it."
                )
                % {"body": part.body}
            }
        )
    return standing


def progress_report(
    *,
    actor,
    task: Task,
    percent: int,
    text: str,
    reported_on: datetime.date | None = None,
    part: TaskPart | int | None = None,
    reason: str = "",
    files: Sequence = (),
    version: int | None = None,
) -> ProgressUpdate:
    """Record a progress update on ``task`` or on one co-operating ``part``.

    Task-level updates: the lead agency's focal point or the owner; they set
    the task's progress (and move a new task to in progress). Part updates: the
    co-operating agency's focal point, on its own part only (a focal point of a
    co-operating agency who passes no ``part`` reports on it). The task must
    be new or in progress. ``percent`` 0-100; lower than the current value
    only with a ``reason``; ``reported_on`` defaults to today, not in the
    future, not before the assigned date or the latest update. ``files`` are
    attached to the update through ``docs.services.attachment_add``. The
    latest update is copied onto the task for lists.
    """
    text = clean_multiline(text)
    reason = clean_line(reason)
    with transaction.atomic():
        current = lock_task(task)
        check_version(current, version, VERSION_CONFLICT)
        roles = task_roles(actor, current)
        if isinstance(part, int):
            part = (
                TaskPart.objects.filter(task=current, pk=part)
                .select_related("agency", "body")
                .first()
            )
            if part is None:
                raise ValidationError(
                    {"part": gettext("This part is not part of the task.")}
                )
        if part is not None and part.task_id != current.pk:
            raise ValidationError(
                {"part": gettext("This part is not part of the task.")}
            )
        if part is None and not roles & workflow.REPORTERS:
            mine = user_parts(actor, current)
            if len(mine) == 1:
                part = mine[0]
            else:
                raise PermissionDenied(
                    gettext(
                        "Only the lead agency's focal point or the owner may report."
                    )
                )
        if part is not None and not can_report_on_part(actor, part):
            raise PermissionDenied(
                gettext(
                    "Only the co-operating agency's focal point may report on its part."
                )
            )
        if current.state not in (S.NEW, S.IN_PROGRESS, S.EXTENSION_REQUESTED):
            raise ValidationError(
                {
                    "__all__": gettext(
                        "Progress can only be reported while the task is new or in "
                        "progress (now: %(state)s)."
                    )
                    % {"state": current.get_state_display()}
                }
            )
        errors: dict[str, list[str]] = {}
        try:
            percent = int(percent)
        except (TypeError, ValueError):
            errors["percent"] = [gettext("Enter a whole number from 0 to 100.")]
            percent = -1
        if "percent" not in errors and not 0 <= percent <= 100:
            errors["percent"] = [
                gettext("The progress must be from 0 to 100 (got %(value)s).")
                % {"value": percent}
            ]
        if not text:
            errors["text"] = [gettext("Describe the progress.")]
        previous = part.progress if part is not None else current.progress
        if "percent" not in errors and percent < previous and not reason:
            errors["reason"] = [
                gettext(
                    "The progress goes down from %(before)s%% to %(after)s%%: give "
                    "the reason."
                )
                % {"before": previous, "after": percent}
            ]
        if len(reason) > 500:
            errors["reason"] = [
                gettext("The reason is too long (at most 500 characters).")
            ]
        raise_field_errors(errors)
        day = _report_date(reported_on, current, _latest_update_on(current, part))

        update = ProgressUpdate(
            task=current,
            part=part,
            agency=reporting_agency(actor, part)
            if part is not None
            else current.lead_agency,
            author=actor,
            reported_on=day,
            percent=percent,
            text=text,
            reason=reason,
        )
        update.full_clean()
        update.save()
        changes: dict[str, Any] = {"text": _truncate(text, LAST_UPDATE_MAX)}
        if part is not None:
            changes["part"] = part.party_code
            changes["progress"] = {"before": part.progress, "after": percent}
            part.progress = percent
            part.completed_on = day if percent == 100 else None
            part.full_clean()
            part.save(update_fields=["progress", "completed_on"])
            _set_last_update(current, day, text, prefix=part.party_code)
        else:
            changes["progress"] = {"before": current.progress, "after": percent}
            current.progress = percent
            if current.state == S.NEW:
                current.state = S.IN_PROGRESS
                changes["state"] = {"before": S.NEW, "after": S.IN_PROGRESS}
                task_history.record_state_change(
                    task=current,
                    from_state=S.NEW,
                    to_state=S.IN_PROGRESS,
                    actor=actor,
                )
            _set_last_update(current, day, text)
        if reason:
            changes["reason"] = reason
        changes["reported_on"] = day.isoformat()

        if files:
            from dieuphoi.docs.services import attachment_add

            names = []
            for uploaded in files:
                attachment = attachment_add(
                    actor=actor, target=update, uploaded_file=uploaded
                )
                names.append(attachment.original_name)
            changes["files"] = names

        current.version += 1
        current.search_text = current.compute_search_text()
        current.full_clean(validate_constraints=False)
        current.save()
        audit_record(
            actor=actor, action="tasks.progress", target=current, changes=changes
        )
        notices.progress_reported(task=current, update=update, actor=actor)
    return update
