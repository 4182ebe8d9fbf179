import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dieuphoi.docs.models import Document, DocumentType
from dieuphoi.docs.seed import seed_document_types
from dieuphoi.org import seed
from dieuphoi.org.management.commands import seed_demo
from dieuphoi.org.models import (
    AdministrativeUnit,
    Agency,
    Body,
    BodyAgency,
    DutyAssignment,
    Membership,
    Region,
    RegionMembership,
)

D = datetime.date
pytestmark = pytest.mark.django_db

MODELS = [
    Region,
    AdministrativeUnit,
    RegionMembership,
    Agency,
    Body,
    BodyAgency,
    Membership,
    DutyAssignment,
    Document,
    DocumentType,
    get_user_model(),
    AdministrativeUnit.predecessors.through,
    Agency.predecessors.through,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def run_seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def registry_only(monkeypatch):
    """The registry alone: the other apps' seeds have their own tests (and
    test_seed_all_apps.py runs everything together)."""
    monkeypatch.setattr(seed_demo, "app_seeders", list)


def test_seed_demo_twice_creates_nothing_new():
    run_seed_demo()
    first = counts()
    run_seed_demo()
    assert counts() == first
    assert first["AdministrativeUnit"] == 16
    assert first["Region"] == 1
    assert first["RegionMembership"] == 16


def test_seed_demo_keeps_what_people_changed():
    run_seed_demo()
    User = get_user_model()
    thuky = User.objects.get(username="thuky")
    thuky.set_password("a-new-password-2026")
    thuky.save()
    membership = Membership.objects.get(person=thuky, valid_from=D(2025, 3, 1))
    membership.duties = "Nhiệm vụ đã được Tổ trưởng phân công lại."
    membership.save()

    run_seed_demo()

    thuky.refresh_from_db()
    membership.refresh_from_db()
    assert thuky.check_password("a-new-password-2026")
    assert membership.duties == "Nhiệm vụ đã được Tổ trưởng phân công lại."


def test_seed_demo_restores_reference_data_to_the_domain_facts():
    run_seed_demo()
    Agency.objects.filter(code="SNNMT").update(name="Tên sai")
    run_seed_demo()
    assert Agency.objects.get(code="SNNMT").name == "Sở Nông nghiệp và Môi trường"


def test_seed_demo_prints_one_login_per_role():
    output = run_seed_demo()
    assert "demo12345" in output
    for username in (
        "admin",
        "truongto",
        "photo",
        "thuky",
        "chuyenvien",
        "daumoi.sxd",
        "daumoi.snnmt",
        "lanhdao",
        "bacninh",
    ):
        assert username in output
    User = get_user_model()
    assert User.objects.get(username="truongto").check_password("demo12345")
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="lanhdao").is_leadership_viewer


def test_hanoi_agencies_follow_resolution_06(seeded):
    finance = Agency.objects.get(code="STC", valid_from=D(2025, 3, 1))
    assert finance.legal_basis == "Nghị quyết 06/NQ-HĐND ngày 25/02/2025"
    assert {(p.code, p.valid_to) for p in finance.predecessors.all()} == {
        ("SKHĐT", D(2025, 2, 28)),
        ("STC", D(2025, 2, 28)),
    }
    # Unchanged agencies are one row with no end.
    planning = Agency.objects.get(code="SQHKT")
    assert planning.valid_to is None
    assert not planning.predecessors.exists()
    assert Agency.objects.get(code="TTg").kind == Agency.Kind.GOVERNMENT
    assert Agency.objects.get(code="BKHĐT").valid_to == D(2025, 2, 28)


def test_bodies_and_their_documents(seeded):
    team = Body.objects.get(key="to-dieu-phoi-ha-noi")
    assert team.symbol == "TĐP"
    assert team.valid_from == D(2022, 12, 7)
    assert team.establishing_document.reference == "4854/QĐ-UBND"
    council = Body.objects.get(key="hoi-dong-dieu-phoi-vung-thu-do")
    decision = council.establishing_document
    assert decision.reference == "986/QĐ-TTg"
    assert decision.signer == "Lê Văn Thành"
    assert decision.issued_on == D(2022, 8, 22)
    assert decision.issuer.code == "TTg"
    resolution = Document.objects.get(number="202")
    assert resolution.reference == "202/2025/QH15"
    assert resolution.doc_type.is_normative
    assert Document.objects.get(number="06").issued_on == D(2025, 2, 25)
    assert set(Document.objects.values_list("body_id", flat=True)) == {team.pk}
    office = Body.objects.get(key="van-phong-hoi-dong-dieu-phoi")
    assert "Giả định" in office.description  # the move to Finance is an assumption


def test_provincial_teams_follow_the_units(seeded):
    old = Body.objects.get(key="to-dieu-phoi-bac-ninh-2022")
    new = Body.objects.get(key="to-dieu-phoi-bac-ninh")
    assert old.valid_to == D(2025, 6, 30)
    assert new.valid_from == D(2025, 7, 1)
    assert new.name == "Tổ điều phối vùng tỉnh Bắc Ninh"
    assert new.unit == seeded.units.new["bac-ninh"]
    assert Body.objects.filter(kind=Body.Kind.TEAM).count() == 1 + 9 + 6


def test_document_types_follow_decree_30():
    types = seed_document_types()
    assert types["quyet-dinh"].abbreviation == "QĐ"
    assert types["cong-van"].abbreviation == ""
    assert types["to-trinh"].abbreviation == "TTr"
    assert not types["bao-cao"].is_normative
    assert types["nghi-quyet-qppl"].is_normative
    seed_document_types()
    assert DocumentType.objects.count() == len(types)


def test_former_leader_and_secretariat_history(seeded):
    former = Membership.objects.get(person__username="nguyen.van.an")
    assert former.role == Membership.Role.LEADER
    assert former.valid_to == D(2025, 2, 28)
    assert former.agency.code == "SKHĐT"
    assert Membership.objects.filter(person__username="thuky").count() == 2
    assert DutyAssignment.objects.filter(membership__person__username="photo").exists()


def test_seed_functions_can_be_called_alone():
    region, units = seed.seed_region()
    agencies = seed.seed_agencies(units)
    assert region.key == "vung-thu-do"
    assert agencies.get("STC", D(2025, 8, 1)).valid_from == D(2025, 3, 1)
    assert agencies.get("STC", D(2024, 8, 1)).valid_to == D(2025, 2, 28)


def test_demo_logins_name_seeded_accounts(seeded):
    User = get_user_model()
    for username, password, role in seed.DEMO_LOGINS:
        assert User.objects.get(username=username).check_password(password), role


def test_seed_demo_runs_the_other_apps_seeds_after_the_registry(monkeypatch):
    calls = []

    def fake_seed():
        calls.append(Body.objects.filter(key="to-dieu-phoi-ha-noi").exists())

    monkeypatch.setattr(seed_demo, "app_seeders", lambda: [("fake", fake_seed)])
    output = run_seed_demo()
    assert calls == [True]
    assert "fake" in output


def test_a_failing_app_seed_rolls_the_whole_run_back(monkeypatch):
    def broken_seed():
        raise RuntimeError("boom")

    monkeypatch.setattr(seed_demo, "app_seeders", lambda: [("broken", broken_seed)])
    with pytest.raises(RuntimeError):
        run_seed_demo()
    assert not Body.objects.exists()
    assert not get_user_model().objects.exists()
