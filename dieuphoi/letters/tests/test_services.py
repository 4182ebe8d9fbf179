import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Attachment, Document
from dieuphoi.jobs.models import JobProgress
from dieuphoi.letters import services
from dieuphoi.letters.jobs import urging_letter_job
from dieuphoi.letters.models import DocumentCounter, LetterTask, UrgingLetter
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar

from .conftest import stored_files

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def written_counts() -> dict:
    return {
        "documents": Document.objects.count(),
        "attachments": Attachment.objects.count(),
        "letters": UrgingLetter.objects.count(),
        "links": LetterTask.objects.count(),
        "counters": list(DocumentCounter.objects.values_list("last_number", flat=True)),
        "progress": JobProgress.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def overdue(task, on) -> int:
    """Working days from the task's effective deadline to ``on``."""
    return calendar.working_days_between(calendar.effective_deadline(task.deadline), on)


def test_generate_registers_the_letter_with_both_files_and_links_each_task(
    profile, secretariat, member_agency, standing_agency, make_task, today, media
):
    late = make_task(days=20, code="NV-2025-0007")
    later = make_task(days=3, code="NV-2025-0009")

    letter = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )

    assert letter.status == UrgingLetter.Status.DONE
    document = letter.document
    assert (document.number, document.symbol, document.reference) == (
        "01",
        "TĐP",
        "01/TĐP",
    )
    assert document.doc_type.key == "cong-van"
    assert document.direction == Document.Direction.OUTGOING
    assert document.issuer == standing_agency
    assert document.issued_on == today
    assert "Sở Xây dựng" in document.summary
    files = {a.content_type: a for a in document.attachments.all()}
    assert set(files) == {DOCX, "application/pdf"}
    assert all(a.original_name.startswith("Công văn 01-TĐP") for a in files.values())
    assert len(stored_files(media)) == 2
    # Rows in deadline order, each linked with the figures printed: days
    # overdue in working days, and the urging number (this letter is each
    # task's first urging).
    links = list(letter.links.order_by("position"))
    assert [(link.task, link.days_overdue, link.urge_number) for link in links] == [
        # Counted from the effective deadline (DEADLINE_ON_DAY_OFF).
        (late, overdue(late, today), 1),
        (later, overdue(later, today), 1),
    ]
    late.refresh_from_db()
    assert late.urge_count == 1
    for task in (late, later):
        event = AuditEvent.objects.get(
            action="letters.urging_sent", target_id=str(task.pk)
        )
        assert event.actor == secretariat
        assert event.changes["urging_letter"]["repr"] == "01/TĐP"
    assert AuditEvent.objects.filter(
        action="letters.generate", target_id=str(letter.pk)
    ).exists()


def test_the_signer_is_the_leader_on_the_date_unless_the_profile_names_one(
    profile, secretariat, leader, member_agency, make_task, today
):
    make_task()
    letter = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    assert letter.document.signer == leader.full_name

    profile.signer_name = "Lê Văn Ký"
    profile.save()
    make_task()
    second = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    assert second.document.signer == "Lê Văn Ký"


def test_only_tasks_overdue_on_the_date_are_urged(
    profile, secretariat, member_agency, coop_agency, make_task, today
):
    overdue = make_task(days=5)
    make_task(days=-5)  # deadline ahead: within deadline
    make_task(
        days=5, state=Task.State.COMPLETED, completed_on=today - datetime.timedelta(1)
    )
    make_task(
        days=5, state=Task.State.CANCELLED, cancelled_on=today - datetime.timedelta(1)
    )
    make_task(days=5, lead_agency=coop_agency)  # another agency
    make_task(days=0)  # due today: not yet overdue

    letter = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )

    assert list(letter.tasks.all()) == [overdue]


def test_a_selection_keeps_its_overdue_tasks_of_every_agency(
    profile, secretariat, coop_agency, make_task, today
):
    first = make_task(days=4)
    second = make_task(days=8, lead_agency=coop_agency)
    within = make_task(days=-3)

    letter = services.urging_letter_generate(
        actor=secretariat,
        body=profile.body,
        on=today,
        task_ids=[first.pk, second.pk, within.pk],
    )

    assert set(letter.tasks.all()) == {first, second}
    assert letter.agency is None
    assert "Sở Nông nghiệp và Môi trường; Sở Xây dựng" in letter.document.summary


