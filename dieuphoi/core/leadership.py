"""The leadership's home section: the state of the work at a glance.

Shown to the leader and deputy of a body, the city leadership viewers and
administrators (``is_leadership_home_user``); nobody else gets a query. It
shows the four official buckets (each a link to the filtered list), the four
rates with their denominators (``dieuphoi.tasks.rates``), the overdue key
tasks, the escalations waiting for the leadership meeting, the extension
requests waiting for a decision and the tasks due this week.

This module sits in ``core`` because it puts several apps side by side
(tasks, reminders); it only calls their public selectors, imported when the
section is built, and is registered from ``CoreConfig.ready()`` only when
those apps are installed. Queries, whatever the number of tasks: the seats
(once per request), the bucket counts, the overdue key tasks and the tasks
due this week (each rows + parts when there are rows), the open escalations,
the pending extension requests.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Window
from django.urls import NoReverseMatch, reverse

from .models import local_today

LIST_SIZE = 10
# An extension-requests list page, when installed; otherwise deciders go to
# the decision inbox on the home page itself.
EXTENSION_LIST_URL_NAMES = ("tasks:extension-list", "tasks:extensions")


def is_leadership_home_user(user) -> bool:
    """Leader or deputy of some body today, city leadership viewer, admin."""
    from dieuphoi.org import permissions as org_perms
    from dieuphoi.tasks.permissions import decider_body_ids

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        org_perms.is_admin(user)
        or org_perms.is_leadership(user)
        or bool(decider_body_ids(user))
    )


def week_bounds(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week of ``on``."""
    monday = on - datetime.timedelta(days=on.weekday())
    return monday, monday + datetime.timedelta(days=6)


def _url(name: str, params: dict | None = None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def _first_url(names) -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def pending_extension_requests(*, user, limit: int = LIST_SIZE):
    """``(rows, total)``: pending extension requests of the tasks ``user``
    sees, oldest first, with task and lead agency (one query)."""
    from dieuphoi.tasks import selectors as task_selectors
    from dieuphoi.tasks.extensions.selectors import pending_requests_q
    from dieuphoi.tasks.models import ExtensionRequest

    visible = task_selectors.task_queryset(user=user).values("pk")
    rows = list(
        ExtensionRequest.objects.filter(pending_requests_q(), task__in=visible)
        .select_related("task", "task__lead_agency")
        .defer("reason", "task__description", "task__search_text")
        .annotate(total=Window(Count("id")))
        .order_by("created_at", "id")[:limit]
    )
    return rows, (rows[0].total if rows else 0)


def leadership_context(*, user, on: datetime.date | None = None) -> dict:
    """Everything the section shows, for a user ``is_leadership_home_user``."""
    from dieuphoi.reminders import selectors as reminder_selectors
    from dieuphoi.tasks import buckets, rates
    from dieuphoi.tasks import selectors as task_selectors
    from dieuphoi.tasks.permissions import decider_body_ids, manager_body_ids

    on = on or local_today()
    filters = task_selectors.TaskFilters
    counts = task_selectors.task_bucket_counts(user=user, filters=filters(), on=on)
    bucket_tiles = [
        {
            "name": name,
            "label": buckets.bucket_label(name),
            "count": counts[name],
            "url": _url("tasks:list", {"bucket": name}),
        }
        for name in buckets.BUCKETS
    ]

    key_filters = filters(bucket=buckets.OVERDUE, is_key=True, sort="deadline")
    key_page = task_selectors.task_list(
        user=user,
        filters=key_filters,
        on=on,
        limit=LIST_SIZE,
        related=("lead_agency",),
        parts=None,  # the sections show no parties
    )
    monday, sunday = week_bounds(on)
    week_filters = filters(
        bucket=buckets.IN_PROGRESS_WITHIN_DEADLINE,
        deadline_from=max(on, monday),
        deadline_to=sunday,
        sort="deadline",
    )
    week_page = task_selectors.task_list(
        user=user,
        filters=week_filters,
        on=on,
        limit=LIST_SIZE,
        related=("lead_agency",),
        parts=None,
    )
    escalations = reminder_selectors.escalation_list(user=user, limit=LIST_SIZE)
    extensions, extension_total = pending_extension_requests(user=user)
    # Leaders and the secretariat see the open escalations, and deciders the
    # decision inbox, in their own sections below: here only the count.
    escalation_section_below = bool(manager_body_ids(user))
    decides = bool(decider_body_ids(user))
    extension_url = _first_url(EXTENSION_LIST_URL_NAMES)
    if not extension_url and decides:
        extension_url = "#extension-inbox"
    return {
        "on": on,
        "week_start": monday,
        "week_end": sunday,
        "counts": counts,
        "bucket_tiles": bucket_tiles,
        "rates": rates.rates_from_counts(counts),
        "rounding": rates.ROUNDING,
        "overdue_key": key_page.items,
        "overdue_key_more": key_page.next_cursor is not None,
        "overdue_key_url": _url("tasks:list", key_filters.to_params()),
        "due_this_week": week_page.items,
        "due_this_week_more": week_page.next_cursor is not None,
        "due_this_week_url": _url("tasks:list", week_filters.to_params()),
        "escalations": escalations[:LIST_SIZE],
        "escalations_more": len(escalations) > LIST_SIZE,
        "escalations_url": _url("reminders:escalations"),
        "escalations_listed_below": escalation_section_below,
        "extensions": extensions,
        "extension_total": extension_total,
        "extensions_url": extension_url,
        "extensions_listed_below": decides,
    }


def leadership_section(request):
    """Home section for the leadership (``core.home``); ``None`` for others."""
    if not is_leadership_home_user(request.user):
        return None
    return {
        "template": "core/leadership_section.html",
        "context": leadership_context(user=request.user),
    }
