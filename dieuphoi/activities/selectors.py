"""Reads of activities, scoped by ``permissions.visible``.

The list: filters (kind, state, host body, period ``from``/``to`` in local
dates, ``when`` = upcoming (default: not yet ended, soonest first) / past
(latest first) / all (latest first)), keyset-paginated on
``(starts_at, id)`` with the invitee and response counts from subqueries:
a fixed number of queries whatever the page size.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from dieuphoi.core.params import parse_date, parse_id

from . import permissions
from .models import Activity, Invitee

LIST_LIMIT = 25
MAX_LIMIT = 200
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
WHEN = ("upcoming", "past", "all")
FILTER_NAMES = ("kind", "state", "body", "when", "date_from", "date_to")


@dataclass(frozen=True)
class ActivityFilters:
    kind: str = ""
    state: str = ""
    body: int | None = None
    when: str = "upcoming"
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def to_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if name == "when" and value == "upcoming":
                continue
            if isinstance(value, datetime.date):
                out[name] = value.strftime("%d/%m/%Y")
            elif value not in (None, ""):
                out[name] = str(value)
        return out

    @property
    def ascending(self) -> bool:
        return self.when == "upcoming"


def parse_filters(data) -> tuple[ActivityFilters, dict[str, str]]:
    values: dict = {}
    errors: dict[str, str] = {}
    for name, allowed in (
        ("kind", Activity.Kind.values),
        ("state", Activity.State.values),
        ("when", WHEN),
    ):
        raw = (data.get(name) or "").strip()
        if raw and raw not in allowed:
            errors[name] = gettext("Choose a value from the list.")
        elif raw:
            values[name] = raw
    raw = (data.get("body") or "").strip()
    if raw:
        try:
            values["body"] = parse_id(raw)
        except ValueError:
            errors["body"] = gettext("Choose a value from the list.")
    for name in ("date_from", "date_to"):
        raw = (data.get(name) or "").strip()
        if raw:
            try:
                values[name] = parse_date(raw)
            except (ValueError, ValidationError):
                errors[name] = gettext("Enter a date as dd/mm/yyyy.")
    if (
        values.get("date_from")
        and values.get("date_to")
        and values["date_to"] < values["date_from"]
    ):
        errors["date_to"] = gettext("The end of the period is before its start.")
    return ActivityFilters(**values), errors


def _local_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, LOCAL)


def activities_filtered(*, user, filters: ActivityFilters, now=None):
    now = now or timezone.now()
    qs = permissions.visible(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.body:
        qs = qs.filter(body_id=filters.body)
    if filters.date_from:
        qs = qs.filter(ends_at__gt=_local_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(
            starts_at__lt=_local_start(filters.date_to + datetime.timedelta(days=1))
        )
    if filters.when == "upcoming":
        qs = qs.filter(ends_at__gte=now)
    elif filters.when == "past":
        qs = qs.filter(ends_at__lt=now)
    return qs


def _count(qs):
    return Coalesce(
        Subquery(
            qs.order_by().values("activity_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_figures(qs):
    invitees = Invitee.objects.filter(activity_id=OuterRef("pk"))
    return qs.annotate(
        invitees_total=_count(invitees),
        invitees_pending=_count(invitees.filter(response=Invitee.Response.PENDING)),
        invitees_coming=_count(
            invitees.filter(
                response__in=(Invitee.Response.ATTEND, Invitee.Response.DELEGATE)
            )
        ),
    )


@dataclass
class ActivityPage:
    items: list
    next_cursor: str | None


def encode_cursor(activity: Activity) -> str:
    raw = f"{activity.starts_at.timestamp():.6f}:{activity.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        value = (
            datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC),
            int(pk),
        )
        if not 0 < value[1] < 2**63:
            raise ValueError(pk)
        return value
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError, OSError):
        raise ValidationError(
            {"cursor": gettext("This page link is invalid or expired.")}
        ) from None


def activity_list(
    *, user, filters: ActivityFilters, after: str | None = None, limit: int = LIST_LIMIT
) -> ActivityPage:
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = activities_filtered(user=user, filters=filters)
    if after:
        at, pk = decode_cursor(after)
        if filters.ascending:
            qs = qs.filter(Q(starts_at__gt=at) | Q(starts_at=at, id__gt=pk))
        else:
            qs = qs.filter(Q(starts_at__lt=at) | Q(starts_at=at, id__lt=pk))
    order = ("starts_at", "id") if filters.ascending else ("-starts_at", "-id")
    qs = with_figures(qs).select_related("body").order_by(*order)
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return ActivityPage(
        items=items, next_cursor=encode_cursor(items[-1]) if more else None
    )


def activity_detail(pk: int) -> Activity:
    return (
        Activity.objects.select_related(
            "body", "invitation_paper", "conclusions_paper", "created_by"
        )
        .prefetch_related("matters")
        .get(pk=pk)
    )


def invitees_of(activity: Activity) -> list[Invitee]:
    return list(
        activity.invitees.select_related("body", "agency", "person", "responded_by")
    )


def conclusions_of(activity: Activity) -> list:
    from django.contrib.contenttypes.models import ContentType

    from dieuphoi.tasks.models import Task

    from .models import Conclusion

    conclusions = list(
        activity.conclusions.select_related(
            "lead_agency", "converted_by"
        ).prefetch_related("cooperating_agencies", "cooperating_bodies")
    )
    if conclusions:
        type_id = ContentType.objects.get_for_model(Conclusion).pk
        tasks: dict[int, list] = {}
        for task in Task.objects.filter(
            source_type_id=type_id, source_id__in=[c.pk for c in conclusions]
        ).order_by("code"):
            tasks.setdefault(task.source_id, []).append(task)
        for conclusion in conclusions:
            conclusion.tasks = tasks.get(conclusion.pk, [])
    return conclusions
