"""Who may read, write and edit comments.

- A thread is read by whoever the item's registration lets see it
  (``registry``); anyone else gets 404 (``access_target``).
- Writing needs the registration's ``can_comment`` (403 otherwise).
- A comment is edited by its author only, within
  ``DISCUSSION_EDIT_MINUTES`` (default 15) of posting; its files follow the
  same rule (``can_edit_comment``). A comment whose item the user may not
  see is 404 (``access_comment``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from . import registry
from .models import Comment


def edit_window() -> datetime.timedelta:
    return datetime.timedelta(
        minutes=int(getattr(settings, "DISCUSSION_EDIT_MINUTES", 15))
    )


def within_edit_window(comment: Comment, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) - comment.created_at <= edit_window()


def target_of(comment: Comment):
    """``(entry, item)`` of ``comment``; the item is cached on the comment."""
    cached = getattr(comment, "_target", None)
    if cached is not None:
        return cached
    entry = registry.target_for_model(comment.target_type.model_class())
    item = None
    if entry is not None:
        item = entry.model._default_manager.filter(pk=comment.target_id).first()
    comment._target = (entry, item)
    return comment._target


def can_view_comment(user, comment: Comment) -> bool:
    entry, item = target_of(comment)
    return item is not None and bool(entry.can_view(user, item, comment.thread))


def can_edit_comment(user, comment: Comment) -> bool:
    return (
        comment.author_id is not None
        and comment.author_id == getattr(user, "pk", None)
        and within_edit_window(comment)
        and can_view_comment(user, comment)
    )


def access_target(
    *, user, key: str, pk, thread: str | None = "", comment: bool = False
):
    """``(entry, item)`` for the item ``key``/``pk``: 404 when it is not
    discussable or the user may not see the thread (``thread=None``: any of
    its threads), 403 when ``comment`` and the user may not write in it."""
    entry = registry.target_for_key(key)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if entry is None:
        raise Http404
    item = entry.model._default_manager.filter(pk=pk).first()
    if item is None:
        raise Http404
    threads = [k for k, _label in entry.threads(item)]
    if thread is None:
        if not any(entry.can_view(user, item, k) for k in threads):
            raise Http404
        return entry, item
    if thread not in threads or not entry.can_view(user, item, thread):
        raise Http404
    if comment and not entry.can_comment(user, item, thread):
        raise PermissionDenied
    return entry, item


def access_comment(*, user, pk, target=None) -> Comment:
    """The comment, or 404 when the user may not see its thread (or, with
    ``target``, it is not a comment on that item)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    comment = (
        Comment.objects.select_related("author", "target_type").filter(pk=pk).first()
    )
    if comment is None:
        raise Http404
    if target is not None and (
        comment.target_id != target.pk
        or comment.target_type.model_class()._meta.concrete_model
        is not type(target)._meta.concrete_model
    ):
        raise Http404
    if target is not None:
        entry = registry.target_for_model(type(target))
        comment._target = (entry, target)
    if not can_view_comment(user, comment):
        raise Http404
    return comment
