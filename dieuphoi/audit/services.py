"""The only way to write the audit trail. Any app may call it."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from dieuphoi.core.middleware import current_request_context

from .models import AuditEvent


def _jsonable(value):
    if isinstance(value, models.Model):
        return {"id": value.pk, "repr": str(value)[:200]}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """Field values of ``instance`` ready for ``diff``; FKs by id."""
    data = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.is_relation and field.many_to_one:
            data[name] = getattr(instance, field.attname)
        else:
            data[name] = _jsonable(getattr(instance, name))
    return data


def diff(before: dict, after: dict) -> dict:
    """``{field: {"before": x, "after": y}}`` for fields that changed."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_record(
    *, actor, action: str, target: models.Model, changes: dict | None = None
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction."""
    ctx = current_request_context()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_name=(str(actor_obj) if actor_obj else "")[:150],
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def audit_record_many(*, actor, events, batch_size: int = 500) -> int:
    """Append many events in bulk INSERTs (jobs writing thousands of rows).

    ``events``: iterable of dicts with ``action``, ``target_type`` (a
    ContentType), ``target_id``, ``target_repr`` and optional ``changes``
    (the target is named rather than loaded, so no model instance is needed).
    Same rows as ``audit_record`` per event; call it inside the transaction
    of the change. Returns the number of events written.
    """
    ctx = current_request_context()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    rows = [
        AuditEvent(
            actor=actor_obj,
            actor_name=(str(actor_obj) if actor_obj else "")[:150],
            action=event["action"],
            target_type=event["target_type"],
            target_id=str(event["target_id"]),
            target_repr=str(event["target_repr"])[:255],
            changes={k: _jsonable(v) for k, v in (event.get("changes") or {}).items()},
            request_id=ctx.request_id,
            ip=ctx.ip,
        )
        for event in events
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
