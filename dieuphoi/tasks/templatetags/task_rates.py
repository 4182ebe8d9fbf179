"""Numbers on the summary page in the active language's format, thousands
grouped (``{{ n|grouped }}`` → ``21.914`` in Vietnamese)."""

from django import template

from dieuphoi.tasks.rates import format_count

register = template.Library()


@register.filter
def grouped(value) -> str:
    """``rates.format_count(value)``; empty for what is not a whole number."""
    return format_count(value)
