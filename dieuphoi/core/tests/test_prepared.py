"""Queries compiled once (``core.prepared``): the same rows as the ORM's,
compiled again for another day or database, refused when the open value
does not fit, and the users of it (the signed-in user with its menu flags,
the seats, the second-factor device) as the ORM gave them."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from dieuphoi.accounts.middleware import OTPMiddleware
from dieuphoi.core.auth import ModelBackend
from dieuphoi.core.models import local_today
from dieuphoi.core.prepared import Prepared
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.tasks.permissions import clear_seat_cache, user_seats

pytestmark = pytest.mark.django_db
User = get_user_model()
DAY = datetime.timedelta(days=1)


def _with_seat(mark, day):
    seats = Membership.objects.as_of(day).filter(person=OuterRef("pk"))
    return User.objects.annotate(seated=Exists(seats)).filter(pk=mark)


def test_the_rows_are_the_orms_and_the_sql_is_built_once(
    member, outsider, django_assert_num_queries
):
    built = []

    def build(mark, day):
        built.append(day)
        return _with_seat(mark, day)

    query = Prepared(build)
    today = local_today()
    for user in (member, outsider, member):
        orm = _with_seat(user.pk, today).get()
        with django_assert_num_queries(1):
            got = query.first(user.pk, key=(today,))
        assert got == orm and isinstance(got, User)
        assert bool(got.seated) is orm.seated
        assert got.username == orm.username and got.last_login == orm.last_login
    assert built == [today]
    assert query.first(-1, key=(today,)) is None
    # Another key (a new day) is built anew.
    query.first(member.pk, key=(today + DAY,))
    assert built == [today, today + DAY]


def test_values_list_rows_come_in_the_orms_order(member):
    query = Prepared(
        lambda mark: Membership.objects.filter(person_id=mark).values_list(
            "body_id", "role", "agency_id"
        )
    )
    orm = list(
        Membership.objects.filter(person_id=member.pk).values_list(
            "body_id", "role", "agency_id"
        )
    )
    assert orm and query.rows(member.pk) == orm


@pytest.mark.parametrize(
    "build",
    [
        lambda mark: User.objects.filter(pk=1),  # not there
        lambda mark: User.objects.filter(
            Q(pk=mark) | Q(is_staff=True, pk=mark)
        ),  # twice
        lambda mark: User.objects.filter(username=str(mark)),  # changed on the way
    ],
)
def test_an_open_value_that_does_not_fit_is_refused(build, db):
    with pytest.raises(ValueError, match="once"):
        Prepared(build).rows(1)


def test_the_menu_flags_follow_the_day(db):
    person = UserFactory()
    today = local_today()
    MembershipFactory(person=person, valid_from=today + DAY)
    backend = ModelBackend()
    user = backend.get_user(person.pk)
    assert (user.nav_has_seat, user.nav_manages) == (False, False)
    with freeze_time(f"{(today + DAY).isoformat()} 05:00:00"):
        user = backend.get_user(str(person.pk))
        assert (user.nav_has_seat, user.nav_manages) == (True, False)
    assert backend.get_user(-5) is None
    assert backend.get_user("x") is None
    person.is_active = False
    person.save()
    assert backend.get_user(person.pk) is None


def test_the_seats_are_the_orms(secretariat, other_team):
    MembershipFactory(person=secretariat, body=other_team)
    clear_seat_cache(secretariat)
    seats = user_seats(secretariat)
    orm = set(
        Membership.objects.as_of(local_today())
        .filter(person=secretariat)
        .values_list("body_id", "role", "agency_id")
    )
    assert {(s.body_id, s.role, s.agency_id) for s in seats} == orm
    assert all(type(s.outside_parts) is bool for s in seats)


def _device(persistent_id, user):
    request = RequestFactory().get("/")
    request.session = {DEVICE_ID_SESSION_KEY: persistent_id}
    middleware = OTPMiddleware(lambda r: None)
    return middleware._verify_user_sync(request, user).otp_device, request.session


def test_the_sessions_device_is_loaded_as_django_otp_does(member, outsider):
    device = TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    got, session = _device(device.persistent_id, member)
    assert got == device and isinstance(got, TOTPDevice)
    assert got.key == device.key and got.confirmed is True
    assert session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    # Someone else's device, an unconfirmed one, or an id that names no device:
    # no device, and the session forgets it.
    for persistent_id, user in [
        (device.persistent_id, outsider),
        (f"otp_totp.totpdevice/{device.pk + 1000}", member),
        ("otp_totp.totpdevice/abc", member),
        ("nothing.here/1", member),
        (f"auth.group/{Group.objects.create(name='g').pk}", member),
        ("no-slash", member),
    ]:
        got, session = _device(persistent_id, user)
        assert got is None and DEVICE_ID_SESSION_KEY not in session
    device.confirmed = False
    device.save()
    got, session = _device(device.persistent_id, member)
    assert got is None


# --- several open values: text and time (sessions, API tokens) ------------------


def test_text_and_time_values_give_the_orms_rows():
    from django.utils import timezone

    from dieuphoi.accounts.models import ApiToken
    from dieuphoi.accounts.services import api_token_create

    user = UserFactory(username="cli")
    token, _raw = api_token_create(user=user, name="CLI")
    now = timezone.now()

    def build(key, moment):
        return ApiToken.objects.filter(key_hash=key, expires_at__gt=moment)

    prepared = Prepared(build, opens=("str", "datetime"))
    for key, moment in [
        (token.key_hash, now),
        (token.key_hash, token.expires_at),  # not after its own expiry
        ("x" * 64, now),
    ]:
        expected = list(build(key, moment).values_list("pk", flat=True))
        got = [t.pk for t in prepared.objects((key, moment))]
        assert got == expected
    assert [t.pk for t in prepared.objects((token.key_hash, now))] == [token.pk]


def test_several_open_values_are_checked():
    with pytest.raises(ValueError, match="int, str or datetime"):
        Prepared(lambda mark: User.objects.filter(pk=mark), opens=("float",))
    prepared = Prepared(
        lambda name, moment: User.objects.filter(username=name, date_joined__lt=moment),
        opens=("str", "datetime"),
    )
    with pytest.raises(ValueError, match="2 values expected"):
        prepared.rows(("only-one",))
    # A mark that does not reach the parameters is refused when compiled.
    missing = Prepared(lambda name: User.objects.all(), opens=("str",))
    with pytest.raises(ValueError, match="must appear once"):
        missing.rows("x")


# --- the device and the stamps ride on the user's query -------------------------


def _lazy_request(user, persistent_id):
    """A request as AuthenticationMiddleware leaves it: the user not loaded."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth import get_user as auth_get_user
    from django.utils.functional import SimpleLazyObject

    request = RequestFactory().get("/")
    request.session = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: "dieuphoi.core.auth.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(),
        DEVICE_ID_SESSION_KEY: persistent_id,
    }
    request.user = SimpleLazyObject(lambda: auth_get_user(request))
    return request


