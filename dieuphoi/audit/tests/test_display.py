import datetime
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from dieuphoi.audit import display, labels
from dieuphoi.audit.models import AuditEvent
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.audit.services import audit_record
from dieuphoi.docs.models import Document
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.org.tests.factories import AgencyFactory, UnitFactory
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.tests.factories import TaskFactory


def test_action_label_prefers_a_registered_label():
    labels.register_action_labels({"tests.frobnicate": "Frobnicated the widget"})
    assert labels.action_label("tests.frobnicate") == "Frobnicated the widget"


def test_action_label_falls_back_to_the_verb_then_the_code():
    with translation.override("en"):
        assert labels.action_label("docs.document_create") == "Created"
        assert labels.action_label("tasks.assign") == "Assigned"
    assert labels.action_label("tasks.zzz_frob") == "tasks.zzz_frob"


def test_format_value_shows_dates_as_dd_mm_yyyy():
    assert display.format_value("2025-03-05") == "05/03/2025"
    assert display.format_value("2025-03-04T18:30:00+00:00") == "05/03/2025 01:30"
    assert display.format_value(None) == display.EMPTY
    assert display.format_value({"id": 3, "repr": "Sở Xây dựng"}) == "Sở Xây dựng"
    assert display.format_value([1, "2025-01-02"]) == "1, 02/01/2025"
    with translation.override("en"):
        assert display.format_value(True) == "Yes"


def test_event_changes_use_field_labels_and_before_after(hanoi_team, admin_user):
    event = audit_record(
        actor=admin_user,
        action="org.body_update",
        target=hanoi_team,
        changes={
            "valid_to": {"before": None, "after": datetime.date(2025, 6, 30)},
            "note": "free text",
        },
    )
    with translation.override("en"):
        rows = display.event_changes(event)
    assert rows[0]["label"] == "Valid to"
    assert (rows[0]["before"], rows[0]["after"]) == (display.EMPTY, "30/06/2025")
    assert rows[0]["has_before"] is True
    assert rows[1] == {
        "field": "note",
        "label": "note",
        "before": "",
        "after": "free text",
        "has_before": False,
        "before_items": None,
        "after_items": None,
    }


def test_timeline_renders_events_escaped_with_dates(
    hanoi_team, admin_user, django_assert_num_queries
):
    for i in range(3):
        audit_record(
            actor=admin_user,
            action="org.body_update",
            target=hanoi_team,
            changes={"name": {"before": f"<i>old {i}</i>", "after": f"new {i}"}},
        )
    events = audit_timeline(target=hanoi_team)
    with django_assert_num_queries(0):
        html = render_to_string("components/timeline.html", {"events": events})
    assert html.count('class="timeline-item"') == 3
    assert "&lt;i&gt;old 0&lt;/i&gt;" in html
    assert "<i>old 0</i>" not in html
    assert (
        events[0]
        .created_at.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
        .strftime("%d/%m/%Y %H:%M")
        in html
    )
    assert admin_user.display_name in html


def test_timeline_says_when_there_is_nothing_yet():
    html = render_to_string("components/timeline.html", {"events": []})
    assert "timeline-item" not in html
    assert "<ol" not in html


