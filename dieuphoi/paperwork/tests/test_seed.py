"""The documents engine's seed: the kinds of Decree 30/2020 and the Hanoi
team's issuing profile, created once, administrators' edits kept."""

import pytest

from dieuphoi.docs.models import DocumentType
from dieuphoi.paperwork.models import IssuingProfile, NumberingRegister, PaperKind
from dieuphoi.paperwork.seed import seed_all

pytestmark = pytest.mark.django_db

# key: (Decree 30 abbreviation, layout, title, Kính gửi)
EXPECTED_KINDS = {
    "cong-van": ("", "letter", "", True),
    "to-trinh": ("TTr", "titled", "TỜ TRÌNH", True),
    "giay-moi": ("GM", "titled", "GIẤY MỜI", False),
    "thong-bao": ("TB", "titled", "THÔNG BÁO", False),
    "bao-cao": ("BC", "titled", "BÁO CÁO", False),
    "ke-hoach": ("KH", "titled", "KẾ HOẠCH", False),
    "quyet-dinh": ("QĐ", "titled", "QUYẾT ĐỊNH", False),
    "bien-ban": ("BB", "titled", "BIÊN BẢN", False),
}


def test_seed_gives_the_kinds_and_the_hanoi_teams_profile_once(hanoi_team):
    seeded = seed_all()

    kinds = {
        kind.key: (kind.doc_type.abbreviation, kind.layout, kind.title, kind.addressed)
        for kind in PaperKind.objects.select_related("doc_type")
    }
    assert kinds == EXPECTED_KINDS
    [profile] = [item for item in seeded if isinstance(item, IssuingProfile)]
    assert (
        profile.body,
        profile.effective_symbol,
        profile.governing_body_line,
        profile.issuer_line,
        profile.collective_name,
        profile.head_title,
        profile.deputy_title,
        profile.archive_line,
    ) == (
        hanoi_team,
        "TĐP",
        "UBND THÀNH PHỐ HÀ NỘI",
        "TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
        "TỔ ĐIỀU PHỐI",
        "TỔ TRƯỞNG",
        "PHÓ TỔ TRƯỞNG",
        "Lưu: VT, TĐP",
    )
    assert list(NumberingRegister.objects.values_list("body", "name")) == [
        (hanoi_team.pk, "Sổ văn bản đi")
    ]

    seed_all()

    assert PaperKind.objects.count() == len(EXPECTED_KINDS)
    assert IssuingProfile.objects.count() == 1
    assert NumberingRegister.objects.count() == 1


def test_seed_keeps_what_administrators_edited(hanoi_team):
    seed_all()
    IssuingProfile.objects.filter(body=hanoi_team).update(
        head_title="TRƯỞNG BAN", drafting_unit="KTĐN"
    )
    PaperKind.objects.filter(key="giay-moi").update(closing_text="Trân trọng./.")

    seed_all()

    profile = IssuingProfile.objects.get()
    assert (profile.head_title, profile.drafting_unit) == ("TRƯỞNG BAN", "KTĐN")
    assert PaperKind.objects.get(key="giay-moi").closing_text == "Trân trọng./."


def test_seed_uses_the_document_types_already_registered(hanoi_team):
    existing = DocumentType.objects.create(
        key="cong-van", name="Công văn", abbreviation=""
    )
    seed_all()
    assert PaperKind.objects.get(key="cong-van").doc_type == existing
    assert DocumentType.objects.filter(key="cong-van").count() == 1


def test_seed_without_the_registry_gives_only_the_kinds(db):
    seeded = seed_all()
    assert not IssuingProfile.objects.exists()
    assert not NumberingRegister.objects.exists()
    assert len(seeded) == len(EXPECTED_KINDS)


def test_seed_demo_runs_the_paperwork_seed():
    from dieuphoi.org.management.commands.seed_demo import app_seeders

    labels = [label for label, _seed in app_seeders()]
    # The kinds and profiles before the demo letter drafted from them.
    assert labels.index("paperwork") < labels.index("letters")
