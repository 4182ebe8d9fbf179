"""The calendar's event source ``inspections.visit`` (``calendars.events``):
the visit of every inspection the user may see (``permissions.visible``),
from ``visit_from`` to ``visit_to`` (an hour when no end is given), at its
place. The body filter is the inspection's body, the agency filter its
inspected agencies. Two queries (the visits, their agencies) whatever the
number of events. ``SEQUENCE`` is the inspection's ``version``, which goes
up on every change, so a calendar that imported the visit moves it.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY = "inspections.visit"
LABEL = _("Inspection visits")
DEFAULT_LENGTH = datetime.timedelta(hours=1)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def visit_events(user, start, end, *, body_ids=None, agency_ids=None) -> list:
    from dieuphoi.calendars.events import CalendarEvent, event_uid

    from . import permissions
    from .models import Inspection

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if (body_ids is not None and not body_ids) or (
        agency_ids is not None and not agency_ids
    ):
        return []
    lo, hi = _midnight(start), _midnight(end)
    qs = permissions.visible(user).filter(
        Q(visit_to__gt=lo)
        | Q(visit_to__isnull=True, visit_from__gt=lo - DEFAULT_LENGTH),
        visit_from__isnull=False,
        visit_from__lt=hi,
    )
    if body_ids is not None:
        qs = qs.filter(body_id__in=sorted(body_ids))
    through = Inspection.subject_agencies.through
    if agency_ids is not None:
        qs = qs.filter(
            Exists(
                through.objects.filter(
                    inspection_id=OuterRef("pk"), agency_id__in=sorted(agency_ids)
                )
            )
        )
    rows = list(
        qs.order_by().values(
            "id",
            "code",
            "title",
            "kind",
            "state",
            "visit_from",
            "visit_to",
            "place",
            "body_id",
            "version",
            "updated_at",
        )
    )
    if not rows:
        return []
    agencies: dict[int, list[tuple[int, str]]] = {}
    for inspection_id, agency_id, name in (
        through.objects.filter(inspection_id__in=[r["id"] for r in rows])
        .order_by("agency__name")
        .values_list("inspection_id", "agency_id", "agency__name")
    ):
        agencies.setdefault(inspection_id, []).append((agency_id, name))
    head = reverse("inspections:detail", args=[1]).rsplit("1/", 1)[0]
    kinds = dict(Inspection.Kind.choices)
    out = []
    for r in rows:
        subjects = agencies.get(r["id"], [])
        out.append(
            CalendarEvent(
                uid=event_uid(f"inspection-{r['id']}"),
                kind=KEY,
                title=f"{kinds[r['kind']]}: {r['title']} ({r['code']})",
                start=r["visit_from"],
                end=r["visit_to"] or r["visit_from"] + DEFAULT_LENGTH,
                url=f"{head}{r['id']}/",
                sequence=r["version"],
                location=r["place"],
                description=", ".join(name for _pk, name in subjects),
                body_id=r["body_id"],
                agency_ids=tuple(pk for pk, _name in subjects),
                last_modified=r["updated_at"],
                extra={"state": r["state"]},
            )
        )
    return out


def register() -> None:
    from dieuphoi.calendars.events import register_event_source

    register_event_source(KEY, LABEL, visit_events)
