import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dieuphoi.accounts.services import api_token_create
from dieuphoi.audit.models import AuditEvent
from dieuphoi.tasks.models import ProgressUpdate, Task
from dieuphoi.tasks.tests.factories import TaskPartFactory
from dieuphoi.workdays import calendar

DAY = datetime.timedelta(days=1)
S = Task.State
URL = "/api/v1/tasks"


class Api:
    def __init__(self, client, user):
        _, raw = api_token_create(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path, **params):
        return self.client.get(URL + path, params, **self.headers)

    def post(self, path, data):
        return self.client.post(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )

    def patch(self, path, data):
        return self.client.patch(
            URL + path,
            json.dumps(data, default=str),
            content_type="application/json",
            **self.headers,
        )


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def task_count():
    return Task.objects.count(), ProgressUpdate.objects.count()


# --- list -------------------------------------------------------------------------


class TestList:
    def test_requires_a_token(self, client):
        assert client.get(URL).status_code == 401

    def test_outsider_gets_an_empty_list(self, api, make_task, outsider, external):
        make_task()
        for user in (outsider, external):
            response = api(user).get("")
            assert response.status_code == 200
            assert response.json() == {"items": [], "next_cursor": None}

    def test_items_have_bucket_warnings_and_latest_update(
        self, api, make_task, member, today
    ):
        task = make_task(
            deadline=today + DAY,
            progress=90,
            last_update_on=today,
            last_update_text="Đã hoàn thành kiểm đếm",
        )
        item = api(member).get("").json()["items"][0]
        assert item["id"] == task.pk
        assert item["bucket"] == "in_progress_within_deadline"
        assert item["warnings"] == ["due_soon"]
        assert item["latest_update"] == {
            "on": today.isoformat(),
            "text": "Đã hoàn thành kiểm đếm",
        }
        assert item["lead_agency"]["code"] == "SXD"

    def test_bucket_filter_as_of_dates_before_and_after_the_deadline(
        self, api, make_task, secretariat, today
    ):
        # A working day (24/11, Vietnam Cultural Day, is a day off from 2026
        # in the holidays package): a deadline on a day off ends on the next
        # working day, so it is not overdue the day after.
        deadline = calendar.previous_working_day(today - 9 * DAY)
        task = make_task(assigned_on=today - 40 * DAY, deadline=deadline)
        client = api(secretariat)

        def ids(bucket, on):
            response = client.get("", bucket=bucket, on=on.isoformat())
            assert response.status_code == 200
            return [i["id"] for i in response.json()["items"]]

        assert ids("in_progress_within_deadline", deadline) == [task.pk]
        assert ids("overdue", deadline) == []
        assert ids("overdue", deadline + DAY) == [task.pk]
        assert ids("overdue", today) == [task.pk]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"bucket": "late"}, "bucket"),
            ({"on": "2025-02-30"}, "on"),
            ({"deadline_from": "hôm qua"}, "deadline_from"),
            ({"limit": 500}, "limit"),
            ({"cursor": "garbage"}, "cursor"),
        ],
    )
    def test_bad_filters_answer_422_on_the_field(self, api, secretariat, params, field):
        response = api(secretariat).get("", **params)
        assert response.status_code == 422
        assert field in fields(response)

    def test_cursor_pagination(self, api, make_task, secretariat, today):
        for i in range(7):
            make_task(deadline=today + i * DAY)
        client = api(secretariat)
        first = client.get("", limit=4, sort="deadline").json()
        second = client.get(
            "", limit=4, sort="deadline", cursor=first["next_cursor"]
        ).json()
        assert len(first["items"]) == 4 and len(second["items"]) == 3
        assert second["next_cursor"] is None
        ids = [i["id"] for i in first["items"] + second["items"]]
        assert len(set(ids)) == 7

    @pytest.mark.parametrize("n", [5, 50])
    def test_query_count_is_fixed(
        self, api, make_task, secretariat, django_assert_num_queries, n
    ):
        for i in range(n):
            TaskPartFactory(
                task=make_task(deadline=None if i % 3 else datetime.date.today())
            )
        client = api(secretariat)
        client.get("")  # the token's last-use time is written once a minute
        # token + seats + tasks + parts
        with django_assert_num_queries(4):
            response = client.get("", limit=50, bucket="in_progress_within_deadline")
        assert len(response.json()["items"]) == n


