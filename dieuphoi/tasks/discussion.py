"""Tasks as discussion targets (``dieuphoi.discussions``): each task has
its own thread and one per co-operating party ("part:<id>"); the threads
are shown on the task page (``panels``).

Rules: whoever may see the task reads and writes its threads, except that a
user who sees the task only as an external party (another province's team)
reads and writes only the threads of their own parts. People who may see
the task may be mentioned; the picker offers the members of the task's body.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership

from . import permissions
from .models import Task

PART_PREFIX = "part:"


def _part_id(thread: str) -> int | None:
    if not thread.startswith(PART_PREFIX):
        return None
    try:
        return int(thread[len(PART_PREFIX) :])
    except ValueError:
        return None


def task_threads(task: Task) -> list[tuple[str, str]]:
    threads = [("", gettext("Discussion of the task"))]
    for part in task.parts.all():
        threads.append(
            (
                f"{PART_PREFIX}{part.pk}",
                gettext("Part of %(party)s") % {"party": part.party_name},
            )
        )
    return threads


def can_view_thread(user, task: Task, thread: str = "") -> bool:
    if not permissions.can_view_task(user, task):
        return False
    if not permissions.is_external(user, task):
        return True
    part_id = _part_id(thread)
    return part_id is not None and any(
        p.pk == part_id for p in permissions.user_parts(user, task)
    )


def task_viewer_ids(task: Task, user_ids: set[int]) -> set[int]:
    pairs = {(uid, task.pk) for uid in user_ids}
    return {u for u, _t in permissions.task_visible_pairs(pairs, local_today())}


def task_people(task: Task, thread: str = ""):
    members = Membership.objects.as_of(local_today()).filter(body_id=task.body_id)
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=members.values("person_id"))
        .order_by("full_name", "username")
    )


def task_url(task: Task, thread: str = "") -> str:
    return reverse("tasks:detail", args=[task.pk])


def register() -> None:
    from dieuphoi.discussions.registry import register_discussion_target

    register_discussion_target(
        Task,
        key="task",
        can_view=can_view_thread,
        can_comment=can_view_thread,
        visible_user_ids=task_viewer_ids,
        mentionable=task_people,
        threads=task_threads,
        url=task_url,
    )


def task_panel(request, task: Task):
    """The task's discussion, and its parts' threads (loaded when opened)."""
    from dieuphoi.discussions.registry import target_for_model
    from dieuphoi.discussions.views import thread_context, thread_dom_id

    entry = target_for_model(Task)
    if entry is None:
        return None
    user = request.user
    main = can_view_thread(user, task, "")
    parts = [
        {
            "thread": thread,
            "label": label,
            "dom_id": thread_dom_id(thread),
        }
        for thread, label in task_threads(task)[1:]
        if can_view_thread(user, task, thread)
    ]
    if not main and not parts:
        return None
    context = thread_context(request, entry, task, "") if main else {}
    return {
        "template": "discussions/task_panel.html",
        "context": {**context, "main": main, "parts": parts, "task": task},
    }
