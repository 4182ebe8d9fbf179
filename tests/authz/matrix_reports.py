"""The authorization matrix's rows for periodic reports (see ``matrix.py``).

The rules are ``dieuphoi/reports/permissions.py``'s:

- a report: its body and the city see it (the list is empty for the rest);
  its managers (leader, deputy, secretariat, specialist; administrators)
  create, edit, compile, draft its document, correct it and ask for
  contributions (403 for the other viewers: the member, the leadership
  viewer); the external user and outsiders get 404, even on a report whose
  contribution they fill;
- a contribution: seen by who sees the report's body and by whoever acts
  for the party (``PartySeats``: the agency's focal points in the body, every
  member of another province's team); saved, previewed and given files only
  by whoever acts for the party: the member for Sở Xây dựng, the external
  user for the Bắc Ninh team; not the managers, not administrators (403);
- scorecards: the bodies one sees; an outsider sees none (404 on the pages,
  an empty answer from the API).

The third team's report and contribution: the city only (IDOR).
"""

from __future__ import annotations

from .matrix import (
    CITY,
    MANAGERS,
    MEMBER_MANAGERS,
    OK,
    SEES_HANOI,
    A,
    E,
    Row,
    hanoi_item,
    view_only,
)

OWN = {"pk": "report.own_body"}
OTHER = {"pk": "report.other_body"}
MISSING = {"pk": "missing"}
MINE = {"pk": "contribution.own_agency"}
PARTY = {"pk": "contribution.party"}
ELSEWHERE = {"pk": "contribution.other_body"}
API_OWN = {"pk": "report.own_body"}
API_OTHER = {"pk": "report.other_body"}
API_ASK_OWN = {"report_id": "report.own_body"}
API_ASK_OTHER = {"report_id": "report.other_body"}
API_MINE = {"contribution_id": "contribution.own_agency"}
API_PARTY = {"contribution_id": "contribution.party"}
API_ELSEWHERE = {"contribution_id": "contribution.other_body"}

CHANGE = hanoi_item(change=MANAGERS)
CHANGE_OTHER = hanoi_item(change=("admin",), other_body=True)
API_CHANGE = A(404, (SEES_HANOI, 403), (MANAGERS, OK))
API_CHANGE_OTHER = A(404, (CITY, 403), (("admin",), OK))
# Filling a contribution: whoever acts for the party, nobody else.
FILL_MINE = hanoi_item(change=("member",))
FILL_PARTY = hanoi_item(change=("external",), party=True)
FILL_ELSEWHERE = hanoi_item(other_body=True)
API_FILL_MINE = A(404, (SEES_HANOI, 403), (("member",), OK))
API_FILL_PARTY = A(404, (SEES_HANOI, 403), (("external",), OK))
API_FILL_ELSEWHERE = A(404, (CITY, 403))
# Scorecards: everyone who sees a body (the external user: their own team's).
SCORECARDS = E(OK, (("outsider",), 404))
PERIOD = "annual-2025"

