"""The ``reports`` stamp (``dieuphoi.core.cache``): replaced by every write
of a report, a contribution request and a contribution (model signals), and
by the queryset writes where they are made (``contributions``' parties).

A contribution's visibility reads its report's body and its party
(``permissions.can_view_contribution``); the notification centre keeps
that answer under this stamp and ``seats`` (who acts for the party).
"""

from __future__ import annotations

from dieuphoi.core import cache as stamps


def connect() -> None:
    """Bump on model writes (``ReportsConfig.ready``)."""
    from .models import Contribution, ContributionRequest, Report

    stamps.bump_on_write(stamps.REPORTS, Report, ContributionRequest, Contribution)


def bump_reports() -> None:
    """For queryset writes of reports' data (no signal)."""
    stamps.bump(stamps.REPORTS)
