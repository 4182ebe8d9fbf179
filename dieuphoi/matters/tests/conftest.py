"""Fixtures of the matters' tests: the units (Hà Nội; the 2022 Hà Nam
absorbed by the 2025 Ninh Bình; the 2022 Bắc Giang absorbed by the 2025 Bắc
Ninh), all in the region; the Hanoi team (the owning body, standing for Hà
Nội), the Bắc Ninh team (the external user's) and a Ninh Bình team with one
member; a Ring Road 4 matter with Bắc Ninh and a 2024 Nhuệ-Đáy matter with
Hà Nam (not Bắc Ninh's)."""

import datetime

import pytest

from dieuphoi.matters import services
from dieuphoi.org.models import AdministrativeUnit, Membership
from dieuphoi.org.tests.factories import (
    AgencyFactory,
    BodyFactory,
    MembershipFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
)

OLD_END = datetime.date(2025, 6, 30)
NEW = datetime.date(2025, 7, 1)
RAISED = datetime.date(2025, 8, 1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def units(db):
    from dieuphoi.org.models import RegionMembership

    hanoi = UnitFactory(
        key="ha-noi",
        name="TP. Hà Nội",
        kind=AdministrativeUnit.Kind.CITY,
        valid_from=datetime.date(2008, 8, 1),
    )
    ha_nam = UnitFactory(key="ha-nam", name="Tỉnh Hà Nam", valid_to=OLD_END)
    bac_giang = UnitFactory(key="bac-giang", name="Tỉnh Bắc Giang", valid_to=OLD_END)
    ninh_binh = UnitFactory(key="ninh-binh", name="Tỉnh Ninh Bình", valid_from=NEW)
    ninh_binh.predecessors.add(ha_nam)
    bac_ninh = UnitFactory(key="bac-ninh", name="Tỉnh Bắc Ninh", valid_from=NEW)
    bac_ninh.predecessors.add(bac_giang)
    region = RegionFactory(key="vung-thu-do", name="Vùng Thủ đô")
    for unit in (hanoi, ha_nam, bac_giang):
        RegionMembership.objects.create(
            region=region, unit=unit, valid_from=unit.valid_from, valid_to=unit.valid_to
        )
    for unit in (ninh_binh, bac_ninh):
        RegionMembership.objects.create(region=region, unit=unit, valid_from=NEW)
    return {
        "hanoi": hanoi,
        "ha_nam": ha_nam,
        "bac_giang": bac_giang,
        "ninh_binh": ninh_binh,
        "bac_ninh": bac_ninh,
    }


@pytest.fixture
def team(hanoi_team, units, standing_agency, leader, deputy, secretariat):
    hanoi_team.unit = units["hanoi"]
    hanoi_team.save(update_fields=["unit"])
    return hanoi_team


@pytest.fixture
def specialist(team, standing_agency):
    user = UserFactory(username="specialist", agency=standing_agency)
    MembershipFactory(
        person=user,
        body=team,
        role=Membership.Role.SPECIALIST,
        agency=standing_agency,
        valid_from=datetime.date(2022, 12, 1),
    )
    return user


@pytest.fixture
def province_team(other_team, units):
    other_team.unit = units["bac_ninh"]
    other_team.save(update_fields=["unit"])
    return other_team


@pytest.fixture
def ninh_binh_team(units):
    body = BodyFactory(key="to-dieu-phoi-ninh-binh", name="Tổ điều phối tỉnh Ninh Bình")
    body.unit = units["ninh_binh"]
    body.save(update_fields=["unit"])
    return body


@pytest.fixture
def ninh_binh_user(ninh_binh_team):
    user = UserFactory(username="ninhbinh")
    MembershipFactory(
        person=user,
        body=ninh_binh_team,
        role=Membership.Role.MEMBER,
        agency=AgencyFactory(code="STC-NB", name="Sở Tài chính tỉnh Ninh Bình"),
        valid_from=NEW,
    )
    return user


@pytest.fixture
def ministry(db):
    return AgencyFactory(code="BXD", name="Bộ Xây dựng", kind="ministry")


def make_matter(team, actor, units_, *, title="Vành đai 4: giải phóng mặt bằng", **kw):
    args = {
        "actor": actor,
        "body": team,
        "title": title,
        "raised_on": RAISED,
        "provinces": units_,
        "raised_by_body": team,
        **kw,
    }
    return services.matter_create(**args)


@pytest.fixture
def ring(team, secretariat, specialist, units, province_team, ministry):
    return make_matter(
        team,
        secretariat,
        [units["hanoi"], units["bac_ninh"]],
        agencies=[ministry],
        owner=specialist,
    )


@pytest.fixture
def nhue(team, secretariat, specialist, units):
    return make_matter(
        team,
        secretariat,
        [units["hanoi"], units["ha_nam"]],
        title="Ô nhiễm sông Nhuệ - Đáy",
        raised_on=datetime.date(2024, 9, 16),
        owner=specialist,
    )
