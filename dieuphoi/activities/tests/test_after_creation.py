"""After creation: the agenda edited item by item (with documents), invitees
added and removed (a late invitee gets the invitation at once), matters
linked and unlinked — services, pages (outsider, external user) and API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dieuphoi.activities import notices, services
from dieuphoi.activities.models import Activity, AgendaItem, Invitee
from dieuphoi.audit.models import AuditEvent
from dieuphoi.notifications.models import Notification
from dieuphoi.org.tests.factories import UnitFactory

from .conftest import at, issue_invitation
from .test_api import Api

pytestmark = pytest.mark.django_db
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def writes() -> int:
    return AuditEvent.objects.writes().count()


def _agenda(activity) -> list[tuple[int, str, str]]:
    return list(
        activity.agenda.order_by("order").values_list("order", "title", "presenter")
    )


@pytest.fixture
def matters(team, secretariat, phu_tho):
    """A Hanoi matter (``own``) and another team's (``hidden``)."""
    from dieuphoi.matters.models import Matter
    from dieuphoi.matters.services import matter_create

    unit = UnitFactory(
        key="ha-noi", name="TP. Hà Nội", valid_from=datetime.date(2008, 8, 1)
    )
    own = matter_create(actor=secretariat, body=team, title="Vành đai 4 (thử)",
                        raised_on=datetime.date(2025, 8, 1), provinces=[unit], raised_by_body=team)  # fmt: skip
    hidden = Matter.objects.create(body=phu_tho, title="Vấn đề của tỉnh khác (thử)",
                                   code="VD-X-1", year=2025, raised_on=datetime.date(2025, 8, 1), raised_by_body=phu_tho)  # fmt: skip
    return {"own": own, "hidden": hidden}


# --- agenda: services --------------------------------------------------------------


def test_agenda_items_are_added_edited_moved_and_removed_with_audit(
    meeting, secretariat
):
    before = writes()
    b = services.agenda_item_add(actor=secretariat, activity=meeting, title="Ý kiến các tỉnh",
                                 presenter="Các Tổ điều phối")  # fmt: skip
    c = services.agenda_item_add(actor=secretariat, activity=meeting, title="Kết luận")
    assert _agenda(meeting) == [
        (1, "Báo cáo tình hình", "Thường trực Tổ"),
        (2, "Ý kiến các tỉnh", "Các Tổ điều phối"),
        (3, "Kết luận", ""),
    ]
    services.agenda_item_update(actor=secretariat, item=c, title="Kết luận hội nghị",
                                presenter="Tổ trưởng")  # fmt: skip
    services.agenda_item_move(actor=secretariat, item=c, direction="up")
    assert [t for _o, t, _p in _agenda(meeting)] == [
        "Báo cáo tình hình", "Kết luận hội nghị", "Ý kiến các tỉnh",
    ]  # fmt: skip
    services.agenda_item_remove(actor=secretariat, item=b)
    assert _agenda(meeting) == [
        (1, "Báo cáo tình hình", "Thường trực Tổ"),
        (2, "Kết luận hội nghị", "Tổ trưởng"),
    ]
    actions = list(
        AuditEvent.objects.filter(
            target_id=str(meeting.pk), action__startswith="activities."
        )
        .order_by("id")
        .values_list("action", flat=True)
    )[-5:]
    assert actions == [
        "activities.agenda_add", "activities.agenda_add", "activities.agenda_update",
        "activities.agenda_move", "activities.agenda_remove",
    ]  # fmt: skip
    assert writes() == before + 5


@pytest.mark.parametrize(
    "call, field",
    [
        (
            lambda s, a, i: services.agenda_item_add(actor=s, activity=a, title="  "),
            "title",
        ),
        (
            lambda s, a, i: services.agenda_item_add(
                actor=s, activity=a, title="x" * 501
            ),
            "title",
        ),
        (
            lambda s, a, i: services.agenda_item_update(actor=s, item=i, title=""),
            "title",
        ),
        (
            lambda s, a, i: services.agenda_item_update(
                actor=s, item=i, title="A", presenter="p" * 301
            ),
            "presenter",
        ),
        (
            lambda s, a, i: services.agenda_item_move(actor=s, item=i, direction="up"),
            "direction",
        ),
        (
            lambda s, a, i: services.agenda_item_move(actor=s, item=i, direction="x"),
            "direction",
        ),
    ],
)
def test_bad_agenda_input_writes_nothing(meeting, secretariat, call, field):
    item = meeting.agenda.get()
    item.activity = meeting
    before, agenda = writes(), _agenda(meeting)
    with pytest.raises(ValidationError) as exc:
        call(secretariat, meeting, item)
    assert field in exc.value.message_dict
    assert writes() == before and _agenda(meeting) == agenda