class TestSummary:
    def test_summary_counts(self, api, make_task, secretariat, today):
        make_task(deadline=today - DAY)
        make_task(deadline=today - DAY, state=S.COMPLETED, completed_on=today - DAY)
        make_task(state=S.CANCELLED, cancelled_on=today)
        data = api(secretariat).get("/summary").json()
        assert data["totals"]["overdue"] == 1
        assert data["totals"]["completed_on_time"] == 1
        assert data["totals"]["total"] == 2
        assert data["by_agency"][0]["code"] == "SXD"

    def test_summary_as_of_and_bad_date(self, api, make_task, secretariat, today):
        make_task(assigned_on=today - 20 * DAY, deadline=today - 5 * DAY)
        client = api(secretariat)
        before = client.get("/summary", on=(today - 6 * DAY).isoformat()).json()
        assert before["totals"]["in_progress_within_deadline"] == 1
        assert before["totals"]["overdue"] == 0
        bad = client.get("/summary", on="30/02/2025")
        assert bad.status_code == 422 and fields(bad) == {"on"}

    @pytest.mark.parametrize("n", [5, 50])
    def test_summary_query_count_is_fixed(
        self, api, make_task, secretariat, django_assert_num_queries, n
    ):
        from dieuphoi.org.tests.factories import AgencyFactory

        agencies = [AgencyFactory() for _ in range(5)]
        for i in range(n):
            make_task(lead_agency=agencies[i % 5])
        client = api(secretariat)
        client.get("/summary")
        # token + seats + grouped counts + agency names + sector names
        with django_assert_num_queries(5):
            response = client.get("/summary")
        assert response.json()["totals"]["total"] == n
        assert len(response.json()["by_agency"]) == 5

    def test_outsider_summary_is_empty(self, api, make_task, outsider):
        make_task()
        assert api(outsider).get("/summary").json()["totals"]["total"] == 0


# --- detail, create, patch ---------------------------------------------------------------


class TestDetail:
    def test_outsider_and_external_get_404(self, api, make_task, outsider, external):
        task = make_task()
        for user in (outsider, external):
            assert api(user).get(f"/{task.pk}").status_code == 404

    def test_member_sees_detail_with_allowed_actions(self, api, make_task, member):
        task = make_task(state=S.IN_PROGRESS)
        data = api(member).get(f"/{task.pk}").json()
        assert data["code"] == task.code
        assert data["allowed_actions"] == ["report_done", "request_extension"]

    def test_unknown_task_is_404(self, api, secretariat):
        assert api(secretariat).get("/999999").status_code == 404


@pytest.fixture
def payload(member_agency, coop_agency, today):
    return {
        "title": "Xử lý ô nhiễm nước sông Nhuệ - Đáy đoạn qua Hà Nội",
        "assigned_on": (today - 5 * DAY).isoformat(),
        "deadline": (today + 60 * DAY).isoformat(),
        "lead_agency_id": member_agency.pk,
        "cooperating": [{"agency_id": coop_agency.pk, "description": "Quan trắc"}],
        "is_key": True,
    }


class TestCreate:
    def test_secretariat_creates(self, api, secretariat, payload, hanoi_team):
        response = api(secretariat).post("", payload)
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["code"].startswith("NV-") and data["state"] == "new"
        assert data["body"]["id"] == hanoi_team.pk
        assert [c["agency"]["code"] for c in data["cooperating"]] == ["SNNMT"]

    @pytest.mark.parametrize("role", ["member", "outsider", "external"])
    def test_others_get_403_or_422(self, api, role, request, payload, hanoi_team):
        payload["body_id"] = hanoi_team.pk
        response = api(request.getfixturevalue(role)).post("", payload)
        assert response.status_code == 403
        assert Task.objects.count() == 0

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"deadline": "2000-01-01"}, "deadline"),
            ({"cooperating": "lead"}, "cooperating"),
            ({"lead_agency_id": 999999}, "lead_agency_id"),
            ({"title": "x" * 501}, "title"),
            ({"assigned_on": "2025-02-30"}, "assigned_on"),
        ],
    )
    def test_bad_input_answers_422_on_the_field(
        self, api, secretariat, payload, change, field, member_agency
    ):
        if change.get("cooperating") == "lead":
            change = {"cooperating": [{"agency_id": member_agency.pk}]}
        response = api(secretariat).post("", payload | change)
        assert response.status_code == 422, response.json()
        assert field in fields(response)
        assert Task.objects.count() == 0


class TestPatch:
    def test_patch_with_current_version(self, api, make_task, secretariat):
        task = make_task()
        response = api(secretariat).patch(
            f"/{task.pk}", {"version": 1, "title": "Tên mới"}
        )
        assert response.status_code == 200, response.json()
        assert response.json()["version"] == 2

    def test_stale_version_answers_409(self, api, make_task, secretariat, leader):
        task = make_task()
        assert (
            api(leader).patch(f"/{task.pk}", {"version": 1, "title": "A"}).status_code
            == 200
        )
        response = api(secretariat).patch(f"/{task.pk}", {"version": 1, "title": "B"})
        assert response.status_code == 409
        assert response.json()["current_version"] == 2
        assert Task.objects.get(pk=task.pk).title == "A"

    def test_version_is_required(self, api, make_task, secretariat):
        task = make_task()
        response = api(secretariat).patch(f"/{task.pk}", {"title": "A"})
        assert response.status_code == 422 and "version" in fields(response)

    def test_member_gets_403_outsider_404(self, api, make_task, member, outsider):
        task = make_task()
        assert (
            api(member).patch(f"/{task.pk}", {"version": 1, "title": "A"}).status_code
            == 403
        )
        assert (
            api(outsider).patch(f"/{task.pk}", {"version": 1, "title": "A"}).status_code
            == 404
        )

    def test_deadline_is_not_patchable(self, api, make_task, secretariat, today):
        task = make_task()
        response = api(secretariat).patch(
            f"/{task.pk}", {"version": 1, "deadline": (today + 99 * DAY).isoformat()}
        )
        assert response.status_code == 422 and fields(response) == {"deadline"}


