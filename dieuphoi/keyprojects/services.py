"""Writes of key projects, their phases and milestones.

Public names:

- ``project_create(*, actor, body, code, name, lead_agency, decided_on,
  ...) -> KeyProject`` and ``project_update(*, actor, project, version,
  **fields) -> KeyProject``.
- ``phase_add(*, actor, project, name, order=None) -> Phase``.
- ``milestone_add(*, actor, project, name, planned_on, responsible_agency,
  phase=None, note="") -> Milestone``, ``milestone_update(*, actor,
  milestone, version, **fields)`` and ``milestone_complete(*, actor,
  milestone, version, actual_on, note=None)``.

Each checks that ``actor`` manages the project's body
(``permissions.can_change_project``: ``PermissionDenied``), validates first
(``ValidationError`` keyed by field, nothing written), checks the version
(``Conflict``), and writes in one transaction with its audit event. Phase
and milestone events are recorded on the project, so its history shows them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core import money
from dieuphoi.core.models import local_today
from dieuphoi.core.versioning import check_version, save_bumped
from dieuphoi.org.models import AdministrativeUnit, Agency, Body
from dieuphoi.org.permissions import can_manage_body
from dieuphoi.paperwork.services import clean_text
from dieuphoi.tasks.services import lead_agency_error

from .models import NOTE_MAX, KeyProject, Milestone, Phase

ACTION_LABELS = {
    "keyprojects.create": _("Created the key project"),
    "keyprojects.update": _("Edited the key project"),
    "keyprojects.phase_add": _("Added a phase"),
    "keyprojects.milestone_add": _("Added a milestone"),
    "keyprojects.milestone_update": _("Edited a milestone"),
    "keyprojects.milestone_complete": _("Marked a milestone done"),
}

# Keys of the changes that are not fields of KeyProject (phase and
# milestone events are recorded on the project).
CHANGE_LABELS = {
    "milestone": _("milestone"),
    "phase": _("phase"),
    "planned_on": _("planned date"),
    "actual_on": _("actual date"),
    "responsible_agency": _("responsible agency"),
    "note": _("note"),
}

CAPITAL_FIELDS = KeyProject.CAPITAL_FIELDS
CODE_MAX = KeyProject._meta.get_field("code").max_length
NAME_MAX = KeyProject._meta.get_field("name").max_length
INVESTOR_MAX = KeyProject._meta.get_field("investor").max_length
PHASE_NAME_MAX = Phase._meta.get_field("name").max_length
MILESTONE_NAME_MAX = Milestone._meta.get_field("name").max_length
# The proposal states that are a decision to go ahead.
ADOPTED_STATES = ("approved", "approved_changes", "adopted", "implementation")


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _require_manager(actor, body_id: int) -> None:
    if not can_manage_body(actor, body_id):
        raise PermissionDenied


# --- projects ----------------------------------------------------------------------


def _validate_project(
    *,
    body: Body,
    project: KeyProject | None,
    code: str,
    name: str,
    investor: str,
    lead_agency: Agency | None,
    decided_on: datetime.date | None,
    locations: Sequence[AdministrativeUnit],
    proposal,
    capital: dict,
    total_investment: Any,
    decision_documents: Sequence,
    tasks: Sequence,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    state: str,
) -> dict:
    """The amounts to store (``total_investment`` and the four sources);
    ``ValidationError`` with every problem found, keyed by field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not code:
        add("code", gettext("Write the project's code."))
    elif len(code) > CODE_MAX:
        add(
            "code",
            gettext("The code is longer than %(n)d characters.") % {"n": CODE_MAX},
        )
    elif (
        KeyProject.objects.filter(body=body, code__iexact=code)
        .exclude(pk=project.pk if project else None)
        .exists()
    ):
        add("code", gettext("Another key project of the team has this code."))
    if not name:
        add("name", gettext("Write the project's name."))
    elif len(name) > NAME_MAX:
        add(
            "name",
            gettext("The name is longer than %(n)d characters.") % {"n": NAME_MAX},
        )
    if len(investor) > INVESTOR_MAX:
        add(
            "investor",
            gettext("The name is longer than %(n)d characters.") % {"n": INVESTOR_MAX},
        )
    if state not in KeyProject.State.values:
        add("state", gettext("Choose the state of the project."))
    if decided_on is None:
        add("decided_on", gettext("Give the date of the investment decision."))
    if lead_agency is None:
        add("lead_agency", gettext("Choose the lead agency."))
    elif decided_on is not None:
        if not lead_agency.is_valid_on(decided_on):
            add(
                "lead_agency",
                gettext("%(agency)s did not exist on %(date)s.")
                % {"agency": lead_agency, "date": _d(decided_on)},
            )
        else:
            message = lead_agency_error(body, lead_agency)
            if message:
                add("lead_agency", message)
    for unit in locations:
        if decided_on is not None and not unit.is_valid_on(decided_on):
            add(
                "locations",
                gettext("%(unit)s did not exist on %(date)s.")
                % {"unit": unit, "date": _d(decided_on)},
            )
    if proposal is not None:
        if proposal.body_id != body.pk:
            add("proposal", gettext("The proposal is not one of the team's."))
        elif proposal.state not in ADOPTED_STATES:
            add(
                "proposal",
                gettext(
                    "The proposal has not been approved or adopted yet (it is "
                    "%(state)s)."
                )
                % {"state": proposal.get_state_display().lower()},
            )
    if any(d.body_id != body.pk for d in decision_documents):
        add(
            "decision_documents",
            gettext("Choose documents of the team's register."),
        )
    if any(t.body_id != body.pk for t in tasks):
        add("tasks", gettext("Link tasks of the team only."))
    amounts = {
        field: money.parse_amount(capital.get(field), field, errors)
        for field in CAPITAL_FIELDS
    }
    total = money.parse_amount(total_investment, "total_investment", errors)
    if not any(errors.get(f) for f in (*CAPITAL_FIELDS, "total_investment")):
        total = money.total_of_sources(
            amounts, total, total_field="total_investment", errors=errors
        )
    if starts_on and ends_on and ends_on < starts_on:
        add("ends_on", gettext("The end is before the start."))
    if project is not None and starts_on is not None:
        early = (
            project.milestones.filter(
                Q(planned_on__lt=starts_on) | Q(actual_on__lt=starts_on)
            )
            .order_by("planned_on")
            .first()
        )
        if early is not None:
            add(
                "starts_on",
                gettext(
                    "The milestone “%(name)s” is dated before this start; "
                    "change the milestone first."
                )
                % {"name": early.name},
            )
    if errors:
        raise ValidationError(errors)
    return {"total_investment": total, **amounts}


