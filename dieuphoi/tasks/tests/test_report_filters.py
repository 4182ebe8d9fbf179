"""The task list's filters the periodic reports link to: ``cancelled``,
``completed_from``/``completed_to``, ``extended_from``/``extended_to`` and
``source_kind``."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from dieuphoi.tasks import selectors
from dieuphoi.tasks.models import ExtensionRequest, Task

pytestmark = pytest.mark.django_db
D = datetime.date
S = Task.State


def listed(user, params) -> set[int]:
    filters, errors = selectors.parse_task_filters(params)
    assert errors == {}
    return set(
        selectors.task_queryset(user=user, filters=filters).values_list("pk", flat=True)
    )


@pytest.fixture
def rows(make_task, member_agency):
    base = {"assigned_on": D(2026, 1, 5), "deadline": D(2026, 3, 1)}
    done_in = make_task(state=S.COMPLETED, completed_on=D(2026, 2, 10), **base)
    done_before = make_task(state=S.COMPLETED, completed_on=D(2026, 1, 20), **base)
    cancelled = make_task(state=S.CANCELLED, cancelled_on=D(2026, 2, 1), **base)
    open_ = make_task(**base)
    ExtensionRequest.objects.create(
        task=open_,
        agency=member_agency,
        current_deadline=D(2026, 3, 1),
        requested_deadline=D(2026, 4, 1),
        reason="Chờ ý kiến",
        state=ExtensionRequest.State.APPROVED,
        decided_on=D(2026, 2, 20),
        approved_deadline=D(2026, 4, 1),
    )
    ExtensionRequest.objects.create(
        task=done_in,
        agency=member_agency,
        current_deadline=D(2026, 3, 1),
        requested_deadline=D(2026, 4, 1),
        reason="Bị từ chối",
        state=ExtensionRequest.State.REFUSED,
        decided_on=D(2026, 2, 20),
    )
    open_.source_type = ContentType.objects.get_by_natural_key(
        "activities", "conclusion"
    )
    open_.source_id = 7
    open_.save()
    return {
        "done_in": done_in,
        "done_before": done_before,
        "cancelled": cancelled,
        "open": open_,
    }


def test_completed_in_a_range(rows, secretariat):
    params = {
        "on": "2026-02-28",
        "completed_from": "2026-02-01",
        "completed_to": "2026-02-28",
    }
    assert listed(secretariat, params) == {rows["done_in"].pk}


def test_cancelled_or_not_as_of_a_date(rows, secretariat):
    assert listed(secretariat, {"on": "2026-02-28", "cancelled": "1"}) == {
        rows["cancelled"].pk
    }
    assert rows["cancelled"].pk in listed(
        secretariat, {"on": "2026-01-31", "cancelled": "0"}
    )
    assert rows["cancelled"].pk not in listed(
        secretariat, {"on": "2026-02-28", "cancelled": "0"}
    )


def test_extension_approved_in_a_range(rows, secretariat):
    assert listed(
        secretariat, {"extended_from": "2026-02-01", "extended_to": "2026-02-28"}
    ) == {rows["open"].pk}
    assert listed(secretariat, {"extended_from": "2026-03-01"}) == set()


def test_source_kind(rows, secretariat):
    assert listed(secretariat, {"source_kind": "activities.conclusion"}) == {
        rows["open"].pk
    }


def test_the_outsider_sees_none(rows, outsider):
    assert listed(outsider, {"cancelled": "0"}) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cancelled": "maybe"}, "cancelled"),
        ({"source_kind": "nothing.here"}, "source_kind"),
        ({"source_kind": "plain"}, "source_kind"),
        (
            {"completed_from": "2026-02-10", "completed_to": "2026-02-01"},
            "completed_to",
        ),
        ({"extended_to": "31/02/2026"}, "extended_to"),
    ],
)
def test_bad_values_are_reported_at_their_field(db, params, field):
    _filters, errors = selectors.parse_task_filters(params)
    assert field in errors
