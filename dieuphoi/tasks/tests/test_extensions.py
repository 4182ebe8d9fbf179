"""Extension requests: the services (workflow, bad input, permissions), the
task page and the home-page section (HTMX fragments, query counts), and the
API."""

import datetime
import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dieuphoi.accounts.services import api_token_create
from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.docs.models import Attachment
from dieuphoi.notifications.models import Notification
from dieuphoi.org.models import Membership
from dieuphoi.org.permissions import clear_role_cache
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.tasks import buckets, selectors, services
from dieuphoi.tasks.extensions import selectors as extension_selectors
from dieuphoi.tasks.extensions import services as extensions
from dieuphoi.tasks.extensions import views as extension_views
from dieuphoi.tasks.models import DeadlineChange, ExtensionRequest, Task
from dieuphoi.tasks.permissions import clear_seat_cache
from dieuphoi.tasks.tests.factories import ProgressUpdateFactory, TaskPartFactory

DAY = datetime.timedelta(days=1)
HX = {"HTTP_HX_REQUEST": "true"}
S = Task.State
R = ExtensionRequest.State
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
URL = "/api/v1/tasks"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def task(make_task, coop_agency):
    """In progress, deadline in 30 days, led by SXD (``member``'s agency)."""
    task = make_task(title="Giải phóng mặt bằng đường Vành đai 4")
    TaskPartFactory(task=task, agency=coop_agency)
    return task


@pytest.fixture(autouse=True)
def english():
    """Services called outside a request speak the default language (vi);
    the assertions below read the English source strings."""
    with translation.override("en"):
        yield


def fresh(user):
    """Forget cached roles, as a new request would."""
    clear_seat_cache(user)
    clear_role_cache(user)
    return user


def request_ext(task, user, *, days=20, reason="Chờ ý kiến thẩm định của Bộ"):
    return extensions.extension_request_create(
        actor=fresh(user),
        task=task,
        requested_deadline=task.deadline + days * DAY,
        reason=reason,
    )


def snapshot(task):
    """What a refused write must leave untouched."""
    task.refresh_from_db()
    return (
        task.state,
        task.deadline,
        task.original_deadline,
        task.extension_count,
        task.version,
        ExtensionRequest.objects.count(),
        DeadlineChange.objects.count(),
        AuditEvent.objects.writes().count(),
        Attachment.objects.count(),
    )


def html(response) -> str:
    return response.content.decode()


# --- request ---------------------------------------------------------------------------


class TestRequest:
    def test_focal_point_requests_an_extension(
        self, task, member, leader, deputy, today
    ):
        version = task.version
        extension = request_ext(task, member)
        task.refresh_from_db()
        assert task.state == S.EXTENSION_REQUESTED
        assert task.version == version + 1
        assert task.deadline == today + 30 * DAY  # unchanged until decided
        assert extension.state == R.PENDING
        assert extension.previous_state == S.IN_PROGRESS
        assert extension.current_deadline == today + 30 * DAY
        assert extension.requested_deadline == today + 50 * DAY
        assert extension.agency_id == task.lead_agency_id
        assert extension.requested_by == member
        event = AuditEvent.objects.get(action="tasks.request_extension")
        assert event.target_id == str(task.pk)
        assert event.changes["state"] == {
            "before": S.IN_PROGRESS,
            "after": S.EXTENSION_REQUESTED,
        }
        assert event.changes["requested_deadline"]["after"] == (
            (today + 50 * DAY).isoformat()
        )
        notified = set(
            Notification.objects.filter(kind="extension_requested").values_list(
                "recipient_id", flat=True
            )
        )
        assert notified == {leader.pk, deputy.pk}

    def test_owner_may_request(self, make_task, secretariat):
        task = make_task(owner=secretariat, state=S.NEW)
        extension = request_ext(task, secretariat)
        assert extension.previous_state == S.NEW

    @pytest.mark.parametrize(
        "role", ["leader", "deputy", "secretariat", "coop_member", "admin_user"]
    )
    def test_other_roles_may_not_request(self, task, role, request):
        user = request.getfixturevalue(role)
        before = snapshot(task)
        with pytest.raises(PermissionDenied):
            request_ext(task, user)
        assert snapshot(task) == before

    def test_file_is_attached_to_the_request(self, task, member):
        extension = extensions.extension_request_create(
            actor=fresh(member),
            task=task,
            requested_deadline=task.deadline + 10 * DAY,
            reason="Kèm công văn giải trình",
            file=SimpleUploadedFile("giai-trinh.pdf", PDF, "application/pdf"),
        )
        [attachment] = extension_selectors.extension_request_get(
            task=task, pk=extension.pk
        ).files
        assert attachment.original_name == "giai-trinh.pdf"
        event = AuditEvent.objects.get(action="tasks.request_extension")
        assert event.changes["files"] == ["giai-trinh.pdf"]


