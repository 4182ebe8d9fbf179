import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dieuphoi.api.errors import Conflict
from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.models import local_today
from dieuphoi.inspections import selectors, services
from dieuphoi.inspections.models import Finding, Inspection
from dieuphoi.org.tests.factories import AgencyFactory
from dieuphoi.tasks import buckets
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.sources import source_key

from .conftest import DAY, add_finding, make_inspection

pytestmark = pytest.mark.django_db


def writes():
    return AuditEvent.objects.writes().count()


def test_create_numbers_the_code_per_body_and_year(
    inspection, team, secretariat, member_agency
):
    year = inspection.planned_on.year
    assert inspection.code == f"KT-{year}-01"
    assert inspection.state == Inspection.State.IN_PROGRESS
    second = make_inspection(
        team, secretariat, [member_agency], kind=Inspection.Kind.SUPERVISION
    )
    assert second.code == f"GS-{year}-01"
    third = make_inspection(team, secretariat, [member_agency])
    assert third.code == f"KT-{year}-02"


def test_code_unique_in_body_and_year(inspection, team, secretariat, member_agency):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        make_inspection(
            team, secretariat, [member_agency], code=inspection.code.lower()
        )
    assert "code" in exc.value.message_dict
    assert writes() == before
    assert Inspection.objects.count() == 1


def test_period_end_before_start_writes_nothing(team, secretariat, member_agency):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        make_inspection(
            team,
            secretariat,
            [member_agency],
            period_from=datetime.date(2026, 3, 1),
            period_to=datetime.date(2026, 2, 1),
        )
    assert "period_to" in exc.value.message_dict
    assert writes() == before
    assert not Inspection.objects.exists()


def test_visit_ending_before_it_starts(team, secretariat, member_agency):
    from .conftest import visit_times

    start, end = visit_times()
    with pytest.raises(ValidationError) as exc:
        make_inspection(
            team, secretariat, [member_agency], visit_from=end, visit_to=start
        )
    assert "visit_to" in exc.value.message_dict


def test_subject_agency_not_valid_on_plan_date(team, secretariat, member_agency):
    gone = AgencyFactory(code="SOLD", name="Sở cũ", valid_to=local_today() - 100 * DAY)
    with pytest.raises(ValidationError) as exc:
        make_inspection(team, secretariat, [member_agency, gone])
    assert "subject_agencies" in exc.value.message_dict
    assert "Sở cũ" in " ".join(exc.value.message_dict["subject_agencies"])


def test_no_subject_agency(team, secretariat):
    with pytest.raises(ValidationError) as exc:
        make_inspection(team, secretariat, [])
    assert "subject_agencies" in exc.value.message_dict


def test_member_and_outsider_may_not_plan(team, member, outsider, member_agency):
    for user in (member, outsider):
        with pytest.raises(PermissionDenied):
            make_inspection(team, user, [member_agency])
    assert not Inspection.objects.exists()


def test_update_with_stale_version_conflicts(inspection, secretariat, deputy):
    services.inspection_update(
        actor=deputy, inspection=inspection, version=inspection.version, place="A"
    )
    before = writes()
    with pytest.raises(Conflict):
        services.inspection_update(
            actor=secretariat,
            inspection=inspection,
            version=inspection.version,
            place="B",
        )
    assert writes() == before
    assert Inspection.objects.get().place == "A"


def test_finding_agency_must_be_inspected(inspection, secretariat, standing_agency):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        add_finding(inspection, secretariat, standing_agency)
    assert "agency" in exc.value.message_dict
    assert writes() == before
    assert not Finding.objects.exists()


def test_finding_needs_description_and_known_severity(
    inspection, secretariat, member_agency
):
    with pytest.raises(ValidationError) as exc:
        add_finding(
            inspection, secretariat, member_agency, description=" ", severity="huge"
        )
    assert {"description", "severity"} <= set(exc.value.message_dict)