ROWS: list[Row] = [
    # --- reports (views.py) ---------------------------------------------------
    Row("reports:list", "GET", E(OK), note="an outsider: an empty list"),
    Row("reports:create", "GET", E(403, (MANAGERS, OK))),
    Row("reports:detail", "GET", view_only(), OWN, "not to the contributing team"),
    Row("reports:detail", "GET", view_only(other_body=True), OTHER),
    Row("reports:detail", "GET", E(404), MISSING),
    Row("reports:edit", "POST", CHANGE, OWN),
    Row("reports:edit", "POST", CHANGE_OTHER, OTHER),
    Row("reports:compile", "POST", CHANGE, OWN),
    Row("reports:compile", "POST", CHANGE_OTHER, OTHER),
    Row("reports:document", "POST", CHANGE, OWN),
    Row("reports:document", "POST", CHANGE_OTHER, OTHER),
    Row("reports:correct", "POST", CHANGE, OWN, "a draft: refused with a message"),
    Row("reports:correct", "POST", CHANGE_OTHER, OTHER),
    # --- contributions (contribution_views.py) --------------------------------
    Row("reports:request", "GET", CHANGE, OWN),
    Row("reports:request", "GET", CHANGE_OTHER, OTHER),
    Row("reports:request", "POST", CHANGE, OWN, "empty: 422"),
    Row("reports:request", "POST", CHANGE_OTHER, OTHER),
    Row("reports:my-contributions", "GET", E(OK), note="an outsider: an empty list"),
    Row("reports:contribution", "GET", view_only(), MINE, "Sở Xây dựng's"),
    Row("reports:contribution", "GET", view_only(party=True), PARTY, "Bắc Ninh's"),
    Row("reports:contribution", "GET", view_only(other_body=True), ELSEWHERE),
    Row("reports:contribution", "GET", E(404), MISSING),
    Row("reports:contribution", "POST", FILL_MINE, MINE, "the focal point only"),
    Row("reports:contribution", "POST", FILL_PARTY, PARTY, "the team's member"),
    Row("reports:contribution", "POST", FILL_ELSEWHERE, ELSEWHERE),
    Row("reports:contribution-preview", "POST", FILL_MINE, MINE),
    Row("reports:contribution-preview", "POST", FILL_PARTY, PARTY),
    Row("reports:contribution-preview", "POST", FILL_ELSEWHERE, ELSEWHERE),
    Row("reports:contribution-upload", "POST", FILL_MINE, MINE, "no file: 422"),
    Row("reports:contribution-upload", "POST", FILL_PARTY, PARTY),
    Row("reports:contribution-upload", "POST", FILL_ELSEWHERE, ELSEWHERE),
    # A contribution's files (docs): seen with the contribution; removed by
    # the body's member managers, administrators and the uploader (open).
    Row(
        "docs:attachment-download",
        "GET",
        view_only(),
        {"pk": "att.contribution_own_agency"},
        "a file of Sở Xây dựng's contribution",
    ),
    Row(
        "docs:attachment-download",
        "GET",
        view_only(party=True),
        {"pk": "att.contribution_party"},
        "a file of the Bắc Ninh team's contribution",
    ),
    Row(
        "docs:attachment-remove",
        "POST",
        hanoi_item(change=(*MEMBER_MANAGERS, "member")),
        {"pk": "att.contribution_own_agency"},
        "the member's file on their contribution",
    ),
    Row(
        "docs:attachment-remove",
        "POST",
        hanoi_item(change=(*MEMBER_MANAGERS, "external"), party=True),
        {"pk": "att.contribution_party"},
        "the external user's file on their team's contribution",
    ),
    # --- scorecards (scorecard_views.py) --------------------------------------
    Row("reports:scorecards", "GET", SCORECARDS, note="outsider: sees no body"),
    Row(
        "reports:scorecards",
        "GET",
        E(404),
        data={"body": "987654"},
        note="a body that does not exist",
    ),
    Row("reports:scorecards-xlsx", "GET", SCORECARDS),
    Row(
        "reports:scorecards-xlsx",
        "GET",
        E(404),
        data={"body": "987654", "type": "annual", "period": PERIOD},
        note="a body that does not exist",
    ),
    # --- API: reports (api.py) -------------------------------------------------
    Row("GET /api/v1/report-periods", "GET", A(OK), note="the decree's calendar"),
    Row("GET /api/v1/reports", "GET", A(OK), note="an outsider: an empty list"),
    Row("POST /api/v1/reports", "POST", A(403, (MANAGERS, OK))),
    Row("GET /api/v1/reports/{pk}", "GET", A(404, (SEES_HANOI, OK)), API_OWN),
    Row("GET /api/v1/reports/{pk}", "GET", A(404, (CITY, OK)), API_OTHER),
    Row("GET /api/v1/reports/{pk}", "GET", A(404), {"pk": "missing"}),
    Row("PATCH /api/v1/reports/{pk}", "PATCH", API_CHANGE, API_OWN),
    Row("PATCH /api/v1/reports/{pk}", "PATCH", API_CHANGE_OTHER, API_OTHER),
    Row("POST /api/v1/reports/{pk}/compile", "POST", API_CHANGE, API_OWN),
    Row("POST /api/v1/reports/{pk}/compile", "POST", API_CHANGE_OTHER, API_OTHER),
    # --- API: contributions (contribution_api.py) ------------------------------
    Row(
        "GET /api/v1/reports/{report_id}/contributions",
        "GET",
        A(404, (SEES_HANOI, OK)),
        API_ASK_OWN,
        "not to the contributing team",
    ),
    Row(
        "GET /api/v1/reports/{report_id}/contributions",
        "GET",
        A(404, (CITY, OK)),
        API_ASK_OTHER,
    ),
    Row(
        "POST /api/v1/reports/{report_id}/contributions",
        "POST",
        API_CHANGE,
        API_ASK_OWN,
    ),
    Row(
        "POST /api/v1/reports/{report_id}/contributions",
        "POST",
        API_CHANGE_OTHER,
        API_ASK_OTHER,
    ),
    Row("GET /api/v1/contributions", "GET", A(OK), note="an outsider: an empty list"),
    Row(
        "GET /api/v1/contributions/{contribution_id}",
        "GET",
        A(404, (SEES_HANOI, OK)),
        API_MINE,
    ),
    Row(
        "GET /api/v1/contributions/{contribution_id}",
        "GET",
        A(404, ((*SEES_HANOI, "external"), OK)),
        API_PARTY,
    ),
    Row(
        "GET /api/v1/contributions/{contribution_id}",
        "GET",
        A(404, (CITY, OK)),
        API_ELSEWHERE,
    ),
    Row(
        "GET /api/v1/contributions/{contribution_id}",
        "GET",
        A(404),
        {"contribution_id": "missing"},
    ),
    Row(
        "PATCH /api/v1/contributions/{contribution_id}",
        "PATCH",
        API_FILL_MINE,
        API_MINE,
    ),
    Row(
        "PATCH /api/v1/contributions/{contribution_id}",
        "PATCH",
        API_FILL_PARTY,
        API_PARTY,
    ),
    Row(
        "PATCH /api/v1/contributions/{contribution_id}",
        "PATCH",
        API_FILL_ELSEWHERE,
        API_ELSEWHERE,
    ),
    Row(
        "POST /api/v1/contributions/{contribution_id}/files",
        "POST",
        API_FILL_MINE,
        API_MINE,
        "no file: 422",
    ),
    Row(
        "POST /api/v1/contributions/{contribution_id}/files",
        "POST",
        API_FILL_PARTY,
        API_PARTY,
    ),
    Row(
        "POST /api/v1/contributions/{contribution_id}/files",
        "POST",
        API_FILL_ELSEWHERE,
        API_ELSEWHERE,
    ),
    # --- API: scorecards (scorecard_api.py) -------------------------------------
    Row(
        "GET /api/v1/scorecards",
        "GET",
        A(OK),
        data={"period": PERIOD},
        note="an outsider: no body, no rows",
    ),
    Row(
        "GET /api/v1/scorecards",
        "GET",
        A(404),
        data={"period": PERIOD, "body": "987654"},
        note="a body that does not exist",
    ),
]

BODIES: dict = {
    "reports:edit": {"version": "1", "title": "Thử quyền"},
    # A past year nobody has a report for: managers create it (rolled back).
    "POST /api/v1/reports": {"period_type": "annual", "year": 2019},
    "PATCH /api/v1/reports/{pk}": {"version": 1, "title": "Thử quyền"},
    "POST /api/v1/reports/{report_id}/contributions": {
        "agency_ids": [1],
        "deadline": "2099-01-01",
    },
    "PATCH /api/v1/contributions/{contribution_id}": {"version": 1, "sections": {}},
}
