"""Tasks as notification targets: who may see them (in bulk) and what an
e-mail shows of them. Registered from ``RemindersConfig.ready()`` so every
app may notify about a task (``notifications.services.notify``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from dieuphoi.tasks import buckets, permissions
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.permissions import can_view_task


def task_visible_pairs(
    pairs: set[tuple[int, int]], on: datetime.date
) -> set[tuple[int, int]]:
    """``can_view_task`` in bulk; the rule (members of the task's body,
    administrators, leadership, and external users who are a co-operating
    party) lives with the task permissions."""
    return permissions.task_visible_pairs(pairs, on)


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
    from dieuphoi.core import cache as stamps
    from dieuphoi.notifications.registry import register_notification_target

    register_notification_target(
        Task,
        can_view=can_view_task,
        visible_pairs=task_visible_pairs,
        describe=task_describe,
        # The rule reads the task's body and parts, and the user's own seats.
        stamps=(stamps.TASKS,),
    )
