"""The matter page's second pass: the facts and the stale badge follow a log
entry added with HTMX (out-of-band), the resolution picks a document of the
body's register, and managers unlink tasks, proposals and key projects."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.docs.tests.factories import DocumentFactory
from dieuphoi.matters import services
from dieuphoi.matters.models import LogEntry, Matter

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"matters:{name}", args=args)


def _writes() -> int:
    return AuditEvent.objects.writes().count()


# --- 1. the facts follow the log (out-of-band) -----------------------------------------


def test_htmx_log_entry_updates_last_entry_and_stale_badge(login, external, ring):
    # Raised on 01/08/2025 and never logged: stale.
    client = login(external)
    page = client.get(url("detail", ring.pk)).content.decode()
    assert 'id="matter-stale-note"' in page and "bi-hourglass-bottom" in page
    assert 'hx-swap-oob="true"' not in page
    today = local_today()
    response = client.post(
        url("log-add", ring.pk),
        {
            "kind": "call",
            "occurred_on": today.strftime("%d/%m/%Y"),
            "summary": "Gọi điện cho Sở Xây dựng tỉnh Bắc Ninh.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    # The log itself, and out of band the facts' date and the badges.
    assert 'id="log"' in body
    assert 'id="matter-last-logged" hx-swap-oob="true"' in body
    assert 'id="matter-badges" hx-swap-oob="true"' in body
    oob = body.split('id="matter-last-logged"', 1)[1]
    assert today.strftime("%d/%m/%Y") in oob
    # Neither the "stale since" note nor the badge (its hourglass).
    assert "matter-stale-note" not in body and "bi-hourglass-bottom" not in body
    assert 'id="matter-stale-due"' in oob
    ring.refresh_from_db()
    assert ring.last_logged_on == today


def test_htmx_log_entry_of_an_older_date_keeps_the_stale_badge(
    login, secretariat, ring
):
    client = login(secretariat)
    response = client.post(
        url("log-add", ring.pk),
        {"kind": "meeting", "occurred_on": "04/08/2025", "summary": "Họp lần đầu."},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="matter-badges" hx-swap-oob="true"' in body
    assert "04/08/2025" in body.split('id="matter-last-logged"', 1)[1]
    assert 'id="matter-stale-note"' in body and "bi-hourglass-bottom" in body


def test_htmx_log_bad_input_has_no_oob_and_writes_nothing(login, external, ring):
    client = login(external)
    before = _writes()
    response = client.post(
        url("log-add", ring.pk), {"kind": "call", "summary": ""}, **HTMX
    )
    assert response.status_code == 200
    assert "hx-swap-oob" not in response.content.decode()
    assert 'id="log-form"' in response.content.decode()
    assert _writes() == before and not LogEntry.objects.exists()


def test_outsider_cannot_log(login, outsider, ring):
    response = login(outsider).post(
        url("log-add", ring.pk), {"kind": "call", "summary": "x"}, **HTMX
    )
    assert response.status_code == 404
    assert not LogEntry.objects.exists()


# --- 2. the resolution document ----------------------------------------------------------


@pytest.fixture
def notice(team):
    return DocumentFactory(
        body=team, summary="Thông báo kết luận cuộc họp về Vành đai 4"
    )


@pytest.fixture
def foreign_notice(province_team):
    return DocumentFactory(body=province_team, summary="Văn bản của tỉnh Bắc Ninh")


def test_resolve_form_offers_the_body_register(
    login, secretariat, ring, notice, foreign_notice
):
    page = login(secretariat).get(url("detail", ring.pk)).content.decode()
    assert 'id="id_resolve_document"' in page
    picker = page.split('id="id_resolve_document"', 1)[1].split("</select>", 1)[0]
    assert f'value="{notice.pk}"' in picker
    assert f'value="{foreign_notice.pk}"' not in picker


def test_resolve_with_a_document(login, secretariat, ring, notice):
    client = login(secretariat)
    before = _writes()
    response = client.post(
        url("transition", ring.pk),
        {
            "action": "resolve",
            "version": ring.version,
            "resolution": "Hai bên thống nhất phương án.",
            "document": notice.pk,
        },
    )
    assert response.status_code == 302
    ring.refresh_from_db()
    assert ring.state == Matter.State.RESOLVED
    assert ring.resolution_document == notice
    assert _writes() == before + 1
    page = client.get(url("detail", ring.pk)).content.decode()
    assert 'id="matter-resolution-document"' in page
    assert reverse("docs:detail", args=[notice.pk]) in page


def test_resolve_with_a_document_of_another_body_writes_nothing(
    login, secretariat, ring, foreign_notice
):
    before = _writes()
    response = login(secretariat).post(
        url("transition", ring.pk),
        {
            "action": "resolve",
            "version": ring.version,
            "resolution": "Hai bên thống nhất phương án.",
            "document": foreign_notice.pk,
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    picker = body.split('id="id_resolve_document"', 1)[1]
    assert "invalid" in picker.split("</select>", 1)[0] or "is-invalid" in body
    ring.refresh_from_db()
    assert ring.state == Matter.State.NEW and ring.resolution_document is None
    assert _writes() == before


def test_service_refuses_a_document_of_another_body(secretariat, ring, foreign_notice):
    before = _writes()
    with pytest.raises(ValidationError) as caught:
        services.transition(
            actor=secretariat,
            matter=ring,
            action="resolve",
            version=ring.version,
            resolution="Đã giải quyết.",
            document=foreign_notice,
        )
    assert "document" in caught.value.message_dict
    ring.refresh_from_db()
    assert ring.state == Matter.State.NEW and ring.resolution_document is None
    assert _writes() == before


def test_external_and_outsider_cannot_resolve(login, external, outsider, ring, notice):
    data = {"action": "resolve", "resolution": "x", "document": notice.pk}
    assert login(external).post(url("transition", ring.pk), data).status_code == 403
    assert login(outsider).post(url("transition", ring.pk), data).status_code == 404
    ring.refresh_from_db()
    assert ring.state == Matter.State.NEW


# --- 3. unlinking ------------------------------------------------------------------------


@pytest.fixture
def linked_task(secretariat, team, ring):
    from dieuphoi.tasks.tests.factories import TaskFactory

    task = TaskFactory(body=team)
    services.link(actor=secretariat, matter=ring, kind="tasks", obj=task)
    return task


def test_manager_unlinks_a_task(login, secretariat, ring, linked_task):
    client = login(secretariat)
    page = client.get(url("detail", ring.pk)).content.decode()
    assert f'id="unlink-tasks{linked_task.pk}"' in page
    before = _writes()
    response = client.post(
        url("link", ring.pk), {"op": "remove", "item": f"tasks:{linked_task.pk}"}
    )
    assert response.status_code == 302
    assert not ring.tasks.exists()
    assert _writes() == before + 1
    event = AuditEvent.objects.writes().order_by("-pk").first()
    assert event.action == "matters.unlink"


def test_unlink_button_only_for_managers(
    login, member, external, leadership_viewer, ring, linked_task
):
    for user in (member, leadership_viewer):
        page = login(user).get(url("detail", ring.pk)).content.decode()
        assert linked_task.code in page
        assert "matter-unlink" not in page
    # The Bắc Ninh user does not even see the Hanoi task.
    page = login(external).get(url("detail", ring.pk)).content.decode()
    assert "matter-unlink" not in page


def test_non_managers_cannot_unlink(
    login, member, external, outsider, ring, linked_task
):
    data = {"op": "remove", "item": f"tasks:{linked_task.pk}"}
    before = _writes()
    assert login(member).post(url("link", ring.pk), data).status_code == 403
    assert login(external).post(url("link", ring.pk), data).status_code == 403
    assert login(outsider).post(url("link", ring.pk), data).status_code == 404
    assert list(ring.tasks.all()) == [linked_task]
    assert _writes() == before


def test_unlink_bad_item_writes_nothing(login, secretariat, ring, linked_task):
    client = login(secretariat)
    before = _writes()
    for item in ("tasks:999999", "nothing:1", "tasks:abc", ""):
        response = client.post(url("link", ring.pk), {"op": "remove", "item": item})
        assert response.status_code == 302
    assert list(ring.tasks.all()) == [linked_task]
    assert _writes() == before


def test_task_made_from_the_matter_has_no_unlink_button(login, secretariat, ring, team):
    from django.contrib.contenttypes.models import ContentType

    from dieuphoi.tasks.tests.factories import TaskFactory

    task = TaskFactory(
        body=team,
        source_type=ContentType.objects.get_for_model(Matter),
        source_id=ring.pk,
    )
    page = login(secretariat).get(url("detail", ring.pk)).content.decode()
    assert task.code in page
    assert "matter-unlink" not in page
