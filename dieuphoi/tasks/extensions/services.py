"""Extension requests (đề nghị điều chỉnh thời hạn): the writes.

The lead agency asks for a later deadline with a reason (and optionally a
file); the leader or deputy of the task's body (or an administrator)
approves it, approves it with another date, or refuses it with a reason.
The workflow rows are in ``workflow.TRANSITIONS`` (``request_extension``,
``approve_extension``, ``approve_extension_other_date``,
``refuse_extension``, ``withdraw_extension``). Delegating the decision to
someone other than the leader and deputy is not modelled.

Public names (pages, the API and other apps use them). Services, each one transaction with one audit event on the task's timeline
(actions ``tasks.<workflow action>``), and a notification:

- ``extension_request_create(*, actor, task, requested_deadline, reason,
  file=None, version=None) -> ExtensionRequest``
- ``extension_request_decide(*, actor, task, extension, decision,
  deadline=None, reason="") -> ExtensionRequest``; ``decision`` is a key of
  ``DECISIONS`` (``approve``, ``approve_other_date``, ``refuse``).
- ``extension_request_withdraw(*, actor, task, extension) -> ExtensionRequest``
- ``closing.extension_close_on_cancel(*, task, actor, reason)``: called
  by ``tasks.services.task_transition`` when a task with a pending request
  is cancelled (in ``closing``, below both: this module imports
  ``tasks.services``, never the other way).

Errors: ``ValidationError`` keyed by ``requested_deadline``, ``reason``,
``file``, ``decision``, ``deadline`` or ``action`` (a second pending request,
a state that does not allow the action); ``PermissionDenied`` when the
actor's role does not allow it; ``Conflict`` (409) when the request is no
longer pending or ``version`` is stale. Nothing is written when one is raised.

Reads are in ``extensions.selectors``, permission helpers
(``can_request_extension``...) in ``tasks.permissions``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.core.validation import clean_multiline, raise_field_errors
from dieuphoi.core.versioning import check_version
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Membership

from .. import history as task_history
from .. import notices, workflow
from .. import services as task_services
from ..models import ExtensionRequest, ProgressUpdate, Task
from ..permissions import can_report_on_part, check_transition, task_roles
from .closing import close

S = Task.State
R = ExtensionRequest.State
REASON_MAX = 5000

# API/form decision -> workflow action.
DECISIONS = {
    "approve": "approve_extension",
    "approve_other_date": "approve_extension_other_date",
    "refuse": "refuse_extension",
}
_DECISION_STATE = {
    "approve": R.APPROVED,
    "approve_other_date": R.APPROVED_OTHER_DATE,
    "refuse": R.REFUSED,
}

ACTION_LABELS = {
    "tasks.request_extension": _("Requested an extension"),
    "tasks.approve_extension": _("Approved the extension"),
    "tasks.approve_extension_other_date": _("Approved the extension with another date"),
    "tasks.refuse_extension": _("Refused the extension"),
    "tasks.withdraw_extension": _("Withdrew the extension request"),
    "tasks.request_part_extension": _("Requested a later sub-deadline for a part"),
    "tasks.approve_part_extension": _("Approved a later sub-deadline for a part"),
    "tasks.refuse_part_extension": _("Refused a later sub-deadline for a part"),
    "tasks.withdraw_part_extension": _("Withdrew the request for a later sub-deadline"),
}
CHANGE_LABELS = {
    "requested_deadline": _("Requested deadline"),
    "approved_deadline": _("Approved deadline"),
    "extension_request": _("Extension request"),
    "decision_reason": _("Reason for the decision"),
    "reason": _("Reason"),
    "files": _("Files"),
    "part_deadline": _("Sub-deadline"),
}


def _d(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# --- helpers -------------------------------------------------------------------


def _lock_request(task: Task, extension: ExtensionRequest | int) -> ExtensionRequest:
    pk = getattr(extension, "pk", extension)
    found = (
        ExtensionRequest.objects.select_for_update().filter(task=task, pk=pk).first()
    )
    if found is None:
        raise Http404
    return found


def _decided_conflict(extension: ExtensionRequest, task: Task) -> Conflict:
    who = str(extension.decided_by) if extension.decided_by_id else gettext("someone")
    return Conflict(
        gettext(
            "This extension request is no longer awaiting a decision: "
            "%(state)s by %(who)s on %(date)s. Nothing was changed."
        )
        % {
            "state": extension.get_state_display(),
            "who": who,
            "date": _d(extension.decided_on) if extension.decided_on else "—",
        },
        current_version=task.version,
    )


def _restored_state(task: Task, extension: ExtensionRequest) -> str:
    """The state before the request; a new task that got a progress report
    while the request was pending is in progress (as the report would have
    made it)."""
    state = extension.previous_state or S.IN_PROGRESS
    if (
        state == S.NEW
        and ProgressUpdate.objects.filter(
            task=task, part__isnull=True, created_at__gte=extension.created_at
        ).exists()
    ):
        return S.IN_PROGRESS
    return state


def _save_task(task: Task) -> None:
    task.version += 1
    task.search_text = task.compute_search_text()
    task.full_clean(validate_constraints=False)
    task.save()


def _leader_ids(task: Task) -> list[int]:
    return list(
        Membership.objects.as_of(local_today())
        .filter(body_id=task.body_id, role__in=sorted(org_perms.LEADER_ROLES))
        .values_list("person_id", flat=True)
        .distinct()
    )


def _notify(*, recipients, kind: str, task: Task, key: str, title: Any, actor) -> None:
    """In-app notice (and e-mail per preference) about ``task``; the actor is
    not told about their own action."""
    from dieuphoi.notifications.services import notify

    others = {r for r in recipients if r and r != getattr(actor, "pk", None)}
    if not others:
        return
    notify(
        recipients=others,
        kind=kind,
        target=task,
        title=title,
        url=reverse("tasks:detail", args=[task.pk]),
        key=key,
    )


def _reason_errors(
    reason: str, errors: dict[str, list[str]], *, required: str = ""
) -> None:
    """Add the ``reason`` errors to ``errors``: ``required`` (a message) when
    it must be given and is empty, and the length limit."""
    if not reason and required:
        errors["reason"] = [required]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [
            gettext("The reason is too long (at most %(max)s characters).")
            % {"max": REASON_MAX}
        ]


def _request_save(
    *,
    actor,
    task: Task,
    requested_deadline: datetime.date,
    reason: str,
    file,
    taken: str,
    **party,
) -> tuple[ExtensionRequest, dict[str, Any]]:
    """Save a new request by ``actor`` on the locked ``task`` (``party``: the
    requesting ``agency``/``agency_id``, the ``part`` and its
    ``current_deadline``) and attach ``file``. ``taken``: the message when
    another request is pending after all. Returns the request and the audit
    change for the file (``{}`` without one)."""
    extension = ExtensionRequest(
        task=task,
        requested_by=actor,
        requested_deadline=requested_deadline,
        reason=reason,
        previous_state=task.state,
        **party,
    )
    extension.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError:
        # Another request slipped in (the task lock makes this rare).
        raise ValidationError({"action": taken}) from None
    if not file:
        return extension, {}
    from dieuphoi.docs.services import attachment_add

    attachment = attachment_add(actor=actor, target=extension, uploaded_file=file)
    return extension, {"files": [attachment.original_name]}


def _notify_requested(*, actor, task: Task, extension: ExtensionRequest, title):
    """The body's leaders: a request waits for their decision."""
    _notify(
        recipients=_leader_ids(task),
        kind="extension_requested",
        task=task,
        key=f"extension:{extension.pk}:requested",
        title=title,
        actor=actor,
    )


