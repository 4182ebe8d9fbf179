"""The notification centre, the header badge, settings and the outbox page."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.notifications import services
from dieuphoi.notifications.models import (
    EmailMode,
    Notification,
    NotificationPreference,
    OutgoingEmail,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def give(user, n, task, prefix="n"):
    for i in range(n):
        services.notify(
            recipients=[user],
            kind="urging",
            target=task,
            title=f"Thông báo {prefix}{i}",
            url=f"/tasks/{task.pk}/",
            key=f"{prefix}:{i}",
        )
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def page(response) -> str:
    return response.content.decode()


def test_the_centre_lists_only_my_notifications(login, member, leader, task):
    give(member, 2, task, "m")
    give(leader, 1, task, "l")
    html = page(login(member).get(reverse("notifications:list")))
    assert "Thông báo m0" in html and "Thông báo m1" in html
    assert "Thông báo l0" not in html


def test_the_outsider_sees_only_their_own_empty_centre(login, outsider, member, task):
    give(member, 2, task)
    response = login(outsider).get(reverse("notifications:list"))
    assert response.status_code == 200
    # The page title is "Thông báo" too: look for the member's items.
    assert "Thông báo n0" not in page(response)
    assert "Thông báo n1" not in page(response)
    assert 'id="notification-empty"' in page(response)


def test_the_centre_needs_a_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302


def _visibility_queries(user, task) -> int:
    """What the registry's bulk check of one task costs (the tasks app's
    rule; it may grow with it): the centre and the badge add exactly that."""
    from dieuphoi.notifications import registry

    with CaptureQueriesContext(connection) as ctx:
        registry.visible(
            ContentType.objects.get_for_model(task).pk,
            {(user.pk, task.pk)},
            local_today(),
        )
    return len(ctx.captured_queries)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_centre_query_count_is_fixed(
    rows, login, member, task, django_assert_num_queries
):
    give(member, rows, task)
    client = login(member)
    # session, user, the page of notifications, then the registry's bulk
    # check of the tasks, whatever their number
    with django_assert_num_queries(3 + _visibility_queries(member, task)):
        response = client.get(reverse("notifications:list"))
    assert page(response).count('id="notification-row-') == rows


def test_the_centre_pages_by_keyset(login, member, task, monkeypatch):
    from dieuphoi.notifications import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    rows = give(member, 5, task)
    client = login(member)
    first = page(client.get(reverse("notifications:list")))
    assert f"?before={rows[2].pk}" in first
    second = page(client.get(reverse("notifications:list"), {"before": rows[2].pk}))
    assert "Thông báo n1" in second and "Thông báo n0" in second
    assert "Thông báo n4" not in second


def test_unread_filter(login, member, task):
    rows = give(member, 2, task)
    Notification.objects.filter(pk=rows[0].pk).update(read_at="2026-02-24T08:00Z")
    html = page(login(member).get(reverse("notifications:list"), {"unread": "1"}))
    assert "Thông báo n1" in html and "Thông báo n0" not in html


def test_mark_read_with_htmx_returns_the_row(login, member, task):
    (row,) = give(member, 1, task)
    response = login(member).post(
        reverse("notifications:read", args=[row.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = page(response)
    assert "<html" not in html
    assert f'id="notification-row-{row.pk}"' in html
    assert "notifications-changed" in response["HX-Trigger"]
    row.refresh_from_db()
    assert row.read_at is not None


def test_each_rows_mark_read_form_carries_a_token_the_check_accepts(member, task):
    """The rows share one masked token (made once per page, as Django's
    {% csrf_token %}); a POST with it passes the real CSRF check."""
    from django.test import Client

    rows = give(member, 3, task)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    html = page(client.get(reverse("notifications:list")))
    forms = re.findall(
        r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
    )
    forms = [(action, token) for action, token in forms if action.endswith("/read/")]
    assert sorted(action for action, _token in forms) == sorted(
        reverse("notifications:read", args=[row.pk]) for row in rows
    )
    assert len({token for _action, token in forms}) == 1
    action, token = forms[0]
    refused = client.post(action, {"csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    accepted = client.post(action, {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert Notification.objects.filter(read_at__isnull=False).count() == 1


def test_mark_read_without_htmx_redirects(login, member, task):
    (row,) = give(member, 1, task)
    response = login(member).post(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 302
    assert Notification.objects.get().read_at is not None


def test_marking_another_users_notification_is_404(login, member, leader, task):
    (row,) = give(member, 1, task)
    for user in (leader,):
        response = login(user).post(reverse("notifications:read", args=[row.pk]))
        assert response.status_code == 404
    assert Notification.objects.get().read_at is None


def test_the_outsider_gets_404_on_others_notifications(login, outsider, member, task):
    (row,) = give(member, 1, task)
    client = login(outsider)
    assert client.post(reverse("notifications:read", args=[row.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 404
    assert Notification.objects.get().read_at is None


def test_mark_read_needs_post(login, member, task):
    (row,) = give(member, 1, task)
    response = login(member).get(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 405


def test_mark_all_read_marks_only_mine(login, member, leader, task):
    give(member, 3, task, "m")
    give(leader, 1, task, "l")
    response = login(member).post(
        reverse("notifications:read-all"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="notification-list"' in page(response)
    assert "<html" not in page(response)
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()
    assert Notification.objects.filter(recipient=leader, read_at=None).count() == 1


def test_the_outsider_marking_all_read_touches_nothing_of_others(
    login, outsider, member, task
):
    give(member, 2, task)
    response = login(outsider).post(reverse("notifications:read-all"))
    assert response.status_code == 302
    assert Notification.objects.filter(read_at=None).count() == 2


def test_open_marks_read_and_goes_to_the_item(login, member, task):
    (row,) = give(member, 1, task)
    response = login(member).get(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_open_never_redirects_off_site(login, member, task):
    (row,) = give(member, 1, task)
    Notification.objects.update(url="https://evil.example.com/")
    response = login(member).get(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_the_badge_counts_my_unread(login, member, task, django_assert_num_queries):
    rows = give(member, 3, task)
    Notification.objects.filter(pk=rows[0].pk).update(read_at="2026-02-24T08:00Z")
    client = login(member)
    # session, user, counts per item, the registry's check of the task
    with django_assert_num_queries(3 + _visibility_queries(member, task)):
        response = client.get(
            reverse("notifications:badge"), headers={"HX-Request": "true"}
        )
    html = page(response)
    assert "<html" not in html
    assert 'id="notification-badge"' in html
    assert ">2</span>" in html


def test_the_badge_of_an_expired_session_swaps_nothing(client):
    response = client.get(
        reverse("notifications:badge"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 204


def test_every_page_has_the_bell_loaded_apart(login, member):
    html = page(login(member).get(reverse("core:home")))
    assert 'id="notification-bell"' in html
    assert reverse("notifications:badge") in html
    assert reverse("notifications:list") in html


# --- settings -----------------------------------------------------------------


def test_settings_save_and_are_audited(login, member):
    response = login(member).post(
        reverse("notifications:preferences"),
        {"email_mode": EmailMode.IMMEDIATE, "language": "en"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=member)
    assert (preference.email_mode, preference.language) == ("immediate", "en")
    assert AuditEvent.objects.filter(
        action="notifications.preference_update", actor=member
    ).exists()


def test_settings_reject_an_unknown_choice_and_write_nothing(login, member):
    response = login(member).post(
        reverse("notifications:preferences"), {"email_mode": "hourly"}
    )
    assert response.status_code == 400
    assert "email_mode" in response.context["form"].errors
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.exists()


def test_settings_show_the_role_default(login, member, leader):
    response = login(member).get(reverse("notifications:preferences"))
    assert response.context["effective_mode"] == EmailMode.DIGEST
    response = login(leader).get(reverse("notifications:preferences"))
    assert response.context["effective_mode"] == EmailMode.IMMEDIATE


# --- the outbox (administrators) ----------------------------------------------


@pytest.fixture
def failed_email(leader):
    return OutgoingEmail.objects.create(
        key="event:x",
        kind=OutgoingEmail.Kind.EVENT,
        recipient=leader,
        to=leader.email,
        day=D(2026, 2, 24),
        subject="[Điều phối] Nhắc hạn",
        status=OutgoingEmail.Status.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: 550",
    )


@pytest.mark.parametrize("role", ["outsider", "member", "leader", "secretariat"])
def test_only_administrators_see_the_outbox(request, login, role, failed_email):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("notifications:emails")).status_code == 403
    response = client.post(
        reverse("notifications:email-resend", args=[failed_email.pk])
    )
    assert response.status_code == 403
    failed_email.refresh_from_db()
    assert failed_email.status == "failed"


@pytest.mark.parametrize("rows", [5, 50])
def test_administrators_see_failed_e_mails(
    rows, login, admin_user, leader, django_assert_num_queries
):
    for i in range(rows):
        OutgoingEmail.objects.create(
            key=f"event:{i}",
            kind="event",
            recipient=leader,
            to=leader.email,
            day=D(2026, 2, 24),
            status="failed",
            last_error="SMTPRecipientsRefused: 550",
        )
    client = login(admin_user)
    with django_assert_num_queries(3):
        response = client.get(reverse("notifications:emails"), {"status": "failed"})
    assert page(response).count('id="email-row-') == rows
    assert "SMTPRecipientsRefused" in page(response)


def test_an_administrator_sends_a_failed_e_mail_again(login, admin_user, failed_email):
    response = login(admin_user).post(
        reverse("notifications:email-resend", args=[failed_email.pk])
    )
    assert response.status_code == 302
    failed_email.refresh_from_db()
    assert (failed_email.status, failed_email.attempts) == ("pending", 0)
    assert AuditEvent.objects.filter(action="notifications.email_resend").exists()


def test_a_sent_e_mail_cannot_be_sent_again(login, admin_user, failed_email):
    OutgoingEmail.objects.update(status="sent")
    login(admin_user).post(
        reverse("notifications:email-resend", args=[failed_email.pk])
    )
    failed_email.refresh_from_db()
    assert failed_email.status == "sent"


def test_resending_an_unknown_e_mail_is_404(login, admin_user):
    response = login(admin_user).post(reverse("notifications:email-resend", args=[999]))
    assert response.status_code == 404
