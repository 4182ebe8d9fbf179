"""The session store (``core.sessions``): Django's database sessions, its
read compiled once; the same rule as Django's own store."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from dieuphoi.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_saved_is_read_back_as_djangos_store_reads_it():
    store = SessionStore()
    store["who"] = "thư ký"
    store.create()
    for _again in range(2):  # built once, then reused
        loaded = SessionStore(session_key=store.session_key)
        assert loaded["who"] == "thư ký"
        assert loaded.load() == DjangoStore(session_key=store.session_key).load()


def test_an_expired_or_unknown_key_loads_nothing_and_drops_the_key():
    store = SessionStore()
    store["who"] = "x"
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore(session_key="k" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


def test_a_signed_in_request_uses_it(client, secretariat, settings):
    assert settings.SESSION_ENGINE == "dieuphoi.core.sessions"
    client.force_login(secretariat)
    response = client.get("/tasks/")
    assert response.status_code == 200
    assert response.wsgi_request.user == secretariat
