"""Who may generate and see urging letters.

- ``letters.add_letter`` (object: a body): the body's leader, deputy,
  secretariat and specialists, and administrators: the people who keep its
  register of outgoing documents (``org.permissions.can_manage_body``).
- ``letters.view_letter`` (object: a letter): whoever sees the body; the
  letter is an entry of its register, which they see too.

``access_letter`` and ``access_letter_body`` answer 404 when the letter or
body is not visible, 403 when the action is not allowed.
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dieuphoi.org.models import Body
from dieuphoi.org.permissions import can_manage_body, can_see_body

from .models import UrgingLetter


@rules.predicate
def is_letter_writer(user, body: Body | None) -> bool:
    return body is not None and can_manage_body(user, body.pk)


@rules.predicate
def is_letter_viewer(user, letter: UrgingLetter | None) -> bool:
    return letter is not None and can_see_body(user, letter.body_id)


rules.add_perm("letters.add_letter", is_letter_writer)
rules.add_perm("letters.view_letter", is_letter_viewer)


def access_letter_body(*, user, pk) -> Body:
    """The body, if the user may write its letters: 404 hidden, 403 not allowed."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    body = Body.objects.filter(pk=pk).first()
    if body is None or not can_see_body(user, body.pk):
        raise Http404
    if not can_manage_body(user, body.pk):
        raise PermissionDenied
    return body


def access_letter(*, user, pk) -> UrgingLetter:
    """The letter with its body, document and progress, or 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    letter = (
        UrgingLetter.objects.select_related(
            "body",
            "agency",
            "document",
            "document__doc_type",
            "progress",
            "created_by",
            "paper",
        )
        .filter(pk=pk)
        .first()
    )
    if letter is None or not can_see_body(user, letter.body_id):
        raise Http404
    return letter


def can_watch_progress(user, letter: UrgingLetter) -> bool:
    """The progress bar polls ``jobs:progress``: its owner or an administrator."""
    return bool(user.is_superuser or letter.created_by_id == user.pk)
