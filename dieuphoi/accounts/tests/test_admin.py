from dieuphoi.accounts import services
from dieuphoi.accounts.models import ApiToken
from dieuphoi.audit.models import AuditEvent


def test_admin_user_pages_render(login, admin_user, member):
    client = login(admin_user)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(f"/admin/accounts/user/{member.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200


def test_admin_user_edit_is_audited_with_the_changed_fields(login, admin_user, member):
    client = login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {
            "username": member.username,
            "full_name": "Tên mới",
            "position": "",
            "agency": member.agency_id,
            "email": member.email,
            "phone": "",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "01/01/2025",
            "date_joined_1": "08:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="accounts.user_update")
    assert event.actor_id == admin_user.pk
    assert event.changes == {
        "full_name": {"before": member.full_name, "after": "Tên mới"}
    }


def test_admin_cannot_add_tokens_but_can_revoke_them(login, admin_user, member):
    token, _ = services.api_token_create(user=member, name="CLI")
    client = login(admin_user)
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash not in page
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.count() == 1


def test_non_staff_cannot_open_the_admin(login, member):
    response = login(member).get("/admin/accounts/user/")
    assert response.status_code == 302
