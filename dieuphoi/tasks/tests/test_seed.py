import datetime
import threading
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections

from dieuphoi.audit.models import AuditEvent
from dieuphoi.org.seed import seed_all as seed_registry
from dieuphoi.tasks import buckets, seed, selectors
from dieuphoi.tasks.models import DeadlineChange, ProgressUpdate, Sector, Task, TaskPart

pytestmark = pytest.mark.django_db


def test_sixteen_sectors_idempotent():
    seed.seed_sectors()
    seed.seed_sectors()
    assert Sector.objects.count() == 16
    assert Sector.objects.first().name == "Quy hoạch"


def test_demo_tasks_cover_every_bucket_and_warning_and_are_idempotent():
    seed_registry()
    first = seed.seed_all()
    assert len(first.created) == len(seed.DEMO_TASKS)
    assert first.skipped == []
    again = seed.seed_all()
    assert again.created == [] and again.existing == len(seed.DEMO_TASKS)
    assert Task.objects.count() == len(seed.DEMO_TASKS)

    secretariat = get_user_model().objects.get(username="thuky")
    totals = selectors.task_summary(user=secretariat)["totals"]
    for name in (*buckets.BUCKETS, *buckets.WARNINGS):
        assert totals[name] > 0, name
    states = set(Task.objects.values_list("state", flat=True))
    assert states >= {"new", "in_progress", "reported_done", "completed", "cancelled"}
    assert Task.objects.filter(is_key=True).count() >= 5
    assert Task.objects.filter(extension_count=1).count() == 1
    assert DeadlineChange.objects.count() == 1
    assert TaskPart.objects.filter(updates__isnull=False).exists()
    assert ProgressUpdate.objects.count() > len(seed.DEMO_TASKS)
    # Written through the services: each task has its timeline.
    assert AuditEvent.objects.filter(action="tasks.create").count() == len(
        seed.DEMO_TASKS
    )
    ring_road = Task.objects.get(title__startswith="Đẩy nhanh giải phóng mặt bằng")
    assert ring_road.lead_agency.code == "SXD"
    assert {p.agency.code for p in ring_road.parts.all()} == {"SNNMT", "STC"}


def test_demo_tasks_need_the_registry():
    result = seed.seed_demo_tasks()
    assert result.created == [] and result.skipped


def test_seed_scale_builds_and_resets(hanoi_team):
    out = StringIO()
    call_command("seed_scale", tasks=300, agencies=12, batch=100, stdout=out)
    assert "done: 300 tasks" in out.getvalue()
    scale = Task.objects.filter(lead_agency__code__startswith="TT-")
    assert scale.count() == 300
    assert scale.filter(body=hanoi_team).count() == 300
    states = {
        s: scale.filter(state=s).count()
        for s in ("new", "in_progress", "reported_done", "completed", "cancelled")
    }
    open_share = (states["new"] + states["in_progress"] + states["reported_done"]) / 300
    assert 0.15 < open_share < 0.35
    assert ProgressUpdate.objects.count() > 300
    # Codes stay unique per body and year; the invariants the buckets rely on hold.
    assert scale.values("year", "seq").distinct().count() == 300
    today = datetime.date.today() + datetime.timedelta(days=1)
    assert not scale.filter(completed_on__gt=today).exists()
    summary = selectors.task_summary(
        user=get_user_model().objects.create(username="adm", is_superuser=True)
    )
    for name in buckets.BUCKETS:
        assert summary["totals"][name] > 0, name

    call_command("seed_scale", tasks=300, agencies=12, stdout=out)
    assert scale.count() == 300  # topped up to --tasks: nothing to add
    call_command("seed_scale", tasks=50, agencies=12, reset=True, stdout=out)
    assert scale.count() == 50
    assert not ProgressUpdate.objects.filter(task__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)
def test_concurrent_creates_get_distinct_codes(hanoi_team, secretariat, member_agency):
    from dieuphoi.tasks import services

    today = datetime.date.today()
    errors = []

    def create(i):
        try:
            for j in range(3):
                services.task_create(
                    actor=get_user_model().objects.get(pk=secretariat.pk),
                    body=hanoi_team,
                    title=f"Nhiệm vụ song song {i}-{j}",
                    assigned_on=today,
                    lead_agency=member_agency,
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            # close_old_connections() keeps a connection younger than
            # CONN_MAX_AGE (60 s): the thread's would outlive the test.
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(Task.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 13))