def project_create(
    *,
    actor,
    body: Body,
    code: str,
    name: str,
    lead_agency: Agency | None,
    decided_on: datetime.date | None,
    investor: str = "",
    locations: Iterable[AdministrativeUnit] = (),
    proposal=None,
    capital: dict | None = None,
    total_investment: Any = None,
    decision_documents: Iterable = (),
    tasks: Iterable = (),
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    state: str = KeyProject.State.PREPARING,
) -> KeyProject:
    """A new key project of ``body`` (its managers)."""
    _require_manager(actor, body.pk)
    code = clean_text(code, limit=CODE_MAX).strip()
    name = clean_text(name, limit=NAME_MAX)
    investor = clean_text(investor, limit=INVESTOR_MAX)
    locations = list(dict.fromkeys(locations))
    decision_documents = list(dict.fromkeys(decision_documents))
    tasks = list(dict.fromkeys(tasks))
    amounts = _validate_project(
        body=body,
        project=None,
        code=code,
        name=name,
        investor=investor,
        lead_agency=lead_agency,
        decided_on=decided_on,
        locations=locations,
        proposal=proposal,
        capital=capital or {},
        total_investment=total_investment,
        decision_documents=decision_documents,
        tasks=tasks,
        starts_on=starts_on,
        ends_on=ends_on,
        state=state,
    )
    with transaction.atomic():
        project = KeyProject.objects.create(
            body=body,
            code=code,
            name=name,
            investor=investor,
            proposal=proposal,
            lead_agency=lead_agency,
            decided_on=decided_on,
            starts_on=starts_on,
            ends_on=ends_on,
            state=state,
            created_by=_actor(actor),
            **amounts,
        )
        project.locations.set(locations)
        project.decision_documents.set(decision_documents)
        project.tasks.set(tasks)
        audit_record(
            actor=actor,
            action="keyprojects.create",
            target=project,
            changes={
                "code": {"before": None, "after": code},
                "name": {"before": None, "after": name},
            },
        )
    return project


