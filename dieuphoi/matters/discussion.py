"""Matters as discussion targets (``dieuphoi.discussions``): one thread per
matter, on its page.

Whoever may see the matter reads the thread; whoever may add to its log
(the body's members, the concerned provinces' teams, administrators)
writes in it. The mention picker offers the body's members and the
concerned teams' people.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.org.permissions import visible_body_ids

from . import permissions
from .models import Matter


def matter_threads(matter: Matter) -> list[tuple[str, str]]:
    return [("", gettext("Discussion of the matter"))]


def can_view_thread(user, matter: Matter, thread: str = "") -> bool:
    return thread == "" and permissions.can_view_matter(user, matter)


def can_comment(user, matter: Matter, thread: str = "") -> bool:
    return thread == "" and permissions.can_log(user, matter)


def _people_ids(matter: Matter) -> set[int]:
    from .services import concerned_team_people

    own = set(
        Membership.objects.as_of(local_today())
        .filter(body_id=matter.body_id)
        .values_list("person_id", flat=True)
    )
    return own | concerned_team_people(matter)


def matter_viewer_ids(matter: Matter, user_ids: set[int]) -> set[int]:
    ids = set(user_ids)
    if not ids:
        return set()
    seated = ids & _people_ids(matter)
    User = get_user_model()
    everyone = {
        u.pk
        for u in User.objects.filter(pk__in=sorted(ids - seated), is_active=True)
        if visible_body_ids(u) is None
    }
    return seated | everyone


def matter_people(matter: Matter, thread: str = ""):
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=sorted(_people_ids(matter)))
        .order_by("full_name", "username")
    )


def matter_url(matter: Matter, thread: str = "") -> str:
    return reverse("matters:detail", args=[matter.pk]) + "#discussion"


def register() -> None:
    from dieuphoi.discussions.registry import register_discussion_target

    register_discussion_target(
        Matter,
        key="matter",
        can_view=can_view_thread,
        can_comment=can_comment,
        visible_user_ids=matter_viewer_ids,
        mentionable=matter_people,
        threads=matter_threads,
        url=matter_url,
    )
