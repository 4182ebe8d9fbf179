import pytest
from django.utils import timezone

from conftest import PASSWORD
from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.audit.models import AuditEvent

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_token_issue_returns_a_bearer_token(client, member):
    response = client.post(
        TOKEN_URL,
        {"username": "member", "password": PASSWORD, "name": "CLI"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["prefix"] == body["token"][:8]
    token = ApiToken.objects.get(user=member)
    assert token.key_hash == hash_token(body["token"])
    assert token.name == "CLI"
    assert AuditEvent.objects.filter(action="accounts.token_create").count() == 1


def test_token_issue_with_bad_credentials_answers_401_with_the_error_shape(
    client, member
):
    response = client.post(
        TOKEN_URL,
        {"username": "member", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["message"]
    assert body["errors"] == []
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "member"}, "password"),
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "member", "password": PASSWORD, "name": "x" * 101}, "name"),
    ],
)
def test_token_issue_with_bad_input_answers_422(client, member, payload, field):
    response = client.post(TOKEN_URL, payload, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert field in [error["field"] for error in body["errors"]]
    assert not ApiToken.objects.exists()


def test_me_returns_the_user_and_todays_memberships(client, leader, hanoi_team):
    _, raw = services.api_token_create(user=leader, name="CLI")
    response = client.get(ME_URL, headers=bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == leader.pk
    assert body["username"] == "leader"
    assert body["full_name"] == leader.full_name
    assert body["agency"]["code"] == "STC"
    assert body["memberships"] == [
        {
            "body_id": hanoi_team.pk,
            "body": hanoi_team.name,
            "role": "leader",
            "role_label": body["memberships"][0]["role_label"],
            "agency": "Sở Tài chính",
            "valid_from": "2022-12-01",
            "valid_to": None,
        }
    ]


def test_me_for_an_outsider_has_no_memberships(client, outsider):
    _, raw = services.api_token_create(user=outsider, name="CLI")
    body = client.get(ME_URL, headers=bearer(raw)).json()
    assert body["memberships"] == []
    assert body["agency"] is None


def test_me_without_a_token_answers_401(client, db):
    response = client.get(ME_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_me_with_an_unknown_token_answers_401(client, db):
    response = client.get(ME_URL, headers=bearer("not-a-token"))
    assert response.status_code == 401


def test_revoked_token_answers_401_on_me(client, member):
    token, raw = services.api_token_create(user=member, name="CLI")
    assert client.get(ME_URL, headers=bearer(raw)).status_code == 200
    services.api_token_revoke(actor=member, token=token)
    response = client.get(ME_URL, headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_delete_token_revokes_the_token_used(client, member):
    token, raw = services.api_token_create(user=member, name="CLI")
    other, other_raw = services.api_token_create(user=member, name="Other")
    response = client.delete(TOKEN_URL, headers=bearer(raw))
    assert response.status_code == 204
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None
    assert other.revoked_at is None
    assert client.get(ME_URL, headers=bearer(raw)).status_code == 401
    assert client.get(ME_URL, headers=bearer(other_raw)).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.token_revoke").count() == 1


def test_delete_token_without_a_token_answers_401(client, db):
    assert client.delete(TOKEN_URL).status_code == 401


def test_token_of_an_inactive_user_answers_401(client, member):
    _, raw = services.api_token_create(user=member, name="CLI")
    member.is_active = False
    member.save()
    assert client.get(ME_URL, headers=bearer(raw)).status_code == 401


def test_me_records_last_use(client, member):
    token, raw = services.api_token_create(user=member, name="CLI")
    before = timezone.now()
    client.get(ME_URL, headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at >= before


@pytest.mark.parametrize("count", [5, 50])
def test_me_query_count_is_fixed(
    client, member, hanoi_team, count, django_assert_num_queries
):
    from dieuphoi.org.tests.factories import BodyFactory, MembershipFactory

    for i in range(count - 1):
        MembershipFactory(person=member, body=BodyFactory(key=f"b-{i}"))
    _, raw = services.api_token_create(user=member, name="CLI")
    client.get(ME_URL, headers=bearer(raw))  # first use writes last_used_at
    # token+user, the user's agency, memberships
    with django_assert_num_queries(3):
        body = client.get(ME_URL, headers=bearer(raw)).json()
    assert len(body["memberships"]) == count
