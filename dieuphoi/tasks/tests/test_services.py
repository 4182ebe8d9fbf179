import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.org.tests.factories import AgencyFactory, UnitFactory
from dieuphoi.tasks import services
from dieuphoi.tasks.models import DeadlineChange, ProgressUpdate, Task, TaskPart

DAY = datetime.timedelta(days=1)
S = Task.State

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def counts():
    return (
        Task.objects.count(),
        TaskPart.objects.count(),
        ProgressUpdate.objects.count(),
        DeadlineChange.objects.count(),
        AuditEvent.objects.filter(action__startswith="tasks.").count(),
    )


@pytest.fixture
def create(hanoi_team, secretariat, member_agency, coop_agency, today):
    def _create(**kwargs):
        kwargs.setdefault("actor", secretariat)
        kwargs.setdefault("body", hanoi_team)
        kwargs.setdefault(
            "title", "Giải phóng mặt bằng dự án Đường Vành đai 4 - Vùng Thủ đô"
        )
        kwargs.setdefault("assigned_on", today - 10 * DAY)
        kwargs.setdefault("lead_agency", member_agency)
        kwargs.setdefault("deadline", today + 60 * DAY)
        kwargs.setdefault(
            "cooperating",
            [
                {
                    "agency": coop_agency,
                    "description": "Thẩm định hồ sơ đất",
                    "deadline": None,
                }
            ],
        )
        return services.task_create(**kwargs)

    return _create


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


# --- create -------------------------------------------------------------------


class TestCreate:
    def test_creates_task_with_code_parts_and_audit(self, create, today, coop_agency):
        task = create(is_key=True)
        assert task.code == f"NV-{(today - 10 * DAY).year}-0001"
        assert task.state == S.NEW
        assert task.original_deadline == task.deadline
        assert task.version == 1
        assert [p.agency for p in task.parts.all()] == [coop_agency]
        event = AuditEvent.objects.get(action="tasks.create")
        assert event.target_id == str(task.pk)
        assert event.changes["code"]["after"] == task.code
        assert "giai phong mat bang" in task.search_text

    def test_codes_are_sequential_per_body_and_year(
        self, create, other_team, admin_user
    ):
        first = create()
        second = create()
        assert (first.seq, second.seq) == (1, 2)
        other = create(actor=admin_user, body=other_team, cooperating=[])
        assert other.seq == 1

    def test_code_allocation_retries_on_a_clash(self, create, monkeypatch):
        create()
        calls = []
        real = services._next_seq

        def stale(body_id, year):
            calls.append(1)
            # The first attempt sees a stale maximum, as a concurrent writer would.
            return 1 if len(calls) == 1 else real(body_id, year)

        monkeypatch.setattr(services, "_next_seq", stale)
        task = create()
        assert task.seq == 2 and len(calls) == 2

    @pytest.mark.parametrize("role", ["leader", "deputy", "secretariat"])
    def test_managers_may_create(self, create, role, request):
        assert create(actor=request.getfixturevalue(role)).pk

    @pytest.mark.parametrize(
        "role", ["member", "external", "outsider", "leadership_viewer"]
    )
    def test_others_may_not_create(self, create, role, request):
        before = counts()
        with pytest.raises(PermissionDenied):
            create(actor=request.getfixturevalue(role))
        assert counts() == before

    def test_deadline_before_assigned_date_is_refused(self, create, today):
        before = counts()
        with pytest.raises(ValidationError) as exc:
            create(assigned_on=today - 10 * DAY, deadline=today - 11 * DAY)
        assert "deadline" in errors_of(exc)
        assert counts() == before

    def test_lead_agency_also_cooperating_is_refused(self, create, member_agency):
        before = counts()
        with pytest.raises(ValidationError) as exc:
            create(cooperating=[{"agency": member_agency}])
        assert "cooperating" in errors_of(exc)
        assert counts() == before

    def test_agency_not_valid_on_the_assigned_date_is_refused(self, create, today):
        merged = AgencyFactory(
            code="SKHDT",
            name="Sở Kế hoạch và Đầu tư",
            valid_from=datetime.date(2008, 8, 1),
            valid_to=datetime.date(2025, 2, 28),
        )
        before = counts()
        with pytest.raises(ValidationError) as exc:
            create(lead_agency=merged, cooperating=[])
        assert "lead_agency" in errors_of(exc)
        with pytest.raises(ValidationError) as exc:
            create(cooperating=[{"agency": merged}])
        assert "cooperating" in errors_of(exc)
        assert counts() == before

    def test_agency_valid_on_an_old_assigned_date_is_accepted(self, create):
        old = AgencyFactory(
            code="SKHDT",
            valid_from=datetime.date(2008, 8, 1),
            valid_to=datetime.date(2025, 2, 28),
        )
        task = create(
            lead_agency=old,
            cooperating=[],
            assigned_on=datetime.date(2024, 5, 2),
            deadline=datetime.date(2024, 8, 1),
        )
        assert task.code == "NV-2024-0001"

    def test_province_not_valid_on_the_assigned_date_is_refused(self, create, today):
        gone = UnitFactory(
            key="ha-nam",
            name="Tỉnh Hà Nam",
            valid_from=datetime.date(2008, 8, 1),
            valid_to=datetime.date(2025, 6, 30),
        )
        before = counts()
        with pytest.raises(ValidationError) as exc:
            create(provinces=[gone], assigned_on=datetime.date(2025, 7, 1))
        assert "provinces" in errors_of(exc)
        assert counts() == before

    def test_title_over_500_characters_is_refused(self, create):
        before = counts()
        with pytest.raises(ValidationError) as exc:
            create(title="x" * 501)
        assert "title" in errors_of(exc)
        assert counts() == before

    def test_assigned_date_in_the_future_is_refused(self, create, today):
        with pytest.raises(ValidationError) as exc:
            create(assigned_on=today + DAY, deadline=today + 9 * DAY)
        assert "assigned_on" in errors_of(exc)

    def test_owner_must_be_a_member_at_the_lead_agency(
        self, create, member, secretariat
    ):
        assert create(owner=member).owner == member
        with pytest.raises(ValidationError) as exc:
            create(owner=secretariat)
        assert "owner" in errors_of(exc)


