"""The notification centre keeps a person's answer on a consultation round
(``registry.visible_to``) under the ``proposals`` and ``seats`` stamps: who
acts for a party is other people's seats. A focal point appointed in the
proposal's body takes the party over at once."""

import pytest

from dieuphoi.notifications.tests.test_centre_cache import (  # noqa: F401
    centre_caches_on,  # autouse: the centre's caches on, emptied
    fresh,
    listed,
    settle,
)
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.proposals import services

pytestmark = pytest.mark.django_db


def test_a_focal_point_appointed_in_the_body_takes_the_party_over(
    proposal, draft, secretariat, hanoi_team, external, commit
):
    # The external's agency has no focal point in the Hanoi team: its
    # people's seats elsewhere answer for it.
    agency = Membership.objects.get(person=external).agency
    services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[agency],
        working_days=5,
    )
    settle(commit)
    shown = listed(external)
    assert len(shown) == 1  # the round's request
    assert listed(external) == shown
    with commit():
        MembershipFactory(
            person=UserFactory(username="focal-bn"),
            body=hanoi_team,
            role=Membership.Role.MEMBER,
            agency=agency,
            valid_from="2022-12-01",
        )
    assert listed(external) == [] == fresh(external)
