import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.org import services
from dieuphoi.org.models import AdministrativeUnit, Agency, DutyAssignment, Membership

from .factories import AgencyFactory, BodyFactory, UnitFactory, UserFactory

D = datetime.date
pytestmark = pytest.mark.django_db
LONG = "x" * 10_000


def create(actor, body, **overrides):
    data = {
        "person": UserFactory(),
        "role": Membership.Role.MEMBER,
        "agency": AgencyFactory(valid_from=D(2022, 1, 1)),
        "valid_from": D(2025, 3, 1),
    }
    data.update(overrides)
    return services.membership_create(actor=actor, body=body, **data)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def assert_nothing_written(memberships: int, events: int = 0):
    assert Membership.objects.count() == memberships
    assert AuditEvent.objects.writes().count() == events


# --- membership_create ---------------------------------------------------------


def test_membership_create_writes_the_row_its_duties_and_an_audit_event(
    secretariat, hanoi_team
):
    person = UserFactory(full_name="Đỗ Văn Bình")
    membership = create(
        secretariat,
        hanoi_team,
        person=person,
        position="  Phó Giám đốc  ",
        duties="Theo dõi các dự án giao thông liên tỉnh.",
    )
    assert membership.position == "Phó Giám đốc"
    assert membership.version == 1
    duty = DutyAssignment.objects.get(membership=membership)
    assert duty.text == "Theo dõi các dự án giao thông liên tỉnh."
    assert duty.assigned_by == secretariat
    event = AuditEvent.objects.get(action="org.membership_create")
    assert event.actor == secretariat
    assert event.target_id == str(membership.pk)
    assert event.changes["person"]["after"]["repr"] == "Đỗ Văn Bình"
    assert event.changes["valid_from"] == {"before": None, "after": "2025-03-01"}


def test_only_one_leader_at_a_time(leader, hanoi_team):
    before = Membership.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        create(
            leader, hanoi_team, role=Membership.Role.LEADER, valid_from=D(2025, 3, 1)
        )
    assert "valid_from" in errors_of(excinfo)
    assert str(leader) in errors_of(excinfo)["valid_from"][0]
    assert_nothing_written(before)


def test_only_one_deputy_at_a_time_even_for_a_closed_period(deputy, hanoi_team):
    before = Membership.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        create(
            deputy,
            hanoi_team,
            role=Membership.Role.DEPUTY,
            valid_from=D(2023, 1, 1),
            valid_to=D(2023, 6, 30),
        )
    assert "valid_from" in errors_of(excinfo)
    assert_nothing_written(before)


def test_a_new_leader_may_follow_one_whose_membership_ended(leader, hanoi_team):
    old = Membership.objects.get(person=leader)
    services.membership_end(actor=leader, membership=old, valid_to=D(2025, 2, 28))
    new = create(
        leader, hanoi_team, role=Membership.Role.LEADER, valid_from=D(2025, 3, 1)
    )
    assert new.role == Membership.Role.LEADER


def test_many_members_may_overlap(member, hanoi_team):
    create(member, hanoi_team)
    create(member, hanoi_team)
    assert Membership.objects.filter(body=hanoi_team, role="member").count() == 3


def test_end_before_start_is_a_field_error(admin_user, hanoi_team):
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, valid_from=D(2025, 3, 1), valid_to=D(2025, 2, 1))
    assert "valid_to" in errors_of(excinfo)
    assert_nothing_written(0)


def test_missing_agency_is_a_field_error(admin_user, hanoi_team):
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, agency=None)
    assert "agency" in errors_of(excinfo)
    assert_nothing_written(0)


def test_home_agency_must_exist_on_the_start_date(admin_user, hanoi_team):
    merged = AgencyFactory(valid_from=D(2022, 1, 1), valid_to=D(2025, 2, 28))
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, agency=merged, valid_from=D(2025, 3, 1))
    assert "agency" in errors_of(excinfo)
    not_yet = AgencyFactory(valid_from=D(2025, 3, 1))
    with pytest.raises(ValidationError):
        create(admin_user, hanoi_team, agency=not_yet, valid_from=D(2025, 2, 1))
    assert_nothing_written(0)