# --- update ---------------------------------------------------------------------


class TestUpdate:
    def test_update_changes_fields_bumps_version_and_audits_diff(
        self, create, secretariat
    ):
        task = create()
        updated = services.task_update(
            actor=secretariat, task=task, version=1, title="Tiêu đề mới", is_key=True
        )
        assert updated.version == 2
        event = AuditEvent.objects.get(action="tasks.update")
        assert event.changes["title"]["after"] == "Tiêu đề mới"
        assert event.changes["is_key"] == {"before": False, "after": True}

    def test_stale_version_raises_conflict_and_writes_nothing(
        self, create, secretariat, leader
    ):
        task = create()
        services.task_update(actor=leader, task=task, version=1, title="Người thứ nhất")
        before = counts()
        with pytest.raises(Conflict) as exc:
            services.task_update(
                actor=secretariat, task=task, version=1, title="Người thứ hai"
            )
        assert exc.value.current_version == 2
        assert counts() == before
        assert Task.objects.get(pk=task.pk).title == "Người thứ nhất"

    def test_no_change_writes_nothing(self, create, secretariat):
        task = create()
        before = counts()
        same = services.task_update(
            actor=secretariat, task=task, version=1, title=task.title
        )
        assert same.version == 1 and counts() == before

    def test_member_may_not_edit(self, create, member):
        task = create()
        with pytest.raises(PermissionDenied):
            services.task_update(actor=member, task=task, version=1, title="x")

    def test_deadline_is_changed_only_by_the_transition(
        self, create, secretariat, today
    ):
        task = create()
        with pytest.raises(ValidationError) as exc:
            services.task_update(
                actor=secretariat, task=task, version=1, deadline=today + 90 * DAY
            )
        assert "deadline" in errors_of(exc)

    def test_replacing_cooperating_agencies(self, create, secretariat, coop_agency):
        task = create()
        new = AgencyFactory(code="SQHKT", name="Sở Quy hoạch - Kiến trúc")
        services.task_update(
            actor=secretariat,
            task=task,
            version=1,
            cooperating=[{"agency": new, "description": "Quy hoạch"}],
        )
        assert [p.agency for p in task.parts.all()] == [new]
        event = AuditEvent.objects.get(action="tasks.update")
        assert "cooperating" in event.changes

    def test_lead_agency_cannot_become_cooperating_on_update(
        self, create, secretariat, member_agency
    ):
        task = create()
        before = counts()
        with pytest.raises(ValidationError) as exc:
            services.task_update(
                actor=secretariat, task=task, version=1, cooperating=[member_agency]
            )
        assert "cooperating" in errors_of(exc)
        assert counts() == before


