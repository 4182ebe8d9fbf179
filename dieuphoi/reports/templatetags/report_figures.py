"""Tags of ``templates/reports/_figures.html``: a figure's address, a rate
over its denominator, the labels of the keys the figures store."""

from __future__ import annotations

import datetime

from django import template

from dieuphoi.tasks import buckets
from dieuphoi.tasks.rates import format_count, format_percent, percent

from .. import figures

register = template.Library()


@register.simple_tag
def figure_url(kind: str, params=None, pk=None) -> str:
    """``{% figure_url "tasks" fig.params %}``; ``{% figure_url "task" pk=row.id %}``."""
    if pk is not None:
        params = {"id": pk}
    return figures.figure_url(kind, params or {})


@register.simple_tag
def figure_rate(numerator, denominator) -> str:
    return format_percent(percent(int(numerator or 0), int(denominator or 0)))


@register.filter
def count(value) -> str:
    return format_count(int(value or 0))


@register.filter
def iso_dmy(value) -> str:
    if not value:
        return ""
    return datetime.date.fromisoformat(str(value)).strftime("%d/%m/%Y")


@register.filter
def bucket_name(value) -> str:
    return buckets.bucket_label(value)


@register.filter
def completed(row) -> int:
    return row.get(buckets.COMPLETED_ON_TIME, 0) + row.get(buckets.COMPLETED_LATE, 0)


@register.filter
def get(row, key):
    return row.get(key, 0) if isinstance(row, dict) else ""


@register.filter
def proposal_state(value) -> str:
    from dieuphoi.proposals.models import Proposal

    return str(Proposal.State(value).label) if value in Proposal.State.values else value


@register.filter
def activity_kind(value) -> str:
    from dieuphoi.activities.models import Activity

    return str(Activity.Kind(value).label) if value in Activity.Kind.values else value
