"""Handing open tasks over to successor agencies (issue 7 §3), and the
lineage in filters and statistics."""

import datetime
import io
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dieuphoi.accounts.services import api_token_create
from dieuphoi.api.errors import Conflict
from dieuphoi.audit.display import prepare_events
from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.notifications.models import Notification
from dieuphoi.org import services as org_services
from dieuphoi.org.models import AgencySuccession, Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)
from dieuphoi.tasks import handover, selectors, services
from dieuphoi.tasks.models import Task, TaskLeadChange, TaskPart
from dieuphoi.tasks.tests.factories import ProgressUpdateFactory, TaskPartFactory

D = datetime.date
S = Task.State
END = D(2025, 2, 28)
START = D(2025, 3, 1)
ASSIGNED = D(2024, 11, 15)
BASIS = "Nghị quyết 06/NQ-HĐND ngày 25/02/2025"
pytestmark = pytest.mark.django_db


@pytest.fixture
def resolution(hanoi_team):
    return DocumentFactory(
        body=hanoi_team, number="06", symbol="NQ-HĐND", issued_on=D(2025, 2, 25)
    )


@pytest.fixture
def transport(hanoi_team):
    """Sở Giao thông vận tải, merged into Sở Xây dựng on 01/03/2025."""
    return AgencyFactory(code="SGTVT", name="Sở Giao thông vận tải", valid_to=END)


@pytest.fixture
def merger(transport, member_agency, resolution, admin_user):
    return org_services.succession_create(
        actor=admin_user,
        kind=AgencySuccession.Kind.MERGER,
        on=START,
        predecessors=[transport],
        successors=[member_agency],
        document=resolution,
        basis=BASIS,
    )


@pytest.fixture
def environment(hanoi_team):
    return AgencyFactory(code="STNMT", name="Sở Tài nguyên và Môi trường", valid_to=END)


@pytest.fixture
def split(environment, member_agency, coop_agency, resolution, admin_user):
    """Sở TNMT split between Sở Xây dựng and Sở NN&MT (a made-up split)."""
    return org_services.succession_create(
        actor=admin_user,
        kind=AgencySuccession.Kind.SPLIT,
        on=START,
        predecessors=[environment],
        successors=[member_agency, coop_agency],
        document=resolution,
    )


@pytest.fixture
def old_task(make_task, transport):
    """An open 2024 task led by the merged department. (Its number is far
    beyond the factory's running sequence, which other tests in the same
    worker advance.)"""
    return make_task(
        lead_agency=transport, assigned_on=ASSIGNED, state=S.IN_PROGRESS, seq=900_001
    )


def snapshot():
    return (
        list(
            Task.objects.order_by("pk").values_list("pk", "lead_agency_id", "version")
        ),
        list(TaskPart.objects.order_by("pk").values_list("pk", "agency_id")),
        TaskLeadChange.objects.count(),
        AuditEvent.objects.writes().count(),
        Notification.objects.count(),
    )


# --- preview ------------------------------------------------------------------


def test_preview_lists_open_leads_and_parts_with_their_successor(
    make_task, merger, transport, member_agency, coop_agency, old_task, today
):
    done = make_task(
        lead_agency=transport,
        assigned_on=ASSIGNED,
        state=S.COMPLETED,
        completed_on=D(2025, 1, 10),
        deadline=D(2025, 1, 31),
    )
    cancelled = make_task(
        lead_agency=transport,
        assigned_on=ASSIGNED,
        state=S.CANCELLED,
        cancelled_on=today,
    )
    other = make_task(lead_agency=coop_agency)
    part = TaskPartFactory(task=other, agency=transport)
    finished_part = TaskPartFactory(
        task=make_task(lead_agency=coop_agency),
        agency=transport,
        completed_on=D(2025, 1, 5),
    )
    items = handover.handover_preview(succession=merger)
    assert {(i.task.pk, i.part and i.part.pk) for i in items} == {
        (old_task.pk, None),
        (other.pk, part.pk),
    }
    assert all(i.proposed == member_agency and not i.needs_choice for i in items)
    lead = next(i for i in items if i.is_lead)
    assert lead.key == f"lead-{old_task.pk}" and lead.current == transport
    shown = {i.task.pk for i in items}
    assert done.pk not in shown and cancelled.pk not in shown
    assert finished_part.task_id not in shown


