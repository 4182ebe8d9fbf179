"""Reads for urging letters: overdue tasks to urge, letters of a task.

Callers check permissions first (``permissions.access_letter_body``); these
functions scope by body.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from dieuphoi.core import params
from dieuphoi.org.models import Agency, Body
from dieuphoi.org.selectors import body_standing_agency
from dieuphoi.paperwork.models import IssuingProfile
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task

from .models import LetterTask, UrgingLetter


def clean_task_ids(values: Iterable) -> list[int]:
    """Distinct positive integer ids in their first order; junk is dropped."""
    seen: dict[int, None] = {}
    for value in values:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            continue
        if number > 0:
            seen.setdefault(number, None)
    return list(seen)


S = Task.State
# Urged by a letter: overdue and waiting on the lead agency. Reported done
# waits for the secretariat; an extension request waits for the leader
# (kept only when the secretariat chooses to); closed tasks are done with.
URGED_STATES = (S.NEW, S.IN_PROGRESS)
SHOWN_STATES = (S.NEW, S.IN_PROGRESS, S.EXTENSION_REQUESTED)


def overdue_q(on: datetime.date):
    return buckets.in_view_q(on) & buckets.bucket_q(buckets.OVERDUE, on)


def letter_q(on: datetime.date, keep_ids: Iterable[int] = ()) -> Q:
    """Tasks a letter dated ``on`` urges: overdue and new or in progress,
    plus those among ``keep_ids`` awaiting an extension decision."""
    keep = sorted(set(keep_ids))
    states = Q(state__in=URGED_STATES)
    if keep:
        states |= Q(state=S.EXTENSION_REQUESTED, pk__in=keep)
    return overdue_q(on) & states


def _scoped(
    qs: QuerySet[Task], task_ids: list[int] | None, agency: Agency | None
) -> QuerySet[Task]:
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    if task_ids is not None:
        qs = qs.filter(pk__in=task_ids)
    return qs


def overdue_tasks(
    *,
    body: Body,
    on: datetime.date,
    task_ids: list[int] | None = None,
    agency: Agency | None = None,
    keep_ids: Iterable[int] = (),
) -> QuerySet[Task]:
    """Tasks of ``body`` a letter dated ``on`` urges (``letter_q``): those
    of ``agency`` as lead agency, or those among ``task_ids``. Sorted as the
    letter lists them (lead agency, deadline, code), with what its table
    shows loaded."""
    qs = _scoped(
        Task.objects.filter(body=body).filter(letter_q(on, keep_ids)), task_ids, agency
    )
    return (
        qs.select_related("lead_agency", "source_document")
        .defer("description", "search_text")
        .order_by("lead_agency__name", "lead_agency_id", "deadline", "year", "seq")
    )


def pending_extension_tasks(
    *,
    body: Body,
    on: datetime.date,
    task_ids: list[int] | None = None,
    agency: Agency | None = None,
) -> list[Task]:
    """Overdue tasks of the selection whose extension request awaits a
    decision: the preview warns about them; the letter leaves them out
    unless the secretariat keeps them."""
    qs = Task.objects.filter(body=body, state=S.EXTENSION_REQUESTED).filter(
        overdue_q(on)
    )
    return list(
        _scoped(qs, task_ids, agency)
        .select_related("lead_agency")
        .only(
            "id",
            "code",
            "title",
            "deadline",
            "lead_agency__name",
            "lead_agency__short_name",
        )
        .order_by("lead_agency__name", "deadline", "year", "seq")
    )


@dataclass(frozen=True)
class AgencyCount:
    agency_id: int
    name: str
    count: int


def agency_overdue_counts(*, body: Body, on: datetime.date) -> list[AgencyCount]:
    """Lead agencies of ``body`` with their number of overdue tasks a letter
    may urge (new, in progress, or awaiting an extension decision), most
    first."""
    rows = (
        Task.objects.filter(body=body, state__in=SHOWN_STATES)
        .filter(overdue_q(on))
        .values("lead_agency_id", "lead_agency__name")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_agency__name")
    )
    return [
        AgencyCount(row["lead_agency_id"], row["lead_agency__name"], row["n"])
        for row in rows
    ]


def selected_not_overdue(
    *, body: Body, on: datetime.date, task_ids: list[int]
) -> list[Task]:
    """Tasks among ``task_ids`` of ``body`` that no letter dated ``on``
    urges: not overdue, reported done, completed or cancelled (shown on the
    preview as left out; those awaiting an extension decision are listed
    apart, ``pending_extension_tasks``)."""
    if not task_ids:
        return []
    return list(
        Task.objects.filter(body=body, pk__in=task_ids)
        .exclude(overdue_q(on) & Q(state__in=SHOWN_STATES))
        .select_related("lead_agency")
        .only("id", "code", "title", "lead_agency__name", "lead_agency__short_name")
        .order_by("year", "seq")
    )


def task_body_ids(task_ids: list[int]) -> list[int]:
    """The distinct bodies of the tasks ``task_ids``."""
    return sorted(
        set(Task.objects.filter(pk__in=task_ids).values_list("body_id", flat=True))
    )


def issuing_profile_get(*, body: Body) -> IssuingProfile | None:
    return (
        IssuingProfile.objects.select_related("body", "issuer_agency")
        .filter(body=body)
        .first()
    )


def issuing_agency(
    *, body: Body, on: datetime.date, profile: IssuingProfile | None
) -> Agency | None:
    """The agency entered as issuer in the register: the profile's, else the
    body's standing agency on ``on``."""
    if profile is not None and profile.issuer_agency_id:
        return profile.issuer_agency
    return body_standing_agency(body=body, on=on)


