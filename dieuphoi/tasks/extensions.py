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
- ``extension_close_on_cancel(*, task, actor, reason)``: called by
  ``services.task_transition`` when a task with a pending request is
  cancelled.

Errors: ``ValidationError`` keyed by ``requested_deadline``, ``reason``,
``file``, ``decision``, ``deadline`` or ``action`` (a second pending request,
a state that does not allow the action); ``PermissionDenied`` when the
actor's role does not allow it; ``Conflict`` (409) when the request is no
longer pending or ``version`` is stale. Nothing is written when one is raised.

Reads are in ``extension_selectors``, permission helpers
(``can_request_extension``...) in ``permissions``.
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
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Membership

from . import services, workflow
from .models import ExtensionRequest, ProgressUpdate, Task
from .permissions import task_roles

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
}
CHANGE_LABELS = {
    "requested_deadline": _("Requested deadline"),
    "approved_deadline": _("Approved deadline"),
    "extension_request": _("Extension request"),
    "decision_reason": _("Reason for the decision"),
    "reason": _("Reason"),
    "files": _("Files"),
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
    reason = services._clean_multiline(reason)
    with transaction.atomic():
        current = services._lock_task(task)
        services._check_version(current, version)
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
            ExtensionRequest.objects.filter(task=current, state=R.PENDING)
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
        workflow.check_transition(actor, current, t.action)
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
        if not reason:
            errors["reason"] = [gettext("Give the reason for the extension.")]
        elif len(reason) > REASON_MAX:
            errors["reason"] = [
                gettext("The reason is too long (at most %(max)s characters).")
                % {"max": REASON_MAX}
            ]
        services._raise(errors)

        extension = ExtensionRequest(
            task=current,
            requested_by=actor,
            # The lead agency asks, through its focal point or the owner.
            agency_id=current.lead_agency_id,
            current_deadline=current.deadline,
            requested_deadline=requested_deadline,
            reason=reason,
            previous_state=current.state,
        )
        extension.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                extension.save()
        except IntegrityError:
            # Another request slipped in (the task lock makes this rare).
            raise ValidationError(
                {"action": gettext("An extension request is already pending.")}
            ) from None
        changes: dict[str, Any] = {
            "state": {"before": current.state, "after": S.EXTENSION_REQUESTED},
            "requested_deadline": {
                "before": current.deadline.isoformat(),
                "after": requested_deadline.isoformat(),
            },
            "reason": reason,
            "extension_request": extension.pk,
        }
        if file:
            from dieuphoi.docs.services import attachment_add

            attachment = attachment_add(
                actor=actor, target=extension, uploaded_file=file
            )
            changes["files"] = [attachment.original_name]
        current.state = S.EXTENSION_REQUESTED
        _save_task(current)
        audit_record(
            actor=actor,
            action="tasks.request_extension",
            target=current,
            changes=changes,
        )
        code, date = current.code, requested_deadline.strftime("%d/%m/%Y")
        _notify(
            recipients=_leader_ids(current),
            kind="extension_requested",
            task=current,
            key=f"extension:{extension.pk}:requested",
            title=lambda: (
                gettext(
                    "%(code)s: extension to %(date)s requested, awaiting your decision"
                )
                % {"code": code, "date": date}
            ),
            actor=actor,
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
    through ``services.deadline_change_apply`` (original deadline kept,
    change counted and recorded). The task returns to its state before the
    request. Leader, deputy or administrator only (403, checked first);
    ``Conflict`` when the request was decided or withdrawn meanwhile.
    """
    reason = services._clean_multiline(reason)
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
        current = services._lock_task(task)
        extension = _lock_request(current, extension)
        t = workflow.TRANSITIONS[action]
        if not task_roles(actor, current) & t.roles:
            raise PermissionDenied(
                gettext("Only the leader or deputy may decide on extension requests.")
            )
        if not extension.is_pending or current.state != S.EXTENSION_REQUESTED:
            raise _decided_conflict(extension, current)
        workflow.check_transition(actor, current, action)
        today = local_today()
        errors: dict[str, list[str]] = {}
        if len(reason) > REASON_MAX:
            errors["reason"] = [
                gettext("The reason is too long (at most %(max)s characters).")
                % {"max": REASON_MAX}
            ]
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
        services._raise(errors)

        before_state = current.state
        changes: dict[str, Any] = {"extension_request": extension.pk}
        if new_deadline is not None:
            change_reason = reason or extension.reason
            changes.update(
                services.deadline_change_apply(
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
        if reason:
            changes["decision_reason"] = reason
        extension.state = _DECISION_STATE[decision]
        extension.decided_by = (
            actor if getattr(actor, "is_authenticated", False) else None
        )
        extension.decided_on = today
        extension.decision_reason = reason
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
            recipients=[extension.requested_by_id, current.owner_id],
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
        current = services._lock_task(task)
        extension = _lock_request(current, extension)
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
        extension.state = R.WITHDRAWN
        extension.decided_by = actor
        extension.decided_on = local_today()
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


def extension_close_on_cancel(*, task: Task, actor, reason: str) -> int | None:
    """Close the pending request of a task being cancelled (inside
    ``task_transition``'s transaction, task locked): it is withdrawn with the
    cancellation's reason. Returns its id, or ``None`` when none was pending."""
    extension = (
        ExtensionRequest.objects.select_for_update()
        .filter(task=task, state=R.PENDING)
        .first()
    )
    if extension is None:
        return None
    extension.state = R.WITHDRAWN
    extension.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    extension.decided_on = local_today()
    extension.decision_reason = reason
    extension.save(
        update_fields=["state", "decided_by", "decided_on", "decision_reason"]
    )
    return extension.pk