def test_preview_runs_a_fixed_number_of_queries(
    make_task, merger, transport, coop_agency, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            make_task(lead_agency=transport, assigned_on=ASSIGNED)
            TaskPartFactory(task=make_task(lead_agency=coop_agency), agency=transport)

    add(2)
    succession = AgencySuccession.objects.get(pk=merger.pk)
    # predecessors + successors + tasks + parts
    with django_assert_num_queries(4):
        assert len(handover.handover_preview(succession=succession)) == 4
    add(4)
    with django_assert_num_queries(4):
        assert len(handover.handover_preview(succession=succession)) == 12


# --- commit ---------------------------------------------------------------------


def test_commit_hands_the_lead_over_with_history_audit_and_timeline(
    merger, old_task, transport, member_agency, secretariat, resolution, login
):
    result = handover.handover_commit(succession=merger, actor=secretariat)
    assert (result.leads, result.parts) == (1, 0)
    old_task.refresh_from_db()
    assert old_task.lead_agency == member_agency
    assert old_task.version == 2
    change = TaskLeadChange.objects.get(task=old_task)
    assert (change.old_agency, change.new_agency) == (transport, member_agency)
    assert change.on == START
    assert change.document == resolution
    assert change.actor == secretariat
    event = AuditEvent.objects.get(action="tasks.handover", target_id=str(old_task.pk))
    assert event.actor == secretariat
    with translation.override("en"):
        (event,) = prepare_events([event])
        rows = {r["label"]: r["after"] for r in event.display_changes}
        assert rows["Handed over from"] == transport.name
        assert rows["to"] == member_agency.name
        assert rows["under"] == BASIS
        client = login(secretariat)
        client.cookies["django_language"] = "en"  # the VI/EN switch
        page = client.get(reverse("tasks:detail", args=[old_task.pk]))
    content = page.content.decode()
    assert "Handed over to the successor agency" in content
    assert "Handed over from" in content and BASIS in content
    merger.refresh_from_db()
    assert merger.handed_over_by == secretariat and merger.handed_over_at
    assert AuditEvent.objects.filter(
        action="org.succession_handover", target_id=str(merger.pk)
    ).exists()


def test_a_later_assigned_task_is_handed_over_on_its_assigned_date(
    make_task, merger, transport, admin_user
):
    late = make_task(lead_agency=transport, assigned_on=D(2025, 3, 10))
    handover.handover_commit(succession=merger, actor=admin_user)
    assert TaskLeadChange.objects.get(task=late).on == D(2025, 3, 10)


def test_commit_moves_open_parts_and_keeps_completed_ones(
    make_task, merger, transport, member_agency, coop_agency, admin_user
):
    task = make_task(lead_agency=coop_agency)
    part = TaskPartFactory(task=task, agency=transport, description="Phần việc")
    done = TaskPartFactory(
        task=make_task(lead_agency=coop_agency),
        agency=transport,
        completed_on=D(2025, 1, 5),
    )
    result = handover.handover_commit(succession=merger, actor=admin_user)
    assert result.parts == 1
    part.refresh_from_db()
    done.refresh_from_db()
    assert part.agency == member_agency and part.description == "Phần việc"
    assert done.agency == transport
    assert not TaskLeadChange.objects.filter(task=task).exists()


def test_completed_and_cancelled_tasks_keep_the_agency_of_their_time(
    make_task, merger, transport, admin_user, today
):
    done = make_task(
        lead_agency=transport,
        assigned_on=ASSIGNED,
        state=S.COMPLETED,
        completed_on=D(2025, 1, 10),
        deadline=D(2025, 1, 31),
    )
    cancelled = make_task(
        lead_agency=transport,
        assigned_on=ASSIGNED,
        state=S.CANCELLED,
        cancelled_on=today,
    )
    result = handover.handover_commit(succession=merger, actor=admin_user)
    assert result.total == 0
    done.refresh_from_db()
    cancelled.refresh_from_db()
    assert done.lead_agency == transport and cancelled.lead_agency == transport


def test_a_part_of_an_agency_merged_into_the_lead_merges_into_the_lead(
    make_task, merger, transport, member_agency, admin_user
):
    """Sở GTVT co-operated on a task Sở Xây dựng leads: after the merger the
    part is the lead's own work (one agency, one role)."""
    task = make_task(lead_agency=member_agency)
    part = TaskPartFactory(task=task, agency=transport)
    items = handover.handover_preview(succession=merger)
    assert [i.merged for i in items] == [True]
    result = handover.handover_commit(succession=merger, actor=admin_user)
    assert result.merged == 1
    assert not TaskPart.objects.filter(pk=part.pk).exists()


def test_a_merged_part_with_progress_reports_stays_as_the_record(
    make_task, merger, transport, member_agency, admin_user
):
    task = make_task(lead_agency=member_agency)
    part = TaskPartFactory(task=task, agency=transport)
    ProgressUpdateFactory(task=task, part=part, agency=transport)
    items = handover.handover_preview(succession=merger)
    assert [i.kept for i in items] == [True]
    assert handover.handover_commit(succession=merger, actor=admin_user).total == 0
    part.refresh_from_db()
    assert part.agency == transport


def test_second_commit_hands_nothing_twice(merger, old_task, member, admin_user):
    first = handover.handover_commit(succession=merger, actor=admin_user)
    assert first.leads == 1
    before = snapshot()
    second = handover.handover_commit(succession=merger, actor=admin_user)
    assert second.total == 0 and second.tasks == []
    assert snapshot() == before


def test_commit_is_one_transaction(
    merger, old_task, make_task, admin_user, monkeypatch
):
    make_task(lead_agency=old_task.lead_agency, assigned_on=ASSIGNED)
    before = snapshot()

    def boom(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(handover, "notify_many", boom)
    with pytest.raises(RuntimeError):
        handover.handover_commit(succession=merger, actor=admin_user)
    assert snapshot() == before
    merger.refresh_from_db()
    assert merger.handed_over_at is None


def test_the_successors_focal_point_is_notified(
    merger, old_task, member, coop_member, admin_user
):
    result = handover.handover_commit(succession=merger, actor=admin_user)
    assert result.notified == 1
    note = Notification.objects.get(kind=handover.NOTIFICATION_KIND)
    assert note.recipient == member
    assert note.target_id == old_task.pk
    assert old_task.code in note.title
    assert note.url == reverse("tasks:detail", args=[old_task.pk])


def test_the_successors_focal_point_may_report_progress_after_the_handover(
    merger, old_task, member, admin_user, today
):
    with pytest.raises(PermissionDenied):
        services.progress_report(
            actor=member, task=old_task, percent=20, text="Xong 20%"
        )
    handover.handover_commit(succession=merger, actor=admin_user)
    old_task.refresh_from_db()
    update = services.progress_report(
        actor=member, task=old_task, percent=20, text="Đã rà soát 20% danh mục"
    )
    assert update.agency == old_task.lead_agency


def test_a_member_may_not_commit(merger, old_task, member):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        handover.handover_commit(succession=merger, actor=member)
    assert snapshot() == before


def test_a_secretariat_hands_over_only_its_own_bodys_tasks(
    merger, old_task, make_task, other_team, transport, secretariat
):
    theirs = make_task(body=other_team, lead_agency=transport, assigned_on=ASSIGNED)
    handover.handover_commit(succession=merger, actor=secretariat)
    theirs.refresh_from_db()
    old_task.refresh_from_db()
    assert theirs.lead_agency == transport
    assert old_task.lead_agency != transport


# --- splits and missing successors ---------------------------------------------------


def test_a_split_needs_a_choice_per_task_and_writes_nothing_without_it(
    make_task, split, environment, member_agency, coop_agency, admin_user
):
    one = make_task(lead_agency=environment, assigned_on=ASSIGNED)
    two = make_task(lead_agency=environment, assigned_on=ASSIGNED)
    items = handover.handover_preview(succession=split)
    assert all(i.needs_choice and i.proposed is None for i in items)
    assert {a.pk for a in items[0].options} == {member_agency.pk, coop_agency.pk}
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        handover.handover_commit(
            succession=split,
            actor=admin_user,
            choices={f"lead-{one.pk}": member_agency.pk},
        )
    assert "choices" in info.value.message_dict
    assert two.code in info.value.message_dict["choices"][0]
    assert snapshot() == before
    # A successor of another succession is no choice either.
    stranger = AgencyFactory(code="X")
    with pytest.raises(ValidationError):
        handover.handover_commit(
            succession=split,
            actor=admin_user,
            choices={f"lead-{one.pk}": member_agency.pk, f"lead-{two.pk}": stranger.pk},
        )
    assert snapshot() == before
    handover.handover_commit(
        succession=split,
        actor=admin_user,
        choices={f"lead-{one.pk}": member_agency.pk, f"lead-{two.pk}": coop_agency.pk},
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.lead_agency, two.lead_agency) == (member_agency, coop_agency)


def test_an_agency_with_no_successor_is_a_clear_error(member_agency):
    with pytest.raises(ValidationError) as info:
        handover.succession_for_agency(member_agency)
    assert "succession" in info.value.message_dict


def test_a_succession_without_successor_cannot_be_previewed(transport, make_task):
    make_task(lead_agency=transport, assigned_on=ASSIGNED)
    succession = AgencySuccession.objects.create(
        kind=AgencySuccession.Kind.MERGER, on=START
    )
    succession.predecessors.add(transport)
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        handover.handover_commit(succession=succession, actor=None)
    assert "succession" in info.value.message_dict
    assert snapshot() == before


# --- pages ------------------------------------------------------------------------------


def test_the_preview_page_lists_the_tasks_and_commits_on_post(
    login, secretariat, merger, old_task, member_agency
):
    client = login(secretariat)
    url = reverse("org:succession-handover", args=[merger.pk])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert f'id="handover-item-lead-{old_task.pk}"' in content
    assert member_agency.name in content
    response = client.post(url)
    assert response.status_code == 302
    old_task.refresh_from_db()
    assert old_task.lead_agency == member_agency
    again = client.get(url).content.decode()
    assert f'id="handover-item-lead-{old_task.pk}"' not in again


def test_the_preview_page_asks_for_a_choice_in_a_split(
    login, admin_user, split, environment, make_task, coop_agency
):
    task = make_task(lead_agency=environment, assigned_on=ASSIGNED)
    client = login(admin_user)
    url = reverse("org:succession-handover", args=[split.pk])
    assert f'name="choice-lead-{task.pk}"' in client.get(url).content.decode()
    before = snapshot()
    response = client.post(url, {})
    assert response.status_code == 400
    assert task.code in response.content.decode()
    assert snapshot() == before
    response = client.post(url, {f"choice-lead-{task.pk}": str(coop_agency.pk)})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.lead_agency == coop_agency


def test_the_agency_handover_page_of_an_agency_without_successor_says_so(
    login, secretariat, member_agency
):
    client = login(secretariat)
    client.cookies["django_language"] = "en"  # the VI/EN switch
    with translation.override("en"):
        response = client.get(reverse("org:agency-handover", args=[member_agency.pk]))
    assert response.status_code == 400
    assert "has no successor" in response.content.decode()


def test_the_agency_handover_page_leads_to_its_succession(
    login, secretariat, merger, transport
):
    response = login(secretariat).get(
        reverse("org:agency-handover", args=[transport.pk])
    )
    assert response.status_code == 302
    assert response.url == reverse("org:succession-handover", args=[merger.pk])


@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("member", 403)])
def test_others_may_not_preview_or_commit(
    request, login, merger, old_task, transport, role, status
):
    client = login(request.getfixturevalue(role))
    url = reverse("org:succession-handover", args=[merger.pk])
    before = snapshot()
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    assert (
        client.get(reverse("org:agency-handover", args=[transport.pk])).status_code
        == status
    )
    assert snapshot() == before


