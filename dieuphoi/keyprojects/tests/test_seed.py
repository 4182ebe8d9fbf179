"""The demo key project: Ring Road 4 with its provinces and the demo tasks
that serve it; illustrative milestones (one done, one late, two ahead); no
official amount or decision; once."""

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.keyprojects import seed
from dieuphoi.keyprojects.models import KeyProject
from dieuphoi.org.tests.test_seed import run_seed_demo

pytestmark = pytest.mark.django_db


def test_demo_key_project_once():
    run_seed_demo()
    project = KeyProject.objects.get(code=seed.CODE)
    assert sorted(u.key for u in project.locations.all()) == [
        "bac-ninh",
        "ha-noi",
        "hung-yen",
    ]
    assert project.tasks.exists()
    assert all("Vành đai 4" in t.title for t in project.tasks.all())
    today = local_today()
    statuses = [m.status_on(today) for m in project.milestones.order_by("planned_on")]
    assert statuses[1] == "late" and statuses[0] in ("done", "done_late")
    assert all("minh họa" in m.name for m in project.milestones.all())
    assert (
        project.total_investment in (None, 0)
        and not project.decision_documents.exists()
    )
    seed.seed_all()
    assert KeyProject.objects.count() == 1
