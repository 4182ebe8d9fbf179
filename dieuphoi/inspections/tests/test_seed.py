"""The demo inspection: the Hanoi team, two Hanoi agencies, a visit in the
recent past, three illustrative findings (one task in progress, one overdue,
one not converted), the Thông báo kết luận drafted; once."""

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.inspections import seed, selectors
from dieuphoi.inspections.models import Inspection
from dieuphoi.org.tests.test_seed import run_seed_demo

pytestmark = pytest.mark.django_db


def test_demo_inspection_once():
    run_seed_demo()
    inspection = Inspection.objects.get()
    assert inspection.body.key == seed.HANOI_TEAM_KEY
    assert sorted(a.code for a in inspection.subject_agencies.all()) == ["SNNMT", "SXD"]
    assert inspection.visit_from.date() < local_today()
    findings = list(inspection.findings.order_by("order"))
    assert len(findings) == 3
    assert all("minh họa" in f.description for f in findings)
    assert [f.is_converted for f in findings] == [True, True, False]
    fig = selectors.followup_figures([inspection.pk])[inspection.pk]
    assert fig.overdue == 1 and fig.in_progress_within_deadline == 1
    assert inspection.conclusion_paper is not None
    assert inspection.conclusion_paper.producer == "inspections"
    seed.seed_all()
    assert Inspection.objects.count() == 1
