"""The ``seats`` stamp (``dieuphoi.core.cache``): replaced by every write of
anyone's membership and by a change of a person's active flag.

A rule that reads *other* people's seats (who acts for a party:
``tasks.notices.PartySeats``) depends on them: an agency's focal point
appointed in a body takes over from its people elsewhere. A cache of such a
rule's answer (``notifications.registry``'s ``stamps``) declares this stamp;
the asking person's own seats are in ``permissions.access_key`` already.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from dieuphoi.core import cache as stamps

# Seat writes made by this process: the seats loaded with a request's user
# (``permissions.seats_floor_loaded``) are used only while it is unchanged.
SEAT_WRITES = stamps.WriteCounter("seats")


def connect() -> None:
    """Bump on model writes (``OrgConfig.ready``). No queryset write of
    memberships or of the active flag exists; one added must call
    ``stamps.bump(stamps.SEATS)`` and ``SEAT_WRITES.add()`` itself."""
    from .models import Membership

    stamps.bump_on_write(stamps.SEATS, Membership)
    SEAT_WRITES.watch(Membership)
    user_model = get_user_model()
    post_save.connect(
        _user_saved, sender=user_model, weak=False, dispatch_uid="org.cache:user"
    )
    post_delete.connect(
        _user_deleted, sender=user_model, weak=False, dispatch_uid="org.cache:user:del"
    )


def _user_saved(sender, update_fields=None, raw=False, using=None, **kwargs) -> None:
    # A sign-in saves ``last_login`` alone: no seat changes.
    if raw or (update_fields is not None and "is_active" not in update_fields):
        return
    SEAT_WRITES.add()
    stamps.bump(stamps.SEATS, using=using)


def _user_deleted(sender, using=None, **kwargs) -> None:
    SEAT_WRITES.add()
    stamps.bump(stamps.SEATS, using=using)