def test_a_selection_without_an_overdue_task_is_refused_and_nothing_is_written(
    profile, secretariat, make_task, today, media
):
    within = make_task(days=-3)
    make_task(days=5)  # overdue, but not selected
    before = written_counts()

    with pytest.raises(ValidationError) as exc:
        services.urging_letter_generate(
            actor=secretariat, body=profile.body, on=today, task_ids=[within.pk]
        )

    assert exc.value.message_dict == {
        "task": ["There is no overdue task in the selection: no letter was made."]
    }
    assert written_counts() == before
    assert stored_files(media) == []


def test_an_agency_without_overdue_tasks_is_refused_on_its_field(
    profile, secretariat, coop_agency, make_task, today, dummy_backend
):
    make_task(days=5)
    before = written_counts()
    with pytest.raises(ValidationError) as exc:
        services.urging_letter_request(
            actor=secretariat, body=profile.body, on=today, agency=coop_agency
        )
    assert "agency" in exc.value.message_dict
    assert written_counts() == before
    assert dummy_backend.results == []


def test_an_empty_selection_is_refused(profile, secretariat, today):
    with pytest.raises(ValidationError) as exc:
        services.urging_letter_request(
            actor=secretariat, body=profile.body, on=today, task_ids=[]
        )
    assert exc.value.message_dict == {
        "task": ["Choose a lead agency or select some tasks."]
    }


def test_a_letter_dated_after_today_is_refused(
    profile, secretariat, member_agency, make_task, today
):
    make_task(days=5)
    before = written_counts()
    with pytest.raises(ValidationError) as exc:
        services.urging_letter_generate(
            actor=secretariat,
            body=profile.body,
            on=today + datetime.timedelta(days=1),
            agency=member_agency,
        )
    assert "on" in exc.value.message_dict
    assert written_counts() == before


def test_a_body_without_issuing_profile_cannot_issue(
    hanoi_team, standing_agency, secretariat, member_agency, make_task, today
):
    make_task(days=5)
    with pytest.raises(ValidationError) as exc:
        services.urging_letter_generate(
            actor=secretariat, body=hanoi_team, on=today, agency=member_agency
        )
    assert "issuing profile" in exc.value.message_dict["body"][0]
    assert not Document.objects.exists()


def test_a_body_without_standing_agency_needs_an_issuer_in_its_profile(
    other_team, secretariat, today, make_task
):
    from .factories import IssuingProfileFactory

    IssuingProfileFactory(body=other_team)
    task = make_task(days=5, body=other_team)
    with pytest.raises(ValidationError) as exc:
        services.urging_letter_generate(
            actor=secretariat, body=other_team, on=today, task_ids=[task.pk]
        )
    assert "standing agency" in exc.value.message_dict["body"][0]
    assert not UrgingLetter.objects.exists()


def test_numbers_follow_each_other_in_the_register(
    profile, secretariat, member_agency, make_task, today
):
    numbers = []
    for _ in range(3):
        make_task(days=5)
        letter = services.urging_letter_generate(
            actor=secretariat, body=profile.body, on=today, agency=member_agency
        )
        numbers.append(letter.document.reference)
    assert numbers == ["01/TĐP", "02/TĐP", "03/TĐP"]
    assert DocumentCounter.objects.get().last_number == 3