class TestRequestBadInput:
    @pytest.mark.parametrize(
        ("deadline_days", "requested_days", "field", "words"),
        [
            (-10, -5, "requested_deadline", "before today"),
            (5, 5, "requested_deadline", "after the current deadline"),
            (5, 3, "requested_deadline", "after the current deadline"),
            (-10, None, "requested_deadline", "Enter the new deadline"),
        ],
    )
    def test_bad_dates_write_nothing(
        self, make_task, member, today, deadline_days, requested_days, field, words
    ):
        task = make_task(deadline=today + deadline_days * DAY)
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            extensions.extension_request_create(
                actor=fresh(member),
                task=task,
                requested_deadline=(
                    today + requested_days * DAY if requested_days is not None else None
                ),
                reason="Lý do",
            )
        assert words in " ".join(exc.value.message_dict[field])
        assert snapshot(task) == before

    @pytest.mark.parametrize("reason", ["", "   \n  "])
    def test_empty_reason_writes_nothing(self, task, member, reason):
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            request_ext(task, member, reason=reason)
        assert set(exc.value.message_dict) == {"reason"}
        assert snapshot(task) == before

    def test_task_without_deadline_cannot_be_extended(self, make_task, member, today):
        task = make_task(deadline=None, original_deadline=None)
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            extensions.extension_request_create(
                actor=fresh(member),
                task=task,
                requested_deadline=today + 10 * DAY,
                reason="Lý do",
            )
        assert "no deadline" in exc.value.message_dict["requested_deadline"][0]
        assert snapshot(task) == before

    def test_second_pending_request_is_refused(self, task, member):
        request_ext(task, member)
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            request_ext(task, member, days=40)
        assert "already awaiting a decision" in exc.value.message_dict["action"][0]
        assert snapshot(task) == before

    @pytest.mark.parametrize("state", [S.REPORTED_DONE, S.COMPLETED, S.CANCELLED])
    def test_closed_or_reported_task_cannot_be_extended(
        self, make_task, member, today, state
    ):
        task = make_task(
            state=state,
            completed_on=today if state == S.COMPLETED else None,
            cancelled_on=today if state == S.CANCELLED else None,
        )
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            request_ext(task, member)
        assert set(exc.value.message_dict) == {"action"}
        assert snapshot(task) == before

    def test_stale_version_is_a_conflict(self, task, member):
        before = snapshot(task)
        with pytest.raises(Conflict):
            extensions.extension_request_create(
                actor=fresh(member),
                task=task,
                requested_deadline=task.deadline + DAY,
                reason="Lý do",
                version=task.version - 1 if task.version > 1 else task.version + 5,
            )
        assert snapshot(task) == before

    def test_one_pending_request_per_task_is_a_database_rule(self, task, member):
        extension = request_ext(task, member)
        duplicate = ExtensionRequest(
            task=task,
            agency=task.lead_agency,
            current_deadline=extension.current_deadline,
            requested_deadline=extension.requested_deadline + DAY,
            reason="Trùng",
            previous_state=S.IN_PROGRESS,
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            duplicate.save()

    def test_generic_transition_endpoint_refuses_extension_actions(self, task, member):
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            services.task_transition(
                actor=fresh(member), task=task, action="request_extension"
            )
        assert set(exc.value.message_dict) == {"action"}
        assert snapshot(task) == before


# --- decisions ---------------------------------------------------------------------------


class TestDecide:
    def test_approve_sets_the_requested_deadline_and_keeps_the_original(
        self, task, member, leader, today
    ):
        extension = request_ext(task, member)
        decided = extensions.extension_request_decide(
            actor=fresh(leader), task=task, extension=extension, decision="approve"
        )
        task.refresh_from_db()
        assert task.state == S.IN_PROGRESS
        assert task.deadline == today + 50 * DAY
        assert task.original_deadline == today + 30 * DAY
        assert task.extension_count == 1
        change = DeadlineChange.objects.get(task=task)
        assert (change.old_deadline, change.new_deadline) == (
            today + 30 * DAY,
            today + 50 * DAY,
        )
        assert change.reason == extension.reason
        assert change.changed_by == leader
        assert decided.state == R.APPROVED
        assert decided.approved_deadline == today + 50 * DAY
        assert (decided.decided_by, decided.decided_on) == (leader, today)
        event = AuditEvent.objects.get(action="tasks.approve_extension")
        assert event.changes["deadline"] == {
            "before": (today + 30 * DAY).isoformat(),
            "after": (today + 50 * DAY).isoformat(),
        }
        assert event.changes["state"]["after"] == S.IN_PROGRESS
        assert Notification.objects.filter(
            kind="extension_decided", recipient=member
        ).exists()

    def test_approved_overdue_task_becomes_in_progress_within_deadline(
        self, make_task, member, leader, today
    ):
        task = make_task(deadline=today - 5 * DAY)
        assert selectors.task_get(user=fresh(member), pk=task.pk).bucket == (
            buckets.OVERDUE
        )
        extension = extensions.extension_request_create(
            actor=fresh(member),
            task=task,
            requested_deadline=today + 10 * DAY,
            reason="Vướng mặt bằng",
        )
        # Still overdue while the request waits.
        assert selectors.task_get(user=fresh(member), pk=task.pk).bucket == (
            buckets.OVERDUE
        )
        extensions.extension_request_decide(
            actor=fresh(leader), task=task, extension=extension, decision="approve"
        )
        shown = selectors.task_get(user=fresh(member), pk=task.pk)
        assert shown.bucket == buckets.IN_PROGRESS_WITHIN_DEADLINE
        assert shown.state == S.IN_PROGRESS
        assert shown.original_deadline == today - 5 * DAY
        assert shown.deadline == today + 10 * DAY
        assert shown.extension_count == 1

    def test_approve_with_another_date(self, task, member, deputy, today):
        extension = request_ext(task, member)
        decided = extensions.extension_request_decide(
            actor=fresh(deputy),
            task=task,
            extension=extension,
            decision="approve_other_date",
            deadline=today + 40 * DAY,
            reason="Chỉ gia hạn 10 ngày",
        )
        task.refresh_from_db()
        assert task.deadline == today + 40 * DAY
        assert task.original_deadline == today + 30 * DAY
        assert task.extension_count == 1
        assert decided.state == R.APPROVED_OTHER_DATE
        assert decided.approved_deadline == today + 40 * DAY
        assert decided.decision_reason == "Chỉ gia hạn 10 ngày"
        assert DeadlineChange.objects.get(task=task).reason == "Chỉ gia hạn 10 ngày"

    def test_refuse_keeps_the_deadline(self, task, member, leader, today):
        extension = request_ext(task, member)
        decided = extensions.extension_request_decide(
            actor=fresh(leader),
            task=task,
            extension=extension,
            decision="refuse",
            reason="Không có căn cứ",
        )
        task.refresh_from_db()
        assert task.state == S.IN_PROGRESS
        assert task.deadline == today + 30 * DAY
        assert task.extension_count == 0
        assert not DeadlineChange.objects.exists()
        assert decided.state == R.REFUSED
        assert decided.approved_deadline is None
        assert AuditEvent.objects.get(action="tasks.refuse_extension").changes[
            "decision_reason"
        ] == ("Không có căn cứ")

    def test_admin_may_decide(self, task, member, admin_user):
        extension = request_ext(task, member)
        decided = extensions.extension_request_decide(
            actor=admin_user, task=task, extension=extension, decision="approve"
        )
        assert decided.state == R.APPROVED

    def test_new_task_with_progress_meanwhile_returns_in_progress(
        self, make_task, member, leader
    ):
        task = make_task(state=S.NEW)
        extension = request_ext(task, member)
        ProgressUpdateFactory(task=task, percent=20)
        extensions.extension_request_decide(
            actor=fresh(leader),
            task=task,
            extension=extension,
            decision="refuse",
            reason="Không",
        )
        task.refresh_from_db()
        assert task.state == S.IN_PROGRESS

    def test_new_task_without_progress_returns_new(self, make_task, member, leader):
        task = make_task(state=S.NEW)
        extension = request_ext(task, member)
        extensions.extension_request_decide(
            actor=fresh(leader), task=task, extension=extension, decision="approve"
        )
        task.refresh_from_db()
        assert task.state == S.NEW

    @pytest.mark.parametrize("role", ["member", "secretariat", "coop_member"])
    def test_other_roles_may_not_decide(self, task, member, role, request):
        extension = request_ext(task, member)
        user = request.getfixturevalue(role)
        before = snapshot(task)
        with pytest.raises(PermissionDenied):
            extensions.extension_request_decide(
                actor=fresh(user), task=task, extension=extension, decision="approve"
            )
        assert snapshot(task) == before

    def test_leader_of_another_body_may_not_decide(
        self, task, member, other_team, standing_agency
    ):
        extension = request_ext(task, member)
        stranger = UserFactory(username="truongto-bn")
        MembershipFactory(person=stranger, body=other_team, role=Membership.Role.LEADER)
        before = snapshot(task)
        with pytest.raises(PermissionDenied):
            extensions.extension_request_decide(
                actor=stranger, task=task, extension=extension, decision="approve"
            )
        assert snapshot(task) == before

    @pytest.mark.parametrize(
        ("decision", "deadline_days", "reason", "field"),
        [
            ("refuse", None, "", "reason"),
            ("approve_other_date", None, "", "deadline"),
            ("approve_other_date", 30, "", "deadline"),  # = current deadline
            ("approve_other_date", 20, "", "deadline"),  # before it
            ("approve_other_date", -1, "", "deadline"),  # before today
            ("reject", None, "", "decision"),
        ],
    )
    def test_bad_decisions_write_nothing(
        self, make_task, member, leader, today, decision, deadline_days, reason, field
    ):
        # Overdue task, so a date after the deadline may still be in the past.
        deadline = today + 30 * DAY if deadline_days != -1 else today - 10 * DAY
        task = make_task(deadline=deadline)
        extension = extensions.extension_request_create(
            actor=fresh(member),
            task=task,
            requested_deadline=today + 60 * DAY,
            reason="Lý do",
        )
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            extensions.extension_request_decide(
                actor=fresh(leader),
                task=task,
                extension=extension,
                decision=decision,
                deadline=today + deadline_days * DAY if deadline_days else None,
                reason=reason,
            )
        assert set(exc.value.message_dict) == {field}
        assert snapshot(task) == before
        extension.refresh_from_db()
        assert extension.state == R.PENDING

    def test_approve_fails_when_the_deadline_moved_past_the_request(
        self, task, member, secretariat, leader, today
    ):
        extension = request_ext(task, member, days=5)
        services.task_transition(
            actor=fresh(secretariat),
            task=task,
            action="change_deadline",
            new_deadline=today + 60 * DAY,
            reason="Theo chỉ đạo mới",
        )
        before = snapshot(task)
        with pytest.raises(ValidationError) as exc:
            extensions.extension_request_decide(
                actor=fresh(leader), task=task, extension=extension, decision="approve"
            )
        assert set(exc.value.message_dict) == {"decision"}
        assert snapshot(task) == before

    @pytest.mark.parametrize("first", ["approve", "refuse", "withdraw"])
    def test_deciding_a_request_no_longer_pending_is_a_conflict(
        self, task, member, leader, deputy, first
    ):
        extension = request_ext(task, member)
        if first == "withdraw":
            extensions.extension_request_withdraw(
                actor=fresh(member), task=task, extension=extension
            )
        else:
            extensions.extension_request_decide(
                actor=fresh(leader),
                task=task,
                extension=extension,
                decision=first,
                reason="Lý do",
            )
        before = snapshot(task)
        with pytest.raises(Conflict) as exc:
            extensions.extension_request_decide(
                actor=fresh(deputy), task=task, extension=extension, decision="approve"
            )
        assert "no longer awaiting a decision" in exc.value.message
        assert snapshot(task) == before

    def test_request_of_another_task_is_not_found(
        self, task, make_task, member, leader
    ):
        from django.http import Http404

        extension = request_ext(task, member)
        other = make_task()
        with pytest.raises(Http404):
            extensions.extension_request_decide(
                actor=fresh(leader), task=other, extension=extension, decision="approve"
            )

    def test_a_new_request_after_a_decision(self, task, member, leader, today):
        first = request_ext(task, member)
        extensions.extension_request_decide(
            actor=fresh(leader), task=task, extension=first, decision="approve"
        )
        task.refresh_from_db()
        second = request_ext(task, member, days=10)
        extensions.extension_request_decide(
            actor=fresh(leader), task=task, extension=second, decision="approve"
        )
        task.refresh_from_db()
        assert task.extension_count == 2
        assert task.original_deadline == today + 30 * DAY
        assert task.deadline == today + 60 * DAY
        history = extension_selectors.extension_request_list(task=task)
        assert [e.pk for e in history] == [second.pk, first.pk]


class TestWithdrawAndCancel:
    def test_requester_withdraws(self, task, member, today):
        extension = request_ext(task, member)
        extensions.extension_request_withdraw(
            actor=fresh(member), task=task, extension=extension
        )
        task.refresh_from_db()
        extension.refresh_from_db()
        assert task.state == S.IN_PROGRESS
        assert task.deadline == today + 30 * DAY
        assert extension.state == R.WITHDRAWN
        assert AuditEvent.objects.filter(action="tasks.withdraw_extension").exists()

    def test_leader_may_not_withdraw(self, task, member, leader):
        extension = request_ext(task, member)
        before = snapshot(task)
        with pytest.raises(PermissionDenied):
            extensions.extension_request_withdraw(
                actor=fresh(leader), task=task, extension=extension
            )
        assert snapshot(task) == before

    def test_cancelling_the_task_closes_the_pending_request(
        self, task, member, secretariat
    ):
        extension = request_ext(task, member)
        services.task_transition(
            actor=fresh(secretariat),
            task=task,
            action="cancel",
            reason="Không còn phù hợp",
        )
        extension.refresh_from_db()
        assert extension.state == R.WITHDRAWN
        assert extension.decision_reason == "Không còn phù hợp"
        event = AuditEvent.objects.get(action="tasks.cancel")
        assert event.changes["extension_request"] == extension.pk


# --- list filter ---------------------------------------------------------------------------


def test_extended_filter(make_task, member, leader, today):
    extended = make_task()
    plain = make_task()
    extension = request_ext(extended, member)
    extensions.extension_request_decide(
        actor=fresh(leader), task=extended, extension=extension, decision="approve"
    )
    filters, errors = selectors.parse_task_filters({"extended": "1"})
    assert not errors
    ids = {t.pk for t in selectors.task_list(user=fresh(member), filters=filters).items}
    assert ids == {extended.pk}
    filters, _errors = selectors.parse_task_filters({"extended": "0"})
    ids = {t.pk for t in selectors.task_list(user=fresh(member), filters=filters).items}
    assert ids == {plain.pk}
    _filters, errors = selectors.parse_task_filters({"extended": "maybe"})
    assert set(errors) == {"extended"}


def test_list_page_filters_extended_tasks(login, make_task, member, leader):
    extended = make_task(title="Nhiệm vụ đã gia hạn")
    plain = make_task(title="Nhiệm vụ chưa gia hạn")
    extension = request_ext(extended, member)
    extensions.extension_request_decide(
        actor=fresh(leader), task=extended, extension=extension, decision="approve"
    )
    page = html(login(member).get(reverse("tasks:list"), {"extended": "1"}))
    assert extended.code in page
    assert plain.code not in page
    page = html(login(member).get(reverse("tasks:list"), {"extended": "x"}))
    assert 'id="id_extended_error"' in page


# --- task page --------------------------------------------------------------------------------


def detail(client, task, **headers):
    return client.get(reverse("tasks:detail", args=[task.pk]), **headers)


def request_url(task):
    return reverse("tasks:extension-request", args=[task.pk])


def decide_url(task, extension):
    return reverse("tasks:extension-decide", args=[task.pk, extension.pk])


class TestTaskPage:
    def test_lead_sees_the_request_form_others_do_not(
        self, login, task, member, leader, secretariat, coop_member
    ):
        assert 'id="task-extension-form"' in html(detail(login(member), task))
        for user in (leader, secretariat, coop_member):
            assert 'id="task-extension-form"' not in html(detail(login(user), task))

    def test_request_by_htmx_returns_the_fragment(self, login, task, member, today):
        client = login(member)
        response = client.post(
            request_url(task),
            {
                "requested_deadline": (today + 45 * DAY).strftime("%d/%m/%Y"),
                "reason": "Chờ thẩm định",
                "version": task.version,
                "file": SimpleUploadedFile("giai-trinh.pdf", PDF, "application/pdf"),
            },
            **HX,
        )
        assert response.status_code == 200
        page = html(response)
        assert "<html" not in page
        assert page.lstrip().startswith('<div id="task-detail"')
        assert 'id="extension-pending"' in page
        assert (today + 45 * DAY).strftime("%d/%m/%Y") in page
        assert "giai-trinh.pdf" in page
        assert "showToast" in response["HX-Trigger"]
        task.refresh_from_db()
        assert task.state == S.EXTENSION_REQUESTED

    def test_request_without_htmx_redirects(self, login, task, member, today):
        response = login(member).post(
            request_url(task),
            {
                "requested_deadline": (today + 45 * DAY).strftime("%d/%m/%Y"),
                "reason": "Chờ thẩm định",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("tasks:detail", args=[task.pk])

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"requested_deadline": "", "reason": "Lý do"}, "requested_deadline"),
            (
                {"requested_deadline": "31/02/2030", "reason": "Lý do"},
                "requested_deadline",
            ),
            ({"requested_deadline": "{past}", "reason": "Lý do"}, "requested_deadline"),
            (
                {"requested_deadline": "{deadline}", "reason": "Lý do"},
                "requested_deadline",
            ),
            ({"requested_deadline": "{later}", "reason": ""}, "reason"),
        ],
    )
    def test_bad_request_shows_the_error_at_the_field(
        self, login, task, member, today, data, field
    ):
        values = {
            "{past}": (today - DAY).strftime("%d/%m/%Y"),
            "{deadline}": task.deadline.strftime("%d/%m/%Y"),
            "{later}": (today + 60 * DAY).strftime("%d/%m/%Y"),
        }
        data = {k: values.get(v, v) for k, v in data.items()}
        before = snapshot(task)
        response = login(member).post(request_url(task), data, **HX)
        assert response.status_code == 200
        page = html(response)
        assert f'id="id_extension_{field}_error"' in page
        assert re.search(r'id="task-extension-form"', page)
        assert snapshot(task) == before

    def test_second_request_shows_why(self, login, task, member, today):
        request_ext(task, member)
        before = snapshot(task)
        response = login(member).post(
            request_url(task),
            {
                "requested_deadline": (today + 70 * DAY).strftime("%d/%m/%Y"),
                "reason": "Lần hai",
            },
            **HX,
        )
        page = html(response)
        assert 'id="task-extension-notice"' in page
        assert snapshot(task) == before

    @pytest.mark.parametrize("role", ["leader", "secretariat", "coop_member"])
    def test_request_by_other_roles_is_forbidden(
        self, login, task, role, request, today
    ):
        before = snapshot(task)
        response = login(request.getfixturevalue(role)).post(
            request_url(task),
            {
                "requested_deadline": (today + 60 * DAY).strftime("%d/%m/%Y"),
                "reason": "x",
            },
        )
        assert response.status_code == 403
        assert snapshot(task) == before

    @pytest.mark.parametrize("role", ["outsider", "external"])
    def test_outsiders_get_404(self, login, task, member, role, request, today):
        extension = request_ext(task, member)
        client = login(request.getfixturevalue(role))
        before = snapshot(task)
        assert detail(client, task).status_code == 404
        response = client.post(
            request_url(task),
            {
                "requested_deadline": (today + 60 * DAY).strftime("%d/%m/%Y"),
                "reason": "x",
            },
        )
        assert response.status_code == 404
        response = client.post(decide_url(task, extension), {"decision": "approve"})
        assert response.status_code == 404
        response = client.post(
            reverse("tasks:extension-withdraw", args=[task.pk, extension.pk])
        )
        assert response.status_code == 404
        assert snapshot(task) == before

    def test_leader_sees_the_decisions_the_lead_does_not(
        self, login, task, member, leader, deputy
    ):
        extension = request_ext(task, member)
        withdraw = reverse("tasks:extension-withdraw", args=[task.pk, extension.pk])
        for user in (leader, deputy):
            page = html(detail(login(user), task))
            assert 'id="extension-pending"' in page
            assert 'name="decision" value="approve"' in page
            assert 'name="decision" value="refuse"' in page
            assert withdraw not in page
        page = html(detail(login(member), task))
        assert 'id="extension-pending"' in page
        assert 'name="decision"' not in page
        assert withdraw in page

    def test_approve_by_htmx_returns_the_fragment(
        self, login, task, member, leader, today
    ):
        extension = request_ext(task, member)
        response = login(leader).post(
            decide_url(task, extension), {"decision": "approve"}, **HX
        )
        page = html(response)
        assert "<html" not in page
        assert page.lstrip().startswith('<div id="task-detail"')
        assert 'id="extension-pending"' not in page
        assert 'id="task-deadline-original"' in page
        assert (today + 50 * DAY).strftime("%d/%m/%Y") in page
        assert 'id="extension-request-' in page
        assert "showToast" in response["HX-Trigger"]

    def test_refuse_without_reason_opens_the_form_with_the_error(
        self, login, task, member, leader
    ):
        extension = request_ext(task, member)
        before = snapshot(task)
        response = login(leader).post(
            decide_url(task, extension), {"decision": "refuse", "reason": ""}, **HX
        )
        page = html(response)
        assert f'id="id_ext{extension.pk}_refuse_reason_error"' in page
        assert (
            f'class="collapse show mt-2" id="extension-{extension.pk}-refuse"' in page
        )
        assert snapshot(task) == before

    @pytest.mark.parametrize("role", ["member", "secretariat", "coop_member"])
    def test_decision_by_other_roles_is_forbidden(
        self, login, task, member, role, request
    ):
        extension = request_ext(task, member)
        before = snapshot(task)
        response = login(request.getfixturevalue(role)).post(
            decide_url(task, extension), {"decision": "approve"}, **HX
        )
        assert response.status_code == 403
        assert snapshot(task) == before

    def test_request_id_of_another_task_is_404(
        self, login, task, make_task, member, leader
    ):
        extension = request_ext(task, member)
        other = make_task()
        response = login(leader).post(
            reverse("tasks:extension-decide", args=[other.pk, extension.pk]),
            {"decision": "approve"},
        )
        assert response.status_code == 404

    def test_second_decision_shows_the_first(self, login, task, member, leader, deputy):
        extension = request_ext(task, member)
        extensions.extension_request_decide(
            actor=fresh(deputy), task=task, extension=extension, decision="approve"
        )
        before = snapshot(task)
        response = login(leader).post(
            decide_url(task, extension),
            {"decision": "refuse", "reason": "Không đồng ý"},
            **HX,
        )
        page = html(response)
        assert 'id="task-notice"' in page
        assert 'id="extension-pending"' not in page
        assert snapshot(task) == before

    def test_history_shows_each_request_and_decision(
        self, login, task, member, leader, today
    ):
        first = request_ext(task, member)
        extensions.extension_request_decide(
            actor=fresh(leader),
            task=task,
            extension=first,
            decision="refuse",
            reason="Chưa đủ căn cứ",
        )
        task.refresh_from_db()
        second = request_ext(task, member, days=10)
        page = html(detail(login(member), task))
        history = re.search(
            r'id="task-extension-history".*?</section>', page, re.S
        ).group(0)
        assert f'id="extension-request-{first.pk}"' in history
        assert f'id="extension-request-{second.pk}"' in history
        assert "Chưa đủ căn cứ" in history
        assert "extension-state-refused" in history
        assert "extension-state-pending" in history

    def test_withdraw_by_htmx(self, login, task, member):
        extension = request_ext(task, member)
        response = login(member).post(
            reverse("tasks:extension-withdraw", args=[task.pk, extension.pk]), **HX
        )
        assert 'id="extension-pending"' not in html(response)
        task.refresh_from_db()
        assert task.state == S.IN_PROGRESS

    def test_request_file_is_hidden_from_outsiders(
        self, login, task, member, outsider, leader
    ):
        extension = extensions.extension_request_create(
            actor=fresh(member),
            task=task,
            requested_deadline=task.deadline + DAY,
            reason="Kèm file",
            file=SimpleUploadedFile("giai-trinh.pdf", PDF, "application/pdf"),
        )
        attachment = Attachment.objects.get(target_id=extension.pk)
        url = reverse("docs:attachment-download", args=[attachment.pk])
        assert login(leader).get(url).status_code == 200
        assert login(outsider).get(url).status_code == 404