# --- request ---------------------------------------------------------------------


def extension_request_create(
    *,
    actor,
    task: Task,
    requested_deadline: datetime.date | None,
    reason: str,
    file=None,
    version: int | None = None,
) -> ExtensionRequest:
    """Ask for ``requested_deadline`` instead of the task's deadline.

    Only the lead agency's focal point or the task's owner (403), on a new or
    in-progress task with a deadline, with no other request pending (422 on
    ``action``). The date must be today or later and after the current
    deadline; ``reason`` is required. The task moves to
    ``extension_requested``; ``file`` (optional) is attached to the request.
    The leaders of the body are notified.
    """
    reason = clean_multiline(reason)
    with transaction.atomic():
        current = task_services.lock_task(task)
        check_version(current, version, task_services.VERSION_CONFLICT)
        t = workflow.TRANSITIONS["request_extension"]
        roles = task_roles(actor, current)
        if not roles & t.roles:
            raise PermissionDenied(
                gettext(
                    "Only the lead agency's focal point or the task's owner may "
                    "request an extension."
                )
            )
        pending = (
            ExtensionRequest.objects.filter(
                task=current, state=R.PENDING, part__isnull=True
            )
            .select_related("requested_by")
            .first()
        )
        if pending is not None:
            raise ValidationError(
                {
                    "action": gettext(
                        "An extension request (to %(date)s, by %(who)s) is already "
                        "awaiting a decision."
                    )
                    % {
                        "date": _d(pending.requested_deadline),
                        "who": pending.requested_by or "—",
                    }
                }
            )
        check_transition(actor, current, t.action)
        errors: dict[str, list[str]] = {}
        today = local_today()
        if current.deadline is None:
            errors["requested_deadline"] = [
                gettext("This task has no deadline to extend.")
            ]
        elif requested_deadline is None:
            errors["requested_deadline"] = [gettext("Enter the new deadline.")]
        elif requested_deadline < today:
            errors["requested_deadline"] = [
                gettext("The new deadline cannot be before today (%(today)s).")
                % {"today": _d(today)}
            ]
        elif requested_deadline <= current.deadline:
            errors["requested_deadline"] = [
                gettext(
                    "The new deadline must be after the current deadline "
                    "(%(deadline)s)."
                )
                % {"deadline": _d(current.deadline)}
            ]
        _reason_errors(
            reason, errors, required=gettext("Give the reason for the extension.")
        )
        raise_field_errors(errors)

        extension, files = _request_save(
            actor=actor,
            task=current,
            requested_deadline=requested_deadline,
            reason=reason,
            file=file,
            taken=gettext("An extension request is already pending."),
            # The lead agency asks, through its focal point or the owner.
            agency_id=current.lead_agency_id,
            current_deadline=current.deadline,
        )
        changes: dict[str, Any] = {
            "state": {"before": current.state, "after": S.EXTENSION_REQUESTED},
            "requested_deadline": {
                "before": current.deadline.isoformat(),
                "after": requested_deadline.isoformat(),
            },
            "reason": reason,
            "extension_request": extension.pk,
            **files,
        }
        task_history.record_state_change(
            task=current,
            from_state=current.state,
            to_state=S.EXTENSION_REQUESTED,
            actor=actor,
        )
        current.state = S.EXTENSION_REQUESTED
        _save_task(current)
        audit_record(
            actor=actor,
            action="tasks.request_extension",
            target=current,
            changes=changes,
        )
        code, date = current.code, requested_deadline.strftime("%d/%m/%Y")
        _notify_requested(
            actor=actor,
            task=current,
            extension=extension,
            title=lambda: (
                gettext(
                    "%(code)s: extension to %(date)s requested, awaiting your decision"
                )
                % {"code": code, "date": date}
            ),
        )
    return extension


