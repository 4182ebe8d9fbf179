"""``{% load workday_tags %}``: the working-day calendar in templates."""

from __future__ import annotations

import datetime

from django import template

from dieuphoi.workdays import calendar

register = template.Library()


@register.simple_tag
def deadline_on_day_off(deadline: datetime.date | None) -> dict | None:
    """``{"written", "effective", "moved", "rule"}`` when ``deadline`` falls
    on a day off (``moved``: ``settings.DEADLINE_ON_DAY_OFF`` moves it to
    ``effective``); ``None`` for a working day or no deadline. No query (the
    calendar is cached)."""
    if not isinstance(deadline, datetime.date) or calendar.is_working_day(deadline):
        return None
    effective = calendar.effective_deadline(deadline)
    return {
        "written": deadline,
        "effective": effective,
        "moved": effective != deadline,
        "rule": calendar.deadline_rule_label(),
    }
