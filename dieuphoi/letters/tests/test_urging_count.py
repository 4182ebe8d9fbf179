"""A letter is an urging: it counts, it records its number, the daily
notices count on from it, and it leaves out what waits on someone else."""

import datetime
import io
from urllib.parse import urlencode

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Document
from dieuphoi.letters import services
from dieuphoi.letters.models import LetterTask, UrgingLetter
from dieuphoi.paperwork import content as paper_content
from dieuphoi.paperwork.models import Paper, PaperVersion, RegisterCounter
from dieuphoi.paperwork.services import paper_update
from dieuphoi.reminders.models import Reminder
from dieuphoi.reminders.services import reminders_run_day
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db
S = Task.State
NEW = reverse("letters:new")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def letter_day(today):
    """A working day a few weeks back: the letter's date, and the daily run
    can be replayed after it."""
    return calendar.add_working_days(today, -20)


def generate(profile, actor, on, **kwargs):
    return services.urging_letter_generate(
        actor=actor, body=profile.body, on=on, **kwargs
    )


def table_rows(version) -> list[tuple[str, ...]]:
    """The task rows of the letter's table in ``version``."""
    [table] = [
        block
        for block in paper_content.blocks_from_json(version.blocks)
        if isinstance(block, paper_content.Table)
    ]
    return [row.cells for row in table.rows if not row.group]


def test_a_letter_adds_one_urging_and_the_notices_count_on_from_it(
    profile, secretariat, member_agency, make_task, letter_day, issue_letter
):
    task = make_task(days=30, on=letter_day, urge_count=1)
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    task.refresh_from_db()
    assert task.urge_count == 1  # the draft urges nobody
    letter = issue_letter(letter, on=letter_day)

    link = LetterTask.objects.get(letter=letter)
    assert link.urge_number == 2
    assert link.days_overdue == calendar.working_days_between(
        calendar.effective_deadline(task.deadline), letter_day
    )
    task.refresh_from_db()
    assert task.urge_count == 2
    # The letter is the last urging: no notice that day nor the next two
    # working days; the third is urging no. 3.
    for n in range(3):
        reminders_run_day(day=calendar.add_working_days(letter_day, n))
    assert not Reminder.objects.filter(kind=Reminder.Kind.URGING).exists()
    third = calendar.add_working_days(letter_day, 3)
    reminders_run_day(day=third)
    assert list(
        Reminder.objects.filter(kind=Reminder.Kind.URGING).values_list("sent_on", "seq")
    ) == [(third, 3)]
    task.refresh_from_db()
    assert task.urge_count == 3


def test_a_draft_letter_does_not_hold_back_the_notices(
    profile, secretariat, member_agency, make_task, letter_day
):
    """Only an issued letter is an urging: the daily run goes on urging a
    task whose letter is still in review."""
    task = make_task(days=30, on=letter_day, urge_count=1)
    generate(profile, secretariat, letter_day, agency=member_agency)
    reminders_run_day(day=letter_day)
    assert list(
        Reminder.objects.filter(kind=Reminder.Kind.URGING).values_list("sent_on", "seq")
    ) == [(letter_day, 2)]
    task.refresh_from_db()
    assert task.urge_count == 2


def test_a_notice_then_a_letter_the_same_day_both_count(
    profile, secretariat, member_agency, make_task, letter_day, issue_letter
):
    task = make_task(days=30, on=letter_day)
    reminders_run_day(day=letter_day)
    task.refresh_from_db()
    assert task.urge_count == 1
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    letter = issue_letter(letter, on=letter_day)
    assert LetterTask.objects.get(letter=letter).urge_number == 2
    task.refresh_from_db()
    assert task.urge_count == 2


def test_the_letter_prints_the_number_it_records(
    profile, secretariat, member_agency, make_task, letter_day, issue_letter
):
    make_task(days=30, on=letter_day, urge_count=4)
    tasks = list(
        services.selectors.overdue_tasks(
            body=profile.body, on=letter_day, agency=member_agency
        )
    )
    [group] = services.letter_groups(tasks, letter_day)
    assert group.rows[0].urge_count == 5
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    assert LetterTask.objects.get(letter=letter).urge_number == 5
    assert table_rows(letter.paper.current)[0][6] == "5"
    letter = issue_letter(letter, on=letter_day)
    assert LetterTask.objects.get(letter=letter).urge_number == 5
    assert table_rows(letter.paper.current)[0][6] == "5"