# --- the command and the demo ------------------------------------------------------------


def test_the_command_hands_over_every_succession_once(merger, old_task, member_agency):
    out = io.StringIO()
    call_command("handover_successions", stdout=out)
    old_task.refresh_from_db()
    assert old_task.lead_agency == member_agency
    assert "1 task(s)" in out.getvalue()
    before = snapshot()
    call_command("handover_successions", stdout=io.StringIO())
    assert snapshot() == before


def test_the_demo_hands_the_2025_mergers_over():
    from dieuphoi.org import seed

    seed.seed_all()
    handover.seed_handover_demo()
    handover.handover_all()
    open_task = Task.objects.get(title__startswith="Rà soát danh mục dự án giao thông")
    assert open_task.lead_agency.code == "SXD"
    assert open_task.lead_agency.valid_from == START
    assert [p.agency.code for p in open_task.parts.all()] == ["STC"]
    cancelled = Task.objects.get(title__startswith="Tổng hợp đề xuất dự án")
    assert cancelled.lead_agency.code == "SKHĐT"
    change = TaskLeadChange.objects.get(task=open_task)
    assert change.document.reference == "06/NQ-HĐND"
    before = snapshot()
    handover.seed_handover_demo()
    handover.handover_all()
    assert snapshot() == before


# --- lineage in filters and statistics -------------------------------------------------