def test_the_sessions_device_is_answered_by_the_users_query(
    member, outsider, django_assert_num_queries
):
    device = TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    request = _lazy_request(member, device.persistent_id)
    middleware = OTPMiddleware(lambda r: None)
    with django_assert_num_queries(1) as ctx:  # the user, with the device's answer
        user = middleware._verify_user_sync(request, request.user)
        assert user.is_verified() and user.pk == member.pk
    assert "otp_totp_totpdevice" in ctx.captured_queries[0]["sql"]
    with django_assert_num_queries(1):  # the device itself, when read
        assert user.otp_device.key == device.key and user.otp_device == device
    assert request.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    # The same refusals as the device's own query: someone else's device,
    # one that is not there or not confirmed, a malformed id.
    other = TOTPDevice.objects.create(user=outsider, name="x", confirmed=True)
    unconfirmed = TOTPDevice.objects.create(user=member, name="y", confirmed=False)
    for persistent_id in [
        other.persistent_id,
        unconfirmed.persistent_id,
        f"otp_totp.totpdevice/{device.pk + 1000}",
        "otp_totp.totpdevice/abc",
        f"otp_totp.totpdevice/{2**63}",
        "nothing.here/1",
        "no-slash",
    ]:
        request = _lazy_request(member, persistent_id)
        user = middleware._verify_user_sync(request, request.user)
        assert user.pk == member.pk and not user.is_verified(), persistent_id
        assert user.otp_device is None
        assert DEVICE_ID_SESSION_KEY not in request.session


def test_the_stamps_come_with_the_user_and_are_current(
    member, django_assert_num_queries
):
    """Loading the request's user keeps every stamp's token for the request:
    no query of the stamps' own, and a token replaced just before (another
    process's write) is the one read."""
    from dieuphoi.core import cache as stamps
    from dieuphoi.core.models import VersionStamp

    stamps._apply((stamps.TASKS,))
    for _ in range(2):
        with stamps.request_scope():
            with django_assert_num_queries(1):
                user = ModelBackend().get_user(member.pk)
            with django_assert_num_queries(0):
                tokens = stamps.read(*stamps.NAMES)
        assert user == member
        stored = dict(VersionStamp.objects.values_list("name", "value"))
        assert tokens == tuple(stored.get(name, 0) for name in stamps.NAMES)
        assert stored[stamps.TASKS] != 0
        stamps._apply((stamps.TASKS, stamps.SEATS))  # the next request sees them


def test_two_int_values_are_filled_in_their_places(member, outsider):
    prepared = Prepared(
        lambda a, b: User.objects.filter(Q(pk=a) | Q(pk=b)).order_by("pk"),
        opens=("int", "int"),
    )
    got = [u.pk for u in prepared.objects((member.pk, outsider.pk))]
    assert got == sorted([member.pk, outsider.pk])
    assert [u.pk for u in prepared.objects((outsider.pk, -5))] == [outsider.pk]


def test_a_related_rows_columns_load_as_the_orm_loads_them(member):
    """``loaded``: a token's columns brought with its user by one prepared
    query (``api.auth``) give the ORM's values (a date-time, JSON), the other
    columns load when read, and saving one field leaves the others alone."""
    from django.db.models import F
    from django.utils import timezone

    from dieuphoi.accounts.models import ApiToken
    from dieuphoi.accounts.services import api_token_create
    from dieuphoi.core.prepared import loaded

    token, _raw = api_token_create(user=member, name="CLI")
    used = timezone.now() - datetime.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used)
    token.refresh_from_db()
    names = ("id", "seats", "last_used_at", "expires_at")

    def build(mark):
        return User.objects.filter(api_tokens__id=mark).annotate(
            **{f"t_{name}": F(f"api_tokens__{name}") for name in names}
        )

    user = Prepared(build).first(token.pk)
    got = loaded(
        ApiToken, {"user": user.pk, **{n: getattr(user, f"t_{n}") for n in names}}
    )
    for name in names:
        assert getattr(got, name) == getattr(token, name), name
    assert got.user_id == member.pk
    assert got.get_deferred_fields() >= {"name", "key_hash", "revoked_at"}
    assert got.name == "CLI"  # a deferred column loads when read
    got.last_used_at = None
    got.save(update_fields=["last_used_at"])
    token.refresh_from_db()
    assert token.last_used_at is None and token.name == "CLI"
    assert token.seats == got.seats
