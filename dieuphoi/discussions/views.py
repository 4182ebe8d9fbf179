"""Comment threads: the fragment, posting, editing.

Permissions (from the item's registration, ``registry``):
- ``discussions:thread`` (GET): whoever may see the thread; others 404.
- ``discussions:create`` (POST): whoever may comment in it (403 otherwise).
- ``discussions:comment`` (GET), ``discussions:edit`` (GET form, POST):
  the comment's thread must be visible (404); editing is for its author
  within the edit window (the form is not offered otherwise; the service
  refuses with a clear message).

HTMX requests get the ``comment-thread`` fragment (or ``comment-item``);
without HTMX a POST redirects to the item's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from dieuphoi.api.errors import Conflict
from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors

from . import permissions, selectors, services
from .forms import CommentForm

TEMPLATE = "discussions/thread.html"


def _is_htmx(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def _int(value) -> int | None:
    """An id from the URL, or ``None`` (``dieuphoi.core.params``)."""
    return params.parse_id_or_none(value)


def thread_dom_id(thread: str) -> str:
    return "comment-thread-" + (thread.replace(":", "-") if thread else "main")


def thread_context(
    request, entry, target, thread: str = "", *, form=None, before=None
) -> dict:
    """What the ``comment-thread`` fragment needs. The caller has checked
    that ``request.user`` may see the thread."""
    user = request.user
    page = selectors.comment_list(target=target, thread=thread, before_id=before)
    can_comment = bool(entry.can_comment(user, target, thread))
    labels = dict(entry.threads(target))
    for comment in page.comments:
        comment.can_edit = (
            comment.author_id == user.pk and permissions.within_edit_window(comment)
        )
    if can_comment and form is None:
        form = CommentForm(
            people=entry.mentionable(target, thread),
            auto_id=f"id_{thread_dom_id(thread)}_%s",
        )
    return {
        "target_key": entry.key,
        "target": target,
        "thread": thread,
        "thread_label": labels.get(thread, ""),
        "dom_id": thread_dom_id(thread),
        "comments": page.comments,
        "older_before": page.older_before,
        "can_comment": can_comment,
        "form": form if can_comment else None,
    }


def _thread_response(request, entry, target, thread, **extra):
    return render(
        request,
        f"{TEMPLATE}#comment-thread",
        thread_context(request, entry, target, thread, **extra),
    )


@login_required
@require_GET
def thread(request, target: str, pk: int):
    name = request.GET.get("thread", "")
    entry, item = permissions.access_target(
        user=request.user, key=target, pk=pk, thread=name
    )
    if not _is_htmx(request):
        return redirect(entry.url(item, name))
    return _thread_response(
        request, entry, item, name, before=_int(request.GET.get("before"))
    )


@login_required
@require_POST
def comment_create(request, target: str, pk: int):
    name = request.POST.get("thread", "")
    entry, item = permissions.access_target(
        user=request.user, key=target, pk=pk, thread=name, comment=True
    )
    form = CommentForm(
        request.POST,
        request.FILES,
        people=entry.mentionable(item, name),
        auto_id=f"id_{thread_dom_id(name)}_%s",
    )
    if form.is_valid():
        try:
            services.comment_create(
                actor=request.user,
                target=item,
                thread=name,
                text=form.cleaned_data["text"],
                mentions=form.cleaned_data["mentions"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"file": "files"})
        else:
            message = gettext("Your comment is posted.")
            if not _is_htmx(request):
                messages.success(request, message)
                return redirect(entry.url(item, name))
            response = _thread_response(request, entry, item, name)
            return trigger_client_event(
                response, "showToast", {"message": message, "level": "success"}
            )
    if not _is_htmx(request):
        messages.error(
            request, " ".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect(entry.url(item, name))
    return _thread_response(request, entry, item, name, form=form)


def _comment_context(request, comment, *, form=None, editing=False) -> dict:
    entry, item = permissions.target_of(comment)
    comment.mentioned = [m.user for m in comment.mentions.select_related("user")]
    comment.files = []
    from dieuphoi.docs.selectors import attachment_list

    comment.files = list(reversed(attachment_list(target=comment)))
    comment.can_edit = permissions.can_edit_comment(request.user, comment)
    if editing and form is None:
        form = CommentForm(
            initial={
                "text": comment.text,
                "version": comment.version,
                "mentions": [str(u.pk) for u in comment.mentioned],
            },
            people=entry.mentionable(item, comment.thread),
            with_files=False,
            auto_id=f"id_comment_{comment.pk}_%s",
        )
    return {
        "comment": comment,
        "target_key": entry.key,
        "target": item,
        "form": form,
        "editing": editing,
    }


@login_required
@require_GET
def comment_detail(request, pk: int):
    comment = permissions.access_comment(user=request.user, pk=pk)
    entry, item = permissions.target_of(comment)
    if not _is_htmx(request):
        return redirect(entry.url(item, comment.thread) + f"#comment-{comment.pk}")
    return render(
        request, f"{TEMPLATE}#comment-item", _comment_context(request, comment)
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, pk: int):
    comment = permissions.access_comment(user=request.user, pk=pk)
    entry, item = permissions.target_of(comment)
    if request.method == "GET":
        if not permissions.can_edit_comment(request.user, comment):
            raise Http404
        return render(
            request,
            f"{TEMPLATE}#comment-item",
            _comment_context(request, comment, editing=True),
        )
    form = CommentForm(
        request.POST,
        people=entry.mentionable(item, comment.thread),
        with_files=False,
        auto_id=f"id_comment_{comment.pk}_%s",
    )
    notice = ""
    if form.is_valid():
        try:
            comment = services.comment_edit(
                actor=request.user,
                comment=comment,
                text=form.cleaned_data["text"],
                version=form.cleaned_data["version"],
                mentions=form.cleaned_data["mentions"],
            )
        except Conflict as exc:
            notice = exc.message
            comment = permissions.access_comment(user=request.user, pk=pk)
            form = None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not _is_htmx(request):
                messages.success(request, gettext("Your comment is saved."))
                return redirect(
                    entry.url(item, comment.thread) + f"#comment-{comment.pk}"
                )
            comment = permissions.access_comment(user=request.user, pk=pk)
            return render(
                request, f"{TEMPLATE}#comment-item", _comment_context(request, comment)
            )
    if not _is_htmx(request):
        errors = [e for errs in (form.errors.values() if form else []) for e in errs]
        messages.error(request, notice or " ".join(errors))
        return redirect(entry.url(item, comment.thread) + f"#comment-{comment.pk}")
    context = _comment_context(request, comment, form=form, editing=form is not None)
    context["notice"] = notice
    return render(request, f"{TEMPLATE}#comment-item", context)