# --- transitions ------------------------------------------------------------------


class TestTransitions:
    def test_full_journey_completed_on_the_report_date(
        self, create, member, secretariat, today
    ):
        task = create(deadline=today - DAY, assigned_on=today - 20 * DAY)
        task = services.task_transition(actor=member, task=task, action="start")
        assert task.state == S.IN_PROGRESS
        task = services.task_transition(
            actor=member,
            task=task,
            action="report_done",
            reason="Đã bàn giao mặt bằng",
            reported_on=today - 2 * DAY,
        )
        assert task.state == S.REPORTED_DONE and task.progress == 100
        assert task.reported_done_on == today - 2 * DAY
        task = services.task_transition(actor=secretariat, task=task, action="confirm")
        assert task.state == S.COMPLETED
        # Reported before the deadline: on time although confirmed after it.
        assert task.completed_on == today - 2 * DAY
        actions = list(
            AuditEvent.objects.filter(target_id=str(task.pk)).values_list(
                "action", flat=True
            )
        )
        assert {"tasks.start", "tasks.report_done", "tasks.confirm"} <= set(actions)

    @pytest.mark.parametrize(
        ("role", "action", "allowed"),
        [
            ("member", "start", True),
            ("secretariat", "start", True),
            ("coop_member", "start", False),
            ("external", "start", False),
            ("outsider", "start", False),
            ("leadership_viewer", "start", False),
            ("member", "report_done", True),
            ("secretariat", "report_done", False),
            ("leader", "report_done", False),
            ("coop_member", "report_done", False),
            ("member", "cancel", False),
            ("deputy", "cancel", True),
            ("member", "change_deadline", False),
            ("leader", "change_deadline", True),
        ],
    )
    def test_roles_on_a_new_task(self, create, role, action, allowed, request, today):
        task = create()
        actor = request.getfixturevalue(role)
        kwargs = {"reason": "Lý do", "new_deadline": today + 90 * DAY}
        before = counts()
        if allowed:
            services.task_transition(actor=actor, task=task, action=action, **kwargs)
        else:
            with pytest.raises(PermissionDenied):
                services.task_transition(
                    actor=actor, task=task, action=action, **kwargs
                )
            assert counts() == before

    @pytest.mark.parametrize("role", ["member", "coop_member", "outsider", "external"])
    def test_only_managers_confirm(self, create, role, request, member):
        task = create()
        task = services.task_transition(actor=member, task=task, action="report_done")
        with pytest.raises(PermissionDenied):
            services.task_transition(
                actor=request.getfixturevalue(role), task=task, action="confirm"
            )

    def test_state_not_allowing_the_action_is_a_field_error(self, create, secretariat):
        task = create()
        before = counts()
        with pytest.raises(ValidationError) as exc:
            services.task_transition(actor=secretariat, task=task, action="confirm")
        assert "action" in errors_of(exc)
        assert counts() == before

    def test_unknown_action_is_a_field_error(self, create, secretariat):
        with pytest.raises(ValidationError) as exc:
            services.task_transition(actor=secretariat, task=create(), action="explode")
        assert "action" in errors_of(exc)

    @pytest.mark.parametrize("action", ["cancel", "change_deadline"])
    def test_reason_required(self, create, secretariat, action, today):
        task = create()
        before = counts()
        with pytest.raises(ValidationError) as exc:
            services.task_transition(
                actor=secretariat,
                task=task,
                action=action,
                new_deadline=today + 99 * DAY,
            )
        assert "reason" in errors_of(exc)
        assert counts() == before

    def test_reopen_needs_reason_and_clears_report_date(
        self, create, member, secretariat
    ):
        task = services.task_transition(
            actor=member, task=create(), action="report_done"
        )
        with pytest.raises(ValidationError):
            services.task_transition(actor=secretariat, task=task, action="reopen")
        task = services.task_transition(
            actor=secretariat, task=task, action="reopen", reason="Thiếu biên bản"
        )
        assert task.state == S.IN_PROGRESS and task.reported_done_on is None

    def test_cancel_records_date_and_reason(self, create, leader, today):
        task = services.task_transition(
            actor=leader, task=create(), action="cancel", reason="Không còn phù hợp"
        )
        assert task.state == S.CANCELLED
        assert task.cancelled_on == today and task.cancel_reason == "Không còn phù hợp"

    def test_change_deadline_keeps_the_original_and_counts(self, create, leader, today):
        task = create()
        original = task.deadline
        task = services.task_transition(
            actor=leader,
            task=task,
            action="change_deadline",
            reason="Chờ ý kiến Bộ Xây dựng",
            new_deadline=original + 30 * DAY,
        )
        task = services.task_transition(
            actor=leader,
            task=task,
            action="change_deadline",
            reason="Gia hạn lần 2",
            new_deadline=original + 45 * DAY,
        )
        assert task.original_deadline == original
        assert task.deadline == original + 45 * DAY
        assert task.extension_count == 2
        assert task.state == S.NEW
        assert DeadlineChange.objects.filter(task=task).count() == 2

    def test_change_deadline_before_assigned_date_is_refused(
        self, create, leader, today
    ):
        task = create()
        with pytest.raises(ValidationError) as exc:
            services.task_transition(
                actor=leader,
                task=task,
                action="change_deadline",
                reason="x",
                new_deadline=task.assigned_on - DAY,
            )
        assert "new_deadline" in errors_of(exc)

    def test_stale_version_on_transition(self, create, secretariat, leader):
        task = create()
        services.task_transition(actor=leader, task=task, action="start", version=1)
        before = counts()
        with pytest.raises(Conflict):
            services.task_transition(
                actor=secretariat, task=task, action="cancel", reason="x", version=1
            )
        assert counts() == before

    def test_cancelled_task_allows_nothing(self, create, leader, member):
        from dieuphoi.tasks.permissions import allowed_actions

        task = services.task_transition(
            actor=leader, task=create(), action="cancel", reason="x"
        )
        assert allowed_actions(leader, task) == []
        assert allowed_actions(member, task) == []


