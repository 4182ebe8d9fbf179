"""The objects of the authorization world for activities (see ``conftest.py``)."""

from __future__ import annotations

import datetime


def build(w, **ctx) -> dict:
    """``{reference: id}`` for ``matrix_activities.py``'s rows. ``ctx``: hanoi,
    bac_ninh, third (a third province's team), third_agency, third_person,
    sxd (the member's agency), today, secretariat, admin, proposal,
    key_project, task (a Hanoi task of the team).

    - ``activity.own_body``: a planned Hanoi meeting inviting the Bắc Ninh team;
    - ``activity.hanoi_only``: a Hanoi meeting not inviting it;
    - ``activity.held``: a Hanoi meeting held last week, Bắc Ninh invited,
      with ``conclusion.own_body`` not yet turned into tasks;
    - ``activity.other_body``: the third team's own meeting;
    - ``agenda.own_body``, ``invitee.own_body`` (the Bắc Ninh team): of
      ``activity.own_body``, which is linked to ``matter.own_body`` (built
      by ``world_matters`` before this).
    """
    from dieuphoi.activities import services

    hanoi, bac_ninh, third = ctx["hanoi"], ctx["bac_ninh"], ctx["third"]
    secretariat, admin = ctx["secretariat"], ctx["admin"]
    today = ctx["today"]

    def at(days: int, hour: int) -> datetime.datetime:
        return datetime.datetime.combine(
            today + datetime.timedelta(days=days), datetime.time(hour), services.LOCAL
        )

    def make(actor, body, title, days, invitees):
        return services.activity_create(
            actor=actor,
            body=body,
            kind="joint_meeting",
            title=title,
            starts_at=at(days, 8),
            ends_at=at(days, 11),
            place="Phòng họp",
            invitees=invitees,
        )

    own = make(secretariat, hanoi, "Họp phối hợp (thử quyền)", 20, [bac_ninh])
    agenda = services.agenda_item_add(
        actor=secretariat, activity=own, title="Báo cáo (thử quyền)"
    )
    if "matter.own_body" in w.ids:
        services.activity_matters_set(
            actor=secretariat, activity=own, add=[w.ids["matter.own_body"]]
        )
    hanoi_only = make(secretariat, hanoi, "Họp nội bộ (thử quyền)", 21, [])
    held = make(secretariat, hanoi, "Họp đã diễn ra (thử quyền)", -7, [bac_ninh])
    invitee = held.invitees.get()
    held = services.attendance_record(
        actor=secretariat,
        activity=held,
        version=held.version,
        rows=[{"invitee": invitee.pk, "attended": "yes", "attendee_name": "A"}],
    )
    conclusion = services.conclusion_add(
        actor=secretariat, activity=held, text="Kết luận thử quyền"
    )
    other = make(admin, third, "Họp của tỉnh khác (thử quyền)", 20, [])
    return {
        "activity.own_body": own.pk,
        "activity.hanoi_only": hanoi_only.pk,
        "activity.held": held.pk,
        "activity.other_body": other.pk,
        "conclusion.own_body": conclusion.pk,
        "agenda.own_body": agenda.pk,
        "invitee.own_body": own.invitees.get(body=bac_ninh).pk,
    }
