"""Comments API, mounted at /api/v1/tasks (the task threads).

- ``GET /{task_id}/comments`` (``thread``: "" for the task, "part:<id>" for
  a co-operating party; ``before``: keyset for older comments)
- ``POST /{task_id}/comments`` (JSON ``text``, ``thread``, ``mentions``
  (user ids; ``@username`` in the text works too), or multipart/form-data
  with the same fields and ``files``)
- ``PATCH /{task_id}/comments/{comment_id}`` (``text``, ``version``,
  ``mentions``): the author, within the edit window.

A task (or thread) the caller may not see answers 404, as does a comment
that is not the task's; writing where one may not answers 403; bad input,
a mention of someone who may not see the task, an edit after the window
answer 422 with the field; a stale ``version`` answers 409.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.api.payloads import json_or_multipart, request_payload
from dieuphoi.core.params import ApiId, ApiVersion

from . import permissions, selectors, services

router = Router(tags=["comments"])
TARGET = "task"


class CommentPersonOut(Schema):
    id: int
    username: str
    name: str


class CommentFileOut(Schema):
    id: int
    name: str
    size: int
    url: str


class TaskCommentOut(Schema):
    id: int
    thread: str
    author: CommentPersonOut | None
    text: str
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    version: int
    mentions: list[CommentPersonOut]
    files: list[CommentFileOut]
    can_edit: bool


class TaskCommentPageOut(Schema):
    items: list[TaskCommentOut] = Field(description="Oldest first.")
    older_before: int | None = Field(
        description="Pass as ``before`` for the older comments; null when none."
    )


class CommentIn(Schema):
    text: str
    thread: str = ""
    mentions: list[ApiId] = []


class CommentPatch(Schema):
    text: str
    version: ApiVersion
    mentions: list[ApiId] = []


class ThreadQuery(Schema):
    thread: str = ""
    before: ApiId | None = None


def _person(user) -> CommentPersonOut | None:
    if user is None:
        return None
    return CommentPersonOut(id=user.pk, username=user.username, name=str(user))


def _out(user, comment) -> TaskCommentOut:
    return TaskCommentOut(
        id=comment.pk,
        thread=comment.thread,
        author=_person(comment.author),
        text=comment.text,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        version=comment.version,
        mentions=[_person(u) for u in comment.mentioned],
        files=[
            CommentFileOut(
                id=a.pk,
                name=a.original_name,
                size=a.size,
                url=reverse("docs:attachment-download", args=[a.pk]),
            )
            for a in comment.files
        ],
        can_edit=comment.author_id == user.pk
        and permissions.within_edit_window(comment),
    )


def _one(user, item, thread: str, pk: int) -> TaskCommentOut:
    page = selectors.comment_list(target=item, thread=thread, before_id=pk + 1)
    found = [c for c in page.comments if c.pk == pk]
    return _out(user, found[0])


@router.get(
    "/{int:task_id}/comments",
    response=responses({200: TaskCommentPageOut}),
    summary="List a task's comments",
)
def list_comments(request, task_id: int, query: Query[ThreadQuery]):
    _entry, item = permissions.access_target(
        user=request.user, key=TARGET, pk=task_id, thread=query.thread
    )
    page = selectors.comment_list(
        target=item, thread=query.thread, before_id=query.before
    )
    return {
        "items": [_out(request.user, c) for c in page.comments],
        "older_before": page.older_before,
    }


@router.post(
    "/{int:task_id}/comments",
    response=responses({201: TaskCommentOut}, body=True),
    summary="Comment on a task",
    openapi_extra=json_or_multipart(CommentIn, required=["text"]),
)
def create_comment(request, task_id: int):
    """JSON, or multipart/form-data with the same fields and ``files``."""
    # Visibility first (404), then the payload and the right to write.
    entry, item = permissions.access_target(
        user=request.user, key=TARGET, pk=task_id, thread=None
    )
    payload = request_payload(request, CommentIn, lists=("mentions",), keep_empty=True)
    files = request.FILES.getlist("files") if request.FILES else []
    if payload.thread not in {k for k, _label in entry.threads(item)}:
        raise ValidationError({"thread": gettext("This thread does not exist here.")})
    _entry, item = permissions.access_target(
        user=request.user, key=TARGET, pk=task_id, thread=payload.thread, comment=True
    )
    comment = services.comment_create(
        actor=request.user,
        target=item,
        text=payload.text,
        thread=payload.thread,
        mentions=payload.mentions,
        files=files,
    )
    return Status(201, _one(request.user, item, comment.thread, comment.pk))


@router.patch(
    "/{int:task_id}/comments/{int:comment_id}",
    response=responses({200: TaskCommentOut}, version=True, body=True),
    summary="Edit one's comment",
)
def edit_comment(request, task_id: int, comment_id: int, payload: CommentPatch):
    _entry, item = permissions.access_target(
        user=request.user, key=TARGET, pk=task_id, thread=None
    )
    comment = permissions.access_comment(user=request.user, pk=comment_id, target=item)
    services.comment_edit(
        actor=request.user,
        comment=comment,
        text=payload.text,
        version=payload.version,
        mentions=payload.mentions,
    )
    return _one(request.user, item, comment.thread, comment.pk)
