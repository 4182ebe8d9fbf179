"""Writes of a report's life (every one audited, in one transaction).

Public names: ``report_create``, ``report_update``, ``report_compile``,
``report_compile_request`` (the job with a progress bar), ``report_document``
(draft or refresh the Báo cáo through ``paperwork``), ``report_correct``, and
the paper hooks registered as producer ``reports`` (``register``).

``report_compile`` and ``report_document`` are what the job runs: they are
in ``compilation`` (re-exported here), and the checks they share with these
writes in ``checks``, so that the job never imports this module, which
enqueues it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record
from dieuphoi.core.versioning import save_bumped
from dieuphoi.jobs.progress import enqueue_with_progress
from dieuphoi.org.models import Body
from dieuphoi.paperwork.models import Paper
from dieuphoi.paperwork.producers import register_producer
from dieuphoi.paperwork.services import clean_text, paper_correct

from . import periods
from .checks import (
    ENDED,
    FROZEN,
    check_compilable,
    locked_report,
    refuse_frozen,
    require_manager,
)
from .compilation import PRODUCER, report_compile, report_document
from .jobs import report_compile_job
from .models import Report

__all__ = [
    "ACTION_LABELS",
    "CHANGE_LABELS",
    "ENDED",
    "FROZEN",
    "register",
    "report_compile",
    "report_compile_request",
    "report_correct",
    "report_create",
    "report_document",
    "report_update",
]

TEXT_LIMIT = 20_000

ACTION_LABELS = {
    "reports.create": _("Report created"),
    "reports.update": _("Report text changed"),
    "reports.compile": _("Report figures compiled"),
    "reports.document": _("Report document drafted"),
    "reports.state": _("Report state changed"),
    "reports.correct": _("Report correction started"),
}


# Names in the audit trail's changes that are not a field of the report.
CHANGE_LABELS = {
    "period": _("reporting period"),
    "as_of": _("figures as of"),
    "parties": _("parties asked"),
    "headings": _("headings asked for"),
    "sections": _("sections"),
    "late": _("submitted late"),
}


def _title(body: Body, period: periods.Period) -> str:
    """The subject under "BÁO CÁO" (Decree 30: the kind is the title, so the
    subject does not repeat it), in the site's language whoever creates it:
    "Kết quả hoạt động của Tổ điều phối … quý III năm 2026"."""
    with translation.override(settings.LANGUAGE_CODE):
        label = period.label
        return gettext("Results of the work of %(body)s, %(period)s") % {
            "body": body.name,
            "period": label[:1].lower() + label[1:],
        }


def _period_from(
    period_type: str,
    *,
    year: int | None,
    number: int | None,
    start: datetime.date | None,
    end: datetime.date | None,
    deadline: datetime.date | None,
) -> periods.Period:
    if period_type == periods.PeriodType.AD_HOC:
        missing = {
            name: [gettext("Enter the date.")]
            for name, value in (("start", start), ("end", end))
            if value is None
        }
        if missing:
            raise ValidationError(missing)
        return periods.ad_hoc(start, end, deadline)
    if year is None:
        raise ValidationError({"year": [gettext("Enter the year.")]})
    if period_type in (periods.PeriodType.ANNUAL, periods.PeriodType.NINE_MONTH):
        # One such period a year: a number left in the form means nothing.
        number = 1
    out = periods.period(period_type, year, number or 1)
    if deadline is not None:
        if deadline < out.end:
            raise ValidationError(
                {"deadline": [gettext("The deadline is before the end of the period.")]}
            )
        out = periods.Period(
            out.type, out.year, out.number, out.start, out.end, deadline
        )
    return out


def report_create(
    *,
    actor,
    body: Body,
    period_type: str,
    year: int | None = None,
    number: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    deadline: datetime.date | None = None,
    title: str = "",
) -> Report:
    """A new report of ``body`` for a period (one per body and period)."""
    require_manager(actor, body.pk)
    period = _period_from(
        period_type, year=year, number=number, start=start, end=end, deadline=deadline
    )
    title = clean_text(title, limit=300) or _title(body, period)
    with transaction.atomic():
        existing = (
            Report.objects.select_for_update()
            .filter(
                body=body, period_type=period.type, start=period.start, end=period.end
            )
            .exclude(state__in=ENDED)
            .first()
        )
        if existing is not None:
            raise ValidationError(
                {
                    "period": [
                        gettext("A report for this period exists already: %(title)s.")
                        % {"title": existing.title}
                    ]
                }
            )
        report = Report.objects.create(
            body=body,
            period_type=period.type,
            year=period.year,
            number=period.number,
            start=period.start,
            end=period.end,
            deadline=period.deadline,
            title=title,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="reports.create",
            target=report,
            changes={
                "period": {"before": None, "after": period.key},
                "deadline": {"before": None, "after": period.deadline.isoformat()},
            },
        )
    return report


def report_update(
    *,
    actor,
    report: Report,
    version: int | None,
    title: str | None = None,
    difficulties: str | None = None,
    recommendations: str | None = None,
) -> Report:
    """The report's own text (what the figures cannot say)."""
    require_manager(actor, report.body_id)
    values = {}
    if title is not None:
        values["title"] = clean_text(title, limit=300)
        if not values["title"]:
            raise ValidationError({"title": [gettext("Enter the title.")]})
    for name, value in (
        ("difficulties", difficulties),
        ("recommendations", recommendations),
    ):
        if value is not None:
            values[name] = clean_text(value, multiline=True, limit=TEXT_LIMIT)
    with transaction.atomic():
        fresh = locked_report(report, version)
        refuse_frozen(
            fresh,
            gettext(
                "The report is approved: its text changes only through a correction."
            ),
        )
        changes = {
            name: {"before": getattr(fresh, name), "after": value}
            for name, value in values.items()
            if getattr(fresh, name) != value
        }
        if changes:
            for name, value in values.items():
                setattr(fresh, name, value)
            save_bumped(fresh, list(values))
            audit_record(
                actor=actor, action="reports.update", target=fresh, changes=changes
            )
    return fresh


