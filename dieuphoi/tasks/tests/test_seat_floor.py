"""The person's seats and the bodies that have tasks come with the request's
user (``core.auth``): the seats' reads of the request cost no query, give
what the queries of their own give, and a membership written after the load
is read afresh."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dieuphoi.core.auth import ModelBackend
from dieuphoi.org import permissions as org_perms
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory
from dieuphoi.tasks import permissions
from dieuphoi.tasks.tests.factories import TaskFactory


def _fresh(user):
    """The answers of the queries of their own, on a user loaded plainly."""
    plain = type(user).objects.get(pk=user.pk)
    return (
        permissions.user_seats(plain),
        org_perms.body_roles(plain),
        org_perms.access_key(plain),
    )


def _loaded(user):
    """The request's user as the backend loads it, and its answers, with
    the queries they made after the load."""
    loaded = ModelBackend().get_user(user.pk)
    with CaptureQueriesContext(connection) as queries:
        answers = (
            permissions.user_seats(loaded),
            org_perms.body_roles(loaded),
            org_perms.access_key(loaded),
        )
    return loaded, answers, len(queries)


def test_seats_come_with_the_user_and_match_their_own_query(
    member, hanoi_team, other_team
):
    # A second seat, in another body with no agency; tasks in both bodies,
    # so every seat has another body's tasks to be a party to.
    MembershipFactory(
        person=member,
        body=other_team,
        role=Membership.Role.SPECIALIST,
        agency=None,
        valid_from=datetime.date(2024, 1, 1),
    )
    # Ended: not a seat today.
    MembershipFactory(
        person=member,
        body=other_team,
        role=Membership.Role.LEADER,
        valid_from=datetime.date(2023, 1, 1),
        valid_to=datetime.date(2023, 12, 31),
    )
    TaskFactory(body=hanoi_team)
    TaskFactory(body=other_team)
    _user, answers, queries = _loaded(member)
    assert queries == 0
    assert answers == _fresh(member)
    seats = {(s.body_id, s.role, s.agency_id, s.outside_parts) for s in answers[0]}
    assert seats == {
        (hanoi_team.pk, "member", member.agency_id, True),
        (other_team.pk, "specialist", None, True),
    }


def test_outside_parts_follow_the_bodies_that_have_tasks(member, hanoi_team):
    TaskFactory(body=hanoi_team)
    _user, answers, queries = _loaded(member)
    assert queries == 0
    assert answers == _fresh(member)
    assert [s.outside_parts for s in answers[0]] == [False]


def test_a_person_without_seats_has_none_without_a_query(outsider):
    _user, answers, queries = _loaded(outsider)
    assert queries == 0
    assert answers[0] == () and answers[1] == {}
    assert answers == _fresh(outsider)


def test_a_membership_written_after_the_load_is_read_afresh(member, other_team):
    loaded = ModelBackend().get_user(member.pk)
    MembershipFactory(
        person=member,
        body=other_team,
        role=Membership.Role.SECRETARIAT,
        valid_from=datetime.date(2024, 1, 1),
    )
    with CaptureQueriesContext(connection) as queries:
        roles = org_perms.body_roles(loaded)
    assert len(queries) == 1
    assert roles[other_team.pk] == frozenset({"secretariat"})
    assert permissions.user_seats(loaded) == _fresh(member)[0]


def test_clearing_the_seat_cache_reads_the_seats_again(member, other_team):
    loaded = ModelBackend().get_user(member.pk)
    assert len(permissions.user_seats(loaded)) == 1
    TaskFactory(body=other_team)
    permissions.clear_seat_cache(loaded)
    with CaptureQueriesContext(connection) as queries:
        seats = permissions.user_seats(loaded)
    assert len(queries) == 1
    assert [s.outside_parts for s in seats] == [True]
