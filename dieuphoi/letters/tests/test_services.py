"""An urging letter is drafted as an official document (``paperwork``),
reviewed by the leader and numbered, registered and counted as an urging
only when the secretariat issues it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Attachment, Document
from dieuphoi.jobs.models import JobProgress
from dieuphoi.letters import services
from dieuphoi.letters.jobs import urging_letter_job
from dieuphoi.letters.models import LetterTask, UrgingLetter
from dieuphoi.org.models import Membership
from dieuphoi.paperwork import content as paper_content
from dieuphoi.paperwork.models import (
    Paper,
    PaperRecipient,
    PaperVersion,
    RegisterCounter,
)
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
        "papers": Paper.objects.count(),
        "versions": PaperVersion.objects.count(),
        "links": LetterTask.objects.count(),
        "counters": list(RegisterCounter.objects.values_list("last_number", flat=True)),
        "urge_counts": list(
            Task.objects.order_by("pk").values_list("urge_count", flat=True)
        ),
        "progress": JobProgress.objects.count(),
        "audit": AuditEvent.objects.writes().count(),
    }


def overdue(task, on) -> int:
    """Working days from the task's effective deadline to ``on``."""
    return calendar.working_days_between(calendar.effective_deadline(task.deadline), on)


def generate(profile, actor, on, **kwargs):
    return services.urging_letter_generate(
        actor=actor, body=profile.body, on=on, **kwargs
    )


def table_rows(version: PaperVersion) -> list[tuple[str, ...]]:
    """The task rows of the letter's table in ``version`` (no group rows)."""
    [table] = [
        block
        for block in paper_content.blocks_from_json(version.blocks)
        if isinstance(block, paper_content.Table)
    ]
    return [row.cells for row in table.rows if not row.group]


# --- drafting ----------------------------------------------------------------------


def test_generate_drafts_the_letter_and_urges_nobody_yet(
    profile, secretariat, leader, member_agency, make_task, today, media
):
    late = make_task(days=20, code="NV-2025-0007", urge_count=2)
    later = make_task(days=3, code="NV-2025-0009")

    letter = generate(profile, secretariat, today, agency=member_agency)

    assert letter.status == UrgingLetter.Status.DRAFTED
    # No number, no register entry, no file: the draft is in review.
    assert (letter.number, letter.symbol, letter.reference) == (None, "", "")
    assert letter.document is None
    assert not Document.objects.exists()
    assert not RegisterCounter.objects.exists()
    assert stored_files(media) == []
    # The draft is a Công văn in the documents engine, signed TM. the body
    # by its leader, addressed to the lead agency.
    paper = letter.paper
    assert paper.state == Paper.State.DRAFT
    assert (paper.number, paper.symbol, paper.document) == (None, "", None)
    assert paper.kind.key == "cong-van"
    assert (paper.authority, paper.signer) == (Paper.Authority.TM, leader)
    assert paper.subject == "đôn đốc thực hiện nhiệm vụ quá hạn"
    assert (paper.producer, paper.source_id) == ("letters", letter.pk)
    assert paper.created_by == secretariat
    assert list(paper.recipients.values_list("addressee", "agency", "text")) == [
        (True, member_agency.pk, "Sở Xây dựng")
    ]
    version = paper.current
    assert (version.number, version.origin) == (1, PaperVersion.Origin.GENERATED)
    # The table previews each row with the urging number this letter will be.
    assert [row[1] for row in table_rows(version)] == ["NV-2025-0007", "NV-2025-0009"]
    assert [row[5:7] for row in table_rows(version)] == [
        (str(overdue(late, today)), "3"),
        (str(overdue(later, today)), "1"),
    ]
    # The rows are linked with the preview's figures; nobody is urged.
    links = list(letter.links.order_by("position"))
    assert [
        (link.task, link.position, link.days_overdue, link.urge_number)
        for link in links
    ] == [
        (late, 1, overdue(late, today), 3),
        (later, 2, overdue(later, today), 1),
    ]
    for task, count in ((late, 2), (later, 0)):
        task.refresh_from_db()
        assert task.urge_count == count
    assert not AuditEvent.objects.filter(action="letters.urging_sent").exists()
    assert not AuditEvent.objects.filter(action="letters.issue").exists()
    event = AuditEvent.objects.get(action="letters.generate", target_id=str(letter.pk))
    assert event.changes["paper"] == paper.pk
    assert AuditEvent.objects.filter(
        action="paperwork.create", target_id=str(paper.pk)
    ).exists()


