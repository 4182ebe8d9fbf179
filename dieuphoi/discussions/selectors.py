"""Reads of the discussions app. Callers have checked the thread
(``permissions.access_target``)."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from dieuphoi.docs.models import Attachment

from .models import Comment, Mention

PAGE_SIZE = 50


class ThreadPage(NamedTuple):
    comments: list[Comment]  # oldest first
    older_before: int | None  # id to ask older comments with, if any


def comment_list(
    *, target, thread: str = "", before_id: int | None = None
) -> ThreadPage:
    """The newest ``PAGE_SIZE`` comments of one thread (older ones by keyset:
    ``before_id``), oldest first, each with ``mentioned`` (users) and
    ``files`` (attachments). Three queries, whatever the number of comments:
    the comments with their authors, the mentions, the files."""
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    qs = (
        Comment.objects.filter(target_type=ct, target_id=target.pk, thread=thread)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "mentions",
                queryset=Mention.objects.select_related("user").order_by(
                    "user__username"
                ),
            )
        )
        .order_by("-id")
    )
    if before_id:
        qs = qs.filter(id__lt=before_id)
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    files: dict[int, list[Attachment]] = defaultdict(list)
    if rows:
        comment_ct = ContentType.objects.get_for_model(Comment)
        for attachment in Attachment.objects.filter(
            target_type=comment_ct, target_id__in=[c.pk for c in rows]
        ).order_by("uploaded_at", "id"):
            files[attachment.target_id].append(attachment)
    for comment in rows:
        comment.mentioned = [m.user for m in comment.mentions.all()]
        comment.files = files.get(comment.pk, [])
    rows.reverse()
    return ThreadPage(comments=rows, older_before=rows[0].pk if more and rows else None)


def comment_count(*, target, thread: str = "") -> int:
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return Comment.objects.filter(
        target_type=ct, target_id=target.pk, thread=thread
    ).count()
