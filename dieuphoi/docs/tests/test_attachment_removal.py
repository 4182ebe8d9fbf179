"""Who may remove an attached file, and how a removed file is kept, restored
and purged (issue 12, defect 9).

Rule: the uploader removes their own file while the item is open, the
body's leader, deputy and secretariat (and administrators) remove any file of
the body's items, nobody else; nobody removes a file of an issued official
document; a removal is a soft delete an administrator restores within
``ATTACHMENT_TRASH_DAYS`` (30) days, after which the daily purge deletes it.
"""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs import services
from dieuphoi.docs.models import Attachment
from dieuphoi.docs.permissions import can_remove_attachment
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory

from .conftest import stored_files, upload
from .factories import PDF


def remove_url(attachment) -> str:
    return reverse("docs:attachment-remove", args=[attachment.pk])


def task_url(task) -> str:
    return reverse("tasks:detail", args=[task.pk])


def download_url(attachment) -> str:
    return reverse("docs:attachment-download", args=[attachment.pk])


@pytest.fixture
def task(hanoi_team, member_agency, member):
    """A Hanoi task whose lead agency is the member's (a lead focal point)."""
    return TaskFactory(body=hanoi_team, lead_agency=member_agency)


@pytest.fixture
def specialist_user(hanoi_team, standing_agency):
    user = UserFactory(username="specialist-2", agency=standing_agency)
    MembershipFactory(
        person=user,
        body=hanoi_team,
        role=Membership.Role.SPECIALIST,
        agency=standing_agency,
        valid_from=datetime.date(2022, 12, 1),
    )
    return user


def attach(actor, target, name="Báo cáo.pdf"):
    return services.attachment_add(
        actor=actor, target=target, uploaded_file=upload(name, PDF)
    )


# --- who may remove ---------------------------------------------------------


def test_a_lead_focal_point_cannot_remove_the_secretariats_file(
    login, task, member, secretariat, media
):
    attachment = attach(secretariat, task)
    response = login(member).post(remove_url(attachment))

    assert response.status_code == 403
    attachment.refresh_from_db()
    assert attachment.deleted_at is None
    assert not AuditEvent.objects.filter(action="docs.attachment_remove").exists()
    assert len(stored_files(media)) == 1
    # The task page offers no remove button for it either.
    page = login(member).get(task_url(task)).content.decode()
    assert remove_url(attachment) not in page


def test_the_uploader_removes_their_own_file_while_the_task_is_open(
    login, task, member, media
):
    attachment = attach(member, task)
    page = login(member).get(task_url(task)).content.decode()
    assert remove_url(attachment) in page

    response = login(member).post(remove_url(attachment))

    assert response.status_code == 302
    assert Attachment.all_objects.get(pk=attachment.pk).deleted_by == member


@pytest.mark.parametrize("state", [Task.State.COMPLETED, Task.State.CANCELLED])
def test_the_uploader_cannot_remove_once_the_task_is_closed(
    login, task, member, state, media
):
    attachment = attach(member, task)
    Task.objects.filter(pk=task.pk).update(
        state=state,
        completed_on=datetime.date(2025, 6, 1),
        cancelled_on=datetime.date(2025, 6, 1),
    )

    assert login(member).post(remove_url(attachment)).status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.parametrize("role", ["leader", "deputy", "secretariat"])
def test_the_bodys_managers_remove_any_file(request, login, task, member, role, media):
    attachment = attach(member, task)
    user = request.getfixturevalue(role)

    assert login(user).post(remove_url(attachment)).status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert AuditEvent.objects.filter(action="docs.attachment_remove").count() == 1