# --- progress and transitions ------------------------------------------------------------


class TestProgress:
    def test_lead_reports(self, api, make_task, member):
        task = make_task(state=S.NEW)
        response = api(member).post(
            f"/{task.pk}/progress", {"percent": 60, "text": "60%"}
        )
        assert response.status_code == 201, response.json()
        assert response.json()["task"]["progress"] == 60
        assert response.json()["task"]["state"] == "in_progress"

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"percent": 101, "text": "x"}, "percent"),
            ({"percent": -5, "text": "x"}, "percent"),
            ({"percent": "nhiều", "text": "x"}, "percent"),
            ({"percent": 10}, "text"),
            ({"percent": 10, "text": "x", "reported_on": "2025-02-30"}, "reported_on"),
        ],
    )
    def test_bad_progress_answers_422(self, api, make_task, member, data, field):
        task = make_task()
        before = task_count()
        response = api(member).post(f"/{task.pk}/progress", data)
        assert response.status_code == 422, response.json()
        assert field in fields(response)
        assert task_count() == before

    def test_backwards_without_reason_answers_422(self, api, make_task, member):
        task = make_task(progress=50)
        response = api(member).post(
            f"/{task.pk}/progress", {"percent": 30, "text": "x"}
        )
        assert response.status_code == 422 and fields(response) == {"reason"}

    def test_roles(self, api, make_task, secretariat, outsider):
        task = make_task()
        assert (
            api(secretariat)
            .post(f"/{task.pk}/progress", {"percent": 1, "text": "x"})
            .status_code
            == 403
        )
        assert (
            api(outsider)
            .post(f"/{task.pk}/progress", {"percent": 1, "text": "x"})
            .status_code
            == 404
        )

    def test_multipart_with_a_file(self, api, make_task, member, tmp_path, settings):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
        task = make_task()
        client = api(member)
        response = client.client.post(
            f"{URL}/{task.pk}/progress",
            {
                "percent": "60",
                "text": "Biên bản",
                "files": [
                    SimpleUploadedFile(
                        "bb.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
                    )
                ],
            },
            **client.headers,
        )
        assert response.status_code == 201, response.json()
        from dieuphoi.docs.models import Attachment

        assert Attachment.objects.count() == 1


class TestTransitions:
    def test_journey_through_the_api(self, api, make_task, member, secretariat, today):
        task = make_task(state=S.NEW, deadline=today)
        lead, sec = api(member), api(secretariat)
        r = lead.post(
            f"/{task.pk}/transitions", {"action": "report_done", "reason": "Xong"}
        )
        assert r.status_code == 200 and r.json()["state"] == "reported_done"
        r = sec.post(
            f"/{task.pk}/transitions",
            {"action": "confirm", "version": r.json()["version"]},
        )
        assert r.status_code == 200, r.json()
        assert r.json()["bucket"] == "completed_on_time"
        assert AuditEvent.objects.filter(action="tasks.confirm").count() == 1

    def test_role_not_allowed_is_403_state_not_allowed_is_422(
        self, api, make_task, member, secretariat
    ):
        task = make_task(state=S.IN_PROGRESS)
        assert (
            api(member)
            .post(f"/{task.pk}/transitions", {"action": "confirm"})
            .status_code
            == 403
        )
        r = api(secretariat).post(f"/{task.pk}/transitions", {"action": "confirm"})
        assert r.status_code == 422 and fields(r) == {"action"}

    def test_unknown_action_and_missing_reason(self, api, make_task, secretariat):
        task = make_task()
        r = api(secretariat).post(f"/{task.pk}/transitions", {"action": "fly"})
        assert r.status_code == 422 and fields(r) == {"action"}
        r = api(secretariat).post(f"/{task.pk}/transitions", {"action": "cancel"})
        assert r.status_code == 422 and fields(r) == {"reason"}
        assert Task.objects.get(pk=task.pk).state == task.state

    def test_stale_version_is_409(self, api, make_task, secretariat):
        task = make_task()
        r = api(secretariat).post(
            f"/{task.pk}/transitions", {"action": "cancel", "reason": "x", "version": 7}
        )
        assert r.status_code == 409

    def test_outsider_gets_404(self, api, make_task, outsider):
        task = make_task()
        r = api(outsider).post(f"/{task.pk}/transitions", {"action": "start"})
        assert r.status_code == 404

    def test_change_deadline(self, api, make_task, leader, today):
        task = make_task()
        r = api(leader).post(
            f"/{task.pk}/transitions",
            {
                "action": "change_deadline",
                "reason": "Chờ quy hoạch",
                "new_deadline": (today + 100 * DAY).isoformat(),
            },
        )
        assert r.status_code == 200, r.json()
        data = r.json()
        assert data["extension_count"] == 1
        assert data["original_deadline"] == task.deadline.isoformat()
        assert len(data["deadline_changes"]) == 1
