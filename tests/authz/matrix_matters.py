"""The authorization matrix's rows for matters (see ``matrix.py``).

The Hanoi team's matter concerns Bắc Ninh: the external user reads it, adds
to its log and attaches files; city leadership viewers read only; the
managers edit and move it; a third team's matter is seen by the city only."""

from __future__ import annotations

from .matrix import (
    CITY,
    HANOI,
    MANAGERS,
    OK,
    SEES_HANOI,
    A,
    E,
    Row,
    hanoi_item,
    view_only,
)

OWN = {"pk": "matter.own_body"}
OTHER = {"pk": "matter.other_body"}
API_OWN = {"matter_id": "matter.own_body"}
API_OTHER = {"matter_id": "matter.other_body"}
VIEWERS = (*SEES_HANOI, "external")
# Who adds to the log, comments and attaches: the body's members, the
# concerned team, administrators (not the read-only city viewers).
LOGGERS = (*HANOI, "admin", "external")

ROWS: list[Row] = [
    Row("matters:list", "GET", E(OK)),
    Row("matters:matrix", "GET", E(OK)),
    Row("matters:create", "GET", E(403, (MANAGERS, OK))),
    Row("matters:detail", "GET", view_only(party=True), OWN, "shared with Bắc Ninh"),
    Row("matters:detail", "GET", view_only(other_body=True), OTHER),
    Row("matters:detail", "GET", E(404), {"pk": "missing"}),
    Row("matters:edit", "GET", hanoi_item(change=MANAGERS, party=True), OWN),
    Row("matters:edit", "GET", hanoi_item(change=("admin",), other_body=True), OTHER),
    Row("matters:log-add", "POST", E(404, (VIEWERS, 403), (LOGGERS, OK)), OWN),
    Row("matters:log-add", "POST", E(404, (CITY, 403), (("admin",), OK)), OTHER),
    Row("matters:transition", "POST", hanoi_item(change=MANAGERS, party=True), OWN),
    Row("matters:link", "POST", hanoi_item(change=MANAGERS, party=True), OWN),
    Row(
        "matters:attachment-upload", "POST", E(404, (VIEWERS, 403), (LOGGERS, OK)), OWN
    ),
    # --- API ------------------------------------------------------------------
    Row("GET /api/v1/matters", "GET", A(OK)),
    Row("POST /api/v1/matters", "POST", A(OK)),
    Row("GET /api/v1/matters/{matter_id}", "GET", A(404, (VIEWERS, OK)), API_OWN),
    Row("GET /api/v1/matters/{matter_id}", "GET", A(404, (CITY, OK)), API_OTHER),
    Row(
        "PATCH /api/v1/matters/{matter_id}",
        "PATCH",
        A(404, (VIEWERS, 403), (MANAGERS, OK)),
        API_OWN,
    ),
    Row("GET /api/v1/matters/{matter_id}/log", "GET", A(404, (VIEWERS, OK)), API_OWN),
    Row(
        "POST /api/v1/matters/{matter_id}/log",
        "POST",
        A(404, (VIEWERS, 403), (LOGGERS, OK)),
        API_OWN,
    ),
    Row(
        "POST /api/v1/matters/{matter_id}/transitions",
        "POST",
        A(404, (VIEWERS, 403), (MANAGERS, OK)),
        API_OWN,
    ),
]
BODIES: dict = {
    "matters:transition": {"action": "coordinate", "version": "1"},
    "matters:link": {"kind": "tasks", "item": "1"},
    "PATCH /api/v1/matters/{matter_id}": {"version": 1, "title": "Thử quyền"},
    "POST /api/v1/matters/{matter_id}/log": {
        "kind": "call",
        "occurred_on": "2026-01-05",
        "summary": "Thử quyền",
    },
    "POST /api/v1/matters/{matter_id}/transitions": {
        "action": "coordinate",
        "version": 1,
    },
}
