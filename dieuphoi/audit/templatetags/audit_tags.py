from django import template

from dieuphoi.audit import display, labels

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return labels.action_label(action)


@register.filter
def audit_changes(event) -> list[dict]:
    return display.event_changes(event)


@register.filter
def audit_object_type(event) -> str:
    return display.object_type_label(event)
