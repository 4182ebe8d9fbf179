"""Who sees an inspection: its body, the city, focal points of an inspected
agency (read only, in any body); not other provinces' teams nor outsiders.
The link from a matter's page; the notification targets that make a
finding a task's source."""

import pytest

from dieuphoi.core.models import local_today
from dieuphoi.inspections import permissions, services
from dieuphoi.inspections.models import Inspection
from dieuphoi.notifications.registry import target_for_model
from dieuphoi.tasks.sources import source_link

pytestmark = pytest.mark.django_db


def test_visible_and_can_view_agree(
    inspection,
    member,
    secretariat,
    leadership_viewer,
    admin_user,
    external,
    outsider,
    council_focal,
):
    sees = {member, secretariat, leadership_viewer, admin_user, council_focal}
    for user in (*sees, external, outsider):
        in_sql = permissions.visible(user).filter(pk=inspection.pk).exists()
        assert in_sql == permissions.can_view_inspection(user, inspection), user
        assert in_sql == (user in sees), user


def test_who_changes(
    inspection,
    member,
    secretariat,
    deputy,
    leader,
    admin_user,
    leadership_viewer,
    council_focal,
):
    for user in (secretariat, deputy, leader, admin_user):
        assert permissions.can_change_inspection(user, inspection)
    for user in (member, leadership_viewer, council_focal):
        assert not permissions.can_change_inspection(user, inspection)
    assert permissions.can_see_internals(member, inspection)
    assert not permissions.can_see_internals(council_focal, inspection)


def test_a_finding_is_a_task_source_shown_to_who_may_see(
    findings, secretariat, external
):
    assert target_for_model(type(findings[0])) is not None
    task = services.finding_convert(actor=secretariat, finding=findings[0])
    link = source_link(task, secretariat)
    assert link["url"] == findings[0].get_absolute_url()
    assert link["key"] == f"inspections.finding:{findings[0].pk}"
    assert source_link(task, external) is None


def test_matter_page_lists_the_inspections_the_user_may_see(
    inspection, secretariat, external
):
    from dieuphoi.matters.links import linked_sections
    from dieuphoi.matters.models import Matter

    matter = Matter.objects.create(
        body=inspection.body,
        code="VD-01",
        year=local_today().year,
        title="Vấn đề thử",
        raised_on=local_today(),
        raised_by_body=inspection.body,
    )
    services.inspection_update(
        actor=secretariat, inspection=inspection, version=None, matters=[matter]
    )
    sections = {s["key"]: s for s in linked_sections(matter, secretariat)}
    assert sections["inspections"]["items"] == [
        (str(inspection), inspection.get_absolute_url())
    ]
    assert "inspections" not in {s["key"] for s in linked_sections(matter, external)}
    assert list(Inspection.objects.filter(matters=matter)) == [inspection]
