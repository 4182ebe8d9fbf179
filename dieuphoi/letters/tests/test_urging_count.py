"""A letter is an urging: it counts, it records its number, the daily
notices count on from it, and it leaves out what waits on someone else."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dieuphoi.letters import services
from dieuphoi.letters.models import LetterTask, UrgingLetter
from dieuphoi.reminders.models import Reminder
from dieuphoi.reminders.services import reminders_run_day
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar

pytestmark = pytest.mark.django_db
S = Task.State
NEW = reverse("letters:new")


@pytest.fixture
def letter_day(today):
    """A working day a few weeks back: the letter's date, and the daily run
    can be replayed after it."""
    return calendar.add_working_days(today, -20)


def generate(profile, actor, on, **kwargs):
    return services.urging_letter_generate(
        actor=actor, body=profile.body, on=on, **kwargs
    )


def test_a_letter_adds_one_urging_and_the_notices_count_on_from_it(
    profile, secretariat, member_agency, make_task, letter_day
):
    task = make_task(days=30, on=letter_day, urge_count=1)
    letter = generate(profile, secretariat, letter_day, agency=member_agency)

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


def test_a_notice_then_a_letter_the_same_day_both_count(
    profile, secretariat, member_agency, make_task, letter_day
):
    task = make_task(days=30, on=letter_day)
    reminders_run_day(day=letter_day)
    task.refresh_from_db()
    assert task.urge_count == 1
    letter = generate(profile, secretariat, letter_day, agency=member_agency)
    assert LetterTask.objects.get(letter=letter).urge_number == 2
    task.refresh_from_db()
    assert task.urge_count == 2


def test_the_letter_prints_the_number_it_records(
    profile, secretariat, member_agency, make_task, letter_day
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


def test_a_count_that_moves_while_the_letter_is_laid_out_writes_nothing(
    profile, secretariat, member_agency, make_task, letter_day, monkeypatch
):
    task = make_task(days=30, on=letter_day, urge_count=1)
    from dieuphoi.letters import render_pdf

    real = render_pdf.render_pdf

    def notice_meanwhile(*args, **kwargs):
        Task.objects.filter(pk=task.pk).update(urge_count=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(render_pdf, "render_pdf", notice_meanwhile)
    with pytest.raises(services.UrgeCountChanged):
        generate(profile, secretariat, letter_day, agency=member_agency)
    task.refresh_from_db()
    assert task.urge_count == 2
    assert not LetterTask.objects.exists()
    assert UrgingLetter.objects.get().status == UrgingLetter.Status.PENDING
    # The retry lays it out again with the right number.
    monkeypatch.setattr(render_pdf, "render_pdf", real)
    letter = generate(
        profile,
        secretariat,
        letter_day,
        agency=member_agency,
        letter=UrgingLetter.objects.get(),
    )
    assert LetterTask.objects.get(letter=letter).urge_number == 3


def test_reported_done_and_pending_extension_tasks_are_left_out(
    profile, secretariat, member_agency, make_task, letter_day
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
    waiting.refresh_from_db()
    assert waiting.urge_count == 0


def test_a_pending_extension_task_the_secretariat_keeps_is_urged(
    profile, secretariat, member_agency, make_task, letter_day
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