def test_findings_only_while_in_progress(team, secretariat, member_agency):
    planned = make_inspection(team, secretariat, [member_agency])
    with pytest.raises(ValidationError) as exc:
        add_finding(planned, secretariat, member_agency)
    assert "state" in exc.value.message_dict


def test_convert_makes_a_task_of_the_agency_with_source(
    findings, secretariat, member_agency
):
    first = findings[0]
    task = services.finding_convert(actor=secretariat, finding=first)
    first.refresh_from_db()
    assert (
        first.task == task and first.converted_at and first.converted_by == secretariat
    )
    assert task.lead_agency == member_agency
    assert task.deadline == first.deadline
    assert task.source_id == first.pk
    assert task.source_type.model == "finding"
    assert "Khẩn trương hoàn thành" in task.title
    # The task list finds it by its source.
    assert Task.objects.filter(selectors_source_q(source_key(first))).get() == task


def selectors_source_q(key):
    from dieuphoi.tasks.sources import source_q

    return source_q(key)


def test_convert_twice_is_refused_and_writes_nothing(findings, secretariat):
    first = findings[0]
    services.finding_convert(actor=secretariat, finding=first)
    before, tasks = writes(), Task.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.finding_convert(actor=secretariat, finding=first)
    assert "task" in exc.value.message_dict
    assert writes() == before
    assert Task.objects.count() == tasks


def test_convert_without_recommendation_writes_nothing(findings, secretariat):
    third = findings[2]
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.finding_convert(actor=secretariat, finding=third)
    assert {"recommendation", "agency"} <= set(exc.value.message_dict)
    assert writes() == before
    assert not Task.objects.exists()


def test_convert_with_a_past_deadline_is_a_field_error(
    inspection, secretariat, member_agency
):
    late = add_finding(
        inspection, secretariat, member_agency, deadline=local_today() - DAY
    )
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.finding_convert(actor=secretariat, finding=late)
    assert "deadline" in exc.value.message_dict
    assert writes() == before


def test_convert_all_is_all_or_nothing(findings, secretariat):
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.findings_convert_all(
            actor=secretariat, inspection=findings[0].inspection
        )
    assert "recommendation" in exc.value.message_dict
    assert writes() == before
    assert not Task.objects.exists()
    # Without the finding that has no recommendation, both become tasks.
    Finding.objects.filter(pk=findings[2].pk).delete()
    tasks = services.findings_convert_all(
        actor=secretariat, inspection=findings[0].inspection
    )
    assert len(tasks) == 2
    assert Finding.objects.filter(converted_at__isnull=False).count() == 2
    with pytest.raises(ValidationError):
        services.findings_convert_all(
            actor=secretariat, inspection=findings[0].inspection
        )


def test_member_may_not_convert(findings, member):
    with pytest.raises(PermissionDenied):
        services.finding_convert(actor=member, finding=findings[0])
    assert not Task.objects.exists()


def test_followup_figures_match_a_hand_count(
    inspection, secretariat, member_agency, transport_agency
):
    today = local_today()
    made = []
    for _i, (agency, deadline) in enumerate(
        [
            (member_agency, today + 10 * DAY),  # stays in progress
            (member_agency, today + 10 * DAY),  # completed on time
            (transport_agency, today + 10 * DAY),  # becomes overdue
            (transport_agency, today + 20 * DAY),  # cancelled: counts nowhere
        ]
    ):
        f = add_finding(inspection, secretariat, agency, deadline=deadline)
        made.append((f, services.finding_convert(actor=secretariat, finding=f)))
    add_finding(inspection, secretariat, member_agency)  # not converted
    Task.objects.filter(pk=made[1][1].pk).update(
        state=Task.State.COMPLETED, completed_on=today, progress=100
    )
    Task.objects.filter(pk=made[2][1].pk).update(
        assigned_on=today - 40 * DAY, deadline=today - 30 * DAY
    )
    Task.objects.filter(pk=made[3][1].pk).update(
        state=Task.State.CANCELLED, cancelled_on=today
    )
    fig = selectors.followup_figures([inspection.pk])[inspection.pk]
    # By hand: 5 findings, 4 converted, 3 counted tasks.
    assert (fig.findings, fig.converted, fig.tasks) == (5, 4, 3)
    assert fig.completed_on_time == 1
    assert fig.completed_late == 0
    assert fig.in_progress_within_deadline == 1
    assert fig.overdue == 1
    # The same numbers as the official buckets task by task.
    annotated = buckets.annotate_buckets(
        Task.objects.filter(inspection_findings__inspection=inspection), today
    )
    by_bucket = {}
    for t in annotated:
        by_bucket[t.bucket] = by_bucket.get(t.bucket, 0) + 1
    for name in buckets.BUCKETS:
        assert getattr(fig, name) == by_bucket.get(name, 0)
    overdue = selectors.followup_tasks(inspection, bucket=buckets.OVERDUE)
    assert [t.pk for t in overdue] == [made[2][1].pk]


