import datetime

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.docs.tests.factories import cong_van_type
from dieuphoi.org.tests.factories import AgencyFactory, BodyAgencyFactory
from dieuphoi.paperwork.models import Paper
from dieuphoi.paperwork.services import paper_approve, paper_issue, paper_submit
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory

from .factories import IssuingProfileFactory


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    """Generated files go to a fresh directory per test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def dummy_backend(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def profile(hanoi_team, standing_agency, leader):
    """The Hanoi team's profile; the leader fixture makes the signer."""
    cong_van_type()
    return IssuingProfileFactory(body=hanoi_team)


@pytest.fixture
def coop_agency(hanoi_team):
    agency = AgencyFactory(code="SNNMT", name="Sở Nông nghiệp và Môi trường")
    BodyAgencyFactory(body=hanoi_team, agency=agency, role="member")
    return agency


@pytest.fixture
def make_task(hanoi_team, member_agency, today):
    """A task of the Hanoi team led by SXD, overdue by ``days`` (default 10)."""

    def _make(days: int = 10, **kwargs):
        on = kwargs.pop("on", today)
        kwargs.setdefault("body", hanoi_team)
        kwargs.setdefault("lead_agency", member_agency)
        kwargs.setdefault("assigned_on", on - datetime.timedelta(days=days + 60))
        kwargs.setdefault("deadline", on - datetime.timedelta(days=days))
        kwargs.setdefault("state", Task.State.IN_PROGRESS)
        return TaskFactory(**kwargs)

    return _make


@pytest.fixture
def approve_letter(secretariat, leader):
    """Drive a drafted letter's paper to "approved": the secretariat (who
    drafts) submits it, the leader (who signs TM. the body) approves it."""

    def _approve(letter):
        paper = letter.paper
        paper = paper_submit(actor=secretariat, paper=paper, version=paper.version)
        paper = paper_approve(actor=leader, paper=paper, version=paper.version)
        assert paper.state == Paper.State.APPROVED
        return paper

    return _approve


@pytest.fixture
def issue_letter(secretariat, approve_letter):
    """Issue a drafted letter through the documents engine, synchronously:
    submitted, approved by the leader (unless it is approved already), then
    issued by the secretariat (the body's clerk) on ``on`` (default: the
    letter's date). Returns the letter refreshed."""

    def _issue(letter, *, on=None):
        letter.refresh_from_db()
        paper = letter.paper
        if paper.state != Paper.State.APPROVED:
            paper = approve_letter(letter)
        paper_issue(actor=secretariat, paper_id=paper.pk, on=on or letter.on)
        letter.refresh_from_db()
        return letter

    return _issue


@pytest.fixture(autouse=True)
def english_ui(settings):
    """These tests assert the English source messages; the Vietnamese
    catalogue is checked by the translation check and the browser journeys."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
