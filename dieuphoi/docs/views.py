"""Documents register pages and attachment up/downloads.

Permissions: the list shows the registers of bodies the user may see; a
document page needs ``docs.view_document`` (404 otherwise); creating needs
``docs.add_document`` on a body, editing and attaching ``docs.change_document``
(403 otherwise). Downloads and removals go through ``access_attachment``,
which applies the rules of the item the file is attached to.
"""

from __future__ import annotations

import base64
import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.core.forms import add_service_errors
from dieuphoi.core.htmx import render_page

from . import selectors, services
from .forms import AttachmentForm, DocumentEditForm, DocumentFilterForm, DocumentForm
from .models import Document
from .permissions import access_attachment, access_document, attachment_remover

DOCUMENT_FIELDS = (
    "doc_type",
    "number",
    "symbol",
    "issued_on",
    "issuer",
    "signer",
    "summary",
    "direction",
)


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


# --- list -------------------------------------------------------------------


@login_required
@require_GET
def document_list(request):
    bodies = selectors.register_bodies(user=request.user)
    form = DocumentFilterForm(request.GET or None, bodies=bodies)
    filters: dict = {}
    if form.is_bound:
        form.is_valid()  # keep the valid filters, show errors on the others
        data = form.cleaned_data
        filters = {
            "search": data.get("q") or "",
            "doc_type": data.get("doc_type"),
            "body": data.get("body"),
            "direction": data.get("direction") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
    after = request.GET.get("after") or None
    try:
        page = selectors.document_list(user=request.user, after=after, **filters)
    except ValidationError:
        after = None
        page = selectors.document_list(user=request.user, **filters)

    more_url = ""
    if page.next_cursor:
        params = [(k, v) for k, v in request.GET.items() if k != "after" and v]
        params.append(("after", page.next_cursor))
        more_url = f"{request.path}?{urlencode(params)}"

    context = {
        "form": form,
        "page": page,
        "documents": page.items,
        "more_url": more_url,
        "can_add": bool(selectors.manageable_bodies(user=request.user, bodies=bodies)),
    }
    partial = "document-rows" if after else "document-table"
    return render_page(request, "docs/document_list.html", context, partial)


# --- detail -----------------------------------------------------------------

TIMELINE_CHANGED = "timeline-changed"


def attachment_changed_response(response, message: str):
    """Add the success toast and ``timeline-changed`` to an HTMX response.

    Every attachment upload or removal answers with it (documents, tasks), so
    the page's history (``components/timeline.html``) re-reads itself.
    """
    trigger_client_event(
        response, "showToast", {"message": message, "level": "success"}
    )
    return trigger_client_event(response, TIMELINE_CHANGED)


def attachments_context(
    request, *, target, upload_url: str, can_upload: bool, form=None
) -> dict:
    """What ``components/attachments.html`` needs, for any attachment target.

    Other apps call it from their item page and their own upload view; the
    caller has already checked that ``request.user`` may see ``target``.
    """
    attachments = selectors.attachment_list(target=target)
    # Each row's remove button: the uploader's own files while the item is
    # open, every file for the body's managers, none on an issued document.
    may_remove = attachment_remover(request.user, target)
    for attachment in attachments:
        attachment.can_remove = may_remove(attachment)
    return {
        "attachments": attachments,
        "upload_url": upload_url,
        "can_upload": can_upload,
        "upload_form": form or AttachmentForm(),
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
    }


def _attachments_context(request, document: Document, upload_form=None) -> dict:
    return attachments_context(
        request,
        target=document,
        upload_url=reverse("docs:attachment-upload", args=[document.pk]),
        can_upload=request.user.has_perm("docs.change_document", document),
        form=upload_form,
    )


def _detail_context(request, document: Document, upload_form=None) -> dict:
    return {
        "document": document,
        "can_change": request.user.has_perm("docs.change_document", document),
        "events": audit_timeline(target=document),
        **_attachments_context(request, document, upload_form),
    }


@login_required
@require_GET
def document_detail(request, pk: int):
    document = access_document(user=request.user, pk=pk)
    # ``?partial=timeline``: the history alone, re-read after an attachment change.
    partial = "timeline" if request.GET.get("partial") == "timeline" else None
    return render_page(
        request,
        "docs/document_detail.html",
        _detail_context(request, document),
        partial,
    )


# --- create and edit --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request):
    bodies = selectors.register_bodies(user=request.user, manage=True)
    if not bodies:
        raise PermissionDenied
    form = DocumentForm(
        request.POST or None,
        bodies=bodies,
        initial={"body": bodies[0].pk, "direction": Document.Direction.INCOMING},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not request.user.has_perm("docs.add_document", data["body"]):
            raise PermissionDenied
        try:
            document = services.document_register(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Document %(reference)s was registered.")
                % {"reference": document.reference},
            )
            if _is_htmx(request):
                return HttpResponseClientRedirect(document.get_absolute_url())
            return redirect(document)
    context = {"form": form, "document": None}
    return render_page(request, "docs/document_form.html", context, "document-form")


def _display(document: Document, name: str) -> str:
    value = getattr(document, name)
    if name == "direction":
        return str(document.get_direction_display())
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return "" if value is None else str(value)


def _submitted_display(form, name: str) -> str:
    value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
    if value is None:
        return str(form.data.get(name, ""))
    if name == "direction":
        return str(dict(Document.Direction.choices).get(value, value))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _conflict_details(form, current: Document) -> dict:
    """Fields where the saved document now differs from what was submitted."""
    rows = []
    for name in DOCUMENT_FIELDS:
        theirs = _display(current, name)
        yours = _submitted_display(form, name)
        if theirs != yours:
            rows.append(
                {"label": form.fields[name].label, "theirs": theirs, "yours": yours}
            )
    # The newest change of the fields (attaching files leaves the version alone).
    events = audit_timeline(target=current, limit=50)
    last = next((e for e in events if e.action == "docs.update"), None)
    return {
        "rows": rows,
        "actor": (last.actor_name if last else "") or gettext("someone else"),
        "at": last.created_at if last else current.updated_at,
    }


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int):
    document = access_document(user=request.user, pk=pk, perm="docs.change_document")
    initial = {name: getattr(document, name) for name in DOCUMENT_FIELDS}
    initial["version"] = document.version
    form = DocumentEditForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            document = services.document_update(
                actor=request.user, document=document, version=version, **data
            )
        except Conflict:
            current = access_document(
                user=request.user, pk=pk, perm="docs.change_document"
            )
            conflict = _conflict_details(form, current)
            # Saving again now means "keep my values": the form carries the
            # version the user has just been shown.
            post = request.POST.copy()
            post["version"] = str(current.version)
            form = DocumentEditForm(post, initial=initial)
            form.is_valid()
            document = current
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext("Document %(reference)s was saved.")
                % {"reference": document.reference},
            )
            if _is_htmx(request):
                return HttpResponseClientRedirect(document.get_absolute_url())
            return redirect(document)
    context = {"form": form, "document": document, "conflict": conflict}
    status = 409 if conflict and not _is_htmx(request) else 200
    return render_page(
        request, "docs/document_form.html", context, "document-form", status=status
    )


