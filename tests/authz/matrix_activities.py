"""The authorization matrix's rows for activities (see ``matrix.py``).

The Hanoi team's meetings ``activity.own_body`` and ``activity.held``
invite the Bắc Ninh team: the external user sees them and answers for their
team; ``activity.hanoi_only`` does not (404 for them); ``activity.other_body``
is a third team's (404 but for the city viewers and administrators).
"""

from __future__ import annotations

from .matrix import CITY, MANAGERS, OK, SEES_HANOI, A, E, Row, hanoi_item, view_only

INVITED_VIEWERS = (*SEES_HANOI, "external")
OWN = {"pk": "activity.own_body"}
HELD = {"pk": "activity.held"}


def _manager_post(route: str, args=OWN) -> Row:
    return Row(route, "POST", hanoi_item(change=MANAGERS, party=True), args)


ROWS: list[Row] = [
    Row("activities:list", "GET", E(OK)),
    Row("activities:create", "GET", E(403, (MANAGERS, OK))),
    Row("activities:detail", "GET", view_only(party=True), OWN, "Bắc Ninh invited"),
    Row(
        "activities:detail",
        "GET",
        view_only(),
        {"pk": "activity.hanoi_only"},
        "Bắc Ninh not invited: 404 to the external user",
    ),
    Row(
        "activities:detail",
        "GET",
        view_only(other_body=True),
        {"pk": "activity.other_body"},
    ),
    Row("activities:detail", "GET", E(404), {"pk": "missing"}),
    Row("activities:edit", "GET", hanoi_item(change=MANAGERS, party=True), OWN),
    Row(
        "activities:edit",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "activity.other_body"},
    ),
    _manager_post("activities:cancel"),
    _manager_post("activities:invitation"),
    _manager_post("activities:send"),
    _manager_post("activities:attendance"),
    _manager_post("activities:minutes", HELD),
    _manager_post("activities:upload", HELD),
    _manager_post("activities:conclusion-add", HELD),
    _manager_post("activities:conclude", HELD),
    _manager_post("activities:notice", HELD),
    Row(
        "activities:convert",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "activity.held", "cid": "conclusion.own_body"},
    ),
    Row(
        "activities:convert",
        "POST",
        E(404),
        {"pk": "activity.own_body", "cid": "conclusion.own_body"},
        "a conclusion under another activity's id: 404 to all",
    ),
    Row(
        "activities:respond",
        "POST",
        E(404, (INVITED_VIEWERS, 403), ((*MANAGERS, "external"), OK)),
        OWN,
        "the invited team's own people and the host's managers answer",
    ),
    Row(
        "activities:respond",
        "POST",
        E(404, (SEES_HANOI, 403), (MANAGERS, OK)),
        {"pk": "activity.hanoi_only"},
    ),
    # --- after creation: agenda, invitees, matters ---------------------------
    _manager_post("activities:agenda-add"),
    *(
        Row(
            f"activities:{name}",
            "POST",
            hanoi_item(change=MANAGERS, party=True),
            {"pk": "activity.own_body", "iid": "agenda.own_body"},
        )
        for name in ("agenda-edit", "agenda-move", "agenda-remove", "agenda-upload")
    ),
    Row(
        "activities:agenda-move",
        "POST",
        E(404),
        {"pk": "activity.held", "iid": "agenda.own_body"},
        "an agenda item under another activity's id: 404 to all",
    ),
    _manager_post("activities:invitee-add"),
    Row(
        "activities:invitee-remove",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "activity.own_body", "iid": "invitee.own_body"},
    ),
    _manager_post("activities:matter-link"),
    Row(
        "activities:matter-unlink",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "activity.own_body", "mid": "matter.own_body"},
    ),
    # --- API ----------------------------------------------------------------
    Row("GET /api/v1/activities", "GET", A(OK)),
    Row("POST /api/v1/activities", "POST", A(OK)),
    Row(
        "GET /api/v1/activities/{activity_id}",
        "GET",
        A(404, (INVITED_VIEWERS, OK)),
        {"activity_id": "activity.own_body"},
    ),
    Row(
        "GET /api/v1/activities/{activity_id}",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"activity_id": "activity.hanoi_only"},
    ),
    Row(
        "GET /api/v1/activities/{activity_id}",
        "GET",
        A(404, (CITY, OK)),
        {"activity_id": "activity.other_body"},
    ),
    Row(
        "PATCH /api/v1/activities/{activity_id}",
        "PATCH",
        A(404, (INVITED_VIEWERS, 403), (MANAGERS, OK)),
        {"activity_id": "activity.own_body"},
    ),
    Row(
        "GET /api/v1/activities/{activity_id}/responses",
        "GET",
        A(404, (INVITED_VIEWERS, OK)),
        {"activity_id": "activity.own_body"},
    ),
    Row(
        "POST /api/v1/activities/{activity_id}/responses",
        "POST",
        A(404, (INVITED_VIEWERS, 403), ((*MANAGERS, "external"), OK)),
        {"activity_id": "activity.own_body"},
    ),
    Row(
        "GET /api/v1/activities/{activity_id}/conclusions",
        "GET",
        A(404, (INVITED_VIEWERS, OK)),
        {"activity_id": "activity.held"},
    ),
    Row(
        "POST /api/v1/activities/{activity_id}/conclusions",
        "POST",
        A(404, (INVITED_VIEWERS, 403), (MANAGERS, OK)),
        {"activity_id": "activity.held"},
    ),
    Row(
        "POST /api/v1/activities/{activity_id}/conclusions/{conclusion_id}/tasks",
        "POST",
        A(404, (INVITED_VIEWERS, 403), (MANAGERS, OK)),
        {"activity_id": "activity.held", "conclusion_id": "conclusion.own_body"},
    ),
]

BODIES: dict = {
    "PATCH /api/v1/activities/{activity_id}": {
        "version": 1,
        "description": "Thử quyền",
    },
    "POST /api/v1/activities/{activity_id}/responses": {"response": "attend"},
    "POST /api/v1/activities/{activity_id}/conclusions": {"text": "Thử quyền"},
    "POST /api/v1/activities/{activity_id}/conclusions/{conclusion_id}/tasks": {},
}