# --- decide ------------------------------------------------------------------------


def extension_request_decide(
    *,
    actor,
    task: Task,
    extension: ExtensionRequest | int,
    decision: str,
    deadline: datetime.date | None = None,
    reason: str = "",
) -> ExtensionRequest:
    """The leader's decision on a pending request.

    ``approve``: the deadline becomes the requested date; ``approve_other_date``:
    it becomes ``deadline`` (today or later, after the current deadline);
    ``refuse``: the deadline stays, ``reason`` required. An approval goes
    through ``tasks.services.deadline_change_apply`` (original deadline kept,
    change counted and recorded). The task returns to its state before the
    request. Leader, deputy or administrator only (403, checked first);
    ``Conflict`` when the request was decided or withdrawn meanwhile.
    """
    reason = clean_multiline(reason)
    if decision not in DECISIONS:
        raise ValidationError(
            {
                "decision": gettext(
                    "Unknown decision “%(value)s”. Use one of: %(all)s."
                )
                % {"value": decision, "all": ", ".join(DECISIONS)}
            }
        )
    action = DECISIONS[decision]
    with transaction.atomic():
        current = task_services.lock_task(task)
        extension = _lock_request(current, extension)
        if extension.part_id is not None:
            return _part_decide(
                actor=actor,
                task=current,
                extension=extension,
                decision=decision,
                deadline=deadline,
                reason=reason,
            )
        t = workflow.TRANSITIONS[action]
        if not task_roles(actor, current) & t.roles:
            raise PermissionDenied(
                gettext("Only the leader or deputy may decide on extension requests.")
            )
        if not extension.is_pending or current.state != S.EXTENSION_REQUESTED:
            raise _decided_conflict(extension, current)
        check_transition(actor, current, action)
        today = local_today()
        errors: dict[str, list[str]] = {}
        _reason_errors(reason, errors)
        new_deadline = None
        if decision == "approve":
            new_deadline = extension.requested_deadline
            if current.deadline and new_deadline <= current.deadline:
                errors["decision"] = [
                    gettext(
                        "The requested date (%(requested)s) is no longer after the "
                        "task's deadline (%(deadline)s): approve another date or "
                        "refuse."
                    )
                    % {
                        "requested": _d(new_deadline),
                        "deadline": _d(current.deadline),
                    }
                ]
        elif decision == "approve_other_date":
            new_deadline = deadline
            if deadline is None:
                errors["deadline"] = [gettext("Enter the approved deadline.")]
            elif deadline < today:
                errors["deadline"] = [
                    gettext("The deadline cannot be before today (%(today)s).")
                    % {"today": _d(today)}
                ]
            elif current.deadline and deadline <= current.deadline:
                errors["deadline"] = [
                    gettext(
                        "The approved deadline must be after the current deadline "
                        "(%(deadline)s)."
                    )
                    % {"deadline": _d(current.deadline)}
                ]
        elif not reason:
            errors["reason"] = [gettext("Give the reason for refusing.")]
        raise_field_errors(errors)

        before_state = current.state
        changes: dict[str, Any] = {"extension_request": extension.pk}
        if new_deadline is not None:
            change_reason = reason or extension.reason
            changes.update(
                task_services.deadline_change_apply(
                    task=current,
                    new_deadline=new_deadline,
                    reason=change_reason,
                    actor=actor,
                    field="deadline",
                )
            )
            extension.approved_deadline = new_deadline
            if decision == "approve_other_date":
                changes["requested_deadline"] = extension.requested_deadline.isoformat()
        current.state = _restored_state(current, extension)
        changes["state"] = {"before": before_state, "after": current.state}
        task_history.record_state_change(
            task=current, from_state=before_state, to_state=current.state, actor=actor
        )
        if reason:
            changes["decision_reason"] = reason
        close(extension, state=_DECISION_STATE[decision], actor=actor, reason=reason)
        extension.full_clean(validate_constraints=False)
        extension.save()
        _save_task(current)
        audit_record(
            actor=actor, action=f"tasks.{action}", target=current, changes=changes
        )
        code = current.code
        final = current.deadline.strftime("%d/%m/%Y") if current.deadline else "—"
        refused = decision == "refuse"
        _notify(
            recipients=notices.extension_decided_recipients(
                task=current, extension=extension
            ),
            kind="extension_decided",
            task=current,
            key=f"extension:{extension.pk}:decided",
            # Rendered in each recipient's language.
            title=lambda: (
                (
                    gettext("%(code)s: extension refused; the deadline stays %(date)s")
                    if refused
                    else gettext("%(code)s: extension approved; new deadline %(date)s")
                )
                % {"code": code, "date": final}
            ),
            actor=actor,
        )
    return extension