def test_issuing_numbers_registers_and_urges(
    profile,
    secretariat,
    leader,
    member_agency,
    standing_agency,
    make_task,
    today,
    media,
    issue_letter,
):
    late = make_task(days=20, code="NV-2025-0007", urge_count=2)
    later = make_task(days=3, code="NV-2025-0009")
    letter = generate(profile, secretariat, today, agency=member_agency)
    drafted_on = letter.on

    letter = issue_letter(letter, on=today)

    assert letter.status == UrgingLetter.Status.DONE
    assert (letter.number, letter.symbol, letter.reference) == (1, "TĐP", "01/TĐP")
    assert letter.on == today == drafted_on
    paper = letter.paper
    assert paper.state == Paper.State.ISSUED
    assert (paper.number, paper.symbol, paper.issued_on) == (1, "TĐP", today)
    assert paper.document == letter.document
    # One register of outgoing numbers for the body, one sequence per year.
    counter = RegisterCounter.objects.get()
    assert (counter.register.body, counter.year, counter.last_number) == (
        profile.body,
        today.year,
        1,
    )
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
    assert document.signer == leader.full_name
    assert document.body == profile.body
    # The register's trích yếu of a Công văn is its V/v line.
    assert document.summary == "V/v đôn đốc thực hiện nhiệm vụ quá hạn"
    files = {a.content_type: a for a in document.attachments.all()}
    assert set(files) == {DOCX, "application/pdf"}
    assert {a.original_name for a in files.values()} == {
        "Công văn 01-TĐP - V-v đôn đốc thực hiện nhiệm vụ quá hạn.docx",
        "Công văn 01-TĐP - V-v đôn đốc thực hiện nhiệm vụ quá hạn.pdf",
    }
    for attachment in files.values():
        assert attachment.size > 1000
    assert len(stored_files(media)) == 2
    # Each task got one more urging; the links hold the final figures.
    links = list(letter.links.order_by("position"))
    assert [
        (link.task, link.position, link.days_overdue, link.urge_number)
        for link in links
    ] == [
        (late, 1, overdue(late, today), 3),
        (later, 2, overdue(later, today), 1),
    ]
    for task, count in ((late, 3), (later, 1)):
        task.refresh_from_db()
        assert task.urge_count == count
    for task, number in ((late, 3), (later, 1)):
        event = AuditEvent.objects.get(
            action="letters.urging_sent", target_id=str(task.pk)
        )
        assert event.actor == secretariat
        assert event.changes["urging_letter"] == {
            "id": document.pk,
            "repr": "01/TĐP",
        }
        assert event.changes["urge_number"] == number
        assert event.changes["days_overdue"] == overdue(task, today)
    issued = AuditEvent.objects.get(action="letters.issue", target_id=str(letter.pk))
    assert issued.actor == secretariat
    # The figures did not move since the draft: the issued version is it.
    assert paper.current.number == 1


def test_a_draft_issued_later_is_dated_and_counted_on_the_day_of_issue(
    profile, secretariat, member_agency, make_task, today, issue_letter
):
    drafted_on = calendar.add_working_days(today, -5)
    task = make_task(days=20, code="NV-2025-0001")
    letter = generate(profile, secretariat, drafted_on, agency=member_agency)
    assert letter.links.get().days_overdue == overdue(task, drafted_on)

    letter = issue_letter(letter, on=today)

    assert letter.on == today
    assert letter.document.issued_on == today
    link = letter.links.get()
    assert link.days_overdue == overdue(task, today)
    # Five working days later (four when today is a day off: it counts none).
    later = calendar.working_days_between(drafted_on, today)
    assert later == (5 if calendar.is_working_day(today) else 4)
    assert link.days_overdue == overdue(task, drafted_on) + later
    # The table of the issued version prints the figures of the day of issue.
    version = letter.paper.current
    assert version.origin == PaperVersion.Origin.ISSUED
    assert table_rows(version)[0][5] == str(overdue(task, today))


def test_numbers_are_taken_in_the_order_of_issue_not_of_drafting(
    profile, secretariat, member_agency, coop_agency, make_task, today, issue_letter
):
    make_task(days=5)
    make_task(days=5, lead_agency=coop_agency)
    first = generate(profile, secretariat, today, agency=member_agency)
    second = generate(profile, secretariat, today, agency=coop_agency)
    assert not RegisterCounter.objects.exists()

    second = issue_letter(second, on=today)
    first = issue_letter(first, on=today)

    assert (second.reference, first.reference) == ("01/TĐP", "02/TĐP")
    assert RegisterCounter.objects.get().last_number == 2


