"""Display helpers for task templates (``{% load task_tags %}``).

Colours of the buckets (domain.md §3): green on time, blue within deadline,
amber due soon, red overdue, grey late or cancelled.
"""

import datetime
import unicodedata

from django import template
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from dieuphoi.tasks import buckets, workflow
from dieuphoi.tasks.models import Task

register = template.Library()

# Translated labels per language: lists render them once per row, and a lazy
# label costs a gettext lookup each time.
_LABELS: dict[str | None, dict] = {}


def _labels() -> dict:
    language = get_language()
    labels = _LABELS.get(language)
    if labels is None:
        labels = {name: buckets.bucket_label(name) for name in buckets.BUCKETS}
        labels[None] = buckets.bucket_label(None)
        labels.update(
            {("w", name): buckets.warning_label(name) for name in buckets.WARNINGS}
        )
        labels.update({("s", value): str(label) for value, label in Task.State.choices})
        _LABELS[language] = labels
    return labels


@register.filter
def dmy(value) -> str:
    """dd/mm/yyyy: what ``|date:"d/m/Y"`` gives, several times faster (lists
    show three dates a row)."""
    if not isinstance(value, datetime.date):
        return ""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


@register.filter
def iso(value) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else ""


BUCKET_CLASSES = {
    buckets.COMPLETED_ON_TIME: "text-bg-success",
    buckets.IN_PROGRESS_WITHIN_DEADLINE: "text-bg-primary",
    buckets.OVERDUE: "text-bg-danger",
    buckets.COMPLETED_LATE: "text-bg-secondary",
    None: "text-bg-secondary",
}
WARNING_CLASSES = {
    buckets.DUE_SOON: "text-bg-warning",
    buckets.AT_RISK: "bg-warning-subtle text-warning-emphasis border border-warning",
}


@register.filter
def bucket_class(name) -> str:
    return BUCKET_CLASSES.get(name or None, "text-bg-secondary")


@register.filter
def bucket_label(name) -> str:
    labels = _labels()
    return labels.get(name or None) or buckets.bucket_label(name or None)


@register.filter
def warning_class(name) -> str:
    return WARNING_CLASSES.get(name, "text-bg-light")


@register.filter
def warning_label(name) -> str:
    return _labels().get(("w", name)) or buckets.warning_label(name)


@register.filter
def state_label(task) -> str:
    """``task.get_state_display()``, from the per-language labels."""
    return _labels().get(("s", task.state)) or task.get_state_display()


@register.filter
def truncate_chars(text, length: int) -> str:
    """``|truncatechars:length``, skipping its per-character walk when the
    text (NFC, as that filter makes it) is short enough to be shown whole."""
    text = unicodedata.normalize("NFC", str(text or ""))
    return text if len(text) <= length else Truncator(text).chars(length)


@register.filter
def task_warnings(task) -> list[str]:
    """Warning names of a task annotated by ``buckets.annotate_buckets``."""
    return buckets.task_warnings(task)


@register.filter
def action_label(name) -> str:
    return workflow.action_label(name)


@register.filter
def progress_class(task) -> str:
    """Colour class of the progress bar (static/css/tasks.css): the bucket's."""
    bucket = getattr(task, "bucket", None)
    if bucket == buckets.OVERDUE:
        return "is-overdue"
    if bucket == buckets.COMPLETED_ON_TIME:
        return "is-done"
    if bucket == buckets.COMPLETED_LATE or bucket is None:
        return "is-closed"
    if getattr(task, "is_at_risk", False) or getattr(task, "is_due_soon", False):
        return "is-warning"
    return "is-open"


# --- working days to or past the deadline -----------------------------------

# Buckets in which the deadline still matters: the task is open on the day.
_DEADLINE_BUCKETS = (buckets.OVERDUE, buckets.IN_PROGRESS_WITHIN_DEADLINE)


def deadline_distance_text(days: int | None, *, overdue: bool) -> str:
    """Overdue by N working days, N working days left, or due today
    (``days`` from ``ladder.working_days_from``: negative past the
    effective deadline). Empty for ``None``."""
    if days is None:
        return ""
    if overdue:
        n = max(0, -days)
        return ngettext(
            "overdue by %(n)s working day", "overdue by %(n)s working days", n
        ) % {"n": n}
    if days <= 0:
        return gettext("due today")
    text = ngettext("%(n)s working day left", "%(n)s working days left", days)
    return text % {"n": days}


@register.filter
def urgings_text(count: int) -> str:
    """Urged N times: the task's urging count (notices and letters), as
    its page, its e-mails and the letters number them; empty for 0."""
    if not count:
        return ""
    text = ngettext("urged %(n)s time", "urged %(n)s times", count)
    return text % {"n": count}


def deadline_distances(tasks, on: datetime.date) -> dict[int, str]:
    """``{task pk: text}`` for the open tasks with a deadline among
    ``tasks`` (annotated with ``bucket`` when they come from a list, else
    judged by their state), from one walk over the working-day calendar for
    the whole page; no query per row."""
    from dieuphoi.reminders.ladder import working_days_from

    shown = []
    for task in tasks:
        if task.deadline is None:
            continue
        bucket = getattr(task, "bucket", "") or ""
        if bucket:
            if bucket not in _DEADLINE_BUCKETS:
                continue
        elif task.state not in Task.OPEN_STATES:
            continue
        shown.append(task)
    from dieuphoi.workdays.calendar import overdue_cutoff

    # Counted from the effective deadline (settings.DEADLINE_ON_DAY_OFF), as
    # the buckets and the reminders count it.
    days = working_days_from(on, [task.deadline for task in shown])
    cutoff = overdue_cutoff(on) if shown else on
    return {
        task.pk: deadline_distance_text(
            days[task.deadline], overdue=task.deadline < cutoff
        )
        for task in shown
    }


@register.simple_tag
def deadline_distance(task, on=None) -> str:
    """``{% deadline_distance task %}``: "overdue by 3 working days", "2
    working days left" or "due today" for an open task with a deadline (on
    ``on``, default today); empty otherwise."""
    from dieuphoi.core.models import local_today

    on = on if isinstance(on, datetime.date) else local_today()
    return deadline_distances([task], on).get(task.pk, "")
