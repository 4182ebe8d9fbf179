"""The authorization matrix: who gets what on every route and API operation.

One ``Row`` per (route, method, object relation). ``route`` is a URL name
(``"tasks:detail"``) or, for the API, ``"METHOD /api/v1/path/{param}"`` as
in the OpenAPI schema. ``args`` names, for each URL parameter, an object of
the test world (``conftest.py``): its relation to the Hanoi team's roles is
in its name:

- ``own_agency``: a Hanoi task whose lead agency is the focal point's;
- ``own_body``: an object of the Hanoi team (the roles' body);
- ``party``: a Hanoi task the Bắc Ninh team (the external user's) is a party to;
- ``other_body``: an object of a third province's team nobody of the roles
  sits in (IDOR: only administrators and leadership viewers may see it);
- ``own`` / ``other``: the user's own row / another user's (notifications,
  tokens); ``any``: a registry row everyone signed in may read;
- ``missing``: an id that does not exist (404 for every signed-in role).
  No ``args``: the route takes no object ("none").

``expect`` gives each role's status. ``OK`` means "allowed": for a POST it
is sent with an empty body (an allowed role gets anything but 401, 403, 404
or 5xx; the savepoint is rolled back), and for a GET it means 200. A
forbidden POST (403/404/login) must write nothing.

Roles: anonymous, outsider (no seat), member (focal point of Sở Xây dựng),
specialist, secretariat, deputy, leader, leadership (city leadership viewer),
admin, external (member of the Bắc Ninh team).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = (
    "anonymous",
    "outsider",
    "member",
    "specialist",
    "secretariat",
    "deputy",
    "leader",
    "leadership",
    "admin",
    "external",
)
OK = "ok"
REDIRECT = "redirect"  # a 302 elsewhere than the login page
LOGIN = 302  # web pages send the anonymous to the login page
UNAUTH = 401  # the API answers 401 without a token

HANOI = ("member", "specialist", "secretariat", "deputy", "leader")
CITY = ("leadership", "admin")
SEES_HANOI = HANOI + CITY
# Record managers of a body (org.permissions.can_manage_body).
MANAGERS = ("specialist", "secretariat", "deputy", "leader", "admin")
# Leader, deputy, secretariat (org.permissions.can_manage_members).
MEMBER_MANAGERS = ("secretariat", "deputy", "leader", "admin")
DECIDERS = ("deputy", "leader", "admin")
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")


def E(default, *groups, anonymous=LOGIN) -> dict[str, object]:
    """Each role's status: ``default``, then ``(roles, status)`` groups in
    order (a later group wins), and ``anonymous``."""
    cells = dict.fromkeys(ROLES, default)
    for roles, status in groups:
        for role in roles:
            cells[role] = status
    cells["anonymous"] = anonymous
    return cells


def A(default, *groups) -> dict[str, object]:
    """An API row: the anonymous get 401."""
    return E(default, *groups, anonymous=UNAUTH)


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    expect: dict
    args: dict = field(default_factory=dict)
    note: str = ""
    # POST/PATCH body (form fields, or JSON for the API) and GET query.
    data: dict | None = None
    # A write that is the action itself (logging out), not a refusal.
    writes_allowed: bool = False


def hanoi_item(*, change=(), hidden_403=(), party=False, other_body=False):
    """Visibility of a Hanoi item: its body and the city see it, outsiders
    and other bodies get 404; ``change`` roles may act, the other viewers 403."""
    viewers = SEES_HANOI + (("external",) if party else ())
    if other_body:
        viewers = CITY
    groups = [(viewers, 403), (change, OK)]
    return E(404, *groups)


def view_only(*, party=False, other_body=False, status=OK):
    viewers = SEES_HANOI + (("external",) if party else ())
    if other_body:
        viewers = CITY
    return E(404, (viewers, status))


ROWS: list[Row] = [
    # --- core ---------------------------------------------------------------
    Row("core:home", "GET", E(OK)),
    Row("core:healthz", "GET", E(OK, anonymous=OK), note="public up/down"),
    Row("core:ping", "GET", E(OK, anonymous=OK), note="liveness"),
    Row("set_language", "POST", E(OK, anonymous=OK)),
    # --- accounts -----------------------------------------------------------
    Row("accounts:login", "GET", E(REDIRECT, anonymous=OK), note="signed in: home"),
    Row(
        "accounts:logout",
        "POST",
        E(LOGIN, anonymous=LOGIN),
        note="to the login page",
        writes_allowed=True,
    ),
    Row("accounts:password-change", "GET", E(OK)),
    Row("accounts:password-change-done", "GET", E(OK)),
    Row("accounts:profile", "GET", E(OK)),
    Row("accounts:token-create", "POST", E(OK)),
    Row(
        "accounts:token-revoke",
        "POST",
        E(404, (("member",), OK)),
        {"pk": "token.own"},
        "the member's own token",
    ),
    Row(
        "accounts:token-revoke",
        "POST",
        E(404, (("leader",), OK)),
        {"pk": "token.other"},
        "the leader's token: 404 to everyone else",
    ),
    Row(
        "accounts:two-factor-verify",
        "GET",
        E(REDIRECT),
        note="no device: nothing to verify",
    ),
    Row("accounts:two-factor-setup", "GET", E(OK)),
    Row(
        "accounts:two-factor-recovery-codes",
        "POST",
        E(403),
        note="needs a verified second factor",
    ),
    Row(
        "accounts:two-factor-disable",
        "POST",
        E(403),
        note="needs a verified second factor",
    ),
    # --- org (registry) -----------------------------------------------------
    Row("org:region", "GET", E(OK)),
    Row("org:unit-create", "GET", E(403, (("admin",), OK))),
    Row("org:unit-edit", "GET", E(403, (("admin",), OK)), {"pk": "unit.any"}),
    Row("org:agency-list", "GET", E(OK)),
    Row("org:agency-create", "GET", E(403, (("admin",), OK))),
    Row("org:agency-detail", "GET", E(OK), {"pk": "agency.any"}),
    Row("org:agency-edit", "GET", E(403, (("admin",), OK)), {"pk": "agency.any"}),
    # No seat: 404; a seat (or the city's view) without the right: 403.
    Row(
        "org:agency-handover",
        "GET",
        E(404, (HANOI + CITY + ("external",), 403), (MANAGERS, REDIRECT)),
        {"pk": "agency.merged"},
        "to its succession's page",
    ),
    Row(
        "org:succession-handover",
        "GET",
        E(404, (HANOI + CITY + ("external",), 403), (MANAGERS, OK)),
        {"pk": "succession.any"},
    ),
    Row("org:body-list", "GET", E(OK)),
    Row("org:body-detail", "GET", view_only(), {"pk": "body.own"}),
    Row("org:body-detail", "GET", view_only(other_body=True), {"pk": "body.other"}),
    Row("org:body-edit", "GET", hanoi_item(change=("admin",)), {"pk": "body.own"}),
    Row(
        "org:body-edit",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "body.other"},
    ),
    Row(
        "org:membership-create",
        "GET",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "body.own"},
    ),
    Row(
        "org:membership-create",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "body.other"},
    ),
    Row(
        "org:membership-edit",
        "GET",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "membership.own_body"},
    ),
    Row(
        "org:membership-edit",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "membership.other_body"},
    ),
    Row(
        "org:membership-end",
        "POST",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "membership.own_body"},
    ),
    Row(
        "org:membership-end",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "membership.other_body"},
    ),
    Row(
        "org:duty-assign",
        "POST",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "membership.own_body"},
    ),
    Row(
        "org:duty-assign",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "membership.other_body"},
    ),
    Row("org:person-detail", "GET", view_only(), {"pk": "person.own_body"}),
    Row(
        "org:person-detail",
        "GET",
        view_only(other_body=True),
        {"pk": "person.other_body"},
    ),
    # --- docs ---------------------------------------------------------------
    Row("docs:list", "GET", E(OK)),
    Row("docs:create", "GET", E(403, (MANAGERS, OK))),
    Row("docs:detail", "GET", view_only(), {"pk": "doc.own_body"}),
    Row("docs:detail", "GET", view_only(other_body=True), {"pk": "doc.other_body"}),
    Row("docs:edit", "GET", hanoi_item(change=MANAGERS), {"pk": "doc.own_body"}),
    Row(
        "docs:edit",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "doc.other_body"},
    ),
    Row(
        "docs:attachment-upload",
        "POST",
        hanoi_item(change=MANAGERS),
        {"pk": "doc.own_body"},
    ),
    Row(
        "docs:attachment-upload",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "doc.other_body"},
    ),
    Row("docs:attachment-download", "GET", view_only(), {"pk": "att.own_body"}),
    Row(
        "docs:attachment-download",
        "GET",
        view_only(other_body=True),
        {"pk": "att.other_body"},
    ),
    Row(
        "docs:attachment-remove",
        "POST",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "att.own_body"},
        "the secretariat's file on the member's task",
    ),
    Row(
        "docs:attachment-remove",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "att.other_body"},
    ),
    # --- tasks --------------------------------------------------------------
    Row("tasks:list", "GET", E(OK)),
    Row("tasks:export", "GET", E(OK)),
    Row("tasks:summary", "GET", E(OK)),
    Row("tasks:extension-list", "GET", E(OK)),
    Row("tasks:create", "GET", E(403, (MANAGERS, OK))),
    Row("tasks:detail", "GET", view_only(), {"pk": "task.own_agency"}),
    Row("tasks:detail", "GET", view_only(), {"pk": "task.own_body"}),
    Row("tasks:detail", "GET", view_only(party=True), {"pk": "task.party"}),
    Row("tasks:detail", "GET", view_only(other_body=True), {"pk": "task.other_body"}),
    Row("tasks:edit", "GET", hanoi_item(change=MANAGERS), {"pk": "task.own_body"}),
    Row(
        "tasks:edit",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "task.other_body"},
    ),
    Row(
        "tasks:transition", "POST", hanoi_item(change=MANAGERS), {"pk": "task.own_body"}
    ),
    Row(
        "tasks:transition",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "task.other_body"},
    ),
    # Progress comes from the lead and co-operating agencies' focal points
    # (the specialist's agency co-operates on this task), not from managers.
    Row(
        "tasks:progress",
        "POST",
        hanoi_item(change=("member", "specialist")),
        {"pk": "task.own_agency"},
    ),
    Row("tasks:progress", "POST", hanoi_item(), {"pk": "task.own_body"}),
    Row(
        "tasks:progress",
        "POST",
        hanoi_item(change=("external",), party=True),
        {"pk": "task.party"},
    ),
    Row(
        "tasks:progress", "POST", hanoi_item(other_body=True), {"pk": "task.other_body"}
    ),
    Row(
        "tasks:attachment-upload",
        "POST",
        hanoi_item(change=(*MANAGERS, "member")),
        {"pk": "task.own_agency"},
    ),
    Row(
        "tasks:attachment-upload",
        "POST",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "task.other_body"},
    ),
    Row(
        "tasks:extension-request",
        "POST",
        hanoi_item(change=("member",)),
        {"pk": "task.own_agency"},
    ),
    Row(
        "tasks:extension-request",
        "POST",
        hanoi_item(other_body=True),
        {"pk": "task.other_body"},
    ),
    Row(
        "tasks:part-extension-request",
        "POST",
        hanoi_item(change=("external",), party=True),
        {"pk": "task.party"},
    ),
    Row(
        "tasks:part-extension-request",
        "POST",
        hanoi_item(other_body=True),
        {"pk": "task.other_body"},
    ),
    Row(
        "tasks:extension-decide",
        "POST",
        hanoi_item(change=DECIDERS),
        {"pk": "ext.task", "rid": "ext.own_body"},
    ),
    Row(
        "tasks:extension-withdraw",
        "POST",
        hanoi_item(),
        {"pk": "ext.task", "rid": "ext.own_body"},
        "only the requester",
    ),
    # --- audit, working days, jobs -------------------------------------------
    Row("audit:list", "GET", E(403, (("admin",), OK))),
    Row("workdays:calendar", "GET", E(403, (("admin",), OK))),
    Row("workdays:day-add", "POST", E(403, (("admin",), OK))),
    Row("workdays:day-confirm", "POST", E(403, (("admin",), OK))),
    Row("workdays:day-remove", "POST", E(403, (("admin",), OK)), {"pk": "day.any"}),
    Row(
        "workdays:days-off",
        "GET",
        E(OK),
        data={"from": "2025-01-01", "to": "2025-12-31"},
    ),
    Row(
        "jobs:progress",
        "GET",
        E(404, (("secretariat", "admin"), OK)),
        {"pk": "job.own"},
        "the secretariat's job: its owner and administrators",
    ),
    # --- letters ------------------------------------------------------------
    Row("letters:list", "GET", E(OK)),
    Row("letters:new", "GET", E(403, (MANAGERS, OK))),
    Row("letters:detail", "GET", view_only(), {"pk": "letter.own_body"}),
    Row("letters:detail", "GET", E(404), {"pk": "missing"}),
    Row(
        "letters:retry", "POST", hanoi_item(change=MANAGERS), {"pk": "letter.own_body"}
    ),
    # --- paperwork ----------------------------------------------------------
    Row("paperwork:list", "GET", E(OK)),
    Row("paperwork:inbox", "GET", E(OK)),
    Row("paperwork:create", "GET", E(403, (MANAGERS, OK))),
    # A paper before issue is the managers' (not focal points', not the
    # city leadership's).
    Row(
        "paperwork:detail",
        "GET",
        E(404, (MANAGERS, OK)),
        {"pk": "paper.own_body"},
        "a draft in review",
    ),
    Row("paperwork:detail", "GET", E(404), {"pk": "missing"}),
    Row(
        "paperwork:edit",
        "GET",
        E(404, (MANAGERS, 403)),
        {"pk": "paper.own_body"},
        "in review: nobody edits",
    ),
    Row("paperwork:upload", "POST", E(404, (MANAGERS, OK)), {"pk": "paper.own_body"}),
    Row("paperwork:sign", "POST", E(404, (MANAGERS, OK)), {"pk": "paper.own_body"}),
    Row(
        "paperwork:version-file",
        "GET",
        E(404),
        {"pk": "paper.own_body", "number": "const.1", "fmt": "const.docx"},
        "not rendered in the test world: 404 for all (IDOR shape only)",
    ),
    Row(
        "paperwork:action",
        "POST",
        E(404, (MANAGERS, 403), (("leader",), OK)),
        {"pk": "paper.own_body", "action": "const.approve"},
        "the signer approves",
    ),
    # --- notifications ------------------------------------------------------
    Row("notifications:list", "GET", E(OK)),
    Row(
        "notifications:badge",
        "GET",
        E(OK, anonymous=204),
        note="the anonymous get an empty badge, not a login redirect",
    ),
    Row("notifications:read-all", "POST", E(OK)),
    Row("notifications:preferences", "GET", E(OK)),
    Row("notifications:emails", "GET", E(403, (("admin",), OK))),
    Row(
        "notifications:email-resend",
        "POST",
        E(403, (("admin",), OK)),
        {"pk": "email.any"},
    ),
    Row(
        "notifications:read",
        "POST",
        E(404, (("member",), OK)),
        {"pk": "notification.own"},
        "the member's own notification",
    ),
    Row(
        "notifications:open",
        "GET",
        E(404, (("member",), REDIRECT)),
        {"pk": "notification.own"},
    ),
    Row(
        "notifications:read",
        "POST",
        E(404, (("leader",), OK)),
        {"pk": "notification.other"},
        "the leader's notification",
    ),
    # --- discussions --------------------------------------------------------
    Row(
        "discussions:thread",
        "GET",
        view_only(status=REDIRECT),
        {"target": "const.task", "pk": "task.own_body"},
        "to the task page",
    ),
    Row(
        "discussions:thread",
        "GET",
        view_only(other_body=True, status=REDIRECT),
        {"target": "const.task", "pk": "task.other_body"},
    ),
    Row(
        "discussions:create",
        "POST",
        hanoi_item(change=SEES_HANOI),
        {"target": "const.task", "pk": "task.own_body"},
    ),
    Row(
        "discussions:create",
        "POST",
        hanoi_item(change=CITY, other_body=True),
        {"target": "const.task", "pk": "task.other_body"},
    ),
    Row(
        "discussions:comment",
        "GET",
        view_only(status=REDIRECT),
        {"pk": "comment.own_body"},
        "to the comment on the task page",
    ),
    Row(
        "discussions:edit",
        "GET",
        E(404, (("secretariat",), OK)),
        {"pk": "comment.own_body"},
        "the author within the edit window; the form is 404 to others",
    ),
    Row(
        "discussions:edit",
        "POST",
        E(404, (SEES_HANOI, 403), (("secretariat",), OK)),
        {"pk": "comment.own_body"},
        "a reader's POST is refused (403), the author's is taken",
    ),
    # --- reminders ----------------------------------------------------------
    Row("reminders:escalations", "GET", E(403, (MANAGERS + CITY, OK))),
    Row(
        "reminders:escalation-resolve",
        "POST",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "escalation.own_body"},
        "leader, deputy, secretariat: not specialists (fixed)",
    ),
    # --- proposals ----------------------------------------------------------
    Row("proposals:list", "GET", E(OK)),
    Row("proposals:board", "GET", E(OK)),
    Row("proposals:create", "GET", E(403, (MANAGERS, OK))),
    Row("proposals:detail", "GET", view_only(), {"pk": "proposal.own_body"}),
    Row("proposals:detail", "GET", E(404), {"pk": "missing"}),
    Row(
        "proposals:edit",
        "GET",
        hanoi_item(change=MANAGERS),
        {"pk": "proposal.own_body"},
    ),
    Row(
        "proposals:draft-add",
        "POST",
        hanoi_item(change=MANAGERS),
        {"pk": "proposal.own_body"},
    ),
    Row(
        "proposals:action",
        "POST",
        hanoi_item(change=MANAGERS),
        {"pk": "proposal.own_body"},
    ),
    Row(
        "proposals:task-new",
        "POST",
        hanoi_item(change=MEMBER_MANAGERS),
        {"pk": "proposal.own_body"},
        "the recorders assign tasks from an adopted proposal",
    ),
    Row(
        "proposals:round-new",
        "GET",
        hanoi_item(change=MANAGERS),
        {"pk": "proposal.own_body"},
    ),
    Row("proposals:synthesis", "GET", view_only(), {"pk": "proposal.own_body"}),
    Row(
        "proposals:synthesis-export",
        "GET",
        view_only(),
        {"pk": "proposal.own_body", "fmt": "const.xlsx"},
    ),
    Row("proposals:diff", "GET", view_only(), {"pk": "draft2.own_body"}),
    Row("proposals:round", "GET", view_only(party=True), {"pk": "round.own_body"}),
    Row(
        "proposals:round-draft", "GET", view_only(party=True), {"pk": "round.own_body"}
    ),
    Row(
        "proposals:round-close",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "round.own_body"},
    ),
    Row(
        "proposals:answer",
        "POST",
        hanoi_item(change=("member", "admin"), party=True),
        {"pk": "round.own_body", "party_pk": "party.own_body"},
        "the Sở Xây dựng party: its focal point answers",
    ),
    # The synthesis is the body's: a party sees its own answer only.
    Row("proposals:round-synthesis", "GET", view_only(), {"pk": "round.own_body"}),
    Row(
        "proposals:round-synthesis-export",
        "GET",
        view_only(),
        {"pk": "round.own_body", "fmt": "const.xlsx"},
    ),
    Row("proposals:respond", "POST", E(404), {"pk": "missing"}),
    # --- key projects -------------------------------------------------------
    # The Hanoi team's project lies in Bắc Ninh: the external user reads it.
    Row("keyprojects:list", "GET", E(OK)),
    Row("keyprojects:timeline", "GET", E(OK)),
    Row("keyprojects:create", "GET", E(403, (MANAGERS, OK))),
    Row(
        "keyprojects:detail",
        "GET",
        view_only(party=True),
        {"pk": "keyproject.own_body"},
        "located in the external user's province",
    ),
    Row(
        "keyprojects:detail",
        "GET",
        view_only(other_body=True),
        {"pk": "keyproject.other_body"},
    ),
    Row("keyprojects:detail", "GET", E(404), {"pk": "missing"}),
    Row(
        "keyprojects:edit",
        "GET",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "keyproject.own_body"},
    ),
    Row(
        "keyprojects:edit",
        "GET",
        hanoi_item(change=("admin",), other_body=True),
        {"pk": "keyproject.other_body"},
    ),
    Row(
        "keyprojects:phase-add",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "keyproject.own_body"},
    ),
    Row(
        "keyprojects:milestone-add",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "keyproject.own_body"},
    ),
    Row(
        "keyprojects:milestone-edit",
        "GET",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "keyproject.own_body", "mid": "milestone.own_body"},
    ),
    Row(
        "keyprojects:milestone-complete",
        "POST",
        hanoi_item(change=MANAGERS, party=True),
        {"pk": "keyproject.own_body", "mid": "milestone.own_body"},
    ),
    Row(
        "keyprojects:milestone-complete",
        "POST",
        E(404),
        {"pk": "keyproject.other_body", "mid": "milestone.own_body"},
        "a milestone under another project's id: 404 to all",
    ),
    # --- API ----------------------------------------------------------------
    Row(
        "POST /api/v1/auth/token",
        "POST",
        E(422, anonymous=422),
        note="credentials in the body (none here); no token needed",
    ),
    Row("DELETE /api/v1/auth/token", "DELETE", A(OK)),
    Row("GET /api/v1/auth/me", "GET", A(OK)),
    Row("GET /api/v1/region/units", "GET", A(OK)),
    Row("GET /api/v1/agencies", "GET", A(OK)),
    Row("GET /api/v1/bodies", "GET", A(OK)),
    Row("GET /api/v1/teams", "GET", A(OK)),
    Row(
        "GET /api/v1/bodies/{body_id}/members",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"body_id": "body.own"},
    ),
    Row(
        "GET /api/v1/bodies/{body_id}/members",
        "GET",
        A(404, (CITY, OK)),
        {"body_id": "body.other"},
    ),
    Row(
        "GET /api/v1/bodies/{body_id}/people",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"body_id": "body.own"},
    ),
    Row(
        "GET /api/v1/bodies/{body_id}/people",
        "GET",
        A(404, (CITY, OK)),
        {"body_id": "body.other"},
    ),
    Row("GET /api/v1/documents", "GET", A(OK)),
    Row("POST /api/v1/documents", "POST", A(OK)),
    Row(
        "GET /api/v1/documents/{document_id}",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"document_id": "doc.own_body"},
    ),
    Row(
        "GET /api/v1/documents/{document_id}",
        "GET",
        A(404, (CITY, OK)),
        {"document_id": "doc.other_body"},
    ),
    Row(
        "PATCH /api/v1/documents/{document_id}",
        "PATCH",
        A(404, (SEES_HANOI, 403), (MANAGERS, OK)),
        {"document_id": "doc.own_body"},
    ),
    Row(
        "PATCH /api/v1/documents/{document_id}",
        "PATCH",
        A(404, (CITY, 403), (("admin",), OK)),
        {"document_id": "doc.other_body"},
    ),
    Row("GET /api/v1/tasks/sectors", "GET", A(OK)),
    Row("GET /api/v1/tasks", "GET", A(OK)),
    Row("POST /api/v1/tasks", "POST", A(OK)),
    Row("GET /api/v1/tasks/summary", "GET", A(OK)),
    Row(
        "GET /api/v1/tasks/{task_id}",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"task_id": "task.own_body"},
    ),
    Row(
        "GET /api/v1/tasks/{task_id}",
        "GET",
        A(404, ((*SEES_HANOI, "external"), OK)),
        {"task_id": "task.party"},
    ),
    Row(
        "GET /api/v1/tasks/{task_id}",
        "GET",
        A(404, (CITY, OK)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "PATCH /api/v1/tasks/{task_id}",
        "PATCH",
        A(404, (SEES_HANOI, 403), (MANAGERS, OK)),
        {"task_id": "task.own_body"},
    ),
    Row(
        "PATCH /api/v1/tasks/{task_id}",
        "PATCH",
        A(404, (CITY, 403), (("admin",), OK)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/progress",
        "POST",
        A(404, (SEES_HANOI, 403), (("member", "specialist"), OK)),
        {"task_id": "task.own_agency"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/progress",
        "POST",
        A(404, (CITY, 403)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/transitions",
        "POST",
        A(404, (SEES_HANOI, 403), (MANAGERS, OK)),
        {"task_id": "task.own_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/transitions",
        "POST",
        A(404, (CITY, 403), (("admin",), OK)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "GET /api/v1/tasks/{task_id}/extension-requests",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"task_id": "ext.task"},
    ),
    Row(
        "GET /api/v1/tasks/{task_id}/extension-requests",
        "GET",
        A(404, (CITY, OK)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/extension-requests",
        "POST",
        A(404, (SEES_HANOI, 403), (("member",), OK)),
        {"task_id": "task.own_agency"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/extension-requests",
        "POST",
        A(404, (CITY, 403)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/extension-requests/{request_id}/decision",
        "POST",
        A(404, (SEES_HANOI, 403), (DECIDERS, OK)),
        {"task_id": "ext.task", "request_id": "ext.own_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/extension-requests/{request_id}/withdraw",
        "POST",
        A(404, (SEES_HANOI, 403)),
        {"task_id": "ext.task", "request_id": "ext.own_body"},
    ),
    Row(
        "GET /api/v1/tasks/{task_id}/comments",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"task_id": "task.own_body"},
    ),
    Row(
        "GET /api/v1/tasks/{task_id}/comments",
        "GET",
        A(404, (CITY, OK)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/comments",
        "POST",
        A(404, (SEES_HANOI, OK)),
        {"task_id": "task.own_body"},
    ),
    Row(
        "POST /api/v1/tasks/{task_id}/comments",
        "POST",
        A(404, (CITY, OK)),
        {"task_id": "task.other_body"},
    ),
    Row(
        "PATCH /api/v1/tasks/{task_id}/comments/{comment_id}",
        "PATCH",
        A(404, (SEES_HANOI, 403), (("secretariat",), OK)),
        {"task_id": "task.own_body", "comment_id": "comment.own_body"},
        "the author only; other readers 403",
    ),
    Row("GET /api/v1/proposals", "GET", A(OK)),
    Row("POST /api/v1/proposals", "POST", A(OK)),
    Row(
        "GET /api/v1/proposals/{proposal_id}",
        "GET",
        A(404, (SEES_HANOI, OK)),
        {"proposal_id": "proposal.own_body"},
    ),
    Row(
        "GET /api/v1/proposals/{proposal_id}", "GET", A(404), {"proposal_id": "missing"}
    ),
    Row(
        "GET /api/v1/proposals/{proposal_id}/rounds",
        "GET",
        A(404, ((*SEES_HANOI, "external"), OK)),
        {"proposal_id": "proposal.own_body"},
        "a party: the rounds asking it",
    ),
    Row(
        "POST /api/v1/proposals/{proposal_id}/tasks",
        "POST",
        A(404, (SEES_HANOI, 403), (MEMBER_MANAGERS, OK)),
        {"proposal_id": "proposal.own_body"},
        "the recorders assign tasks from an adopted proposal",
    ),
    Row(
        "POST /api/v1/rounds/{round_id}/parties/{party_id}/files",
        "POST",
        A(404, ((*SEES_HANOI, "external"), 403), (("member", "admin"), OK)),
        {"round_id": "round.own_body", "party_id": "party.own_body"},
        "the Sở Xây dựng party: its focal point attaches files",
    ),
    Row(
        "GET /api/v1/rounds/{round_id}/answers",
        "GET",
        A(404, ((*SEES_HANOI, "external"), OK)),
        {"round_id": "round.own_body"},
    ),
    Row(
        "POST /api/v1/rounds/{round_id}/answers",
        "POST",
        A(404, ((*SEES_HANOI, "external"), 403), (("member", "external"), OK)),
        {"round_id": "round.own_body"},
    ),
    Row("GET /api/v1/key-projects", "GET", A(OK)),
    Row("POST /api/v1/key-projects", "POST", A(OK)),
    Row(
        "GET /api/v1/key-projects/{project_id}",
        "GET",
        A(404, ((*SEES_HANOI, "external"), OK)),
        {"project_id": "keyproject.own_body"},
    ),
    Row(
        "GET /api/v1/key-projects/{project_id}",
        "GET",
        A(404, (CITY, OK)),
        {"project_id": "keyproject.other_body"},
    ),
    Row(
        "PATCH /api/v1/key-projects/{project_id}",
        "PATCH",
        A(404, ((*SEES_HANOI, "external"), 403), (MANAGERS, OK)),
        {"project_id": "keyproject.own_body"},
    ),
    Row(
        "GET /api/v1/key-projects/{project_id}/milestones",
        "GET",
        A(404, ((*SEES_HANOI, "external"), OK)),
        {"project_id": "keyproject.own_body"},
    ),
    Row(
        "POST /api/v1/key-projects/{project_id}/milestones",
        "POST",
        A(404, ((*SEES_HANOI, "external"), 403), (MANAGERS, OK)),
        {"project_id": "keyproject.own_body"},
    ),
    Row(
        "PATCH /api/v1/key-projects/{project_id}/milestones/{milestone_id}",
        "PATCH",
        A(404, ((*SEES_HANOI, "external"), 403), (MANAGERS, OK)),
        {"project_id": "keyproject.own_body", "milestone_id": "milestone.own_body"},
    ),
]

# Bodies for the writes, so a refusal is about the permission and not about
# a missing field (the API validates the body first). Used when a row gives
# no ``data``.
BODIES: dict[str, dict] = {
    "tasks:transition": {"action": "cancel", "reason": "Thử", "version": "1"},
    "proposals:action": {"action": "review"},
    "POST /api/v1/proposals/{proposal_id}/tasks": {"title": "Thử", "lead_agency_id": 1},
    "PATCH /api/v1/documents/{document_id}": {"version": 1, "summary": "Thử"},
    "PATCH /api/v1/tasks/{task_id}": {"version": 1, "title": "Thử quyền"},
    "POST /api/v1/tasks/{task_id}/transitions": {"action": "cancel", "reason": "x"},
    "POST /api/v1/tasks/{task_id}/progress": {"percent": 50, "text": "Thử"},
    "POST /api/v1/tasks/{task_id}/extension-requests": {
        "requested_deadline": "2099-12-31",
        "reason": "Thử",
    },
    "POST /api/v1/tasks/{task_id}/extension-requests/{request_id}/decision": {
        "decision": "refuse",
        "reason": "Thử",
    },
    "POST /api/v1/tasks/{task_id}/comments": {"text": "Thử"},
    "PATCH /api/v1/tasks/{task_id}/comments/{comment_id}": {
        "text": "Thử",
        "version": 1,
    },
    "POST /api/v1/rounds/{round_id}/answers": {"answer": "agree"},
    "PATCH /api/v1/key-projects/{project_id}": {"version": 1, "name": "Thử quyền"},
    "POST /api/v1/key-projects/{project_id}/milestones": {
        "name": "Thử quyền",
        "planned_on": "2099-01-01",
        "responsible_agency_id": 1,
    },
    "PATCH /api/v1/key-projects/{project_id}/milestones/{milestone_id}": {
        "version": 1,
        "note": "Thử",
    },
}

# The Django admin: every admin URL (named or not) is for administrators;
# everyone else is sent to the admin login (302). Checked on the index and
# each model's list page; other admin URLs are covered by this rule.
ADMIN_PREFIX = "admin/"
ADMIN_EXPECT = E(302, (("admin",), OK))

# Routes outside the matrix on purpose, with the reason.
NOT_CHECKED = {
    "api:openapi-json": "the public API description",
    "api:openapi-view": "the public API documentation page",
    "api:api-root": "the API's root page",
    "api:not_found": "the API's catch-all 404",
    "javascript-catalog": "public translations for scripts",
}


# Per-app rows and bodies, one module per app (matrix_<app>.py), so the
# newer areas keep their own part of the matrix.
from . import (  # noqa: E402
    matrix_activities,
    matrix_calendars,
    matrix_inspections,
    matrix_matters,
    matrix_reports,
)

for _module in (
    matrix_matters,
    matrix_activities,
    matrix_inspections,
    matrix_calendars,
    matrix_reports,
):
    ROWS.extend(_module.ROWS)
    BODIES.update(_module.BODIES)
