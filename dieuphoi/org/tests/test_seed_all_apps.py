import pytest

from dieuphoi.org.management.commands.seed_demo import app_seeders

from .test_seed import counts, run_seed_demo

pytestmark = pytest.mark.django_db


def test_full_seed_demo_with_every_app_is_idempotent():
    """The registry and every app's demo data, twice: nothing new the second time."""
    run_seed_demo()
    first = counts()
    run_seed_demo()
    assert counts() == first


def test_only_other_project_apps_with_a_seed_all_take_part():
    labels = [label for label, _ in app_seeders()]
    assert "org" not in labels
    assert "docs" not in labels  # docs.seed has no seed_all: org seeds its types
