"""Input validated at the edge, once, for the pages and the API alike.

Every id, date or free text read from a URL or a request body goes through
these parsers, so that no input gives a server error:

- ``parse_id(value)``: a positive id that fits a 64-bit integer, in ASCII
  digits only (``str.isdigit()`` accepts "³" and "٣", which ``int()`` then
  refuses or reads, and an id beyond 64 bits overflows SQLite).
- ``parse_ids(values)``: several ids.
- ``parse_date(value)``: ``YYYY-MM-DD`` or ``dd/mm/yyyy``, ASCII digits, a
  year in ``MIN_YEAR..MAX_YEAR`` (``9999-12-31`` overflows the day after it
  in the calendar; "0" is not a date, not 01/01/1970).
- ``clean_text(value)``: the text, refusing NUL (PostgreSQL refuses it,
  SQLite stores it and the export then fails) and lone surrogates (they
  cannot be encoded to store them).

All raise ``ValueError``; ``*_or_none`` variants answer ``None`` instead.
For the API the same rules are pydantic types for the input schemas:
``ApiDate`` (YYYY-MM-DD only, in range: pydantic alone reads "0" as
01/01/1970), ``ApiId`` and ``ApiVersion`` (a 422 on the field).

``BadInputMiddleware`` refuses, before any view runs, a request whose query
string, form fields or JSON body hold a NUL or a lone surrogate: 400 for a
page, the API's 422 error (``{"code": "invalid", ...}``) under ``/api/``.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext
from pydantic import BeforeValidator, Field

MAX_ID = 2**63 - 1  # bigint; larger ids are a bad value, not a database error
MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_DATE = datetime.date(MAX_YEAR, 12, 31)
MIN_DATE = datetime.date(MIN_YEAR, 1, 1)

_ID_RE = re.compile(r"[0-9]{1,19}")
_ISO_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_API_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # RFC 3339 full-date
_DMY_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_BAD_TEXT_RE = re.compile("[\x00\ud800-\udfff]")


def parse_id(value: Any) -> int:
    """A database id (1 .. 2**63-1) from ``value`` (str or int)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ID_RE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def parse_id_or_none(value: Any) -> int | None:
    try:
        return parse_id(value)
    except ValueError:
        return None


def parse_ids(values: Iterable[Any]) -> list[int]:
    """Every value as an id, in order, without repeats; ``ValueError`` on any bad one."""
    return list(dict.fromkeys(parse_id(v) for v in values))


def parse_date(value: Any) -> datetime.date:
    """A date from ``YYYY-MM-DD`` or ``dd/mm/yyyy`` (or a ``date``), within
    ``MIN_YEAR..MAX_YEAR``."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if m := _ISO_RE.fullmatch(text):
            year, month, dd = (int(g) for g in m.groups())
        elif m := _DMY_RE.fullmatch(text):
            dd, month, year = (int(g) for g in m.groups())
        else:
            raise ValueError(value)
        day = datetime.date(year, month, dd)  # ValueError on 31/02
    else:
        raise ValueError(value)
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(value)
    return day


def parse_date_or_none(value: Any) -> datetime.date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def has_bad_text(value: str) -> bool:
    """Whether ``value`` holds a NUL or a lone surrogate."""
    return bool(_BAD_TEXT_RE.search(value))


def clean_text(value: str) -> str:
    """``value``, or ``ValueError`` when it holds a NUL or a lone surrogate."""
    if has_bad_text(value):
        raise ValueError(gettext("The text holds characters that cannot be stored."))
    return value


# --- pydantic types for the API schemas ----------------------------------------


def _api_date(value: Any) -> Any:
    if value is None or isinstance(value, datetime.date):
        if isinstance(value, datetime.date) and not MIN_DATE <= value <= MAX_DATE:
            raise ValueError(
                f"Enter a date between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}."
            )
        return value
    if not isinstance(value, str) or not _API_DATE_RE.fullmatch(value):
        raise ValueError("Enter a date as YYYY-MM-DD.")
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError(
            f"Enter a real date between {MIN_DATE.isoformat()} and "
            f"{MAX_DATE.isoformat()}."
        ) from None


# A date as YYYY-MM-DD only (not a number of seconds since 1970), 1900..2100.
ApiDate = Annotated[datetime.date, BeforeValidator(_api_date)]
# A database id.
ApiId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A row's version (optimistic locking): a 64-bit integer.
ApiVersion = Annotated[int, Field(ge=0, le=MAX_ID)]


# --- the guard -------------------------------------------------------------------


def _bad_paths(data: Any, path: str = "") -> list[str]:
    """Dotted paths (``cooperating.0.description``) of the bad strings in a
    JSON value; ``__all__`` for the document itself or a bad key."""
    if isinstance(data, str):
        return [path or "__all__"] if has_bad_text(data) else []
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if has_bad_text(str(key)):
                found.append(path or "__all__")
            else:
                found += _bad_paths(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _bad_paths(value, f"{path}.{index}" if path else str(index))
    return found


def _querydict_bad(qd) -> list[str]:
    return [
        key if not has_bad_text(key) else "__all__"
        for key, values in qd.lists()
        if has_bad_text(key) or any(has_bad_text(v) for v in values)
    ]


class BadInputMiddleware:
    """Refuse NUL and lone surrogates in the path, the query string, form
    fields (urlencoded or multipart) and JSON bodies, for every view; answer
    413 to a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``. (Too many fields or
    files raise Django's ``SuspiciousOperation``: a 400.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            fields = self.bad_fields(request)
        except RequestDataTooBig:
            return self.too_big(request)
        if fields:
            return self.refuse(request, fields)
        return self.get_response(request)

    @staticmethod
    def bad_fields(request) -> list[str]:
        """Names of the parameters or fields holding NUL or a lone surrogate."""
        if has_bad_text(request.path):
            return ["__all__"]
        found = _querydict_bad(request.GET)
        if found or request.method in ("GET", "HEAD", "OPTIONS"):
            return found
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # The CSRF check reads the form before the view anyway.
            return _querydict_bad(request.POST)
        if content_type == "application/json" or content_type.endswith("+json"):
            try:
                data = json.loads(request.body or b"null")
            except ValueError:
                return []  # not JSON: the view answers that
            return _bad_paths(data)
        return []

    @staticmethod
    def refuse(request, fields: list[str]):
        message = gettext("The request holds characters that cannot be stored (NUL).")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "invalid",
                    "message": "Invalid input.",
                    "errors": [
                        {"field": field, "reason": message}
                        for field in dict.fromkeys(fields)
                    ],
                },
                status=422,
            )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @staticmethod
    def too_big(request):
        """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413, not a server error."""
        message = gettext("The request is too large.")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "too_large", "message": message, "errors": []}, status=413
            )
        return HttpResponse(
            message, status=413, content_type="text/plain; charset=utf-8"
        )
