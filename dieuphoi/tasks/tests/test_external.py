"""Other provinces' teams and ministries as co-operating parties (issue 7 §4).

``external`` (conftest) is a member of the Bắc Ninh team with its own agency.
A Hanoi task can name the Bắc Ninh team (a body party) or an agency as a
party; the external user sees only those tasks, acts only on their own part,
and gets 404 for anything else of Hanoi's, 403 for an action.
"""

import datetime
import json
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from dieuphoi.accounts.services import api_token_create
from dieuphoi.audit.models import AuditEvent
from dieuphoi.audit.services import audit_record
from dieuphoi.docs.models import Attachment
from dieuphoi.org.models import Agency
from dieuphoi.org.tests.factories import AgencyFactory, BodyFactory, UnitFactory
from dieuphoi.reminders.models import Reminder
from dieuphoi.tasks import permissions, selectors, services
from dieuphoi.tasks.extensions import services as extensions
from dieuphoi.tasks.models import (
    DeadlineChange,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskPart,
)
from dieuphoi.tasks.tests.factories import ProgressUpdateFactory, TaskPartFactory

DAY = datetime.timedelta(days=1)
# The task page for a party-only viewer (pinned; independent of the number
# of parts and updates; the seats come with the user).
EXTERNAL_PAGE_QUERIES = 10
URL = "/api/v1/tasks"


