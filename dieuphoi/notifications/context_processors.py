"""The header badge's count for every page (``templates/notifications/badge.html``)."""

from . import selectors


def badge(request) -> dict:
    """``badge_unread``: called by the header only (a callable, so fragments
    and pages without the header query nothing). A count that is ready shows
    in the page; None makes the badge load it by its own request."""

    def ready() -> int | None:
        user = getattr(request, "user", None)
        return selectors.unread_count_ready(user=user) if user else None

    return {"badge_unread": ready}
