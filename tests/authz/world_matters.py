"""The objects of the authorization world for matters (see ``conftest.py``)."""

from __future__ import annotations

import datetime


def build(w, **ctx) -> dict:
    """``{reference: id}`` for ``matrix_matters.py``'s rows. ``ctx``: hanoi,
    bac_ninh, third (a third province's team), third_agency, third_person,
    sxd (the member's agency), today, secretariat, admin, proposal,
    key_project, task (a Hanoi task of the team).

    - ``matter.own_body``: the Hanoi team's matter concerning Hà Nội and Bắc
      Ninh (the external user's province: shared with them), version 1.
    - ``matter.other_body``: the third team's matter concerning a province
      nobody of the roles stands for.
    """
    from dieuphoi.matters import services
    from dieuphoi.org.tests.factories import UnitFactory

    hanoi, bac_ninh, third = ctx["hanoi"], ctx["bac_ninh"], ctx["third"]
    today = ctx["today"]
    own = services.matter_create(
        actor=ctx["secretariat"],
        body=hanoi,
        code="VD-AUTHZ",
        title="Vấn đề thử quyền",
        raised_on=today,
        provinces=[hanoi.unit, bac_ninh.unit],
        raised_by_body=hanoi,
    )
    elsewhere = UnitFactory(
        key="authz-khac", name="Tỉnh Khác", valid_from=datetime.date(2022, 8, 22)
    )
    other = services.matter_create(
        actor=ctx["admin"],
        body=third,
        code="VD-KHAC",
        title="Vấn đề tỉnh Khác",
        raised_on=today,
        provinces=[elsewhere],
        raised_by_agency=ctx["third_agency"],
    )
    return {"matter.own_body": own.pk, "matter.other_body": other.pk}
