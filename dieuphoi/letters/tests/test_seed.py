import pytest

from dieuphoi.letters.models import IssuingProfile
from dieuphoi.letters.seed import seed_all

pytestmark = pytest.mark.django_db


def test_seed_gives_the_hanoi_team_its_profile_once_and_keeps_edits(hanoi_team):
    [profile] = seed_all()
    assert (profile.body, profile.effective_symbol, profile.signer_title) == (
        hanoi_team,
        "TĐP",
        "TỔ TRƯỞNG",
    )
    profile.signer_name = "Người ký khác"
    profile.save()

    seed_all()

    assert IssuingProfile.objects.get().signer_name == "Người ký khác"


def test_seed_without_the_registry_does_nothing(db):
    assert seed_all() == []
    assert not IssuingProfile.objects.exists()


def test_seed_demo_runs_the_letters_seed():
    from dieuphoi.org.management.commands.seed_demo import app_seeders

    assert "letters" in [label for label, _seed in app_seeders()]
