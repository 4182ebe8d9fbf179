"""The task page: its context and its HTMX re-render, shared by the task
views and the extension views (which re-render the page with their forms'
errors), so neither imports the other.

Public names:

- ``detail_context(request, task, *, progress_form=None, failed_action=None,
  notice="", upload_form=None, extension_form=None, failed_decision=None)
  -> dict``: everything ``tasks/task_detail.html`` shows (the extension
  parts from ``extensions.detail``).
- ``detail_response(request, pk, *, message="", **extra)``: the re-rendered
  ``task-detail`` fragment (or page) with a toast; ``extra`` goes to
  ``detail_context``.
- ``reporting_of(user, task) -> dict | None``: what the user may report on.
- ``task_attachments_context(request, task, upload_form=None) -> dict``: the
  task's files as the user may see them.
- ``REPORTABLE_STATES``: the states progress can be reported in.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_htmx.http import trigger_client_event

from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.core.sections import SectionRegistry
from dieuphoi.docs.models import Attachment
from dieuphoi.docs.permissions import can_change_attachments
from dieuphoi.docs.views import attachments_context
from dieuphoi.org import permissions as org_perms

from . import buckets, discussion, selectors, sources, workflow
from .extensions import detail as extension_detail
from .forms import ProgressForm, TransitionForm
from .models import ProgressUpdate, Task
from .panels import task_panels
from .permissions import (
    allowed_actions,
    can_change_task,
    can_report_progress,
    party_people_ids,
    task_roles,
    user_parts,
)

S = Task.State
REPORTABLE_STATES = (S.NEW, S.IN_PROGRESS, S.EXTENSION_REQUESTED)


def _update_files(updates: list[ProgressUpdate]) -> dict[int, list[Attachment]]:
    """Files of each progress update, in one query."""
    if not updates:
        return {}
    ct = ContentType.objects.get_for_model(ProgressUpdate)
    files: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(
        target_type=ct, target_id__in=[u.pk for u in updates]
    ).order_by("uploaded_at", "id"):
        files.setdefault(attachment.target_id, []).append(attachment)
    return files


def reporting_of(user, task: Task) -> dict:
    """What the user may report on: ``{"parts": [...], "task_level": bool}``,
    or ``None`` when they may not report now."""
    if task.state not in REPORTABLE_STATES or not can_report_progress(user, task):
        return None
    parts = user_parts(user, task)
    task_level = bool(task_roles(user, task) & workflow.REPORTERS)
    if not parts and not task_level:
        return None
    return {"parts": parts, "task_level": task_level}


def _action_forms(user, task: Task, failed: TransitionForm | None) -> list[dict]:
    out = []
    for name in allowed_actions(user, task, extension=False):
        t = workflow.TRANSITIONS[name]
        if failed is not None and failed.data.get("action") == name:
            form = failed
        else:
            form = TransitionForm(
                initial={"action": name, "version": task.version},
                auto_id=f"id_{name}_%s",
                action=name,
            )
        out.append(
            {
                "name": name,
                "label": workflow.action_label(name),
                "reason_required": t.reason_required,
                "needs_deadline": name == "change_deadline",
                "needs_date": name == "report_done",
                "with_form": t.reason_required or name == "report_done",
                "form": form,
                "open": form is failed,
            }
        )
    return out


def detail_context(
    request,
    task: Task,
    *,
    progress_form: ProgressForm | None = None,
    failed_action: TransitionForm | None = None,
    notice: str = "",
    upload_form=None,
    extension_form=None,
    failed_decision=None,
) -> dict:
    user = request.user
    today = local_today()
    # ``task_get`` already keeps a party-only viewer (another province's
    # team, an outside agency) to their own parts and their updates; here
    # they also get no audit timeline (it names Hanoi's people and actions)
    # and only their own parts' extension requests.
    party_only = getattr(task, "party_only", False)
    updates = list(task.updates.all())
    # A party sees the files of its own parts' updates, not the lead's.
    files = _update_files([u for u in updates if u.part_id or not party_only])
    for update in updates:
        update.files = files.get(update.pk, [])
    reporting = reporting_of(user, task)
    if reporting and progress_form is None:
        progress_form = ProgressForm(
            initial={"version": task.version, "percent": task.progress},
            parts=reporting["parts"],
            task_level=reporting["task_level"],
        )
    actions = _action_forms(user, task, failed_action)
    if failed_action is not None and not any(a["open"] for a in actions):
        # The action is no longer offered (the state changed): say why.
        errors = [e for errs in failed_action.errors.values() for e in errs]
        notice = notice or " ".join(errors)
    extension = extension_detail.detail_context(
        user,
        task,
        extension_form=extension_form,
        failed_decision=failed_decision,
    )
    if party_only:
        own = {p.pk for p in task.parts.all()}
        for key in ("extension_history", "part_extension_pending"):
            extension[key] = [e for e in extension[key] if e.part_id in own]
        extension["extension_pending"] = None
    return {
        "task": task,
        "party_only": party_only,
        "source_record": None if party_only else sources.source_link(task, user),
        "today": today,
        "warnings": buckets.task_warnings(task),
        "why_at_risk": buckets.why_at_risk(task, today),
        "can_change": can_change_task(user, task),
        "actions": actions,
        "reporting": reporting,
        "progress_form": progress_form if reporting else None,
        "updates": updates,
        "deadline_changes": list(task.deadline_changes.all()),
        "events": None if party_only else audit_timeline(target=task),
        "panels": _panels(request, task, party_only),
        "notice": notice,
        **task_attachments_context(request, task, upload_form),
        **extension,
    }


def _panels(request, task: Task, party_only: bool) -> list:
    """Other apps' sections of the task page; a party-only viewer gets the
    discussion alone (its threads scoped to their parts): the reminders,
    escalations and urging letters are Hanoi's own records."""
    if not party_only:
        return task_panels.render(request, task)
    only = SectionRegistry()
    only.register(discussion.task_panel)
    return only.render(request, task)


def task_attachments_context(request, task: Task, upload_form=None) -> dict:
    context = attachments_context(
        request,
        target=task,
        upload_url=reverse("tasks:attachment-upload", args=[task.pk]),
        can_upload=can_change_attachments(request.user, task),
        form=upload_form,
    )
    party_only = getattr(task, "party_only", None)
    if party_only is None:  # the task came from ``access_task``
        party_only = not org_perms.can_see_body(request.user, task.body_id)
    if party_only and context["attachments"]:
        # A party sees the task's files its own people attached, no others.
        people = party_people_ids(request.user)
        context["attachments"] = [
            a for a in context["attachments"] if a.uploaded_by_id in people
        ]
    return context


def detail_response(request, pk: int, *, message: str = "", **extra):
    """The re-rendered ``task-detail`` fragment (or page), with a toast."""
    task = selectors.task_get(user=request.user, pk=pk)
    response = render_page(
        request,
        "tasks/task_detail.html",
        detail_context(request, task, **extra),
        "task-detail",
    )
    if message:
        trigger_client_event(
            response, "showToast", {"message": message, "level": "success"}
        )
    return response
