"""Turn stored audit events into what a person reads: labels and values.

Everything returned is plain text; templates escape it.
"""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .labels import change_label
from .models import AuditEvent

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
EMPTY = "—"


def event_model(event: AuditEvent):
    """The target's model class; ``get_for_id`` is cached, so no query per row."""
    try:
        return ContentType.objects.get_for_id(event.target_type_id).model_class()
    except ContentType.DoesNotExist:
        return None


def object_type_label(event: AuditEvent) -> str:
    model = event_model(event)
    if model is None:
        return ""
    return str(capfirst(model._meta.verbose_name))


def field_label(model, name: str) -> str:
    if model is not None:
        try:
            return str(capfirst(model._meta.get_field(name).verbose_name))
        except (FieldDoesNotExist, AttributeError):
            pass
    return change_label(name) or name.replace("_", " ")


def format_value(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        if "repr" in value:
            return str(value["repr"])
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                return formats.date_format(datetime.date.fromisoformat(value), "d/m/Y")
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "d/m/Y H:i")
    return str(value)


def event_changes(event: AuditEvent) -> list[dict]:
    """``[{field, label, before, after, has_before}]`` for one event.

    Changes made by ``diff()`` carry ``{"before", "after"}``; other services
    record plain values, shown as the new value only.
    """
    model = event_model(event)
    rows = []
    for name, change in (event.changes or {}).items():
        if isinstance(change, dict) and set(change) == {"before", "after"}:
            rows.append(
                {
                    "field": name,
                    "label": field_label(model, name),
                    "before": format_value(change["before"]),
                    "after": format_value(change["after"]),
                    "has_before": True,
                }
            )
        else:
            rows.append(
                {
                    "field": name,
                    "label": field_label(model, name),
                    "before": "",
                    "after": format_value(change),
                    "has_before": False,
                }
            )
    return rows
