"""Which items notifications may be about, and who may see them.

An app registers each model it sends notifications about, from its
``AppConfig.ready()``::

    from dieuphoi.notifications.registry import register_notification_target

    register_notification_target(
        Task,
        can_view=can_view_task,              # (user, task) -> bool
        visible_pairs=task_visible_pairs,    # optional, bulk
        describe=task_describe,              # optional, for e-mails
    )

- ``can_view(user, obj)``: the item's own view rule.
- ``visible_pairs(pairs, on) -> set``: the same rule for many at once:
  ``pairs`` is a set of ``(user_id, target_id)``; return those where the user
  may see the item on day ``on``. Without it, each pair is checked with
  ``can_view`` (a query or two per pair: fine for a handful).
- ``describe(target_ids, on) -> {target_id: dict}``: what an e-mail shows of
  each item: ``code``, ``title``, ``deadline`` (a date or None), ``bucket``
  (a label), all optional.
- ``attachments(target_id, kind) -> [(file name, bytes, mime type)]``:
  files an e-mail about the item carries (a sent document's signed PDF);
  optional.
- ``stamps``: the version stamps (``dieuphoi.core.cache``) replaced by
  every write of the data the view rule reads *besides the user's own
  row and memberships*: with them, ``visible_to`` keeps one user's answer
  until a stamp, the user's seats or the day changes (the centre and the
  badge check the same items on every view). Declare every stamp the rule
  reads: a rule that looks at other people's seats ("who acts for a party")
  declares ``seats`` too. Without stamps every check is fresh.

A notification about an unregistered model is not sent: an item nobody said
how to protect is treated as invisible. A notification without a target
(system messages) is sent to whoever it is addressed to.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models

ViewCheck = Callable[..., bool]
PairsCheck = Callable[[set[tuple[int, int]], datetime.date], set[tuple[int, int]]]
Describe = Callable[[Iterable[int], datetime.date], dict[int, dict]]
Attachments = Callable[[int, str], list[tuple[str, bytes, str]]]


@dataclass(frozen=True)
class NotificationTarget:
    model: type[models.Model]
    can_view: ViewCheck
    visible_pairs: PairsCheck | None = None
    describe: Describe | None = None
    attachments: Attachments | None = None
    stamps: tuple[str, ...] = ()


_TARGETS: dict[str, NotificationTarget] = {}


def register_notification_target(
    model: type[models.Model],
    *,
    can_view: ViewCheck,
    visible_pairs: PairsCheck | None = None,
    describe: Describe | None = None,
    attachments: Attachments | None = None,
    stamps: Iterable[str] = (),
) -> None:
    """Allow notifications about ``model`` (registering again replaces it)."""
    _TARGETS[model._meta.concrete_model._meta.label_lower] = NotificationTarget(
        model=model,
        can_view=can_view,
        visible_pairs=visible_pairs,
        describe=describe,
        attachments=attachments,
        stamps=tuple(stamps),
    )


def unregister_notification_target(model: type[models.Model]) -> None:
    """For tests."""
    _TARGETS.pop(model._meta.concrete_model._meta.label_lower, None)


def target_for_model(model: type[models.Model] | None) -> NotificationTarget | None:
    if model is None:
        return None
    return _TARGETS.get(model._meta.concrete_model._meta.label_lower)


def target_for_type_id(type_id: int | None) -> NotificationTarget | None:
    if type_id is None:
        return None
    try:
        model = ContentType.objects.get_for_id(type_id).model_class()
    except ContentType.DoesNotExist:
        return None
    return target_for_model(model)


_known_users: ContextVar[dict | None] = ContextVar("notification_users", default=None)


@contextmanager
def users_known(*users):
    """Within the block, ``users_by_id`` gives these user objects instead of
    loading them again: the centre and the badge check the request's own
    user, whose seats are already loaded on it (a query or two saved per
    kind of item)."""
    token = _known_users.set({u.pk: u for u in users})
    try:
        yield
    finally:
        _known_users.reset(token)


def users_by_id(ids: Iterable[int]) -> dict:
    """``{pk: user}`` for ``ids``: those of ``users_known``, the others from
    the database (one query). For ``can_view`` checks in ``visible_pairs``."""
    ids = set(ids)
    known = _known_users.get() or {}
    found = {pk: known[pk] for pk in ids if pk in known}
    missing = ids - found.keys()
    if missing:
        found.update(get_user_model()._default_manager.in_bulk(missing))
    return found


def visible(
    type_id: int, pairs: set[tuple[int, int]], on: datetime.date
) -> set[tuple[int, int]]:
    """The ``(user_id, target_id)`` pairs whose user may see the target."""
    if not pairs:
        return set()
    entry = target_for_type_id(type_id)
    if entry is None:
        return set()
    if entry.visible_pairs is not None:
        return set(entry.visible_pairs(set(pairs), on)) & pairs
    users = users_by_id(u for u, _ in pairs)
    objects = entry.model._default_manager.in_bulk({t for _, t in pairs})
    return {
        (u, t)
        for u, t in pairs
        if u in users and t in objects and entry.can_view(users[u], objects[t])
    }


def visible_to(
    user, type_id: int, target_ids: Iterable[int], on: datetime.date
) -> set[int]:
    """The ids among ``target_ids`` that ``user`` may see on ``on``
    (``visible``), kept for ``NOTIFICATION_VISIBILITY_CACHE_SECONDS`` under
    the target's ``stamps``, the user's ``access_key`` and the day when the
    target declares stamps; checked afresh otherwise."""
    from django.conf import settings

    from dieuphoi.core import cache as stamps
    from dieuphoi.org.permissions import access_key

    ids = tuple(sorted(set(target_ids)))

    def check() -> set[int]:
        with users_known(user):
            found = visible(type_id, {(user.pk, t) for t in ids}, on)
        return {t for _u, t in found}

    entry = target_for_type_id(type_id)
    seconds = int(getattr(settings, "NOTIFICATION_VISIBILITY_CACHE_SECONDS", 0))
    if entry is None or not entry.stamps or not ids or seconds <= 0:
        return check()
    return stamps.cached(
        "notifications:visible",
        (access_key(user), entry.model._meta.label_lower, ids, on.isoformat()),
        check,
        stamps=entry.stamps,
        seconds=seconds,
    )


def describe(type_id: int | None, target_ids: Iterable[int], on: datetime.date):
    """``{target_id: dict}`` for e-mails; ``{}`` when the model has no
    ``describe``."""
    entry = target_for_type_id(type_id)
    ids = {t for t in target_ids if t is not None}
    if entry is None or entry.describe is None or not ids:
        return {}
    return entry.describe(ids, on)


def email_attachments(
    type_id: int | None, target_id: int | None, kind: str
) -> list[tuple[str, bytes, str]]:
    """The files an e-mail about ``target_id`` carries (none by default)."""
    entry = target_for_type_id(type_id)
    if entry is None or entry.attachments is None or target_id is None:
        return []
    return list(entry.attachments(target_id, kind))
