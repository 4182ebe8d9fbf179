"""The demo urging letter: drafted and submitted for the leader's approval,
numbered by nobody yet; seeded once."""

import pytest

from dieuphoi.letters.models import UrgingLetter
from dieuphoi.letters.seed import seed_all
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.paperwork.models import Paper, RegisterCounter
from dieuphoi.paperwork.seed import seed_all as seed_paperwork

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(hanoi_team, standing_agency):
    user = UserFactory(username="thuky", agency=standing_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.SECRETARIAT,
        agency=standing_agency,
        valid_from=hanoi_team.valid_from,
    )
    return user


def test_the_demo_letter_is_drafted_and_waits_for_the_leader(
    hanoi_team, standing_agency, leader, clerk, member_agency, make_task
):
    seed_paperwork()
    task = make_task(days=10)

    [letter] = seed_all()

    letter.refresh_from_db()
    assert letter.status == UrgingLetter.Status.DRAFTED
    assert list(letter.tasks.all()) == [task]
    paper = Paper.objects.get(pk=letter.paper_id)
    assert (paper.state, paper.signer) == (
        Paper.State.IN_REVIEW,
        leader,
    )
    assert letter.number is None
    assert not RegisterCounter.objects.exists()
    task.refresh_from_db()
    assert task.urge_count == 0
    # Once only.
    assert seed_all() == []
    assert UrgingLetter.objects.count() == 1


def test_no_demo_letter_without_the_demo_clerk_or_an_overdue_task(
    hanoi_team, standing_agency, leader, clerk, make_task
):
    seed_paperwork()
    assert seed_all() == []  # nothing overdue
    make_task(days=-5)
    assert seed_all() == []
    assert not UrgingLetter.objects.exists()
