"""Who sees and changes a key project, per role, one object at a time and
in the list's SQL (the two must agree); and the SQL status of milestones
against the model's."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dieuphoi.core.models import local_today
from dieuphoi.keyprojects import permissions, selectors
from dieuphoi.keyprojects.models import Milestone
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import BodyFactory, MembershipFactory, UserFactory

from .conftest import make_project

pytestmark = pytest.mark.django_db

ROLES = [
    # role fixture, sees the Bắc Ninh project, sees the Hà Nội one, changes
    ("leader", True, True, True),
    ("deputy", True, True, True),
    ("secretariat", True, True, True),
    ("member", True, True, False),
    ("leadership_viewer", True, True, False),
    ("admin_user", True, True, True),
    ("external", True, False, False),
    ("outsider", False, False, False),
]


def visible_ids(user) -> set[int]:
    return set(permissions.visible(user).values_list("pk", flat=True))


@pytest.mark.parametrize(("role", "sees", "sees_hanoi", "changes"), ROLES)
def test_each_role(request, project, hanoi_only, role, sees, sees_hanoi, changes):
    user = request.getfixturevalue(role)
    assert permissions.can_view_project(user, project) is sees
    assert permissions.can_view_project(user, hanoi_only) is sees_hanoi
    assert permissions.can_change_project(user, project) is changes
    # The list's SQL says the same.
    expected = {p.pk for p, ok in ((project, sees), (hanoi_only, sees_hanoi)) if ok}
    assert visible_ids(user) == expected
    if sees:
        assert permissions.access_project(user=user, pk=project.pk) == project
    else:
        with pytest.raises(Http404):
            permissions.access_project(user=user, pk=project.pk)
    if changes:
        permissions.access_project(user=user, pk=project.pk, perm=permissions.CHANGE)
    elif sees:
        with pytest.raises(PermissionDenied):
            permissions.access_project(
                user=user, pk=project.pk, perm=permissions.CHANGE
            )
    else:
        with pytest.raises(Http404):
            permissions.access_project(
                user=user, pk=project.pk, perm=permissions.CHANGE
            )


def test_only_the_bodys_viewers_see_the_internals(
    project, member, external, leadership_viewer
):
    assert permissions.can_see_internals(member, project)
    assert permissions.can_see_internals(leadership_viewer, project)
    assert not permissions.can_see_internals(external, project)


def test_a_province_team_sees_projects_in_the_units_its_province_absorbed(
    team, secretariat, member_agency, units, external, province_team
):
    # Decided in 2024 in Bắc Giang, which the 2025 Bắc Ninh absorbed.
    old = make_project(
        team,
        secretariat,
        member_agency,
        code="DA-BG",
        decided_on=datetime.date(2024, 3, 1),
        starts_on=datetime.date(2024, 3, 1),
        locations=[units["bac_giang"]],
    )
    elsewhere = make_project(
        team,
        secretariat,
        member_agency,
        code="DA-TN",
        locations=[units["thai_nguyen"]],
    )
    assert permissions.can_view_project(external, old)
    assert not permissions.can_view_project(external, elsewhere)
    assert visible_ids(external) == {old.pk}


def test_a_team_without_a_province_or_an_ended_seat_sees_nothing(
    project, units, province_team
):
    council = BodyFactory(key="hoi-dong", unit=None)
    person = UserFactory(username="council-member")
    MembershipFactory(
        person=person,
        body=council,
        role=Membership.Role.MEMBER,
        valid_from=datetime.date(2023, 1, 1),
    )
    assert visible_ids(person) == set()
    assert not permissions.can_view_project(person, project)
    former = UserFactory(username="former")
    MembershipFactory(
        person=former,
        body=province_team,
        role=Membership.Role.MEMBER,
        valid_from=datetime.date(2023, 1, 1),
        valid_to=local_today() - datetime.timedelta(days=1),
    )
    assert visible_ids(former) == set()
    assert not permissions.can_view_project(former, project)


def test_access_rejects_bad_ids(secretariat):
    for pk in ("x", -1, 0, 2**64, None):
        with pytest.raises(Http404):
            permissions.access_project(user=secretariat, pk=pk)


def test_a_milestone_of_another_project_is_404(
    project, hanoi_only, milestones, secretariat
):
    late = milestones["late"]
    assert (
        permissions.access_milestone(
            user=secretariat, project_pk=project.pk, pk=late.pk
        )
        == late
    )
    with pytest.raises(Http404):
        permissions.access_milestone(
            user=secretariat, project_pk=hanoi_only.pk, pk=late.pk
        )


def test_sql_status_matches_the_model(milestones):
    today = local_today()
    # One done after its planned date too.
    Milestone.objects.filter(pk=milestones["late"].pk).update(actual_on=today)
    statuses = set()
    for on in (
        today - datetime.timedelta(days=40),
        today,
        today + 60 * datetime.timedelta(days=1),
    ):
        rows = Milestone.objects.annotate(s=selectors.milestone_status(on))
        for m in rows:
            assert m.s == m.status_on(on), (m.name, on)
            statuses.add(m.s)
    assert statuses == set(Milestone.Status.values)
