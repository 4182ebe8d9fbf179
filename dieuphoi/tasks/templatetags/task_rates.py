"""Numbers on the summary page in the active language's format, thousands
grouped (``{{ n|grouped }}`` → ``21.914`` in Vietnamese)."""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats
from django.utils.translation import get_language

from dieuphoi.tasks.rates import format_count

register = template.Library()

# The thousands separator per language when numbers are grouped by three
# (``False``: another grouping, left to ``format_count``). The summary prints
# about 1,500 counts: ``number_format`` looks the formats up on every call.
_SEPARATORS: dict[str | None, str | bool] = {}


@receiver(setting_changed)
def _forget_separators(**kwargs) -> None:
    _SEPARATORS.clear()


def _separator() -> str | bool:
    language = get_language()
    sep = _SEPARATORS.get(language)
    if sep is None:
        grouping = formats.get_format("NUMBER_GROUPING", language)
        sep = formats.get_format("THOUSAND_SEPARATOR", language)
        _SEPARATORS[language] = sep = sep if grouping == 3 else False
    return sep


@register.filter
def grouped(value) -> str:
    """``rates.format_count(value)``; empty for what is not a whole number."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    sep = _separator()
    if sep is False:
        return format_count(n)
    return f"{n:,}".replace(",", sep)
