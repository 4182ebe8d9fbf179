import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import PASSWORD
from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken, hash_token
from dieuphoi.audit.models import AuditEvent


def test_api_token_create_stores_only_the_hash(member):
    token, raw = services.api_token_create(user=member, name="  Script  ")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in [str(value) for value in row.values()]
    assert row["key_hash"] == hash_token(raw)
    assert row["prefix"] == raw[:8]
    assert row["name"] == "Script"
    assert len(raw) >= 40


def test_api_token_create_records_an_audit_event_without_the_secret(member):
    token, raw = services.api_token_create(user=member, name="Script")
    event = AuditEvent.objects.get()
    assert event.action == "accounts.token_create"
    assert event.actor_id == member.pk
    assert event.target_id == str(token.pk)
    assert event.changes == {
        "name": "Script",
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
        "seats": ["member"],
    }
    assert raw not in str(event.changes)
    assert token.key_hash not in str(event.changes)


def test_api_token_create_rejects_a_too_long_name_and_writes_nothing(member):
    with pytest.raises(ValidationError) as exc_info:
        services.api_token_create(user=member, name="x" * 101)
    assert "name" in exc_info.value.message_dict
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_api_token_revoke_sets_revoked_at_and_audits_once(member):
    token, _ = services.api_token_create(user=member, name="Script")
    services.api_token_revoke(actor=member, token=token)
    services.api_token_revoke(actor=member, token=token)  # idempotent
    token.refresh_from_db()
    assert token.revoked_at is not None
    events = AuditEvent.objects.filter(action="accounts.token_revoke")
    assert events.count() == 1
    assert events.get().changes["revoked_at"]["before"] is None


def test_api_token_revoke_refuses_another_user(member, outsider):
    token, _ = services.api_token_create(user=member, name="Script")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=outsider, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_api_token_revoke_allows_an_administrator(member, admin_user):
    token, _ = services.api_token_create(user=member, name="Script")
    services.api_token_revoke(actor=admin_user, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.get(action="accounts.token_revoke").actor == admin_user


def test_issue_for_credentials_returns_a_working_token(member):
    token, raw = services.api_token_issue_for_credentials(
        username="member", password=PASSWORD, name="CLI"
    )
    assert token.user == member
    assert token.key_hash == hash_token(raw)


@pytest.mark.parametrize(
    ("username", "password"),
    [("member", "wrong"), ("nobody", PASSWORD), ("", "")],
)
def test_issue_for_credentials_rejects_bad_credentials(member, username, password):
    with pytest.raises(ValidationError) as exc_info:
        services.api_token_issue_for_credentials(
            username=username, password=password, name=""
        )
    assert exc_info.value.code == services.INVALID_CREDENTIALS
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_issue_for_credentials_rejects_an_inactive_user(member):
    member.is_active = False
    member.save()
    with pytest.raises(ValidationError):
        services.api_token_issue_for_credentials(
            username="member", password=PASSWORD, name=""
        )


def test_user_password_change_audits_without_the_password(member):
    services.user_password_change(user=member, new_password="mat-khau-moi-2025")
    member.refresh_from_db()
    assert member.check_password("mat-khau-moi-2025")
    event = AuditEvent.objects.get()
    assert event.action == "accounts.password_change"
    assert "mat-khau-moi-2025" not in str(event.changes)