def test_the_signer_is_the_leader_on_the_date(
    profile, secretariat, leader, member_agency, make_task, today
):
    make_task()
    letter = generate(profile, secretariat, today, agency=member_agency)
    assert letter.paper.signer == leader

    # A leader whose term ended before the date no longer signs.
    Membership.objects.filter(person=leader).update(
        valid_to=today - datetime.timedelta(days=1)
    )
    make_task()
    before = written_counts()
    with pytest.raises(ValidationError) as exc:
        generate(profile, secretariat, today, agency=member_agency)
    assert "has no leader on" in exc.value.message_dict["body"][0]
    assert written_counts() == before


def test_only_tasks_overdue_on_the_date_are_listed(
    profile, secretariat, member_agency, coop_agency, make_task, today
):
    overdue_task = make_task(days=5)
    make_task(days=-5)  # deadline ahead: within deadline
    make_task(
        days=5, state=Task.State.COMPLETED, completed_on=today - datetime.timedelta(1)
    )
    make_task(
        days=5, state=Task.State.CANCELLED, cancelled_on=today - datetime.timedelta(1)
    )
    make_task(days=5, lead_agency=coop_agency)  # another agency
    make_task(days=0)  # due today: not yet overdue

    letter = generate(profile, secretariat, today, agency=member_agency)

    assert list(letter.tasks.all()) == [overdue_task]
    assert len(table_rows(letter.paper.current)) == 1


def test_a_selection_keeps_its_overdue_tasks_of_every_agency(
    profile, secretariat, member_agency, coop_agency, make_task, today, issue_letter
):
    first = make_task(days=4, code="NV-2025-0001")
    second = make_task(days=8, lead_agency=coop_agency, code="NV-2025-0002")
    within = make_task(days=-3)

    letter = generate(
        profile, secretariat, today, task_ids=[first.pk, second.pk, within.pk]
    )

    assert set(letter.tasks.all()) == {first, second}
    assert letter.agency is None
    # Both lead agencies are addressed; the table groups the rows by agency.
    assert set(
        PaperRecipient.objects.filter(paper=letter.paper).values_list(
            "agency", "addressee"
        )
    ) == {(member_agency.pk, True), (coop_agency.pk, True)}
    [table] = [
        b
        for b in paper_content.blocks_from_json(letter.paper.current.blocks)
        if isinstance(b, paper_content.Table)
    ]
    groups = [row.cells[0] for row in table.rows if row.group]
    assert sorted(groups) == ["Sở Nông nghiệp và Môi trường", "Sở Xây dựng"]

    letter = issue_letter(letter, on=today)
    assert letter.links.count() == 2
    for task in (first, second):
        task.refresh_from_db()
        assert task.urge_count == 1


def test_a_selection_without_an_overdue_task_is_refused_and_nothing_is_written(
    profile, secretariat, make_task, today, media
):
    within = make_task(days=-3)
    make_task(days=5)  # overdue, but not selected
    before = written_counts()

    with pytest.raises(ValidationError) as exc:
        generate(profile, secretariat, today, task_ids=[within.pk])

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
        generate(
            profile,
            secretariat,
            today + datetime.timedelta(days=1),
            agency=member_agency,
        )
    assert "on" in exc.value.message_dict
    assert written_counts() == before


def test_a_body_without_issuing_profile_cannot_draft(
    hanoi_team, standing_agency, leader, secretariat, member_agency, make_task, today
):
    make_task(days=5)
    before = written_counts()
    with pytest.raises(ValidationError) as exc:
        services.urging_letter_generate(
            actor=secretariat, body=hanoi_team, on=today, agency=member_agency
        )
    assert "issuing profile" in exc.value.message_dict["body"][0]
    assert written_counts() == before


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
    assert not Paper.objects.exists()


def test_numbers_follow_each_other_in_the_register(
    profile, secretariat, member_agency, make_task, today, issue_letter
):
    numbers = []
    for _ in range(3):
        make_task(days=5)
        letter = generate(profile, secretariat, today, agency=member_agency)
        numbers.append(issue_letter(letter, on=today).document.reference)
    assert numbers == ["01/TĐP", "02/TĐP", "03/TĐP"]
    counter = RegisterCounter.objects.get()
    assert (counter.year, counter.last_number) == (today.year, 3)


def test_generating_the_same_letter_twice_drafts_it_once(
    profile, secretariat, member_agency, make_task, today
):
    make_task(days=5)
    letter = generate(profile, secretariat, today, agency=member_agency)
    again = generate(profile, secretariat, today, agency=member_agency, letter=letter)
    assert again.pk == letter.pk
    assert again.paper_id == letter.paper_id
    assert Paper.objects.count() == 1
    assert LetterTask.objects.count() == 1
    assert not Document.objects.exists()


