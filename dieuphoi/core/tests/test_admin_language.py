"""The Django admin speaks Vietnamese, with the apps named by their labels."""

import pytest
from django.apps import apps
from django.urls import reverse

pytestmark = pytest.mark.django_db

APPS = ["accounts", "audit", "docs", "letters", "org", "tasks", "reminders"]


def test_the_admin_is_in_vietnamese_for_an_english_browser(login, admin_user):
    response = login(admin_user).get(
        reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi"' in html
    assert "Site quản trị hệ thống" in html  # Django's own Vietnamese


@pytest.mark.parametrize("label", APPS)
def test_every_app_has_a_translatable_name(label):
    config = apps.get_app_config(label)
    # gettext_lazy: a proxy, not the default "Accounts"-from-the-label str
    assert not isinstance(config.verbose_name, str)