def test_membership_must_start_while_the_body_exists(admin_user, hanoi_team):
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, valid_from=D(2022, 1, 1))
    assert "valid_from" in errors_of(excinfo)


def test_appointing_document_must_be_in_the_bodys_register(
    admin_user, hanoi_team, other_team, document_of
):
    foreign = document_of(other_team)
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, appointing_document=foreign)
    assert "appointing_document" in errors_of(excinfo)
    own = document_of(hanoi_team)
    assert (
        create(admin_user, hanoi_team, appointing_document=own).appointing_document
        == own
    )


def test_ten_thousand_character_texts_are_field_errors(admin_user, hanoi_team):
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, position=LONG, duties=LONG, legal_basis=LONG)
    errors = errors_of(excinfo)
    assert {"position", "duties", "legal_basis"} <= set(errors)
    assert_nothing_written(0)


def test_unknown_role_is_a_field_error(admin_user, hanoi_team):
    with pytest.raises(ValidationError) as excinfo:
        create(admin_user, hanoi_team, role="chairman")
    assert "role" in errors_of(excinfo)


# --- membership_update ----------------------------------------------------------


def test_membership_update_bumps_the_version_and_records_the_diff(secretariat, member):
    membership = Membership.objects.get(person=member)
    updated = services.membership_update(
        actor=secretariat,
        membership=membership,
        version=1,
        data={"position": "Trưởng phòng", "is_part_time": False},
    )
    assert updated.version == 2
    assert updated.position == "Trưởng phòng"
    event = AuditEvent.objects.get(action="org.membership_update")
    assert event.changes == {
        "is_part_time": {"before": True, "after": False},
        "position": {"before": "", "after": "Trưởng phòng"},
    }


def test_membership_update_with_a_stale_version_is_a_conflict(secretariat, member):
    membership = Membership.objects.get(person=member)
    services.membership_update(
        actor=secretariat, membership=membership, version=1, data={"position": "A"}
    )
    with pytest.raises(Conflict) as excinfo:
        services.membership_update(
            actor=secretariat, membership=membership, version=1, data={"position": "B"}
        )
    assert excinfo.value.current_version == 2
    membership.refresh_from_db()
    assert membership.position == "A"
    assert AuditEvent.objects.filter(action="org.membership_update").count() == 1


