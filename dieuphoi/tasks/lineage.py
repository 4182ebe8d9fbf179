"""Statistics and filters that follow agency and unit lineage (issue 7 §3).

A filter on a successor agency includes its predecessors' tasks (2025 Sở Tài
chính: also 2022 Sở Kế hoạch và Đầu tư and Sở Tài chính), and a filter on a
2025 province its 2022 units (2025 Bắc Ninh: 2022 Bắc Ninh and Bắc Giang),
unless the filter asks for the agency of record only (``record_only``).
Both are subqueries, so a list costs the same number of queries whatever
its filters.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.db.models.lookups import In

from dieuphoi.org.models import AdministrativeUnit, Agency
from dieuphoi.org.selectors import agency_successor_map, lineage_subquery

from . import buckets
from . import history as task_history
from .models import Task


def lead_lineage_q(agency_id: int, on: datetime.date, *, record_only: bool) -> Q:
    """Tasks led by the agency (or, unless ``record_only``, one of its
    predecessors): the lead of record on ``on`` for a past date."""
    if record_only:
        return buckets.lead_agency_q([agency_id], on)
    ids = lineage_subquery(Agency, agency_id)
    if buckets.use_history(on):
        return Q(In(task_history.lead_on(on), ids))
    return Q(lead_agency_id__in=ids)


def province_lineage_q(unit_id: int, *, record_only: bool) -> Q:
    """Tasks concerning the unit (or, unless ``record_only``, a unit it
    absorbed). A subquery, so a task naming two of them is listed once."""
    through = Task.provinces.through
    units = [unit_id] if record_only else lineage_subquery(AdministrativeUnit, unit_id)
    return Q(
        pk__in=through.objects.filter(administrativeunit_id__in=units).values("task_id")
    )


def group_by_successor(
    by_agency: dict[int, dict], agencies: dict[int, Agency], on: datetime.date
) -> tuple[dict[int, dict], dict[int, Agency]]:
    """Count rows of agencies that ended by ``on`` added into their
    successor's row (``agencies``: the rows' agencies, with ``valid_to``).

    Costs nothing when no agency of the rows has ended; else one query for
    the links and one for the successors' names.
    """
    ended = [pk for pk, a in agencies.items() if a.valid_to and a.valid_to < on]
    if not ended:
        return by_agency, agencies
    moves = agency_successor_map(ended, on)
    if not moves:
        return by_agency, agencies
    missing = set(moves.values()) - set(agencies)
    if missing:
        agencies = agencies | {
            a.pk: a
            for a in Agency.objects.filter(pk__in=missing).only(
                "id", "code", "name", "short_name", "valid_to"
            )
        }
    grouped: dict[int, dict] = {}
    for pk, counts in by_agency.items():
        target = moves.get(pk, pk)
        row = grouped.get(target)
        if row is None:
            grouped[target] = dict(counts)
            continue
        for name, value in counts.items():
            if isinstance(value, int) and not isinstance(value, bool):
                row[name] = row.get(name, 0) + value
    return grouped, agencies