def extension_request_withdraw(
    *, actor, task: Task, extension: ExtensionRequest | int
) -> ExtensionRequest:
    """The lead agency takes back its pending request; the task returns to
    its state before the request, the deadline stays."""
    with transaction.atomic():
        current = task_services.lock_task(task)
        extension = _lock_request(current, extension)
        if extension.part_id is not None:
            return _part_withdraw(actor=actor, task=current, extension=extension)
        t = workflow.TRANSITIONS["withdraw_extension"]
        if not task_roles(actor, current) & t.roles:
            raise PermissionDenied(
                gettext(
                    "Only the lead agency's focal point or the task's owner may "
                    "withdraw the request."
                )
            )
        if not extension.is_pending or current.state != S.EXTENSION_REQUESTED:
            raise _decided_conflict(extension, current)
        before_state = current.state
        current.state = _restored_state(current, extension)
        task_history.record_state_change(
            task=current, from_state=before_state, to_state=current.state, actor=actor
        )
        close(extension, state=R.WITHDRAWN, actor=actor)
        extension.full_clean(validate_constraints=False)
        extension.save()
        _save_task(current)
        audit_record(
            actor=actor,
            action="tasks.withdraw_extension",
            target=current,
            changes={
                "extension_request": extension.pk,
                "state": {"before": before_state, "after": current.state},
            },
        )
    return extension


