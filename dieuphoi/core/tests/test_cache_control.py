"""Signed-in responses are never cached (issue 12, defect 8)."""

from django.urls import reverse

from dieuphoi.accounts.models import ApiToken, hash_token


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_a_signed_in_html_page_is_private_and_not_stored(login, member):
    response = login(member).get(reverse("core:home"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)


def test_an_api_response_for_a_token_is_private_and_not_stored(client, member):
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(
        user=member, name="test", prefix=raw[:8], key_hash=hash_token(raw)
    )
    response = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert {"private", "no-store"} <= directives(response)


def test_an_api_response_for_a_session_is_private_and_not_stored(login, member):
    response = login(member).get("/api/openapi.json")
    assert response["Content-Type"].startswith("application/json")
    assert {"private", "no-store"} <= directives(response)


def test_an_anonymous_redirect_is_left_as_the_view_made_it(client, db):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert "no-store" not in directives(response)
