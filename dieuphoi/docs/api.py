"""Documents register API, mounted at /api/v1/documents.

Rules as on the pages: lists show the registers of bodies the caller may
see; a document the caller may not see answers 404; creating needs
``docs.add_document`` on the body and changing ``docs.change_document``
(403). Bad input answers 422 with the field and the reason; a stale
``version`` answers 409.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from dieuphoi.api.errors import responses
from dieuphoi.core.params import ApiDate, ApiId, ApiVersion
from dieuphoi.org.models import Agency, Body

from . import selectors, services
from .models import Document, DocumentType
from .permissions import access_document

router = Router(tags=["documents"])

Direction = Literal["in", "out", "internal"]
KEY_PATTERN = r"^[-a-zA-Z0-9_]{1,30}$"
# Service field names -> the names the API uses for them.
API_FIELD_NAMES = {"body": "body_id", "issuer": "issuer_id"}


class DocumentTypeOut(Schema):
    key: str
    name: str
    abbreviation: str
    is_normative: bool


class DocumentRefOut(Schema):
    id: int
    name: str


class DocumentOut(Schema):
    id: int
    body: DocumentRefOut
    doc_type: DocumentTypeOut
    number: str
    symbol: str
    reference: str
    issuer: DocumentRefOut
    signer: str
    issued_on: datetime.date
    summary: str
    direction: Direction
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DocumentPageOut(Schema):
    items: list[DocumentOut]
    next_cursor: str | None


class DocumentIn(Schema):
    body_id: ApiId = Field(description="The body whose register the document joins.")
    doc_type: str = Field(
        pattern=KEY_PATTERN,
        description="Document type key, e.g. the key of Quyết định.",
    )
    number: str = Field(description='Digits only: "986", "06".')
    symbol: str = Field(
        "", description='"QĐ-TTg", "2025/QĐ-UBND"; may be empty for Công văn.'
    )
    issuer_id: ApiId = Field(description="Issuing agency; it must exist on issued_on.")
    signer: str = ""
    issued_on: ApiDate
    summary: str = Field(description="Trích yếu, at most 1000 characters.")
    direction: Direction = "in"


class DocumentPatch(Schema):
    version: ApiVersion = Field(
        description="The version you read; a newer one answers 409."
    )
    doc_type: str | None = Field(None, pattern=KEY_PATTERN)
    number: str | None = None
    symbol: str | None = None
    issuer_id: ApiId | None = None
    signer: str | None = None
    issued_on: ApiDate | None = None
    summary: str | None = None
    direction: Direction | None = None


class DocumentFilters(Schema):
    search: str = Field("", max_length=200)
    doc_type: str | None = Field(
        None, pattern=KEY_PATTERN, description="Document type key."
    )
    body_id: ApiId | None = None
    direction: Direction | None = None
    on: ApiDate | None = Field(None, description="Issued on this date.")
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    cursor: str | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=selectors.MAX_LIMIT)


def _out(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "body": {"id": document.body_id, "name": document.body.name},
        "doc_type": document.doc_type,
        "number": document.number,
        "symbol": document.symbol,
        "reference": document.reference,
        "issuer": {"id": document.issuer_id, "name": document.issuer.name},
        "signer": document.signer,
        "issued_on": document.issued_on,
        "summary": document.summary,
        "direction": document.direction,
        "version": document.version,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }


def _api_errors(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {
            API_FIELD_NAMES.get(field, field): messages
            for field, messages in exc.message_dict.items()
        }
    )


def _resolve(*, doc_type: str | None, issuer_id: int | None) -> tuple[dict, dict]:
    """``(objects, errors)`` for the ids and keys given."""
    found: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if doc_type is not None:
        found["doc_type"] = DocumentType.objects.filter(key=doc_type).first()
        if found["doc_type"] is None:
            errors["doc_type"] = [gettext("Unknown document type.")]
    if issuer_id is not None:
        found["issuer"] = Agency.objects.filter(pk=issuer_id).first()
        if found["issuer"] is None:
            errors["issuer_id"] = [gettext("Unknown agency.")]
    return found, errors


@router.get("", response=responses({200: DocumentPageOut}), summary="List documents")
def list_documents(request, filters: Query[DocumentFilters]):
    """Newest first (date of issue, then id); pass ``next_cursor`` back as ``cursor``."""
    doc_type = None
    if filters.doc_type:
        doc_type = DocumentType.objects.filter(key=filters.doc_type).first()
        if doc_type is None:
            raise ValidationError({"doc_type": [gettext("Unknown document type.")]})
    date_from, date_to = filters.date_from, filters.date_to
    if filters.on:
        date_from = max(filters.on, date_from) if date_from else filters.on
        date_to = min(filters.on, date_to) if date_to else filters.on
    try:
        page = selectors.document_list(
            user=request.user,
            search=filters.search,
            doc_type=doc_type,
            body=filters.body_id,
            direction=filters.direction,
            date_from=date_from,
            date_to=date_to,
            after=filters.cursor,
            limit=filters.limit,
        )
    except ValidationError as exc:
        raise ValidationError(
            {"cursor" if f == "after" else f: m for f, m in exc.message_dict.items()}
        ) from exc
    return {"items": [_out(d) for d in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{int:document_id}",
    response=responses({200: DocumentOut}),
    summary="Get a document",
)
def get_document(request, document_id: int):
    return _out(access_document(user=request.user, pk=document_id))


@router.post(
    "",
    response=responses({201: DocumentOut}, body=True),
    summary="Register a document",
)
def create_document(request, payload: DocumentIn):
    body = Body.objects.filter(pk=payload.body_id).first()
    found, errors = _resolve(doc_type=payload.doc_type, issuer_id=payload.issuer_id)
    if body is None:
        errors["body_id"] = [gettext("Unknown coordination body.")]
    if body is not None and not request.user.has_perm("docs.add_document", body):
        raise PermissionDenied
    if errors:
        raise ValidationError(errors)
    try:
        document = services.document_register(
            actor=request.user,
            body=body,
            doc_type=found["doc_type"],
            number=payload.number,
            symbol=payload.symbol,
            issuer=found["issuer"],
            signer=payload.signer,
            issued_on=payload.issued_on,
            summary=payload.summary,
            direction=payload.direction,
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return Status(201, _out(document))


@router.patch(
    "/{int:document_id}",
    response=responses({200: DocumentOut}, version=True, body=True),
    summary="Change a document",
)
def update_document(request, document_id: int, payload: DocumentPatch):
    """Send only the fields to change, with the ``version`` you read."""
    document = access_document(
        user=request.user, pk=document_id, perm="docs.change_document"
    )
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    nulls = {
        name: [gettext("This field cannot be null.")]
        for name, v in data.items()
        if v is None
    }
    if nulls:
        raise ValidationError(nulls)
    found, errors = _resolve(
        doc_type=data.pop("doc_type", None), issuer_id=data.pop("issuer_id", None)
    )
    if errors:
        raise ValidationError(errors)
    try:
        document = services.document_update(
            actor=request.user, document=document, version=version, **data, **found
        )
    except ValidationError as exc:
        raise _api_errors(exc) from exc
    return _out(document)