def test_an_issue_that_fails_keeps_no_number_and_urges_nobody(
    profile, secretariat, member_agency, make_task, today, monkeypatch, issue_letter
):
    task = make_task(days=5)
    letter = generate(profile, secretariat, today, agency=member_agency)
    before = written_counts()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("dieuphoi.paperwork.issuing.attachment_add", broken)
    with pytest.raises(OSError):
        issue_letter(letter, on=today)
    letter.refresh_from_db()
    assert (letter.number, letter.status) == (None, UrgingLetter.Status.DRAFTED)
    assert letter.paper.state == Paper.State.APPROVED
    assert letter.paper.number is None
    assert not Document.objects.exists()
    assert not RegisterCounter.objects.filter(last_number__gt=0).exists()
    task.refresh_from_db()
    assert task.urge_count == 0
    assert not AuditEvent.objects.filter(action="letters.urging_sent").exists()
    after = written_counts()
    # Only the review steps' audit rows were written.
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }

    monkeypatch.undo()
    letter = issue_letter(letter, on=today)
    assert letter.document.reference == "01/TĐP"
    assert RegisterCounter.objects.get().last_number == 1
    task.refresh_from_db()
    assert task.urge_count == 1


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
    assert letter.number is None
    assert letter.paper is None
    [result] = dummy_backend.results
    assert result.kwargs == {
        "progress_id": str(letter.progress.pk),
        "letter_id": letter.pk,
    }
    assert (letter.progress.owner, letter.progress.total) == (secretariat, 3)
    assert AuditEvent.objects.filter(
        action="letters.request", target_id=str(letter.pk)
    ).exists()
    assert not Document.objects.exists()
    assert not Paper.objects.exists()


def test_the_job_drafts_the_letter_and_finishes_its_progress(
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
    assert letter.status == UrgingLetter.Status.DRAFTED
    assert letter.paper.state == Paper.State.DRAFT
    assert letter.paper.created_by == secretariat
    assert (letter.number, letter.document) == (None, None)
    assert progress.is_finished and not progress.failed
    assert (progress.done, progress.total) == (3, 3)
    assert progress.result_url == f"/letters/{letter.pk}/"
    assert progress.message == "The draft letter is ready for review."

    # A second run (a re-queue after a lost worker) changes nothing.
    urging_letter_job.call(**result.kwargs)
    assert Paper.objects.count() == 1
    assert LetterTask.objects.count() == 1
    assert not Document.objects.exists()


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
    assert not Paper.objects.exists()
    assert not Document.objects.exists()
    assert letter.number is None


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
    assert letter.status == UrgingLetter.Status.DRAFTED
    assert letter.paper is not None


def test_only_a_failed_letter_can_be_retried(
    profile, secretariat, member_agency, make_task, today, dummy_backend
):
    make_task(days=5)
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, on=today, agency=member_agency
    )
    with pytest.raises(ValidationError):
        services.urging_letter_retry(actor=secretariat, letter=letter)


def test_an_issued_letter_shows_its_urging_in_the_cached_task_list(
    profile,
    secretariat,
    member_agency,
    make_task,
    today,
    media,
    issue_letter,
    settings,
    django_capture_on_commit_callbacks,
):
    """The urgings are counted by a queryset update (no signal): issuing
    moves the tasks stamp itself, so the list's cached rows show the count."""
    from django.core.cache import cache
    from django.db import connection
    from django.http import QueryDict

    from dieuphoi.tasks import rows, selectors

    settings.TASK_ROWS_CACHE_SECONDS = 300
    cache.clear()
    task = make_task(days=20, code="NV-2025-0007")
    letter = generate(profile, secretariat, today, agency=member_agency)
    for _sids, hook, _robust in list(connection.run_on_commit):
        if getattr(hook, "stamp_names", None) and not hook.done:
            hook()  # the set-up's writes committed
    filters, _errors = selectors.parse_task_filters(QueryDict(""))

    def listed():
        return rows.list_rows(user=secretariat, filters=filters, on=today).html

    before = listed()
    assert f'id="task-row-{task.pk}"' in before and "task-urgings" not in before
    with django_capture_on_commit_callbacks(execute=True):
        issue_letter(letter, on=today)
    task.refresh_from_db()
    assert task.urge_count == 1
    assert "task-urgings" in listed()
    cache.clear()