# --- progress ---------------------------------------------------------------------


class TestProgress:
    def test_lead_focal_point_reports_and_the_task_starts(self, create, member, today):
        task = create()
        update = services.progress_report(
            actor=member, task=task, percent=60, text="Đã kiểm đếm 60% diện tích"
        )
        task.refresh_from_db()
        assert update.part is None and update.agency == task.lead_agency
        assert task.progress == 60 and task.state == S.IN_PROGRESS
        assert task.last_update_on == today
        assert task.last_update_text == "Đã kiểm đếm 60% diện tích"
        assert task.version == 2
        event = AuditEvent.objects.get(action="tasks.progress")
        assert event.changes["progress"] == {"before": 0, "after": 60}

    def test_owner_may_report(self, create, member):
        task = create(owner=member)
        assert services.progress_report(
            actor=member, task=task, percent=10, text="Bắt đầu"
        )

    def test_cooperating_focal_point_reports_on_its_part_only(
        self, create, coop_member
    ):
        task = create()
        update = services.progress_report(
            actor=coop_member, task=task, percent=40, text="Đã thẩm định một phần"
        )
        part = task.parts.get()
        assert update.part == part
        part.refresh_from_db()
        task.refresh_from_db()
        assert part.progress == 40 and task.progress == 0
        assert task.last_update_text.startswith("[SNNMT]")

    def test_lead_cannot_report_on_a_cooperating_part(self, create, member):
        task = create()
        before = counts()
        with pytest.raises(PermissionDenied):
            services.progress_report(
                actor=member, task=task, percent=40, text="x", part=task.parts.get()
            )
        assert counts() == before

    @pytest.mark.parametrize(
        "role", ["secretariat", "leader", "external", "outsider", "leadership_viewer"]
    )
    def test_others_may_not_report(self, create, role, request):
        task = create()
        before = counts()
        with pytest.raises(PermissionDenied):
            services.progress_report(
                actor=request.getfixturevalue(role), task=task, percent=10, text="x"
            )
        assert counts() == before

    @pytest.mark.parametrize("percent", [-1, 101, 250])
    def test_percent_out_of_range_is_refused(self, create, member, percent):
        task = create()
        before = counts()
        with pytest.raises(ValidationError) as exc:
            services.progress_report(actor=member, task=task, percent=percent, text="x")
        assert "percent" in errors_of(exc)
        assert counts() == before

    def test_going_backwards_needs_a_reason(self, create, member):
        task = create()
        services.progress_report(actor=member, task=task, percent=60, text="60%")
        before = counts()
        with pytest.raises(ValidationError) as exc:
            services.progress_report(actor=member, task=task, percent=40, text="40%")
        assert "reason" in errors_of(exc)
        assert counts() == before
        services.progress_report(
            actor=member, task=task, percent=40, text="40%", reason="Điều chỉnh phạm vi"
        )
        task.refresh_from_db()
        assert task.progress == 40

    def test_date_in_the_future_or_before_the_latest_update_is_refused(
        self, create, member, today
    ):
        task = create()
        with pytest.raises(ValidationError) as exc:
            services.progress_report(
                actor=member, task=task, percent=10, text="x", reported_on=today + DAY
            )
        assert "reported_on" in errors_of(exc)
        services.progress_report(actor=member, task=task, percent=20, text="x")
        with pytest.raises(ValidationError) as exc:
            services.progress_report(
                actor=member, task=task, percent=30, text="x", reported_on=today - DAY
            )
        assert "reported_on" in errors_of(exc)

    def test_no_progress_on_a_task_reported_done(self, create, member):
        task = services.task_transition(
            actor=member, task=create(), action="report_done"
        )
        with pytest.raises(ValidationError):
            services.progress_report(actor=member, task=task, percent=100, text="x")

    def test_empty_text_is_refused(self, create, member):
        with pytest.raises(ValidationError) as exc:
            services.progress_report(actor=member, task=create(), percent=10, text="  ")
        assert "text" in errors_of(exc)

    def test_files_are_attached_to_the_update(self, create, member, tmp_path, settings):
        from dieuphoi.docs.models import Attachment

        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
        task = create()
        update = services.progress_report(
            actor=member,
            task=task,
            percent=60,
            text="Biên bản kiểm đếm",
            files=[
                SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
            ],
        )
        attachment = Attachment.objects.get()
        assert attachment.target == update
        assert AuditEvent.objects.get(action="tasks.progress").changes["files"] == [
            "bien-ban.pdf"
        ]

    def test_bad_file_writes_nothing(self, create, member, tmp_path, settings):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }
        task = create()
        before = counts()
        with pytest.raises(ValidationError):
            services.progress_report(
                actor=member,
                task=task,
                percent=60,
                text="x",
                files=[SimpleUploadedFile("virus.exe", b"MZ\x90\x00")],
            )
        assert counts() == before
