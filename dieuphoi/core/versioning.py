"""Optimistic locking of edited records (a ``version`` field): every service
that edits a versioned record (tasks, extension requests, matters,
proposals, key projects...) uses the same steps.

- ``check_version(current, version, message=None)``: ``Conflict`` (409 in
  the API, the conflict message on a page) when the row moved on since
  ``version`` was read; ``None`` skips the check. ``message`` replaces the
  general text; it may name ``%(yours)s`` and ``%(current)s`` (the versions).
- ``save_bumped(obj, fields)``: save ``fields`` and the version + 1 in one
  UPDATE, then read the new version back.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F
from django.utils.translation import gettext

from dieuphoi.api.errors import Conflict


def check_version(current, version: int | None, message=None) -> None:
    if version is not None and current.version != version:
        if message is None:
            text = gettext(
                "Someone changed this while you were working on it. Reload the "
                "page to see their changes."
            )
        else:
            text = str(message) % {"yours": version, "current": current.version}
        raise Conflict(text, current_version=current.version)


def save_bumped(obj, fields: Sequence[str]) -> None:
    obj.version = F("version") + 1
    obj.save(update_fields=[*fields, "version"])
    obj.refresh_from_db(fields=["version"])
