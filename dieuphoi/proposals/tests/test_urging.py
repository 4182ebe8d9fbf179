"""Parties that have not answered a round are reminded, urged, counted and
escalated by the reminder ladder (``reminders.obligations``), once per rung."""

import pytest

from dieuphoi.notifications.models import Notification
from dieuphoi.proposals import services
from dieuphoi.proposals.models import RoundParty
from dieuphoi.reminders import ladder, obligations
from dieuphoi.reminders.models import ObligationReminder
from dieuphoi.workdays import calendar


@pytest.fixture
def settings_ladder(settings):
    settings.REMINDER_BEFORE_DAYS = (1,)
    settings.URGING_EVERY_WORKING_DAYS = 2
    settings.ESCALATE_AFTER_URGINGS = 2
    return settings


@pytest.fixture
def round_two(proposal, draft, secretariat, member_agency, other_team, external):
    return services.round_open(
        actor=secretariat,
        proposal=proposal,
        draft=draft,
        parties=[member_agency, other_team],
        working_days=3,
    )


def notices(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def test_reminded_before_and_on_the_deadline_once(
    settings_ladder, round_two, member, external, outsider
):
    deadline = round_two.deadline
    day_before = calendar.add_working_days(calendar.due_working_day(deadline), -1)
    obligations.run_day(day_before)
    obligations.run_day(day_before)  # a second run sends nothing again
    assert notices("obligation_reminder") == ["external", "member"]
    assert ObligationReminder.objects.filter(kind="before").count() == 2
    title = Notification.objects.filter(kind="obligation_reminder").first().title
    assert "1 ngày làm việc" in title and deadline.strftime("%d/%m/%Y") in title

    obligations.run_day(calendar.due_working_day(deadline))
    assert notices("obligation_reminder") == [
        "external",
        "external",
        "member",
        "member",
    ]
    assert "outsider" not in notices("obligation_reminder")


def test_urged_after_the_deadline_counted_and_escalated_once(
    settings_ladder, round_two, member, external, leader, secretariat, member_agency
):
    deadline = round_two.deadline
    province = round_two.parties.get(party_body__isnull=False)
    ours = round_two.parties.get(agency=member_agency)
    services.answer_submit(actor=external, party=province, answer="agree")

    first = ladder.urging_day(deadline, 1, 2)
    obligations.run_day(first)
    obligations.run_day(first)
    ours.refresh_from_db()
    province.refresh_from_db()
    assert (ours.urge_count, province.urge_count) == (1, 0)
    assert notices("obligation_urging") == ["member"]
    # Not yet two urgings: nobody above is told.
    assert notices("obligation_escalation") == []

    # The day between two urgings sends nothing.
    obligations.run_day(calendar.add_working_days(first, 1))
    assert notices("obligation_urging") == ["member"]

    second = ladder.urging_day(deadline, 2, 2)
    obligations.run_day(second)
    ours.refresh_from_db()
    assert ours.urge_count == 2
    assert notices("obligation_urging") == ["member", "member"]
    assert notices("obligation_escalation") == ["leader", "secretariat"]
    urging = Notification.objects.filter(kind="obligation_urging").order_by("-id")[0]
    assert urging.title.startswith("Đôn đốc lần 2")

    third = ladder.urging_day(deadline, 3, 2)
    obligations.run_day(third)
    # Escalated once per deadline, however many urgings follow.
    assert notices("obligation_escalation") == ["leader", "secretariat"]
    ours.refresh_from_db()
    assert ours.urge_count == 3


def test_a_closed_round_is_no_longer_urged(
    settings_ladder, round_two, secretariat, member_agency
):
    services.round_close(actor=secretariat, consultation=round_two)
    obligations.run_day(ladder.urging_day(round_two.deadline, 1, 2))
    assert not Notification.objects.filter(kind="obligation_urging").exists()
    ours = round_two.parties.get(agency=member_agency)
    assert (ours.answer, ours.urge_count) == (RoundParty.Answer.SILENT, 0)


def test_days_off_send_nothing(settings_ladder, round_two):
    day = round_two.deadline
    while calendar.is_working_day(day):
        day += __import__("datetime").timedelta(days=1)
    result = obligations.run_day(day)
    assert result.planned == 0
    assert not ObligationReminder.objects.exists()


def test_an_answer_keeps_its_files_and_a_bad_file_refuses_it(
    round_two, external, other_team, client, outsider
):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dieuphoi.docs.models import Attachment

    party = round_two.parties.get(party_body=other_team)
    fake = SimpleUploadedFile("tra-loi.pdf", b"not a pdf")
    with pytest.raises(ValidationError):
        services.answer_submit(
            actor=external, party=party, answer="agree", files=[fake]
        )
    party.refresh_from_db()
    answers_files = Attachment.objects.filter(target_type__model="roundparty")
    assert party.answer == "" and not answers_files.exists()

    pdf = SimpleUploadedFile(
        "tra-loi.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    client.force_login(external)
    response = client.post(
        f"/proposals/rounds/{round_two.pk}/parties/{party.pk}/answer/",
        {"answer": "agree", "version": party.version, "files": pdf,
         f"comments-{party.pk}-TOTAL_FORMS": "0", f"comments-{party.pk}-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code in (302, 422), response.status_code
    (attachment,) = answers_files
    assert attachment.original_name == "tra-loi.pdf"
    page = client.get(f"/proposals/rounds/{round_two.pk}/").content.decode()
    assert "tra-loi.pdf" in page
    assert (
        client.get(f"/documents/attachments/{attachment.pk}/download/").status_code
        == 200
    )
    client.force_login(outsider)
    assert client.get(
        f"/documents/attachments/{attachment.pk}/download/"
    ).status_code in (403, 404)


def test_api_attaches_a_file_to_the_answer(
    round_two, external, member, outsider, other_team, client, secretariat
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dieuphoi.accounts.models import ApiToken, hash_token
    from dieuphoi.docs.models import Attachment

    def bearer(user):
        raw = ApiToken.generate_raw()
        ApiToken.objects.create(
            user=user, name="t", prefix=raw[:8], key_hash=hash_token(raw)
        )
        return {"Authorization": f"Bearer {raw}"}

    party = round_two.parties.get(party_body=other_team)
    url = f"/api/v1/rounds/{round_two.pk}/parties/{party.pk}/files"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def post(user, data=pdf, name="tra-loi.pdf"):
        return client.post(
            url, {"file": SimpleUploadedFile(name, data)}, headers=bearer(user)
        )

    assert post(outsider).status_code == 404
    assert (
        post(member).status_code == 403
    )  # sees the round, does not answer for this party
    bad = post(external, data=b"not a pdf")
    assert bad.status_code == 422 and "file" in str(bad.json())
    files = Attachment.objects.filter(target_type__model="roundparty")
    assert not files.exists()
    created = post(external)
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "tra-loi.pdf"
    assert files.count() == 1
    services.round_close(actor=secretariat, consultation=round_two)
    assert post(external).status_code == 422
    assert files.count() == 1
    # No file at all: a field error, after the access checks.
    raw = ApiToken.generate_raw()
    ApiToken.objects.create(
        user=outsider, name="u", prefix=raw[:8], key_hash=hash_token(raw)
    )
    empty = client.post(url, {}, headers={"Authorization": f"Bearer {raw}"})
    assert empty.status_code == 404, empty.content
