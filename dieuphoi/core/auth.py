"""Django's model backend, loading with the user what the menu needs.

Every page's menu shows some entries only to members of a body, or only to
those who manage one (``context_processors.NAV_PAGES``). Answering that from
the memberships would add a query to every page; instead the user row,
loaded once per request anyway, comes with two flags (two ``EXISTS``
subqueries in the same query): ``nav_has_seat`` (a membership valid today)
and ``nav_manages`` (as leader, deputy, secretariat or specialist).
"""

from django.contrib.auth import backends, get_user_model
from django.db.models import Exists, OuterRef


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        from dieuphoi.org.models import Membership
        from dieuphoi.org.permissions import MANAGER_ROLES

        from .models import local_today

        seats = Membership.objects.as_of(local_today()).filter(person=OuterRef("pk"))
        users = get_user_model()._default_manager.annotate(
            nav_has_seat=Exists(seats),
            nav_manages=Exists(seats.filter(role__in=sorted(MANAGER_ROLES))),
        )
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
