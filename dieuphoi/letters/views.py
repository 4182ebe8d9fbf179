"""Pages for urging letters.

| name | path | method | rule |
|---|---|---|---|
| ``letters:list`` | ```` | GET | letters of the bodies the user sees; partials ``letter-page``, ``letter-rows`` |
| ``letters:new`` | ``new/`` | GET, POST | ``letters.add_letter`` on the body (404 hidden, 403 not allowed) |
| ``letters:detail`` | ``<pk>/`` | GET | ``letters.view_letter`` (404); partial ``letter-status`` |
| ``letters:retry`` | ``<pk>/retry/`` | POST | ``letters.add_letter`` on the letter's body |

``letters:new`` takes ``body`` (optional when the user manages one body),
then ``agency`` (a lead agency) or ``task`` (repeated task ids, as the task
list sends them: ``?task=1&task=2``; the body is then the tasks' body), and
``keep`` (repeated ids of tasks awaiting an extension decision that the
letter keeps; the preview lists those tasks with a warning).
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from dieuphoi.core import params
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Agency, Body
from dieuphoi.org.permissions import (
    MANAGER_ROLES,
    body_roles,
    is_admin,
    visible_body_ids,
)

from . import selectors, services
from .permissions import (
    access_letter,
    access_letter_body,
    can_watch_progress,
)


def _managed_bodies(user) -> list[Body]:
    if is_admin(user):
        return list(Body.objects.order_by("name"))
    ids = [bid for bid, roles in body_roles(user).items() if roles & MANAGER_ROLES]
    return list(Body.objects.filter(pk__in=ids).order_by("name"))


def _resolve_body(user, body_id: str | None, task_ids: list[int]) -> Body | None:
    """The body the letter is for: given, the tasks', or the only one managed.

    ``None`` when the user manages several bodies and chose none.
    """
    if body_id:
        return access_letter_body(user=user, pk=body_id)
    if task_ids:
        bodies = selectors.task_body_ids(task_ids)
        if not bodies:
            raise Http404
        if len(bodies) > 1:
            # Several registers: ask which one (the page lists the bodies).
            return None
        return access_letter_body(user=user, pk=bodies[0])
    managed = _managed_bodies(user)
    if not managed:
        raise PermissionDenied
    if len(managed) == 1:
        return managed[0]
    return None


def _errors_list(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def letter_new(request):
    data = request.POST if request.method == "POST" else request.GET
    task_ids = selectors.clean_task_ids(data.getlist("task"))
    keep_ids = selectors.clean_task_ids(data.getlist("keep"))
    body = _resolve_body(request.user, data.get("body"), task_ids)
    on = local_today()
    if body is None:
        context = {
            "bodies": _managed_bodies(request.user),
            "task_ids": task_ids,
            "several_bodies": bool(task_ids),
        }
        return render_page(request, "letters/letter_new.html", context)

    errors: list[str] = []
    agency = None
    agency_id = "" if task_ids else (data.get("agency") or "").strip()
    if agency_id:
        pk = params.parse_id_or_none(agency_id)
        agency = Agency.objects.filter(pk=pk).first() if pk else None
        if agency is None:
            errors.append(gettext("The agency chosen does not exist."))

    status = 200
    if request.method == "POST" and not errors:
        try:
            letter = services.urging_letter_request(
                actor=request.user,
                body=body,
                on=on,
                task_ids=task_ids or None,
                agency=agency,
                keep_ids=keep_ids,
            )
        except ValidationError as exc:
            errors = _errors_list(exc)
            status = 422
        else:
            return redirect("letters:detail", letter.pk)
    elif errors:
        status = 422 if request.method == "POST" else 200

    selecting = bool(task_ids) or agency is not None
    profile = selectors.issuing_profile_get(body=body)
    context = {
        "body": body,
        "on": on,
        "errors": errors,
        "profile": profile,
        "selecting": selecting,
        "agency": agency,
        "task_ids": task_ids,
        "back_url": _new_url(body),
    }
    if selecting:
        pending = selectors.pending_extension_tasks(
            body=body, on=on, task_ids=task_ids or None, agency=agency
        )
        kept = set(keep_ids)
        for task in pending:
            task.kept = task.pk in kept
        context["pending"] = pending
        context["keep_ids"] = [task.pk for task in pending if task.kept]
        tasks = list(
            selectors.overdue_tasks(
                body=body,
                on=on,
                task_ids=task_ids or None,
                agency=agency,
                keep_ids=keep_ids,
            )
        )
        context["groups"] = services.letter_groups(tasks, on)
        context["row_count"] = len(tasks)
        context["left_out"] = selectors.selected_not_overdue(
            body=body, on=on, task_ids=task_ids
        )
    else:
        context["agencies"] = [
            {
                "id": row.agency_id,
                "name": row.name,
                "count": row.count,
                "url": _new_url(body, agency=row.agency_id),
            }
            for row in selectors.agency_overdue_counts(body=body, on=on)
        ]
        context["letters"] = selectors.letters_of_body(body=body)
    return render_page(request, "letters/letter_new.html", context, status=status)


def _new_url(body: Body, **params) -> str:
    query = urlencode({"body": body.pk, **params})
    return f"{reverse('letters:new')}?{query}"


def _letter_context(request, letter) -> dict:
    context = {
        "letter": letter,
        "can_watch": can_watch_progress(request.user, letter),
        "can_retry": request.user.has_perm("letters.add_letter", letter.body),
        "links": [],
        "files": [],
    }
    if letter.document_id:
        context["files"] = list(letter.document.attachments.order_by("original_name"))
    if letter.status in (letter.Status.DRAFTED, letter.Status.DONE):
        context["links"] = list(selectors.letter_tasks(letter=letter))
    return context


@login_required
@require_http_methods(["GET"])
def letter_detail(request, pk: int):
    letter = access_letter(user=request.user, pk=pk)
    return render_page(
        request,
        "letters/letter_detail.html",
        _letter_context(request, letter),
        "letter-status",
    )


@login_required
@require_POST
def letter_retry(request, pk: int):
    letter = access_letter(user=request.user, pk=pk)
    if not request.user.has_perm("letters.add_letter", letter.body):
        raise PermissionDenied
    # Already pending or done: the page shows where it stands.
    with contextlib.suppress(ValidationError):
        services.urging_letter_retry(actor=request.user, letter=letter)
    return redirect("letters:detail", letter.pk)


def task_panel(request, task):
    """The letters that urged ``task``, for the task page (tasks.panels)."""
    letters = list(selectors.task_letters(task=task))
    if not letters:
        return None
    return {"template": "letters/task_letters.html", "context": {"letters": letters}}


@login_required
@require_http_methods(["GET"])
def letter_list(request):
    """The urging letters of the bodies the user sees, newest first, with
    filters in the URL (``agency``, ``on_from``, ``on_to``, ``state``) and
    "load more" (``after``: the cursor of the last row shown; partial
    ``letter-rows``). A filter change over HTMX gets ``letter-page``.

    A user who sees no body gets an empty list: the page is a register
    view, like the task list; only a letter asked for by id answers 404.
    """
    from .forms import LetterFilterForm

    form = LetterFilterForm(
        request.GET, agencies=selectors.letter_agency_choices(user=request.user)
    )
    after = request.GET.get("after") or None
    page = None
    cursor_error = ""
    if form.is_valid():
        filters = form.filters()
        try:
            page = selectors.letter_list(
                user=request.user,
                filters=filters,
                after=after,
                limit=selectors.LETTER_PAGE_SIZE,
            )
        except ValueError:
            cursor_error = gettext("This page link is invalid or expired.")
    more_url = ""
    if page and page.next_cursor:
        query = urlencode({**filters.to_params(), "after": page.next_cursor})
        more_url = f"{reverse('letters:list')}?{query}"
    context = {
        "form": form,
        "letters": page.items if page else [],
        "more_url": more_url,
        "first_page": not after,
        "cursor_error": cursor_error,
        "can_create": _writes_letters(request.user),
        # Name each letter's body when the list mixes several.
        "several_bodies": _sees_several_bodies(request.user),
    }
    partial = "letter-rows" if after else "letter-page"
    return render_page(request, "letters/letter_list.html", context, partial)


def _writes_letters(user) -> bool:
    """Whether ``user`` may write some body's letters (no query once the
    seats are cached)."""
    return is_admin(user) or any(
        roles & MANAGER_ROLES for roles in body_roles(user).values()
    )


def _sees_several_bodies(user) -> bool:
    visible = visible_body_ids(user)
    return visible is None or len(visible) > 1
