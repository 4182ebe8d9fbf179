"""Numbers on the summary page in the active language's format, thousands
grouped (``{{ n|grouped }}`` → ``21.914`` in Vietnamese)."""

from django import template

from dieuphoi.tasks.rates import format_count

register = template.Library()


@register.filter
def grouped(value) -> str:
    try:
        return format_count(int(value))
    except (TypeError, ValueError):
        return ""
