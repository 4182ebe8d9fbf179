"""Writes of the discussions app.

- ``comment_create(*, actor, target, text, thread="", mentions=(),
  files=()) -> Comment``
- ``comment_edit(*, actor, comment, text, version, mentions=None) -> Comment``

Each is one transaction: permission, validation, the write, an audit event
on the item's timeline (``discussions.comment_create``,
``discussions.comment_edit``), then a ``comment_mention`` notification to
each person newly mentioned (not the author). People are mentioned by
``@username`` in the text, or by id (``mentions``, the picker); a mention of
someone who may not see the item is refused (``ValidationError`` on
``mentions``) and nothing is written. A ``@word`` that is nobody's username
is plain text (e-mail addresses, handles of other systems).

Errors: ``ValidationError`` keyed ``text``, ``thread``, ``mentions``,
``files``, ``__all__`` (edit window over); ``PermissionDenied`` (may not
write, or not the author); ``Conflict`` on a stale ``version``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.services import audit_record
from dieuphoi.core.validation import clean_multiline
from dieuphoi.notifications.services import NotificationSpec, notify_many

from . import registry
from .models import Comment, Mention
from .permissions import edit_window, target_of, within_edit_window

TEXT_MAX = 5000
FILES_MAX = 10
# "@name" not preceded by a word character, a dot or "@": so the "@" of an
# e-mail address (an.nv@hanoi.gov.vn) does not count.
MENTION_RE = re.compile(r"(?<![\w.@])@([\w][\w.\-]*[\w]|[\w])")

ACTION_LABELS = {
    "discussions.comment_create": _("Commented"),
    "discussions.comment_edit": _("Edited a comment"),
}
CHANGE_LABELS = {
    "comment": _("Comment"),
    "thread": _("Thread"),
    "mentions": _("Mentioned"),
}


def _summary(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _person(user) -> str:
    return getattr(user, "full_name", "") or user.get_username()


def mentioned_usernames(text: str) -> set[str]:
    return {m.group(1) for m in MENTION_RE.finditer(text or "")}


def _resolve_mentions(
    *, entry, target, text: str, mention_ids: Iterable[Any], errors: dict
) -> dict[int, Any]:
    """``{user_id: user}`` mentioned in ``text`` or chosen by id; adds an
    error on ``mentions`` for anyone who may not see ``target``."""
    User = get_user_model()
    ids: set[int] = set()
    for raw in mention_ids or ():
        try:
            ids.add(int(raw))
        except (TypeError, ValueError):
            errors.setdefault("mentions", []).append(
                gettext("“%(value)s” is not a person.") % {"value": raw}
            )
    names = mentioned_usernames(text)
    if not ids and not names:
        return {}
    people = {
        u.pk: u
        for u in User.objects.filter(is_active=True).filter(
            _people_q(ids=ids, names=names)
        )
    }
    for missing in sorted(ids - set(people)):
        errors.setdefault("mentions", []).append(
            gettext("No active person has the id %(id)s.") % {"id": missing}
        )
    allowed = entry.visible_user_ids(target, set(people)) if people else set()
    for uid, user in sorted(people.items()):
        if uid not in allowed:
            errors.setdefault("mentions", []).append(
                gettext(
                    "%(person)s (@%(username)s) may not see this item, so cannot "
                    "be mentioned."
                )
                % {"person": _person(user), "username": user.get_username()}
            )
    return {uid: user for uid, user in people.items() if uid in allowed}


def _people_q(*, ids: set[int], names: set[str]):
    from django.db.models import Q

    q = Q(pk__in=ids) if ids else Q(pk__in=[])
    if names:
        q |= Q(username__in=names)
    return q


def _check_text(text: str, errors: dict) -> None:
    if not text:
        errors.setdefault("text", []).append(gettext("Write the comment."))
    elif len(text) > TEXT_MAX:
        errors.setdefault("text", []).append(
            gettext("The comment is too long (%(length)s characters; at most %(max)s).")
            % {"length": len(text), "max": TEXT_MAX}
        )


def _notify_mentions(*, comment: Comment, entry, target, users: dict, actor) -> int:
    me = getattr(actor, "pk", None)
    type_id = ContentType.objects.get_for_model(target, for_concrete_model=False).pk
    who = _person(actor)
    about = str(target)
    excerpt = _summary(comment.text, 120)
    url = entry.url(target, comment.thread) + f"#comment-{comment.pk}"

    def title() -> str:
        return gettext("%(person)s mentioned you on %(item)s: “%(text)s”") % {
            "person": who,
            "item": about,
            "text": excerpt,
        }

    specs = [
        NotificationSpec(
            recipient_id=uid,
            kind="comment_mention",
            key=f"comment:{comment.pk}:mention:{uid}",
            title=title,
            url=url,
            target_type_id=type_id,
            target_id=target.pk,
        )
        for uid in sorted(users)
        if uid != me
    ]
    return notify_many(specs) if specs else 0


def comment_create(
    *,
    actor,
    target,
    text: str,
    thread: str = "",
    mentions: Iterable[Any] = (),
    files: Sequence = (),
) -> Comment:
    entry = registry.target_for_model(type(target))
    if entry is None:
        raise TypeError(f"{type(target).__name__} is not a discussion target")
    thread = (thread or "").strip()
    if thread not in {k for k, _label in entry.threads(target)}:
        raise ValidationError({"thread": gettext("This thread does not exist here.")})
    if not entry.can_view(actor, target, thread) or not entry.can_comment(
        actor, target, thread
    ):
        raise PermissionDenied(gettext("You may not comment here."))
    text = clean_multiline(text)
    errors: dict[str, list[str]] = {}
    _check_text(text, errors)
    files = [f for f in files or () if f]
    if len(files) > FILES_MAX:
        errors["files"] = [
            gettext("Attach at most %(max)s files to one comment.") % {"max": FILES_MAX}
        ]
    users = _resolve_mentions(
        entry=entry, target=target, text=text, mention_ids=mentions, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        comment = Comment(
            target_type=ContentType.objects.get_for_model(
                target, for_concrete_model=False
            ),
            target_id=target.pk,
            thread=thread,
            author=actor,
            text=text,
        )
        comment.full_clean()
        comment.save()
        comment._target = (entry, target)
        Mention.objects.bulk_create(
            [Mention(comment=comment, user_id=uid) for uid in sorted(users)]
        )
        names = []
        if files:
            from dieuphoi.docs.services import attachment_add

            for uploaded in files:
                try:
                    attachment = attachment_add(
                        actor=actor, target=comment, uploaded_file=uploaded
                    )
                except ValidationError as exc:
                    raise ValidationError({"files": exc.messages}) from exc
                names.append(attachment.original_name)
        changes: dict[str, Any] = {"comment": _summary(text)}
        if thread:
            changes["thread"] = thread
        if users:
            changes["mentions"] = sorted(_person(u) for u in users.values())
        if names:
            changes["files"] = names
        audit_record(
            actor=actor,
            action="discussions.comment_create",
            target=target,
            changes=changes,
        )
        _notify_mentions(
            comment=comment, entry=entry, target=target, users=users, actor=actor
        )
    return comment


def comment_edit(
    *,
    actor,
    comment: Comment,
    text: str,
    version: int | None,
    mentions: Iterable[Any] | None = None,
) -> Comment:
    """Change the text (and mentions) of one's own comment, within the edit
    window. People newly mentioned are notified; those no longer mentioned
    lose the mention (not the notification they had)."""
    text = clean_multiline(text)
    with transaction.atomic():
        current = (
            Comment.objects.select_for_update()
            .select_related("target_type")
            .get(pk=comment.pk)
        )
        current._target = getattr(comment, "_target", None)
        entry, target = target_of(current)
        if target is None or not entry.can_view(actor, target, current.thread):
            raise PermissionDenied(gettext("You may not see this comment."))
        if current.author_id is None or current.author_id != getattr(actor, "pk", None):
            raise PermissionDenied(gettext("Only the author may edit a comment."))
        if version is not None and int(version) != current.version:
            raise Conflict(
                gettext(
                    "The comment was changed after you opened it (your version "
                    "%(yours)s, now %(current)s). Reload it and try again."
                )
                % {"yours": version, "current": current.version},
                current_version=current.version,
            )
        if not within_edit_window(current):
            minutes = int(edit_window().total_seconds() // 60)
            raise ValidationError(
                {
                    "__all__": gettext(
                        "A comment can be edited only within %(minutes)s minutes "
                        "of posting it. Write a new comment instead."
                    )
                    % {"minutes": minutes}
                }
            )
        errors: dict[str, list[str]] = {}
        _check_text(text, errors)
        users = _resolve_mentions(
            entry=entry,
            target=target,
            text=text,
            mention_ids=mentions or (),
            errors=errors,
        )
        if errors:
            raise ValidationError(errors)
        before_text = current.text
        old = set(current.mentions.values_list("user_id", flat=True))
        if text == before_text and set(users) == old:
            return current
        current.text = text
        current.edited_at = timezone.now()
        current.version += 1
        current.full_clean()
        current.save()
        current.mentions.exclude(user_id__in=set(users)).delete()
        new = {uid: u for uid, u in users.items() if uid not in old}
        Mention.objects.bulk_create(
            [Mention(comment=current, user_id=uid) for uid in sorted(new)]
        )
        changes: dict[str, Any] = {
            "comment": {"before": _summary(before_text), "after": _summary(text)}
        }
        if current.thread:
            changes["thread"] = current.thread
        if new:
            changes["mentions"] = sorted(_person(u) for u in new.values())
        audit_record(
            actor=actor,
            action="discussions.comment_edit",
            target=target,
            changes=changes,
        )
        _notify_mentions(
            comment=current, entry=entry, target=target, users=new, actor=actor
        )
    return current
