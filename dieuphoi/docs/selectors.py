"""Reads of the documents register, scoped by what the user may see."""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext

from dieuphoi.core import params
from dieuphoi.core.models import local_today
from dieuphoi.org.models import Body
from dieuphoi.org.permissions import can_manage_body, visible_body_ids

from .models import Attachment, Document, DocumentType, fold
from .permissions import document_queryset

MAX_LIMIT = 200
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class DocumentPage:
    items: list[Document] = field(default_factory=list)
    next_cursor: str | None = None


def encode_cursor(document: Document) -> str:
    """Opaque keyset position after ``document`` in (-issued_on, -id) order."""
    raw = f"{document.issued_on.isoformat()}:{document.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.date, int]:
    """Raises ``ValidationError`` on "after" for anything not made by ``encode_cursor``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        day, pk = raw.split(":", 1)
        return datetime.date.fromisoformat(day), params.parse_id(pk)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise ValidationError(
            {"after": [gettext("This page link is not valid.")]}
        ) from exc


def _id(value: models.Model | int | str | None) -> int | str | None:
    return value.pk if isinstance(value, models.Model) else value


def document_list(
    *,
    user,
    search: str = "",
    doc_type: DocumentType | int | None = None,
    body: Body | int | None = None,
    direction: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    after: str | None = None,
    limit: int = 50,
) -> DocumentPage:
    """Documents of the bodies ``user`` may see, newest first, one page.

    ``search`` matches number, symbol, the "number/symbol" reference, summary
    and signer, ignoring case on SQLite and PostgreSQL alike; typed without
    diacritics it also matches text with them ("dau tu" finds "Đầu tư").
    ``after`` is the ``next_cursor`` of the previous page. One query, whatever
    the page size (plus the user's roles, once per request).
    """
    visible = visible_body_ids(user)
    qs = document_queryset()
    if visible is not None:
        if not visible:
            return DocumentPage()
        qs = qs.filter(body_id__in=visible)
    if body:
        qs = qs.filter(body_id=_id(body))
    if doc_type:
        qs = qs.filter(doc_type_id=_id(doc_type))
    if direction:
        qs = qs.filter(direction=direction)
    if date_from:
        qs = qs.filter(issued_on__gte=date_from)
    if date_to:
        qs = qs.filter(issued_on__lte=date_to)
    # NUL cannot reach PostgreSQL; no control character is ever searched for.
    needle = fold(_CONTROL_RE.sub("", search or ""))
    if needle:
        qs = qs.filter(search_text__contains=needle)
    if after:
        day, pk = decode_cursor(after)
        qs = qs.filter(Q(issued_on__lt=day) | Q(issued_on=day, pk__lt=pk))
    limit = max(1, min(int(limit), MAX_LIMIT))
    rows = list(qs.order_by("-issued_on", "-id")[: limit + 1])
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return DocumentPage(items=items, next_cursor=next_cursor)


def document_get(*, user, pk: int) -> Document | None:
    """The document if ``user`` may see it, else ``None``."""
    document = document_queryset().filter(pk=pk).first()
    if document is None or not user.has_perm("docs.view_document", document):
        return None
    return document


def attachment_list(*, target: models.Model) -> list[Attachment]:
    """Files attached to ``target``, newest first. Callers check the target."""
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return list(
        Attachment.objects.filter(target_type=ct, target_id=target.pk)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def document_type_choices() -> list[DocumentType]:
    return list(DocumentType.objects.order_by("name"))


def register_bodies(*, user, manage: bool = False) -> list[Body]:
    """Bodies whose register ``user`` may see (or, with ``manage``, add to).

    Adding is for bodies that exist today; past bodies' registers stay
    readable.
    """
    visible = visible_body_ids(user)
    qs = Body.objects.order_by("kind", "name")
    if visible is not None:
        qs = qs.filter(pk__in=visible)
    bodies = list(qs)
    return manageable_bodies(user=user, bodies=bodies) if manage else bodies


def manageable_bodies(*, user, bodies: list[Body]) -> list[Body]:
    today = local_today()
    return [b for b in bodies if b.is_valid_on(today) and can_manage_body(user, b.pk)]
