"""Activity pages: who sees what, the respond form, attendance, conclusions
to tasks, list query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from dieuphoi.activities.models import Activity, Invitee
from dieuphoi.audit.models import AuditEvent
from dieuphoi.tasks.models import Task

from .conftest import at
from .test_api import _many

pytestmark = pytest.mark.django_db


def _vi(text: str) -> str:
    """The page speaks Vietnamese (LANGUAGE_CODE)."""
    with translation.override("vi"):
        return gettext(text)


def test_pages_scoped_by_invitation(
    login, meeting, external, phu_tho_user, outsider, member
):
    url = reverse("activities:detail", args=[meeting.pk])
    assert login(outsider).get(url).status_code == 404
    assert login(phu_tho_user).get(url).status_code == 404
    page = login(external).get(url)
    assert page.status_code == 200
    assert b"respond-form-" in page.content  # their own invitee's form
    assert b'id="timeline"' not in page.content  # not the host's history
    page = login(member).get(url)
    assert page.status_code == 200 and b'id="timeline"' in page.content


def test_list_shows_only_visible(login, meeting, external, phu_tho_user):
    assert (
        meeting.title.encode()
        in login(external).get(reverse("activities:list")).content
    )
    assert (
        meeting.title.encode()
        not in login(phu_tho_user).get(reverse("activities:list")).content
    )


def test_respond_form(login, meeting, external, other_team, phu_tho_user):
    url = reverse("activities:respond", args=[meeting.pk])
    invitee = meeting.invitees.get(body=other_team)
    before = AuditEvent.objects.writes().count()
    r = login(external).post(url, {"invitee": invitee.pk, "response": "delegate"})
    assert r.status_code == 422
    with translation.override("vi"):
        assert gettext("Write the name of who will attend.") in r.content.decode()
    assert AuditEvent.objects.writes().count() == before
    r = login(external).post(
        url, {"invitee": invitee.pk, "response": "delegate", "delegate_name": "Trần Văn Bình",
              "delegate_position": "Phó phòng"},
    )  # fmt: skip
    assert r.status_code == 302
    assert Invitee.objects.get(pk=invitee.pk).response == "delegate"
    assert (
        login(phu_tho_user)
        .post(url, {"invitee": invitee.pk, "response": "attend"})
        .status_code
        == 404
    )


def test_create_page(login, team, secretariat, other_team, member_agency):
    r = login(secretariat).post(
        reverse("activities:create"),
        {"kind": "joint_meeting", "title": "Hội nghị", "start_date": "10/03/2031",
         "start_time": "08:30", "end_time": "07:00", "place": "Phòng họp"},
    )  # fmt: skip
    assert (
        r.status_code == 200
        and _vi("The end must be after the start.") in r.content.decode()
    )
    r = login(secretariat).post(
        reverse("activities:create"),
        {"kind": "joint_meeting", "title": "Hội nghị", "start_date": "10/03/2031",
         "start_time": "08:30", "end_time": "11:00", "place": "Phòng họp",
         "invited_bodies": [other_team.pk], "invited_agencies": [member_agency.pk],
         "agenda": "Báo cáo | Sở Xây dựng\nThảo luận"},
    )  # fmt: skip
    assert r.status_code == 302
    activity = Activity.objects.get(title="Hội nghị")
    assert activity.starts_at == datetime.datetime(
        2031, 3, 10, 1, 30, tzinfo=datetime.UTC
    )
    assert activity.agenda.count() == 2 and activity.invitees.count() == 2


def test_edit_conflict(login, meeting, secretariat):
    r = login(secretariat).post(
        reverse("activities:edit", args=[meeting.pk]),
        {"kind": "joint_meeting", "title": "Khác", "start_date": "10/03/2031",
         "start_time": "08:30", "end_time": "11:00", "place": "Phòng họp", "version": 99},
    )  # fmt: skip
    assert r.status_code == 409 and b"activity-conflict" in r.content


def test_attendance_conclusion_and_tasks_from_the_page(
    login, meeting, secretariat, other_team, member_agency
):
    Activity.objects.filter(pk=meeting.pk).update(starts_at=at(-1), ends_at=at(-1, 11),
                                                   response_deadline=at(-3).date())  # fmt: skip
    meeting.refresh_from_db()
    client = login(secretariat)
    invitee = meeting.invitees.get(body=other_team)
    others = list(meeting.invitees.exclude(pk=invitee.pk))
    data = {"version": meeting.version, f"att-{invitee.pk}-attended": "yes",
            f"att-{invitee.pk}-name": "Nguyễn Thị Mai", f"att-{invitee.pk}-behalf": "TĐP Bắc Ninh"}  # fmt: skip
    for other in others:
        data[f"att-{other.pk}-attended"] = "no"
    r = client.post(reverse("activities:attendance", args=[meeting.pk]), data)
    assert r.status_code == 302
    assert Activity.objects.get(pk=meeting.pk).state == "held"
    deadline = (datetime.date.today() + datetime.timedelta(days=30)).strftime(
        "%d/%m/%Y"
    )
    r = client.post(reverse("activities:conclusion-add", args=[meeting.pk]),
                    {"text": "Rà soát", "lead_agency": member_agency.pk, "deadline": deadline,
                     "cooperating_bodies": [other_team.pk]})  # fmt: skip
    assert r.status_code == 302
    conclusion = meeting.conclusions.get()
    page = client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert f'id="convert-form-{conclusion.pk}"' in page
    prefix = f"c{conclusion.pk}-"
    r = client.post(reverse("activities:convert", args=[meeting.pk, conclusion.pk]),
                    {prefix + "text": "Rà soát", prefix + "lead_agency": member_agency.pk,
                     prefix + "deadline": deadline, prefix + "cooperating_bodies": [other_team.pk]})  # fmt: skip
    assert r.status_code == 302
    assert Task.objects.filter(source_id=conclusion.pk).count() == 1


@pytest.mark.parametrize("n", [5, 50])
def test_list_page_queries(
    login, team, secretariat, other_team, n, django_assert_max_num_queries
):
    _many(team, secretariat, other_team, n)
    client = login(secretariat)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("activities:list"))
    assert r.status_code == 200
    assert r.content.decode().count('id="activity-row-') == min(n, 25)


def test_seed_is_idempotent(db):
    from dieuphoi.activities.seed import MEETING, seed_all
    from dieuphoi.org.seed import seed_all as org_seed

    org_seed()
    from dieuphoi.paperwork.seed import seed_all as paper_seed

    paper_seed()
    first = seed_all()
    assert len(first) == 2
    assert seed_all() == []
    meeting = Activity.objects.get(title=MEETING)
    assert meeting.state == "held"
    assert meeting.conclusions.filter(converted_at__isnull=False).count() == 2
    assert meeting.conclusions_paper.kind.key == "thong-bao"
    assert meeting.invitation_paper.kind.key == "giay-moi"
