"""Pages: sharing across bodies (the Bắc Ninh user sees the Ring Road 4
matter, logs on it, gets 404 on another; an outsider sees nothing), the
forms, conflicts, the matrix against a hand count, flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.matters import selectors, services
from dieuphoi.matters.models import LogEntry, Matter

from .conftest import RAISED, make_matter

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"matters:{name}", args=args)


def test_external_sees_shared_matter_only(login, external, ring, nhue):
    client = login(external)
    page = client.get(url("list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert ring.title in body and nhue.title not in body
    detail = client.get(url("detail", ring.pk))
    assert detail.status_code == 200
    assert 'id="log-form"' in detail.content.decode()
    # No history, no edit.
    assert 'id="timeline"' not in detail.content.decode()
    assert client.get(url("edit", ring.pk)).status_code == 403
    assert client.get(url("detail", nhue.pk)).status_code == 404
    assert client.post(url("log-add", nhue.pk), {}).status_code == 404


def test_external_adds_log_entry_htmx(login, external, ring):
    client = login(external)
    today = local_today()
    response = client.post(
        url("log-add", ring.pk),
        {
            "kind": "call",
            "occurred_on": today.strftime("%d/%m/%Y"),
            "summary": "Đã gọi điện.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Đã gọi điện." in response.content.decode()
    entry = LogEntry.objects.get()
    assert entry.author == external and entry.matter == ring


def test_log_bad_input_keeps_form_writes_nothing(login, external, ring):
    client = login(external)
    before = AuditEvent.objects.writes().count()
    response = client.post(url("log-add", ring.pk), {"kind": "call", "summary": ""})
    assert response.status_code == 422
    assert AuditEvent.objects.writes().count() == before
    assert not LogEntry.objects.exists()


def test_outsider_sees_nothing(login, outsider, ring):
    client = login(outsider)
    page = client.get(url("list"))
    assert page.status_code == 200 and ring.title not in page.content.decode()
    assert client.get(url("detail", ring.pk)).status_code == 404
    assert client.get(url("create")).status_code == 403
    matrix = client.get(url("matrix"))
    assert matrix.status_code == 200
    assert selectors.matrix(user=outsider).total == 0


def test_leadership_reads_not_logs(login, leadership_viewer, ring):
    client = login(leadership_viewer)
    assert client.get(url("detail", ring.pk)).status_code == 200
    assert client.post(url("log-add", ring.pk), {}).status_code == 403


def test_create_and_edit_conflict(login, secretariat, team, units, specialist):
    client = login(secretariat)
    assert client.get(url("create")).status_code == 200
    data = {
        "body": team.pk,
        "title": "Thoát lũ sông Tích",
        "raised_on": RAISED.strftime("%d/%m/%Y"),
        "provinces": [units["hanoi"].pk, units["ninh_binh"].pk],
        "raised_by_body": team.pk,
        "competence": "council",
        "priority": "high",
        "owner": specialist.pk,
    }
    response = client.post(url("create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    matter = Matter.objects.get(title="Thoát lũ sông Tích")
    edit = {**data, "version": 1, "title": "Thoát lũ sông Tích (sửa)"}
    edit.pop("body")
    services.matter_update(
        actor=secretariat, matter=matter, version=1, priority="urgent"
    )
    response = client.post(url("edit", matter.pk), edit)
    assert response.status_code == 409
    assert "Thoát lũ sông Tích (sửa)" in response.content.decode()
    # Bad input: the message at the field, nothing written.
    before = AuditEvent.objects.writes().count()
    response = client.post(url("create"), {**data, "provinces": [], "title": ""})
    assert response.status_code == 422
    assert AuditEvent.objects.writes().count() == before


def test_transition_buttons(login, leader, member, ring):
    client = login(leader)
    page = client.get(url("detail", ring.pk)).content.decode()
    assert 'id="action-coordinate"' in page and 'id="action-escalate"' in page
    response = client.post(
        url("transition", ring.pk), {"action": "resolve", "version": 1}
    )
    assert response.status_code == 422
    response = client.post(
        url("transition", ring.pk), {"action": "coordinate", "version": 1}
    )
    assert response.status_code == 302
    assert Matter.objects.get(pk=ring.pk).state == "coordinating"
    member_page = login(member).get(url("detail", ring.pk)).content.decode()
    assert 'id="action-' not in member_page
    assert (
        login(member).post(url("transition", ring.pk), {"action": "close"}).status_code
        == 403
    )


def test_detail_shows_successor(login, secretariat, nhue):
    page = login(secretariat).get(url("detail", nhue.pk)).content.decode()
    assert "Tỉnh Hà Nam" in page and "Tỉnh Ninh Bình" in page


def test_matrix_hand_count(login, secretariat, team, units, ring, nhue):
    # A third matter in Bắc Giang (2024, now Bắc Ninh) and Hà Nam: counted
    # once under Bắc Ninh and once under Ninh Bình.
    third = make_matter(
        team,
        secretariat,
        [units["bac_giang"], units["ha_nam"]],
        title="Cầu nối Bắc Giang",
        raised_on=RAISED.replace(year=2024),
    )
    services.transition(actor=secretariat, matter=third, action="coordinate")
    table = selectors.matrix(user=secretariat)
    rows = {
        r.unit.key: dict(zip([s for s, _ in table.states], r.cells, strict=True))
        for r in table.rows
    }
    # Hà Nội: ring (new), nhue (new); Bắc Ninh: ring (new), third (coordinating);
    # Ninh Bình: nhue (new), third (coordinating).
    assert rows["ha-noi"] == {
        "new": 2,
        "coordinating": 0,
        "resolved": 0,
        "escalated": 0,
        "closed": 0,
    }
    assert rows["bac-ninh"]["new"] == 1 and rows["bac-ninh"]["coordinating"] == 1
    assert rows["ninh-binh"]["new"] == 1 and rows["ninh-binh"]["coordinating"] == 1
    assert table.total == 3
    assert (
        dict(zip([s for s, _ in table.states], table.totals, strict=True))["new"] == 2
    )
    assert table.rows[0].unit.key == "ha-noi"
    page = login(secretariat).get(url("matrix")).content.decode()
    assert f"province={units['ninh_binh'].pk}&amp;state=coordinating" in page
    # The link leads to a list with the same number.
    listed = selectors.matter_list(
        user=secretariat,
        filters=selectors.parse_filters(
            {"province": str(units["ninh_binh"].pk), "state": "coordinating"}
        )[0],
    )
    assert [m.pk for m in listed.items] == [third.pk]


def test_list_filters(login, secretariat, ring, nhue, units):
    client = login(secretariat)
    page = client.get(url("list"), {"province": units["bac_ninh"].pk}).content.decode()
    assert ring.title in page and nhue.title not in page
    page = client.get(url("list"), {"q": "Nhuệ"}).content.decode()
    assert nhue.title in page and ring.title not in page
    response = client.get(url("list"), {"state": "bogus"})
    assert (
        response.status_code == 200
        and "matter-filter-errors" in response.content.decode()
    )


@pytest.mark.parametrize("n", [5, 50])
def test_list_query_count(
    login, secretariat, team, units, n, django_assert_max_num_queries
):
    for i in range(n):
        make_matter(
            team,
            secretariat,
            [units["hanoi"], units["ha_nam"]],
            title=f"Vấn đề {i}",
            raised_on=RAISED.replace(year=2024),
        )
    client = login(secretariat)
    client.get(url("list"))  # warm the caches of the session
    with django_assert_max_num_queries(12):
        response = client.get(url("list"))
    assert response.content.decode().count('id="matter-row-') == n
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.matter_list(
            user=secretariat, filters=selectors.MatterFilters()
        )
    assert len(page.items) == n and len(ctx) <= 4


def test_link_page(login, secretariat, external, ring, team):
    from dieuphoi.tasks.tests.factories import TaskFactory

    task = TaskFactory(body=team)
    client = login(secretariat)
    assert (
        f'value="tasks:{task.pk}"'
        in client.get(url("detail", ring.pk)).content.decode()
    )
    assert (
        client.post(url("link", ring.pk), {"item": f"tasks:{task.pk}"}).status_code
        == 302
    )
    assert list(ring.tasks.all()) == [task]
    assert task.code in client.get(url("detail", ring.pk)).content.decode()
    # The Bắc Ninh user does not see the Hanoi task among the links.
    assert task.code not in login(external).get(url("detail", ring.pk)).content.decode()
