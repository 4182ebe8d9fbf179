"""Display helpers for task templates (``{% load task_tags %}``).

Colours of the buckets (domain.md §3): green on time, blue within deadline,
amber due soon, red overdue, grey late or cancelled.
"""

import datetime

from django import template
from django.utils.translation import get_language

from dieuphoi.tasks import buckets, workflow

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
