"""Comments: writing, mentions, the edit window, audit and notifications."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.discussions import services
from dieuphoi.discussions.models import Comment, Mention
from dieuphoi.docs.models import Attachment
from dieuphoi.notifications.models import Notification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def mentions_of(user):
    return Notification.objects.filter(recipient=user, kind="comment_mention")


def test_a_member_comments_on_a_task_with_an_audit_event(member, task):
    comment = services.comment_create(actor=member, target=task, text="  Đã họp  ")
    assert comment.text == "Đã họp"
    assert comment.author == member and comment.thread == "" and comment.version == 1
    event = AuditEvent.objects.get(action="discussions.comment_create")
    assert event.target_id == str(task.pk)
    assert event.changes["comment"] == "Đã họp"


def test_a_mention_by_username_notifies_that_person_once(member, secretariat, task):
    comment = services.comment_create(
        actor=member, target=task, text="@secretariat xin ý kiến"
    )
    assert list(comment.mentions.values_list("user_id", flat=True)) == [secretariat.pk]
    rows = list(mentions_of(secretariat))
    assert len(rows) == 1
    assert rows[0].target_id == task.pk
    assert rows[0].url.endswith(f"#comment-{comment.pk}")
    # The author is not told of their own comment.
    assert not Notification.objects.filter(recipient=member).exists()


def test_a_mention_from_the_picker_counts_too(member, leader, task):
    services.comment_create(
        actor=member, target=task, text="Xin ý kiến", mentions=[leader.pk]
    )
    assert mentions_of(leader).count() == 1


def test_an_email_address_is_not_a_mention(member, secretariat, task):
    comment = services.comment_create(
        actor=member, target=task, text="Gửi tới an.nv@secretariat.gov.vn"
    )
    assert not comment.mentions.exists()
    assert not mentions_of(secretariat).exists()


def test_an_unknown_username_is_plain_text(member, task):
    comment = services.comment_create(actor=member, target=task, text="@nobody hi")
    assert not comment.mentions.exists()


@pytest.mark.parametrize("how", ["text", "picker"])
def test_mentioning_someone_who_may_not_see_the_task_writes_nothing(
    how, member, outsider, external, task
):
    kwargs = (
        {"text": "@outsider xem giúp"}
        if how == "text"
        else {"text": "xem giúp", "mentions": [outsider.pk, external.pk]}
    )
    with pytest.raises(ValidationError) as caught:
        services.comment_create(actor=member, target=task, **kwargs)
    assert "mentions" in caught.value.message_dict
    assert "outsider" in " ".join(caught.value.message_dict["mentions"])
    assert not Comment.objects.exists()
    assert not Mention.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="discussions.").exists()
    assert not Notification.objects.exists()


def test_an_empty_comment_is_refused(member, task):
    with pytest.raises(ValidationError) as caught:
        services.comment_create(actor=member, target=task, text="   ")
    assert "text" in caught.value.message_dict
    assert not Comment.objects.exists()


def test_the_outsider_may_not_comment(outsider, task):
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=outsider, target=task, text="Xin chào")
    assert not Comment.objects.exists()


def test_a_part_has_its_own_thread(coop_member, task, part):
    comment = services.comment_create(
        actor=coop_member, target=task, thread=f"part:{part.pk}", text="Phần của SNNMT"
    )
    assert comment.thread == f"part:{part.pk}"


def test_an_unknown_thread_is_refused(member, task):
    with pytest.raises(ValidationError) as caught:
        services.comment_create(actor=member, target=task, thread="part:999", text="x")
    assert "thread" in caught.value.message_dict


def test_files_are_attached_to_the_comment(member, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    comment = services.comment_create(
        actor=member,
        target=task,
        text="Biên bản",
        files=[SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf")],
    )
    attachment = Attachment.objects.get()
    assert attachment.target == comment
    assert attachment.original_name == "bien-ban.pdf"


def test_a_bad_file_writes_nothing(member, task, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as caught:
        services.comment_create(
            actor=member,
            target=task,
            text="Biên bản",
            files=[SimpleUploadedFile("bien-ban.pdf", b"not a pdf", "application/pdf")],
        )
    assert "files" in caught.value.message_dict
    assert not Comment.objects.exists()


# --- edit -----------------------------------------------------------------------


def test_the_author_edits_within_the_window_and_new_mentions_are_told(
    member, leader, secretariat, task
):
    comment = services.comment_create(actor=member, target=task, text="@leader xem")
    edited = services.comment_edit(
        actor=member,
        comment=comment,
        text="@leader @secretariat xem lại",
        version=comment.version,
    )
    assert edited.version == 2 and edited.edited_at is not None
    assert set(edited.mentions.values_list("user_id", flat=True)) == {
        leader.pk,
        secretariat.pk,
    }
    # The leader was told once (at posting), the secretariat once (at the edit).
    assert mentions_of(leader).count() == 1
    assert mentions_of(secretariat).count() == 1
    event = AuditEvent.objects.get(action="discussions.comment_edit")
    assert event.changes["comment"]["before"] == "@leader xem"


def test_an_edit_after_the_window_is_refused(member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    comment.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.comment_edit(actor=member, comment=comment, text="Sửa", version=1)
    assert "15" in " ".join(caught.value.messages)
    comment.refresh_from_db()
    assert comment.text == "Bản đầu" and comment.version == 1


def test_the_window_is_a_setting(member, task, settings):
    settings.DISCUSSION_EDIT_MINUTES = 30
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    comment.refresh_from_db()
    assert (
        services.comment_edit(actor=member, comment=comment, text="Sửa", version=1).text
        == "Sửa"
    )


def test_only_the_author_edits(member, leader, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=leader, comment=comment, text="Sửa", version=1)


def test_a_stale_version_is_a_conflict(member, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    services.comment_edit(actor=member, comment=comment, text="Lần 1", version=1)
    with pytest.raises(Conflict) as caught:
        services.comment_edit(actor=member, comment=comment, text="Lần 2", version=1)
    assert caught.value.current_version == 2
    comment.refresh_from_db()
    assert comment.text == "Lần 1"


def test_an_edit_mentioning_an_outsider_writes_nothing(member, outsider, task):
    comment = services.comment_create(actor=member, target=task, text="Bản đầu")
    with pytest.raises(ValidationError) as caught:
        services.comment_edit(
            actor=member, comment=comment, text="@outsider Sửa", version=1
        )
    assert "mentions" in caught.value.message_dict
    comment.refresh_from_db()
    assert comment.text == "Bản đầu" and comment.version == 1


def test_a_muted_mention_kind_is_not_sent(member, leader, task):
    from dieuphoi.notifications.services import preference_update

    preference_update(user=leader, actor=leader, kinds={"comment_mention": "muted"})
    services.comment_create(actor=member, target=task, text="@leader xem")
    assert not mentions_of(leader).exists()
