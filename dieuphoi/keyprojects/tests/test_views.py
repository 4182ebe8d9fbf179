"""Pages of key projects: every page with an outsider check, the external
province user read only, the secretariat's forms (HTMX fragments and plain
posts), conflicts, the counts, and flat query counts."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dieuphoi.core.models import local_today
from dieuphoi.keyprojects import services
from dieuphoi.keyprojects.models import KeyProject, Milestone
from dieuphoi.tasks.tests.factories import TaskFactory

from .conftest import DAY, make_project

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"keyprojects:{name}", args=args)


def dmy(day) -> str:
    return day.strftime("%d/%m/%Y")


def form_data(project, **extra) -> dict:
    data = {
        "code": project.code,
        "name": project.name,
        "investor": project.investor,
        "state": project.state,
        "decided_on": dmy(project.decided_on),
        "lead_agency": project.lead_agency_id,
        "locations": [u.pk for u in project.locations.all()],
        "capital_central": "1.000.000",
        "capital_city": "2.000.000",
        "total_investment": "3.000.000",
        "starts_on": dmy(project.starts_on),
        "ends_on": dmy(project.ends_on),
        "version": project.version,
    }
    data.update(extra)
    return data


# --- who sees what -----------------------------------------------------------------


def test_outsider_gets_404_on_every_project_url_and_an_empty_list(
    login, outsider, project, milestones
):
    client = login(outsider)
    late = milestones["late"]
    for name, args in [
        ("detail", [project.pk]),
        ("edit", [project.pk]),
        ("milestone-edit", [project.pk, late.pk]),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    for name, args in [
        ("edit", [project.pk]),
        ("phase-add", [project.pk]),
        ("milestone-add", [project.pk]),
        ("milestone-edit", [project.pk, late.pk]),
        ("milestone-complete", [project.pk, late.pk]),
    ]:
        assert client.post(url(name, *args), {"name": "x"}).status_code == 404, name
    assert project.name not in client.get(url("list")).content.decode()
    timeline = client.get(url("timeline")).content.decode()
    assert late.name not in timeline and 'id="timeline-empty"' in timeline
    assert client.get(url("create")).status_code == 403
    late.refresh_from_db()
    assert late.actual_on is None and late.version == 1


def test_anonymous_is_sent_to_the_login_page(client, project):
    for name, args in [("list", []), ("timeline", []), ("detail", [project.pk])]:
        response = client.get(url(name, *args))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_external_province_user_reads_its_province_projects_only(
    login, external, project, hanoi_only, milestones
):
    client = login(external)
    page = client.get(url("detail", project.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert milestones["late"].name in html
    # Read only, and nothing of the body's internals.
    assert 'id="milestone-add-form"' not in html
    assert 'id="keyproject-edit-link"' not in html
    assert 'id="linked-tasks"' not in html
    assert 'id="timeline"' not in html
    assert client.get(url("detail", hanoi_only.pk)).status_code == 404
    assert client.get(url("edit", project.pk)).status_code == 403
    late = milestones["late"]
    response = client.post(
        url("milestone-complete", project.pk, late.pk),
        {"actual_on": dmy(local_today()), "version": late.version},
    )
    assert response.status_code == 403
    listing = client.get(url("list")).content.decode()
    assert f'id="project-row-{project.pk}"' in listing
    assert f'id="project-row-{hanoi_only.pk}"' not in listing
    timeline = client.get(url("timeline")).content.decode()
    assert milestones["late"].name in timeline
    assert client.get(url("create")).status_code == 403


def test_member_reads_everything_and_changes_nothing(
    login, member, project, milestones
):
    client = login(member)
    html = client.get(url("detail", project.pk)).content.decode()
    assert 'id="linked-tasks"' in html
    assert 'id="milestone-add-form"' not in html
    assert 'id="milestone-done-' not in html
    assert client.get(url("edit", project.pk)).status_code == 403
    assert client.post(url("phase-add", project.pk), {"name": "x"}).status_code == 403
    assert (
        client.get(url("milestone-edit", project.pk, milestones["late"].pk)).status_code
        == 403
    )
    assert client.get(url("create")).status_code == 403


def test_a_milestone_of_another_project_is_404(
    login, secretariat, project, hanoi_only, milestones
):
    client = login(secretariat)
    late = milestones["late"]
    assert client.get(url("milestone-edit", hanoi_only.pk, late.pk)).status_code == 404
    response = client.post(
        url("milestone-complete", hanoi_only.pk, late.pk),
        {"actual_on": dmy(local_today()), "version": 1},
    )
    assert response.status_code == 404


# --- the project page --------------------------------------------------------------


def test_the_project_page_shows_phases_milestones_late_marks_and_links(
    login, secretariat, project, milestones, decision, standing_agency
):
    task = TaskFactory(body=project.body, lead_agency=standing_agency)
    project.tasks.add(task)
    html = login(secretariat).get(url("detail", project.pk)).content.decode()
    late, done, ahead = milestones["late"], milestones["done"], milestones["ahead"]
    assert "Giai đoạn 1: Giải phóng mặt bằng" in html
    row = re.search(rf'<tr id="milestone-row-{late.pk}".*?</tr>', html, re.S).group(0)
    assert "kp-row-late" in row and "kp-status-late" in row
    assert dmy(late.planned_on) in row
    done_row = re.search(rf'<tr id="milestone-row-{done.pk}".*?</tr>', html, re.S)
    assert dmy(done.actual_on) in done_row.group(0)
    assert 'id="milestone-done-' + str(done.pk) not in html
    assert f'id="milestone-done-{ahead.pk}"' in html
    assert 'id="count-late"' in html
    assert f'id="linked-task-{task.pk}"' in html
    assert decision.reference in html
    assert "3.000.000" in html
    assert 'id="timeline"' in html  # the history


def test_add_a_milestone_with_htmx_returns_the_section(
    login, secretariat, project, member_agency
):
    client = login(secretariat)
    planned = local_today() + 20 * DAY
    response = client.post(
        url("milestone-add", project.pk),
        {
            "name": "Khởi công gói thầu XL-01",
            "planned_on": dmy(planned),
            "responsible_agency": member_agency.pk,
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith(
        '<section class="card mb-3" id="milestones"'
    )
    assert "Khởi công gói thầu XL-01" in html
    assert 'id="milestone-added"' in html
    milestone = Milestone.objects.get()
    assert milestone.planned_on == planned


def test_a_bad_milestone_comes_back_with_the_error_at_the_field(
    login, secretariat, project, member_agency
):
    client = login(secretariat)
    data = {
        "name": "Khởi công",
        "planned_on": dmy(project.starts_on - DAY),
        "responsible_agency": member_agency.pk,
    }
    response = client.post(url("milestone-add", project.pk), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_planned_on_error"' in html
    assert not Milestone.objects.exists()
    # Without HTMX: the whole page, 422.
    response = client.post(url("milestone-add", project.pk), data)
    assert response.status_code == 422
    assert "<html" in response.content.decode()
    assert not Milestone.objects.exists()


def test_mark_done_with_htmx_returns_the_row_and_the_counts(
    login, secretariat, project, milestones
):
    client = login(secretariat)
    late = milestones["late"]
    response = client.post(
        url("milestone-complete", project.pk, late.pk),
        {"actual_on": dmy(local_today()), "version": late.version},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith(f'<tr id="milestone-row-{late.pk}"')
    assert "kp-status-done_late" in html
    assert 'id="milestone-counts"' in html and 'hx-swap-oob="true"' in html
    late.refresh_from_db()
    assert late.actual_on == local_today()


def test_mark_done_in_the_future_is_refused_in_the_row(
    login, secretariat, project, milestones
):
    client = login(secretariat)
    late = milestones["late"]
    data = {"actual_on": dmy(local_today() + DAY), "version": late.version}
    response = client.post(url("milestone-complete", project.pk, late.pk), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_m{late.pk}_actual_on_error"' in html
    response = client.post(url("milestone-complete", project.pk, late.pk), data)
    assert response.status_code == 422
    late.refresh_from_db()
    assert late.actual_on is None


def test_mark_done_on_a_stale_version_is_a_conflict(
    login, secretariat, deputy, project, milestones
):
    late = milestones["late"]
    services.milestone_update(
        actor=deputy, milestone=late, version=1, note="Đã đôn đốc"
    )
    client = login(secretariat)
    data = {"actual_on": dmy(local_today()), "version": 1}
    response = client.post(url("milestone-complete", project.pk, late.pk), data)
    assert response.status_code == 409
    response = client.post(url("milestone-complete", project.pk, late.pk), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-warning" in html and 'name="version" value="2"' in html
    late.refresh_from_db()
    assert late.actual_on is None


def test_add_a_phase(login, secretariat, project):
    client = login(secretariat)
    response = client.post(url("phase-add", project.pk), {"name": "Thi công"})
    assert response.status_code == 302
    assert project.phases.get().name == "Thi công"
    response = client.post(url("phase-add", project.pk), {"name": ""}, **HTMX)
    assert response.status_code == 200 and "id_name_error" in response.content.decode()
    assert project.phases.count() == 1


def test_edit_a_milestone(login, secretariat, project, milestones, member_agency):
    client = login(secretariat)
    ahead = milestones["ahead"]
    page = client.get(url("milestone-edit", project.pk, ahead.pk))
    assert page.status_code == 200
    new_date = ahead.planned_on + 10 * DAY
    response = client.post(
        url("milestone-edit", project.pk, ahead.pk),
        {
            "name": ahead.name,
            "planned_on": dmy(new_date),
            "responsible_agency": member_agency.pk,
            "version": ahead.version,
        },
    )
    assert response.status_code == 302
    ahead.refresh_from_db()
    assert ahead.planned_on == new_date and ahead.version == 2
    # The same form again: stale.
    response = client.post(
        url("milestone-edit", project.pk, ahead.pk),
        {
            "name": "Khác",
            "planned_on": dmy(new_date),
            "responsible_agency": member_agency.pk,
            "version": 1,
        },
    )
    assert response.status_code == 409
    assert 'id="milestone-conflict"' in response.content.decode()


# --- create and edit ---------------------------------------------------------------


def test_create_a_project(login, secretariat, team, member_agency, units, decision):
    client = login(secretariat)
    assert client.get(url("create")).status_code == 200
    response = client.post(
        url("create"),
        {
            "body": team.pk,
            "code": "DA-VD45",
            "name": "Đường Vành đai 4,5",
            "investor": "Sở Xây dựng",
            "state": "preparing",
            "decided_on": "01/08/2025",
            "lead_agency": member_agency.pk,
            "locations": [units["hanoi"].pk],
            "decision_documents": [decision.pk],
            "capital_city": "5.000.000.000",
            "total_investment": "5.000.000.000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    project = KeyProject.objects.get(code="DA-VD45")
    assert response["Location"] == project.get_absolute_url()
    assert project.total_investment == 5_000_000_000


def test_create_keeps_the_input_and_shows_the_errors(
    login, secretariat, team, member_agency
):
    client = login(secretariat)
    response = client.post(
        url("create"),
        {
            "body": team.pk,
            "code": "DA-X",
            "name": "Dự án X",
            "state": "preparing",
            "decided_on": "01/08/2025",
            "lead_agency": member_agency.pk,
            "capital_central": "1.000",
            "total_investment": "2.000",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_total_investment_error"' in html
    assert 'value="Dự án X"' in html
    assert not KeyProject.objects.exists()


def test_edit_a_project_and_the_conflict(login, secretariat, deputy, project):
    client = login(secretariat)
    assert client.get(url("edit", project.pk)).status_code == 200
    response = client.post(
        url("edit", project.pk), form_data(project, state="in_operation")
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "in_operation" and project.version == 2
    # A form read at version 1 after someone saved: 409, the input kept.
    response = client.post(
        url("edit", project.pk), form_data(project, version=1, name="Tên khác")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="keyproject-conflict"' in html and 'value="Tên khác"' in html
    project.refresh_from_db()
    assert project.name != "Tên khác"


# --- list, timeline, counts --------------------------------------------------------


def test_the_list_counts_and_filters(
    login, secretariat, project, hanoi_only, milestones
):
    client = login(secretariat)
    html = client.get(url("list")).content.decode()
    assert 'id="summary-projects"' in html
    late_badge = re.search(r'id="summary-late"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert "1" in late_badge
    assert 'id="summary-state-under_construction"' in html
    row = re.search(rf'<tr id="project-row-{project.pk}".*?</tr>', html, re.S).group(0)
    assert "kp-late-count" in row and "1/3" in row
    # Late only: the project with the late milestone.
    html = client.get(url("list"), {"late": "1"}).content.decode()
    assert html.count('id="project-row-') == 1
    assert f'id="project-row-{project.pk}"' in html
    html = client.get(url("list"), {"state": "in_operation"}).content.decode()
    assert html.count('id="project-row-') == 0
    html = client.get(
        url("list"), {"province": project.locations.order_by("pk").last().pk}
    ).content.decode()
    assert html.count('id="project-row-') == 1
    # A bad filter: a message, no rows, no error.
    response = client.get(url("list"), {"state": "nope", "late": "maybe"})
    assert response.status_code == 200
    assert 'id="keyproject-filter-errors"' in response.content.decode()
    assert 'id="project-row-' not in response.content.decode()


def test_the_list_pages_with_a_cursor(login, secretariat, team, member_agency):
    for i in range(53):
        make_project(team, secretariat, member_agency, code=f"DA-{i:03d}")
    client = login(secretariat)
    html = client.get(url("list")).content.decode()
    assert html.count('id="project-row-') == 50
    more = re.search(r'href="([^"]*after=[^"]*)"', html).group(1).replace("&amp;", "&")
    rest = client.get(more, **HTMX).content.decode()
    assert "<html" not in rest and rest.count('id="project-row-') == 3
    bad = client.get(url("list"), {"after": "???"})
    assert bad.status_code == 200


def test_the_timeline_shows_the_chart_data_and_the_table(
    login, secretariat, project, milestones, hanoi_only, member_agency
):
    services.milestone_add(
        actor=secretariat,
        project=hanoi_only,
        name="Khởi công cầu",
        planned_on=local_today() + 9 * DAY,
        responsible_agency=member_agency,
    )
    client = login(secretariat)
    response = client.get(url("timeline"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and 'id="timeline-chart"' in html
    assert "vendor/frappe-gantt/frappe-gantt.umd.js" in html
    data = json.loads(
        re.search(
            r'<script id="gantt-data" type="application/json">(.*?)</script>',
            html,
            re.S,
        ).group(1)
    )
    assert {row["status"] for row in data} == {"done", "late", "planned"}
    assert len(data) == 4
    assert all(row["start"] < row["end"] for row in data)
    for key in ("done", "late", "ahead"):
        assert f'id="timeline-row-{milestones[key].pk}"' in html
    assert 'tabindex="0"' in html
    assert 'id="timeline-late"' in html
    # Only the timeline loads the chart library.
    assert "frappe-gantt" not in client.get(url("list")).content.decode()
    assert "frappe-gantt" not in client.get(url("detail", project.pk)).content.decode()
    # The filters swap the page's part with HTMX.
    part = client.get(url("timeline"), {"late": "1"}, **HTMX).content.decode()
    assert "<html" not in part and 'id="timeline-page"' in part
    assert "Khởi công cầu" in html
    # (projects with a late milestone: not the one whose milestones are ahead)
    assert milestones["late"].name in part and "Khởi công cầu" not in part


def test_the_timeline_escapes_names(login, secretariat, project, member_agency):
    services.milestone_add(
        actor=secretariat,
        project=project,
        name="<img src=x onerror=alert(1)>",
        planned_on=local_today() + DAY,
        responsible_agency=member_agency,
    )
    html = login(secretariat).get(url("timeline")).content.decode()
    assert "<img src=x" not in html


def test_home_section_counts_late_milestones_for_managers(
    login, secretariat, member, project, milestones
):
    html = login(secretariat).get(reverse("core:home")).content.decode()
    assert 'id="home-keyprojects-late"' in html
    html = login(member).get(reverse("core:home")).content.decode()
    assert 'id="home-keyprojects-late"' not in html


def test_navigation_offers_key_projects(login, member):
    page = login(member).get(reverse("core:home")).content.decode()
    assert url("list") in page and url("timeline") in page


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _many(team, actor, lead, n, start=0):
    for i in range(start, start + n):
        project = make_project(team, actor, lead, code=f"Q-{i:03d}")
        services.milestone_add(
            actor=actor,
            project=project,
            name=f"Mốc {i}",
            planned_on=local_today() - DAY,
            responsible_agency=lead,
        )


@pytest.mark.parametrize("name", ["list", "timeline"])
def test_list_and_timeline_keep_a_fixed_number_of_queries(
    login, team, secretariat, member_agency, units, name
):
    client = login(secretariat)
    _many(team, secretariat, member_agency, 5)
    client.get(url(name))  # warm the session and caches
    few = _queries(client, url(name))
    _many(team, secretariat, member_agency, 45, start=5)
    many = _queries(client, url(name))
    assert few == many
    assert many <= 12


def test_the_project_page_keeps_a_fixed_number_of_queries(
    login, secretariat, project, member_agency, standing_agency
):
    client = login(secretariat)

    def add(n):
        phase = services.phase_add(actor=secretariat, project=project, name="Giai đoạn")
        for i in range(n):
            services.milestone_add(
                actor=secretariat,
                project=project,
                name=f"Mốc {i}",
                planned_on=local_today() + (i - n // 2) * DAY,
                responsible_agency=member_agency,
                phase=phase if i % 2 else None,
            )
        project.tasks.add(TaskFactory(body=project.body, lead_agency=standing_agency))

    add(3)
    client.get(url("detail", project.pk))
    few = _queries(client, url("detail", project.pk))
    add(30)
    assert _queries(client, url("detail", project.pk)) == few
