"""Proposals as discussion targets (``dieuphoi.discussions``): one thread
per proposal, shown on its page.

Rules: whoever may see the proposal (its body's members, administrators,
city leadership) reads and writes the thread; a party asked in a round sees
only the round page, never the thread. The mention picker offers the
members of the proposal's body.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.core.models import local_today
from dieuphoi.org.models import Membership
from dieuphoi.org.permissions import visible_body_ids

from . import permissions
from .models import Proposal


def proposal_threads(proposal: Proposal) -> list[tuple[str, str]]:
    return [("", gettext("Discussion of the proposal"))]


def can_view_thread(user, proposal: Proposal, thread: str = "") -> bool:
    return thread == "" and permissions.can_view_proposal(user, proposal)


def proposal_viewer_ids(proposal: Proposal, user_ids: set[int]) -> set[int]:
    User = get_user_model()
    ids = set(user_ids)
    if not ids:
        return set()
    seated = set(
        Membership.objects.as_of(local_today())
        .filter(body_id=proposal.body_id, person_id__in=sorted(ids))
        .values_list("person_id", flat=True)
    )
    everyone = {
        u.pk
        for u in User.objects.filter(pk__in=sorted(ids - seated), is_active=True)
        if visible_body_ids(u) is None
    }
    return seated | everyone


def proposal_people(proposal: Proposal, thread: str = ""):
    members = Membership.objects.as_of(local_today()).filter(body_id=proposal.body_id)
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=members.values("person_id"))
        .order_by("full_name", "username")
    )


def proposal_url(proposal: Proposal, thread: str = "") -> str:
    return reverse("proposals:detail", args=[proposal.pk])


def register() -> None:
    from dieuphoi.discussions.registry import register_discussion_target

    register_discussion_target(
        Proposal,
        key="proposal",
        can_view=can_view_thread,
        can_comment=can_view_thread,
        visible_user_ids=proposal_viewer_ids,
        mentionable=proposal_people,
        threads=proposal_threads,
        url=proposal_url,
    )
