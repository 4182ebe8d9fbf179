import datetime

from django.contrib import admin
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from dieuphoi.audit import display, labels
from dieuphoi.audit.models import AuditEvent
from dieuphoi.audit.selectors import audit_timeline
from dieuphoi.audit.services import audit_record


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
