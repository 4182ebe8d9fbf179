"""Django's model backend, loading with the user what the menu needs.

Every page's menu shows some entries only to members of a body, or only to
those who manage one (``context_processors.NAV_PAGES``). Answering that from
the memberships would add a query to every page; instead the user row,
loaded once per request anyway, comes with two flags (two ``EXISTS``
subqueries in the same query): ``nav_has_seat`` (a membership valid today)
and ``nav_manages`` (as leader, deputy, secretariat or specialist).

The query is compiled once a day (``core.prepared``): every request,
fragments included, loads the user, and building that SQL cost four times
running it.
"""

from django.contrib.auth import backends, get_user_model
from django.db.models import Exists, OuterRef

from .prepared import Prepared


def _user_with_flags(mark, day):
    from dieuphoi.org.models import Membership
    from dieuphoi.org.permissions import MANAGER_ROLES

    seats = Membership.objects.as_of(day).filter(person=OuterRef("pk"))
    return (
        get_user_model()
        ._default_manager.annotate(
            nav_has_seat=Exists(seats),
            nav_manages=Exists(seats.filter(role__in=sorted(MANAGER_ROLES))),
        )
        .filter(pk=mark)
    )


USER_WITH_FLAGS = Prepared(_user_with_flags)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        from .models import local_today

        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = USER_WITH_FLAGS.first(user_id, key=(local_today(),))
        if user is None:
            return None
        # EXISTS comes back as 0/1 from SQLite (no converter in raw()).
        user.nav_has_seat = bool(user.nav_has_seat)
        user.nav_manages = bool(user.nav_manages)
        return user if self.user_can_authenticate(user) else None
