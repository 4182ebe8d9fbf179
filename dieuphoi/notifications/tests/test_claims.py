"""E-mails whose sender died mid-send are sent again exactly once, with the
Message-ID kept, or failed for good (issue 12, defect 2)."""

import datetime
import smtplib
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from dieuphoi.notifications import emails, jobs, services
from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.reminders.tests.conftest import drain
from dieuphoi.workdays.scheduler import daily_jobs

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
KEPT = "<kept.1.dieuphoi@dieuphoi.example.vn>"


@pytest.fixture(autouse=True)
def _clear_dummy_backend():
    default_task_backend.clear()
    yield
    default_task_backend.clear()


@pytest.fixture
def email(task, leader):
    services.notify(
        recipients=[leader], target=task, key="claims:1", kind="test", title="Việc"
    )
    return OutgoingEmail.objects.get()


def died_while_sending(email, *, ago: int, attempts: int = 1, message_id=KEPT):
    """The row as a worker left it: claimed ``ago`` seconds ago, the
    Message-ID fixed, then killed before it recorded the outcome."""
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING,
        claim=uuid.uuid4(),
        claimed_at=timezone.now() - datetime.timedelta(seconds=ago),
        attempts=attempts,
        message_id=message_id,
    )
    email.refresh_from_db()
    return email


def test_a_stale_claim_is_sent_again_once_with_the_kept_message_id(email):
    died_while_sending(email, ago=601)
    result = emails.reclaim_stale()
    assert result.sent == [email.pk]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].message()["Message-ID"] == KEPT
    email.refresh_from_db()
    assert (email.status, email.attempts, email.message_id) == ("sent", 2, KEPT)
    # Exactly once: nothing is stale any more.
    assert emails.reclaim_stale().sent == []
    assert emails.send_outgoing([email.pk]).sent == []
    assert len(mail.outbox) == 1


def test_a_fresh_claim_is_not_stolen(email):
    died_while_sending(email, ago=30)
    claim = email.claim
    assert emails.reclaim_stale().sent == []
    result = emails.send_outgoing([email.pk])
    assert result.sent == []
    assert list(result.waiting) == [email.pk]
    email.refresh_from_db()
    assert (email.status, email.claim, email.attempts) == ("sending", claim, 1)
    assert mail.outbox == []


def test_the_re_queued_job_comes_back_when_the_claim_goes_stale(settings, email):
    """The reaper re-queues the dead worker's job at once: the claim is still
    fresh then. The job must not report the e-mail done; it enqueues itself
    for when the claim is stale, and that run sends it once."""
    settings.TASKS = DB_BACKEND
    died_while_sending(email, ago=60)
    emails.email_send.enqueue(ids=[email.pk])
    drain()
    assert mail.outbox == []
    first = DBTaskResult.objects.filter(status="SUCCESSFUL").get()
    assert first.return_value["waiting"] == 1
    later = DBTaskResult.objects.get(status="READY")
    assert later.args_kwargs["kwargs"] == {"ids": [email.pk]}
    expected = email.claimed_at + datetime.timedelta(seconds=601)
    assert abs((later.run_after - expected).total_seconds()) < 2
    # Time passes: the claim is stale when the job runs.
    died_while_sending(email, ago=700)
    DBTaskResult.objects.filter(pk=later.pk).update(run_after=timezone.now())
    drain()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].message()["Message-ID"] == KEPT
    email.refresh_from_db()
    assert email.status == "sent"
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_stale_claim_on_its_last_attempt_is_failed_for_administrators(
    settings, email, admin_user
):
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 3
    died_while_sending(email, ago=601, attempts=3)
    result = emails.reclaim_stale()
    assert result.failed == [email.pk]
    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.claim) == ("failed", None)
    assert "WorkerLost" in email.last_error
    assert Notification.objects.filter(
        recipient=admin_user, kind="email_failed"
    ).exists()


def test_the_message_id_is_fixed_on_the_first_attempt_and_kept(settings, email):
    settings.TASKS = DB_BACKEND
    settings.NOTIFICATION_EMAIL_RETRY_SECONDS = 0
    with mock.patch.object(
        EmailBackend,
        "send_messages",
        side_effect=smtplib.SMTPServerDisconnected("closed"),
    ):
        emails.send_outgoing([email.pk])
    email.refresh_from_db()
    assert email.status == "retry"
    assert email.message_id.startswith("<") and email.message_id.endswith(">")
    first = email.message_id
    drain()
    email.refresh_from_db()
    assert email.status == "sent"
    assert email.message_id == first
    assert mail.outbox[0].message()["Message-ID"] == first


def test_the_daily_job_takes_over_stale_claims(email):
    assert "notifications.email_reclaim" in {job.name for job in daily_jobs()}
    died_while_sending(email, ago=3600)
    assert jobs.email_reclaim_day.call(day="2026-02-02") == {
        "sent": 1,
        "retry": 0,
        "failed": 0,
    }
    assert len(mail.outbox) == 1


def test_an_administrator_may_resend_a_stale_claim_not_a_fresh_one(email, admin_user):
    died_while_sending(email, ago=30)
    with pytest.raises(ValidationError):
        services.outgoing_email_resend(email=email, actor=admin_user)
    died_while_sending(email, ago=601, attempts=5)
    assert email.is_stale_claim
    services.outgoing_email_resend(email=email, actor=admin_user)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.message_id) == ("pending", 0, KEPT)