@pytest.fixture
def lineage_tasks(make_task, merger, transport, member_agency, today):
    """A 2024 task of Sở GTVT completed before the merger (keeps its agency)
    and a task of Sở Xây dựng."""
    old = make_task(
        lead_agency=transport,
        assigned_on=ASSIGNED,
        state=S.COMPLETED,
        completed_on=D(2025, 1, 10),
        deadline=D(2025, 1, 31),
    )
    new = make_task(lead_agency=member_agency)
    return old, new


def _ids(user, **params):
    filters, errors = selectors.parse_task_filters(
        {k: str(v) for k, v in params.items()}
    )
    assert not errors
    return {t.pk for t in selectors.task_list(user=user, filters=filters).items}


def test_a_filter_on_the_successor_includes_its_predecessors_tasks(
    lineage_tasks, secretariat, member_agency, transport
):
    old, new = lineage_tasks
    assert _ids(secretariat, lead_agency=member_agency.pk) == {old.pk, new.pk}
    assert _ids(secretariat, lead_agency=member_agency.pk, record_only=1) == {new.pk}
    assert _ids(secretariat, lead_agency=transport.pk) == {old.pk}


def test_a_past_dated_filter_follows_the_lineage_too(
    lineage_tasks, secretariat, member_agency
):
    old, _new = lineage_tasks
    on = D(2025, 1, 20)
    ids = _ids(secretariat, lead_agency=member_agency.pk, on=on.isoformat())
    assert old.pk in ids
    assert old.pk not in _ids(
        secretariat, lead_agency=member_agency.pk, on=on.isoformat(), record_only=1
    )


