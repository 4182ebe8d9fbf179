"""The objects of the authorization world for inspections (see ``conftest.py``)."""

from __future__ import annotations

import datetime


def build(w, **ctx) -> dict:
    """``{reference: id}`` for ``matrix_inspections.py``'s rows. ``ctx``: hanoi,
    bac_ninh, third (a third province's team), third_agency, third_person,
    sxd (the member's agency), today, secretariat, admin, proposal,
    key_project, task (a Hanoi task of the team).

    - ``inspection.own_body``: the Hanoi team's inspection of Sở Xây dựng (the
      member's agency), in progress, with ``finding.own_body`` (a
      recommendation not yet a task);
    - ``inspection.other_body``: the third team's, with ``finding.other_body``.
    """
    from dieuphoi.inspections import services
    from dieuphoi.inspections.models import Finding, Inspection

    today = ctx["today"]
    secretariat = ctx["secretariat"]
    day = datetime.timedelta(days=1)
    own = services.inspection_create(
        actor=secretariat,
        body=ctx["hanoi"],
        title="Kiểm tra thử quyền",
        planned_on=today - 10 * day,
        subject_agencies=[ctx["sxd"]],
    )
    own = services.inspection_transition(
        actor=secretariat, inspection=own, action="start"
    )
    finding = services.finding_add(
        actor=secretariat,
        inspection=own,
        description="Phát hiện thử quyền",
        recommendation="Kiến nghị thử quyền",
        agency=ctx["sxd"],
        deadline=today + 30 * day,
    )
    other = Inspection.objects.create(
        body=ctx["third"],
        code="KT-KHAC-01",
        year=today.year,
        title="Kiểm tra của tỉnh Khác",
        planned_on=today - 10 * day,
        state=Inspection.State.IN_PROGRESS,
    )
    other.subject_agencies.set([ctx["third_agency"]])
    other_finding = Finding.objects.create(
        inspection=other,
        order=1,
        description="Phát hiện của tỉnh Khác",
        recommendation="Kiến nghị của tỉnh Khác",
        agency=ctx["third_agency"],
    )
    return {
        "inspection.own_body": own.pk,
        "finding.own_body": finding.pk,
        "inspection.other_body": other.pk,
        "finding.other_body": other_finding.pk,
    }
