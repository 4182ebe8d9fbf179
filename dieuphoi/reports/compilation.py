"""Compiling a report and drafting its Báo cáo: what
``jobs.report_compile_job`` runs.

- ``report_compile(*, actor, report, progress=None) -> Report``: counts the
  figures from the system's data as of the cut-off, then drafts or
  refreshes the document while it is a draft.
- ``report_document(*, actor, report) -> Report``: drafts the Báo cáo
  through ``paperwork`` (or a new version of the draft).

This module imports neither ``services`` nor ``jobs``: ``services`` enqueues
the job (``report_compile_request``) and re-exports these names.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dieuphoi.audit.services import audit_record
from dieuphoi.core.models import local_today
from dieuphoi.core.versioning import save_bumped
from dieuphoi.org.selectors import body_leader
from dieuphoi.paperwork.models import Paper, PaperKind
from dieuphoi.paperwork.services import RecipientInput, paper_create, paper_update

from .checks import check_compilable, locked_report, refuse_frozen, require_manager
from .models import Report

# The documents engine's producer key of a report (its hooks: ``services``).
PRODUCER = "reports"
KIND_KEY = "bao-cao"


def report_compile(*, actor, report: Report, progress=None) -> Report:
    """Count the figures from the system's data as of the cut-off, then draft
    or refresh the document while it is a draft."""
    from .figures import compile_figures

    require_manager(actor, report.body_id)
    check_compilable(report)
    figures = compile_figures(report.body, report.period, progress=progress)
    with transaction.atomic():
        fresh = locked_report(report, None)
        check_compilable(fresh)
        before = fresh.compiled_at.isoformat() if fresh.compiled_at else None
        fresh.figures = figures
        fresh.compiled_at = timezone.now()
        fresh.compiled_by = actor
        save_bumped(fresh, ["figures", "compiled_at", "compiled_by"])
        audit_record(
            actor=actor,
            action="reports.compile",
            target=fresh,
            changes={
                "compiled_at": {
                    "before": before,
                    "after": fresh.compiled_at.isoformat(),
                },
                "as_of": {"before": None, "after": fresh.end.isoformat()},
            },
        )
        if fresh.paper_id is None or fresh.paper.state == Paper.State.DRAFT:
            fresh = report_document(actor=actor, report=fresh)
    return fresh


def _recipients() -> list[RecipientInput]:
    return [
        RecipientInput(text="Ủy ban nhân dân Thành phố Hà Nội"),
        RecipientInput(text="Chủ tịch Ủy ban nhân dân Thành phố"),
    ]


def report_document(*, actor, report: Report) -> Report:
    """Draft the Báo cáo from the figures, the submitted contributions and
    the report's text, or refresh the draft with a new version (the earlier
    versions are kept by the engine)."""
    from .document import report_content

    require_manager(actor, report.body_id)
    with transaction.atomic():
        fresh = locked_report(report, None)
        refuse_frozen(
            fresh,
            gettext(
                "The report is approved: its document changes only through a correction."
            ),
        )
        if fresh.figures is None:
            raise ValidationError(
                {
                    "figures": [
                        gettext("Compile the figures before drafting the document.")
                    ]
                }
            )
        blocks, annexes = report_content(fresh)
        paper = fresh.paper
        if paper is not None and paper.state not in (
            Paper.State.DRAFT,
            Paper.State.WITHDRAWN,
        ):
            raise ValidationError(
                {
                    "paper": [
                        gettext(
                            "The document is in review: it can be changed once it is "
                            "returned to draft."
                        )
                    ]
                }
            )
        if paper is not None and paper.state == Paper.State.DRAFT:
            paper_update(
                actor=actor,
                paper=paper,
                version=paper.version,
                subject=fresh.title,
                blocks=blocks,
                annexes=annexes,
                note=gettext("Compiled again from the data as of %(day)s")
                % {"day": fresh.end.strftime("%d/%m/%Y")},
            )
        else:
            kind = PaperKind.objects.filter(key=KIND_KEY).first()
            if kind is None:
                raise ValidationError(
                    {"kind": [gettext("The kind Báo cáo is not set up.")]}
                )
            paper = paper_create(
                actor=actor,
                body=fresh.body,
                kind=kind,
                subject=fresh.title,
                blocks=blocks,
                annexes=annexes,
                recipients=_recipients(),
                authority=Paper.Authority.TM,
                signer=body_leader(fresh.body_id, local_today()),
                producer=PRODUCER,
                source=fresh,
            )
            fresh.paper = paper
            fresh.state = Report.State.DRAFT
            save_bumped(fresh, ["paper", "state"])
        audit_record(
            actor=actor,
            action="reports.document",
            target=fresh,
            changes={"paper": {"before": None, "after": paper.pk}},
        )
    return fresh