UPDATE_FIELDS = (
    "code",
    "name",
    "investor",
    "proposal",
    "lead_agency",
    "decided_on",
    "starts_on",
    "ends_on",
    "state",
)
M2M_FIELDS = ("locations", "decision_documents", "tasks")


def project_update(
    *, actor, project: KeyProject, version: int | None, **fields
) -> KeyProject:
    """Change the project's facts. ``fields`` as ``project_create``'s; a
    field left out keeps its value; ``capital`` (with ``total_investment``)
    replaces the amounts when either is given. Checks as at creation, and
    the start may not move after a milestone's date. A stale ``version``
    raises ``Conflict``."""
    _require_manager(actor, project.body_id)
    unknown = set(fields) - {
        *UPDATE_FIELDS,
        *M2M_FIELDS,
        "capital",
        "total_investment",
    }
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    current = {name: getattr(project, name) for name in UPDATE_FIELDS}
    new = {**current, **{k: v for k, v in fields.items() if k in UPDATE_FIELDS}}
    new["code"] = clean_text(new["code"] or "", limit=CODE_MAX).strip()
    new["name"] = clean_text(new["name"] or "", limit=NAME_MAX)
    new["investor"] = clean_text(new["investor"] or "", limit=INVESTOR_MAX)
    m2m = {
        name: list(dict.fromkeys(fields[name]))
        if name in fields
        else list(getattr(project, name).all())
        for name in M2M_FIELDS
    }
    if "capital" in fields or "total_investment" in fields:
        capital = fields.get("capital") or {}
        total = fields.get("total_investment")
    else:
        capital = {name: getattr(project, name) for name in CAPITAL_FIELDS}
        total = project.total_investment
    amounts = _validate_project(
        body=project.body,
        project=project,
        code=new["code"],
        name=new["name"],
        investor=new["investor"],
        lead_agency=new["lead_agency"],
        decided_on=new["decided_on"],
        locations=m2m["locations"],
        proposal=new["proposal"],
        capital=capital,
        total_investment=total,
        decision_documents=m2m["decision_documents"],
        tasks=m2m["tasks"],
        starts_on=new["starts_on"],
        ends_on=new["ends_on"],
        state=new["state"],
    )
    with transaction.atomic():
        locked = KeyProject.objects.select_for_update().get(pk=project.pk)
        check_version(locked, version)
        changes: dict[str, dict] = {}
        for name in UPDATE_FIELDS:
            before, after = getattr(locked, name), new[name]
            if before != after:
                changes[name] = {"before": str(before), "after": str(after)}
            setattr(locked, name, after)
        for name, amount in amounts.items():
            if getattr(locked, name) != amount:
                changes[name] = {
                    "before": str(getattr(locked, name)),
                    "after": str(amount),
                }
            setattr(locked, name, amount)
        for name in M2M_FIELDS:
            before_ids = set(getattr(locked, name).values_list("pk", flat=True))
            after_ids = {o.pk for o in m2m[name]}
            if before_ids != after_ids:
                changes[name] = {
                    "before": sorted(before_ids),
                    "after": sorted(after_ids),
                }
                getattr(locked, name).set(m2m[name])
        save_bumped(locked, [*UPDATE_FIELDS, *amounts, "updated_at"])
        audit_record(
            actor=actor, action="keyprojects.update", target=locked, changes=changes
        )
    return locked


