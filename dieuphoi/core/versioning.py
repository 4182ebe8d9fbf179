"""Optimistic locking of edited records (a ``version`` field): the services
of proposals and key projects use the same two steps.

- ``check_version(current, version)``: ``Conflict`` (409 in the API, the
  conflict message on a page) when the row moved on since ``version`` was
  read; ``None`` skips the check.
- ``save_bumped(obj, fields)``: save ``fields`` and the version + 1 in one
  UPDATE, then read the new version back.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F
from django.utils.translation import gettext

from dieuphoi.api.errors import Conflict


def check_version(current, version: int | None) -> None:
    if version is not None and current.version != version:
        raise Conflict(
            gettext(
                "Someone changed this while you were working on it. Reload the "
                "page to see their changes."
            ),
            current_version=current.version,
        )


def save_bumped(obj, fields: Sequence[str]) -> None:
    obj.version = F("version") + 1
    obj.save(update_fields=[*fields, "version"])
    obj.refresh_from_db(fields=["version"])
