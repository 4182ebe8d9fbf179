"""The ``paperwork`` stamp (``dieuphoi.core.cache``): replaced by every write
of a paper and of a delivery (model signals), and by the queryset writes
where they are made (``services``' deliveries).

A paper's visibility reads its body, signer, number and deliveries
(``permissions.can_view_paper``); the notification centre keeps that
answer under this stamp.
"""

from __future__ import annotations

from dieuphoi.core import cache as stamps


def connect() -> None:
    """Bump on model writes (``PaperworkConfig.ready``)."""
    from .models import Paper, PaperDelivery

    stamps.bump_on_write(stamps.PAPERWORK, Paper, PaperDelivery)


def bump_paperwork() -> None:
    """For queryset writes of papers or deliveries (no signal)."""
    stamps.bump(stamps.PAPERWORK)