def test_followup_figures_one_query(
    inspection, findings, secretariat, django_assert_num_queries
):
    services.finding_convert(actor=secretariat, finding=findings[0])
    with django_assert_num_queries(1):
        selectors.followup_figures([inspection.pk])


def test_transitions_follow_the_table(inspection, findings, secretariat, paper_setup):
    with pytest.raises(ValidationError):
        services.inspection_transition(
            actor=secretariat, inspection=inspection, action="close"
        )
    inspection = services.inspection_transition(
        actor=secretariat, inspection=inspection, action="record"
    )
    assert inspection.state == Inspection.State.FINDINGS
    with pytest.raises(ValidationError) as exc:
        services.inspection_transition(
            actor=secretariat, inspection=inspection, action="conclude"
        )
    assert "action" in exc.value.message_dict
    services.conclusion_create(actor=secretariat, inspection=inspection)
    inspection = services.inspection_transition(
        actor=secretariat, inspection=inspection, action="conclude"
    )
    with pytest.raises(ValidationError):
        services.inspection_transition(
            actor=secretariat, inspection=inspection, action="close"
        )
    Finding.objects.filter(pk=findings[2].pk).update(recommendation="")
    for f in findings[:2]:
        services.finding_convert(actor=secretariat, finding=f)
    inspection = services.inspection_transition(
        actor=secretariat, inspection=inspection, action="close"
    )
    assert inspection.state == Inspection.State.CLOSED
    with pytest.raises(ValidationError):
        services.inspection_update(
            actor=secretariat, inspection=inspection, version=None, place="X"
        )


def test_conclusion_paper_carries_the_findings(
    inspection, findings, secretariat, leader, paper_setup
):
    from dieuphoi.paperwork.models import Paper

    inspection = services.inspection_transition(
        actor=secretariat, inspection=inspection, action="record"
    )
    paper = services.conclusion_create(actor=secretariat, inspection=inspection)
    assert paper.producer == "inspections"
    assert paper.source_id == inspection.pk
    assert paper.kind.key == "thong-bao"
    assert paper.signer == leader
    assert Inspection.objects.get().conclusion_paper == paper
    blocks = paper.versions.order_by("-number").first().blocks
    text = " ".join(b.get("text", "") for b in blocks)
    for f in findings:
        assert f.description in text
    assert findings[0].recommendation in text
    assert "Kiến nghị và yêu cầu" in text
    assert any(b.get("kind") == "heading" for b in blocks)
    # Once.
    before = writes()
    with pytest.raises(ValidationError) as exc:
        services.conclusion_create(actor=secretariat, inspection=inspection)
    assert "conclusion_paper" in exc.value.message_dict
    assert writes() == before
    assert Paper.objects.count() == 1


def test_conclusion_before_findings_refused(inspection, secretariat, paper_setup):
    with pytest.raises(ValidationError) as exc:
        services.conclusion_create(actor=secretariat, inspection=inspection)
    assert "state" in exc.value.message_dict
