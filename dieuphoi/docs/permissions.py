"""Who may see and change documents and attachments.

A document belongs to one body's register; it is visible to that body's
members, administrators and city leadership viewers, and managed by the
body's leader, deputy, secretariat and specialists (``dieuphoi.org``).

Attachments hang off any item. Their permission is the permission of the
item they are attached to, looked up in a small registry: each app that
attaches files registers its model with two checks (see
``register_attachment_target``). Unregistered targets are invisible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import rules
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from dieuphoi.org.models import Body
from dieuphoi.org.permissions import can_manage_body, can_see_body

from .models import Attachment, Document

# --- documents --------------------------------------------------------------


@rules.predicate
def is_document_viewer(user, document: Document | None) -> bool:
    return document is not None and can_see_body(user, document.body_id)


@rules.predicate
def is_document_manager(user, document: Document | None) -> bool:
    return document is not None and can_manage_body(user, document.body_id)


@rules.predicate
def is_register_manager(user, body: Body | None) -> bool:
    """May add documents to ``body``'s register."""
    return body is not None and can_manage_body(user, body.pk)


rules.add_perm("docs.view_document", is_document_viewer)
rules.add_perm("docs.add_document", is_register_manager)
# Register entries that another app keeps unchangeable (an issued official
# document, ``dieuphoi.paperwork``): each check returns True when locked.
_DOCUMENT_LOCKS: list[Callable[[Document], bool]] = []


def register_document_lock(check: Callable[[Document], bool]) -> None:
    """``check(document) -> bool``: True when the entry may not be changed
    (its fields or files) through the register's pages or API."""
    if check not in _DOCUMENT_LOCKS:
        _DOCUMENT_LOCKS.append(check)


@rules.predicate
def is_document_locked(user, document: Document | None) -> bool:
    return document is not None and any(check(document) for check in _DOCUMENT_LOCKS)


rules.add_perm("docs.change_document", is_document_manager & ~is_document_locked)


def document_queryset() -> models.QuerySet[Document]:
    """Documents with what every page shows, in one query."""
    return Document.objects.select_related("body", "doc_type", "issuer", "created_by")


def access_document(*, user, pk: int, perm: str = "docs.view_document") -> Document:
    """The document, or 404 when ``user`` may not see it, 403 when not allowed ``perm``."""
    document = document_queryset().filter(pk=pk).first()
    if document is None or not user.has_perm("docs.view_document", document):
        raise Http404
    if perm != "docs.view_document" and not user.has_perm(perm, document):
        raise PermissionDenied
    return document


# --- attachments ------------------------------------------------------------

Check = Callable[[object, models.Model], bool]


@dataclass(frozen=True)
class AttachmentTarget:
    view_check: Check
    change_check: Check
    # Optional ``(user, target, attachment) -> bool``: some files of a
    # visible target may still be hidden from some viewers.
    file_check: Callable[..., bool] | None = None


_TARGETS: dict[str, AttachmentTarget] = {}


def register_attachment_target(
    model: type[models.Model],
    view_check: Check,
    change_check: Check,
    file_check: Callable[..., bool] | None = None,
) -> None:
    """Allow attachments on ``model``.

    ``view_check(user, obj)`` decides who may list and download its files,
    ``change_check(user, obj)`` who may add and remove them, and the optional
    ``file_check(user, obj, attachment)`` hides single files from a viewer
    (404 on download). Call it from the app's ``AppConfig.ready()``;
    registering a model twice replaces its checks.
    """
    _TARGETS[model._meta.label_lower] = AttachmentTarget(
        view_check, change_check, file_check
    )


def _target_entry(model: type[models.Model] | None) -> AttachmentTarget | None:
    if model is None:
        return None
    return _TARGETS.get(model._meta.concrete_model._meta.label_lower)


def is_attachment_target(model: type[models.Model]) -> bool:
    return _target_entry(model) is not None


def can_view_attachments(user, target: models.Model) -> bool:
    entry = _target_entry(type(target))
    return entry is not None and bool(entry.view_check(user, target))


def can_change_attachments(user, target: models.Model) -> bool:
    entry = _target_entry(type(target))
    return (
        entry is not None
        and bool(entry.view_check(user, target))
        and bool(entry.change_check(user, target))
    )


def access_attachment(*, user, pk: int, for_change: bool = False) -> Attachment:
    """The attachment, checked through its target's registered rules.

    404 when the attachment, its target or the target's visibility is missing;
    403 when ``for_change`` and the user may see but not change the target.
    The target is loaded once and cached on ``attachment.target``.
    """
    attachment = (
        Attachment.objects.select_related("target_type", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404
    model = attachment.target_type.model_class()
    entry = _target_entry(model)
    if entry is None:
        raise Http404
    target = model._default_manager.filter(pk=attachment.target_id).first()
    if target is None or not entry.view_check(user, target):
        raise Http404
    if entry.file_check is not None and not entry.file_check(user, target, attachment):
        raise Http404
    if for_change and not entry.change_check(user, target):
        raise PermissionDenied
    # Fill the GenericForeignKey cache so callers do not query the target again.
    Attachment.target.set_cached_value(attachment, target)
    return attachment


register_attachment_target(
    Document,
    view_check=lambda user, doc: user.has_perm("docs.view_document", doc),
    change_check=lambda user, doc: user.has_perm("docs.change_document", doc),
)