def test_a_specialist_cannot_remove_someone_elses_file(
    login, task, secretariat, specialist_user, media
):
    attachment = attach(secretariat, task)
    assert login(specialist_user).post(remove_url(attachment)).status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_an_outsider_gets_404(login, task, secretariat, outsider, media):
    attachment = attach(secretariat, task)
    assert login(outsider).post(remove_url(attachment)).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_nobody_removes_a_file_of_an_issued_document(
    login, document, secretariat, leader, admin_user, media
):
    from dieuphoi.paperwork.models import IssuingProfile, Paper, PaperKind
    from dieuphoi.paperwork.seed import HANOI_PROFILE, seed_kinds
    from dieuphoi.paperwork.services import paper_create

    attachment = attach(secretariat, document)
    seed_kinds()
    IssuingProfile.objects.create(body=document.body, **HANOI_PROFILE)
    paper = paper_create(
        actor=secretariat,
        body=document.body,
        kind=PaperKind.objects.get(key="cong-van"),
        subject="Về việc đôn đốc",
        blocks=[],
        authority="TM",
        signer=leader,
        render=False,
    )
    # The register entry of an issued paper: what paper_issue links.
    Paper.objects.filter(pk=paper.pk).update(document=document)

    for user in (secretariat, leader, admin_user):
        assert not can_remove_attachment(user, document, attachment)
        assert login(user).post(remove_url(attachment)).status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk, deleted_at=None).exists()
    page = login(admin_user).get(document.get_absolute_url()).content.decode()
    assert remove_url(attachment) not in page


# --- a removed file ---------------------------------------------------------


def test_a_removed_file_is_gone_from_lists_and_downloads(
    login, task, document, secretariat, media
):
    on_task = attach(secretariat, task, "Nhiệm vụ.pdf")
    on_document = attach(secretariat, document, "Văn bản.pdf")
    client = login(secretariat)
    assert client.get(download_url(on_task)).status_code == 200

    for attachment in (on_task, on_document):
        assert client.post(remove_url(attachment)).status_code == 302
        assert client.get(download_url(attachment)).status_code == 404
        # A second removal finds nothing.
        assert client.post(remove_url(attachment)).status_code == 404
    assert download_url(on_task) not in client.get(task_url(task)).content.decode()
    page = client.get(document.get_absolute_url()).content.decode()
    assert download_url(on_document) not in page
    assert list(document.attachments.all()) == []


def test_an_administrator_restores_a_removed_file_in_the_admin(
    client, task, secretariat, admin_user, media
):
    attachment = attach(secretariat, task)
    services.attachment_remove(actor=secretariat, attachment=attachment)
    client.force_login(admin_user)
    changelist = reverse("admin:docs_attachment_changelist")
    assert "Báo cáo.pdf" in client.get(changelist + "?removed=yes").content.decode()

    response = client.post(
        changelist,
        {"action": "restore", "_selected_action": [attachment.pk]},
    )

    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.deleted_at is None
    assert AuditEvent.objects.filter(
        action="docs.attachment_restore", target_id=str(task.pk)
    ).exists()
    assert client.get(download_url(attachment)).status_code == 200


def test_only_administrators_may_restore(rf, secretariat):
    admin_page = site._registry[Attachment]
    request = rf.get("/")
    request.user = secretariat
    assert not admin_page.has_restore_permission(request)


def test_the_purge_deletes_the_file_after_30_days_only(
    task, secretariat, media, django_capture_on_commit_callbacks
):
    from dieuphoi.docs.jobs import attachments_purge_daily

    attachment = attach(secretariat, task)
    services.attachment_remove(actor=secretariat, attachment=attachment)
    Attachment.all_objects.filter(pk=attachment.pk).update(
        deleted_at=timezone.now() - datetime.timedelta(hours=1)
    )
    removed_on = timezone.localdate(timezone.now() - datetime.timedelta(hours=1))

    # Within 30 days: kept, and still restorable.
    day_30 = removed_on + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        result = attachments_purge_daily.call(day=day_30.isoformat())
    assert result["purged"] == 0
    assert len(stored_files(media)) == 1

    day_31 = removed_on + datetime.timedelta(days=31)
    with django_capture_on_commit_callbacks(execute=True):
        result = attachments_purge_daily.call(day=day_31.isoformat())
    assert result["purged"] == 1
    assert not Attachment.all_objects.filter(pk=attachment.pk).exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(action="docs.attachment_purge").count() == 1
    # Running again for the day does nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_purge_daily.call(day=day_31.isoformat())["purged"] == 0


def test_the_purge_is_a_daily_job():
    from dieuphoi.workdays.scheduler import daily_jobs

    assert "docs.attachments_purge" in {job.name for job in daily_jobs()}


def test_the_purge_leaves_live_files(task, secretariat, media):
    attach(secretariat, task)
    far = timezone.localdate() + datetime.timedelta(days=400)
    assert services.attachment_purge(day=far) == 0
    assert len(stored_files(media)) == 1