# --- a party's request for a later sub-deadline --------------------------------
#
# A co-operating party (a Hanoi agency, another province's team or agency, a
# ministry) asks the body that assigned the task to move its own
# sub-deadline. The request is an ``ExtensionRequest`` with ``part`` set: it
# leaves the task's state and deadline alone, one may be pending per part
# (partial unique constraint), the leader or deputy decides it as any other
# request (``extension_request_decide`` routes it here), and an approval
# moves ``TaskPart.deadline`` only (never past the task's deadline).


def _part_date_errors(
    *, part, task: Task, date: datetime.date | None, field: str
) -> list[str]:
    today = local_today()
    if date is None:
        return [gettext("Enter the new sub-deadline.")]
    if date < today:
        return [
            gettext("The new sub-deadline cannot be before today (%(today)s).")
            % {"today": _d(today)}
        ]
    if part.deadline is not None and date <= part.deadline:
        return [
            gettext(
                "The new sub-deadline must be after the current one (%(deadline)s)."
            )
            % {"deadline": _d(part.deadline)}
        ]
    if task.deadline is not None and date > task.deadline:
        return [
            gettext(
                "The new sub-deadline cannot be after the task's deadline "
                "(%(deadline)s)."
            )
            % {"deadline": _d(task.deadline)}
        ]
    return []


def part_extension_request_create(
    *,
    actor,
    task: Task,
    part,
    requested_deadline: datetime.date | None,
    reason: str,
    file=None,
) -> ExtensionRequest:
    """A party asks for a later sub-deadline of its own ``part``.

    Only someone who reports on the part (``permissions.can_report_on_part``:
    its focal point, or an external user of the party) may (403); the part
    needs a sub-deadline and must be unfinished, the task open (422 on
    ``action``); one pending request per part (422 on ``action``). The date
    is today or later, after the current sub-deadline and not after the
    task's deadline; ``reason`` is required. The body's leaders are notified.
    """
    from ..models import TaskPart

    reason = clean_multiline(reason)
    with transaction.atomic():
        current = task_services.lock_task(task)
        part_id = getattr(part, "pk", part)
        locked = (
            TaskPart.objects.select_for_update(of=("self",))
            .select_related("agency", "body")
            .filter(task=current, pk=part_id)
            .first()
        )
        if locked is None:
            raise ValidationError(
                {"part": gettext("This part is not part of the task.")}
            )
        locked.task = current
        if not can_report_on_part(actor, locked):
            raise PermissionDenied(
                gettext(
                    "Only the co-operating party may ask to move its own sub-deadline."
                )
            )
        if locked.deadline is None:
            raise ValidationError(
                {"action": gettext("This part has no sub-deadline to extend.")}
            )
        if locked.progress >= 100 or current.state not in (
            S.NEW,
            S.IN_PROGRESS,
            S.EXTENSION_REQUESTED,
        ):
            raise ValidationError(
                {
                    "action": gettext(
                        "A sub-deadline can only be extended while the part is "
                        "unfinished and the task is open."
                    )
                }
            )
        if ExtensionRequest.objects.filter(part=locked, state=R.PENDING).exists():
            raise ValidationError(
                {
                    "action": gettext(
                        "A request for this part is already awaiting a decision."
                    )
                }
            )
        errors: dict[str, list[str]] = {}
        if date_errors := _part_date_errors(
            part=locked,
            task=current,
            date=requested_deadline,
            field="requested_deadline",
        ):
            errors["requested_deadline"] = date_errors
        _reason_errors(
            reason, errors, required=gettext("Give the reason for the extension.")
        )
        raise_field_errors(errors)
        extension, files = _request_save(
            actor=actor,
            task=current,
            requested_deadline=requested_deadline,
            reason=reason,
            file=file,
            taken=gettext("A request for this part is already pending."),
            part=locked,
            agency=task_services.reporting_agency(actor, locked),
            current_deadline=locked.deadline,
        )
        changes: dict[str, Any] = {
            "part": locked.party_code,
            "part_deadline": {
                "before": locked.deadline.isoformat(),
                "after": requested_deadline.isoformat(),
            },
            "reason": reason,
            "extension_request": extension.pk,
            **files,
        }
        audit_record(
            actor=actor,
            action="tasks.request_part_extension",
            target=current,
            changes=changes,
        )
        code, party = current.code, locked.party_name
        date = requested_deadline.strftime("%d/%m/%Y")
        _notify_requested(
            actor=actor,
            task=current,
            extension=extension,
            title=lambda: (
                gettext("%(code)s: %(party)s asks to move its sub-deadline to %(date)s")
                % {"code": code, "party": party, "date": date}
            ),
        )
    return extension


