"""The authorization matrix's rows for inspections (see ``matrix.py``).

The Hanoi team's inspection (of Sở Xây dựng, the member's agency): its
body and the city see it, its managers change it, the member (a focal point
of the inspected agency) reads it (403 on changes); the Bắc Ninh user and
outsiders get 404. The third team's: the city only (IDOR).
"""

from __future__ import annotations

from .matrix import (
    CITY,
    MANAGERS,
    OK,
    SEES_HANOI,
    A,
    E,
    Row,
    hanoi_item,
    view_only,
)

OWN = {"pk": "inspection.own_body"}
OTHER = {"pk": "inspection.other_body"}
OWN_API = {"inspection_id": "inspection.own_body"}
OTHER_API = {"inspection_id": "inspection.other_body"}
CHANGE = hanoi_item(change=MANAGERS)
API_CHANGE = A(404, (SEES_HANOI, 403), (MANAGERS, OK))

ROWS: list[Row] = [
    # --- pages ----------------------------------------------------------------
    Row("inspections:list", "GET", E(OK), note="an outsider: an empty list"),
    Row("inspections:create", "GET", E(403, (MANAGERS, OK))),
    Row("inspections:detail", "GET", view_only(), OWN),
    Row("inspections:detail", "GET", view_only(other_body=True), OTHER),
    Row("inspections:detail", "GET", E(404), {"pk": "missing"}),
    Row("inspections:edit", "GET", CHANGE, OWN),
    Row(
        "inspections:edit", "GET", hanoi_item(change=("admin",), other_body=True), OTHER
    ),
    Row("inspections:transition", "POST", CHANGE, OWN),
    Row("inspections:conclusion", "POST", CHANGE, OWN),
    Row("inspections:finding-add", "POST", CHANGE, OWN),
    Row("inspections:convert-all", "POST", CHANGE, OWN),
    Row(
        "inspections:convert-all",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        OTHER,
    ),
    Row(
        "inspections:finding-convert",
        "POST",
        CHANGE,
        {"pk": "inspection.own_body", "fid": "finding.own_body"},
    ),
    Row(
        "inspections:finding-convert",
        "POST",
        E(404),
        {"pk": "inspection.other_body", "fid": "finding.own_body"},
        "a finding under another inspection's id: 404 to all",
    ),
    # --- API ------------------------------------------------------------------
    Row("GET /api/v1/inspections", "GET", A(OK), note="an outsider: an empty list"),
    Row("POST /api/v1/inspections", "POST", A(OK), note="empty body: 422"),
    Row(
        "GET /api/v1/inspections/{inspection_id}",
        "GET",
        A(404, (SEES_HANOI, OK)),
        OWN_API,
    ),
    Row(
        "GET /api/v1/inspections/{inspection_id}",
        "GET",
        A(404, (CITY, OK)),
        OTHER_API,
    ),
    Row("PATCH /api/v1/inspections/{inspection_id}", "PATCH", API_CHANGE, OWN_API),
    Row(
        "PATCH /api/v1/inspections/{inspection_id}",
        "PATCH",
        A(404, (CITY, 403), (("admin",), OK)),
        OTHER_API,
    ),
    Row(
        "GET /api/v1/inspections/{inspection_id}/findings",
        "GET",
        A(404, (SEES_HANOI, OK)),
        OWN_API,
    ),
    Row(
        "POST /api/v1/inspections/{inspection_id}/findings",
        "POST",
        API_CHANGE,
        OWN_API,
    ),
    Row(
        "POST /api/v1/inspections/{inspection_id}/findings/{finding_id}/task",
        "POST",
        API_CHANGE,
        {"inspection_id": "inspection.own_body", "finding_id": "finding.own_body"},
    ),
    Row(
        "POST /api/v1/inspections/{inspection_id}/findings/{finding_id}/task",
        "POST",
        A(404),
        {"inspection_id": "inspection.other_body", "finding_id": "finding.own_body"},
        "a finding under another inspection's id: 404 to all",
    ),
]

BODIES: dict = {
    "PATCH /api/v1/inspections/{inspection_id}": {"version": 1, "place": "Thử quyền"},
    "POST /api/v1/inspections/{inspection_id}/findings": {
        "description": "Phát hiện thử quyền"
    },
}
