"""Comments on any item (a task, later proposals, matters, activities).

A ``Comment`` belongs to one item (``target_type`` + ``target_id``) and one
thread of it: ``thread`` is ``""`` for the item's own discussion, or a key
the item's registration defines (``"part:12"``: a task's co-operating part).
Who may read, write and be mentioned is decided by the item's registration
(``registry``). ``version`` is for optimistic locking of edits. Files are
``docs`` attachments on the comment.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Comment(models.Model):
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField()
    thread = models.CharField(_("thread"), max_length=50, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "thread", "-id"],
                name="comment_thread",
            )
        ]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 80 else text[:79] + "…"


class Mention(models.Model):
    """A person named in a comment (``@username`` or the picker)."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user"], name="mention_unique_per_comment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.comment_id}: {self.user_id}"