def test_agenda_changes_refused_to_viewers_and_after_the_activity(
    meeting, member, external, secretariat
):
    item = meeting.agenda.get()
    item.activity = meeting
    for user in (member, external):
        with pytest.raises(PermissionDenied):
            services.agenda_item_add(actor=user, activity=meeting, title="X")
        with pytest.raises(PermissionDenied):
            services.agenda_item_remove(actor=user, item=item)
    Activity.objects.filter(pk=meeting.pk).update(state=Activity.State.HELD)
    meeting.refresh_from_db()
    item.activity = meeting
    with pytest.raises(ValidationError):
        services.agenda_item_update(actor=secretariat, item=item, title="Y")
    assert meeting.agenda.get().title == "Báo cáo tình hình"


def test_a_changed_agenda_after_the_invitation_does_not_bump_the_sequence(
    meeting, secretariat, leader
):
    issue_invitation(meeting, secretariat, leader)
    services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    )
    meeting.refresh_from_db()
    sequence, changed = (
        meeting.sequence,
        Notification.objects.filter(kind=notices.CHANGED).count(),
    )
    item = services.agenda_item_add(
        actor=secretariat, activity=meeting, title="Mục mới"
    )
    services.agenda_item_move(actor=secretariat, item=item, direction="up")
    meeting.refresh_from_db()
    assert meeting.sequence == sequence
    assert Notification.objects.filter(kind=notices.CHANGED).count() == changed
    # A new title does.
    services.activity_update(actor=secretariat, activity=meeting, version=meeting.version,
                             title="Hội nghị (đổi tên)")  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.sequence == sequence + 1


def test_an_item_with_documents_is_not_removed(meeting, secretariat):
    from dieuphoi.docs.services import attachment_add

    item = meeting.agenda.get()
    item.activity = meeting
    attachment_add(actor=secretariat, target=item,
                   uploaded_file=SimpleUploadedFile("bao-cao.pdf", PDF, "application/pdf"))  # fmt: skip
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_remove(actor=secretariat, item=item)
    assert "agenda_item" in exc.value.message_dict
    assert writes() == before and meeting.agenda.count() == 1


def test_the_edit_form_keeps_the_agenda_and_the_invited_persons(
    login, meeting, secretariat, hung_yen_user
):
    services.invitee_add(
        actor=secretariat, activity=meeting, party={"person": hung_yen_user}
    )
    url = reverse("activities:edit", args=[meeting.pk])
    page = login(secretariat).get(url)
    assert b'id="activity-form-agenda"' in page.content
    assert "Báo cáo tình hình".encode() in page.content
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["start_date"] = data["start_date"].strftime("%d/%m/%Y")
    data["response_deadline"] = data["response_deadline"].strftime("%d/%m/%Y")
    data["start_time"] = data["start_time"].strftime("%H:%M")
    data["end_time"] = data["end_time"].strftime("%H:%M")
    data["place"] = "Phòng họp tầng 5"
    response = login(secretariat).post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert _agenda(meeting) == [(1, "Báo cáo tình hình", "Thường trực Tổ")]
    assert meeting.invitees.filter(person=hung_yen_user).exists()


# --- agenda: pages -----------------------------------------------------------------