# --- home page ------------------------------------------------------------------------


def inbox(page: str) -> str:
    match = re.search(r'<section [^>]*id="extension-inbox".*?</section>', page, re.S)
    return match.group(0) if match else ""


class TestHomeInbox:
    def test_leader_sees_pending_requests(self, login, task, member, leader, deputy):
        extension = request_ext(task, member)
        for user in (leader, deputy):
            section = inbox(html(login(user).get(reverse("core:home"))))
            assert f'id="extension-inbox-row-{extension.pk}"' in section
            assert task.code in section
            assert 'name="return_to" value="inbox"' in section

    @pytest.mark.parametrize(
        "role", ["member", "secretariat", "coop_member", "outsider", "external"]
    )
    def test_others_do_not(self, login, task, member, role, request):
        request_ext(task, member)
        page = html(login(request.getfixturevalue(role)).get(reverse("core:home")))
        assert 'id="extension-inbox"' not in page

    def test_no_section_without_pending_requests(self, login, task, leader):
        assert 'id="extension-inbox"' not in html(
            login(leader).get(reverse("core:home"))
        )

    def test_other_bodies_requests_are_not_listed(
        self, login, task, member, other_team
    ):
        request_ext(task, member)
        stranger = UserFactory(username="truongto-bn")
        MembershipFactory(person=stranger, body=other_team, role=Membership.Role.LEADER)
        assert 'id="extension-inbox"' not in html(
            login(stranger).get(reverse("core:home"))
        )

    def test_inline_approve_returns_the_inbox_fragment(
        self, login, make_task, member, leader, today
    ):
        first, second = make_task(), make_task()
        a = request_ext(first, member)
        b = request_ext(second, member)
        response = login(leader).post(
            decide_url(first, a), {"decision": "approve", "return_to": "inbox"}, **HX
        )
        page = html(response)
        assert "<html" not in page
        assert page.lstrip().startswith(
            '<section aria-labelledby="extension-inbox-heading"'
        )
        assert f'id="extension-inbox-row-{a.pk}"' not in page
        assert f'id="extension-inbox-row-{b.pk}"' in page
        assert "showToast" in response["HX-Trigger"]
        first.refresh_from_db()
        assert first.deadline == today + 50 * DAY

    def test_inline_refuse_without_reason_shows_the_error_in_the_row(
        self, login, task, member, leader
    ):
        extension = request_ext(task, member)
        before = snapshot(task)
        response = login(leader).post(
            decide_url(task, extension),
            {"decision": "refuse", "reason": "", "return_to": "inbox"},
            **HX,
        )
        page = html(response)
        assert page.lstrip().startswith(
            '<section aria-labelledby="extension-inbox-heading"'
        )
        assert f'id="id_ext{extension.pk}_refuse_reason_error"' in page
        assert snapshot(task) == before

    def test_inline_decision_on_a_decided_request_shows_a_notice(
        self, login, task, member, leader, deputy
    ):
        extension = request_ext(task, member)
        extensions.extension_request_decide(
            actor=fresh(deputy), task=task, extension=extension, decision="approve"
        )
        response = login(leader).post(
            decide_url(task, extension),
            {"decision": "approve", "return_to": "inbox"},
            **HX,
        )
        page = html(response)
        assert 'id="extension-inbox-notice"' in page
        assert 'id="extension-inbox-empty"' in page

    def test_inline_decision_without_htmx_redirects_home(
        self, login, task, member, leader
    ):
        extension = request_ext(task, member)
        response = login(leader).post(
            decide_url(task, extension), {"decision": "approve", "return_to": "inbox"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("core:home")

    @pytest.mark.parametrize("rows", [5, 50])
    def test_section_query_count_is_fixed(
        self, rows, rf, make_task, member, leader, django_assert_num_queries
    ):
        for _ in range(rows):
            request_ext(make_task(), member)
        ContentType.objects.get_for_model(ExtensionRequest)  # cached, as in use
        request = rf.get("/")
        request.user = fresh(leader)
        # Seats, the rows with their total (a window count), their files.
        with django_assert_num_queries(3):
            section = extension_views.inbox_section(request)
            page = render_to_string(section["template"], section["context"], request)
        shown = min(rows, extension_selectors.INBOX_SIZE)
        assert inbox(page).count('id="extension-inbox-row-') == shown
        assert f'id="extension-inbox-count">{rows}<' in page

    def test_home_page_query_count_does_not_grow(
        self, login, make_task, member, leader
    ):
        def home_queries() -> int:
            client = login(leader)
            fresh(leader)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(reverse("core:home"))
            assert response.status_code == 200
            return len(captured)

        for _ in range(5):
            request_ext(make_task(), member)
        login(leader).get(reverse("core:home"))  # warm the caches
        five = home_queries()
        for _ in range(45):
            request_ext(make_task(), member)
        assert home_queries() == five


# --- API -------------------------------------------------------------------------------------


class Api:
    def __init__(self, client, user):
        _, raw = api_token_create(user=user, name="test")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path):
        return self.client.get(URL + path, **self.headers)

    def post(self, path, data=None):
        return self.client.post(
            URL + path,
            json.dumps(data or {}, default=str),
            content_type="application/json",
            **self.headers,
        )


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


class TestApi:
    def test_full_flow(self, api, task, member, leader, today):
        response = api(member).post(
            f"/{task.pk}/extension-requests",
            {"requested_deadline": today + 45 * DAY, "reason": "Chờ thẩm định"},
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["request"]["state"] == "pending"
        assert data["task"]["state"] == "extension_requested"
        rid = data["request"]["id"]

        response = api(leader).post(
            f"/{task.pk}/extension-requests/{rid}/decision", {"decision": "approve"}
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["request"]["state"] == "approved"
        assert data["request"]["approved_deadline"] == (today + 45 * DAY).isoformat()
        assert data["task"]["deadline"] == (today + 45 * DAY).isoformat()
        assert data["task"]["original_deadline"] == (today + 30 * DAY).isoformat()
        assert data["task"]["extension_count"] == 1
        assert data["task"]["state"] == "in_progress"
        assert data["task"]["bucket"] == buckets.IN_PROGRESS_WITHIN_DEADLINE

        items = api(member).get(f"/{task.pk}/extension-requests").json()["items"]
        assert [i["id"] for i in items] == [rid]
        assert items[0]["decided_by"]["id"] == leader.pk

    def test_multipart_request_with_a_file(self, client, task, member, today):
        _, raw = api_token_create(user=member, name="test")
        response = client.post(
            f"{URL}/{task.pk}/extension-requests",
            {
                "requested_deadline": (today + 45 * DAY).isoformat(),
                "reason": "Kèm công văn",
                "file": SimpleUploadedFile("cv.pdf", PDF, "application/pdf"),
            },
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert response.status_code == 201, response.content
        assert [f["name"] for f in response.json()["request"]["files"]] == ["cv.pdf"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"requested_deadline": "{past}", "reason": "x"}, "requested_deadline"),
            ({"requested_deadline": "{deadline}", "reason": "x"}, "requested_deadline"),
            ({"requested_deadline": "{later}", "reason": " "}, "reason"),
            ({"reason": "x"}, "requested_deadline"),
            ({"requested_deadline": "31/12/2030", "reason": "x"}, "requested_deadline"),
        ],
    )
    def test_bad_request_is_422_with_the_field(
        self, api, task, member, today, payload, field
    ):
        values = {
            "{past}": (today - DAY).isoformat(),
            "{deadline}": task.deadline.isoformat(),
            "{later}": (today + 60 * DAY).isoformat(),
        }
        payload = {k: values.get(v, v) for k, v in payload.items()}
        client = api(member)
        before = snapshot(task)
        response = client.post(f"/{task.pk}/extension-requests", payload)
        assert response.status_code == 422
        assert field in fields(response)
        assert snapshot(task) == before

    def test_second_pending_request_is_422_on_action(self, api, task, member, today):
        request_ext(task, member)
        response = api(member).post(
            f"/{task.pk}/extension-requests",
            {"requested_deadline": today + 90 * DAY, "reason": "Lần hai"},
        )
        assert response.status_code == 422
        assert fields(response) == {"action"}

    def test_request_by_leader_is_403(self, api, task, leader, today):
        response = api(leader).post(
            f"/{task.pk}/extension-requests",
            {"requested_deadline": today + 60 * DAY, "reason": "x"},
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("role", ["outsider", "external"])
    def test_outsiders_get_404_everywhere(
        self, api, task, member, role, request, today
    ):
        extension = request_ext(task, member)
        client = api(request.getfixturevalue(role))
        before = snapshot(task)
        assert client.get(f"/{task.pk}/extension-requests").status_code == 404
        assert (
            client.post(
                f"/{task.pk}/extension-requests",
                {"requested_deadline": today + 60 * DAY, "reason": "x"},
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/{task.pk}/extension-requests/{extension.pk}/decision",
                {"decision": "approve"},
            ).status_code
            == 404
        )
        assert snapshot(task) == before

    @pytest.mark.parametrize("role", ["member", "secretariat", "coop_member"])
    def test_decision_by_other_roles_is_403(self, api, task, member, role, request):
        extension = request_ext(task, member)
        client = api(request.getfixturevalue(role))
        before = snapshot(task)
        response = client.post(
            f"/{task.pk}/extension-requests/{extension.pk}/decision",
            {"decision": "approve"},
        )
        assert response.status_code == 403
        assert snapshot(task) == before

    def test_second_decision_is_409(self, api, task, member, leader, deputy):
        extension = request_ext(task, member)
        path = f"/{task.pk}/extension-requests/{extension.pk}/decision"
        assert api(deputy).post(path, {"decision": "approve"}).status_code == 200
        client = api(leader)
        before = snapshot(task)
        response = client.post(path, {"decision": "refuse", "reason": "Không"})
        assert response.status_code == 409
        assert response.json()["code"] == "conflict"
        assert snapshot(task) == before

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"decision": "refuse"}, "reason"),
            ({"decision": "approve_other_date"}, "deadline"),
            ({"decision": "maybe"}, "decision"),
        ],
    )
    def test_bad_decision_is_422(self, api, task, member, leader, payload, field):
        extension = request_ext(task, member)
        client = api(leader)
        before = snapshot(task)
        response = client.post(
            f"/{task.pk}/extension-requests/{extension.pk}/decision", payload
        )
        assert response.status_code == 422
        assert fields(response) == {field}
        assert snapshot(task) == before

    def test_unknown_request_is_404(self, api, task, make_task, member, leader):
        extension = request_ext(task, member)
        other = make_task()
        response = api(leader).post(
            f"/{other.pk}/extension-requests/{extension.pk}/decision",
            {"decision": "approve"},
        )
        assert response.status_code == 404

    def test_transitions_endpoint_refuses_extension_actions(self, api, task, member):
        response = api(member).post(
            f"/{task.pk}/transitions", {"action": "request_extension"}
        )
        assert response.status_code == 422
        assert fields(response) == {"action"}

    def test_list_filter_extended(self, api, make_task, member, leader):
        extended, plain = make_task(), make_task()
        extension = request_ext(extended, member)
        extensions.extension_request_decide(
            actor=fresh(leader), task=extended, extension=extension, decision="approve"
        )
        items = api(member).get("?extended=1").json()["items"]
        assert [i["id"] for i in items] == [extended.pk]
        assert plain.pk not in [i["id"] for i in items]


# --- demo data ---------------------------------------------------------------------------


def test_demo_has_an_approved_and_a_pending_request(db):
    from dieuphoi.org.seed import seed_all as seed_registry
    from dieuphoi.tasks import seed

    seed_registry()
    seed.seed_all()
    states = sorted(ExtensionRequest.objects.values_list("state", flat=True))
    assert states == [R.APPROVED, R.PENDING]
    pending = ExtensionRequest.objects.get(state=R.PENDING)
    assert pending.task.state == S.EXTENSION_REQUESTED
    approved = ExtensionRequest.objects.get(state=R.APPROVED).task
    assert approved.extension_count == 1
    assert approved.deadline > approved.original_deadline
    seed.seed_all()  # idempotent
    assert ExtensionRequest.objects.count() == 2
