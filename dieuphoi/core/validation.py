"""Small pieces every app's services use to check and tidy their input.

Public names:

- ``raise_field_errors(errors)``: raise ``ValidationError(errors)`` when
  ``errors`` (``{field: [message, ...]}``) holds any; a service gathers every
  field's messages first and raises them together (the form puts each at its
  field: ``core.forms.add_service_errors``).
- ``clean_line(value)``: one line of text, runs of white space (newlines
  included) made one space, trimmed; ``None`` is ``""``.
- ``clean_multiline(value)``: text kept on its lines, each line's trailing
  white space and the blank lines around the text removed; ``None`` is ``""``.

Optimistic locking (``version``) is in ``core.versioning``; parsing of query
parameters in ``core.params``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError


def raise_field_errors(errors: Mapping[str, Sequence[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def clean_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def clean_multiline(value: Any) -> str:
    return "\n".join(line.rstrip() for line in str(value or "").strip().splitlines())