def test_the_record_only_switch_is_checked(secretariat):
    _filters, errors = selectors.parse_task_filters({"record_only": "maybe"})
    assert "record_only" in errors


def test_the_api_list_follows_the_lineage(
    client, lineage_tasks, secretariat, member_agency
):
    old, new = lineage_tasks
    _, raw = api_token_create(user=secretariat, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = "/api/v1/tasks"
    data = client.get(url, {"lead_agency": member_agency.pk}, **headers).json()
    assert {i["id"] for i in data["items"]} == {old.pk, new.pk}
    data = client.get(
        url, {"lead_agency": member_agency.pk, "record_only": "1"}, **headers
    ).json()
    assert {i["id"] for i in data["items"]} == {new.pk}
    bad = client.get(url, {"record_only": "x"}, **headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"record_only"}
    summary = client.get(url + "/summary", **headers).json()
    assert [(r["id"], r["total"]) for r in summary["by_agency"]] == [
        (member_agency.pk, 2)
    ]
    summary = client.get(url + "/summary", {"record_only": "1"}, **headers).json()
    assert sorted(r["total"] for r in summary["by_agency"]) == [1, 1]


def test_the_summary_groups_predecessors_under_the_successor(
    lineage_tasks, secretariat, member_agency, transport
):
    grouped = selectors.task_summary(user=secretariat)
    rows = {r["id"]: r for r in grouped["by_agency"]}
    assert set(rows) == {member_agency.pk}
    assert rows[member_agency.pk]["total"] == 2
    assert rows[member_agency.pk]["completed_on_time"] == 1
    filters = selectors.TaskFilters(record_only=True)
    apart = selectors.task_summary(user=secretariat, filters=filters)
    rows = {r["id"]: r["total"] for r in apart["by_agency"]}
    assert rows == {member_agency.pk: 1, transport.pk: 1}


def test_the_list_page_shows_the_switch_and_keeps_its_query_count(
    login, lineage_tasks, secretariat, member_agency, django_assert_num_queries
):
    client = login(secretariat)
    url = reverse("tasks:list")
    client.get(url)
    with django_assert_num_queries(7):
        with_lineage = client.get(url, {"lead_agency": member_agency.pk})
    with django_assert_num_queries(7):
        record_only = client.get(
            url, {"lead_agency": member_agency.pk, "record_only": "1"}
        )
    # Set, the switch is in the page (its section open); not set, in the
    # section's fields loaded when it opens.
    shown = record_only.content.decode()
    switch = re.search(r'<select name="record_only".*?</select>', shown, re.S)
    assert switch and '<option value="1" selected>' in switch.group(0)
    more = client.get(
        url,
        {"lead_agency": member_agency.pk, "part": "filters"},
        HTTP_HX_REQUEST="true",
    )
    assert 'name="record_only"' in more.content.decode()
    assert len(with_lineage.context["task_ids"]) == 2


def test_a_filter_on_a_2025_province_includes_its_2022_units(make_task, secretariat):
    bac_ninh = UnitFactory(key="bac-ninh", valid_to=D(2025, 6, 30))
    bac_giang = UnitFactory(key="bac-giang", valid_to=D(2025, 6, 30))
    merged = UnitFactory(key="bac-ninh", valid_from=D(2025, 7, 1))
    merged.predecessors.add(bac_ninh, bac_giang)
    a, b, both, new, other = (make_task() for _ in range(5))
    a.provinces.add(bac_ninh)
    b.provinces.add(bac_giang)
    both.provinces.add(bac_ninh, bac_giang)
    new.provinces.add(merged)
    other.provinces.add(UnitFactory(key="hung-yen"))
    page = selectors.task_list(
        user=secretariat, filters=selectors.TaskFilters(province=merged.pk)
    )
    ids = [t.pk for t in page.items]
    assert sorted(ids) == sorted([a.pk, b.pk, both.pk, new.pk])  # each once
    assert _ids(secretariat, province=merged.pk, record_only=1) == {new.pk}
    assert _ids(secretariat, province=bac_giang.pk) == {b.pk, both.pk}


# --- "the agency must exist on the assigned date" ---------------------------------------


def test_a_2024_tasks_lead_may_change_to_the_2025_successor(old_task, secretariat):
    """The successor did not exist on the assigned date, but it succeeded the
    lead of record: accepted."""
    new_lead = AgencyFactory(code="SGTVT-2025", valid_from=START)
    new_lead.predecessors.add(old_task.lead_agency)
    updated = services.task_update(
        actor=secretariat, task=old_task, version=old_task.version, lead_agency=new_lead
    )
    assert updated.lead_agency == new_lead


def test_a_2025_agency_that_is_no_successor_is_still_refused(old_task, secretariat):
    stranger = AgencyFactory(code="NEW", valid_from=START)
    with pytest.raises(ValidationError) as info:
        services.task_update(
            actor=secretariat,
            task=old_task,
            version=old_task.version,
            lead_agency=stranger,
        )
    assert "lead_agency" in info.value.message_dict


def test_a_successor_may_replace_a_co_operating_agency_of_record(
    make_task, transport, member_agency, coop_agency, secretariat
):
    task = make_task(lead_agency=coop_agency, assigned_on=ASSIGNED)
    TaskPartFactory(task=task, agency=transport)
    successor = AgencyFactory(code="SGTVT-2025", valid_from=START)
    successor.predecessors.add(transport)
    updated = services.task_update(
        actor=secretariat,
        task=task,
        version=task.version,
        cooperating=[{"agency": successor}],
    )
    assert [p.agency for p in updated.parts.all()] == [successor]


def test_handover_json_is_plain(merger, old_task, admin_user):
    """The audit changes are JSON values (ids and text), readable later."""
    handover.handover_commit(succession=merger, actor=admin_user)
    event = AuditEvent.objects.get(action="tasks.handover")
    assert json.loads(json.dumps(event.changes))["handover_under_document"] == BASIS


def test_a_membership_of_the_successor_made_later_still_gets_the_task(
    merger, old_task, hanoi_team, member_agency, admin_user, today
):
    """Focal points are those of today, not of the succession date."""
    late = UserFactory(username="late")
    MembershipFactory(
        person=late,
        body=hanoi_team,
        role=Membership.Role.SPECIALIST,
        agency=member_agency,
        valid_from=today,
    )
    handover.handover_commit(succession=merger, actor=admin_user)
    assert Notification.objects.filter(recipient=late).exists()


def test_a_transfer_to_an_agency_that_lives_on_waits_for_the_secretariat(
    make_task, member_agency, coop_agency, admin_user
):
    """Only some of a living agency's work moves: no automatic handover."""
    transfer = org_services.succession_create(
        actor=admin_user,
        kind=AgencySuccession.Kind.TRANSFER,
        on=START,
        predecessors=[coop_agency],
        successors=[member_agency],
    )
    task = make_task(lead_agency=coop_agency)
    assert handover.needs_decision(transfer)
    [result] = handover.handover_all()
    assert result.total == 0
    task.refresh_from_db()
    assert task.lead_agency == coop_agency
    handover.handover_commit(succession=transfer, actor=admin_user)
    task.refresh_from_db()
    assert task.lead_agency == member_agency


def test_a_part_handover_makes_a_new_version_of_the_task(
    make_task, merger, transport, coop_agency, secretariat
):
    task = make_task(lead_agency=coop_agency)
    TaskPartFactory(task=task, agency=transport)
    stale = task.version
    handover.handover_commit(succession=merger, actor=secretariat)
    with pytest.raises(Conflict):
        services.task_update(
            actor=secretariat,
            task=task,
            version=stale,
            cooperating=[{"agency": transport}],
        )


def test_the_preview_page_keeps_its_query_count(
    login, secretariat, merger, make_task, transport, coop_agency
):
    def add(n):
        for _ in range(n):
            make_task(lead_agency=transport, assigned_on=ASSIGNED)
            TaskPartFactory(task=make_task(lead_agency=coop_agency), agency=transport)

    client = login(secretariat)
    url = reverse("org:succession-handover", args=[merger.pk])
    add(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('id="handover-item-') == 14
    assert len(many.captured_queries) == len(few.captured_queries)
