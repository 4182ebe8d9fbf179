"""The objects of the authorization world for periodic reports (see
``conftest.py``)."""

from __future__ import annotations

import datetime

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def build(w, **ctx) -> dict:
    """``{reference: id}`` for ``matrix_reports.py``'s rows. ``ctx``: hanoi,
    bac_ninh, third (a third province's team), third_agency, third_person,
    sxd (the member's agency), today, secretariat, admin, proposal,
    key_project, task (a Hanoi task of the team).

    Built through the services (``report_create``, ``contributions_request``),
    on an ad hoc period (the demo's reports are a quarter and a month), so
    it holds whatever day the tests run:

    - ``report.own_body``: the Hanoi team's draft report, version 1, with one
      request asking Sở Xây dựng (the member is its focal point in the team)
      and the Bắc Ninh team (the external user's: every member acts for it);
    - ``contribution.own_agency``: Sở Xây dựng's contribution (pending,
      version 1): the member fills it;
    - ``contribution.party``: the Bắc Ninh team's: the external user fills it;
    - ``report.other_body``: the third team's report, asking the third
      team's agency (``contribution.other_body``): nobody of the roles sits
      in that team or acts for that agency;
    - ``att.contribution_own_agency``: the member's file on Sở Xây dựng's
      contribution; ``att.contribution_party``: the external user's on the
      Bắc Ninh team's.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dieuphoi.docs.services import attachment_add
    from dieuphoi.reports import contributions, services
    from dieuphoi.reports.models import Contribution

    today = ctx["today"]
    start, end = today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)
    own = services.report_create(
        actor=ctx["secretariat"],
        body=ctx["hanoi"],
        period_type="ad_hoc",
        start=start,
        end=end,
        title="Báo cáo thử quyền",
    )
    asked = contributions.contributions_request(
        actor=ctx["secretariat"],
        report=own,
        agencies=[ctx["sxd"]],
        party_bodies=[ctx["bac_ninh"]],
        deadline=today,
        message="Thử quyền",
    )
    other = services.report_create(
        actor=ctx["admin"],
        body=ctx["third"],
        period_type="ad_hoc",
        start=start,
        end=end,
        title="Báo cáo của tỉnh Khác",
    )
    asked_other = contributions.contributions_request(
        actor=ctx["admin"],
        report=other,
        agencies=[ctx["third_agency"]],
        deadline=today,
    )
    mine = Contribution.objects.filter(request=asked)
    by_agency = mine.get(agency=ctx["sxd"])
    by_team = mine.get(party_body=ctx["bac_ninh"])
    files = {
        ref: attachment_add(
            actor=w.users[role],
            target=target,
            uploaded_file=SimpleUploadedFile("Phụ lục.pdf", PDF),
        )
        for ref, role, target in (
            ("att.contribution_own_agency", "member", by_agency),
            ("att.contribution_party", "external", by_team),
        )
    }
    return {
        "report.own_body": own.pk,
        "report.other_body": other.pk,
        "contribution.own_agency": by_agency.pk,
        "contribution.party": by_team.pk,
        "contribution.other_body": Contribution.objects.get(request=asked_other).pk,
        **{ref: attachment.pk for ref, attachment in files.items()},
    }
