"""Contribution requests and contributions: writes and the completeness reads.

Writes (one transaction each, audited, ``ValidationError`` keyed by field
with nothing written, ``PermissionDenied`` for an actor not allowed):

- ``contributions_request(*, actor, report, agencies=(), party_bodies=(),
  deadline, headings=None, message="", on=None) -> ContributionRequest``:
  by a manager of the report's body (``permissions.can_manage_report``)
  while the report is open (``OPEN_STATES``: being prepared or in review).
  At least one party; each valid on ``on`` (today): an agency that exists
  that day, or another coordination team (never the report's own body); a
  party already asked for the same report is refused (a report expects
  one section per party). The deadline is not before ``on`` and not after
  the report's own submission deadline (the sections go into the report);
  when the report is already past its deadline, at most
  ``LATE_REPORT_WORKING_DAYS`` working days after ``on``. ``headings``
  left out: the active ``SectionTemplate`` of the report's period type,
  else the active template for every type (blank type), else
  ``sections.blank_headings()``. One ``Contribution`` per party; whoever acts
  for each party (``tasks.notices.PartySeats``) is told
  (``report_contribution_requested``).
- ``contribution_save(*, actor, contribution, version, sections)``: a draft,
  by whoever acts for the party (``permissions.acts_for``); the texts given
  replace those headings' texts, the others are kept.
- ``contribution_submit(*, actor, contribution, version=None,
  sections=None, files=(), on=None)``: once; every required heading
  written (errors keyed by the heading key); late when ``on`` is after the
  request's deadline; files stored as the contribution's attachments in
  the same transaction; the body's secretariat is told
  (``report_contribution_submitted``).

Nothing is accepted once the report is approved (or issued, sent,
replaced) or withdrawn.

Reads (DHIS2's completeness: expected, submitted, submitted on time):

- ``contribution_stats(report) -> ContributionStats``: per request and for
  the report, with each party's row (one query).
- ``contribution_stats_by_party(body, start, end) -> list[PartyCompleteness]``:
  per party over the contributions asked for ``body``'s reports whose
  cut-off falls in ``start`` → ``end`` (a scorecard's period), withdrawn
  reports left out (one query).
- ``my_contributions(user, *, limit) -> list[Contribution]``: those the user
  acts for, open first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Max, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.core.versioning import check_version, save_bumped
from dieuphoi.docs.services import attachment_add
from dieuphoi.org.models import Agency, Body, Membership
from dieuphoi.paperwork import content as c
from dieuphoi.paperwork.services import clean_text
from dieuphoi.tasks.rates import format_percent, percent
from dieuphoi.workdays import calendar

from . import cache as reports_cache
from . import contribution_notices
from . import sections as section_text
from .models import Contribution, ContributionRequest, Report, SectionTemplate
from .permissions import acts_for, can_manage_report

OPEN_STATES = (Report.State.DRAFT, Report.State.IN_REVIEW)
MAX_PARTIES = 200
MAX_FILES = 10
MESSAGE_MAX = 5000
# A report already past its own deadline may still ask, for this long.
LATE_REPORT_WORKING_DAYS = 10

ACTION_LABELS = {
    "reports.contributions_request": _("Asked for contributions"),
    "reports.contribution_save": _("Saved a contribution draft"),
    "reports.contribution_submit": _("Submitted a contribution"),
}


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def report_is_open(report: Report) -> bool:
    return report.state in OPEN_STATES


def _closed_message(report: Report) -> str:
    if report.state == Report.State.WITHDRAWN:
        return gettext("The report was withdrawn: it takes no contributions.")
    return gettext("The report is %(state)s: contributions are no longer accepted.") % {
        "state": str(report.get_state_display()).lower()
    }


# --- headings -------------------------------------------------------------------------


def default_headings(report: Report) -> list[dict]:
    """The headings a request of ``report`` asks for when none are given."""
    template = (
        SectionTemplate.objects.filter(active=True, period_type=report.period_type)
        .order_by("name", "id")
        .first()
        or SectionTemplate.objects.filter(active=True, period_type="")
        .order_by("name", "id")
        .first()
    )
    if template is not None:
        try:
            return section_text.clean_headings(template.headings)
        except ValidationError:
            pass
    return section_text.blank_headings()


# --- the request ----------------------------------------------------------------------


def _party_errors(
    report: Report,
    agencies: Sequence[Agency],
    bodies: Sequence[Body],
    on: datetime.date,
) -> list[str]:
    errors: list[str] = []
    if not agencies and not bodies:
        return [gettext("Choose at least one agency or team to ask.")]
    if len(agencies) + len(bodies) > MAX_PARTIES:
        errors.append(
            gettext("At most %(n)d parties in one request.") % {"n": MAX_PARTIES}
        )
    seen: set[tuple[str, int]] = set()
    for party in [*agencies, *bodies]:
        key = ("body" if isinstance(party, Body) else "agency", party.pk)
        if key in seen:
            errors.append(gettext("%(party)s is chosen twice.") % {"party": party})
            continue
        seen.add(key)
        if isinstance(party, Body):
            if party.pk == report.body_id:
                errors.append(gettext("The team cannot ask itself for a section."))
                continue
            if party.kind != Body.Kind.TEAM:
                errors.append(
                    gettext("%(party)s is not another province's coordination team.")
                    % {"party": party}
                )
                continue
        if not party.is_valid_on(on):
            errors.append(
                gettext("%(party)s did not exist on %(date)s.")
                % {"party": party, "date": c.dmy(on)}
            )
    asked = set(
        Contribution.objects.filter(request__report=report)
        .filter(
            Q(agency__in=[a.pk for a in agencies])
            | Q(party_body__in=[b.pk for b in bodies])
        )
        .values_list("name", flat=True)
    )
    for name in sorted(asked):
        errors.append(
            gettext("%(party)s was already asked for this report.") % {"party": name}
        )
    return errors


def _deadline_errors(
    report: Report, deadline, on: datetime.date
) -> tuple[list[str], datetime.date | None]:
    if not isinstance(deadline, datetime.date) or isinstance(
        deadline, datetime.datetime
    ):
        return [gettext("Give the deadline.")], None
    if deadline < on:
        return [gettext("The deadline cannot be in the past.")], None
    latest = report.deadline
    if latest < on:
        latest = calendar.add_working_days(on, LATE_REPORT_WORKING_DAYS)
    if deadline > latest:
        return [
            gettext(
                "The deadline is after %(date)s: the sections must come in before "
                "the report is due."
            )
            % {"date": c.dmy(latest)}
        ], None
    return [], deadline


def contributions_request(
    *,
    actor,
    report: Report,
    agencies: Iterable[Agency] = (),
    party_bodies: Iterable[Body] = (),
    deadline: datetime.date,
    headings: list | None = None,
    message: str = "",
    on: datetime.date | None = None,
) -> ContributionRequest:
    """Ask ``agencies`` and ``party_bodies`` for their sections of
    ``report`` by ``deadline`` (see the module's docstring)."""
    if not can_manage_report(actor, report):
        raise PermissionDenied
    on = on or local_today()
    agencies = list(agencies)
    bodies = list(party_bodies)
    errors: dict[str, list[str]] = {}
    if not report_is_open(report):
        errors["state"] = [_closed_message(report)]
    party_errors = _party_errors(report, agencies, bodies, on)
    if party_errors:
        errors["parties"] = party_errors
    deadline_errors, deadline = _deadline_errors(report, deadline, on)
    if deadline_errors:
        errors["deadline"] = deadline_errors
    message = clean_text(message, multiline=True, limit=MESSAGE_MAX)
    if len(message) > MESSAGE_MAX:
        errors["message"] = [
            gettext("The message is longer than %(n)d characters.") % {"n": MESSAGE_MAX}
        ]
    if headings is None:
        cleaned_headings = default_headings(report)
    else:
        try:
            cleaned_headings = section_text.clean_headings(headings)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            cleaned_headings = []
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not report_is_open(locked):
            raise ValidationError({"state": [_closed_message(locked)]})
        request = ContributionRequest.objects.create(
            report=locked,
            headings=cleaned_headings,
            deadline=deadline,
            message=message,
            created_by=_actor(actor),
        )
        Contribution.objects.bulk_create(
            [
                Contribution(
                    request=request,
                    agency=p if isinstance(p, Agency) else None,
                    party_body=p if isinstance(p, Body) else None,
                    name=p.name[:300],
                )
                for p in [*agencies, *bodies]
            ]
        )
        reports_cache.bump_reports()  # bulk_create sends no signal
        audit_record(
            actor=actor,
            action="reports.contributions_request",
            target=locked,
            changes={
                "parties": {
                    "before": None,
                    "after": [p.name for p in [*agencies, *bodies]],
                },
                "deadline": {"before": None, "after": deadline},
                "headings": {
                    "before": None,
                    "after": [h["title"] for h in cleaned_headings],
                },
            },
        )
        contribution_notices.contributions_requested(
            request=request, actor=actor, on=on
        )
    return request


# --- a contribution --------------------------------------------------------------------


def _check_acts_for(actor, contribution: Contribution) -> None:
    if not acts_for(actor, contribution):
        raise PermissionDenied


def _lock(contribution: Contribution) -> Contribution:
    return (
        Contribution.objects.select_for_update()
        .select_related("request__report")
        .get(pk=contribution.pk)
    )


def _open_errors(locked: Contribution) -> dict[str, list[str]]:
    report = locked.request.report
    if not report_is_open(report):
        return {"state": [_closed_message(report)]}
    if locked.state == Contribution.State.SUBMITTED:
        return {
            "state": [
                gettext("This contribution was already submitted on %(date)s.")
                % {"date": c.dmy(locked.submitted_on)}
            ]
        }
    return {}


def _merge(locked: Contribution, sections) -> tuple[dict, list[str]]:
    cleaned = section_text.clean_sections(locked.request.headings, sections)
    merged = {**(locked.sections or {}), **cleaned}
    changed = sorted(
        k for k, v in cleaned.items() if (locked.sections or {}).get(k, "") != v
    )
    return merged, changed


def contribution_save(
    *, actor, contribution: Contribution, version: int | None, sections
) -> Contribution:
    """Save the texts of ``sections`` (``{heading key: text}``) as a draft."""
    _check_acts_for(actor, contribution)
    with transaction.atomic():
        locked = _lock(contribution)
        errors = _open_errors(locked)
        if errors:
            raise ValidationError(errors)
        check_version(locked, version)
        merged, changed = _merge(locked, sections)
        before = locked.state
        locked.sections = merged
        locked.state = Contribution.State.DRAFT
        locked.saved_at = timezone.now()
        save_bumped(locked, ["sections", "state", "saved_at"])
        audit_record(
            actor=actor,
            action="reports.contribution_save",
            target=locked,
            changes={
                "state": {"before": before, "after": locked.state},
                "sections": {"before": None, "after": changed},
            },
        )
    return locked


def contribution_submit(
    *,
    actor,
    contribution: Contribution,
    version: int | None = None,
    sections=None,
    files: Iterable = (),
    on: datetime.date | None = None,
) -> Contribution:
    """Submit the contribution, once (with ``sections`` saved first when
    given, and ``files`` attached)."""
    _check_acts_for(actor, contribution)
    on = on or local_today()
    files = list(files)
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": [gettext("At most %(n)d files at once.") % {"n": MAX_FILES}]}
        )
    with transaction.atomic():
        locked = _lock(contribution)
        errors = _open_errors(locked)
        if errors:
            raise ValidationError(errors)
        check_version(locked, version)
        changed: list[str] = []
        if sections is not None:
            merged, changed = _merge(locked, sections)
            locked.sections = merged
        missing = section_text.missing_required(
            locked.request.headings, locked.sections
        )
        if missing:
            raise ValidationError(
                {
                    key: [gettext("This heading is required: write it.")]
                    for key in missing
                }
            )
        before = locked.state
        now = timezone.now()
        locked.state = Contribution.State.SUBMITTED
        locked.saved_at = now
        locked.submitted_at = now
        locked.submitted_on = on
        locked.submitted_by = _actor(actor)
        locked.late = on > locked.request.deadline
        save_bumped(
            locked,
            [
                "sections",
                "state",
                "saved_at",
                "submitted_at",
                "submitted_on",
                "submitted_by",
                "late",
            ],
        )
        for uploaded in files:
            attachment_add(actor=actor, target=locked, uploaded_file=uploaded)
        audit_record(
            actor=actor,
            action="reports.contribution_submit",
            target=locked,
            changes={
                "state": {"before": before, "after": locked.state},
                "sections": {"before": None, "after": changed},
                "late": {"before": None, "after": locked.late},
                "files": {"before": None, "after": [f.name for f in files]},
            },
        )
        contribution_notices.contribution_submitted(
            contribution=locked, actor=actor, on=on
        )
    return locked


