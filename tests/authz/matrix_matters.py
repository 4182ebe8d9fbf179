"""The authorization matrix's rows for matters (see ``matrix.py``)."""

from __future__ import annotations

from .matrix import OK, A, E, Row  # noqa: F401

ROWS: list[Row] = []
BODIES: dict = {}