def test_generating_the_same_letter_twice_registers_it_once(
    profile, secretariat, member_agency, make_task, today
):
    make_task(days=5)
    letter = services.urging_letter_generate(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    again = services.urging_letter_generate(
        actor=secretariat,
        body=profile.body,
        on=today,
        agency=member_agency,
        letter=letter,
    )
    assert again.pk == letter.pk
    assert Document.objects.count() == 1
    assert LetterTask.objects.count() == 1


def test_a_retried_job_keeps_the_number_it_reserved(
    profile, secretariat, member_agency, make_task, today, monkeypatch
):
    make_task(days=5)
    letter = UrgingLetter.objects.create(
        body=profile.body, agency=member_agency, on=today, created_by=secretariat
    )

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("dieuphoi.letters.services.attachment_add", broken)
    with pytest.raises(OSError):
        services.urging_letter_generate(
            actor=secretariat,
            body=profile.body,
            on=today,
            agency=member_agency,
            letter=letter,
        )
    letter.refresh_from_db()
    assert (letter.number, letter.status) == (1, UrgingLetter.Status.PENDING)
    assert not Document.objects.exists()

    monkeypatch.undo()
    services.urging_letter_generate(
        actor=secretariat,
        body=profile.body,
        on=today,
        agency=member_agency,
        letter=letter,
    )
    letter.refresh_from_db()
    assert letter.document.reference == "01/TĐP"
    assert DocumentCounter.objects.get().last_number == 1


# --- request and job -------------------------------------------------------------


def test_request_records_the_letter_and_enqueues_its_job_with_progress(
    profile, secretariat, member_agency, make_task, today, dummy_backend
):
    make_task(days=5)
    make_task(days=6)

    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )

    assert letter.status == UrgingLetter.Status.PENDING
    assert letter.number is None  # reserved by the job
    [result] = dummy_backend.results
    assert result.kwargs == {
        "progress_id": str(letter.progress.pk),
        "letter_id": letter.pk,
    }
    assert (letter.progress.owner, letter.progress.total) == (secretariat, 5)
    assert AuditEvent.objects.filter(
        action="letters.request", target_id=str(letter.pk)
    ).exists()
    assert not Document.objects.exists()


def test_the_job_generates_the_letter_and_finishes_its_progress(
    profile, secretariat, member_agency, make_task, today, dummy_backend
):
    make_task(days=5)
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    [result] = dummy_backend.results

    urging_letter_job.call(**result.kwargs)

    letter.refresh_from_db()
    progress = JobProgress.objects.get(pk=letter.progress_id)
    assert letter.status == UrgingLetter.Status.DONE
    assert letter.document.reference == "01/TĐP"
    assert progress.is_finished and not progress.failed
    assert (progress.done, progress.total) == (3, 3)
    assert progress.result_url == f"/letters/{letter.pk}/"

    # A second run (a re-queue after a lost worker) changes nothing.
    urging_letter_job.call(**result.kwargs)
    assert Document.objects.count() == 1


def test_the_job_fails_cleanly_when_the_tasks_are_no_longer_overdue(
    profile, secretariat, member_agency, make_task, today, dummy_backend
):
    task = make_task(days=5)
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    Task.objects.filter(pk=task.pk).update(
        state=Task.State.COMPLETED, completed_on=today
    )
    [result] = dummy_backend.results

    urging_letter_job.call(**result.kwargs)  # no exception: nothing to retry

    letter.refresh_from_db()
    progress = JobProgress.objects.get(pk=letter.progress_id)
    assert letter.status == UrgingLetter.Status.FAILED
    assert "no overdue task" in letter.error
    assert progress.failed and progress.is_finished
    assert not Document.objects.exists()
    assert letter.number is None  # no number was used up


def test_a_failed_letter_can_be_retried_with_a_new_job(
    profile, secretariat, member_agency, make_task, today, dummy_backend
):
    make_task(days=5)
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    services.urging_letter_fail(letter=letter, message="worker lost")
    dummy_backend.clear()

    services.urging_letter_retry(actor=secretariat, letter=letter)

    letter.refresh_from_db()
    assert (letter.status, letter.error) == (UrgingLetter.Status.PENDING, "")
    [result] = dummy_backend.results
    urging_letter_job.call(**result.kwargs)
    letter.refresh_from_db()
    assert letter.status == UrgingLetter.Status.DONE


def test_only_a_failed_letter_can_be_retried(
    profile, secretariat, member_agency, make_task, today, dummy_backend
):
    make_task(days=5)
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    with pytest.raises(ValidationError):
        services.urging_letter_retry(actor=secretariat, letter=letter)
