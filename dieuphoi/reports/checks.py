"""The checks every write of a report makes: who may write it, which states
freeze it, and the optimistic lock (``services`` and ``compilation``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from dieuphoi.core.versioning import check_version
from dieuphoi.org.permissions import can_manage_body

from .models import Report

# Reports that no longer count for their period (a new one may be made).
ENDED = (Report.State.WITHDRAWN, Report.State.REPLACED)
FROZEN = (Report.State.APPROVED, Report.State.ISSUED, Report.State.SENT)


def require_manager(actor, body_id: int) -> None:
    if not can_manage_body(actor, body_id):
        raise PermissionDenied(
            gettext("Only the body's leaders and secretariat prepare its reports.")
        )


def refuse_frozen(report: Report, message: str) -> None:
    if report.state in FROZEN or report.state in ENDED:
        raise ValidationError({"state": [message]})


def locked_report(report: Report, version: int | None) -> Report:
    fresh = Report.objects.select_for_update().get(pk=report.pk)
    check_version(fresh, version)
    return fresh


def check_compilable(report: Report) -> None:
    refuse_frozen(
        report,
        gettext(
            "The report is approved: its figures are frozen and are not compiled again."
        ),
    )
