"""Which items may be discussed, and who may read, write and be mentioned.

An app registers each model it wants comments on, from its
``AppConfig.ready()``::

    from dieuphoi.discussions.registry import register_discussion_target

    register_discussion_target(
        Task,
        key="task",                          # in URLs: /discussions/task/12/
        can_view=can_view_task,              # (user, obj, thread) -> bool
        can_comment=can_comment_on_task,     # (user, obj, thread) -> bool
        visible_user_ids=task_viewer_ids,    # (obj, user_ids) -> set, bulk
        mentionable=task_people,             # (obj, thread) -> QuerySet of users
        threads=task_threads,                # (obj) -> [(key, label)], "" first
        url=task_url,                        # (obj, thread) -> str
    )

- ``can_view``/``can_comment``: the thread's rules (``thread`` is ``""`` for
  the item's own discussion).
- ``visible_user_ids(obj, ids)``: those of ``ids`` who may see the item (a
  person mentioned must be one of them), in a fixed number of queries.
- ``mentionable(obj, thread)``: the people offered by the mention picker.
- ``threads(obj)``: the thread keys the item has, with their labels.
- ``url(obj, thread)``: where a notification about a comment leads.

An unregistered model cannot be discussed (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class DiscussionTarget:
    model: type[models.Model]
    key: str
    can_view: Callable[..., bool]
    can_comment: Callable[..., bool]
    visible_user_ids: Callable[..., set[int]]
    mentionable: Callable[..., models.QuerySet]
    threads: Callable[..., list[tuple[str, str]]]
    url: Callable[..., str]


_BY_MODEL: dict[str, DiscussionTarget] = {}
_BY_KEY: dict[str, DiscussionTarget] = {}


def register_discussion_target(model: type[models.Model], **kwargs) -> None:
    """Allow comments on ``model`` (registering again replaces it)."""
    entry = DiscussionTarget(model=model, **kwargs)
    _BY_MODEL[model._meta.concrete_model._meta.label_lower] = entry
    _BY_KEY[entry.key] = entry


def target_for_model(model: type[models.Model] | None) -> DiscussionTarget | None:
    if model is None:
        return None
    return _BY_MODEL.get(model._meta.concrete_model._meta.label_lower)


def target_for_key(key: str) -> DiscussionTarget | None:
    return _BY_KEY.get(key)
