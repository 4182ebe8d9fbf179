"""Endpoints that take JSON or multipart/form-data (with files) alike.

django-ninja validates a JSON body itself; an endpoint that also takes a
multipart form (to upload files with the same fields) reads the request
here and validates it with the same schema:

- ``request_payload(request, schema, *, lists=(), keep_empty=False)``: the
  validated ``schema``; bad input raises ``ValidationError`` keyed by field
  (the shared 422 answer, ``errors.install``).
- ``json_or_multipart(schema, *, required, files="files", many=True)``: the
  ``openapi_extra`` that documents both bodies.
- ``body_to_create_in(bodies, body_id)``: the coordination body a create
  request names (``body_id``) among those the caller manages, or the only
  one they manage when it names none.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


def schema_errors(exc: pydantic.ValidationError) -> ValidationError:
    """A schema's errors as a ``ValidationError`` keyed by field path."""
    return ValidationError(
        {
            ".".join(str(p) for p in err["loc"]) or "__all__": [err["msg"]]
            for err in exc.errors()
        }
    )


def request_payload(
    request,
    schema: type[pydantic.BaseModel],
    *,
    lists: tuple[str, ...] = (),
    keep_empty: bool = False,
):
    """``schema`` from a JSON object body, or from multipart form fields.

    Form fields named in ``lists`` are read as lists (``getlist``); other
    empty form fields are left out (the schema's default applies) unless
    ``keep_empty``. Raises ``ValidationError`` (422) on a body that is not a
    JSON object and on the schema's errors.
    """
    if request.content_type == "multipart/form-data":
        raw: Any = {
            k: v
            for k, v in request.POST.items()
            if k not in lists and (keep_empty or v != "")
        }
        for name in lists:
            raw[name] = request.POST.getlist(name)
    else:
        try:
            raw = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationError(
                {"__all__": [gettext("The body is not valid JSON.")]}
            ) from None
        if not isinstance(raw, dict):
            raise ValidationError({"__all__": [gettext("Send a JSON object.")]})
    try:
        return schema.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise schema_errors(exc) from None


def json_or_multipart(
    schema, *, required: list[str], files: str = "files", many: bool = True
) -> dict:
    """``openapi_extra`` for an endpoint taking ``schema`` as JSON or as a
    multipart form with the same fields and the upload field ``files`` (an
    array of files when ``many``, else one file)."""
    binary = {"type": "string", "format": "binary"}
    return {
        "requestBody": {
            "content": {
                "application/json": {"schema": schema.json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            **schema.json_schema()["properties"],
                            files: {"type": "array", "items": binary}
                            if many
                            else binary,
                        },
                        "required": required,
                    }
                },
            },
            "required": True,
        }
    }


def body_to_create_in(bodies, body_id):
    """The body a new record goes into: ``body_id`` if the caller manages it
    (``bodies``: the app's ``permissions.manager_bodies``), else their only
    managed body. 403 for a body not managed (or none at all), 422 on
    ``body_id`` for an unknown id or when the caller manages several."""
    from django.core.exceptions import PermissionDenied

    from dieuphoi.org.models import Body

    if body_id is None:
        if not bodies:
            raise PermissionDenied
        if len(bodies) != 1:
            raise ValidationError({"body_id": [gettext("Choose the body.")]})
        return bodies[0]
    body = Body.objects.filter(pk=body_id).first()
    if body is None:
        raise ValidationError({"body_id": [gettext("Unknown coordination body.")]})
    if body not in bodies:
        raise PermissionDenied
    return body


class IdLookup:
    """A payload's ids turned into rows for a service: ``one`` and ``many``
    put each row found under the service's argument name (``found``), or a
    field error under the payload's key (``errors``). A key left out is left
    out; ``None`` clears a single reference; ids are de-duplicated."""

    def __init__(self, data: dict):
        self.data = data
        self.found: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}

    def one(self, key: str, name: str, qs, message: str) -> None:
        if key not in self.data:
            return
        if self.data[key] is None:
            self.found[name] = None
            return
        self.found[name] = qs.filter(pk=self.data[key]).first()
        if self.found[name] is None:
            self.errors[key] = [message]

    def many(self, key: str, name: str, qs, message: str) -> None:
        if self.data.get(key) is None:
            return
        ids = list(dict.fromkeys(self.data[key]))
        objects = list(qs.filter(pk__in=ids))
        if len(objects) != len(ids):
            self.errors[key] = [message]
        self.found[name] = objects