class Api:
    def __init__(self, client, user):
        _, raw = api_token_create(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, **params):
        return self.client.get(URL + path, params, **self.headers)

    def post(self, path, data):
        return self.client.post(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )

    def patch(self, path, data):
        return self.client.patch(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


@pytest.fixture
def ext_agency(external):
    return external.memberships.get().agency


@pytest.fixture
def tasks(make_task, other_team, ext_agency, coop_agency, today):
    """``team``: the Bắc Ninh team is a party; ``agency``: the external
    user's agency is a party; ``hanoi``: Hanoi only (a co-operating Hanoi
    agency)."""
    team = make_task(title="Kết nối giao thông liên tỉnh")
    team_part = TaskPartFactory(
        task=team, agency=None, body=other_team, deadline=today + 10 * DAY
    )
    TaskPartFactory(task=team, agency=coop_agency)
    agency = make_task(title="Quy hoạch khu công nghiệp")
    agency_part = TaskPartFactory(task=agency, agency=ext_agency)
    hanoi = make_task(title="Việc riêng của Hà Nội")
    TaskPartFactory(task=hanoi, agency=coop_agency)
    return {
        "team": team,
        "agency": agency,
        "hanoi": hanoi,
        "team_part": team_part,
        "agency_part": agency_part,
    }


def counts():
    return (
        ProgressUpdate.objects.count(),
        ExtensionRequest.objects.count(),
        AuditEvent.objects.writes().count(),
    )


# --- model ------------------------------------------------------------------------


def test_a_part_is_exactly_one_of_agency_and_body(make_task, other_team, coop_agency):
    task = make_task()
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskPart.objects.create(task=task, agency=coop_agency, body=other_team)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskPart.objects.create(task=task)
    part = TaskPart.objects.create(task=task, body=other_team)
    assert part.party == other_team
    assert part.party_name == str(other_team)
    assert part.party_key == ("body", other_team.pk)


# --- visibility ---------------------------------------------------------------------


def test_external_sees_only_the_tasks_they_are_a_party_to(external, tasks):
    assert permissions.can_view_task(external, tasks["team"])
    assert permissions.can_view_task(external, tasks["agency"])
    assert not permissions.can_view_task(external, tasks["hanoi"])
    visible = set(selectors.task_queryset(user=external).values_list("pk", flat=True))
    assert visible == {tasks["team"].pk, tasks["agency"].pk}


def test_hanoi_members_keep_seeing_every_task_of_their_body(member, tasks):
    visible = set(selectors.task_queryset(user=member).values_list("pk", flat=True))
    assert visible == {t.pk for k, t in tasks.items() if not k.endswith("part")}


def test_outsider_sees_no_party_task(outsider, tasks):
    assert not permissions.can_view_task(outsider, tasks["team"])
    assert not selectors.task_queryset(user=outsider).exists()


def test_bulk_visibility_matches_the_single_rule(
    external, member, outsider, tasks, today
):
    users = [external, member, outsider]
    items = [tasks["team"], tasks["agency"], tasks["hanoi"]]
    pairs = {(u.pk, t.pk) for u in users for t in items}
    expected = {
        (u.pk, t.pk) for u in users for t in items if permissions.can_view_task(u, t)
    }
    assert permissions.task_visible_pairs(pairs, today) == expected
    assert (external.pk, tasks["hanoi"].pk) not in expected


def test_external_list_page_shows_only_party_tasks(login, external, tasks):
    response = login(external).get(reverse("tasks:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert tasks["team"].code in body
    assert tasks["agency"].code in body
    assert tasks["hanoi"].code not in body


def test_lists_name_only_the_external_users_own_parts(
    login, api, external, member, tasks
):
    """On another body's task an external user sees their own part, as the
    task page shows it: the list's co-operating column and the API list
    name no other party and give no other part's description.
    Hanoi's own people still see every party."""
    team, agency = tasks["team"], tasks["agency"]
    own_team = tasks["team_part"].party_name
    coop_name = TaskPart.objects.get(task=team, agency__isnull=False).party_name
    assert own_team != coop_name

    def names(user):
        permissions.clear_seat_cache(user)
        page = selectors.task_list(user=user, parts="names")
        return {t.pk: t.party_names for t in page.items}

    assert names(external)[team.pk] == [own_team]
    assert names(external)[agency.pk] == [tasks["agency_part"].party_name]
    assert sorted(names(member)[team.pk]) == sorted([own_team, coop_name])

    page = login(external).get(reverse("tasks:list")).content.decode()
    row = page[page.index(f'id="task-row-{team.pk}"') :]
    row = row[: row.index("</tr>")]
    assert own_team in row
    assert coop_name not in row

    items = {i["id"]: i for i in api(external).get("").json()["items"]}
    assert [p["id"] for p in items[team.pk]["cooperating"]] == [tasks["team_part"].pk]
    everything = {i["id"]: i for i in api(member).get("").json()["items"]}
    assert len(everything[team.pk]["cooperating"]) == 2


def test_external_gets_404_for_a_hanoi_task_page(login, external, tasks):
    client = login(external)
    assert (
        client.get(reverse("tasks:detail", args=[tasks["hanoi"].pk])).status_code == 404
    )
    assert (
        client.get(reverse("tasks:detail", args=[tasks["team"].pk])).status_code == 200
    )


def test_external_list_keeps_a_fixed_number_of_queries(
    external, make_task, other_team, django_assert_num_queries
):
    def run():
        permissions.clear_seat_cache(external)
        page = selectors.task_list(user=external, filters=selectors.TaskFilters())
        return len(page.items)

    for _ in range(2):
        TaskPartFactory(task=make_task(), agency=None, body=other_team)
    run()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert run() == 2
    for _ in range(4):
        TaskPartFactory(task=make_task(), agency=None, body=other_team)
    with django_assert_num_queries(len(few.captured_queries)):
        assert run() == 6


def test_external_my_work_lists_their_unfinished_parts(external, tasks):
    work = selectors.my_work(user=external)
    assert {t.pk for t in work.cooperating} == {tasks["team"].pk, tasks["agency"].pk}
    assert tasks["hanoi"].pk not in {t.pk for t in work.to_report}


def test_summary_for_external_counts_only_party_tasks(external, member, tasks):
    assert selectors.task_summary(user=external)["totals"]["total"] == 2
    assert selectors.task_summary(user=member)["totals"]["total"] == 3


# --- acting on their own part -------------------------------------------------------


def test_external_reports_progress_on_the_team_part(external, tasks, ext_agency):
    update = services.progress_report(
        actor=external, task=tasks["team"], percent=40, text="Đã khảo sát tuyến"
    )
    part = tasks["team_part"]
    part.refresh_from_db()
    assert update.part_id == part.pk
    assert part.progress == 40
    # A team party's update is recorded under the reporter's home agency.
    assert update.agency == ext_agency
    assert AuditEvent.objects.filter(action="tasks.progress").exists()
    task = Task.objects.get(pk=tasks["team"].pk)
    assert task.progress == 0  # the task's own progress is the lead's


def test_external_cannot_report_on_another_partys_part(external, tasks):
    other = tasks["team"].parts.exclude(pk=tasks["team_part"].pk).get()
    before = counts()
    with pytest.raises(PermissionDenied):
        services.progress_report(
            actor=external, task=tasks["team"], part=other.pk, percent=10, text="x"
        )
    assert counts() == before


def test_external_cannot_take_workflow_actions(external, tasks):
    assert not permissions.can_change_task(external, tasks["team"])
    with pytest.raises(PermissionDenied):
        services.task_transition(actor=external, task=tasks["team"], action="start")


def test_hanoi_focal_point_of_a_cooperating_agency_still_reports(coop_member, tasks):
    update = services.progress_report(
        actor=coop_member, task=tasks["hanoi"], percent=30, text="Đang làm"
    )
    assert update.part.agency_id == coop_member.agency_id


def test_external_requests_a_later_sub_deadline_and_the_leader_decides(
    external, leader, tasks, today
):
    task = tasks["team"]
    part = tasks["team_part"]
    request = extensions.part_extension_request_create(
        actor=external,
        task=task,
        part=part,
        requested_deadline=part.deadline + 5 * DAY,
        reason="Chờ ý kiến của Bộ",
    )
    task.refresh_from_db()
    assert task.state == Task.State.IN_PROGRESS  # the task's state is untouched
    assert request.part_id == part.pk
    with pytest.raises(ValidationError) as exc:
        extensions.part_extension_request_create(
            actor=external,
            task=task,
            part=part,
            requested_deadline=part.deadline + 6 * DAY,
            reason="Lần hai",
        )
    assert "action" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        extensions.extension_request_decide(
            actor=external, task=task, extension=request, decision="approve"
        )
    extensions.extension_request_decide(
        actor=leader, task=task, extension=request, decision="approve"
    )
    part.refresh_from_db()
    assert part.deadline == today + 15 * DAY
    task.refresh_from_db()
    assert task.deadline == today + 30 * DAY  # the task's deadline stays
    assert AuditEvent.objects.filter(action="tasks.approve_part_extension").exists()


def test_part_extension_cannot_pass_the_tasks_deadline(external, tasks, today):
    task = tasks["team"]
    with pytest.raises(ValidationError) as exc:
        extensions.part_extension_request_create(
            actor=external,
            task=task,
            part=tasks["team_part"],
            requested_deadline=task.deadline + DAY,
            reason="Quá hạn chung",
        )
    assert "requested_deadline" in exc.value.message_dict


def test_external_cannot_request_for_another_partys_part(external, tasks, today):
    other = tasks["team"].parts.exclude(pk=tasks["team_part"].pk).get()
    other.deadline = today + 5 * DAY
    other.save()
    before = counts()
    with pytest.raises(PermissionDenied):
        extensions.part_extension_request_create(
            actor=external,
            task=tasks["team"],
            part=other,
            requested_deadline=today + 7 * DAY,
            reason="Không phải phần của tôi",
        )
    assert counts() == before


def test_a_pending_part_request_does_not_block_the_leads_request(
    external, member, tasks, today
):
    task = tasks["team"]
    part = tasks["team_part"]
    extensions.part_extension_request_create(
        actor=external,
        task=task,
        part=part,
        requested_deadline=part.deadline + DAY,
        reason="Phần của Bắc Ninh",
    )
    extensions.extension_request_create(
        actor=member,
        task=task,
        requested_deadline=task.deadline + 10 * DAY,
        reason="Cả nhiệm vụ",
    )
    task.refresh_from_db()
    assert task.state == Task.State.EXTENSION_REQUESTED


# --- the team's rules on parties --------------------------------------------------------


@pytest.fixture
def hanoi_unit(hanoi_team):
    unit = UnitFactory(key="ha-noi-x", name="TP. Hà Nội")
    hanoi_team.unit = unit
    hanoi_team.save()
    return unit


def _create(leader, body, lead, **kwargs):
    return services.task_create(
        actor=leader,
        body=body,
        title="Nhiệm vụ phối hợp",
        assigned_on=datetime.date(2025, 8, 1),
        lead_agency=lead,
        **kwargs,
    )


def test_lead_agency_must_be_one_of_the_teams_own(
    leader, hanoi_team, hanoi_unit, member_agency
):
    other_unit = UnitFactory(key="bac-ninh-x", name="Tỉnh Bắc Ninh")
    foreign = AgencyFactory(kind=Agency.Kind.PROVINCIAL_DEPARTMENT, unit=other_unit)
    ministry = AgencyFactory(kind=Agency.Kind.MINISTRY)
    member_agency.unit = hanoi_unit
    member_agency.save()
    for lead in (foreign, ministry):
        with pytest.raises(ValidationError) as exc:
            _create(leader, hanoi_team, lead)
        assert "lead_agency" in exc.value.message_dict
    assert not Task.objects.exists()
    # Asked to co-operate instead, they are fine.
    task = _create(
        leader,
        hanoi_team,
        member_agency,
        cooperating=[{"agency": foreign}, {"agency": ministry}],
    )
    assert {p.agency_id for p in task.parts.all()} == {foreign.pk, ministry.pk}


def test_a_team_can_be_a_party_once_and_never_the_assigning_body(
    leader, hanoi_team, other_team, member_agency
):
    with pytest.raises(ValidationError) as exc:
        _create(leader, hanoi_team, member_agency, cooperating=[hanoi_team])
    assert "cooperating" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _create(leader, hanoi_team, member_agency, cooperating=[other_team, other_team])
    task = _create(
        leader,
        hanoi_team,
        member_agency,
        cooperating=[{"body": other_team, "description": "Phần của Bắc Ninh"}],
    )
    part = task.parts.get()
    assert part.body == other_team
    assert part.agency is None
    event = AuditEvent.objects.get(action="tasks.create")
    assert event.changes["cooperating"]["after"][0]["body"] == other_team.pk


def test_a_team_party_must_exist_on_the_assigned_date(
    leader, hanoi_team, member_agency
):
    late = BodyFactory(valid_from=datetime.date(2025, 9, 1))
    with pytest.raises(ValidationError) as exc:
        _create(leader, hanoi_team, member_agency, cooperating=[late])
    assert "cooperating" in exc.value.message_dict


def test_update_swaps_an_agency_party_for_a_team(
    leader, make_task, other_team, coop_agency
):
    task = make_task()
    TaskPartFactory(task=task, agency=coop_agency)
    services.task_update(
        actor=leader,
        task=task,
        version=task.version,
        cooperating=[{"agency": coop_agency}, {"body": other_team}],
    )
    assert {p.party_key for p in task.parts.all()} == {
        ("agency", coop_agency.pk),
        ("body", other_team.pk),
    }


# --- the form ---------------------------------------------------------------------------


def test_the_form_offers_teams_and_creates_a_team_party(
    login, leader, hanoi_team, other_team, member_agency, today
):
    client = login(leader)
    page = client.get(reverse("tasks:create"))
    assert page.status_code == 200
    assert f'value="team-{other_team.pk}"' in page.content.decode()
    response = client.post(
        reverse("tasks:create"),
        {
            "body": hanoi_team.pk,
            "title": "Phối hợp với Bắc Ninh",
            "assigned_on": today.strftime("%d/%m/%Y"),
            "lead_agency": member_agency.pk,
            "deadline_kind": "date",
            "deadline": (today + 30 * DAY).strftime("%d/%m/%Y"),
            "parts-TOTAL_FORMS": "1",
            "parts-INITIAL_FORMS": "0",
            "parts-MIN_NUM_FORMS": "0",
            "parts-MAX_NUM_FORMS": "50",
            "parts-0-agency": f"team-{other_team.pk}",
            "parts-0-description": "Phần của Bắc Ninh",
        },
    )
    assert response.status_code in (200, 302)
    task = Task.objects.get(title="Phối hợp với Bắc Ninh")
    assert task.parts.get().body == other_team


def test_lead_picker_offers_only_own_agencies(
    login, leader, hanoi_team, hanoi_unit, member_agency
):
    member_agency.unit = hanoi_unit
    member_agency.save()
    ministry = AgencyFactory(kind=Agency.Kind.MINISTRY, name="Bộ Thử nghiệm")
    from dieuphoi.tasks.forms import Choices

    choices = Choices(bodies=[hanoi_team])
    with translation.override("en"):
        lead = [v for _g, rows in choices.lead_choices() for v, _ in rows]
        parties = [v for _g, rows in choices.party_choices() for v, _ in rows]
    assert str(member_agency.pk) in lead
    assert str(ministry.pk) not in lead
    assert str(ministry.pk) in parties


# --- API ------------------------------------------------------------------------------


def test_api_list_shows_external_only_party_tasks(api, external, tasks):
    response = api(external).get("")
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {tasks["team"].pk, tasks["agency"].pk}
    summary = api(external).get("/summary").json()
    assert summary["totals"]["total"] == 2


def test_api_detail_404_for_a_hanoi_task(api, external, outsider, tasks):
    assert api(external).get(f"/{tasks['hanoi'].pk}").status_code == 404
    assert api(outsider).get(f"/{tasks['team'].pk}").status_code == 404
    data = api(external).get(f"/{tasks['team'].pk}").json()
    # Only their own part (see test_api_detail_for_external_shows_only_their_part).
    assert [p["party_kind"] for p in data["cooperating"]] == ["body"]


def test_api_external_reports_own_part_and_403_on_another(api, external, tasks):
    client = api(external)
    own = tasks["team_part"]
    other = tasks["team"].parts.exclude(pk=own.pk).get()
    before = counts()
    response = client.post(
        f"/{tasks['team'].pk}/progress",
        {"percent": 10, "text": "Phần khác", "part_id": other.pk},
    )
    assert response.status_code == 403
    assert counts() == before
    response = client.post(
        f"/{tasks['team'].pk}/progress",
        {"percent": 25, "text": "Phần của Bắc Ninh", "part_id": own.pk},
    )
    assert response.status_code == 201
    assert response.json()["update"]["part_id"] == own.pk


def test_api_external_cannot_report_on_a_hanoi_task(api, external, tasks):
    client = api(external)
    before = counts()
    response = client.post(
        f"/{tasks['hanoi'].pk}/progress", {"percent": 10, "text": "x"}
    )
    assert response.status_code == 404
    assert counts() == before


def test_api_external_cannot_change_or_transition(api, external, tasks):
    task = tasks["team"]
    client = api(external)
    assert (
        client.patch(f"/{task.pk}", {"version": task.version, "title": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/{task.pk}/transitions", {"action": "start"}).status_code == 403
    )
    assert Task.objects.get(pk=task.pk).title == task.title


def test_api_part_extension_request(api, external, tasks):
    part = tasks["team_part"]
    response = api(external).post(
        f"/{tasks['team'].pk}/extension-requests",
        {
            "requested_deadline": part.deadline + DAY,
            "reason": "Chờ phê duyệt",
            "part_id": part.pk,
        },
    )
    assert response.status_code == 201
    assert response.json()["request"]["part_id"] == part.pk
    # Without part_id the external user asks for the task's deadline: 403.
    response = api(external).post(
        f"/{tasks['team'].pk}/extension-requests",
        {"requested_deadline": part.deadline + DAY, "reason": "Cả nhiệm vụ"},
    )
    assert response.status_code == 403


def test_api_create_with_a_team_party(
    api, leader, hanoi_team, other_team, member_agency, today
):
    response = api(leader).post(
        "",
        {
            "body_id": hanoi_team.pk,
            "title": "Phối hợp qua API",
            "assigned_on": today,
            "lead_agency_id": member_agency.pk,
            "cooperating": [{"body_id": other_team.pk, "description": "Phần BN"}],
        },
    )
    assert response.status_code == 201, response.json()
    part = response.json()["cooperating"][0]
    assert part["party_kind"] == "body"
    assert part["body"]["id"] == other_team.pk
    assert part["agency"] is None


def test_api_create_rejects_a_part_with_both_or_neither(
    api, leader, hanoi_team, other_team, member_agency, coop_agency, today
):
    for part in (
        {"agency_id": coop_agency.pk, "body_id": other_team.pk},
        {"description": "không có bên nào"},
    ):
        response = api(leader).post(
            "",
            {
                "body_id": hanoi_team.pk,
                "title": "Sai",
                "assigned_on": today,
                "lead_agency_id": member_agency.pk,
                "cooperating": [part],
            },
        )
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {"cooperating"}
    assert not Task.objects.filter(title="Sai").exists()


def test_openapi_documents_the_task_errors(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    detail = paths["/api/v1/tasks/{task_id}"]
    assert {"401", "403", "404", "409", "422"} <= set(detail["patch"]["responses"])
    assert {"401", "404"} <= set(detail["get"]["responses"])
    progress = paths["/api/v1/tasks/{task_id}/progress"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(progress)
    components = schema["components"]["schemas"]
    for name in (
        "TaskIn",
        "TaskPatch",
        "PartIn",
        "TransitionIn",
        "ExtensionDecisionIn",
        "TaskOut",
        "PartOut",
        "SectorOut",
    ):
        undocumented = [
            field
            for field, spec in components[name]["properties"].items()
            if not spec.get("description")
        ]
        assert not undocumented, (name, undocumented)
    conflict = detail["patch"]["responses"]["409"]["content"]["application/json"]
    assert conflict["schema"]["$ref"].endswith("/ConflictOut")
    # Inline request bodies (JSON or multipart) are documented too.
    progress_body = paths["/api/v1/tasks/{task_id}/progress"]["post"]["requestBody"]
    inline = progress_body["content"]["application/json"]["schema"]["properties"]
    assert all(spec.get("description") for spec in inline.values())


# --- the task page: a party's sub-deadline request ---------------------------------------


def test_task_page_offers_the_party_its_sub_deadline_request(login, external, tasks):
    task = tasks["team"]
    page = login(external).get(reverse("tasks:detail", args=[task.pk]))
    assert page.status_code == 200
    assert reverse("tasks:part-extension-request", args=[task.pk]) in (
        page.content.decode()
    )


def test_party_sends_a_sub_deadline_request_from_the_page(
    login, external, leader, tasks
):
    task, part = tasks["team"], tasks["team_part"]
    response = login(external).post(
        reverse("tasks:part-extension-request", args=[task.pk]),
        {
            "part": part.pk,
            "requested_deadline": (part.deadline + DAY).strftime("%d/%m/%Y"),
            "reason": "Chờ thẩm định",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    request = ExtensionRequest.objects.get(part=part)
    assert request.is_pending
    # The leader sees it with the decisions on the task page.
    page = login(leader).get(reverse("tasks:detail", args=[task.pk]))
    assert f"part-extension-pending-{request.pk}" in page.content.decode()
    assert reverse("tasks:extension-decide", args=[task.pk, request.pk]) in (
        page.content.decode()
    )


def test_sub_deadline_request_page_rules(login, external, outsider, member, tasks):
    task = tasks["team"]
    url = reverse("tasks:part-extension-request", args=[task.pk])
    data = {"part": tasks["team_part"].pk, "requested_deadline": "", "reason": "x"}
    assert login(outsider).post(url, data).status_code == 404
    hanoi = reverse("tasks:part-extension-request", args=[tasks["hanoi"].pk])
    assert login(external).post(hanoi, data).status_code == 404
    # The lead's focal point reports on no part of it: 403.
    assert login(member).post(url, data).status_code == 403
    assert not ExtensionRequest.objects.exists()


# --- what a party sees of the task ----------------------------------------------------


@pytest.fixture
def reported(tasks, coop_agency, member, external, today):
    """The team task with three updates: the lead's (task-level), the Hanoi
    co-operating agency's part and the Bắc Ninh team's part; a deadline
    change and an audit event naming Hanoi's people."""
    task = tasks["team"]
    other = task.parts.exclude(pk=tasks["team_part"].pk).get()
    lead = ProgressUpdateFactory(
        task=task, author=member, text="Báo cáo của cơ quan chủ trì", percent=40
    )
    hidden = ProgressUpdateFactory(
        task=task,
        part=other,
        agency=coop_agency,
        text="Phần việc riêng của Sở Nông nghiệp",
        percent=30,
    )
    own = ProgressUpdateFactory(
        task=task,
        part=tasks["team_part"],
        agency=external.memberships.get().agency,
        author=external,
        text="Phần việc của Bắc Ninh",
        percent=20,
    )
    DeadlineChange.objects.create(
        task=task,
        old_deadline=today,
        new_deadline=task.deadline,
        reason="Lý do nội bộ của Hà Nội",
        changed_by=member,
        effective_on=task.assigned_on,
    )
    audit_record(
        actor=member, action="tasks.update", target=task, changes={"title": "x"}
    )
    Reminder.objects.create(
        task=task,
        part=other,
        kind=Reminder.Kind.PART_URGING,
        deadline=today,
        seq=1,
        sent_on=today,
        run=uuid.uuid4(),
    )
    return {"task": task, "other": other, "lead": lead, "hidden": hidden, "own": own}


def _page(client, task):
    response = client.get(reverse("tasks:detail", args=[task.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_external_page_shows_only_their_part_and_the_leads_updates(
    login, external, tasks, reported
):
    body = _page(login(external), reported["task"])
    assert f'id="task-part-{tasks["team_part"].pk}"' in body
    assert f'id="task-part-{reported["other"].pk}"' not in body
    assert reported["own"].text in body
    assert reported["lead"].text in body
    assert reported["hidden"].text not in body
    assert f'id="task-update-{reported["hidden"].pk}"' not in body
    # No audit timeline, no deadline-change log, no Hanoi-only heading rows.
    assert 'id="timeline"' not in body
    assert "Lý do nội bộ của Hà Nội" not in body
    assert 'id="task-reminders"' not in body  # Hanoi's reminders panel
    assert reported["task"].title in body
    assert reported["task"].lead_agency.name in body


def test_hanoi_member_still_sees_every_part_update_and_the_timeline(
    login, member, tasks, reported
):
    body = _page(login(member), reported["task"])
    assert f'id="task-part-{tasks["team_part"].pk}"' in body
    assert f'id="task-part-{reported["other"].pk}"' in body
    for key in ("own", "lead", "hidden"):
        assert reported[key].text in body
    assert 'id="timeline"' in body
    assert "Lý do nội bộ của Hà Nội" in body
    assert 'id="task-reminders"' in body


def test_external_page_keeps_a_fixed_number_of_queries(
    login, external, tasks, reported, coop_agency, django_assert_num_queries
):
    client = login(external)
    _page(client, reported["task"])
    # More parties, their updates, more of the lead's: the same queries.
    with django_assert_num_queries(EXTERNAL_PAGE_QUERIES):
        _page(client, reported["task"])
    for _ in range(3):
        part = TaskPartFactory(task=reported["task"])
        ProgressUpdateFactory(task=reported["task"], part=part, agency=part.agency)
        ProgressUpdateFactory(task=reported["task"])
    with django_assert_num_queries(EXTERNAL_PAGE_QUERIES):
        _page(client, reported["task"])


def test_api_detail_for_external_shows_only_their_part(
    api, external, member, tasks, reported
):
    task = reported["task"]
    data = api(external).get(f"/{task.pk}").json()
    assert [p["id"] for p in data["cooperating"]] == [tasks["team_part"].pk]
    assert {u["id"] for u in data["updates"]} == {
        reported["lead"].pk,
        reported["own"].pk,
    }
    assert data["deadline_changes"] == []
    assert data["owner"] is None
    assert data["latest_update"]["text"] in {
        reported["lead"].text,
        reported["own"].text,
    }
    full = api(member).get(f"/{task.pk}").json()
    assert len(full["cooperating"]) == 2
    assert len(full["updates"]) == 3
    assert len(full["deadline_changes"]) == 1


def test_external_cannot_download_another_partys_update_file(
    login, external, member, reported, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ct = ContentType.objects.get_for_model(ProgressUpdate)
    files = {
        key: Attachment.objects.create(
            target_type=ct,
            target_id=reported[key].pk,
            file=SimpleUploadedFile(f"{key}.pdf", b"%PDF-1.4 x"),
            original_name=f"{key}.pdf",
            size=10,
            sha256="0" * 64,
            content_type="application/pdf",
            uploaded_by=member,
        )
        for key in ("own", "hidden")
    }
    client = login(external)
    url = "docs:attachment-download"
    assert client.get(reverse(url, args=[files["own"].pk])).status_code == 200
    assert client.get(reverse(url, args=[files["hidden"].pk])).status_code in (
        403,
        404,
    )
    body = _page(client, reported["task"])
    assert "own.pdf" in body
    assert "hidden.pdf" not in body
    member_client = login(member)
    assert member_client.get(reverse(url, args=[files["hidden"].pk])).status_code == 200


def test_external_downloads_only_their_own_peoples_task_files(
    login, external, member, reported, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    task = reported["task"]
    ct = ContentType.objects.get_for_model(Task)

    def attach(name, by):
        return Attachment.objects.create(
            target_type=ct,
            target_id=task.pk,
            file=SimpleUploadedFile(name, b"%PDF-1.4 x"),
            original_name=name,
            size=10,
            sha256="0" * 64,
            content_type="application/pdf",
            uploaded_by=by,
        )

    hanoi_file = attach("hanoi.pdf", member)
    own_file = attach("ours.pdf", external)
    url = "docs:attachment-download"
    client = login(external)
    assert client.get(reverse(url, args=[own_file.pk])).status_code == 200
    assert client.get(reverse(url, args=[hanoi_file.pk])).status_code == 404
    member_client = login(member)
    assert member_client.get(reverse(url, args=[hanoi_file.pk])).status_code == 200
    assert member_client.get(reverse(url, args=[own_file.pk])).status_code == 200
