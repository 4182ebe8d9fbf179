import datetime

import pytest

from dieuphoi.org import selectors
from dieuphoi.org.models import Body, Membership

from .conftest import add_members
from .factories import (
    AgencyFactory,
    BodyAgencyFactory,
    BodyFactory,
    MembershipFactory,
    RegionMembershipFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def keys(units):
    return sorted(u.key for u in units)


def hanoi_team():
    return Body.objects.get(key="to-dieu-phoi-ha-noi")


# --- region, as of a date ----------------------------------------------------


def test_region_has_the_ten_units_of_2022_on_11_december_2022(seeded):
    units = selectors.region_units(region=seeded.region, on=D(2022, 12, 11))
    assert keys(units) == [
        "bac-giang",
        "bac-ninh",
        "ha-nam",
        "ha-noi",
        "hai-duong",
        "hoa-binh",
        "hung-yen",
        "phu-tho",
        "thai-nguyen",
        "vinh-phuc",
    ]
    assert all(u.valid_from == D(2022, 8, 22) for u in units)


def test_region_has_the_seven_units_of_2025_on_1_august_2025(seeded):
    units = selectors.region_units(region=seeded.region, on=D(2025, 8, 1))
    assert keys(units) == [
        "bac-ninh",
        "ha-noi",
        "hai-phong",
        "hung-yen",
        "ninh-binh",
        "phu-tho",
        "thai-nguyen",
    ]
    hanoi = next(u for u in units if u.key == "ha-noi")
    assert hanoi.valid_from == D(2022, 8, 22)  # one unchanged row
    assert hanoi.valid_to is None


def test_the_merger_day_is_the_boundary_between_the_versions(seeded):
    assert len(selectors.region_units(region=seeded.region, on=D(2025, 6, 30))) == 10
    assert len(selectors.region_units(region=seeded.region, on=D(2025, 7, 1))) == 7


def test_phu_tho_2025_has_three_predecessors(seeded):
    units = selectors.region_units(region=seeded.region, on=D(2025, 8, 1))
    phu_tho = next(u for u in units if u.key == "phu-tho")
    assert keys(phu_tho.predecessors.all()) == ["hoa-binh", "phu-tho", "vinh-phuc"]
    assert all(p.valid_to == D(2025, 6, 30) for p in phu_tho.predecessors.all())
    assert phu_tho.legal_basis == "Nghị quyết 202/2025/QH15"


def test_absorbed_notes_record_land_from_outside_the_region(seeded):
    new = seeded.units.new
    assert new["thai-nguyen"].absorbed_note == "Bắc Kạn"
    assert new["hung-yen"].absorbed_note == "Thái Bình"
    assert new["hai-phong"].absorbed_note == "TP. Hải Phòng (cũ)"
    assert new["ninh-binh"].absorbed_note == "tỉnh Ninh Bình (cũ), tỉnh Nam Định"


def test_merger_map_links_both_ways(seeded):
    mergers = selectors.region_mergers(region=seeded.region)
    old, new = seeded.units.old, seeded.units.new
    assert mergers.successor_of[old["hai-duong"].pk] == new["hai-phong"]
    assert mergers.successor_of[old["bac-giang"].pk] == new["bac-ninh"]
    assert keys(mergers.predecessors_of[new["bac-ninh"].pk]) == [
        "bac-giang",
        "bac-ninh",
    ]
    assert old["ha-noi"].pk not in mergers.successor_of
    # Hà Nội first as unchanged, then the six merged units.
    assert mergers.rows[0].unit.key == "ha-noi"
    assert mergers.rows[0].unchanged
    assert len(mergers.rows) == 7


def test_unit_list_reads_as_of_the_date(seeded):
    assert len(selectors.unit_list(on=D(2024, 1, 1))) == 10
    assert len(selectors.unit_list(on=D(2025, 8, 1))) == 7


def test_region_units_keeps_a_fixed_number_of_queries(django_assert_num_queries):
    for count in (5, 50):
        region_memberships = RegionMembershipFactory.create_batch(count)
        region = region_memberships[0].region
        with django_assert_num_queries(3):
            units = selectors.region_units(region=region, on=D(2024, 1, 1))
            [(list(u.predecessors.all()), list(u.successors.all())) for u in units]


# --- agencies ----------------------------------------------------------------


def test_agencies_before_and_after_the_hanoi_merger(seeded):
    before = {a.code for a in selectors.agency_list(on=D(2024, 1, 1))}
    after = {a.code for a in selectors.agency_list(on=D(2025, 8, 1))}
    assert {"SKHĐT", "SGTVT", "STNMT"} <= before
    assert not {"SKHĐT", "SGTVT", "STNMT"} & after
    assert "SNNMT" in after
    assert "SNNMT" not in before


def test_agency_predecessors_and_successors_are_prefetched(
    seeded, django_assert_num_queries
):
    with django_assert_num_queries(3):
        agencies = list(selectors.agency_list(on=D(2025, 8, 1)))
        by_code = {a.code: a for a in agencies}
        preds = {p.code for p in by_code["SNNMT"].predecessors.all()}
        finance_preds = {p.code for p in by_code["STC"].predecessors.all()}
        [a.unit for a in agencies]
    assert preds == {"SNNPTNT", "STNMT"}
    assert finance_preds == {"SKHĐT", "STC"}


def test_agency_search_matches_name_short_name_and_code(seeded):
    found = {a.code for a in selectors.agency_list(on=D(2025, 8, 1), search="Xây dựng")}
    provinces = {f"SXD-{u.key.upper()}" for u in seeded.units.new.values()}
    assert found == {"SXD", "BXD"} | provinces
    hanoi = seeded.units.hanoi
    assert {
        a.code
        for a in selectors.agency_list(on=D(2025, 8, 1), search="snnmt", unit=hanoi)
    } == {"SNNMT"}


def test_agency_search_ignores_accents_and_case(seeded):
    """As the task search: "xay dung" finds "Sở Xây dựng"; typed with
    accents, it matches only the accented text."""
    on = D(2025, 8, 1)
    plain = {a.code for a in selectors.agency_list(on=on, search="xay dung")}
    accented = {a.code for a in selectors.agency_list(on=on, search="XÂY DỰNG")}
    assert {"SXD", "BXD"} <= plain
    assert plain == accented
    assert not selectors.agency_list(on=on, search="xây dùng").exists()


def test_agency_filter_by_kind_and_unit(seeded):
    ministries = selectors.agency_list(on=D(2024, 1, 1), kind="ministry")
    # The 22 structure of NQ 08/2021/QH15 that the region's work involves.
    assert {a.code for a in ministries} == {
        "BKHĐT",
        "BTC",
        "BXD",
        "BGTVT",
        "BKHCN",
        "BTTTT",
        "BNV",
        "BLĐTBXH",
        "BNNPTNT",
        "BTNMT",
        "BCA",
        "BQP",
        "BNG",
        "BTP",
        "BCT",
        "BYT",
        "BGDĐT",
        "BVHTTDL",
        "VPCP",
    }
    after = selectors.agency_list(on=D(2025, 3, 1), kind="ministry")
    assert {"BNNMT", "BTC", "BXD", "BKHCN", "BNV"} <= {a.code for a in after}
    assert not {"BKHĐT", "BGTVT", "BTTTT", "BLĐTBXH", "BNNPTNT", "BTNMT"} & {
        a.code for a in after
    }
    hanoi = selectors.agency_list(on=D(2025, 8, 1), unit=seeded.units.hanoi)
    assert "STC" in {a.code for a in hanoi}
    assert "STC-BAC-NINH" not in {a.code for a in hanoi}


def test_agency_list_keeps_a_fixed_number_of_queries(db, django_assert_num_queries):
    for count in (5, 50):
        old = AgencyFactory()
        for _ in range(count):
            AgencyFactory().predecessors.add(old)
        with django_assert_num_queries(3):
            for agency in selectors.agency_list(on=D(2024, 1, 1)):
                list(agency.predecessors.all())
                list(agency.successors.all())
                str(agency.unit)


# --- bodies ------------------------------------------------------------------


def test_standing_agency_resolves_by_date(seeded):
    team = hanoi_team()
    assert selectors.body_standing_agency(body=team, on=D(2024, 1, 1)).code == "SKHĐT"
    on_2025 = selectors.body_standing_agency(body=team, on=D(2025, 8, 1))
    assert on_2025.code == "STC"
    assert on_2025.valid_from == D(2025, 3, 1)
    assert selectors.body_standing_agency(body=team, on=D(2025, 2, 28)).code == "SKHĐT"
    assert selectors.body_standing_agency(body=team, on=D(2025, 3, 1)).code == "STC"


def test_council_office_moves_from_planning_to_finance(seeded):
    office = seeded.bodies.office
    assert selectors.body_standing_agency(body=office, on=D(2024, 1, 1)).code == "BKHĐT"
    assert selectors.body_standing_agency(body=office, on=D(2025, 8, 1)).code == "BTC"


def test_standing_agency_is_none_before_the_body_has_one(seeded):
    assert selectors.body_standing_agency(body=hanoi_team(), on=D(2022, 12, 1)) is None


def test_body_members_as_of_a_date_leader_first(seeded):
    team = hanoi_team()
    in_2024 = list(selectors.body_members(body=team, on=D(2024, 1, 1)))
    assert [(m.person.username, m.role) for m in in_2024] == [
        ("nguyen.van.an", "leader"),
        ("photo", "deputy"),
        ("thuky", "secretariat"),
    ]
    assert in_2024[2].agency.code == "SKHĐT"
    in_2025 = list(selectors.body_members(body=team, on=D(2025, 8, 1)))
    assert in_2025[0].person.username == "truongto"
    assert in_2025[0].role == "leader"
    assert {m.person.username for m in in_2025} == {
        "truongto",
        "photo",
        "thuky",
        "chuyenvien",
        "daumoi.sxd",
        "daumoi.snnmt",
    }
    assert next(m for m in in_2025 if m.person.username == "thuky").agency.code == "STC"


def test_role_history_keeps_ended_memberships(seeded):
    leaders = [
        (m.person.username, m.valid_from, m.valid_to)
        for m in selectors.body_role_history(body=hanoi_team())
        if m.role == Membership.Role.LEADER
    ]
    assert leaders == [
        ("nguyen.van.an", D(2022, 12, 7), D(2025, 2, 28)),
        ("truongto", D(2025, 3, 1), None),
    ]


def test_body_agency_roles_list_member_departments_of_the_date(seeded):
    roles = selectors.body_agency_roles(body=hanoi_team(), on=D(2025, 8, 1))
    members = {r.agency.code for r in roles if r.role == "member"}
    assert {"SXD", "SNNMT", "SQHKT"} <= members
    assert "SGTVT" not in members
    old = selectors.body_agency_roles(body=hanoi_team(), on=D(2024, 1, 1))
    assert "SGTVT" in {r.agency.code for r in old if r.role == "member"}


def test_body_list_shows_only_visible_bodies(seeded):
    users = {login.username: login for login in seeded.logins}
    assert users  # seeded
    from dieuphoi.accounts.models import User

    thuky = User.objects.get(username="thuky")
    bacninh = User.objects.get(username="bacninh")
    lanhdao = User.objects.get(username="lanhdao")
    former = User.objects.get(username="nguyen.van.an")
    assert [b.key for b in selectors.body_list(user=thuky)] == ["to-dieu-phoi-ha-noi"]
    assert [b.key for b in selectors.body_list(user=bacninh)] == [
        "to-dieu-phoi-bac-ninh"
    ]
    assert selectors.body_list(user=former) == []
    every = {b.key for b in selectors.body_list(user=lanhdao, on=D(2025, 8, 1))}
    assert {"to-dieu-phoi-ha-noi", "hoi-dong-dieu-phoi-vung-thu-do"} <= every
    assert "to-dieu-phoi-bac-ninh-2022" not in every
    assert "to-dieu-phoi-bac-ninh-2022" in {
        b.key for b in selectors.body_list(user=lanhdao, on=D(2024, 1, 1))
    }


def test_body_list_annotates_standing_agency_and_member_count(seeded):
    from dieuphoi.accounts.models import User

    admin = User.objects.get(username="admin")
    bodies = {b.key: b for b in selectors.body_list(user=admin, on=D(2025, 8, 1))}
    team = bodies["to-dieu-phoi-ha-noi"]
    assert team.standing_agency.code == "STC"
    assert team.member_count == 6
    assert bodies["to-dieu-phoi-bac-ninh"].standing_agency.code == "STC-BAC-NINH"


def test_body_list_keeps_a_fixed_number_of_queries(
    admin_user, django_assert_num_queries
):
    for count in (5, 50):
        for _ in range(count):
            body = BodyFactory()
            BodyAgencyFactory(body=body, role="standing")
            MembershipFactory(body=body)
        with django_assert_num_queries(2):
            bodies = selectors.body_list(user=admin_user, on=D(2024, 1, 1))
            [(b.standing_agency.name, b.member_count, str(b.unit)) for b in bodies]


def test_body_members_keep_a_fixed_number_of_queries(
    hanoi_team, django_assert_num_queries
):
    for count in (5, 45):
        add_members(hanoi_team, count)
        with django_assert_num_queries(1):
            for m in selectors.body_members(body=hanoi_team, on=D(2024, 1, 1)):
                assert m.person.full_name and m.agency.name
                assert m.appointing_document is None


def test_person_memberships_are_scoped_to_visible_bodies(
    member, external, other_team, hanoi_team
):
    MembershipFactory(person=member, body=other_team, valid_from=D(2023, 1, 1))
    assert {
        m.body_id for m in selectors.person_memberships(user=member, person=member)
    } == {
        hanoi_team.pk,
        other_team.pk,
    }
    # The external user sees the member only in the team they share.
    seen = selectors.person_memberships(user=external, person=member)
    assert [m.body_id for m in seen] == [other_team.pk]
