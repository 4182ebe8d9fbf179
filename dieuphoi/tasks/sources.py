"""The record a task carries out: a proposal in implementation, a meeting's
conclusion, an inspection's finding (``Task.source_type``/``source_id``).

- ``source_key(obj) -> "proposals.proposal:12"``: the URL parameter
  ``?source=`` of the task list and the API (``parse_source_key`` reads it
  back, ``ValueError`` when malformed or unknown).
- ``source_q(key) -> Q`` for the selectors.
- ``source_link(task, user) -> {"label", "url"} | None`` for the task page:
  the record's ``str`` and ``get_absolute_url``, only when the user may see
  it (the record's own app registers who may, with the notification
  targets: ``notifications.registry``).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from dieuphoi.core import params


def source_key(obj) -> str:
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}:{obj.pk}"


def parse_source_key(value: str) -> tuple[int, int]:
    """``(content type id, object id)``; ``ValueError`` when not a key."""
    label, sep, pk = value.partition(":")
    app_label, dot, model = label.partition(".")
    object_id = params.parse_id_or_none(pk)
    if not (sep and dot and object_id is not None):
        raise ValueError(value)
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        raise ValueError(value) from None
    return content_type.pk, object_id


def source_q(value: str) -> Q:
    type_id, object_id = parse_source_key(value)
    return Q(source_type_id=type_id, source_id=object_id)


def source_link(task, user) -> dict | None:
    if not task.source_type_id:
        return None
    return _record(task.source_type_id, task.source_id, user)


def source_record_for_key(value: str, user) -> dict | None:
    """The list's ``?source=`` as the task page shows it, or None."""
    try:
        type_id, object_id = parse_source_key(value)
    except ValueError:
        return None
    return _record(type_id, object_id, user)


def _record(type_id: int, object_id: int, user) -> dict | None:
    from dieuphoi.notifications.registry import target_for_type_id

    entry = target_for_type_id(type_id)
    if entry is None:
        return None
    model = entry.model
    obj = model._default_manager.filter(pk=object_id).first()
    if obj is None or not entry.can_view(user, obj):
        return None
    return {
        "label": str(obj),
        "kind": str(model._meta.verbose_name),
        "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
        "key": source_key(obj),
    }