def test_audit_events_are_read_only_in_the_admin(admin_user, hanoi_team):
    event = audit_record(actor=admin_user, action="org.body_update", target=hanoi_team)
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert model_admin.has_view_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_admin_audit_pages_render_and_refuse_edits(login, admin_user, hanoi_team):
    event = audit_record(actor=admin_user, action="org.body_update", target=hanoi_team)
    client = login(admin_user)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    response = client.post(
        f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def _task_events(actor, task, agencies, count):
    for i in range(count):
        audit_record(
            actor=actor,
            action="tasks.update",
            target=task,
            changes={
                "state": {"before": "new", "after": "in_progress"},
                "lead_agency": {"before": agencies[i % 2].pk, "after": agencies[1].pk},
                "cooperating": {
                    "before": None,
                    "after": [
                        {
                            "agency": agencies[0].pk,
                            "description": "Thẩm định",
                            "deadline": "2025-07-31",
                        },
                        {"agency": agencies[1].pk, "description": "", "deadline": None},
                    ],
                },
                "owner": {"before": None, "after": actor.pk},
                "provinces": {"before": [], "after": [agencies[2].pk]},
            },
        )
        audit_record(
            actor=actor,
            action="tasks.progress",
            target=task,
            changes={"reported_on": "2025-03-05", "percent": 40, "text": "ok"},
        )


@pytest.fixture
def task_setup(admin_user):
    task = TaskFactory()
    agencies = [
        AgencyFactory(name="Sở Xây dựng"),
        AgencyFactory(name="Sở Tài chính"),
        UnitFactory(name="Tỉnh Bắc Ninh"),
    ]
    admin_user.full_name = "Nguyễn Văn A"
    admin_user.save()
    return task, agencies


def test_task_timeline_shows_labels_names_and_dates(task_setup, admin_user):
    task, agencies = task_setup
    _task_events(admin_user, task, agencies, 1)
    with translation.override("en"):
        events = audit_timeline(target=task)
        progress, update = events
        rows = {row["field"]: row for row in display.event_changes(update)}
        notes = {row["field"]: row for row in display.event_changes(progress)}
        html = render_to_string("components/timeline.html", {"events": events})
    assert (rows["state"]["before"], rows["state"]["after"]) == ("New", "In progress")
    assert rows["lead_agency"]["before"] == "Sở Xây dựng"
    assert rows["lead_agency"]["after"] == "Sở Tài chính"
    assert rows["owner"]["after"] == "Nguyễn Văn A"
    assert rows["provinces"]["after"] == "Tỉnh Bắc Ninh"
    assert rows["cooperating"]["label"] == "Co-operating agencies"
    assert rows["cooperating"]["after_items"] == [
        "Sở Xây dựng (Thẩm định; due 31/07/2025)",
        "Sở Tài chính",
    ]
    assert notes["reported_on"]["label"] == "Reported on"
    assert notes["reported_on"]["after"] == "05/03/2025"
    assert notes["percent"]["label"] == "Percent complete"
    assert notes["text"]["label"] == "Progress report"
    assert "<li>Sở Xây dựng (Thẩm định; due 31/07/2025)</li>" in html
    assert "in_progress" not in html
    assert "agency:" not in html


@pytest.mark.parametrize("count", [5, 50])
def test_task_timeline_resolves_names_in_one_query(
    task_setup, admin_user, django_assert_num_queries, count
):
    task, agencies = task_setup
    _task_events(admin_user, task, agencies, count)
    # The events, then every name of every event (agencies, people, units).
    with django_assert_num_queries(2):
        events = audit_timeline(target=task)
    assert len(events) == 2 * count
    with django_assert_num_queries(0):
        html = render_to_string("components/timeline.html", {"events": events})
    assert html.count("Sở Tài chính") >= count


def test_timeline_without_foreign_keys_reads_no_names(
    admin_user, django_assert_num_queries
):
    task = TaskFactory()
    audit_record(
        actor=admin_user,
        action="tasks.progress",
        target=task,
        changes={"reported_on": "2025-03-05"},
    )
    with django_assert_num_queries(1):
        audit_timeline(target=task)


def test_unknown_ids_fall_back_to_the_stored_value(admin_user):
    task = TaskFactory()
    audit_record(
        actor=admin_user,
        action="tasks.update",
        target=task,
        changes={"lead_agency": {"before": None, "after": 999999}},
    )
    (event,) = audit_timeline(target=task)
    assert event.display_changes[0]["after"] == "999999"


def test_document_direction_shows_its_label(admin_user):
    document = DocumentFactory()
    audit_record(
        actor=admin_user,
        action="docs.update",
        target=document,
        changes={"direction": {"before": None, "after": "in"}},
    )
    with translation.override("en"):
        (event,) = audit_timeline(target=document)
        (row,) = display.event_changes(event)
        assert row["after"] == str(Document.Direction.INCOMING.label)
        assert labels.action_label("docs.update") == "Updated the document"


def test_every_action_in_use_has_a_label():
    from dieuphoi.tasks import workflow

    root = Path(__file__).resolve().parents[2]
    actions = {f"tasks.{name}" for name in workflow.TRANSITIONS}
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        actions |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert "tasks.create" in actions
    assert "docs.register" in actions
    missing = sorted(a for a in actions if a not in labels._LABELS)
    assert missing == []


def test_task_state_labels_are_the_choice_labels(db):
    event = AuditEvent(
        action="tasks.confirm",
        changes={"state": {"before": "reported_done", "after": "completed"}},
    )
    event.target_type_id = ContentType.objects.get_for_model(Task).pk
    with translation.override("en"):
        (row,) = display.event_changes(event)
        expected = (
            str(Task.State.REPORTED_DONE.label),
            str(Task.State.COMPLETED.label),
        )
    assert (row["before"], row["after"]) == expected
