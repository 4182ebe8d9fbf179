"""Key project services: each write audited and version-checked; each bad
input refused at its field with nothing written; only the body's managers
write."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core import money
from dieuphoi.core.models import local_today
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.keyprojects import services
from dieuphoi.keyprojects.models import KeyProject, Milestone, Phase
from dieuphoi.org.tests.factories import AgencyFactory, BodyFactory
from dieuphoi.proposals import services as proposal_services
from dieuphoi.proposals.models import Proposal
from dieuphoi.tasks.tests.factories import TaskFactory

from .conftest import DAY, DECIDED, make_project

pytestmark = pytest.mark.django_db


def fields(exc: ValidationError) -> set[str]:
    return set(exc.message_dict)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- create ------------------------------------------------------------------------


def test_create_stores_the_project_with_its_links_and_an_audit_event(
    project, units, decision, secretariat
):
    project.refresh_from_db()
    assert project.total_investment == Decimal(3_000_000)
    assert project.capital_central == Decimal(1_000_000)
    assert project.capital_city == Decimal(2_000_000)
    assert project.capital_provinces is None
    assert set(project.locations.all()) == {units["hanoi"], units["bac_ninh"]}
    assert list(project.decision_documents.all()) == [decision]
    assert project.created_by == secretariat
    event = AuditEvent.objects.get(action="keyprojects.create")
    assert event.target_id == str(project.pk)
    assert event.changes["code"]["after"] == "DA-VD4"


def test_the_total_is_the_sum_of_the_sources_when_left_out(
    team, secretariat, member_agency
):
    project = make_project(
        team,
        secretariat,
        member_agency,
        capital={"capital_provinces": "500.000", "capital_other": 250_000},
        total_investment=None,
    )
    assert project.total_investment == Decimal(750_000)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"capital": {"capital_central": "-5"}}, "capital_central"),
        ({"capital": {"capital_city": "mười tỷ"}}, "capital_city"),
        ({"capital": {"capital_other": "1,5"}}, "capital_other"),
        ({"total_investment": "-1"}, "total_investment"),
        ({"total_investment": "abc"}, "total_investment"),
        ({"total_investment": 10**21}, "total_investment"),
        # The sources (1.000.000 + 2.000.000) do not add up to the total.
        ({"total_investment": 4_000_000}, "total_investment"),
        ({"code": ""}, "code"),
        ({"code": "X" * 31}, "code"),
        ({"name": "   "}, "name"),
        ({"decided_on": None}, "decided_on"),
        ({"lead_agency": None}, "lead_agency"),
        ({"ends_on": DECIDED - DAY}, "ends_on"),
        ({"state": "finished"}, "state"),
    ],
)
def test_bad_input_is_refused_at_the_field_and_nothing_is_written(
    team, secretariat, member_agency, kwargs, field
):
    with pytest.raises(ValidationError) as exc:
        make_project(team, secretariat, member_agency, **kwargs)
    assert field in fields(exc.value)
    assert not KeyProject.objects.exists()
    assert events("keyprojects.create") == 0


def test_the_sources_message_gives_both_sums(team, secretariat, member_agency):
    with pytest.raises(ValidationError) as exc:
        make_project(team, secretariat, member_agency, total_investment="4.000.000")
    message = exc.value.message_dict["total_investment"][0]
    assert "3.000.000" in message and "4.000.000" in message


def test_a_location_or_lead_agency_not_valid_on_the_decision_date_is_refused(
    team, secretariat, member_agency, units
):
    # Bắc Giang ended on 30/06/2025; the decision is of 01/08/2025.
    with pytest.raises(ValidationError) as exc:
        make_project(team, secretariat, member_agency, locations=[units["bac_giang"]])
    assert fields(exc.value) == {"locations"}
    merged = AgencyFactory(
        code="SKHDT", valid_from=datetime.date(2008, 8, 1), valid_to=DECIDED - DAY
    )
    with pytest.raises(ValidationError) as exc:
        make_project(team, secretariat, merged)
    assert fields(exc.value) == {"lead_agency"}
    # A project decided while Bắc Giang existed keeps it.
    old = make_project(
        team,
        secretariat,
        member_agency,
        code="DA-CU",
        decided_on=datetime.date(2024, 3, 1),
        starts_on=datetime.date(2024, 3, 1),
        locations=[units["bac_giang"]],
    )
    assert list(old.locations.all()) == [units["bac_giang"]]


def test_the_code_is_unique_in_the_team(project, team, secretariat, member_agency):
    with pytest.raises(ValidationError) as exc:
        make_project(team, secretariat, member_agency, code="da-vd4")
    assert fields(exc.value) == {"code"}
    assert KeyProject.objects.count() == 1


def test_links_must_be_the_teams_own(team, secretariat, member_agency, standing_agency):
    other = BodyFactory()
    foreign_task = TaskFactory(body=other, lead_agency=standing_agency)
    foreign_doc = DocumentFactory(body=other)
    with pytest.raises(ValidationError) as exc:
        make_project(
            team,
            secretariat,
            member_agency,
            tasks=[foreign_task],
            decision_documents=[foreign_doc],
        )
    assert fields(exc.value) == {"tasks", "decision_documents"}
    assert not KeyProject.objects.exists()


def test_the_proposal_must_be_adopted_and_the_teams(team, secretariat, member_agency):
    proposal = proposal_services.proposal_create(
        actor=secretariat,
        body=team,
        kind=Proposal.Kind.KEY_PROJECT,
        title="Dự án đường Vành đai 4",
        scope=Proposal.Scope.REGIONAL_LINKAGE,
        proposed_on=local_today(),
        lead_agency=member_agency,
    )
    with pytest.raises(ValidationError) as exc:
        make_project(team, secretariat, member_agency, proposal=proposal)
    assert fields(exc.value) == {"proposal"}
    Proposal.objects.filter(pk=proposal.pk).update(state=Proposal.State.ADOPTED)
    proposal.refresh_from_db()
    project = make_project(team, secretariat, member_agency, proposal=proposal)
    assert project.proposal == proposal


def test_only_the_bodys_managers_write(team, member, external, outsider, member_agency):
    for user in (member, external, outsider):
        with pytest.raises(PermissionDenied):
            make_project(team, user, member_agency)
    assert not KeyProject.objects.exists()


# --- update ------------------------------------------------------------------------


def test_update_changes_audits_and_bumps_the_version(project, secretariat, units):
    updated = services.project_update(
        actor=secretariat,
        project=project,
        version=project.version,
        state=KeyProject.State.IN_OPERATION,
        locations=[units["hanoi"]],
    )
    assert updated.version == 2
    assert updated.state == KeyProject.State.IN_OPERATION
    assert list(updated.locations.all()) == [units["hanoi"]]
    # The amounts were not sent: they stay.
    assert updated.total_investment == Decimal(3_000_000)
    event = AuditEvent.objects.get(action="keyprojects.update")
    assert event.changes["state"] == {
        "before": "under_construction",
        "after": "in_operation",
    }
    assert set(event.changes["locations"]["after"]) == {units["hanoi"].pk}


def test_a_stale_version_is_a_conflict_and_writes_nothing(project, secretariat):
    services.project_update(
        actor=secretariat, project=project, version=1, name="Tên mới"
    )
    with pytest.raises(Conflict) as exc:
        services.project_update(
            actor=secretariat, project=project, version=1, name="Tên khác"
        )
    assert exc.value.current_version == 2
    project.refresh_from_db()
    assert project.name == "Tên mới"
    assert events("keyprojects.update") == 1


def test_update_rechecks_the_amounts(project, secretariat):
    with pytest.raises(ValidationError) as exc:
        services.project_update(
            actor=secretariat,
            project=project,
            version=project.version,
            capital={"capital_central": 5},
            total_investment=6,
        )
    assert fields(exc.value) == {"total_investment"}
    project.refresh_from_db()
    assert project.version == 1 and project.capital_central == Decimal(1_000_000)


def test_the_start_cannot_move_after_a_milestone(project, milestones, secretariat):
    with pytest.raises(ValidationError) as exc:
        services.project_update(
            actor=secretariat,
            project=project,
            version=project.version,
            starts_on=local_today(),
        )
    assert fields(exc.value) == {"starts_on"}


def test_a_viewer_who_does_not_manage_cannot_update(project, member, leadership_viewer):
    for user in (member, leadership_viewer):
        with pytest.raises(PermissionDenied):
            services.project_update(
                actor=user, project=project, version=1, name="Không được"
            )
    project.refresh_from_db()
    assert project.version == 1


# --- phases and milestones ---------------------------------------------------------


def test_phases_are_numbered_in_order(project, secretariat):
    first = services.phase_add(actor=secretariat, project=project, name="Chuẩn bị")
    second = services.phase_add(actor=secretariat, project=project, name="Thi công")
    assert (first.order, second.order) == (1, 2)
    with pytest.raises(ValidationError) as exc:
        services.phase_add(actor=secretariat, project=project, name="Trùng", order=2)
    assert fields(exc.value) == {"order"}
    with pytest.raises(ValidationError) as exc:
        services.phase_add(actor=secretariat, project=project, name="  ")
    assert fields(exc.value) == {"name"}
    assert Phase.objects.count() == 2
    assert events("keyprojects.phase_add") == 2


def test_milestone_statuses(milestones):
    today = local_today()
    assert milestones["done"].status_on(today) == Milestone.Status.DONE
    assert milestones["late"].status_on(today) == Milestone.Status.LATE
    assert milestones["ahead"].status_on(today) == Milestone.Status.PLANNED
    # On its planned date a milestone is not late yet.
    late = milestones["late"]
    assert late.status_on(late.planned_on) == Milestone.Status.PLANNED
    late.actual_on = late.planned_on + DAY
    assert late.status_on(today) == Milestone.Status.DONE_LATE


def _add(project, actor, agency, **kw):
    args = {
        "actor": actor,
        "project": project,
        "name": "Khởi công",
        "planned_on": local_today() + 10 * DAY,
        "responsible_agency": agency,
        **kw,
    }
    return services.milestone_add(**args)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"planned_on": None}, "planned_on"),
        # Before the project's start (01/08/2025).
        ({"planned_on": DECIDED - DAY}, "planned_on"),
        ({"actual_on": DECIDED - DAY}, "actual_on"),
        ({"actual_on": local_today() + DAY}, "actual_on"),
        ({"responsible_agency": None}, "responsible_agency"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_milestones_are_refused_at_the_field(
    project, secretariat, member_agency, kwargs, field
):
    with pytest.raises(ValidationError) as exc:
        _add(project, secretariat, member_agency, **kwargs)
    assert field in fields(exc.value)
    assert not Milestone.objects.exists()
    assert events("keyprojects.milestone_add") == 0


def test_a_responsible_agency_that_did_not_exist_on_the_planned_date(
    project, secretariat
):
    ended = AgencyFactory(valid_to=local_today() - DAY)
    with pytest.raises(ValidationError) as exc:
        _add(project, secretariat, ended)
    assert fields(exc.value) == {"responsible_agency"}
    not_yet = AgencyFactory(valid_from=local_today() + 400 * DAY)
    with pytest.raises(ValidationError):
        _add(project, secretariat, not_yet)
    assert not Milestone.objects.exists()


def test_a_phase_of_another_project_is_refused(
    project, hanoi_only, secretariat, member_agency
):
    foreign = services.phase_add(actor=secretariat, project=hanoi_only, name="Khác")
    with pytest.raises(ValidationError) as exc:
        _add(project, secretariat, member_agency, phase=foreign)
    assert fields(exc.value) == {"phase"}


def test_complete_records_the_actual_date_and_audits(milestones, secretariat, project):
    late = milestones["late"]
    done = services.milestone_complete(
        actor=secretariat,
        milestone=late,
        version=late.version,
        actual_on=local_today(),
    )
    assert done.actual_on == local_today()
    assert done.version == 2
    assert done.status_on(local_today()) == Milestone.Status.DONE_LATE
    event = AuditEvent.objects.filter(action="keyprojects.milestone_complete").latest(
        "id"
    )
    assert event.target_id == str(project.pk)
    assert event.changes["milestone"] == late.name


@pytest.mark.parametrize(
    "actual_on", [None, DECIDED - DAY, "future"], ids=["none", "early", "future"]
)
def test_complete_refuses_bad_dates_and_writes_nothing(
    milestones, secretariat, actual_on
):
    if actual_on == "future":
        actual_on = local_today() + DAY
    late = milestones["late"]
    before = events("keyprojects.milestone_complete")
    with pytest.raises(ValidationError) as exc:
        services.milestone_complete(
            actor=secretariat, milestone=late, version=late.version, actual_on=actual_on
        )
    assert fields(exc.value) == {"actual_on"}
    late.refresh_from_db()
    assert late.actual_on is None and late.version == 1
    assert events("keyprojects.milestone_complete") == before


def test_milestone_conflicts(milestones, secretariat, deputy):
    late = milestones["late"]
    services.milestone_update(
        actor=deputy, milestone=late, version=1, name="Bàn giao mặt bằng đợt 2 (sửa)"
    )
    with pytest.raises(Conflict):
        services.milestone_complete(
            actor=secretariat, milestone=late, version=1, actual_on=local_today()
        )
    late.refresh_from_db()
    assert late.actual_on is None and late.version == 2


def test_update_can_reopen_and_move_a_milestone(milestones, secretariat):
    done = milestones["done"]
    moved = services.milestone_update(
        actor=secretariat,
        milestone=done,
        version=done.version,
        actual_on=None,
        planned_on=local_today() + 3 * DAY,
    )
    assert moved.actual_on is None
    assert moved.status_on(local_today()) == Milestone.Status.PLANNED
    event = AuditEvent.objects.filter(action="keyprojects.milestone_update").latest(
        "id"
    )
    assert set(event.changes) >= {"milestone", "actual_on", "planned_on"}


def test_members_and_outsiders_cannot_touch_milestones(
    milestones, project, member, outsider, external, member_agency
):
    late = milestones["late"]
    for user in (member, outsider, external):
        with pytest.raises(PermissionDenied):
            _add(project, user, member_agency)
        with pytest.raises(PermissionDenied):
            services.milestone_complete(
                actor=user, milestone=late, version=1, actual_on=local_today()
            )
        with pytest.raises(PermissionDenied):
            services.phase_add(actor=user, project=project, name="Không")
    assert Milestone.objects.count() == 3


# --- the money helper --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.000.000", Decimal(1_000_000)),
        ("1 000 000", Decimal(1_000_000)),
        (0, Decimal(0)),
        ("", None),
        (None, None),
    ],
)
def test_amounts_are_read_as_whole_vnd(value, expected):
    errors: dict = {}
    assert money.parse_amount(value, "x", errors) == expected
    assert errors == {}


@pytest.mark.parametrize("value", ["-1", "1,5", "1e3x", True, "NaN", "Infinity", 1.5])
def test_bad_amounts_are_errors(value):
    errors: dict = {}
    assert money.parse_amount(value, "x", errors) is None
    assert list(errors) == ["x"]
