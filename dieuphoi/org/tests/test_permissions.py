import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dieuphoi.org import permissions
from dieuphoi.org.models import Membership

from .factories import MembershipFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("leader", True),
        ("deputy", True),
        ("secretariat", True),
        ("specialist", False),
        ("member", False),
        ("external", False),
        ("leadership_viewer", False),
        ("outsider", False),
        ("admin_user", True),
    ],
)
def test_who_manages_the_members_of_the_hanoi_team(request, hanoi_team, who, expected):
    user = request.getfixturevalue(who)
    assert permissions.can_manage_members(user, hanoi_team.pk) is expected
    assert user.has_perm("org.manage_body_members", hanoi_team) is expected


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("leader", True),
        ("specialist", True),
        ("member", True),
        ("leadership_viewer", True),
        ("admin_user", True),
        ("external", False),
        ("outsider", False),
    ],
)
def test_who_sees_the_hanoi_team(request, hanoi_team, who, visible):
    user = request.getfixturevalue(who)
    if visible:
        assert permissions.access_body(user=user, pk=hanoi_team.pk) == hanoi_team
    else:
        with pytest.raises(Http404):
            permissions.access_body(user=user, pk=hanoi_team.pk)


def test_a_member_may_see_but_not_manage(member, hanoi_team):
    with pytest.raises(PermissionDenied):
        permissions.access_body(
            user=member, pk=hanoi_team.pk, perm="org.manage_body_members"
        )


def test_an_ended_membership_gives_no_access(hanoi_team):
    former = MembershipFactory(
        body=hanoi_team,
        role=Membership.Role.LEADER,
        valid_from=D(2022, 12, 1),
        valid_to=D(2025, 2, 28),
    ).person
    with pytest.raises(Http404):
        permissions.access_body(user=former, pk=hanoi_team.pk)


def test_access_membership_hides_other_bodies(external, member):
    membership = Membership.objects.get(person=member)
    with pytest.raises(Http404):
        permissions.access_membership(user=external, pk=membership.pk)
    with pytest.raises(PermissionDenied):
        permissions.access_membership(
            user=member, pk=membership.pk, perm="org.manage_body_members"
        )
    assert permissions.access_membership(user=member, pk=membership.pk) == membership


def test_access_membership_of_a_missing_row_is_404(member):
    with pytest.raises(Http404):
        permissions.access_membership(user=member, pk=999_999)


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("member", True),
        ("leadership_viewer", True),
        ("admin_user", True),
        ("external", False),
        ("outsider", False),
    ],
)
def test_who_sees_a_persons_page(request, leader, who, visible):
    user = request.getfixturevalue(who)
    if visible:
        assert permissions.access_person(user=user, pk=leader.pk) == leader
    else:
        with pytest.raises(Http404):
            permissions.access_person(user=user, pk=leader.pk)


def test_everyone_sees_their_own_page(outsider):
    assert permissions.access_person(user=outsider, pk=outsider.pk) == outsider


def test_only_administrators_edit_the_registry(admin_user, leader, outsider):
    permissions.require_registry_editor(admin_user)
    for user in (leader, outsider):
        with pytest.raises(PermissionDenied):
            permissions.require_registry_editor(user)
