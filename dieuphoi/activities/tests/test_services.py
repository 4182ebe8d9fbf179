"""The activities' writes: validation writes nothing, the invitation goes
out with its ICS, responses follow who may answer, attendance, conclusions
turned into tasks once, the papers from the documents engine."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from dieuphoi.activities import notices, services, urging
from dieuphoi.activities.models import Activity, Conclusion, Invitee
from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.notifications.models import Notification, OutgoingEmail
from dieuphoi.notifications.registry import email_attachments
from dieuphoi.org.tests.factories import BodyFactory
from dieuphoi.reminders import obligations
from dieuphoi.tasks.models import Task
from dieuphoi.workdays import calendar

from .conftest import at, issue_invitation

pytestmark = pytest.mark.django_db


def writes():
    return AuditEvent.objects.writes().count()


def ics_of(activity, kind=notices.INVITED):
    type_id = ContentType.objects.get_for_model(Activity).pk
    files = email_attachments(type_id, activity.pk, kind)
    assert len(files) == 1
    name, data, mime = files[0]
    assert name == "moi-hop.ics"
    return Calendar.from_ical(data), mime


def event_of(cal):
    return next(c for c in cal.walk() if c.name == "VEVENT")


# --- create / validate -------------------------------------------------------------


def test_create_defaults_the_response_deadline_to_two_working_days_before(meeting):
    start_day = timezone.localtime(meeting.starts_at, services.LOCAL).date()
    expected = calendar.previous_working_day(calendar.previous_working_day(start_day))
    assert meeting.response_deadline == expected
    assert meeting.state == Activity.State.PLANNED
    assert meeting.uid == f"activity-{meeting.pk}@127.0.0.1" or meeting.uid.startswith(
        f"activity-{meeting.pk}@"
    )
    assert meeting.invitees.count() == 3
    assert meeting.agenda.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"ends_at": at(3, 7, 0)}, "ends_at"),  # ends before it starts
        ({"online_link": "javascript:alert(1)", "place": ""}, "online_link"),
        ({"place": "", "online_link": ""}, "place"),
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(team, secretariat, change, field):
    before, count = writes(), Activity.objects.count()
    args = {
        "actor": secretariat,
        "body": team,
        "kind": Activity.Kind.WORKING_SESSION,
        "title": "Làm việc",
        "starts_at": at(3),
        "ends_at": at(3, 10),
        "place": "Phòng họp",
        **change,
    }
    with pytest.raises(ValidationError) as exc:
        services.activity_create(**args)
    assert field in exc.value.message_dict
    assert writes() == before and Activity.objects.count() == count


def test_a_body_not_valid_on_the_date_is_refused(team, secretariat):
    gone = BodyFactory(
        key="to-dieu-phoi-cu",
        name="Tổ điều phối cũ",
        valid_to=datetime.date(2025, 6, 30),
    )
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            actor=secretariat, body=team, kind="joint_meeting", title="Họp",
            starts_at=at(3), ends_at=at(3, 11), place="Phòng họp", invitees=[gone],
        )  # fmt: skip
    assert "invitees" in exc.value.message_dict
    assert writes() == before


def test_only_managers_create(team, member, external, outsider):
    for user in (member, external, outsider):
        with pytest.raises(PermissionDenied):
            services.activity_create(
                actor=user, body=team, kind="joint_meeting", title="Họp",
                starts_at=at(3), ends_at=at(3, 11), place="Phòng họp",
            )  # fmt: skip


# --- responses ---------------------------------------------------------------------


def invitee_of(activity, **kw) -> Invitee:
    invitee = activity.invitees.get(**kw)
    invitee.activity = activity
    return invitee


def test_the_invited_team_answers_for_its_body(meeting, external, other_team):
    invitee = invitee_of(meeting, body=other_team)
    saved = services.response_record(
        actor=external, invitee=invitee, response=Invitee.Response.ATTEND
    )
    assert saved.response == "attend" and saved.responded_by == external


def test_someone_not_invited_cannot_answer_and_nothing_is_written(
    meeting, phu_tho_user, hung_yen_user, other_team, outsider, member
):
    invitee = invitee_of(meeting, body=other_team)
    before = writes()
    # Another province's team, a team not invited, a Hanoi focal point of
    # another agency, an outsider.
    for user in (hung_yen_user, phu_tho_user, outsider, member):
        with pytest.raises(PermissionDenied):
            services.response_record(actor=user, invitee=invitee, response="attend")
    assert writes() == before
    invitee.refresh_from_db()
    assert invitee.response == Invitee.Response.PENDING


def test_the_agency_answers_through_its_focal_point(meeting, member, member_agency):
    invitee = invitee_of(meeting, agency=member_agency)
    services.response_record(actor=member, invitee=invitee, response="attend")
    assert Invitee.objects.get(pk=invitee.pk).response == "attend"


def test_a_delegate_needs_a_name_and_position_a_decline_a_reason(
    meeting, external, other_team
):
    invitee = invitee_of(meeting, body=other_team)
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.response_record(actor=external, invitee=invitee, response="delegate")
    assert {"delegate_name", "delegate_position"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.response_record(actor=external, invitee=invitee, response="decline")
    assert "reason" in exc.value.message_dict
    assert writes() == before
    saved = services.response_record(
        actor=external, invitee=invitee, response="delegate",
        delegate_name="Trần Văn Bình", delegate_position="Phó Trưởng phòng",
    )  # fmt: skip
    assert saved.delegate_name == "Trần Văn Bình"


# --- invitation, ICS, move, cancel ---------------------------------------------------


def test_sending_before_the_giay_moi_is_issued_is_refused(meeting, secretariat):
    services.invitation_create(actor=secretariat, activity=meeting)
    meeting.refresh_from_db()
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.invitation_send(
            actor=secretariat, activity=meeting, version=meeting.version
        )
    assert "invitation_paper" in exc.value.message_dict
    assert writes() == before
    assert Notification.objects.filter(kind=notices.INVITED).count() == 0


def test_the_invitation_notifies_every_invitee_and_carries_the_ics(
    meeting,
    secretariat,
    leader,
    external,
    hung_yen_user,
    member,
    phu_tho_user,
    outsider,
):
    paper = issue_invitation(meeting, secretariat, leader)
    assert paper.kind.key == "giay-moi" and paper.state == "issued"
    result = services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    )
    assert result.activity.state == Activity.State.INVITED
    told = set(
        Notification.objects.filter(kind=notices.INVITED).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"external", "hungyen", "member"}
    # Their e-mails carry the ICS (METHOD:REQUEST, the activity's UID).
    cal, mime = ics_of(meeting)
    assert mime == "text/calendar; method=REQUEST"
    assert str(cal["METHOD"]) == "REQUEST"
    event = event_of(cal)
    assert str(event["UID"]) == meeting.uid
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == meeting.title


def test_the_invitation_email_is_sent_with_the_ics_attached(
    meeting, secretariat, leader, external, mailoutbox, settings
):
    from dieuphoi.notifications import emails

    issue_invitation(meeting, secretariat, leader)
    external.email = "external@example.org"
    external.save()
    services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    )
    ids = list(
        OutgoingEmail.objects.filter(recipient=external).values_list("pk", flat=True)
    )
    assert ids  # an invitation is e-mailed at once, not in the digest
    if not mailoutbox:
        emails.send_outgoing(ids)
    sent = [m for m in mailoutbox if "external@example.org" in m.to]
    assert sent
    attachments = sent[0].attachments
    assert any(a[0] == "moi-hop.ics" for a in attachments)
    data = next(a[1] for a in attachments if a[0] == "moi-hop.ics")
    cal = Calendar.from_ical(data)
    assert str(event_of(cal)["UID"]) == meeting.uid


def test_moving_bumps_the_sequence_keeps_the_uid_and_tells_the_invitees(
    meeting, secretariat, leader, external
):
    issue_invitation(meeting, secretariat, leader)
    meeting = services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    ).activity
    uid = meeting.uid
    moved = services.activity_update(
        actor=secretariat, activity=meeting, version=meeting.version,
        starts_at=at(8), ends_at=at(8, 11),
    )  # fmt: skip
    assert moved.sequence == 1 and moved.uid == uid
    assert Notification.objects.filter(
        kind=notices.CHANGED, recipient=external
    ).exists()
    cal, _mime = ics_of(moved, notices.CHANGED)
    event = event_of(cal)
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == at(8).astimezone(datetime.UTC)
    # The description only: no new sequence.
    again = services.activity_update(
        actor=secretariat, activity=moved, version=moved.version, description="Thêm"
    )
    assert again.sequence == 1


def test_a_stale_version_is_a_conflict(meeting, secretariat):
    with pytest.raises(Conflict):
        services.activity_update(
            actor=secretariat, activity=meeting, version=meeting.version + 5, title="X"
        )


def test_cancelling_sends_method_cancel_with_the_same_uid(
    meeting, secretariat, leader, external
):
    issue_invitation(meeting, secretariat, leader)
    meeting = services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    ).activity
    before = writes()
    with pytest.raises(ValidationError):
        services.activity_cancel(
            actor=secretariat, activity=meeting, version=meeting.version, reason=" "
        )
    assert writes() == before
    cancelled = services.activity_cancel(
        actor=secretariat, activity=meeting, version=meeting.version, reason="Hoãn"
    )
    assert cancelled.state == "cancelled" and cancelled.sequence == 1
    assert Notification.objects.filter(
        kind=notices.CANCELLED, recipient=external
    ).exists()
    cal, mime = ics_of(cancelled, notices.CANCELLED)
    assert mime == "text/calendar; method=CANCEL"
    assert str(cal["METHOD"]) == "CANCEL"
    event = event_of(cal)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 1


def test_the_calendar_source_shows_visible_activities_only(
    meeting, external, phu_tho_user, outsider, secretariat
):
    from dieuphoi.calendars.events import events_between

    start = local_today()
    end = start + datetime.timedelta(days=30)
    assert [
        e.uid
        for e in events_between(secretariat, start, end, kinds=["activities.activity"])
    ] == [meeting.uid]
    assert [
        e.uid
        for e in events_between(external, start, end, kinds=["activities.activity"])
    ] == [meeting.uid]
    assert events_between(phu_tho_user, start, end, kinds=["activities.activity"]) == []
    assert events_between(outsider, start, end, kinds=["activities.activity"]) == []
    cancelled = services.activity_cancel(
        actor=secretariat, activity=meeting, version=meeting.version, reason="Hoãn"
    )
    events = events_between(secretariat, start, end, kinds=["activities.activity"])
    assert events[0].status == "CANCELLED" and events[0].sequence == cancelled.sequence


# --- the day -------------------------------------------------------------------------


def test_attendance_before_the_start_is_refused(meeting, secretariat, other_team):
    invitee = meeting.invitees.get(body=other_team)
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=secretariat, activity=meeting, version=meeting.version,
            rows=[{"invitee": invitee.pk, "attended": "yes", "attendee_name": "A"}],
        )  # fmt: skip
    assert "attendance" in exc.value.message_dict
    assert writes() == before


def held(meeting, secretariat, other_team):
    invitee = meeting.invitees.get(body=other_team)
    return services.attendance_record(
        actor=secretariat, activity=meeting, version=meeting.version,
        rows=[{"invitee": invitee.pk, "attended": "yes", "attendee_name": "Nguyễn Thị Mai",
               "on_behalf_of": "TĐP Bắc Ninh"}],
        now=meeting.starts_at + datetime.timedelta(minutes=5),
    )  # fmt: skip


def test_attendance_on_the_day_makes_it_held(
    meeting, secretariat, other_team, external
):
    activity = held(meeting, secretariat, other_team)
    assert activity.state == Activity.State.HELD
    invitee = activity.invitees.get(body=other_team)
    assert (invitee.attended, invitee.attendee_name) == ("yes", "Nguyễn Thị Mai")
    with pytest.raises(PermissionDenied):
        services.minutes_save(
            actor=external, activity=activity, version=None, minutes="x"
        )
    saved = services.minutes_save(
        actor=secretariat,
        activity=activity,
        version=activity.version,
        minutes="Biên bản",
    )
    assert saved.minutes == "Biên bản"


# --- conclusions -----------------------------------------------------------------------


def test_a_conclusion_becomes_tasks_once_with_the_source_link(
    meeting, secretariat, other_team, member_agency
):
    activity = held(meeting, secretariat, other_team)
    conclusion = services.conclusion_add(
        actor=secretariat, activity=activity,
        text="Rà soát tiến độ giải phóng mặt bằng đoạn giáp ranh",
        lead_agency=member_agency, cooperating_bodies=[other_team],
        deadline=local_today() + datetime.timedelta(days=30),
    )  # fmt: skip
    conclusion.activity = activity
    tasks = services.conclusion_convert(actor=secretariat, conclusion=conclusion)
    assert len(tasks) == 1
    task = Task.objects.get(pk=tasks[0].pk)
    assert task.body_id == activity.body_id and task.lead_agency == member_agency
    assert task.source_type == ContentType.objects.get_for_model(Conclusion)
    assert task.source_id == conclusion.pk
    assert task.deadline == conclusion.deadline
    assert list(task.parts.values_list("body_id", flat=True)) == [other_team.pk]
    from dieuphoi.tasks.sources import source_link

    link = source_link(task, secretariat)
    assert link and link["url"].endswith(f"#conclusion-{conclusion.pk}")
    # Twice: a clear error, nothing written.
    conclusion.refresh_from_db()
    conclusion.activity = activity
    before, count = writes(), Task.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.conclusion_convert(actor=secretariat, conclusion=conclusion)
    assert "conclusion" in exc.value.message_dict
    assert writes() == before and Task.objects.count() == count


def test_a_conclusion_into_two_tasks_in_one_step(
    meeting, secretariat, other_team, member_agency, standing_agency
):
    activity = held(meeting, secretariat, other_team)
    conclusion = services.conclusion_add(
        actor=secretariat, activity=activity, text="Hai việc"
    )
    conclusion.activity = activity
    deadline = local_today() + datetime.timedelta(days=20)
    tasks = services.conclusion_convert(
        actor=secretariat, conclusion=conclusion,
        tasks=[services.TaskInput("Việc một", member_agency, deadline=deadline),
               services.TaskInput("Việc hai", standing_agency, ({"body": other_team},), deadline)],
    )  # fmt: skip
    assert len(tasks) == 2


def test_conversion_without_a_lead_agency_writes_nothing(
    meeting, secretariat, other_team
):
    activity = held(meeting, secretariat, other_team)
    conclusion = services.conclusion_add(
        actor=secretariat, activity=activity, text="Không có chủ trì"
    )
    conclusion.activity = activity
    before, count = writes(), Task.objects.count()
    with pytest.raises(ValidationError):
        services.conclusion_convert(actor=secretariat, conclusion=conclusion)
    assert writes() == before and Task.objects.count() == count
    assert Conclusion.objects.get(pk=conclusion.pk).converted_at is None


def _paper_text(paper) -> str:
    import io

    from docx import Document as Docx

    from dieuphoi.paperwork.render_docx import render_docx  # noqa: F401

    files = {a.content_type: a for a in paper.document.attachments.all()}
    word = Docx(io.BytesIO(files[next(k for k in files if "word" in k)].file.read()))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_giay_moi_holds_time_place_agenda_participants_and_deadline(
    meeting, secretariat, leader
):
    paper = issue_invitation(meeting, secretariat, leader)
    text = _paper_text(paper)
    assert "GIẤY MỜI" in text
    assert meeting.place in text
    assert "Báo cáo tình hình" in text  # the agenda
    assert "Tổ điều phối vùng tỉnh Bắc Ninh" in text  # a participant
    assert meeting.response_deadline.strftime("%d/%m/%Y") in text
    assert (
        timezone.localtime(meeting.starts_at, services.LOCAL).strftime("%H:%M") in text
    )


def test_the_thong_bao_ket_luan_from_the_conclusions(
    meeting, secretariat, leader, other_team, member_agency
):
    from dieuphoi.paperwork import services as paper_services

    activity = held(meeting, secretariat, other_team)
    before = writes()
    with pytest.raises(ValidationError):
        services.conclusions_notice_create(actor=secretariat, activity=activity)
    assert writes() == before
    services.conclusion_add(
        actor=secretariat, activity=activity, text="Sở Xây dựng tổng hợp các điểm kết nối",
        lead_agency=member_agency,
    )  # fmt: skip
    paper = services.conclusions_notice_create(actor=secretariat, activity=activity)
    assert paper.kind.key == "thong-bao" and paper.producer == "activities.conclusions"
    paper = paper_services.paper_submit(
        actor=secretariat, paper=paper, version=paper.version
    )
    paper = paper_services.paper_approve(
        actor=leader, paper=paper, version=paper.version
    )
    paper = paper_services.paper_issue(actor=secretariat, paper_id=paper.pk)
    text = _paper_text(paper)
    assert "THÔNG BÁO" in text
    assert "Sở Xây dựng tổng hợp các điểm kết nối" in text
    assert "Đơn vị chủ trì: Sở Xây dựng" in text


# --- reminders ---------------------------------------------------------------------------


def test_pending_invitees_are_reminded_once(
    meeting, secretariat, leader, external, settings
):
    settings.REMINDER_BEFORE_DAYS = (1,)
    issue_invitation(meeting, secretariat, leader)
    services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    )
    assert urging.SOURCE in [s.key for s in obligations.obligation_sources()]
    deadline = Activity.objects.get(pk=meeting.pk).response_deadline
    day = calendar.due_working_day(deadline)
    obligations.run_day(day)
    obligations.run_day(day)
    reminded = list(
        Notification.objects.filter(kind="obligation_reminder").values_list(
            "recipient__username", flat=True
        )
    )
    assert reminded.count("external") == 1
    # Once answered, the next rung finds nothing for that invitee.
    activity = Activity.objects.get(pk=meeting.pk)
    answered = invitee_of(
        activity, body__isnull=False, body__key="to-dieu-phoi-bac-ninh"
    )
    services.response_record(actor=external, invitee=answered, response="attend")
    due = urging.responses_due(day, day)
    assert answered.pk not in [o.pk for o in due]


def test_an_invitee_nobody_can_be_e_mailed_for_is_listed(
    meeting, secretariat, leader, external, hung_yen_user
):
    hung_yen_user.email = ""
    hung_yen_user.save()
    external.email = "external@example.org"
    external.save()
    issue_invitation(meeting, secretariat, leader)
    result = services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    )
    assert result.unreachable == ["TĐP Hưng Yên"]
    assert not any("Bắc Ninh" in name for name in result.unreachable)
    event = AuditEvent.objects.filter(action="activities.invitation_send").get()
    assert "TĐP Hưng Yên" in str(event.changes["unreachable"])