def report_compile_request(*, actor, report: Report):
    """Queue the compilation (it may take seconds on a year of data) and
    return its ``JobProgress`` for the page's progress bar."""
    require_manager(actor, report.body_id)
    check_compilable(report)
    return enqueue_with_progress(
        report_compile_job,
        owner=actor,
        label=gettext("Compiling %(title)s") % {"title": report.title},
        total=6,
        kwargs={"report_id": report.pk, "actor_id": actor.pk},
    )


def report_correct(*, actor, report: Report) -> Report:
    """A correction of an issued report: a new report (its figures kept, as
    they were approved) whose new draft replaces the old paper at issue."""
    require_manager(actor, report.body_id)
    with transaction.atomic():
        fresh = locked_report(report, None)
        if (
            fresh.state not in (Report.State.ISSUED, Report.State.SENT)
            or not fresh.paper_id
        ):
            raise ValidationError(
                {"state": [gettext("Only an issued report is corrected.")]}
            )
        if Report.objects.filter(replaces=fresh).exists():
            raise ValidationError(
                {
                    "state": [
                        gettext("A correction of this report is already under way.")
                    ]
                }
            )
        paper = paper_correct(actor=actor, paper=fresh.paper)
        correction = Report.objects.create(
            body=fresh.body,
            period_type=fresh.period_type,
            year=fresh.year,
            number=fresh.number,
            start=fresh.start,
            end=fresh.end,
            deadline=fresh.deadline,
            title=fresh.title,
            figures=fresh.figures,
            compiled_at=fresh.compiled_at,
            compiled_by=fresh.compiled_by,
            difficulties=fresh.difficulties,
            recommendations=fresh.recommendations,
            paper=paper,
            replaces=fresh,
            created_by=actor,
        )
        paper.producer = PRODUCER
        paper.source_type = ContentType.objects.get_for_model(Report)
        paper.source_id = correction.pk
        paper.save(update_fields=["producer", "source_type", "source_id"])
        audit_record(
            actor=actor,
            action="reports.correct",
            target=fresh,
            changes={"replaced_by": {"before": None, "after": correction.pk}},
        )
    return correction


# --- the paper's transitions move the report -----------------------------------

_NEXT = {
    "submit": Report.State.IN_REVIEW,
    "return": Report.State.DRAFT,
    "approve": Report.State.APPROVED,
    "withdraw": Report.State.DRAFT,
    "send": Report.State.SENT,
}


def _report_of(paper: Paper) -> Report | None:
    return Report.objects.select_for_update().filter(paper=paper).first()


def _check_transition(paper: Paper, action: str, actor) -> None:
    report = _report_of(paper)
    if report is None:
        return
    if action == "approve" and not report.figures:
        raise ValidationError(
            {"figures": [gettext("Compile the report's figures before approving it.")]}
        )


def _set_state(report: Report, state: str, actor, **extra) -> None:
    before = report.state
    report.state = state
    for name, value in extra.items():
        setattr(report, name, value)
    save_bumped(report, ["state", *extra])
    audit_record(
        actor=actor,
        action="reports.state",
        target=report,
        changes={"state": {"before": before, "after": state}},
    )


def _after_transition(paper: Paper, action: str, actor) -> None:
    report = _report_of(paper)
    if report is None or action not in _NEXT:
        return
    extra = {}
    if action == "approve":
        # Frozen with the data they came from: the figures stay as approved.
        extra["frozen_at"] = timezone.now()
    elif action == "withdraw":
        extra["paper"] = None
    _set_state(report, _NEXT[action], actor, **extra)


def _after_issue(paper: Paper, actor) -> None:
    report = _report_of(paper)
    if report is None:
        return
    _set_state(report, Report.State.ISSUED, actor)
    if report.replaces_id:
        old = Report.objects.select_for_update().get(pk=report.replaces_id)
        _set_state(old, Report.State.REPLACED, actor)


def register() -> None:
    register_producer(
        PRODUCER,
        label=_("Periodic report"),
        check_transition=_check_transition,
        after_transition=_after_transition,
        after_issue=_after_issue,
    )
