"""Turn stored audit events into what a person reads: labels and values.

Everything returned is plain text; templates escape it.
"""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BigIntegerField, CharField, IntegerField, Value
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .labels import FieldDisplay, change_label, field_display
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
    spec = field_display(model, name)
    if spec is not None and spec.label:
        return str(spec.label)
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
            return format_date(value)
        if _ISO_DATETIME.match(value):
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "d/m/Y H:i")
    return str(value)


def format_date(value) -> str:
    """dd/mm/yyyy for a date or an ISO date (or date-time) string."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "d/m/Y")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "d/m/Y")
    if isinstance(value, str):
        try:
            return formats.date_format(datetime.date.fromisoformat(value[:10]), "d/m/Y")
        except ValueError:
            return value
    return format_value(value)


# --- registered fields -----------------------------------------------------------

Names = dict[tuple, str]


def _spec(model, name: str) -> FieldDisplay | None:
    """The registered display of ``name``, else one derived from the model field."""
    spec = field_display(model, name)
    if spec is not None or model is None:
        return spec
    try:
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None
    if getattr(field, "choices", None):
        return FieldDisplay(kind="choice", choices=field.flatchoices)
    return None


def _as_id(value):
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _ids(spec: FieldDisplay, value) -> list[int]:
    items = value if isinstance(value, list) else [value]
    if spec.kind == "parts":
        items = [item.get(spec.key) for item in items if isinstance(item, dict)]
    return [i for i in (_as_id(item) for item in items) if i is not None]


def _group(spec: FieldDisplay) -> tuple:
    return (spec.model, spec.name_field)


def _values(change) -> list:
    if isinstance(change, dict) and set(change) == {"before", "after"}:
        return [change["before"], change["after"]]
    return [change]


def resolve_names(events) -> Names:
    """``{(model, name_field, pk): name}`` for every id the events' registered
    ``fk``/``parts`` changes hold, read in one query whatever their number."""
    wanted: dict[tuple, set[int]] = {}
    for event in events:
        model = event_model(event)
        for name, change in (event.changes or {}).items():
            spec = field_display(model, name)
            if spec is None or spec.kind not in ("fk", "parts"):
                continue
            for value in _values(change):
                if value not in (None, "", []):
                    wanted.setdefault(_group(spec), set()).update(_ids(spec, value))
    wanted = {group: ids for group, ids in wanted.items() if ids}
    if not wanted:
        return {}
    groups = list(wanted)
    queries = [
        model._base_manager.filter(pk__in=sorted(wanted[(model, name_field)]))
        .annotate(
            _audit_group=Value(index, output_field=IntegerField()),
            _audit_pk=Cast("pk", output_field=BigIntegerField()),
            _audit_label=Cast(name_field, output_field=CharField()),
        )
        .values_list("_audit_group", "_audit_pk", "_audit_label")
        .order_by()
        for index, (model, name_field) in enumerate(groups)
    ]
    query = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return {(*groups[group], pk): label for group, pk, label in query}


def _name(spec: FieldDisplay, names: Names, value) -> str:
    pk = _as_id(value)
    if pk is not None and (*_group(spec), pk) in names:
        return names[(*_group(spec), pk)]
    return format_value(value)


def _part(spec: FieldDisplay, names: Names, part) -> str:
    if not isinstance(part, dict):
        return format_value(part)
    name = _name(spec, names, part.get(spec.key))
    details = [str(part.get(spec.text_key) or "").strip()]
    if part.get(spec.date_key):
        details.append(_("due %(date)s") % {"date": format_date(part[spec.date_key])})
    details = [d for d in details if d]
    return f"{name} ({'; '.join(details)})" if details else name


def format_change_value(spec: FieldDisplay | None, value, names: Names) -> str:
    """One stored value, read as its registered display says."""
    if spec is None or value is None or value == "" or value == []:
        return format_value(value)
    if spec.kind == "choice":
        code = value.get("id") if isinstance(value, dict) else value
        choices = getattr(spec.choices, "choices", spec.choices) or []
        labels = {str(key): label for key, label in choices}
        if isinstance(code, (str, int)) and str(code) in labels:
            return str(labels[str(code)])
        return format_value(value)
    if spec.kind == "date":
        if isinstance(value, list):
            return ", ".join(format_date(v) for v in value)
        return format_date(value)
    if spec.kind == "fk":
        if isinstance(value, list):
            return ", ".join(_name(spec, names, v) for v in value) or EMPTY
        return _name(spec, names, value)
    if spec.kind == "parts":
        items = value if isinstance(value, list) else [value]
        return "; ".join(_part(spec, names, p) for p in items) or EMPTY
    return format_value(value)


def _items(spec: FieldDisplay | None, value, names: Names) -> list[str] | None:
    """A list value shown one item a line (co-operating agencies)."""
    if spec is None or spec.kind != "parts" or not isinstance(value, list):
        return None
    return [_part(spec, names, p) for p in value] or None


def event_changes(event: AuditEvent, names: Names | None = None) -> list[dict]:
    """``[{field, label, before, after, has_before, before_items, after_items}]``.

    Changes made by ``diff()`` carry ``{"before", "after"}``; other services
    record plain values, shown as the new value only. ``names`` comes from
    ``resolve_names`` (ids of unresolved foreign keys are shown as stored);
    ``prepare_events`` computes it once for a whole timeline.
    """
    prepared = getattr(event, "display_changes", None)
    if prepared is not None and names is None:
        return prepared
    names = names or {}
    model = event_model(event)
    rows = []
    for name, change in (event.changes or {}).items():
        spec = _spec(model, name)
        has_before = isinstance(change, dict) and set(change) == {"before", "after"}
        before, after = (
            (change["before"], change["after"]) if has_before else (None, change)
        )
        rows.append(
            {
                "field": name,
                "label": field_label(model, name),
                "before": format_change_value(spec, before, names)
                if has_before
                else "",
                "after": format_change_value(spec, after, names),
                "has_before": has_before,
                "before_items": _items(spec, before, names) if has_before else None,
                "after_items": _items(spec, after, names),
            }
        )
    return rows


def prepare_events(events):
    """Attach ``display_changes`` to each event, resolving names in one query.

    Returns ``events`` so selectors can ``return prepare_events(list(qs))``.
    """
    names = resolve_names(events)
    for event in events:
        event.display_changes = event_changes(event, names)
    return events
