"""The pipeline board's columns, rendered once for everyone who sees the same
proposals (presentation: the view stays thin, the HTML is in the template).

- ``board_page(user, filters, on) -> BoardPage``: the columns of
  ``selectors.proposal_board`` with their links to the list, rendered
  (``proposals/_board_columns.html``) without the request, so nothing of one
  person reaches the shared entry; cached per visible scope, filters and
  date until a proposal, a round, a party or the registry changes
  (``cache.board_page``).
"""

from __future__ import annotations

import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from . import cache as proposal_cache
from . import selectors

COLUMNS_TEMPLATE = "proposals/_board_columns.html"


class BoardPage(NamedTuple):
    """The columns as HTML, and each state's count (in the workflow's order)."""

    html: SafeString
    counts: dict[str, int]


def board_page(*, user, filters, on: datetime.date) -> BoardPage:
    def render() -> BoardPage:
        columns = selectors.proposal_board(user=user, filters=filters, on=on)
        base = filters.to_params()
        list_url = reverse("proposals:list")
        for column in columns:
            column.url = f"{list_url}?{urlencode({**base, 'state': column.state})}"
        # render_to_string gives a SafeString: the template escaped every value.
        html = render_to_string(COLUMNS_TEMPLATE, {"columns": columns})
        return BoardPage(html, {c.state: c.count for c in columns})

    return proposal_cache.board_page(user, filters, on, render)
