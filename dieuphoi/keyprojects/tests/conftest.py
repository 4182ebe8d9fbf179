"""Fixtures of the key projects' tests: the region's units (Hà Nội, and the
2025 Bắc Ninh that absorbed the 2022 Bắc Giang), the Bắc Ninh team standing
for its province, and a project of the Hanoi team in Hà Nội and Bắc Ninh
with two phases and three milestones (one done, one late, one ahead)."""

import datetime

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.docs.tests.factories import DocumentFactory, quyet_dinh_type
from dieuphoi.keyprojects import services
from dieuphoi.keyprojects.models import KeyProject
from dieuphoi.org.models import AdministrativeUnit
from dieuphoi.org.tests.factories import UnitFactory

DECIDED = datetime.date(2025, 8, 1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def units(db):
    hanoi = UnitFactory(
        key="ha-noi",
        name="TP. Hà Nội",
        kind=AdministrativeUnit.Kind.CITY,
        valid_from=datetime.date(2008, 8, 1),
    )
    bac_giang = UnitFactory(
        key="bac-giang",
        name="Tỉnh Bắc Giang",
        valid_from=datetime.date(2022, 8, 22),
        valid_to=datetime.date(2025, 6, 30),
    )
    bac_ninh = UnitFactory(
        key="bac-ninh", name="Tỉnh Bắc Ninh", valid_from=datetime.date(2025, 7, 1)
    )
    bac_ninh.predecessors.add(bac_giang)
    thai_nguyen = UnitFactory(
        key="thai-nguyen",
        name="Tỉnh Thái Nguyên",
        valid_from=datetime.date(2025, 7, 1),
    )
    return {
        "hanoi": hanoi,
        "bac_giang": bac_giang,
        "bac_ninh": bac_ninh,
        "thai_nguyen": thai_nguyen,
    }


@pytest.fixture
def team(hanoi_team, standing_agency, leader, deputy, secretariat):
    return hanoi_team


@pytest.fixture
def province_team(other_team, units):
    """The external user's team stands for the 2025 Bắc Ninh."""
    other_team.unit = units["bac_ninh"]
    other_team.save(update_fields=["unit"])
    return other_team


@pytest.fixture
def decision(team, standing_agency):
    return DocumentFactory(
        body=team,
        doc_type=quyet_dinh_type(),
        number="125",
        symbol="QĐ-UBND",
        issuer=standing_agency,
        issued_on=DECIDED,
        summary="Phê duyệt chủ trương đầu tư dự án đường Vành đai 4",
    )


def make_project(team, actor, lead, *, code="DA-VD4", locations=(), **kw):
    args = {
        "actor": actor,
        "body": team,
        "code": code,
        "name": f"Dự án {code}: đường Vành đai 4 - Vùng Thủ đô",
        "investor": "Ban Quản lý dự án đầu tư xây dựng công trình giao thông",
        "lead_agency": lead,
        "decided_on": DECIDED,
        "locations": list(locations),
        "capital": {"capital_central": "1.000.000", "capital_city": 2_000_000},
        "total_investment": 3_000_000,
        "starts_on": DECIDED,
        "ends_on": datetime.date(2027, 12, 31),
        "state": KeyProject.State.UNDER_CONSTRUCTION,
        **kw,
    }
    return services.project_create(**args)


@pytest.fixture
def project(team, secretariat, member_agency, units, province_team, decision):
    return make_project(
        team,
        secretariat,
        member_agency,
        locations=[units["hanoi"], units["bac_ninh"]],
        decision_documents=[decision],
    )


@pytest.fixture
def hanoi_only(team, secretariat, member_agency, units):
    """A project in Hà Nội only: not the Bắc Ninh team's."""
    return make_project(
        team, secretariat, member_agency, code="DA-HN", locations=[units["hanoi"]]
    )


@pytest.fixture
def milestones(project, secretariat, member_agency):
    today = local_today()
    phase = services.phase_add(
        actor=secretariat, project=project, name="Giải phóng mặt bằng"
    )
    done = services.milestone_add(
        actor=secretariat,
        project=project,
        name="Bàn giao mặt bằng đợt 1",
        planned_on=today - 30 * DAY,
        responsible_agency=member_agency,
        phase=phase,
    )
    done = services.milestone_complete(
        actor=secretariat,
        milestone=done,
        version=done.version,
        actual_on=today - 35 * DAY,
    )
    late = services.milestone_add(
        actor=secretariat,
        project=project,
        name="Bàn giao mặt bằng đợt 2",
        planned_on=today - 5 * DAY,
        responsible_agency=member_agency,
        phase=phase,
    )
    ahead = services.milestone_add(
        actor=secretariat,
        project=project,
        name="Thông xe kỹ thuật",
        planned_on=today + 40 * DAY,
        responsible_agency=member_agency,
    )
    return {"phase": phase, "done": done, "late": late, "ahead": ahead}