def test_a_notice_between_approval_and_issue_moves_the_number_printed(
    profile,
    secretariat,
    member_agency,
    make_task,
    letter_day,
    approve_letter,
    issue_letter,
):
    task = make_task(days=30, on=letter_day, code="NV-2025-0001")
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    approved = approve_letter(letter)
    assert table_rows(approved.current)[0][6] == "1"
    # The daily run sends a notice while the letter waits to be issued.
    reminders_run_day(day=letter_day)
    task.refresh_from_db()
    assert task.urge_count == 1

    letter = issue_letter(letter, on=letter_day)

    task.refresh_from_db()
    assert task.urge_count == 2
    link = LetterTask.objects.get(letter=letter)
    assert link.urge_number == task.urge_count == 2
    # The issued version's table was brought up to date before laying out.
    paper = letter.paper
    issued = paper.current
    assert issued.pk != approved.current_id
    assert (issued.number, issued.origin) == (2, PaperVersion.Origin.ISSUED)
    assert issued.note == "Figures brought up to the date of issue"
    assert table_rows(issued)[0][1] == "NV-2025-0001"
    assert table_rows(issued)[0][6] == "2"
    # The approved version is kept as it was.
    assert table_rows(PaperVersion.objects.get(paper=paper, number=1))[0][6] == "1"
    # And the DOCX entered in the register prints the new number.
    attachment = letter.document.attachments.get(content_type=DOCX)
    with attachment.file.open("rb") as handle:
        word = docx.Document(io.BytesIO(handle.read()))
    body_table = word.tables[1]
    assert [c.text for c in body_table.rows[1].cells][1] == "NV-2025-0001"
    assert [c.text for c in body_table.rows[1].cells][6] == "2"


@pytest.mark.parametrize(
    "change",
    [
        {"state": S.COMPLETED, "completed_on": "day"},
        {"state": S.REPORTED_DONE, "reported_done_on": "day"},
    ],
    ids=["completed", "reported-done"],
)
def test_a_task_done_between_approval_and_issue_stops_the_issue(
    change,
    profile,
    secretariat,
    member_agency,
    make_task,
    letter_day,
    approve_letter,
    issue_letter,
):
    urged = make_task(days=30, on=letter_day, code="NV-2025-0001")
    done = make_task(days=20, on=letter_day, code="NV-2025-0002")
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    paper = approve_letter(letter)
    values = {k: (letter_day if v == "day" else v) for k, v in change.items()}
    Task.objects.filter(pk=done.pk).update(**values)
    before = {
        "counters": list(
            RegisterCounter.objects.values_list("register", "year", "last_number")
        ),
        "versions": PaperVersion.objects.count(),
        "urged": list(Task.objects.order_by("pk").values_list("pk", "urge_count")),
        "links": list(
            LetterTask.objects.values_list("task", "position", "urge_number")
        ),
        "audit": list(
            AuditEvent.objects.filter(
                action__in=["letters.urging_sent", "letters.issue", "paperwork.issue"]
            )
        ),
    }

    with pytest.raises(ValidationError) as exc:
        issue_letter(letter, on=letter_day)

    [message] = exc.value.message_dict["state"]
    assert "NV-2025-0002" in message
    assert "NV-2025-0001" not in message
    # Nothing written: no number taken, no register entry, nobody urged.
    after = {
        "counters": list(
            RegisterCounter.objects.values_list("register", "year", "last_number")
        ),
        "versions": PaperVersion.objects.count(),
        "urged": list(Task.objects.order_by("pk").values_list("pk", "urge_count")),
        "links": list(
            LetterTask.objects.values_list("task", "position", "urge_number")
        ),
        "audit": list(
            AuditEvent.objects.filter(
                action__in=["letters.urging_sent", "letters.issue", "paperwork.issue"]
            )
        ),
    }
    assert after == before
    assert not Document.objects.exists()
    paper.refresh_from_db()
    assert (paper.state, paper.number, paper.document) == (
        Paper.State.APPROVED,
        None,
        None,
    )
    letter.refresh_from_db()
    assert (letter.status, letter.number) == (UrgingLetter.Status.DRAFTED, None)
    urged.refresh_from_db()
    assert urged.urge_count == 0


