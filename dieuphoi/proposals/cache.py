"""What the proposal pages cache, and what invalidates it (``dieuphoi.core.cache``).

- Stamp ``proposals``: replaced on every write of a proposal, its provinces
  and sectors, a consultation round and a round's party (``connect``: model
  signals, whatever the caller), and by the queryset writes that send no
  signal where they are made (``services.round_create``'s parties,
  ``services.round_close``'s silent answers, ``urging``'s counts).
- ``board_page(user, filters, on, render)``: the pipeline board's columns
  rendered (``board.board_page``), per visible scope (the bodies whose
  proposals the user sees), filters and date (answers overdue), under the
  ``proposals`` stamp and the ``registry`` one (the lead agencies' names).
  ``PROPOSAL_BOARD_CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from dieuphoi.core import cache as stamps
from dieuphoi.org import permissions as org_perms

BOARD_STAMPS = (stamps.PROPOSALS, stamps.REGISTRY)


def connect() -> None:
    """Bump the stamp on model writes (``ProposalsConfig.ready``)."""
    from .models import ConsultationRound, Proposal, RoundParty

    stamps.bump_on_write(
        stamps.PROPOSALS,
        Proposal,
        Proposal.provinces.through,
        Proposal.sectors.through,
        ConsultationRound,
        RoundParty,
    )


def bump_proposals() -> None:
    """For queryset writes of proposal data (no signal)."""
    stamps.bump(stamps.PROPOSALS)


def scope_key(user) -> str:
    """What ``selectors._visible`` depends on: the visible bodies."""
    visible = org_perms.visible_body_ids(user)
    return "all" if visible is None else repr(sorted(visible))


def board_page(user, filters, on: datetime.date, render):
    """``render()`` (the board's columns rendered)."""
    return stamps.rendered(
        "proposals:board",
        (scope_key(user), tuple(sorted(filters.to_params().items())), on.isoformat()),
        render,
        stamps=BOARD_STAMPS,
        seconds=int(getattr(settings, "PROPOSAL_BOARD_CACHE_SECONDS", 0)),
    )