def can_edit(user, contribution: Contribution) -> bool:
    """Whether ``user`` may save or submit ``contribution`` now."""
    return (
        contribution.state != Contribution.State.SUBMITTED
        and report_is_open(contribution.request.report)
        and acts_for(user, contribution)
    )


# --- completeness ---------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """DHIS2's reporting rates: of ``expected`` sections, ``submitted`` and
    ``on_time`` (submitted by the deadline)."""

    expected: int = 0
    submitted: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.submitted - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def submitted_rate(self) -> Decimal | None:
        return percent(self.submitted, self.expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.expected)

    @property
    def line(self) -> str:
        """``Đã nộp 3/4 (75,00%), đúng hạn 2/4 (50,00%)``."""
        return gettext(
            "Submitted %(submitted)d/%(expected)d (%(submitted_rate)s), on time "
            "%(on_time)d/%(expected)d (%(on_time_rate)s)"
        ) % {
            "submitted": self.submitted,
            "on_time": self.on_time,
            "expected": self.expected,
            "submitted_rate": format_percent(self.submitted_rate),
            "on_time_rate": format_percent(self.on_time_rate),
        }

    def as_dict(self) -> dict:
        return {
            "expected": self.expected,
            "submitted": self.submitted,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
            "submitted_rate": self.submitted_rate,
            "on_time_rate": self.on_time_rate,
        }

    def __add__(self, other: Completeness) -> Completeness:
        return Completeness(
            self.expected + other.expected,
            self.submitted + other.submitted,
            self.on_time + other.on_time,
        )


def _completeness(contributions: Iterable[Contribution]) -> Completeness:
    expected = submitted = on_time = 0
    for item in contributions:
        expected += 1
        if item.state == Contribution.State.SUBMITTED:
            submitted += 1
            on_time += not item.late
    return Completeness(expected, submitted, on_time)


@dataclass
class RequestStats:
    request: ContributionRequest
    contributions: list[Contribution]
    completeness: Completeness


@dataclass
class ContributionStats:
    report: Report
    requests: list[RequestStats] = field(default_factory=list)
    completeness: Completeness = field(default_factory=Completeness)

    @property
    def contributions(self) -> list[Contribution]:
        return [item for r in self.requests for item in r.contributions]


def contribution_stats(
    report: Report, *, on: datetime.date | None = None
) -> ContributionStats:
    """Every request of ``report`` with its parties' rows and completeness
    (one query). Each row gets ``overdue``: not submitted and the deadline
    passed on ``on`` (today)."""
    on = on or local_today()
    rows = list(
        Contribution.objects.filter(request__report=report)
        .select_related("request", "agency", "party_body")
        .order_by("request__created_at", "request_id", "name", "id")
    )
    by_request: dict[int, RequestStats] = {}
    for item in rows:
        item.request.report = report
        item.overdue = (
            item.state != Contribution.State.SUBMITTED and on > item.request.deadline
        )
        stats = by_request.get(item.request_id)
        if stats is None:
            stats = by_request[item.request_id] = RequestStats(
                item.request, [], Completeness()
            )
        stats.contributions.append(item)
    for stats in by_request.values():
        stats.completeness = _completeness(stats.contributions)
    return ContributionStats(
        report=report,
        requests=list(by_request.values()),
        completeness=_completeness(rows),
    )


@dataclass(frozen=True)
class PartyCompleteness:
    agency_id: int | None
    party_body_id: int | None
    name: str
    completeness: Completeness
    urge_count: int = 0


def contribution_stats_by_party(
    body, start: datetime.date, end: datetime.date
) -> list[PartyCompleteness]:
    """Completeness per party of the contributions asked for ``body``'s
    reports whose cut-off is in ``start`` → ``end`` (withdrawn reports
    left out), best on-time rate first, then by name."""
    body_id = getattr(body, "pk", body)
    submitted = Q(state=Contribution.State.SUBMITTED)
    rows = (
        Contribution.objects.filter(
            request__report__body_id=body_id,
            request__report__end__gte=start,
            request__report__end__lte=end,
        )
        .exclude(request__report__state=Report.State.WITHDRAWN)
        .order_by()
        .values("agency_id", "party_body_id")
        .annotate(
            expected=Count("id"),
            submitted=Count("id", filter=submitted),
            on_time=Count("id", filter=submitted & Q(late=False)),
            urgings=Sum("urge_count"),
            last_name=Max("name"),
        )
    )
    out = [
        PartyCompleteness(
            agency_id=row["agency_id"],
            party_body_id=row["party_body_id"],
            name=row["last_name"],
            completeness=Completeness(
                row["expected"], row["submitted"], row["on_time"]
            ),
            urge_count=row["urgings"] or 0,
        )
        for row in rows
    ]
    out.sort(
        key=lambda p: (
            -(p.completeness.on_time_rate or 0),
            -(p.completeness.submitted_rate or 0),
            p.name,
        )
    )
    return out


# --- the contributions a person fills --------------------------------------------------


def my_contributions(user, *, limit: int = 200) -> list[Contribution]:
    """The contributions ``user`` acts for (``PartySeats``): open ones first
    (nearest deadline first), then the submitted ones, newest first.

    Three queries whatever the number: the user's seats, the candidates
    (their agencies' and teams' contributions), the seats that decide."""
    from dieuphoi.tasks.notices import PartySeats

    if not getattr(user, "is_authenticated", False):
        return []
    today = local_today()
    seats = list(
        Membership.objects.as_of(today)
        .filter(person=user, person__is_active=True)
        .values_list("body_id", "agency_id")
    )
    if not seats:
        return []
    agencies = sorted({a for _b, a in seats if a})
    teams = sorted({b for b, _a in seats})
    candidates = list(
        Contribution.objects.filter(Q(agency__in=agencies) | Q(party_body__in=teams))
        .select_related("request__report__body", "agency", "party_body")
        .annotate(
            closed=Case(
                When(state=Contribution.State.SUBMITTED, then=Value(1)),
                When(~Q(request__report__state__in=OPEN_STATES), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "request__deadline", "-id")[: limit * 2]
    )
    if not candidates:
        return []
    party_seats = PartySeats.load(
        today,
        bodies={item.request.report.body_id for item in candidates},
        party_bodies=[item.party_body_id for item in candidates if item.party_body_id],
        party_agencies=[item.agency_id for item in candidates if item.agency_id],
    )
    mine = [
        item
        for item in candidates
        if user.pk
        in party_seats.party(
            item.request.report.body_id, item.agency_id, item.party_body_id
        )
    ]
    open_items = [item for item in mine if not item.closed]
    done = sorted(
        (item for item in mine if item.closed),
        key=lambda item: item.submitted_at or item.request.created_at,
        reverse=True,
    )
    for item in mine:
        item.overdue = (
            item.state != Contribution.State.SUBMITTED
            and report_is_open(item.request.report)
            and today > item.request.deadline
        )
    return (open_items + done)[:limit]


def record_urgings(counts: dict[int, int]) -> None:
    """Store the ladder's urging counts (``urging.py``)."""
    if not counts:
        return
    Contribution.objects.filter(pk__in=counts).update(
        urge_count=Case(
            *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
            output_field=IntegerField(),
        )
    )