# --- attachments ------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request, pk: int):
    document = access_document(user=request.user, pk=pk, perm="docs.change_document")
    form = AttachmentForm(request.POST, request.FILES)
    attached = None
    if form.is_valid():
        try:
            attached = services.attachment_add(
                actor=request.user,
                target=document,
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if attached is not None:
        message = gettext("%(name)s was attached.") % {"name": attached.original_name}
        if not _is_htmx(request):
            messages.success(request, message)
            return redirect(document)
        response = render_page(
            request,
            "docs/document_detail.html",
            _attachments_context(request, document),
            "attachments",
        )
        return attachment_changed_response(response, message)
    if _is_htmx(request):
        context = _attachments_context(request, document, upload_form=form)
    else:
        context = _detail_context(request, document, upload_form=form)
    return render_page(request, "docs/document_detail.html", context, "attachments")


@login_required
@require_GET
def attachment_download(request, pk: int):
    attachment = access_attachment(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if attachment.sha256:
        digest = base64.b64encode(bytes.fromhex(attachment.sha256)).decode()
        response["Repr-Digest"] = f"sha-256=:{digest}:"
    return response


@login_required
@require_POST
def attachment_remove(request, pk: int):
    attachment = access_attachment(user=request.user, pk=pk, for_remove=True)
    target = attachment.target
    name = attachment.original_name
    services.attachment_remove(actor=request.user, attachment=attachment)
    message = gettext("%(name)s was removed.") % {"name": name}
    if _is_htmx(request):
        # The row swaps itself out (hx-swap="outerHTML" with an empty body).
        response = HttpResponse("")
        return attachment_changed_response(response, message)
    messages.success(request, message)
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else "/"
    return redirect(url)
