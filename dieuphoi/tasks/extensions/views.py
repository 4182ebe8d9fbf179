"""Pages of the extension requests: the request form, the decision and the
withdrawal on the task page (HTMX re-renders the ``task-detail`` fragment),
and the home-page section "Extension requests awaiting your decision" with
inline decisions (HTMX re-renders the ``extension-inbox`` fragment), and
the list of requests (``tasks:extension-list``) whose pending rows take the
same decisions (``return_to=list``: HTMX re-renders the ``extension-row``).

Permissions: the task must be visible (``access_task``: 404 otherwise); the
request and the withdrawal need the lead agency's focal point or the owner,
the decision the leader, deputy or an administrator (403 otherwise); a
request id that is not the task's answers 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from dieuphoi.api.errors import Conflict
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.org.permissions import is_admin

from .. import workflow
from ..detail import detail_response
from ..models import ExtensionRequest
from ..permissions import (
    access_task,
    can_decide_extension,
    decider_body_ids,
    task_roles,
    user_parts,
)
from . import selectors, services
from .detail import decision_forms, errors_text
from .forms import (
    ExtensionDecisionForm,
    ExtensionFilterForm,
    ExtensionRequestForm,
    PartExtensionRequestForm,
)

INBOX_TEMPLATE = "tasks/extension_inbox.html"
RETURN_TO_INBOX = "inbox"


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_POST
def extension_request(request, pk: int):
    task = access_task(user=request.user, pk=pk)
    if not task_roles(request.user, task) & workflow.REPORTERS:
        raise PermissionDenied
    form = ExtensionRequestForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.extension_request_create(
                actor=request.user,
                task=task,
                requested_deadline=data["requested_deadline"],
                reason=data["reason"],
                file=data["file"],
                version=data["version"],
            )
        except Conflict as exc:
            return detail_response(request, pk, notice=exc.message)
        except ValidationError as exc:
            leftover = add_service_errors(form, exc, {"action": None})
            if leftover:
                form.add_error(None, leftover)
        else:
            message = gettext("The extension request was sent to the leader.")
            if not _is_htmx(request):
                messages.success(request, message)
                return redirect("tasks:detail", pk=task.pk)
            return detail_response(request, pk, message=message)
    return detail_response(request, pk, extension_form=form)


@login_required
@require_POST
def part_extension_request(request, pk: int):
    """A co-operating party asks to move its own sub-deadline (404 when the
    task is hidden, 403 for someone who reports on no part of it)."""
    task = access_task(user=request.user, pk=pk)
    parts = user_parts(request.user, task)
    if not parts:
        raise PermissionDenied
    form = PartExtensionRequestForm(request.POST, request.FILES, parts=parts)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.part_extension_request_create(
                actor=request.user,
                task=task,
                part=data["part"],
                requested_deadline=data["requested_deadline"],
                reason=data["reason"],
                file=data["file"],
            )
        except ValidationError as exc:
            return detail_response(request, pk, notice=" ".join(exc.messages))
        message = gettext("The request was sent to the leader.")
        if not _is_htmx(request):
            messages.success(request, message)
            return redirect("tasks:detail", pk=task.pk)
        return detail_response(request, pk, message=message)
    return detail_response(request, pk, notice=errors_text(form))


# --- decisions ---------------------------------------------------------------------


def _inbox_context(
    request,
    *,
    failed: ExtensionDecisionForm | None = None,
    failed_id: int | None = None,
    notice: str = "",
) -> dict:
    inbox = selectors.extension_request_inbox(user=request.user)
    for extension in inbox.items:
        # Every listed request is in a body the user leads: they may decide.
        extension.decisions = decision_forms(
            extension, failed if extension.pk == failed_id else None
        )
    return {
        "inbox": inbox,
        "today": local_today(),
        "notice": notice,
        "return_to": RETURN_TO_INBOX,
    }


def inbox_section(request):
    """Home page: "Extension requests awaiting your decision" (leader, deputy)."""
    if not decider_body_ids(request.user):
        return None
    context = _inbox_context(request)
    if not context["inbox"].count:
        return None
    return {"template": INBOX_TEMPLATE, "context": context}


def _inbox_response(request, *, message: str = "", **extra):
    response = render_page(
        request, INBOX_TEMPLATE, _inbox_context(request, **extra), "extension-inbox"
    )
    if message:
        trigger_client_event(
            response, "showToast", {"message": message, "level": "success"}
        )
    return response


@login_required
@require_POST
def extension_decide(request, pk: int, rid: int):
    task = access_task(user=request.user, pk=pk)
    extension = selectors.extension_request_get(task=task, pk=rid)
    if not can_decide_extension(request.user, task):
        raise PermissionDenied
    from_inbox = request.POST.get("return_to") == RETURN_TO_INBOX and _is_htmx(request)
    from_list = request.POST.get("return_to") == RETURN_TO_LIST and _is_htmx(request)
    decision = request.POST.get("decision", "")
    form = ExtensionDecisionForm(
        request.POST, decision=decision, extension_id=extension.pk
    )
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            decided = services.extension_request_decide(
                actor=request.user,
                task=task,
                extension=extension,
                decision=decision,
                deadline=form.cleaned_data["deadline"],
                reason=form.cleaned_data["reason"],
            )
        except Conflict as exc:
            if from_inbox:
                return _inbox_response(request, notice=exc.message)
            if from_list:
                return list_row_response(request, extension, notice=exc.message)
            return detail_response(request, pk, notice=exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = gettext("%(code)s: %(decision)s.") % {
                "code": task.code,
                "decision": decided.get_state_display(),
            }
            if from_inbox:
                return _inbox_response(request, message=message)
            if from_list:
                return list_row_response(request, extension, message=message)
            if not _is_htmx(request):
                messages.success(request, message)
                if request.POST.get("return_to") == RETURN_TO_INBOX:
                    return redirect("core:home")
                if request.POST.get("return_to") == RETURN_TO_LIST:
                    return redirect("tasks:extension-list")
                return redirect("tasks:detail", pk=task.pk)
            return detail_response(request, pk, message=message)
    if from_inbox:
        return _inbox_response(request, failed=form, failed_id=extension.pk)
    if from_list:
        return list_row_response(request, extension, failed=form)
    return detail_response(request, pk, failed_decision=form)


@login_required
@require_POST
def extension_withdraw(request, pk: int, rid: int):
    task = access_task(user=request.user, pk=pk)
    extension = selectors.extension_request_get(task=task, pk=rid)
    if not task_roles(request.user, task) & workflow.REPORTERS:
        raise PermissionDenied
    try:
        services.extension_request_withdraw(
            actor=request.user, task=task, extension=extension
        )
    except Conflict as exc:
        return detail_response(request, pk, notice=exc.message)
    message = gettext("The extension request was withdrawn.")
    if not _is_htmx(request):
        messages.success(request, message)
        return redirect("tasks:detail", pk=task.pk)
    return detail_response(request, pk, message=message)


# --- the list of requests (tasks:extension-list) -----------------------------------

LIST_TEMPLATE = "tasks/extension_list.html"
RETURN_TO_LIST = "list"


def _add_list_decisions(
    user,
    items: list[ExtensionRequest],
    *,
    failed: ExtensionDecisionForm | None = None,
    failed_id: int | None = None,
) -> None:
    """``extension.decisions`` on the pending rows ``user`` may decide: the
    leader or deputy of the task's body, or an administrator (the rule of
    ``permissions.can_decide_extension``, read from the cached seats)."""
    bodies = decider_body_ids(user)
    admin = is_admin(user)
    for extension in items:
        may = extension.is_pending and (admin or extension.task.body_id in bodies)
        extension.decisions = (
            decision_forms(extension, failed if extension.pk == failed_id else None)
            if may
            else []
        )


@login_required
@require_GET
def extension_list(request):
    """Extension requests of the tasks the user sees: pending first (oldest
    first), then decided. Filters ``state`` and ``agency`` in the URL;
    ``after`` (the cursor of the last row shown) asks for the next rows
    (partial ``extension-rows``); a filter change over HTMX gets
    ``extension-page``. A user who sees no task gets an empty list."""
    form = ExtensionFilterForm(
        request.GET,
        agencies=selectors.extension_agency_choices(user=request.user),
    )
    after = request.GET.get("after") or None
    page = None
    cursor_error = ""
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ExtensionFilters(
            state=data["state"] or None, agency=data["agency"]
        )
        try:
            page = selectors.extension_request_page(
                user=request.user,
                filters=filters,
                after=after,
                limit=selectors.LIST_PAGE_SIZE,
            )
        except ValueError:
            cursor_error = gettext("This page link is invalid or expired.")
        else:
            _add_list_decisions(request.user, page.items)
    more_url = ""
    if page and page.next_cursor:
        query = urlencode({**filters.to_params(), "after": page.next_cursor})
        more_url = f"{reverse('tasks:extension-list')}?{query}"
    context = {
        "form": form,
        "extensions": page.items if page else [],
        "errors": page is None,
        "cursor_error": cursor_error,
        "first_page": not after,
        "more_url": more_url,
        "return_to": RETURN_TO_LIST,
    }
    partial = "extension-rows" if after else "extension-page"
    return render_page(request, LIST_TEMPLATE, context, partial)


def list_row_response(
    request,
    extension: ExtensionRequest,
    *,
    message: str = "",
    notice: str = "",
    failed: ExtensionDecisionForm | None = None,
):
    """The list's row of ``extension`` after a decision taken from it."""
    row = selectors.extension_request_row(user=request.user, pk=extension.pk)
    _add_list_decisions(request.user, [row], failed=failed, failed_id=row.pk)
    row.notice = notice
    context = {"extension": row, "return_to": RETURN_TO_LIST}
    response = render_page(request, LIST_TEMPLATE, context, "extension-row")
    if message:
        trigger_client_event(
            response, "showToast", {"message": message, "level": "success"}
        )
    return response
