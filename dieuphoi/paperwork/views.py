"""Pages of official documents (văn bản): list, inbox, drafting, the block
editor, the life-cycle buttons and the files.

| name | path | method | rule |
|---|---|---|---|
| ``paperwork:list`` | ```` | GET | ``permissions.visible_papers``; partial ``paper-table`` |
| ``paperwork:inbox`` | ``inbox/`` | GET | the user's ``PaperDelivery`` rows |
| ``paperwork:create`` | ``new/`` | GET, POST | ``permissions.drafting_bodies`` (403 when none) |
| ``paperwork:detail`` | ``<pk>/`` | GET | ``access_paper`` (404); partial ``paper-status`` |
| ``paperwork:edit`` | ``<pk>/edit/`` | GET, POST | ``workflow.may(user, paper, "edit")`` (403) |
| ``paperwork:upload`` | ``<pk>/upload/`` | POST | ``upload`` (a DOCX as the next draft) |
| ``paperwork:sign`` | ``<pk>/sign/`` | POST | ``sign`` (the signed PDF) |
| ``paperwork:version-file`` | ``<pk>/versions/<n>/<docx|pdf>/`` | GET | ``access_paper`` |
| ``paperwork:action`` | ``<pk>/<action>/`` | POST | submit, return, approve, withdraw, issue, send, correct |

A paper the user may not see answers 404; a button the transition table
refuses, 403; a rule the service refuses (an empty comment on Return, a
signer whose role does not match), the page again with the message next to
the button; a stale ``version``, the page again with a conflict notice
(409). Nothing is written in any of these cases.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dieuphoi.api.errors import Conflict
from dieuphoi.core import params
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today

from . import content as c
from . import permissions, selectors, services, workflow
from .forms import (
    KEEP,
    ActionForm,
    BlocksError,
    EditForm,
    FileForm,
    PaperCreateForm,
    PaperFilterForm,
    parse_json_blocks,
    parse_named_blocks,
    resolve_kept,
)
from .models import Paper, PaperKind

STEP_LABELS = {
    "create": _("Drafted"),
    "edit": _("Edited"),
    "upload": _("Uploaded from Word"),
    "submit": _("Submitted for approval"),
    "return": _("Returned for changes"),
    "approve": _("Approved"),
    "withdraw": _("Withdrawn"),
    "issue": _("Issued"),
    "sign": _("Signed copy filed"),
    "send": _("Sent"),
    "correct": _("Correction started"),
}

# Actions of ``paperwork:action`` and whether they take a comment
# ("required", "optional" or None).
ACTIONS = {
    "submit": "optional",
    "return": "required",
    "approve": "optional",
    "withdraw": "optional",
    "issue": None,
    "send": None,
    "correct": None,
}
ORDER = [
    "submit",
    "approve",
    "issue",
    "sign",
    "send",
    "upload",
    "correct",
    "return",
    "withdraw",
]
# (button class, icon) of each action.
BUTTONS = {
    "submit": ("btn-primary", "send"),
    "approve": ("btn-success", "check2-circle"),
    "return": ("btn-outline-danger", "arrow-return-left"),
    "withdraw": ("btn-outline-danger", "x-circle"),
    "issue": ("btn-primary", "123"),
    "sign": ("btn-primary", "file-earmark-pdf"),
    "send": ("btn-primary", "envelope-paper"),
    "upload": ("btn-outline-secondary", "file-earmark-word"),
    "correct": ("btn-outline-secondary", "arrow-repeat"),
}
DONE_MESSAGES = {
    "submit": lambda: gettext("The document was submitted for approval."),
    "return": lambda: gettext("The document was returned to the drafter."),
    "approve": lambda: gettext("The document is approved; the secretariat issues it."),
    "withdraw": lambda: gettext("The draft was withdrawn."),
    "issue": lambda: gettext(
        "The document is being issued: numbered, laid out and entered in the "
        "register. This page shows the progress."
    ),
    "send": lambda: gettext("The document was sent to its recipients."),
    "correct": lambda: gettext(
        "A correction was started as a new draft; once issued it replaces the document."
    ),
}


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _conflict_notice() -> str:
    return gettext(
        "Someone changed this document after you opened it; nothing was saved. "
        "The page now shows the current state: check it and try again."
    )


# --- list and inbox -----------------------------------------------------------


@login_required
@require_GET
def paper_list(request):
    kinds = selectors.filter_kinds()
    bodies = selectors.filter_bodies(request.user)
    form = PaperFilterForm(request.GET or None, kinds=kinds, bodies=bodies)
    filters = selectors.PaperFilters()
    if form.is_bound:
        form.is_valid()  # keep the valid filters, show errors on the others
        data = form.cleaned_data
        filters = selectors.PaperFilters(
            state=data.get("state") or None,
            kind=data.get("kind"),
            body=data.get("body"),
            search=data.get("q") or "",
        )
    page = selectors.paper_list(
        user=request.user, filters=filters, page=request.GET.get("page") or 1
    )
    params = [(k, v) for k, v in request.GET.items() if k != "page" and v]
    context = {
        "form": form,
        "page_obj": page,
        "papers": page.object_list,
        "page_query": urlencode(params),
        "can_create": bool(permissions.drafting_bodies(request.user)),
        "several_bodies": len(bodies) > 1,
        "unread": selectors.inbox_unread_count(user=request.user),
    }
    return render_page(request, "paperwork/paper_list.html", context, "paper-table")


@login_required
@require_GET
def paper_inbox(request):
    from django.core.paginator import Paginator

    page = Paginator(selectors.inbox_list(user=request.user), 50).get_page(
        request.GET.get("page") or 1
    )
    context = {
        "page_obj": page,
        "deliveries": page.object_list,
        "unread": selectors.inbox_unread_count(user=request.user),
    }
    return render_page(request, "paperwork/paper_inbox.html", context)


# --- create ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def paper_create(request):
    from dieuphoi.tasks.forms import Choices

    bodies = permissions.drafting_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    kinds = PaperKind.objects.filter(active=True).select_related("doc_type")
    candidates = selectors.signer_candidates(bodies=bodies, on=local_today())
    choices = Choices(bodies=bodies, on=local_today())
    form = PaperCreateForm(
        request.POST or None,
        bodies=bodies,
        kinds=kinds,
        candidates=candidates,
        choices=choices,
        initial={"body": bodies[0].pk, "authority": Paper.Authority.TM},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        first = data.get("first_paragraph") or ""
        try:
            paper = services.paper_create(
                actor=request.user,
                body=data["body"],
                kind=data["kind"],
                subject=data["subject"],
                blocks=[c.Paragraph(text=first)] if first.strip() else [],
                recipients=form.recipients(),
                authority=data.get("authority") or "",
                signer=data["signer"],
                signer_title=data.get("signer_title") or "",
                origin="edited",
            )
        except ValidationError as exc:
            add_service_errors(
                form, exc, {"blocks": "first_paragraph", "recipients": None}
            )
        else:
            messages.success(request, gettext("The draft was created."))
            return redirect(paper)
    return render_page(request, "paperwork/paper_form.html", {"form": form})


# --- detail -----------------------------------------------------------------------


def _action_forms(user, paper: Paper, failed: dict) -> list[dict]:
    """The buttons of the transition table, each with its form."""
    out = []
    allowed = workflow.allowed_actions(user, paper)
    # The step forward first, then Word, then the ways back.
    allowed.sort(key=lambda t: ORDER.index(t.action) if t.action in ORDER else 99)
    for transition in allowed:
        action = transition.action
        if action == "edit":
            continue  # a link, not a form
        form = failed.get(action)
        if form is None:
            if action in ("upload", "sign"):
                form = FileForm(
                    initial={"version": paper.version}, auto_id=f"id_{action}_%s"
                )
            else:
                form = ActionForm(
                    initial={"version": paper.version},
                    auto_id=f"id_{action}_%s",
                    action=action,
                )
        button, icon = BUTTONS.get(action, ("btn-outline-secondary", "dot"))
        out.append(
            {
                "action": action,
                "label": transition.label,
                "button": button,
                "icon": icon,
                "form": form,
                "comment": ACTIONS.get(action),
                "file": action in ("upload", "sign"),
                "failed": action in failed,
            }
        )
    return out


def _can_watch(user, progress) -> bool:
    return progress is not None and bool(
        user.is_superuser or (progress.owner_id and progress.owner_id == user.pk)
    )


def _detail_context(request, paper: Paper, *, failed=None, notice="") -> dict:
    user = request.user
    version = paper.current
    version_progress = version.progress if version is not None else None
    files_ready = version is not None and bool(version.pdf) and bool(version.docx)
    issue_progress = paper.progress
    issuing = issue_progress is not None and not issue_progress.is_finished
    actions = _action_forms(user, paper, failed or {})
    steps = selectors.paper_steps(paper=paper)
    for step in steps:
        step.label = STEP_LABELS.get(step.action, step.action)
    return {
        "paper": paper,
        "version": version,
        "files_ready": files_ready,
        "version_progress": version_progress,
        "watch_version": _can_watch(user, version_progress),
        "issuing": issuing,
        "issue_progress": issue_progress,
        "watch_issue": _can_watch(user, issue_progress),
        "preview": selectors.paper_preview(paper=paper, version=version),
        "actions": actions,
        "can_edit": workflow.may(user, paper, "edit"),
        "steps": steps,
        "versions": selectors.paper_versions(paper=paper),
        "recipients": selectors.paper_recipients(paper=paper),
        "files": selectors.document_files(paper=paper),
        "replaced_by": selectors.replaced_by(paper),
        "notice": notice,
    }


def _detail_response(request, paper: Paper, *, status: int = 200, **extra):
    paper = permissions.access_paper(user=request.user, pk=paper.pk)
    return render_page(
        request,
        "paperwork/paper_detail.html",
        _detail_context(request, paper, **extra),
        "paper-status",
        status=status,
    )


@login_required
@require_GET
def paper_detail(request, pk):
    paper = permissions.access_paper(user=request.user, pk=pk)
    if not _is_htmx(request):
        services.delivery_mark_read(paper=paper, user=request.user)
    return render_page(
        request,
        "paperwork/paper_detail.html",
        _detail_context(request, paper),
        "paper-status",
    )


# --- actions ------------------------------------------------------------------------


@login_required
@require_POST
def paper_action(request, pk, action: str):
    if action not in ACTIONS:
        raise Http404
    paper = permissions.access_paper(user=request.user, pk=pk)
    if not workflow.may(request.user, paper, action):
        transition = workflow.TRANSITIONS[action]
        if paper.state in transition.sources:
            raise PermissionDenied
    form = ActionForm(request.POST, auto_id=f"id_{action}_%s", action=action)
    if not form.is_valid():
        return _detail_response(request, paper, failed={action: form})
    version = form.cleaned_data["version"]
    comment = form.cleaned_data["comment"]
    try:
        if action == "correct":
            if paper.version != version:
                raise Conflict(_conflict_notice())
            result = services.paper_correct(actor=request.user, paper=paper)
        elif action == "issue":
            result = services.paper_issue_request(
                actor=request.user, paper=paper, version=version
            )
        elif action == "send":
            result = services.paper_send(
                actor=request.user, paper=paper, version=version
            )
        else:
            service = getattr(services, f"paper_{action}")
            result = service(
                actor=request.user, paper=paper, version=version, comment=comment
            )
    except Conflict:
        return _detail_response(request, paper, notice=_conflict_notice(), status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail_response(request, paper, failed={action: form})
    messages.success(request, DONE_MESSAGES[action]())
    return redirect(result)


def _file_action(request, pk, action: str):
    paper = permissions.access_paper(user=request.user, pk=pk)
    if not workflow.may(request.user, paper, action):
        transition = workflow.TRANSITIONS[action]
        if paper.state in transition.sources:
            raise PermissionDenied
    form = FileForm(request.POST, request.FILES, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _detail_response(request, paper, failed={action: form})
    service = services.paper_upload_docx if action == "upload" else services.paper_sign
    try:
        service(
            actor=request.user,
            paper=paper,
            version=form.cleaned_data["version"],
            uploaded_file=form.cleaned_data["file"],
        )
    except Conflict:
        return _detail_response(request, paper, notice=_conflict_notice(), status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail_response(request, paper, failed={action: form})
    if action == "upload":
        messages.success(
            request, gettext("The Word file was read as the next draft version.")
        )
    else:
        messages.success(
            request, gettext("The signed copy is on record; the document can be sent.")
        )
    return redirect(paper)


@login_required
@require_POST
def paper_upload(request, pk):
    return _file_action(request, pk, "upload")


@login_required
@require_POST
def paper_sign(request, pk):
    return _file_action(request, pk, "sign")


@login_required
@require_GET
def version_file(request, pk, number: int, fmt: str):
    if fmt not in ("docx", "pdf"):
        raise Http404
    paper = permissions.access_paper(user=request.user, pk=pk)
    version = paper.versions.filter(number=number).first()
    stored = getattr(version, fmt, None) if version is not None else None
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"Du-thao-v{version.number}.{fmt}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the block editor ----------------------------------------------------------------

PARAGRAPH_META = ("bold", "italic", "align", "indent")
TABLE_META = ("widths", "center", "font_size", "caption")


def _editor_item(data: dict, *, keep: int | None = None) -> dict:
    block = c.block_from_json(data)
    stored = c.block_to_json(block)
    if isinstance(block, c.Table):
        big = keep is not None or len(block.rows) > selectors.EDITABLE_ROWS
        return {
            "kind": "table",
            "big": big,
            "keep": keep,
            "columns": list(block.columns),
            "rows": [
                {"group": row.group, "cells": list(row.cells)}
                for row in (block.rows[: selectors.PREVIEW_ROWS] if big else block.rows)
            ],
            "row_count": len(block.rows),
            "more": max(len(block.rows) - selectors.PREVIEW_ROWS, 0) if big else 0,
            "meta": json.dumps({k: stored[k] for k in TABLE_META}),
        }
    if isinstance(block, c.Heading):
        return {"kind": "heading", "text": block.text, "level": block.level}
    return {
        "kind": "paragraph",
        "text": block.text,
        "meta": json.dumps({k: stored[k] for k in PARAGRAPH_META}),
    }


def _editor_raw(base_blocks: list) -> list:
    """The stored body as the editor posts it: big tables as ``keep``."""
    out = []
    for index, block in enumerate(base_blocks):
        if (
            isinstance(block, dict)
            and block.get("kind") == "table"
            and len(block.get("rows") or ()) > selectors.EDITABLE_ROWS
        ):
            out.append({"kind": KEEP, "index": index})
        else:
            out.append(block)
    return out


def _editor_items(raw: list, base_blocks: list) -> list[dict]:
    items = []
    for data in raw:
        if isinstance(data, dict) and data.get("kind") == KEEP:
            index = int(data["index"])
            if not 0 <= index < len(base_blocks):
                raise BlocksError
            items.append(_editor_item(base_blocks[index], keep=index))
        else:
            items.append(_editor_item(data))
    return items


def _safe_items(raw, base_blocks: list) -> tuple[list[dict], bool]:
    """The editor's rows for ``raw`` (what the user posted), or for the
    stored body when ``raw`` cannot be shown (second value False)."""
    if raw is not None:
        try:
            return _editor_items(raw, base_blocks), True
        except (BlocksError, ValueError, TypeError, KeyError, AttributeError):
            pass
    try:
        return _editor_items(_editor_raw(base_blocks), base_blocks), raw is None
    except (BlocksError, ValueError, TypeError, KeyError, AttributeError):
        return [], False


@login_required
@require_http_methods(["GET", "POST"])
def paper_edit(request, pk):
    paper = permissions.access_paper(user=request.user, pk=pk)
    if not workflow.may(request.user, paper, "edit"):
        raise PermissionDenied
    current = paper.current
    base_blocks = current.blocks if current is not None else []
    conflict = ""
    raw = None
    status = 200
    if request.method == "GET":
        form = EditForm(
            initial={
                "version": paper.version,
                "base": current.number if current is not None else 1,
                "subject": paper.subject,
            }
        )
    else:
        form = EditForm(request.POST)
        base_number = request.POST.get("base", "")
        base_pk = params.parse_id_or_none(base_number)  # ASCII digits only
        if base_pk is not None and base_pk < 10**9:
            base = paper.versions.filter(number=base_pk).first()
            if base is not None:
                base_blocks = base.blocks
        blocks_text = request.POST.get("blocks", "")
        try:
            raw = (
                parse_json_blocks(blocks_text)
                if blocks_text.strip()
                else parse_named_blocks(request.POST)
            )
            resolved = resolve_kept(raw, base_blocks)
        except BlocksError:
            raw = None
            resolved = None
            form.add_error(
                None,
                gettext(
                    "The body of the document could not be read from the page; "
                    "nothing was saved. Reload the page and try again."
                ),
            )
        if resolved is not None and form.is_valid():
            data = form.cleaned_data
            try:
                services.paper_update(
                    actor=request.user,
                    paper=paper,
                    version=data["version"],
                    subject=data["subject"],
                    blocks=resolved,
                    note=data.get("note") or "",
                )
            except Conflict:
                paper = permissions.access_paper(user=request.user, pk=pk)
                conflict = gettext(
                    "Someone changed this document after you opened it; nothing "
                    "was saved. Your text is still below: save again to replace "
                    "their changes with yours, or open the document to see theirs."
                )
                # Saving again means "keep mine": carry the version just shown.
                post = request.POST.copy()
                post["version"] = str(paper.version)
                form = EditForm(post)
                form.is_valid()
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc, {"blocks": None, "annexes": None})
                if hasattr(exc, "error_dict"):
                    for key in ("blocks", "annexes", "state"):
                        for message in exc.message_dict.get(key, ()):
                            form.add_error(None, message)
            else:
                messages.success(request, gettext("The draft was saved."))
                return redirect(paper)
    items, shown = _safe_items(raw, base_blocks)
    context = {
        "paper": paper,
        "form": form,
        "items": items,
        "items_lost": not shown,
        "conflict": conflict,
        "annexes": [
            {
                "title": a.title,
                "subtitle": a.subtitle,
                "blocks": selectors.preview_blocks(a.blocks),
            }
            for a in c.annexes_from_json(current.annexes if current else [])
        ],
        "heading_levels": ((1, "I."), (2, "1."), (3, "a)")),
        "blank_paragraph": {"kind": "paragraph", "text": ""},
        "blank_heading": {"kind": "heading", "text": "", "level": 1},
        "blank_table": {
            "kind": "table",
            "columns": ["", ""],
            "rows": [{"group": False, "cells": ["", ""]}],
        },
    }
    return render_page(request, "paperwork/paper_edit.html", context, status=status)
