"""Tasks as notification targets: who may see them (in bulk) and what an
e-mail shows of them. Registered from ``RemindersConfig.ready()`` so every
app may notify about a task (``notifications.services.notify``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model

from dieuphoi.org.models import Membership
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.permissions import can_view_task


def task_visible_pairs(
    pairs: set[tuple[int, int]], on: datetime.date
) -> set[tuple[int, int]]:
    """``can_view_task`` for many (user, task) pairs in three queries:
    administrators and the city leadership see every task, members of the
    task's body (memberships valid on ``on``) see its tasks."""
    user_ids = {u for u, _ in pairs}
    flags = {
        pk: superuser or leadership
        for pk, superuser, leadership in get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .order_by()
        .values_list("pk", "is_superuser", "is_leadership_viewer")
    }
    bodies = dict(
        Task.objects.filter(pk__in={t for _, t in pairs})
        .order_by()
        .values_list("pk", "body_id")
    )
    others = {u for u, sees_all in flags.items() if not sees_all}
    seats = set(
        Membership.objects.as_of(on)
        .filter(person_id__in=others, body_id__in=set(bodies.values()))
        .order_by()
        .values_list("person_id", "body_id")
    )
    return {
        (u, t)
        for u, t in pairs
        if u in flags and t in bodies and (flags[u] or (u, bodies[t]) in seats)
    }


def task_describe(task_ids: Iterable[int], on: datetime.date) -> dict[int, dict]:
    rows = buckets.annotate_buckets(
        Task.objects.filter(pk__in=list(task_ids)).order_by(), on
    ).values_list("pk", "code", "title", "deadline", "bucket")
    return {
        pk: {
            "code": code,
            "title": title,
            "deadline": deadline,
            "bucket": buckets.bucket_label(bucket),
        }
        for pk, code, title, deadline, bucket in rows
    }


def register() -> None:
    from dieuphoi.notifications.registry import register_notification_target

    register_notification_target(
        Task,
        can_view=can_view_task,
        visible_pairs=task_visible_pairs,
        describe=task_describe,
    )