def test_a_row_deleted_from_the_draft_is_not_urged(
    profile, secretariat, member_agency, make_task, letter_day, issue_letter
):
    dropped = make_task(days=30, on=letter_day, code="NV-2025-0001")
    kept = make_task(days=20, on=letter_day, code="NV-2025-0002")
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    paper = letter.paper
    blocks = paper_content.blocks_from_json(paper.current.blocks)
    index = next(i for i, b in enumerate(blocks) if isinstance(b, paper_content.Table))
    table = blocks[index]
    assert [row.cells[:2] for row in table.rows] == [
        ("1", "NV-2025-0001"),
        ("2", "NV-2025-0002"),
    ]
    blocks[index] = paper_content.Table(
        columns=table.columns,
        rows=tuple(r for r in table.rows if r.cells[1] != "NV-2025-0001"),
        widths=table.widths,
        center=table.center,
        font_size=table.font_size,
        caption=table.caption,
    )
    paper_update(
        actor=secretariat,
        paper=paper,
        version=paper.version,
        blocks=blocks,
        note="Sở Xây dựng đã báo cáo NV-2025-0001.",
    )

    letter = issue_letter(letter, on=letter_day)

    assert list(letter.links.values_list("task", "position", "urge_number")) == [
        (kept.pk, 1, 1)
    ]
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.urge_count, dropped.urge_count) == (1, 0)
    assert not AuditEvent.objects.filter(
        action="letters.urging_sent", target_id=str(dropped.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action="letters.urging_sent", target_id=str(kept.pk)
    ).exists()
    # The issued table numbers its rows from 1 again, as the links do.
    assert [row[:2] for row in table_rows(letter.paper.current)] == [
        ("1", "NV-2025-0002")
    ]


def test_reported_done_and_pending_extension_tasks_are_left_out(
    profile, secretariat, member_agency, make_task, letter_day, issue_letter
):
    urged = make_task(days=30, on=letter_day)
    make_task(
        days=30, on=letter_day, state=S.REPORTED_DONE, reported_done_on=letter_day
    )
    make_task(days=30, on=letter_day, state=S.COMPLETED, completed_on=letter_day)
    make_task(days=30, on=letter_day, state=S.CANCELLED, cancelled_on=letter_day)
    waiting = make_task(days=30, on=letter_day, state=S.EXTENSION_REQUESTED)

    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    assert list(letter.links.values_list("task_id", flat=True)) == [urged.pk]
    letter = issue_letter(letter, on=letter_day)
    assert list(letter.links.values_list("task_id", flat=True)) == [urged.pk]
    waiting.refresh_from_db()
    urged.refresh_from_db()
    assert (urged.urge_count, waiting.urge_count) == (1, 0)


def test_a_pending_extension_task_the_secretariat_keeps_is_urged(
    profile, secretariat, member_agency, make_task, letter_day, issue_letter
):
    urged = make_task(days=30, on=letter_day)
    waiting = make_task(days=20, on=letter_day, state=S.EXTENSION_REQUESTED)
    letter = generate(
        profile,
        secretariat,
        letter_day,
        agency=member_agency,
        keep_ids=[waiting.pk],
    )
    assert list(letter.links.values_list("task_id", flat=True)) == [
        urged.pk,
        waiting.pk,
    ]
    letter = issue_letter(letter, on=letter_day)
    assert list(letter.links.values_list("task_id", "urge_number")) == [
        (urged.pk, 1),
        (waiting.pk, 1),
    ]
    waiting.refresh_from_db()
    assert waiting.urge_count == 1


def test_an_agency_with_only_reported_done_tasks_has_nothing_to_urge(
    profile, secretariat, member_agency, make_task, today
):
    make_task(state=S.REPORTED_DONE, reported_done_on=today)
    with pytest.raises(services.ValidationError) as exc:
        services.urging_letter_request(
            actor=secretariat, body=profile.body, agency=member_agency
        )
    assert "agency" in exc.value.message_dict
    assert not UrgingLetter.objects.exists()


def _preview(client, profile, agency, **params):
    query = urlencode({"body": profile.body.pk, "agency": agency.pk, **params}, True)
    return client.get(f"{NEW}?{query}").content.decode()


def test_the_preview_warns_of_pending_extensions_and_keeps_them_on_request(
    login, secretariat, profile, member_agency, make_task, dummy_backend
):
    urged = make_task(days=12)
    waiting = make_task(days=8, state=S.EXTENSION_REQUESTED)
    done = make_task(days=8, state=S.REPORTED_DONE, reported_done_on=urged.deadline)
    client = login(secretariat)

    html = _preview(client, profile, member_agency)
    assert 'id="letter-pending-extension"' in html
    assert f'id="letter-pending-{waiting.pk}"' in html
    assert f'id="letter-row-{urged.pk}"' in html
    assert f'id="letter-row-{waiting.pk}"' not in html
    assert f'id="letter-row-{done.pk}"' not in html
    assert "Working days overdue" in html
    assert f'name="keep" value="{waiting.pk}"' in html
    assert 'type="hidden" name="keep"' not in html

    html = _preview(client, profile, member_agency, keep=[waiting.pk])
    assert f'id="letter-row-{waiting.pk}"' in html
    assert f'<input type="hidden" name="keep" value="{waiting.pk}">' in html

    response = client.post(
        NEW,
        {"body": profile.body.pk, "agency": member_agency.pk, "keep": [waiting.pk]},
    )
    assert response.status_code == 302
    assert UrgingLetter.objects.get().kept_ids == [waiting.pk]


def test_the_preview_of_an_outsider_is_refused(
    login, outsider, profile, member_agency, make_task
):
    make_task(state=S.EXTENSION_REQUESTED)
    response = login(outsider).get(
        f"{NEW}?{urlencode({'body': profile.body.pk, 'agency': member_agency.pk})}"
    )
    assert response.status_code == 404


def test_a_day_row_counts_working_days_not_calendar_days(
    profile, secretariat, member_agency, make_task
):
    # Deadline Fri 13/02/2026, letter Wed 25/02/2026: Tết in between; three
    # working days (23, 24, 25/02), not twelve calendar days.
    make_task(on=datetime.date(2026, 2, 25), days=12)
    tasks = list(
        services.selectors.overdue_tasks(
            body=profile.body, on=datetime.date(2026, 2, 25), agency=member_agency
        )
    )
    [group] = services.letter_groups(tasks, datetime.date(2026, 2, 25))
    assert group.rows[0].days_overdue == 3


def test_the_letter_states_the_escalation_threshold_in_force(
    profile, member_agency, make_task, letter_day
):
    from dieuphoi.letters import content

    make_task(days=30, on=letter_day)
    tasks = list(
        services.selectors.overdue_tasks(
            body=profile.body, on=letter_day, agency=member_agency
        )
    )

    def closing(after):
        return content.build_content(
            governing_body="UBND THÀNH PHỐ HÀ NỘI",
            issuer_line="TỔ ĐIỀU PHỐI",
            issuer_short_name="Tổ điều phối",
            reference="01/TĐP",
            place="Hà Nội",
            on=letter_day,
            reply_by=letter_day,
            groups=services.letter_groups(tasks, letter_day),
            other_recipients=[],
            archive_line="",
            signer_authority="",
            signer_title="TỔ TRƯỞNG",
            signer_name="",
            escalate_after=after,
        ).closing

    assert "từ 05 lần trở lên" in " ".join(closing(5))
    assert len(closing(0)) == 2
    assert not any("lần trở lên" in line for line in closing(0))
