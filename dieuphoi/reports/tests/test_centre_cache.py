"""The notification centre keeps a person's answer on a contribution
(``registry.visible_to``) under the ``reports`` and ``seats`` stamps: the
rule reads who acts for the party, which is other people's seats. A focal
point appointed in the report's body, or that focal point deactivated,
changes who acts at once; without the ``seats`` stamp the first check fails."""

import pytest

from dieuphoi.notifications.tests.test_centre_cache import (  # noqa: F401
    centre_caches_on,  # autouse: the centre's caches on, emptied
    fresh,
    listed,
    settle,
)
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.reports import contributions as services
from dieuphoi.reports import notices
from dieuphoi.reports.tests.test_contributions import HEADINGS, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registered():
    """What ``ReportsConfig.ready()`` registers through ``contributions_ready``."""
    notices.contributions_ready()


@pytest.fixture
def asked_abroad(hanoi_team, secretariat, external, commit):
    """A contribution asked of the external's agency, which has no focal
    point in the Hanoi team: its people's seats elsewhere act for it."""
    agency = Membership.objects.get(person=external).agency
    report = make_report(hanoi_team)
    request = services.contributions_request(
        actor=secretariat,
        report=report,
        agencies=[agency],
        party_bodies=[],
        deadline=report.deadline,
        headings=HEADINGS,
        message="Đề nghị gửi báo cáo đúng hạn.",
    )
    settle(commit)
    return request.contributions.get(), agency


def test_a_focal_point_appointed_elsewhere_hides_and_deactivated_shows_again(
    hanoi_team, external, asked_abroad, commit
):
    _contribution, agency = asked_abroad
    shown = listed(external)
    assert len(shown) == 1  # the request's notice
    assert listed(external) == shown  # from the kept answer
    focal = UserFactory(username="focal-bn")
    with commit():  # the agency's own focal point in the Hanoi team now
        MembershipFactory(
            person=focal,
            body=hanoi_team,
            role=Membership.Role.MEMBER,
            agency=agency,
            valid_from="2022-12-01",
        )
    assert listed(external) == [] == fresh(external)
    with commit():  # gone again: the seats elsewhere act once more
        focal.is_active = False
        focal.save()
    assert listed(external) == shown == fresh(external)


def test_a_sign_in_leaves_the_kept_answer(external, asked_abroad, commit):
    from dieuphoi.core import cache as stamps

    before = stamps.read(stamps.SEATS)
    with commit():
        external.save(update_fields=["last_login"])
    assert stamps.read(stamps.SEATS) == before