def _part_decide(
    *,
    actor,
    task: Task,
    extension: ExtensionRequest,
    decision: str,
    deadline: datetime.date | None,
    reason: str,
) -> ExtensionRequest:
    """``extension_request_decide`` for a part's request (inside its
    transaction, task and request locked)."""
    from ..models import TaskPart

    if not task_roles(actor, task) & workflow.DECIDERS:
        raise PermissionDenied(
            gettext("Only the leader or deputy may decide on extension requests.")
        )
    if not extension.is_pending:
        raise _decided_conflict(extension, task)
    part = TaskPart.objects.select_for_update(of=("self",)).select_related(
        "agency", "body"
    )
    part = part.get(pk=extension.part_id)
    errors: dict[str, list[str]] = {}
    _reason_errors(reason, errors)
    new_deadline = None
    if decision == "approve":
        new_deadline = extension.requested_deadline
        if date_errors := _part_date_errors(
            part=part, task=task, date=new_deadline, field="decision"
        ):
            errors["decision"] = date_errors
    elif decision == "approve_other_date":
        new_deadline = deadline
        if date_errors := _part_date_errors(
            part=part, task=task, date=deadline, field="deadline"
        ):
            errors["deadline"] = date_errors
    elif not reason:
        errors["reason"] = [gettext("Give the reason for refusing.")]
    raise_field_errors(errors)
    changes: dict[str, Any] = {
        "extension_request": extension.pk,
        "part": part.party_code,
    }
    if new_deadline is not None:
        changes["part_deadline"] = {
            "before": part.deadline.isoformat() if part.deadline else None,
            "after": new_deadline.isoformat(),
        }
        part.deadline = new_deadline
        part.full_clean()
        part.save(update_fields=["deadline"])
        extension.approved_deadline = new_deadline
    if reason:
        changes["decision_reason"] = reason
    close(extension, state=_DECISION_STATE[decision], actor=actor, reason=reason)
    extension.full_clean(validate_constraints=False)
    extension.save()
    _save_task(task)
    refused = decision == "refuse"
    audit_record(
        actor=actor,
        action="tasks.refuse_part_extension"
        if refused
        else "tasks.approve_part_extension",
        target=task,
        changes=changes,
    )
    code, party = task.code, part.party_name
    final = part.deadline.strftime("%d/%m/%Y") if part.deadline else "—"
    _notify(
        recipients={extension.requested_by_id} - {None},
        kind="extension_decided",
        task=task,
        key=f"extension:{extension.pk}:decided",
        title=lambda: (
            (
                gettext(
                    "%(code)s: later sub-deadline for %(party)s refused; it "
                    "stays %(date)s"
                )
                if refused
                else gettext("%(code)s: new sub-deadline for %(party)s: %(date)s")
            )
            % {"code": code, "party": party, "date": final}
        ),
        actor=actor,
    )
    return extension


def _part_withdraw(*, actor, task: Task, extension: ExtensionRequest):
    """The party takes back its pending request (its requester, or anyone
    who reports on the part)."""
    from ..models import TaskPart

    part = TaskPart.objects.select_related("agency", "body").get(pk=extension.part_id)
    part.task = task
    if not can_report_on_part(actor, part):
        raise PermissionDenied(
            gettext("Only the co-operating party may withdraw its request.")
        )
    if not extension.is_pending:
        raise _decided_conflict(extension, task)
    close(extension, state=R.WITHDRAWN, actor=actor)
    extension.full_clean(validate_constraints=False)
    extension.save()
    _save_task(task)
    audit_record(
        actor=actor,
        action="tasks.withdraw_part_extension",
        target=task,
        changes={"extension_request": extension.pk, "part": part.party_code},
    )
    return extension