def test_membership_update_cannot_make_a_second_leader(leader, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_update(
            actor=leader, membership=membership, version=1, data={"role": "leader"}
        )
    assert "valid_from" in errors_of(excinfo)
    membership.refresh_from_db()
    assert membership.role == "member"
    assert membership.version == 1


def test_membership_update_without_changes_writes_nothing(secretariat, member):
    membership = Membership.objects.get(person=member)
    same = services.membership_update(
        actor=secretariat, membership=membership, version=1, data={"position": ""}
    )
    assert same.version == 1
    assert not AuditEvent.objects.exists()


def test_membership_update_refuses_fields_it_does_not_own(secretariat, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_update(
            actor=secretariat,
            membership=membership,
            version=1,
            data={"person": secretariat},
        )
    assert "person" in errors_of(excinfo)


# --- membership_end -------------------------------------------------------------


def test_membership_end_sets_the_last_day(secretariat, member):
    membership = Membership.objects.get(person=member)
    ended = services.membership_end(
        actor=secretariat, membership=membership, valid_to=D(2025, 2, 28), version=1
    )
    assert ended.valid_to == D(2025, 2, 28)
    assert ended.version == 2
    event = AuditEvent.objects.get(action="org.membership_end")
    assert event.changes == {"valid_to": {"before": None, "after": "2025-02-28"}}


def test_membership_end_before_the_start_is_a_field_error(secretariat, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_end(
            actor=secretariat, membership=membership, valid_to=D(2020, 1, 1)
        )
    assert "valid_to" in errors_of(excinfo)
    membership.refresh_from_db()
    assert membership.valid_to is None


def test_membership_end_of_an_ended_membership_is_refused(secretariat, member):
    membership = Membership.objects.get(person=member)
    services.membership_end(
        actor=secretariat, membership=membership, valid_to=D(2024, 1, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.membership_end(
            actor=secretariat, membership=membership, valid_to=D(2025, 1, 1)
        )
    assert "valid_to" in errors_of(excinfo)


def test_membership_end_with_a_stale_version_is_a_conflict(secretariat, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(Conflict):
        services.membership_end(
            actor=secretariat, membership=membership, valid_to=D(2025, 1, 1), version=7
        )


# --- duty_assign ----------------------------------------------------------------


def test_duty_assign_keeps_history_and_updates_current_duties(leader, member):
    membership = Membership.objects.get(person=member)
    services.duty_assign(
        actor=leader,
        membership=membership,
        text="Nhiệm vụ 1",
        assigned_on=D(2024, 1, 1),
    )
    services.duty_assign(
        actor=leader, membership=membership, text="Nhiệm vụ 2", version=2
    )
    membership.refresh_from_db()
    assert membership.duties == "Nhiệm vụ 2"
    assert membership.version == 3
    assert list(
        DutyAssignment.objects.filter(membership=membership).values_list(
            "text", flat=True
        )
    ) == ["Nhiệm vụ 2", "Nhiệm vụ 1"]
    events = AuditEvent.objects.filter(action="org.duty_assign").order_by("id")
    assert events.count() == 2
    assert events[1].changes["duties"] == {
        "before": "Nhiệm vụ 1",
        "after": "Nhiệm vụ 2",
    }


@pytest.mark.parametrize(("text", "field"), [("   ", "text"), (LONG, "text")])
def test_duty_assign_rejects_empty_or_huge_text(leader, member, text, field):
    membership = Membership.objects.get(person=member)
    with pytest.raises(ValidationError) as excinfo:
        services.duty_assign(actor=leader, membership=membership, text=text)
    assert field in errors_of(excinfo)
    assert not DutyAssignment.objects.exists()
    membership.refresh_from_db()
    assert membership.version == 1


def test_duty_assign_before_the_membership_starts_is_refused(leader, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(ValidationError) as excinfo:
        services.duty_assign(
            actor=leader, membership=membership, text="x", assigned_on=D(2020, 1, 1)
        )
    assert "assigned_on" in errors_of(excinfo)


def test_duty_assign_with_a_stale_version_is_a_conflict(leader, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(Conflict):
        services.duty_assign(actor=leader, membership=membership, text="x", version=9)
    assert not DutyAssignment.objects.exists()


# --- units, agencies, bodies ------------------------------------------------


def test_unit_create_links_predecessors_and_audits(admin_user):
    old = UnitFactory(key="ha-nam", valid_to=D(2025, 6, 30))
    unit = services.unit_create(
        actor=admin_user,
        key="ninh-binh",
        name="Tỉnh Ninh Bình",
        kind=AdministrativeUnit.Kind.PROVINCE,
        valid_from=D(2025, 7, 1),
        legal_basis="Nghị quyết 202/2025/QH15",
        predecessors=[old],
    )
    assert list(unit.predecessors.all()) == [old]
    event = AuditEvent.objects.get(action="org.unit_create")
    assert event.changes["predecessors"]["after"] == [{"id": old.pk, "repr": str(old)}]


def test_unit_versions_of_one_key_must_not_overlap(admin_user):
    UnitFactory(key="phu-tho", valid_from=D(2022, 8, 22), valid_to=D(2025, 6, 30))
    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(
            actor=admin_user,
            key="phu-tho",
            name="Tỉnh Phú Thọ",
            kind="province",
            valid_from=D(2025, 6, 1),
        )
    assert "valid_from" in errors_of(excinfo)
    assert AdministrativeUnit.objects.count() == 1


def test_unit_predecessor_must_be_older(admin_user):
    newer = UnitFactory(valid_from=D(2026, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(
            actor=admin_user,
            key="x",
            name="X",
            kind="province",
            valid_from=D(2025, 7, 1),
            predecessors=[newer],
        )
    assert "predecessors" in errors_of(excinfo)


def test_unit_with_a_ten_thousand_character_name_is_a_field_error(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(
            actor=admin_user,
            key="x",
            name=LONG,
            kind="province",
            valid_from=D(2025, 7, 1),
        )
    assert "name" in errors_of(excinfo)
    assert not AdministrativeUnit.objects.exists()


def test_unit_update_records_the_change(admin_user):
    unit = UnitFactory(name="Tỉnh Cũ")
    services.unit_update(actor=admin_user, unit=unit, data={"name": "Tỉnh Mới"})
    unit.refresh_from_db()
    assert unit.name == "Tỉnh Mới"
    event = AuditEvent.objects.get(action="org.unit_update")
    assert event.changes == {"name": {"before": "Tỉnh Cũ", "after": "Tỉnh Mới"}}


def test_agency_create_and_update(admin_user):
    old = AgencyFactory(code="SGTVT", valid_to=D(2025, 2, 28))
    agency = services.agency_create(
        actor=admin_user,
        code="SXD",
        name="Sở Xây dựng",
        kind=Agency.Kind.DEPARTMENT,
        valid_from=D(2025, 3, 1),
        predecessors=[old],
    )
    assert list(agency.successors.all()) == []
    assert list(old.successors.all()) == [agency]
    services.agency_update(
        actor=admin_user, agency=agency, data={"short_name": "SXD HN"}
    )
    agency.refresh_from_db()
    assert agency.short_name == "SXD HN"
    assert AuditEvent.objects.filter(target_id=str(agency.pk)).count() == 2


def test_agency_with_a_ten_thousand_character_name_is_a_field_error(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        services.agency_create(
            actor=admin_user,
            code="X",
            name=LONG,
            kind="department",
            valid_from=D(2025, 3, 1),
        )
    assert "name" in errors_of(excinfo)
    assert not Agency.objects.exists()


def test_agency_code_versions_must_not_overlap(admin_user):
    AgencyFactory(code="STC", valid_from=D(2022, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.agency_create(
            actor=admin_user,
            code="STC",
            name="Sở Tài chính",
            kind="department",
            valid_from=D(2025, 3, 1),
        )
    assert "valid_from" in errors_of(excinfo)


def test_body_update_validates_and_audits(admin_user, hanoi_team):
    with pytest.raises(ValidationError) as excinfo:
        services.body_update(
            actor=admin_user, body=hanoi_team, data={"name": LONG, "description": LONG}
        )
    assert {"name", "description"} <= set(errors_of(excinfo))
    services.body_update(actor=admin_user, body=hanoi_team, data={"symbol": "TĐP-HN"})
    hanoi_team.refresh_from_db()
    assert hanoi_team.symbol == "TĐP-HN"
    assert AuditEvent.objects.get(action="org.body_update").changes == {
        "symbol": {"before": "TĐP", "after": "TĐP-HN"}
    }


def test_body_cannot_be_its_own_parent(admin_user):
    body = BodyFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.body_update(actor=admin_user, body=body, data={"parent": body})
    assert "parent" in errors_of(excinfo)


def test_membership_validate_is_shared_with_the_admin(leader, hanoi_team):
    second = Membership(
        person=UserFactory(),
        body=hanoi_team,
        role=Membership.Role.LEADER,
        agency=AgencyFactory(),
        valid_from=D(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.membership_validate(second)
    assert "valid_from" in errors_of(excinfo)
