"""Vietnamese whatever the browser says; English only by the switch."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def lang_of(response) -> str:
    return response.headers["Content-Language"]


def test_an_english_browser_gets_the_vietnamese_page(client):
    response = client.get(
        reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )
    assert response.status_code == 200
    assert lang_of(response) == "vi"
    assert '<html lang="vi">' in response.content.decode()


def test_a_logged_in_english_browser_gets_vietnamese_too(login, member):
    response = login(member).get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(response) == "vi"


def test_the_switch_to_english_is_remembered(client, member):
    client.force_login(member)
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": reverse("core:home")},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    # Kept beyond the browser session.
    assert int(cookie["max-age"]) >= 30 * 24 * 60 * 60
    for accept in ("vi", "fr", ""):
        page = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE=accept)
        assert lang_of(page) == "en"
        assert '<html lang="en">' in page.content.decode()
        assert "My work" in page.content.decode()


def test_switching_back_to_vietnamese(client, member):
    client.force_login(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert lang_of(client.get(reverse("core:home"))) == "vi"


@pytest.mark.parametrize("value", ["fr", "xx-yy", "", "en;drop"])
def test_an_unknown_language_cookie_falls_back_to_vietnamese(client, value):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = value
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert lang_of(response) == "vi"
