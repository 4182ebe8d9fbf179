"""The activities a matter's page lists (``matters.links``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import permissions


def activities_of_matter(matter, user) -> list[tuple[str, str]]:
    """One query: the matter's activities ``user`` may see."""
    rows = permissions.visible(user, matter.activities.all()).order_by(
        "-starts_at", "-id"
    )
    from .services import local

    return [
        (f"{local(a.starts_at):%d/%m/%Y} — {a.title}", a.get_absolute_url())
        for a in rows
    ]


def register(links) -> None:
    links.register_matter_link("activities", _("Activities"), activities_of_matter)
