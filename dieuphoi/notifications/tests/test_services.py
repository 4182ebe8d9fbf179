"""notify / notify_many, the digest, and e-mail delivery with retries."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone, translation
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from dieuphoi.accounts.models import ApiToken
from dieuphoi.notifications import emails, jobs, services
from dieuphoi.notifications.models import (
    EmailMode,
    Notification,
    NotificationPreference,
    OutgoingEmail,
)
from dieuphoi.org.models import Membership
from dieuphoi.reminders.tests.conftest import drain

pytestmark = pytest.mark.django_db
D = datetime.date
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _clear_dummy_backend():
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def tell(recipients, target, key="test:1", **kwargs):
    kwargs.setdefault("title", "Có việc mới")
    kwargs.setdefault("kind", "test")
    kwargs.setdefault("url", f"/tasks/{target.pk}/" if target else "")
    return services.notify(recipients=recipients, target=target, key=key, **kwargs)


def sent_jobs():
    return [r for r in default_task_backend.results if r.task.name == "email_send"]


def test_notify_once_per_recipient_whatever_the_calls(task, member, leader):
    assert tell([member, leader], task) == 2
    assert tell([member, leader.pk], task) == 2
    assert Notification.objects.count() == 2
    row = Notification.objects.get(recipient=member)
    assert (row.kind, row.title, row.url) == (
        "test",
        "Có việc mới",
        f"/tasks/{task.pk}/",
    )
    assert row.key == f"test:1:{member.pk}"


def test_no_notification_about_an_item_the_recipient_cannot_see(
    task, member, outsider, external, admin_user, leadership_viewer
):
    tell([member, outsider, external, admin_user, leadership_viewer], task)
    assert sorted(
        Notification.objects.values_list("recipient__username", flat=True)
    ) == [
        "admin",
        "leadership",
        "member",
    ]


def test_a_member_who_left_the_body_is_not_told(task, member):
    Membership.objects.filter(person=member).update(valid_to=D(2026, 1, 31))
    assert tell([member], task, day=D(2026, 2, 2)) == 0
    assert not Notification.objects.exists()


def test_an_unregistered_target_is_never_notified(member):
    # Nobody said who may see API tokens: notifications about one go nowhere.
    token = ApiToken.objects.create(user=member, prefix="abcd1234", key_hash="x" * 64)
    assert tell([member], token) == 0
    assert not Notification.objects.exists()


def test_a_notification_without_target_goes_to_its_recipients(member):
    assert tell([member], None, title="Hệ thống bảo trì") == 1


def test_inactive_users_get_nothing(task, member):
    member.is_active = False
    member.save()
    assert tell([member], task) == 0


def test_title_is_rendered_in_the_recipients_language(task, member, leader):
    NotificationPreference.objects.create(user=leader, language="en")
    tell([member, leader], task, title=translation.get_language)
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {"member": "vi", "leader": "en"}


def test_leaders_get_each_event_by_e_mail_members_the_digest(
    task, member, leader, secretariat
):
    tell([member, leader, secretariat], task)
    modes = dict(Notification.objects.values_list("recipient__username", "email_mode"))
    assert modes == {
        "member": EmailMode.DIGEST,
        "leader": EmailMode.IMMEDIATE,
        "secretariat": EmailMode.IMMEDIATE,
    }
    assert sorted(OutgoingEmail.objects.values_list("to", flat=True)) == [
        leader.email,
        secretariat.email,
    ]
    assert [sorted(r.kwargs["ids"]) for r in sent_jobs()] == [
        sorted(OutgoingEmail.objects.values_list("pk", flat=True))
    ]
    # Again: nothing new to send.
    tell([member, leader, secretariat], task)
    assert OutgoingEmail.objects.count() == 2
    assert len(sent_jobs()) == 1


def test_preferences_override_the_role_default(task, member, leader):
    NotificationPreference.objects.create(user=member, email_mode=EmailMode.IMMEDIATE)
    NotificationPreference.objects.create(user=leader, email_mode=EmailMode.OFF)
    tell([member, leader], task)
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == [member.email]


def test_no_address_no_e_mail(task, leader):
    leader.email = ""
    leader.save()
    tell([leader], task)
    assert Notification.objects.get().email_mode == EmailMode.OFF
    assert not OutgoingEmail.objects.exists()


def test_the_event_e_mail_is_in_vietnamese_with_code_deadline_bucket_and_link(
    task, leader, settings
):
    settings.SITE_URL = "https://dieuphoi.example.vn"
    tell([leader], task, title="NV-2026-0042 đến hạn hôm nay")
    email = OutgoingEmail.objects.get()
    result = emails.send_outgoing([email.pk])
    assert result.sent == [email.pk]
    (message,) = mail.outbox
    assert message.to == [leader.email]
    assert "NV-2026-0042 đến hạn hôm nay" in message.subject
    body = message.body
    assert "NV-2026-0042" in body
    assert "Đẩy nhanh tiến độ dự án đường Vành đai 4" in body
    assert "24/02/2026" in body
    assert f"https://dieuphoi.example.vn/tasks/{task.pk}/" in body
    html = message.alternatives[0].content
    assert f'href="https://dieuphoi.example.vn/tasks/{task.pk}/"' in html
    assert 'lang="vi"' in html
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert Notification.objects.get().emailed_at is not None
    # Sending again sends nothing (the row is no longer waiting).
    assert emails.send_outgoing([email.pk]).sent == []
    assert len(mail.outbox) == 1


def test_the_bucket_label_is_in_the_e_mail(task, leader):
    tell([leader], task)
    email = OutgoingEmail.objects.get()
    emails.send_outgoing([email.pk])
    # 24/02/2026 is past: the task is overdue (label in the e-mail language).
    with translation.override("vi"):
        from dieuphoi.tasks.buckets import bucket_label

        label = bucket_label("overdue")
    assert label in mail.outbox[0].body


# --- the digest ---------------------------------------------------------------


def test_one_digest_per_person_and_day_listing_their_items(
    task, member, leader, hanoi_team
):
    from dieuphoi.org.tests.factories import MembershipFactory, UserFactory

    second = UserFactory(username="second")
    MembershipFactory(
        person=second,
        body=hanoi_team,
        role=Membership.Role.MEMBER,
        agency=member.agency,
        valid_from=D(2022, 12, 1),
    )
    day = D(2026, 2, 24)
    tell([member, second], task, key="a", title="Việc thứ nhất", day=day)
    tell([member], task, key="b", title="Việc thứ hai", day=day)
    tell([member], task, key="c", title="Việc ngày mai", day=D(2026, 2, 25))
    ids = services.digest_prepare(day=day)
    assert len(ids) == 2
    emails.send_outgoing(ids)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {member.email, second.email}
    mine = by_person[member.email]
    assert "Việc thứ nhất" in mine.body and "Việc thứ hai" in mine.body
    assert "Việc ngày mai" not in mine.body
    assert "24/02/2026" in mine.subject
    theirs = by_person[second.email]
    assert "Việc thứ nhất" in theirs.body and "Việc thứ hai" not in theirs.body
    # The same day again: nothing new.
    assert services.digest_prepare(day=day) == []
    # The next day lists what is left.
    ids = services.digest_prepare(day=D(2026, 2, 25))
    emails.send_outgoing(ids)
    assert len(mail.outbox) == 3
    assert "Việc ngày mai" in mail.outbox[-1].body


def test_the_digest_leaves_out_items_no_longer_visible(task, other_task, member):
    day = D(2026, 2, 24)
    tell([member], task, key="a", title="Còn thấy", day=day)
    tell([member], task, key="b", title="Không còn thấy", day=day)
    # The member leaves the body before the digest is made.
    Membership.objects.filter(person=member).update(valid_to=D(2026, 2, 23))
    assert services.digest_prepare(day=day) == []
    assert set(Notification.objects.values_list("email_mode", flat=True)) == {
        EmailMode.OFF
    }


def test_the_digest_waits_for_the_days_other_jobs(settings, task, member):
    from dieuphoi.workdays.models import DailyRun

    settings.TASKS = DB_BACKEND
    tell([member], task, day=D(2026, 2, 24))
    pending = emails.email_send.enqueue(ids=[])  # stands for the reminders job
    DailyRun.objects.create(
        name="reminders.run_day", day=D(2026, 2, 24), job_id=str(pending.id)
    )
    assert jobs.digest_send_day.call(day="2026-02-24") == 0
    assert not OutgoingEmail.objects.exists()
    waiting = DBTaskResult.objects.get(task_path__endswith="digest_send_day")
    assert waiting.args_kwargs["kwargs"] == {"day": "2026-02-24", "_waited": 1}
    assert waiting.run_after > timezone.now()
    drain()  # runs the stand-in; the digest's retry is deferred
    assert jobs.digest_send_day.call(day="2026-02-24", _waited=1) == 1


# --- delivery failures --------------------------------------------------------


def refuse(*args, **kwargs):
    raise smtplib.SMTPRecipientsRefused({"x@example.vn": (550, b"refused")})


def test_a_refused_e_mail_is_retried_then_shown_to_administrators(
    settings, task, leader, admin_user
):
    settings.TASKS = DB_BACKEND
    settings.NOTIFICATION_EMAIL_RETRY_SECONDS = 0
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 3
    tell([leader], task)
    with mock.patch.object(EmailBackend, "send_messages", side_effect=refuse):
        drain()
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 3
    assert "SMTPRecipientsRefused" in email.last_error
    # Each attempt is a failed job, visible in the jobs admin.
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3
    # The administrators are told, in the app only.
    alert = Notification.objects.get(recipient=admin_user)
    assert alert.kind == "email_failed"
    assert leader.email in alert.title
    assert alert.email_mode == EmailMode.OFF
    # The leader's notification is there regardless.
    assert Notification.objects.filter(recipient=leader, emailed_at=None).count() == 1
    assert mail.outbox == []


def test_a_server_that_refuses_once_is_retried_and_delivers(settings, task, leader):
    settings.TASKS = DB_BACKEND
    settings.NOTIFICATION_EMAIL_RETRY_SECONDS = 0
    real = EmailBackend.send_messages
    calls = {"n": 0}

    def refuse_once(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real(self, messages)

    tell([leader], task)
    with mock.patch.object(EmailBackend, "send_messages", refuse_once):
        drain()
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_connection_that_cannot_open_fails_every_e_mail(task, leader, secretariat):
    tell([leader, secretariat], task)
    ids = list(OutgoingEmail.objects.values_list("pk", flat=True))
    with mock.patch.object(
        EmailBackend, "open", side_effect=ConnectionRefusedError("no server")
    ):
        result = emails.send_outgoing(ids)
    assert sorted(result.retry) == sorted(ids)
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"retry"}


def test_a_sender_that_died_is_taken_over_after_a_while(task, leader):
    tell([leader], task)
    email = OutgoingEmail.objects.get()
    OutgoingEmail.objects.update(status="sending", claimed_at=timezone.now())
    assert emails.send_outgoing([email.pk]).sent == []
    OutgoingEmail.objects.update(
        claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert emails.send_outgoing([email.pk]).sent == [email.pk]