def letter_tasks(*, letter: UrgingLetter) -> QuerySet[LetterTask]:
    return letter.links.select_related("task", "task__lead_agency").order_by("position")


def task_letters(*, task: Task) -> QuerySet[UrgingLetter]:
    """Generated letters that urged ``task``, newest first, with their files.

    For the task page: ``{% include "letters/task_letters.html" with
    letters=letters only %}``.
    """
    from dieuphoi.docs.models import Attachment

    return (
        UrgingLetter.objects.filter(links__task=task, status=UrgingLetter.Status.DONE)
        .select_related("document")
        .prefetch_related(
            Prefetch(
                "document__attachments",
                queryset=Attachment.objects.order_by("original_name"),
            )
        )
        .order_by("-on", "-id")
    )


def letters_of_body(*, body: Body, limit: int = 20) -> QuerySet[UrgingLetter]:
    """The body's latest letters for the letters page."""
    return (
        UrgingLetter.objects.filter(body=body)
        .select_related("agency", "document", "created_by")
        .annotate(task_count=Count("links"))
        .order_by("-created_at", "-id")[:limit]
    )


# --- the list of letters (letters:list) -----------------------------------------

LETTER_PAGE_SIZE = 50


@dataclass(frozen=True)
class LetterFilters:
    """Filters of the list; URL parameters use the same names. ``agency``:
    the letter's addressee (the agency chosen, or a lead agency of the tasks
    a selection letter urged); ``on_from``/``on_to``: the letter's date,
    inclusive; ``state``: an ``UrgingLetter.Status`` value."""

    agency: int | None = None
    on_from: datetime.date | None = None
    on_to: datetime.date | None = None
    state: str | None = None

    def to_params(self) -> dict[str, str]:
        params = {}
        for name in ("agency", "on_from", "on_to", "state"):
            value = getattr(self, name)
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                value = value.strftime("%d/%m/%Y")
            params[name] = str(value)
        return params


@dataclass
class LetterPage:
    items: list[UrgingLetter]
    next_cursor: str | None


def _letter_scope(user) -> Q | None:
    """``None``: every body (administrators, city leadership); else the
    bodies the user sees: a letter is an entry of its body's register."""
    from dieuphoi.org.permissions import visible_body_ids

    visible = visible_body_ids(user)
    if visible is None:
        return None
    return Q(body_id__in=sorted(visible))