def test_agenda_pages_htmx_and_plain(
    login, meeting, secretariat, outsider, external, member
):
    add = reverse("activities:agenda-add", args=[meeting.pk])
    for user, status in ((outsider, 404), (external, 403), (member, 403)):
        assert login(user).post(add, {"title": "X"}).status_code == status
    assert meeting.agenda.count() == 1
    client = login(secretariat)
    response = client.post(add, {"title": "Thảo luận", "presenter": "Các tỉnh"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200
    assert b'id="agenda"' in response.content and b"<html" not in response.content
    assert "Thảo luận".encode() in response.content
    item = meeting.agenda.get(title="Thảo luận")
    # Without JavaScript: back to the page.
    move = reverse("activities:agenda-move", args=[meeting.pk, item.pk])
    assert client.post(move, {"direction": "up"}).status_code == 302
    assert _agenda(meeting)[0][1] == "Thảo luận"
    # A bad input comes back with the field's error, nothing written.
    before = writes()
    response = client.post(add, {"title": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"is-invalid" in response.content
    response = client.post(add, {"title": ""})
    assert response.status_code == 422
    edit = reverse("activities:agenda-edit", args=[meeting.pk, item.pk])
    assert client.post(edit, {"title": ""}).status_code == 422
    assert writes() == before
    assert (
        client.post(edit, {"title": "Thảo luận chung", "presenter": ""}).status_code
        == 302
    )
    assert meeting.agenda.get(pk=item.pk).title == "Thảo luận chung"
    # A document on the item, then the item refuses removal.
    upload = reverse("activities:agenda-upload", args=[meeting.pk, item.pk])
    f = SimpleUploadedFile("tai-lieu.pdf", PDF, "application/pdf")
    response = client.post(upload, {"file": f}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"tai-lieu.pdf" in response.content
    page = client.get(reverse("activities:detail", args=[meeting.pk]))
    assert f'id="agenda-docs-{item.pk}"'.encode() in page.content
    remove = reverse("activities:agenda-remove", args=[meeting.pk, item.pk])
    assert client.post(remove).status_code == 422
    other = meeting.agenda.exclude(pk=item.pk).get()
    assert (
        client.post(
            reverse("activities:agenda-remove", args=[meeting.pk, other.pk])
        ).status_code
        == 302
    )
    assert _agenda(meeting) == [(1, "Thảo luận chung", "")]
    # An item under another activity's id: 404.
    assert client.post(reverse("activities:agenda-move", args=[meeting.pk + 999, item.pk]),
                       {"direction": "up"}).status_code == 404  # fmt: skip


# --- invitees ----------------------------------------------------------------------


def test_an_invitee_added_after_the_invitation_gets_it_at_once(
    meeting, secretariat, leader, phu_tho, phu_tho_user
):
    issue_invitation(meeting, secretariat, leader)
    services.invitation_send(
        actor=secretariat, activity=meeting, version=meeting.version
    )
    meeting.refresh_from_db()
    invitee = services.invitee_add(actor=secretariat, activity=meeting, party=phu_tho)
    assert invitee.notified == 1 and invitee.unreachable == []
    assert (
        Notification.objects.filter(
            kind=notices.INVITED, recipient=phu_tho_user
        ).count()
        == 1
    )
    event = AuditEvent.objects.filter(action="activities.invitee_add").get()
    assert event.changes["notified"] == 1
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_an_invitee_added_before_the_invitation_is_not_told_yet(
    meeting, secretariat, phu_tho, phu_tho_user
):
    invitee = services.invitee_add(actor=secretariat, activity=meeting, party=phu_tho)
    assert invitee.body == phu_tho
    assert not Notification.objects.filter(recipient=phu_tho_user).exists()


def test_bad_invitees_are_refused_and_write_nothing(
    meeting, secretariat, other_team, outsider, external
):
    from dieuphoi.org.tests.factories import BodyFactory

    gone = BodyFactory(
        key="to-cu",
        name="Tổ cũ",
        valid_from=datetime.date(2019, 1, 1),
        valid_to=datetime.date(2021, 1, 1),
    )
    before, count = writes(), meeting.invitees.count()
    for party in (other_team, gone, {"person": outsider}, None):
        with pytest.raises(ValidationError) as exc:
            services.invitee_add(actor=secretariat, activity=meeting, party=party)
        assert "invitees" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.invitee_add(actor=external, activity=meeting, party=gone)
    assert writes() == before and meeting.invitees.count() == count


def test_removing_one_who_answered_needs_confirmation(
    meeting, secretariat, external, other_team
):
    invitee = meeting.invitees.get(body=other_team)
    invitee.activity = meeting
    services.response_record(actor=external, invitee=invitee, response="attend")
    invitee.refresh_from_db()
    invitee.activity = meeting
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.invitee_remove(actor=secretariat, invitee=invitee)
    assert "confirm" in exc.value.message_dict
    assert writes() == before and Invitee.objects.filter(pk=invitee.pk).exists()
    services.invitee_remove(actor=secretariat, invitee=invitee, confirm=True)
    assert not Invitee.objects.filter(pk=invitee.pk).exists()
    event = AuditEvent.objects.filter(action="activities.invitee_remove").get()
    assert event.changes["invitee"] == str(other_team)


def test_invitee_pages(login, meeting, secretariat, outsider, external, member, phu_tho,
                       hung_yen, hung_yen_user):  # fmt: skip
    add = reverse("activities:invitee-add", args=[meeting.pk])
    for user, status in ((outsider, 404), (external, 403), (member, 403)):
        assert login(user).post(add, {"body": phu_tho.pk}).status_code == status
    client = login(secretariat)
    before = writes()
    # Two at once, or none: refused at the form.
    assert (
        client.post(add, {"body": phu_tho.pk, "person": hung_yen_user.pk}).status_code
        == 422
    )
    assert client.post(add, {}).status_code == 422
    assert writes() == before
    assert client.post(add, {"person": hung_yen_user.pk}).status_code == 302
    assert meeting.invitees.filter(person=hung_yen_user).exists()
    # Removing one who answered: the page asks first, then removes.
    invitee = meeting.invitees.get(body=hung_yen)
    invitee.activity = meeting
    services.response_record(actor=hung_yen_user, invitee=invitee, response="attend")
    remove = reverse("activities:invitee-remove", args=[meeting.pk, invitee.pk])
    for user, status in ((outsider, 404), (external, 403)):
        assert login(user).post(remove, {"confirm": "on"}).status_code == status
    response = login(secretariat).post(remove)
    assert (
        response.status_code == 409
        and b'id="invitee-remove-confirm"' in response.content
    )
    assert Invitee.objects.filter(pk=invitee.pk).exists()
    assert login(secretariat).post(remove, {"confirm": "on"}).status_code == 302
    assert not Invitee.objects.filter(pk=invitee.pk).exists()


def test_the_create_form_invites_persons(login, team, secretariat, hung_yen_user):
    day = at(10)
    response = login(secretariat).post(
        reverse("activities:create"),
        {"kind": "working_session", "title": "Làm việc với cá nhân", "start_date": day.strftime("%d/%m/%Y"),
         "start_time": "08:00", "end_time": "10:00", "place": "Phòng họp",
         "invited_persons": [hung_yen_user.pk]},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:3000]
    activity = Activity.objects.get(title="Làm việc với cá nhân")
    assert list(activity.invitees.values_list("person", flat=True)) == [
        hung_yen_user.pk
    ]


# --- matters -----------------------------------------------------------------------


def test_matters_are_linked_only_when_visible_and_unlinked_with_audit(
    meeting, secretariat, matters, external
):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.activity_matters_set(actor=secretariat, activity=meeting,
                                      add=[matters["hidden"].pk])  # fmt: skip
    assert "matter_ids" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.activity_matters_set(
            actor=external, activity=meeting, add=[matters["own"]]
        )
    assert writes() == before and not meeting.matters.exists()
    services.activity_matters_set(
        actor=secretariat, activity=meeting, add=[matters["own"]]
    )
    assert list(meeting.matters.all()) == [matters["own"]]
    services.activity_matters_set(
        actor=secretariat, activity=meeting, remove=[matters["own"].pk]
    )
    assert not meeting.matters.exists()
    assert AuditEvent.objects.filter(action="activities.matters").count() == 2


def test_matter_pages(login, meeting, secretariat, matters, outsider, external):
    link = reverse("activities:matter-link", args=[meeting.pk])
    for user, status in ((outsider, 404), (external, 403)):
        assert (
            login(user).post(link, {"matters": [matters["own"].pk]}).status_code
            == status
        )
    client = login(secretariat)
    before = writes()
    assert client.post(link, {"matters": [matters["hidden"].pk]}).status_code == 422
    assert writes() == before
    assert client.post(link, {"matters": [matters["own"].pk]}).status_code == 302
    page = client.get(reverse("activities:detail", args=[meeting.pk]))
    assert f'id="linked-matter-{matters["own"].pk}"'.encode() in page.content
    unlink = reverse("activities:matter-unlink", args=[meeting.pk, matters["own"].pk])
    assert login(external).post(unlink).status_code == 403
    assert login(secretariat).post(unlink).status_code == 302
    assert not meeting.matters.exists()


def test_api_matter_ids(client, meeting, secretariat, matters, external, outsider):
    api = Api(client, secretariat)
    url = f"/activities/{meeting.pk}"
    before = writes()
    response = api.patch(
        url, {"version": meeting.version, "matter_ids": [matters["hidden"].pk]}
    )
    assert response.status_code == 422
    assert "matter_ids" in str(response.json())
    assert writes() == before
    response = api.patch(
        url, {"version": meeting.version, "matter_ids": [matters["own"].pk]}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["matter_ids"] == [matters["own"].pk]
    # The external user sees the activity, not the Hanoi matter's id.
    assert Api(client, external).get(url).json()["matter_ids"] == []
    assert (
        Api(client, external).patch(url, {"version": 1, "matter_ids": []}).status_code
        == 403
    )
    assert (
        Api(client, outsider).patch(url, {"version": 1, "matter_ids": []}).status_code
        == 404
    )
    response = api.patch(url, {"version": 1, "matter_ids": []})
    assert response.status_code == 409
    meeting.refresh_from_db()
    response = api.patch(url, {"version": meeting.version, "matter_ids": []})
    assert response.status_code == 200 and response.json()["matter_ids"] == []
    # On creation; an unknown one: 422, nothing created.
    payload = {"kind": "working_session", "title": "Làm việc (API)", "starts_at": at(9).isoformat(),
               "ends_at": at(9, 11).isoformat(), "place": "Phòng họp"}  # fmt: skip
    count = Activity.objects.count()
    response = api.post(
        "/activities", {**payload, "matter_ids": [matters["hidden"].pk]}
    )
    assert response.status_code == 422 and "matter_ids" in str(response.json())
    assert Activity.objects.count() == count
    response = api.post("/activities", {**payload, "matter_ids": [matters["own"].pk]})
    assert response.status_code == 201 and response.json()["matter_ids"] == [
        matters["own"].pk
    ]


def test_agenda_item_is_an_attachment_target(meeting):
    assert AgendaItem.objects.filter(activity=meeting).count() == 1
