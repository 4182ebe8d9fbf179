"""The notification centre's rows, rendered once per set of rows
(presentation: the view stays thin, the HTML is in the template).

A notification never changes once sent but for being read, so one page of
rows is the same HTML for the same notifications in the same read states,
language and script prefix: ``rows_html`` keeps it
(``NOTIFICATION_ROWS_CACHE_SECONDS``) under the recipient, each row's id
and read state, and the time zone (the rows' times). What the rows are is
decided before, afresh on every view (``selectors.notification_list``: the
page, and only the items the person may still see).

The rows' "mark read" forms carry the page's CSRF token: the cached HTML
holds a mark in its place, replaced on each view by this request's token.
"""

from __future__ import annotations

from django.conf import settings
from django.template import engines
from django.template.backends.utils import csrf_input
from django.utils.safestring import SafeString, mark_safe

from dieuphoi.core import cache as stamps

ROWS_TEMPLATE = "notifications/_notification_rows.jinja"
# Where the token goes. A title holding these characters is escaped by
# Jinja2 (``&lt;!--``), so only the mark itself matches.
CSRF_MARK = "<!--csrf-input-->"
KIND_ICONS = {
    "before_deadline": "alarm",
    "on_deadline": "alarm-fill",
    "urging": "megaphone",
    "escalation": "exclamation-octagon",
    "progress_request": "graph-up-arrow",
    "part_before_deadline": "people",
    "email_failed": "envelope-exclamation",
    "task_assigned": "clipboard-plus",
    "part_assigned": "people",
    "progress_reported": "graph-up",
    "task_reported_done": "clipboard-check",
    "task_confirmed": "check-circle",
    "task_returned": "arrow-counterclockwise",
    "task_cancelled": "x-circle",
    "deadline_changed": "calendar-event",
    "extension_requested": "hourglass-split",
    "extension_pending": "hourglass-split",
    "extension_decided": "calendar-check",
    "comment_mention": "chat-left-text",
}


def with_icons(rows) -> list:
    """``rows`` with each one's ``icon`` (Bootstrap Icons name)."""
    for row in rows:
        row.icon = KIND_ICONS.get(row.kind, "bell")
    return rows


def rows_html(request, rows) -> SafeString:
    """The ``<li>`` of each notification in ``rows``, with this request's
    CSRF token in the forms."""

    def render() -> str:
        return (
            engines["jinja2"]
            .get_template(ROWS_TEMPLATE)
            # The template prints csrf_input with |safe, as Django's own.
            .render({"rows": with_icons(rows), "csrf_input": CSRF_MARK})
        )

    html = stamps.rendered(
        "notifications:rows",
        (
            request.user.pk,
            tuple((row.pk, row.read_at is not None) for row in rows),
            settings.TIME_ZONE,
        ),
        render,
        stamps=(),
        seconds=int(getattr(settings, "NOTIFICATION_ROWS_CACHE_SECONDS", 0)),
    )
    # Jinja2 escaped every value (autoescape is forced on, core.jinja); the
    # token is Django's own hidden input.
    return mark_safe(html.replace(CSRF_MARK, str(csrf_input(request))))  # noqa: S308  # nosec B308 B703
