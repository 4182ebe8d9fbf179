"""The inspection pages: who sees what (404 for who may not see, 403 for
who may not change), the list's filters and load more with a fixed number
of queries, the detail with its figures, the HTMX finding form, the
convert buttons, the edit conflict, the conclusion."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.inspections import services
from dieuphoi.inspections.models import Finding, Inspection
from dieuphoi.tasks.models import Task

from .conftest import DAY, add_finding, make_inspection

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_shows_the_body_and_hides_from_outsiders(
    login, inspection, findings, member, external, outsider, leadership_viewer
):
    for user in (member, leadership_viewer):
        response = login(user).get(url("list"))
        assert response.status_code == 200
        assert inspection.title in response.content.decode()
    for user in (external, outsider):
        response = login(user).get(url("list"))
        assert response.status_code == 200
        body = response.content.decode()
        assert inspection.title not in body
        assert 'id="inspection-rows-empty"' in body


def test_list_filters_and_bad_filter(
    login, team, secretariat, inspection, member_agency, transport_agency
):
    other = make_inspection(
        team,
        secretariat,
        [transport_agency],
        kind=Inspection.Kind.SUPERVISION,
        title="Giám sát khác",
    )
    client = login(secretariat)
    body = client.get(url("list"), {"kind": "supervision"}).content.decode()
    assert other.title in body and inspection.title not in body
    body = client.get(url("list"), {"agency": member_agency.pk}).content.decode()
    assert inspection.title in body and other.title not in body
    body = client.get(url("list"), {"state": "planned"}).content.decode()
    assert other.title in body and inspection.title not in body
    body = client.get(url("list"), {"year": "1999"}).content.decode()
    assert "inspection-rows-empty" in body
    response = client.get(url("list"), {"year": "abc", "kind": "x"})
    assert response.status_code == 200
    assert 'id="inspection-filter-errors"' in response.content.decode()


def _many(team, actor, agency, n, start=0):
    for i in range(start, start + n):
        ins = make_inspection(
            team, actor, [agency], code=f"T-{i:03d}", title=f"Kiểm tra số {i}"
        )
        Inspection.objects.filter(pk=ins.pk).update(state=Inspection.State.IN_PROGRESS)
        ins.refresh_from_db()
        f = add_finding(ins, actor, agency)
        services.finding_convert(actor=actor, finding=f)


def test_list_keeps_a_fixed_number_of_queries_and_loads_more(
    login, team, secretariat, member_agency
):
    client = login(secretariat)
    _many(team, secretariat, member_agency, 5)
    client.get(url("list"))
    few = _queries(client, url("list"))
    _many(team, secretariat, member_agency, 50, start=5)
    many = _queries(client, url("list"))
    assert few == many
    assert many <= 12
    response = client.get(url("list"))
    body = response.content.decode()
    assert body.count('id="inspection-row-') == 50
    assert 'id="inspection-rows-more"' in body
    more = response.context["more_url"]
    rest = client.get(more, **HTMX).content.decode()
    assert rest.count('id="inspection-row-') == 5
    assert "<html" not in rest


def test_detail_for_each_role(
    login,
    inspection,
    findings,
    member,
    external,
    outsider,
    council_focal,
    secretariat,
    leadership_viewer,
):
    for user in (secretariat, member, leadership_viewer, council_focal):
        response = login(user).get(url("detail", inspection.pk))
        assert response.status_code == 200, user
        assert findings[0].description in response.content.decode()
    # The managers get the forms, the others read only.
    body = login(secretariat).get(url("detail", inspection.pk)).content.decode()
    assert 'id="finding-add-form"' in body and 'id="convert-all"' in body
    for user in (member, council_focal):
        body = login(user).get(url("detail", inspection.pk)).content.decode()
        assert 'id="finding-add-form"' not in body
        assert f'id="finding-convert-{findings[0].pk}"' not in body
    # The focal point from another body does not see the history.
    assert (
        'id="timeline"'
        not in login(council_focal).get(url("detail", inspection.pk)).content.decode()
    )
    for user in (external, outsider):
        assert login(user).get(url("detail", inspection.pk)).status_code == 404
    assert login(secretariat).get(url("detail", 987654)).status_code == 404


def test_focal_point_of_an_agency_not_inspected_sees_nothing(
    login, team, secretariat, member_agency, council_focal
):
    only_sxd = make_inspection(team, secretariat, [member_agency])
    assert login(council_focal).get(url("detail", only_sxd.pk)).status_code == 404
    body = login(council_focal).get(url("list")).content.decode()
    assert only_sxd.title not in body


def test_writes_refused_to_readers(
    login, inspection, findings, member, external, outsider
):
    before = AuditEvent.objects.writes().count()
    for user, status in ((member, 403), (external, 404), (outsider, 404)):
        client = login(user)
        assert client.get(url("edit", inspection.pk)).status_code == status
        assert (
            client.post(
                url("finding-add", inspection.pk), {"description": "x"}
            ).status_code
            == status
        )
        assert (
            client.post(
                url("finding-convert", inspection.pk, findings[0].pk)
            ).status_code
            == status
        )
        assert client.post(url("convert-all", inspection.pk)).status_code == status
        assert (
            client.post(
                url("transition", inspection.pk), {"action": "record"}
            ).status_code
            == status
        )
        assert client.post(url("conclusion", inspection.pk)).status_code == status
    assert AuditEvent.objects.writes().count() == before
    assert not Task.objects.exists()
    assert login(outsider).get(url("create")).status_code == 403


def test_detail_keeps_a_fixed_number_of_queries(
    login, inspection, secretariat, member_agency
):
    client = login(secretariat)
    for _ in range(3):
        f = add_finding(inspection, secretariat, member_agency)
        services.finding_convert(actor=secretariat, finding=f)
    client.get(url("detail", inspection.pk))
    few = _queries(client, url("detail", inspection.pk))
    for _ in range(20):
        f = add_finding(inspection, secretariat, member_agency)
        services.finding_convert(actor=secretariat, finding=f)
    assert _queries(client, url("detail", inspection.pk)) == few


def test_add_finding_with_htmx_and_evidence(
    login, inspection, secretariat, member_agency
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
    client = login(secretariat)
    response = client.post(
        url("finding-add", inspection.pk),
        {
            "severity": "serious",
            "description": "Sai phạm nghiêm trọng (thử)",
            "recommendation": "Khắc phục ngay",
            "agency": member_agency.pk,
            "deadline": (local_today() + 10 * DAY).strftime("%d/%m/%Y"),
            "files": SimpleUploadedFile("Bien ban.pdf", pdf),
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="finding-added"' in body and "Bien ban.pdf" in body
    assert "<html" not in body
    finding = Finding.objects.get()
    assert finding.severity == "serious"


def test_add_finding_errors_come_back_at_the_field(
    login, inspection, secretariat, standing_agency
):
    client = login(secretariat)
    before = AuditEvent.objects.writes().count()
    response = client.post(
        url("finding-add", inspection.pk),
        {"severity": "low", "description": "", "agency": standing_agency.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert (
        'id="id_description_error"' in response.content.decode()
        or "is-invalid" in response.content.decode()
    )
    assert not Finding.objects.exists()
    assert AuditEvent.objects.writes().count() == before


def test_convert_one_then_twice(login, inspection, findings, secretariat):
    client = login(secretariat)
    response = client.post(
        url("finding-convert", inspection.pk, findings[0].pk), **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="convert-done"' in body
    task = Task.objects.get()
    assert f'id="finding-task-{findings[0].pk}"' in body and task.code in body
    response = client.post(
        url("finding-convert", inspection.pk, findings[0].pk), **HTMX
    )
    assert 'id="convert-error"' in response.content.decode()
    assert Task.objects.count() == 1


def test_convert_all_button_refuses_when_one_cannot(
    login, inspection, findings, secretariat
):
    client = login(secretariat)
    response = client.post(url("convert-all", inspection.pk))
    assert response.status_code == 422
    assert 'id="convert-error"' in response.content.decode()
    assert not Task.objects.exists()
    Finding.objects.filter(pk=findings[2].pk).delete()
    response = client.post(url("convert-all", inspection.pk))
    assert response.status_code == 302
    assert Task.objects.count() == 2


def test_figures_link_to_their_tasks(login, inspection, findings, secretariat):
    services.finding_convert(actor=secretariat, finding=findings[0])
    task = Task.objects.get()
    Task.objects.filter(pk=task.pk).update(
        assigned_on=local_today() - 40 * DAY, deadline=local_today() - 20 * DAY
    )
    client = login(secretariat)
    body = client.get(url("detail", inspection.pk)).content.decode()
    assert "bucket=overdue#followup" in body
    response = client.get(url("detail", inspection.pk), {"bucket": "overdue"})
    assert f'id="followup-task-{task.pk}"' in response.content.decode()
    response = client.get(url("detail", inspection.pk), {"bucket": "completed_on_time"})
    assert f'id="followup-task-{task.pk}"' not in response.content.decode()
    # The list's row links the same way.
    body = client.get(url("list")).content.decode()
    assert f"/inspections/{inspection.pk}/?bucket=overdue#followup" in body


def test_create_and_edit_conflict_keeps_input(
    login, team, secretariat, deputy, member_agency
):
    client = login(secretariat)
    response = client.get(url("create"))
    assert response.status_code == 200
    data = {
        "body": team.pk,
        "kind": "inspection",
        "code": "",
        "title": "Kiểm tra mới",
        "planned_on": local_today().strftime("%d/%m/%Y"),
        "subject_agencies": [member_agency.pk],
        "period_from": "01/03/2026",
        "period_to": "01/02/2026",
    }
    response = client.post(url("create"), data)
    assert response.status_code == 422
    assert not Inspection.objects.exists()
    data["period_to"] = "31/03/2026"
    response = client.post(url("create"), data)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    edit = client.get(url("edit", inspection.pk))
    assert edit.status_code == 200
    services.inspection_update(
        actor=deputy,
        inspection=inspection,
        version=inspection.version,
        place="Nơi khác",
    )
    post = {**data, "title": "Tiêu đề của tôi", "version": inspection.version}
    post.pop("body")
    response = client.post(url("edit", inspection.pk), post)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'id="inspection-conflict"' in body and "Tiêu đề của tôi" in body
    assert Inspection.objects.get().title == "Kiểm tra mới"


def test_transition_and_conclusion_buttons(
    login, inspection, findings, secretariat, paper_setup
):
    client = login(secretariat)
    response = client.post(
        url("transition", inspection.pk),
        {"action": "record", "version": inspection.version},
    )
    assert response.status_code == 302
    assert Inspection.objects.get().state == Inspection.State.FINDINGS
    response = client.post(url("conclusion", inspection.pk))
    assert response.status_code == 302
    paper = Inspection.objects.get().conclusion_paper
    assert response["Location"] == reverse("paperwork:detail", args=[paper.pk])
    body = client.get(url("detail", inspection.pk)).content.decode()
    assert reverse("paperwork:detail", args=[paper.pk]) in body
    response = client.post(url("conclusion", inspection.pk))
    assert response.status_code == 422


def test_source_shows_on_the_task_and_the_task_list(
    login, inspection, findings, secretariat
):
    task = services.finding_convert(actor=secretariat, finding=findings[0])
    client = login(secretariat)
    body = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert inspection.get_absolute_url() in body
    body = client.get(
        reverse("tasks:list"), {"source": f"inspections.finding:{findings[0].pk}"}
    ).content.decode()
    assert task.code in body


def test_calendar_shows_the_visit(
    inspection, member, external, django_assert_max_num_queries
):
    from dieuphoi.calendars.events import events_between

    today = local_today()
    start, end = today - 30 * DAY, today + DAY
    with django_assert_max_num_queries(4):
        events = list(events_between(member, start, end, kinds=["inspections.visit"]))
    assert [e.url for e in events] == [inspection.get_absolute_url()]
    assert events[0].uid.startswith(f"inspection-{inspection.pk}@")
    assert not events_between(external, start, end, kinds=["inspections.visit"])
    assert not events_between(
        member, today + DAY, today + 10 * DAY, kinds=["inspections.visit"]
    )
    assert isinstance(events[0].start, datetime.datetime)


def test_the_visit_in_an_ics_feed(inspection, member):
    import icalendar

    from dieuphoi.calendars.events import events_between
    from dieuphoi.calendars.ics import calendar_bytes

    today = local_today()
    events = events_between(
        member, today - 30 * DAY, today + DAY, kinds=["inspections.visit"]
    )
    parsed = icalendar.Calendar.from_ical(calendar_bytes(events))
    (vevent,) = parsed.walk("VEVENT")
    assert str(vevent["UID"]) == events[0].uid
    assert vevent.decoded("DTSTART") == inspection.visit_from
    assert vevent.decoded("DTEND") == inspection.visit_to
    assert str(vevent["LOCATION"]) == inspection.place