# --- phases ------------------------------------------------------------------------


def phase_add(
    *, actor, project: KeyProject, name: str, order: int | None = None
) -> Phase:
    """A phase, last unless ``order`` is given (an order already taken is
    a field error)."""
    _require_manager(actor, project.body_id)
    name = clean_text(name, limit=PHASE_NAME_MAX)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [gettext("Write the phase's name.")]
    elif len(name) > PHASE_NAME_MAX:
        errors["name"] = [
            gettext("The name is longer than %(n)d characters.") % {"n": PHASE_NAME_MAX}
        ]
    if order is not None and not 1 <= order <= 999:
        errors["order"] = [gettext("The order is a number from 1 to 999.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = KeyProject.objects.select_for_update().get(pk=project.pk)
        if order is None:
            last = locked.phases.aggregate(m=Max("order"))["m"] or 0
            order = last + 1
        elif locked.phases.filter(order=order).exists():
            raise ValidationError({"order": [gettext("Another phase has this order.")]})
        phase = Phase.objects.create(project=locked, name=name, order=order)
        audit_record(
            actor=actor,
            action="keyprojects.phase_add",
            target=locked,
            changes={"phase": {"before": None, "after": f"{order}. {name}"}},
        )
    return phase


# --- milestones --------------------------------------------------------------------


def _validate_milestone(
    *,
    project: KeyProject,
    name: str,
    planned_on: datetime.date | None,
    actual_on: datetime.date | None,
    responsible_agency: Agency | None,
    phase: Phase | None,
    note: str,
    on: datetime.date,
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not name:
        add("name", gettext("Write the milestone's name."))
    elif len(name) > MILESTONE_NAME_MAX:
        add(
            "name",
            gettext("The name is longer than %(n)d characters.")
            % {"n": MILESTONE_NAME_MAX},
        )
    if len(note) > NOTE_MAX:
        add(
            "note",
            gettext("The note is longer than %(n)d characters.") % {"n": NOTE_MAX},
        )
    if planned_on is None:
        add("planned_on", gettext("Give the planned date."))
    elif project.starts_on and planned_on < project.starts_on:
        add(
            "planned_on",
            gettext("The project starts on %(date)s: plan the milestone from then.")
            % {"date": _d(project.starts_on)},
        )
    if actual_on is not None:
        if project.starts_on and actual_on < project.starts_on:
            add(
                "actual_on",
                gettext(
                    "The project starts on %(date)s: a milestone cannot be done "
                    "before it."
                )
                % {"date": _d(project.starts_on)},
            )
        elif actual_on > on:
            add("actual_on", gettext("The actual date cannot be in the future."))
    if responsible_agency is None:
        add("responsible_agency", gettext("Choose the responsible agency."))
    elif planned_on is not None and not responsible_agency.is_valid_on(planned_on):
        add(
            "responsible_agency",
            gettext("%(agency)s did not exist on %(date)s.")
            % {"agency": responsible_agency, "date": _d(planned_on)},
        )
    if phase is not None and phase.project_id != project.pk:
        add("phase", gettext("The phase is not one of the project's."))
    if errors:
        raise ValidationError(errors)


def milestone_add(
    *,
    actor,
    project: KeyProject,
    name: str,
    planned_on: datetime.date | None,
    responsible_agency: Agency | None,
    phase: Phase | None = None,
    note: str = "",
    actual_on: datetime.date | None = None,
    on: datetime.date | None = None,
) -> Milestone:
    """A milestone of ``project``; ``actual_on`` records one already done."""
    _require_manager(actor, project.body_id)
    on = on or local_today()
    name = clean_text(name, limit=MILESTONE_NAME_MAX)
    note = clean_text(note, multiline=True, limit=NOTE_MAX)
    _validate_milestone(
        project=project,
        name=name,
        planned_on=planned_on,
        actual_on=actual_on,
        responsible_agency=responsible_agency,
        phase=phase,
        note=note,
        on=on,
    )
    with transaction.atomic():
        milestone = Milestone.objects.create(
            project=project,
            phase=phase,
            name=name,
            planned_on=planned_on,
            actual_on=actual_on,
            responsible_agency=responsible_agency,
            note=note,
            created_by=_actor(actor),
        )
        audit_record(
            actor=actor,
            action="keyprojects.milestone_add",
            target=project,
            changes={
                "milestone": name,
                "planned_on": _d(planned_on),
                "responsible_agency": str(responsible_agency),
            },
        )
    return milestone


MILESTONE_FIELDS = (
    "name",
    "planned_on",
    "actual_on",
    "responsible_agency",
    "phase",
    "note",
)


def milestone_update(
    *,
    actor,
    milestone: Milestone,
    version: int | None,
    on: datetime.date | None = None,
    **fields,
) -> Milestone:
    """Change a milestone (``MILESTONE_FIELDS``; a field left out keeps its
    value; ``actual_on=None`` reopens it). A stale ``version`` raises
    ``Conflict``."""
    project = milestone.project
    _require_manager(actor, project.body_id)
    unknown = set(fields) - set(MILESTONE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    on = on or local_today()
    new = {name: getattr(milestone, name) for name in MILESTONE_FIELDS}
    new.update(fields)
    new["name"] = clean_text(new["name"] or "", limit=MILESTONE_NAME_MAX)
    new["note"] = clean_text(new["note"] or "", multiline=True, limit=NOTE_MAX)
    _validate_milestone(
        project=project,
        name=new["name"],
        planned_on=new["planned_on"],
        actual_on=new["actual_on"],
        responsible_agency=new["responsible_agency"],
        phase=new["phase"],
        note=new["note"],
        on=on,
    )
    return _save_milestone(
        actor=actor,
        milestone=milestone,
        version=version,
        new=new,
        action="keyprojects.milestone_update",
    )


def milestone_complete(
    *,
    actor,
    milestone: Milestone,
    version: int | None,
    actual_on: datetime.date | None,
    note: str | None = None,
    on: datetime.date | None = None,
) -> Milestone:
    """Record the actual date the milestone was reached (done late when it
    is after the planned date)."""
    project = milestone.project
    _require_manager(actor, project.body_id)
    on = on or local_today()
    new = {name: getattr(milestone, name) for name in MILESTONE_FIELDS}
    new["actual_on"] = actual_on
    if note is not None:
        new["note"] = clean_text(note, multiline=True, limit=NOTE_MAX)
    if actual_on is None:
        raise ValidationError(
            {"actual_on": [gettext("Give the date the milestone was reached.")]}
        )
    _validate_milestone(
        project=project,
        name=new["name"],
        planned_on=new["planned_on"],
        actual_on=actual_on,
        responsible_agency=new["responsible_agency"],
        phase=new["phase"],
        note=new["note"],
        on=on,
    )
    return _save_milestone(
        actor=actor,
        milestone=milestone,
        version=version,
        new=new,
        action="keyprojects.milestone_complete",
    )


def _save_milestone(
    *, actor, milestone: Milestone, version: int | None, new: dict, action: str
) -> Milestone:
    project = milestone.project
    with transaction.atomic():
        locked = (
            # Only the milestone's row: PostgreSQL refuses FOR UPDATE on the
            # nullable side of the join to its phase.
            Milestone.objects.select_for_update(of=("self",))
            .select_related("responsible_agency", "phase")
            .get(pk=milestone.pk)
        )
        check_version(locked, version)
        changes: dict[str, Any] = {"milestone": locked.name}
        for name in MILESTONE_FIELDS:
            before, after = getattr(locked, name), new[name]
            if before != after:
                changes[name] = {
                    "before": None if before is None else str(before),
                    "after": None if after is None else str(after),
                }
            setattr(locked, name, after)
        save_bumped(locked, MILESTONE_FIELDS)
        locked.project = project
        audit_record(actor=actor, action=action, target=project, changes=changes)
    return locked
