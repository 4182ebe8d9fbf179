"""Reads of tasks, scoped by permission. Views and the API call only these.

Public names (keep them stable: the pages and the API use them):

- ``TaskFilters``: dataclass of list filters (see its docstring); ``SORTS``;
  ``DEFAULT_SORT`` (``"-assigned_on"``).
- ``parse_task_filters(querydict) -> (TaskFilters, errors)``: validates URL
  parameters (the page and the API share it); ``errors`` is
  ``{field: message}``.
- ``task_list(*, user, filters, on=None, after=None, limit=50) -> TaskPage``:
  one page of tasks as of ``on``, keyset-paginated. ``TaskPage.items`` are
  Tasks annotated with ``bucket`` (name or ``None`` when cancelled),
  ``is_due_soon``, ``is_at_risk`` (``buckets.task_warnings(task)`` gives the
  names), with ``lead_agency``, ``sector``, ``body``, ``owner`` loaded and
  ``listed_parts``, the parts the user sees (``listed_parts(user)``: of a
  task they see only as a co-operating party, their own), with ``agency``
  and ``body``; ``description`` and ``search_text`` are deferred.
  ``parts="names"`` gives each task ``party_names`` (those parties' names,
  in order) from one lean query instead of the part objects;
  ``parts=None`` loads neither.
  ``TaskPage.next_cursor`` is an opaque string (``None`` on the last page)
  to pass back as ``after``. Fixed query count: seats (once per request) +
  tasks + parts.
- ``task_queryset(*, user, filters, on=None)``: the same rows unpaginated
  and unsorted (for counts and the XLSX export; iterate with a sort).
- ``task_get(*, user, pk, on=None) -> Task``: one task for the detail page
  (404/403 via ``permissions.access_task``), annotated like list items,
  with ``parts`` (also as ``task.listed_parts``), ``provinces``,
  ``updates`` (author, agency, part) and ``deadline_changes`` prefetched.
  ``task.party_only``: the user sees it only as a co-operating party; then
  the prefetched parts and updates are theirs (and the lead's task-level
  updates) and no deadline changes.
- ``task_summary(*, user, on=None, filters=None) -> dict``: ``{"on",
  "totals": {bucket/warning/"total": n}, "by_agency": [row], "by_sector":
  [row]}``; rows are ``{"id", "code", "name", <bucket>: n, "due_soon",
  "at_risk", "total", "due", "rates"}`` (``due``: tasks due, ``rates``:
  ``rates.Rate`` list, each with its denominator; the totals have both
  too); ``by_agency`` sorted by overdue desc. One grouped query plus two
  small name look-ups. On a past date the counts come from the history
  and a task counts under its lead agency of record on that date.
- ``my_work(*, user, on=None) -> MyWork``: querysets ``to_report``,
  ``to_confirm``, ``overdue``, ``due_soon``, ``cooperating`` and ``counts``
  (one aggregate query); see ``MyWork``.
- ``sector_choices()``: sectors for filters and forms.

Cursor format: urlsafe base64 of JSON ``[sort, [key values..., id]]``; it is
bound to its sort (a cursor from another sort is an error on ``cursor``).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import json
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.core import params
from dieuphoi.core.models import local_today
from dieuphoi.docs.models import fold, strip_diacritics
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Agency

from . import buckets, lineage, search, sources
from . import cache as task_cache
from . import history as task_history
from .models import (
    DeadlineChange,
    ExtensionRequest,
    ProgressUpdate,
    Sector,
    Task,
    TaskPart,
)
from .permissions import focal_agency_ids, manager_body_ids, party_ids, user_seats
from .rates import ROUNDING, due_count, rates_from_counts

S = Task.State

# Each sort: (field, descending) pairs, last one unique; all in one direction
# so the keyset condition is a simple row comparison.
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "deadline": (("deadline_key", False), ("id", False)),
    "-deadline": (("deadline_key", True), ("id", True)),
    "assigned_on": (("assigned_on", False), ("id", False)),
    "-assigned_on": (("assigned_on", True), ("id", True)),
    "code": (("year", False), ("seq", False), ("id", False)),
    "-code": (("year", True), ("seq", True), ("id", True)),
}
SORT_LABELS = {
    "deadline": _("Deadline, earliest first"),
    "-deadline": _("Deadline, latest first"),
    "assigned_on": _("Assigned date, oldest first"),
    "-assigned_on": _("Assigned date, newest first"),
    "code": _("Code"),
    "-code": _("Code, descending"),
}
DEFAULT_SORT = "-assigned_on"
_DATE_KEYS = {"deadline_key", "assigned_on"}
MAX_LIMIT = 200


@dataclass
class TaskFilters:
    """List filters; every field optional. URL parameters use the same names.

    ``bucket``: one of ``buckets.BUCKETS``; ``warning``: ``due_soon`` or
    ``at_risk``; ``state``: a ``Task.State`` value; ``lead_agency``,
    ``cooperating_agency``, ``sector``, ``province`` (AdministrativeUnit),
    ``source_document``: ids; ``is_key``: True/False/None; ``extended``:
    True (the deadline was changed at least once: an approved extension or
    a change by the secretariat), False (never changed) or None;
    ``deadline_from``/``deadline_to``, ``assigned_from``/``assigned_to``:
    inclusive dates; ``completed_from``/``completed_to``: completion
    confirmed in the range (dated history); ``extended_from``/
    ``extended_to``: an extension approved with its decision in the range;
    ``cancelled``: True/False as of ``on``; ``source_kind``:
    ``app_label.model`` of the records the tasks carry out (the periodic
    reports' figures link to these); ``q``: free text over code, title and latest update
    (case and diacritics insensitive); ``sort``: a key of ``SORTS``; ``on``:
    the "as of" date (``None`` = today). ``lead_agency`` and ``province``
    include their predecessors (``lineage``) unless ``record_only`` is True
    (the agency or unit of record only); the summary then also keeps
    predecessors' rows apart from their successor's.
    """

    bucket: str | None = None
    warning: str | None = None
    state: str | None = None
    lead_agency: int | None = None
    cooperating_agency: int | None = None
    sector: int | None = None
    province: int | None = None
    is_key: bool | None = None
    extended: bool | None = None
    deadline_from: datetime.date | None = None
    deadline_to: datetime.date | None = None
    assigned_from: datetime.date | None = None
    assigned_to: datetime.date | None = None
    source_document: int | None = None
    # "app_label.model:id" of the record the tasks carry out (``sources``).
    source: str | None = None
    # "app_label.model": tasks carrying out any record of that kind.
    source_kind: str | None = None
    # True: cancelled as of ``on``; False: not cancelled (in some bucket).
    cancelled: bool | None = None
    # Completion confirmed in the range (the dated history: completed on
    # ``completed_to``, default ``on``, and not on the day before
    # ``completed_from``).
    completed_from: datetime.date | None = None
    completed_to: datetime.date | None = None
    # A task-level extension approved with its decision dated in the range.
    extended_from: datetime.date | None = None
    extended_to: datetime.date | None = None
    record_only: bool | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    on: datetime.date | None = None

    def to_params(self) -> dict[str, str]:
        """Non-default filters as URL parameters (dates ISO, booleans 1/0)."""
        params = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if (
                value is None
                or value == ""
                or (f.name == "sort" and value == DEFAULT_SORT)
            ):
                continue
            if isinstance(value, bool):
                value = "1" if value else "0"
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            params[f.name] = str(value)
        return params

    def replace(self, **changes) -> TaskFilters:
        return dataclasses.replace(self, **changes)


@dataclass
class TaskPage:
    items: list[Task]
    next_cursor: str | None
    on: datetime.date
    filters: TaskFilters


# --- parsing ------------------------------------------------------------------

_ID_FIELDS = (
    "lead_agency",
    "cooperating_agency",
    "sector",
    "province",
    "source_document",
)
_DATE_FIELDS = (
    "deadline_from",
    "deadline_to",
    "assigned_from",
    "assigned_to",
    "completed_from",
    "completed_to",
    "extended_from",
    "extended_to",
    "on",
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_date(value: str) -> datetime.date:
    """ISO ``YYYY-MM-DD`` or ``dd/mm/yyyy``, 1900..2100; ``ValueError``
    otherwise (``dieuphoi.core.params.parse_date``)."""
    return params.parse_date(value)


def source_kind_type(value: str) -> int | None:
    """The content type id of ``app_label.model`` (the ``source_kind``
    filter: tasks carrying out any record of that kind), or None."""
    from django.contrib.contenttypes.models import ContentType

    app_label, dot, model = (value or "").partition(".")
    if not (dot and app_label and model):
        return None
    try:
        return ContentType.objects.get_by_natural_key(app_label, model).pk
    except ContentType.DoesNotExist:
        return None


def parse_task_filters(querydict) -> tuple[TaskFilters, dict[str, str]]:
    """Filters from URL parameters, and ``{field: message}`` for bad ones.

    A bad parameter is left out of the filters and reported; the caller
    decides whether to answer 422 (the API) or show the message (the page).
    """
    errors: dict[str, str] = {}
    values: dict = {}

    def raw(name: str) -> str:
        value = querydict.get(name)
        return value.strip() if isinstance(value, str) else ""

    bucket = raw("bucket")
    if bucket:
        if bucket in buckets.BUCKETS:
            values["bucket"] = bucket
        else:
            errors["bucket"] = gettext(
                "Unknown bucket “%(value)s”. Use one of: %(choices)s."
            ) % {
                "value": bucket,
                "choices": ", ".join(buckets.BUCKETS),
            }
    warning = raw("warning")
    if warning:
        if warning in buckets.WARNINGS:
            values["warning"] = warning
        else:
            errors["warning"] = gettext(
                "Unknown warning “%(value)s”. Use one of: %(choices)s."
            ) % {
                "value": warning,
                "choices": ", ".join(buckets.WARNINGS),
            }
    state = raw("state")
    if state:
        if state in S.values:
            values["state"] = state
        else:
            errors["state"] = gettext("Unknown state “%(value)s”.") % {"value": state}
    for name in _ID_FIELDS:
        value = raw(name)
        if not value:
            continue
        if (pk := params.parse_id_or_none(value)) is not None:
            values[name] = pk
        else:
            errors[name] = gettext("Not a valid identifier.")
    for name in _DATE_FIELDS:
        value = raw(name)
        if not value:
            continue
        try:
            values[name] = parse_date(value)
        except ValueError:
            errors[name] = gettext("Enter a valid date (dd/mm/yyyy or YYYY-MM-DD).")
    is_key = raw("is_key").lower()
    if is_key in _TRUE:
        values["is_key"] = True
    elif is_key in _FALSE:
        values["is_key"] = False
    elif is_key:
        errors["is_key"] = gettext("Use 1 (key tasks) or 0 (other tasks).")
    source = raw("source")
    if source:
        try:
            sources.parse_source_key(source)
            values["source"] = source
        except ValueError:
            errors["source"] = gettext("Not a valid source record.")
    source_kind = raw("source_kind")
    if source_kind:
        if source_kind_type(source_kind) is not None:
            values["source_kind"] = source_kind
        else:
            errors["source_kind"] = gettext("Not a valid kind of source record.")
    cancelled = raw("cancelled").lower()
    if cancelled in _TRUE:
        values["cancelled"] = True
    elif cancelled in _FALSE:
        values["cancelled"] = False
    elif cancelled:
        errors["cancelled"] = gettext("Use 1 (cancelled tasks) or 0 (the others).")
    extended = raw("extended").lower()
    if extended in _TRUE:
        values["extended"] = True
    elif extended in _FALSE:
        values["extended"] = False
    elif extended:
        errors["extended"] = gettext(
            "Use 1 (deadline extended) or 0 (deadline never changed)."
        )
    record_only = raw("record_only").lower()
    if record_only in _TRUE:
        values["record_only"] = True
    elif record_only and record_only not in _FALSE:
        errors["record_only"] = gettext(
            "Use 1 (the agency of record only) or 0 (with its predecessors)."
        )
    q = raw("q")
    if len(q) > 200:
        errors["q"] = gettext("The search text is too long (at most 200 characters).")
    elif q:
        values["q"] = q
    sort = raw("sort")
    if sort:
        if sort in SORTS:
            values["sort"] = sort
        else:
            errors["sort"] = gettext("Unknown sort “%(value)s”.") % {"value": sort}
    for lo, hi in (
        ("deadline_from", "deadline_to"),
        ("assigned_from", "assigned_to"),
        ("completed_from", "completed_to"),
        ("extended_from", "extended_to"),
    ):
        if values.get(lo) and values.get(hi) and values[lo] > values[hi]:
            errors[hi] = gettext("The end of the range is before its start.")
            values.pop(hi)
    return TaskFilters(**values), errors


# --- cursors --------------------------------------------------------------------


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def encode_cursor(sort: str, task: Task) -> str:
    values = [_json_value(getattr(task, name)) for name, _desc in SORTS[sort]]
    raw = json.dumps([sort, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list:
    """Key values of ``cursor`` for ``sort``; ``ValidationError`` on ``cursor``."""
    bad = ValidationError({"cursor": gettext("This page link is invalid or expired.")})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise bad from None
    spec = SORTS.get(sort)
    if cursor_sort != sort or not isinstance(values, list) or len(values) != len(spec):
        raise bad
    out = []
    try:
        for (name, _desc), value in zip(spec, values, strict=True):
            if name in _DATE_KEYS:
                out.append(datetime.date.fromisoformat(value))
            elif (
                isinstance(value, int)
                and not isinstance(value, bool)
                and -params.MAX_ID <= value <= params.MAX_ID  # SQLite: 64 bits
            ):
                out.append(value)
            else:
                raise bad
    except (TypeError, ValueError):
        raise bad from None
    return out


def _keyset_q(spec, values) -> Q:
    """Rows after ``values`` in the order ``spec``.

    Expanded as ``a > x OR (a = x AND (b > y OR ...))``, with a leading
    ``a >= x`` so both databases start the index range at the cursor.
    """
    (name, desc), *rest = spec
    value, *rest_values = values
    op = "lt" if desc else "gt"
    if not rest:
        return Q(**{f"{name}__{op}": value})
    after = Q(**{f"{name}__{op}": value}) | (
        Q(**{name: value}) & _keyset_q(rest, rest_values)
    )
    return Q(**{f"{name}__{'lte' if desc else 'gte'}": value}) & after


# --- scoping and filtering -----------------------------------------------------------


def _party_q(user, exclude_bodies) -> Q | None:
    """Tasks of other bodies where the user's body or seat agency is a
    co-operating party (external users; see ``permissions.party_ids``), as a
    subquery: no extra round trip."""
    if not any(seat.outside_parts for seat in user_seats(user)):
        # The common case (Hanoi's own people): the body clause alone keeps
        # the lists on their covering indexes.
        return None
    bodies, agencies = party_ids(user)
    if not bodies and not agencies:
        return None
    match = Q(body_id__in=sorted(bodies))
    if agencies:
        match |= Q(agency_id__in=sorted(agencies))
    parts = (
        TaskPart.objects.filter(match)
        .exclude(task__body_id__in=sorted(exclude_bodies))
        .values("task_id")
    )
    return Q(pk__in=parts)


def _scope(user) -> Q | None:
    """``None``: every task (admin, leadership); else a ``Q`` over bodies,
    plus the tasks of other bodies the user is a co-operating party to."""
    user_seats(user)  # one query fills both role caches
    visible = org_perms.visible_body_ids(user)
    if visible is None:
        return None
    if len(visible) == 1:
        q = Q(body_id=next(iter(visible)))
    else:
        q = Q(body_id__in=sorted(visible))
    party = _party_q(user, visible)
    return q if party is None else q | party


def _filter_q(filters: TaskFilters, on: datetime.date) -> Q:
    q = buckets.in_view_q(on)
    if filters.bucket:
        q &= buckets.bucket_q(filters.bucket, on)
    if filters.warning:
        q &= buckets.warning_q(filters.warning, on)
    if filters.state:
        q &= Q(state=filters.state)
    if filters.lead_agency:
        q &= lineage.lead_lineage_q(
            filters.lead_agency, on, record_only=bool(filters.record_only)
        )
    if filters.cooperating_agency:
        # (task, agency) is unique in TaskPart: the join adds no duplicates.
        q &= Q(parts__agency_id=filters.cooperating_agency)
    if filters.sector:
        q &= Q(sector_id=filters.sector)
    if filters.province:
        q &= lineage.province_lineage_q(
            filters.province, record_only=bool(filters.record_only)
        )
    if filters.is_key is not None:
        q &= Q(is_key=filters.is_key)
    if filters.extended is not None:
        q &= Q(extension_count__gt=0) if filters.extended else Q(extension_count=0)
    if filters.deadline_from:
        q &= Q(deadline__gte=filters.deadline_from)
    if filters.deadline_to:
        q &= Q(deadline__lte=filters.deadline_to)
    if filters.assigned_from:
        q &= Q(assigned_on__gte=filters.assigned_from)
    if filters.assigned_to:
        q &= Q(assigned_on__lte=filters.assigned_to)
    if filters.source_document:
        q &= Q(source_document_id=filters.source_document)
    if filters.source:
        q &= sources.source_q(filters.source)
    if filters.source_kind:
        type_id = source_kind_type(filters.source_kind)
        q &= Q(source_type_id=type_id) if type_id else Q(pk__in=[])
    if filters.cancelled is not None:
        q &= buckets.cancelled_q(on) if filters.cancelled else buckets.counted_q(on)
    if filters.completed_from or filters.completed_to:
        q &= buckets.completed_q(filters.completed_to or on)
        if filters.completed_from:
            day_before = filters.completed_from - datetime.timedelta(days=1)
            q &= ~buckets.completed_q(day_before)
    if filters.extended_from or filters.extended_to:
        granted = ExtensionRequest.objects.filter(
            part__isnull=True, state__in=ExtensionRequest.APPROVED_STATES
        )
        if filters.extended_from:
            granted = granted.filter(decided_on__gte=filters.extended_from)
        if filters.extended_to:
            granted = granted.filter(decided_on__lte=filters.extended_to)
        q &= Q(pk__in=granted.values("task_id"))
    return q


def _text_q(user, text: str) -> Q:
    """The free-text match ``text`` as ``user`` may make it.

    Hanoi's own people (and anyone who sees every task of the bodies they
    search) match ``Task.search_text``: code, title and the latest update,
    on its index-friendly column. ``search_text`` holds the latest update
    whichever party wrote it, so for a task another body assigned, where the
    user is only a co-operating party (``_party_q``), a match on it would
    tell which tasks hold a word another party wrote: there the match is on
    what the user sees of the row, the code, the title and their own parts'
    descriptions, folded and accent-insensitive as ``search_text`` is. One
    query over the user's own parts, only for such users.

    The ``search_text`` match goes through the free-text index (FTS5 trigram
    on SQLite, ``pg_trgm`` on PostgreSQL: ``search.search_text_q``), with
    the plain substring's results: the whole folded input is one substring.
    """
    needle = fold(text)
    match = search.search_text_q(needle)
    visible = org_perms.visible_body_ids(user)
    if visible is None or _party_q(user, visible) is None:
        return match
    own = (
        TaskPart.objects.filter(own_parts_q(user))
        .exclude(task__body_id__in=sorted(visible))
        .values_list("task_id", "task__code", "task__title", "description")
    )
    ids = set()
    for task_id, code, title, description in own:
        hay = fold(" | ".join([code, title, description]))
        if needle in hay or needle in strip_diacritics(hay):
            ids.add(task_id)
    scoped = Q(body_id__in=sorted(visible)) & match if visible else Q(pk__in=[])
    return scoped | Q(pk__in=sorted(ids)) if ids else scoped


def task_queryset(
    *, user, filters: TaskFilters | None = None, on: datetime.date | None = None
) -> QuerySet[Task]:
    """Visible tasks matching ``filters`` as of ``on`` (not annotated, not sorted)."""
    filters = filters or TaskFilters()
    on = on or filters.on or local_today()
    scope = _scope(user)
    qs = Task.objects.all()
    if scope is not None:
        if not org_perms.visible_body_ids(user):
            return qs.none()
        qs = qs.filter(scope)
    q = _filter_q(filters, on)
    if filters.q:
        q &= _text_q(user, filters.q)
    return qs.filter(q)


LIST_RELATED = ("lead_agency", "sector", "body", "owner")


def listed_parts(user, tasks: list[Task] | None = None) -> QuerySet[TaskPart]:
    """The co-operating parts ``user`` sees in a list of tasks: every part of
    a task of a body they see; of another body's task, which they see only
    as a co-operating party, their own parts only, as its page shows them
    (``task_get``), never the other parties' descriptions or progress.

    ``tasks``: only those tasks' parts, told apart by their ``body_id``
    (no join to the tasks)."""
    visible = org_perms.visible_body_ids(user)
    if tasks is None:
        parts = TaskPart.objects.all()
        if visible is None:
            return parts
        return parts.filter(Q(task__body_id__in=sorted(visible)) | own_parts_q(user))
    whole = sorted(t.pk for t in tasks if visible is None or t.body_id in visible)
    party = sorted(
        t.pk for t in tasks if visible is not None and t.body_id not in visible
    )
    q = Q(task_id__in=whole)
    if party:
        q |= Q(task_id__in=party) & own_parts_q(user)
    return TaskPart.objects.filter(q)


def _list_queryset(
    qs: QuerySet[Task],
    on: datetime.date,
    related: tuple[str, ...] = LIST_RELATED,
    annotate: bool = True,
) -> QuerySet[Task]:
    qs = qs.select_related(*related).defer("description", "search_text")
    return buckets.annotate_buckets(qs, on) if annotate else qs


def _set_parts(user, tasks: list[Task]) -> None:
    """``task.listed_parts``: the parts ``user`` sees (``listed_parts``),
    with their agency and body, in one query for the page. Django's
    prefetch gives the same list but builds a queryset per task to hold it
    (3.7 ms for 50 tasks against 1.4)."""
    by_task: dict[int, list[TaskPart]] = {task.pk: [] for task in tasks}
    if by_task:
        found = (
            listed_parts(user, tasks)
            .select_related("agency", "body")
            .order_by("task_id", "id")
        )
        for part in found:
            by_task[part.task_id].append(part)
    for task in tasks:
        task.listed_parts = by_task[task.pk]


def _set_party_names(user, tasks: list[Task]) -> None:
    """``task.party_names``: the names of the co-operating parties ``user``
    sees (``listed_parts``), in the parts' order (``TaskPart.party_name``:
    the agency's, else the body's short name or name). One query of names
    for the page: building a part, an agency and a body object for each,
    through the prefetch machinery, cost three times as much for a list that
    shows only the names."""
    names: dict[int, list[str]] = {task.pk: [] for task in tasks}
    if not names:
        return
    rows = (
        listed_parts(user, tasks)
        .order_by("task_id", "id")
        .values_list(
            "task_id",
            "agency_id",
            "agency__short_name",
            "agency__name",
            "body__short_name",
            "body__name",
        )
    )
    for task_id, agency_id, a_short, a_name, b_short, b_name in rows:
        name = (a_short or a_name) if agency_id is not None else (b_short or b_name)
        if name:
            names[task_id].append(name)
    for task in tasks:
        task.party_names = names[task.pk]


def redact_party_rows(user, tasks) -> None:
    """Rows ``user`` sees only as a co-operating party (a task of another
    body) lose what belongs to the assigning body and the other parties, as
    the task page does: the latest update (it may be another party's), the
    owner and the source. Display copies only: never saved. No query."""
    visible = org_perms.visible_body_ids(user)
    if visible is None:
        return
    for task in tasks:
        if task.body_id in visible:
            continue
        task.party_only = True
        task.last_update_text = ""
        task.last_update_on = None
        task.owner = None
        task.source_document = None
        task.source_text = ""


def _set_buckets(tasks: list[Task], on: datetime.date) -> None:
    """What ``annotate_buckets`` gives, by the reference rules (tested equal
    to the SQL): for one page of rows this is cheaper than compiling the
    SQL ``CASE`` expressions."""
    for task in tasks:
        task.bucket = buckets.bucket_of(task, on)
        task.is_due_soon = buckets.is_due_soon(task, on)
        task.is_at_risk = buckets.is_at_risk(task, on)


def task_list(
    *,
    user,
    filters: TaskFilters | None = None,
    on: datetime.date | None = None,
    after: str | None = None,
    limit: int = 50,
    related: tuple[str, ...] = LIST_RELATED,
    parts: str | None = "full",
) -> TaskPage:
    """One page of visible tasks; see the module docstring.

    ``related``: the objects joined to each task (a page that shows fewer
    builds fewer model objects; the API shows them all). ``parts``:
    ``"full"`` sets ``task.listed_parts`` (the part objects the user sees),
    ``"names"`` ``task.party_names`` only, ``None`` neither."""
    if parts not in ("full", "names", None):
        raise ValueError(f"parts: {parts!r}")
    filters = filters or TaskFilters()
    on = on or filters.on or local_today()
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    spec = SORTS[sort]
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = task_queryset(user=user, filters=filters, on=on)
    if after:
        qs = qs.filter(_keyset_q(spec, decode_cursor(after, sort)))
    order = [f"-{name}" if desc else name for name, desc in spec]
    # Past dates read the history in SQL; the reference rules read the row.
    past = buckets.use_history(on)
    qs = _list_queryset(qs, on, related, annotate=past)
    rows = list(qs.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    items = rows[:limit]
    if parts == "names":
        _set_party_names(user, items)
    elif parts == "full":
        _set_parts(user, items)
    redact_party_rows(user, items)
    if not past:
        _set_buckets(items, on)
    next_cursor = encode_cursor(sort, items[-1]) if more else None
    return TaskPage(items=items, next_cursor=next_cursor, on=on, filters=filters)


def task_get(*, user, pk, on: datetime.date | None = None) -> Task:
    """The task with everything its detail page shows.

    ``Http404`` when it does not exist or ``user`` may not see it (checked
    before the related rows are loaded).
    """
    from django.http import Http404

    from .permissions import can_view_task

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    on = on or local_today()
    task = (
        buckets.annotate_buckets(Task.objects.filter(pk=pk), on)
        .select_related(
            "body", "lead_agency", "sector", "owner", "assigned_by", "source_document"
        )
        .first()
    )
    if task is None or not can_view_task(user, task):
        raise Http404
    parts = TaskPart.objects.select_related("agency", "body")
    updates = ProgressUpdate.objects.select_related(
        "author", "agency", "part__agency", "part__body"
    )
    changes = DeadlineChange.objects.select_related("changed_by")
    # Seen only as a co-operating party (another province's team, an outside
    # agency): the task's heading, their own part(s), the progress of their
    # parts and the lead's task-level updates; no other party's part or
    # update, no deadline-change log (it names Hanoi's people). Filtering the
    # prefetched rows keeps every consumer (page, threads, API) to them.
    task.party_only = not org_perms.can_see_body(user, task.body_id)
    if task.party_only:
        own = own_parts_q(user)
        parts = parts.filter(own)
        updates = updates.filter(
            Q(part__isnull=True) | Q(part__in=TaskPart.objects.filter(own))
        )
        changes = changes.none()
    prefetch_related_objects(
        [task],
        Prefetch("parts", queryset=parts),
        "provinces",
        Prefetch("updates", queryset=updates),
        Prefetch("deadline_changes", queryset=changes),
    )
    task.listed_parts = list(task.parts.all())  # as task_list(parts="full")
    return task


def own_parts_q(user) -> Q:
    """The parts an external user acts for: their seats' bodies or home
    agencies are the party (``permissions._acts_for_part`` for seats outside
    the task's body; only for a task the user does not see as a member)."""
    bodies, agencies = party_ids(user)
    return Q(body_id__in=sorted(bodies)) | Q(agency_id__in=sorted(agencies))


def sector_choices() -> list[Sector]:
    return list(Sector.objects.all())


# --- summary ------------------------------------------------------------------


_COUNT_NAMES = (*buckets.BUCKETS, *buckets.WARNINGS)


def _counts(
    on: datetime.date, *, warnings: bool = True, history: bool | None = None
) -> dict:
    """``Count(filter=...)`` per bucket and warning, in the scan form
    (``warnings=False``: the buckets only, each warning counted 0;
    ``history``: as ``buckets.bucket_q``).

    Counting ``lead_agency`` (never null) rather than ``id`` keeps every column
    in ``task_summary_cover``, so PostgreSQL can answer from the index alone.
    """
    counts = {
        name: Count(
            "lead_agency",
            filter=buckets.bucket_q(name, on, indexed=False, history=history),
        )
        for name in buckets.BUCKETS
    }
    if not warnings:
        # A constant: the rows keep the same keys without the warnings'
        # per-row history lookups (the progress recorded by then).
        counts.update({name: Value(0) for name in buckets.WARNINGS})
        return counts
    counts.update(
        {
            name: Count(
                "lead_agency", filter=buckets.warning_q(name, on, indexed=False)
            )
            for name in buckets.WARNINGS
        }
    )
    return counts


def _empty_row() -> dict:
    return dict.fromkeys(_COUNT_NAMES, 0) | {"total": 0}


def _add(row: dict, counts: dict) -> None:
    for name in _COUNT_NAMES:
        row[name] += counts[name]
    row["total"] += sum(counts[name] for name in buckets.BUCKETS)


def grouped_rows(
    qs: QuerySet[Task],
    on: datetime.date,
    *,
    warnings: bool = True,
    keys: dict | None = None,
    by_sector: bool = True,
) -> list[dict]:
    """Bucket and warning counts of ``qs`` as of ``on``, one row per
    (``lead``, ``sector_id``, the caller's ``keys``): ``lead`` is the lead
    agency of record on ``on`` for a past date (``history.lead_on``), else
    the current column (``by_sector=False``: not grouped by sector, whose
    rows then read ``sector_id`` None). ``keys`` maps a name to ``make(history) ->
    expression``: what else to group by, built for the part it counts (the
    history's deadline or the column, as ``history``).

    Without the warnings, a past date is counted in two grouped queries
    (``history.as_of_parts``): the tasks with no state, deadline or lead
    change after ``on`` by their columns, the others from the dated history;
    the same counts without history lookups for every task. The warnings
    also read the progress recorded by ``on``, which the split does not
    cover, so they keep the one query."""
    qs = qs.order_by()
    past = buckets.use_history(on)
    if past and warnings:
        parts = [(qs, True)]
    else:
        parts = task_history.as_of_parts(qs, on, use_history=past)
    rows: list[dict] = []
    for part, history in parts:
        lead = task_history.lead_on(on) if history else F("lead_agency_id")
        extra = {name: make(history) for name, make in (keys or {}).items()}
        names = ("sector_id",) if by_sector else ()
        rows.extend(
            part.values(*names, lead=lead, **extra).annotate(
                **_counts(on, warnings=warnings, history=history)
            )
        )
    return rows


def rollup_counts(rows) -> tuple[dict, dict, dict]:
    """``(totals, by_agency, by_sector)`` of ``grouped_rows``' rows; each
    count row has the buckets, the warnings and ``total`` (the buckets'
    sum: cancelled tasks are in none)."""
    totals = _empty_row()
    by_agency: dict[int, dict] = {}
    by_sector: dict[int | None, dict] = {}
    for row in rows:
        _add(totals, row)
        _add(by_agency.setdefault(row["lead"], _empty_row()), row)
        _add(by_sector.setdefault(row.get("sector_id"), _empty_row()), row)
    return totals, by_agency, by_sector


def grouped_counts(
    qs: QuerySet[Task], on: datetime.date, *, warnings: bool = True
) -> tuple[dict, dict, dict]:
    """``(totals, by_agency, by_sector)`` bucket and warning counts of
    ``qs`` as of ``on`` (the lead of record on ``on`` for a past date): the
    summary's counting, for callers that scope the tasks themselves (the
    periodic reports count one body's tasks; they leave the warnings out,
    ``warnings=False``)."""
    return rollup_counts(grouped_rows(qs, on, warnings=warnings))


def _summary_counts(user, filters: TaskFilters, on: datetime.date):
    """``(totals, by_agency, by_sector)`` counts, cached until a task or the
    registry changes (``tasks.cache.summary_counts``: per visible scope,
    filters and date; the version stamps every task write replaces)."""

    def count():
        qs = task_queryset(user=user, filters=filters, on=on)
        return grouped_counts(qs, on)

    return task_cache.summary_counts(user, filters, on, count)


def task_summary(
    *, user, on: datetime.date | None = None, filters: TaskFilters | None = None
) -> dict:
    """Counts per bucket and warning, per lead agency and per sector.

    Cancelled tasks are in no bucket and in no total. One grouped query over
    (lead agency, sector), on a covering index, is rolled up here; the counts
    are cached until a task changes (``_summary_counts``).
    """
    filters = (filters or TaskFilters()).replace(sort=DEFAULT_SORT)
    on = on or filters.on or local_today()
    totals, by_agency, by_sector = _summary_counts(user, filters, on)
    agencies = {
        a.pk: a
        for a in Agency.objects.filter(pk__in=[k for k in by_agency if k]).only(
            "id", "code", "name", "short_name", "valid_to"
        )
    }
    if not filters.record_only:
        by_agency, agencies = lineage.group_by_successor(by_agency, agencies, on)
    sectors = {s.pk: s for s in Sector.objects.all()}
    agency_rows = [
        {"id": pk, "code": agencies[pk].code, "name": str(agencies[pk])} | counts
        for pk, counts in by_agency.items()
        if counts["total"]
    ]
    agency_rows.sort(key=lambda r: (-r["overdue"], -r["total"], r["name"]))
    sector_rows = []
    for s in sectors.values():
        if s.pk in by_sector and by_sector[s.pk]["total"]:
            sector_rows.append(
                {"id": s.pk, "code": s.key, "name": s.name} | by_sector[s.pk]
            )
    if None in by_sector and by_sector[None]["total"]:
        sector_rows.append(
            {"id": None, "code": "", "name": gettext("No sector")} | by_sector[None]
        )
    totals = dict(totals)
    for row in (totals, *agency_rows, *sector_rows):
        row["due"] = due_count(row)
        row["rates"] = rates_from_counts(row)
    return {
        "on": on,
        "filters": filters,
        "totals": totals,
        "by_agency": agency_rows,
        "by_sector": sector_rows,
        "rounding": ROUNDING,
    }


# --- my work --------------------------------------------------------------------


@dataclass
class MyWork:
    """The home page's lists for one user, as of ``on``.

    - ``to_report``: open tasks (new, in progress) whose lead agency the user
      is a focal point of, or that the user owns;
    - ``cooperating``: open tasks where the user's agency co-operates and its
      part is not finished;
    - ``to_confirm``: tasks reported done, in bodies where the user is
      leader, deputy, secretariat or specialist;
    - ``overdue`` / ``due_soon``: in the user's scope (every task of the
      bodies they manage; otherwise tasks their agency leads or co-operates
      on, and tasks they own).

    Querysets are annotated like list items and sorted by deadline; slice
    them (``[:10]``). ``counts`` has the five totals (one query).
    """

    on: datetime.date
    to_report: QuerySet[Task]
    cooperating: QuerySet[Task]
    to_confirm: QuerySet[Task]
    overdue: QuerySet[Task]
    due_soon: QuerySet[Task]
    counts: dict[str, int] = field(default_factory=dict)


def my_work(*, user, on: datetime.date | None = None) -> MyWork:
    on = on or local_today()
    seats = user_seats(user)
    managed = manager_body_ids(user)
    nothing = Q(pk__in=[])
    lead_q = nothing  # tasks the user reports on
    coop_q = nothing  # parts the user's agency reports on
    watch_q = Q(body_id__in=sorted(managed)) if managed else nothing
    uid = user.pk if getattr(user, "is_authenticated", False) else None
    # Per body, so each term is an index range; an owner is always a member
    # of the task's body (the services check it), so owned tasks are found
    # through the owner's bodies.
    for body_id in sorted({s.body_id for s in seats}):
        agencies = sorted(focal_agency_ids(user, body_id))
        mine = Q(owner_id=uid)
        if agencies:
            mine |= Q(lead_agency_id__in=agencies)
            parts = Exists(
                TaskPart.objects.filter(
                    task_id=OuterRef("pk"), agency_id__in=agencies, progress__lt=100
                )
            )
            coop_q |= Q(body_id=body_id) & Q(parts)
        lead_q |= Q(body_id=body_id) & mine
        if body_id not in managed:
            watch_q |= Q(body_id=body_id) & (mine | Q(parts) if agencies else mine)
    # External users: the parts of other bodies' tasks they report on.
    if seats:
        seat_bodies = sorted({s.body_id for s in seats})
        party = _party_q(user, seat_bodies)
        if party is not None:
            bodies, agencies = party_ids(user)
            match = Q(body_id__in=sorted(bodies))
            if agencies:
                match |= Q(agency_id__in=sorted(agencies))
            unfinished = Exists(
                TaskPart.objects.filter(match, task_id=OuterRef("pk"), progress__lt=100)
            )
            coop_q |= party & Q(unfinished)
            watch_q |= party
    in_view = buckets.in_view_q(on)
    open_now = Q(state__in=[S.NEW, S.IN_PROGRESS]) & in_view
    defs = {
        "to_report": open_now & lead_q,
        "cooperating": open_now & coop_q,
        "to_confirm": Q(state=S.REPORTED_DONE, body_id__in=sorted(managed)) & in_view
        if managed
        else nothing,
        "overdue": in_view & buckets.bucket_q(buckets.OVERDUE, on) & watch_q,
        "due_soon": in_view & buckets.warning_q(buckets.DUE_SOON, on) & watch_q,
    }
    querysets = {
        name: _list_queryset(Task.objects.filter(q), on).order_by("deadline_key", "id")
        for name, q in defs.items()
    }
    counts = _count_each(
        {name: Task.objects.filter(q) for name, q in defs.items()} if seats else {}
    )
    return MyWork(
        on=on, counts={name: counts.get(name, 0) for name in defs}, **querysets
    )


def _count_each(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """``{name: qs.count()}`` in one round trip: one scalar subquery each, so
    each count uses its own index."""
    if not querysets:
        return {}
    parts, params = [], []
    for i, qs in enumerate(querysets.values()):
        try:
            sql, p = qs.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing, e.g. pk__in=[]
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS q{i})")  # noqa: S608 - compiled querysets, params apart  # nosec B608
        params.extend(p)
    with connection.cursor() as cursor:
        # Subqueries compiled by the ORM; values are parameters.
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def task_bucket_counts(*, user, filters: TaskFilters, on) -> dict[str, int]:
    """Tasks per bucket for ``filters`` (the bucket filter left out): one
    query, cached until a task or the registry changes
    (``tasks.cache.bucket_counts``: per visible scope, filters and date)."""
    filters = filters.replace(bucket=None)

    def count() -> dict[str, int]:
        qs = task_queryset(user=user, filters=filters, on=on)
        counts = qs.aggregate(
            **{
                name: Count("id", filter=buckets.bucket_q(name, on))
                for name in buckets.BUCKETS
            }
        )
        counts = {name: counts.get(name) or 0 for name in buckets.BUCKETS}
        counts["total"] = sum(counts.values())
        return counts

    return task_cache.bucket_counts(user, filters, on, count)


def task_bucket_counts_ready(*, user, filters: TaskFilters, on) -> dict | None:
    """``task_bucket_counts`` if it is cached already, else None (no count):
    the list shows ready counts in the page and defers the rest."""
    return task_cache.bucket_counts_ready(user, filters, on)