def letter_queryset(*, user, filters: LetterFilters | None = None):
    """Letters ``user`` may see (``letters.view_letter``) matching ``filters``."""
    filters = filters or LetterFilters()
    qs = UrgingLetter.objects.all()
    scope = _letter_scope(user)
    if scope is not None:
        qs = qs.filter(scope)
    if filters.agency:
        urged = LetterTask.objects.filter(
            letter=OuterRef("pk"), task__lead_agency_id=filters.agency
        )
        qs = qs.filter(Q(agency_id=filters.agency) | Exists(urged))
    if filters.on_from:
        qs = qs.filter(on__gte=filters.on_from)
    if filters.on_to:
        qs = qs.filter(on__lte=filters.on_to)
    if filters.state:
        qs = qs.filter(status=filters.state)
    return qs


def encode_letter_cursor(letter: UrgingLetter) -> str:
    return f"{letter.on.isoformat()}.{letter.pk}"


def decode_letter_cursor(cursor: str) -> tuple[datetime.date, int]:
    """``(date, id)`` of the last row shown; ``ValueError`` when malformed."""
    day, _sep, pk = cursor.partition(".")
    return datetime.date.fromisoformat(day), params.parse_id(pk)


def letter_list(
    *,
    user,
    filters: LetterFilters | None = None,
    after: str | None = None,
    limit: int = LETTER_PAGE_SIZE,
) -> LetterPage:
    """One page of visible letters, newest date first (then newest id).

    Each letter has ``body``, ``agency``, ``created_by`` and ``document`` loaded,
    ``task_count`` (the tasks it urged; for one not generated yet, the
    tasks selected, or ``None`` when it urges an agency's overdue tasks),
    ``files`` (its DOCX and PDF attachments) and ``addressees`` (for a
    selection letter: the lead agencies of the tasks it urged). ``after``
    is the ``next_cursor`` of the page before (``ValueError`` when bad).
    Queries: the user's seats (once per request), the letters, their
    attachments, and the addressees of selection letters: the same for any
    page size.
    """
    from dieuphoi.docs.models import Attachment

    qs = letter_queryset(user=user, filters=filters)
    if after:
        on, pk = decode_letter_cursor(after)
        qs = qs.filter(Q(on__lt=on) | Q(on=on, pk__lt=pk))
    links = LetterTask.objects.filter(letter=OuterRef("pk"))
    rows = list(
        qs.select_related("agency", "created_by", "document", "body")
        .annotate(
            link_count=Subquery(
                links.order_by()
                .values("letter")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            )
        )
        .order_by("-on", "-id")[: limit + 1]
    )
    more = len(rows) > limit
    items = rows[:limit]
    prefetch_related_objects(
        [letter.document for letter in items if letter.document_id],
        Prefetch("attachments", queryset=Attachment.objects.order_by("original_name")),
    )
    selections = [
        letter.pk for letter in items if letter.agency_id is None and letter.link_count
    ]
    addressees: dict[int, list[str]] = {}
    if selections:
        for letter_id, name in (
            LetterTask.objects.filter(letter_id__in=selections)
            .values_list("letter_id", "task__lead_agency__name")
            .distinct()
            .order_by("letter_id", "task__lead_agency__name")
        ):
            addressees.setdefault(letter_id, []).append(name)
    for letter in items:
        letter.files = (
            list(letter.document.attachments.all()) if letter.document_id else []
        )
        if letter.status in (UrgingLetter.Status.DRAFTED, UrgingLetter.Status.DONE):
            letter.task_count = letter.link_count or 0
        else:
            # Not generated: the selection, or unknown until the job runs.
            letter.task_count = len(letter.task_ids) if letter.task_ids else None
        letter.addressees = addressees.get(letter.pk, [])
    next_cursor = encode_letter_cursor(items[-1]) if more else None
    return LetterPage(items=items, next_cursor=next_cursor)


def letter_agency_choices(*, user) -> list[Agency]:
    """Agencies the visible letters were addressed to, for the filter (one
    query)."""
    scoped = letter_queryset(user=user)
    return list(
        Agency.objects.filter(
            Q(pk__in=scoped.filter(agency__isnull=False).values("agency_id"))
            | Q(
                pk__in=LetterTask.objects.filter(letter__in=scoped).values(
                    "task__lead_agency_id"
                )
            )
        )
        .only("id", "name", "short_name")
        .order_by("name")
    )
