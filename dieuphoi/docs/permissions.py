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
from dieuphoi.org.permissions import (
    can_manage_body,
    can_manage_members,
    can_see_body,
    is_admin,
)

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


def document_is_locked(document: Document | None) -> bool:
    """Whether another app keeps this register entry unchangeable."""
    return document is not None and any(check(document) for check in _DOCUMENT_LOCKS)


@rules.predicate
def is_document_locked(user, document: Document | None) -> bool:
    return document_is_locked(document)


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
    # Optional ``(target) -> body id``: the body whose managers (leader,
    # deputy, secretariat) may remove any of the item's files.
    body_of: Callable[[models.Model], int | None] | None = None
    # Optional ``(target) -> bool``: whether the item is still open (a task
    # not completed or cancelled); uploaders remove their own files only then.
    is_open: Callable[[models.Model], bool] | None = None


_TARGETS: dict[str, AttachmentTarget] = {}


def register_attachment_target(
    model: type[models.Model],
    view_check: Check,
    change_check: Check,
    file_check: Callable[..., bool] | None = None,
    *,
    body_of: Callable[[models.Model], int | None] | None = None,
    is_open: Callable[[models.Model], bool] | None = None,
) -> None:
    """Allow attachments on ``model``.

    ``view_check(user, obj)`` decides who may list and download its files,
    ``change_check(user, obj)`` who may add them, and the optional
    ``file_check(user, obj, attachment)`` hides single files from a viewer
    (404 on download). Removing a file (``can_remove_attachment``): the
    managers of ``body_of(obj)`` (leader, deputy, secretariat) and
    administrators remove any file; the uploader removes their own while
    ``is_open(obj)`` and ``change_check`` hold; nobody removes a file of an
    issued official document. Call it from the app's ``AppConfig.ready()``;
    registering a model twice replaces its checks.
    """
    _TARGETS[model._meta.label_lower] = AttachmentTarget(
        view_check, change_check, file_check, body_of, is_open
    )


def _target_entry(model: type[models.Model] | None) -> AttachmentTarget | None:
    if model is None:
        return None
    return _TARGETS.get(model._meta.concrete_model._meta.label_lower)


def is_attachment_target(model: type[models.Model]) -> bool:
    return _target_entry(model) is not None


def attachment_body_id(target: models.Model | None) -> int | None:
    """The body an attachment target belongs to (``body_of``), or ``None``."""
    entry = _target_entry(type(target)) if target is not None else None
    if entry is None or entry.body_of is None:
        return None
    return entry.body_of(target)


def attachment_target_is_open(target: models.Model | None) -> bool:
    entry = _target_entry(type(target)) if target is not None else None
    if entry is None:
        return False
    return entry.is_open is None or bool(entry.is_open(target))


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


def is_locked_target(target: models.Model | None) -> bool:
    """Files of an issued official document (a locked register entry) stay."""
    return isinstance(target, Document) and document_is_locked(target)


def attachment_remover(user, target: models.Model) -> Callable[[Attachment], bool]:
    """``check(attachment) -> bool``: who may remove files of ``target``
    (already known visible to ``user``), decided once for a whole list.

    Never an issued official document's files, even for administrators.
    Administrators and the managers of the item's body (leader, deputy,
    secretariat; not specialists or focal points) remove any file; the
    uploader removes their own file while the item is open and they may
    still add files to it. Nobody else.
    """
    entry = _target_entry(type(target))
    if entry is None or is_locked_target(target):
        return lambda attachment: False
    if is_admin(user) or can_manage_members(user, attachment_body_id(target)):
        return lambda attachment: not attachment.is_removed
    user_id = getattr(user, "pk", None)
    own = (
        user_id is not None
        and attachment_target_is_open(target)
        and bool(entry.change_check(user, target))
    )
    return lambda attachment: (
        own and not attachment.is_removed and attachment.uploaded_by_id == user_id
    )


def can_remove_attachment(user, target: models.Model, attachment: Attachment) -> bool:
    """Whether ``user`` may remove ``attachment`` of ``target`` (see
    ``attachment_remover``)."""
    return attachment_remover(user, target)(attachment)


def access_attachment(
    *, user, pk: int, for_change: bool = False, for_remove: bool = False
) -> Attachment:
    """The attachment, checked through its target's registered rules.

    404 when the attachment (or a removed one), its target or the target's
    visibility is missing; 403 when ``for_change`` and the user may see but
    not change the target, or ``for_remove`` and ``can_remove_attachment``
    says no. The target is loaded once and cached on ``attachment.target``.
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
    if for_remove and not can_remove_attachment(user, target, attachment):
        raise PermissionDenied
    # Fill the GenericForeignKey cache so callers do not query the target again.
    Attachment.target.set_cached_value(attachment, target)
    return attachment


register_attachment_target(
    Document,
    view_check=lambda user, doc: user.has_perm("docs.view_document", doc),
    change_check=lambda user, doc: user.has_perm("docs.change_document", doc),
    body_of=lambda doc: doc.body_id,
)
