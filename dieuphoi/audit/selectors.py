from django.contrib.contenttypes.models import ContentType
from django.db import models

from .display import prepare_events
from .models import AuditEvent


def audit_timeline(*, target: models.Model, limit: int = 200):
    """Events about one object, newest first (the item's timeline).

    Each event carries ``display_changes``; the names of the registered foreign
    keys of all events are read in one more query (none when there are none).
    """
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return prepare_events(
        list(
            AuditEvent.objects.filter(target_type=ct, target_id=str(target.pk))
            .select_related("actor")
            .order_by("-created_at", "-id")[:limit]
        )
    )


def audit_event_list(
    *,
    action: str = "",
    actor_id: int | None = None,
    target_type_id: int | None = None,
    date_from=None,
    date_to=None,
    before_id: int | None = None,
    limit: int = 50,
):
    """All events for administrators, filtered; keyset-paginated by id."""
    qs = AuditEvent.objects.select_related("actor", "target_type").order_by("-id")
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if target_type_id:
        qs = qs.filter(target_type_id=target_type_id)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return prepare_events(list(qs[:limit]))
