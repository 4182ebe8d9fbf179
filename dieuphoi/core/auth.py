"""Django's model backend, loading with the user what every page needs.

The user row is loaded once per signed-in request, fragments included. The
same query brings, so that none of them costs a query of its own:

- the menu's flags (two ``EXISTS``): ``nav_has_seat`` (a membership valid
  today) and ``nav_manages`` (as leader, deputy, secretariat or
  specialist); every page's menu shows some entries only to them
  (``context_processors.NAV_PAGES``);
- every version stamp's token (``core.cache.AllTokens``), kept for the
  request (``core.cache.prime``): the pages' caches are keyed on them;
- whether the session's second-factor device still exists, is confirmed and
  is the user's (``floor_device``), when the request asked for it
  (``session_device``, set by ``accounts.middleware.OTPMiddleware``);
- what an app registers (``register_user_annotation``): a value of the
  user's own that every page reads, such as the unread notifications'
  summary under the header's badge, or the person's seats valid today
  (``org.permissions.seat_rows``, ``tasks.permissions.user_seats``).

The query is compiled once a day (``core.prepared``): building that SQL cost
four times running it.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.contrib.auth import backends, get_user_model
from django.db.models import Exists, OuterRef

from . import cache as stamps
from .prepared import Prepared

# (device model label, device id) of the request's session, or None.
_session_device: ContextVar[tuple[str, int] | None] = ContextVar(
    "session_device", default=None
)


@contextmanager
def session_device(label: str, device_id: int):
    """Within the block, a user loaded also answers whether that device is
    theirs and confirmed (``user.floor_device``)."""
    token = _session_device.set((label, device_id))
    try:
        yield
    finally:
        _session_device.reset(token)


# name -> (expression(day), loaded(user, value)): ``register_user_annotation``.
_ANNOTATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], None]]] = {}


def register_user_annotation(
    name: str, expression: Callable[[Any], Any], loaded: Callable[[Any, Any], None]
) -> None:
    """Load ``expression(day)`` (built once a day, ``OuterRef("pk")`` for the
    user, ``day`` today's date) with the request's user, and call
    ``loaded(user, value)``; from an app's ``ready()``. The value is as of
    the user's load: whoever reads it later in the request must know that
    nothing it depends on was written since."""
    _ANNOTATIONS[name] = (expression, loaded)
    USER_WITH_FLAGS.clear()
    USER_WITH_DEVICE.clear()


def _user(mark, day):
    from dieuphoi.org.models import Membership
    from dieuphoi.org.permissions import MANAGER_ROLES

    seats = Membership.objects.as_of(day).filter(person=OuterRef("pk"))
    return (
        get_user_model()
        ._default_manager.annotate(
            nav_has_seat=Exists(seats),
            nav_manages=Exists(seats.filter(role__in=sorted(MANAGER_ROLES))),
            floor_stamps=stamps.AllTokens(),
            **{name: build(day) for name, (build, _loaded) in _ANNOTATIONS.items()},
        )
        .filter(pk=mark)
        .order_by()  # one row: the default ordering is only planning
    )


def _user_and_device(mark, device_mark, day, label):
    device = apps.get_model(label)._default_manager.filter(
        pk=device_mark, user=OuterRef("pk"), confirmed=True
    )
    return _user(mark, day).annotate(floor_device=Exists(device))


USER_WITH_FLAGS = Prepared(_user)
USER_WITH_DEVICE = Prepared(_user_and_device, opens=("int", "int"))


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        from .models import local_today

        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        device = _session_device.get()
        if device is None:
            user = USER_WITH_FLAGS.first(user_id, key=(local_today(),))
        else:
            label, device_id = device
            user = USER_WITH_DEVICE.first(
                (user_id, device_id), key=(local_today(), label)
            )
        if user is None:
            return None
        # EXISTS comes back as 0/1 from SQLite (no converter in raw()).
        user.nav_has_seat = bool(user.nav_has_seat)
        user.nav_manages = bool(user.nav_manages)
        if device is not None:
            user.floor_device = bool(user.floor_device)
        stamps.prime(user.floor_stamps)
        for name, (_build, loaded) in _ANNOTATIONS.items():
            loaded(user, getattr(user, name))
        return user if self.user_can_authenticate(user) else None
