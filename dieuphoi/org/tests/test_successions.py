"""Agency successions: the model, its service, the seed, lineage selectors
and the agency page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieuphoi.audit.models import AuditEvent
from dieuphoi.org import selectors, services
from dieuphoi.org.models import AdministrativeUnit, Agency, AgencySuccession

from .factories import AgencyFactory, UnitFactory

D = datetime.date
pytestmark = pytest.mark.django_db
MERGER = AgencySuccession.Kind.MERGER
SPLIT = AgencySuccession.Kind.SPLIT
END = D(2025, 2, 28)
START = D(2025, 3, 1)


def old(code):
    return AgencyFactory(code=code, name=f"Sở {code}", valid_to=END)


def new(code):
    return AgencyFactory(code=code, name=f"Sở {code} mới", valid_from=START)


# --- the service ------------------------------------------------------------------


def test_succession_create_records_links_and_an_audit_event(admin_user):
    a, b, c = old("A"), old("B"), new("C")
    succession = services.succession_create(
        actor=admin_user,
        kind=MERGER,
        on=START,
        predecessors=[a, b],
        successors=[c],
        basis="Nghị quyết 06/NQ-HĐND ngày 25/02/2025",
    )
    assert set(succession.predecessors.all()) == {a, b}
    assert list(succession.successors.all()) == [c]
    # Lineage filters follow Agency.predecessors: kept in step.
    assert set(c.predecessors.all()) == {a, b}
    event = AuditEvent.objects.get(action="org.succession_create")
    assert event.target_id == str(succession.pk)
    assert event.changes["predecessors"] == sorted([a.pk, b.pk])
    assert succession.basis_label == "Nghị quyết 06/NQ-HĐND ngày 25/02/2025"


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("predecessor_still_exists", "predecessors"),
        ("successor_not_yet", "successors"),
        ("merger_two_successors", "successors"),
        ("split_one_successor", "successors"),
        ("itself", "successors"),
        ("no_predecessor", "predecessors"),
        ("no_successor", "successors"),
        ("predecessor_already_succeeded", "predecessors"),
    ],
)
def test_succession_create_rejects_bad_input_and_writes_nothing(
    admin_user, case, field
):
    a, c, d = old("A"), new("C"), new("D")
    live = AgencyFactory(code="LIVE")
    kind, preds, succs = MERGER, [a], [c]
    if case == "predecessor_still_exists":
        preds = [live]
    elif case == "successor_not_yet":
        succs = [AgencyFactory(code="LATE", valid_from=D(2026, 1, 1))]
    elif case == "merger_two_successors":
        succs = [c, d]
    elif case == "split_one_successor":
        kind = SPLIT
    elif case == "itself":
        preds, succs = [c], [c]
    elif case == "no_predecessor":
        preds = []
    elif case == "no_successor":
        succs = []
    elif case == "predecessor_already_succeeded":
        services.succession_create(
            actor=admin_user, kind=MERGER, on=START, predecessors=[a], successors=[d]
        )
    before = AgencySuccession.objects.count()
    events = AuditEvent.objects.writes().count()
    with pytest.raises(ValidationError) as info:
        services.succession_create(
            actor=admin_user, kind=kind, on=START, predecessors=preds, successors=succs
        )
    assert field in info.value.message_dict
    assert AgencySuccession.objects.count() == before
    assert AuditEvent.objects.writes().count() == events


def test_transfer_of_functions_keeps_the_predecessor(admin_user):
    live, c = AgencyFactory(code="LIVE"), new("C")
    succession = services.succession_create(
        actor=admin_user,
        kind=AgencySuccession.Kind.TRANSFER,
        on=START,
        predecessors=[live],
        successors=[c],
    )
    assert succession.pk


# --- lineage -----------------------------------------------------------------------


def test_agency_lineage_follows_every_generation():
    a, b = old("A"), old("B")
    c = AgencyFactory(code="C", valid_from=START, valid_to=D(2026, 6, 30))
    e = AgencyFactory(code="E", valid_from=D(2026, 7, 1))
    c.predecessors.add(a, b)
    e.predecessors.add(c)
    other = AgencyFactory(code="X")
    assert selectors.agency_lineage_ids(e.pk) == {a.pk, b.pk, c.pk, e.pk}
    assert selectors.agency_lineage_ids(other.pk) == {other.pk}
    assert selectors.agency_successor_ids(a.pk) == {c.pk, e.pk}
    ids = set(selectors.lineage_subquery(Agency, e.pk).values_list("pk", flat=True))
    assert ids == {a.pk, b.pk, c.pk, e.pk}


def test_successor_map_stops_at_a_split_and_at_the_date():
    a, b = old("A"), old("B")
    c, d = new("C"), new("D")
    c.predecessors.add(a)
    d.predecessors.add(b)
    c2 = new("C2")
    c2.predecessors.add(b)  # b was split into d and c2
    assert selectors.agency_successor_map([a.pk, b.pk, c.pk], START) == {a.pk: c.pk}
    # Before the successors existed, nothing moves.
    assert selectors.agency_successor_map([a.pk], END) == {}


def test_unit_lineage_includes_the_absorbed_units():
    bac_ninh = UnitFactory(key="bac-ninh", valid_to=D(2025, 6, 30))
    bac_giang = UnitFactory(key="bac-giang", valid_to=D(2025, 6, 30))
    merged = UnitFactory(key="bac-ninh", valid_from=D(2025, 7, 1))
    merged.predecessors.add(bac_ninh, bac_giang)
    assert selectors.unit_lineage_ids(merged.pk) == {
        merged.pk,
        bac_ninh.pk,
        bac_giang.pk,
    }
    ids = selectors.lineage_subquery(AdministrativeUnit, merged.pk)
    assert set(ids.values_list("pk", flat=True)) == {
        merged.pk,
        bac_ninh.pk,
        bac_giang.pk,
    }


# --- the seed -----------------------------------------------------------------------


def test_seed_records_the_2025_hanoi_mergers_with_resolution_06(seeded):
    successions = AgencySuccession.objects.filter(
        on=START, successors__unit__key="ha-noi"
    )
    by_successor = {s.successors.get().code: s for s in successions}
    assert set(by_successor) == {
        "STC",
        "VPUBND",
        "SXD",
        "SNNMT",
        "SKHCN",
        "SNV",
        "SDTTG",
        "BQLCNC",
    }
    finance = by_successor["STC"]
    assert finance.kind == MERGER
    assert {a.code for a in finance.predecessors.all()} == {"SKHĐT", "STC"}
    assert finance.document.reference == "06/NQ-HĐND"
    assert finance.document.issued_on == D(2025, 2, 25)
    assert finance.basis == "Nghị quyết 06/NQ-HĐND ngày 25/02/2025"
    assert by_successor["SDTTG"].kind == AgencySuccession.Kind.RENAMING
    assert {a.code for a in by_successor["SNNMT"].predecessors.all()} == {
        "SNNPTNT",
        "STNMT",
    }


def test_seed_records_the_provinces_2025_mergers_with_resolution_202(seeded):
    succession = AgencySuccession.objects.get(
        on=D(2025, 7, 1), successors__code="UBND-BAC-NINH"
    )
    assert {a.code for a in succession.predecessors.all()} == {
        "UBND-BAC-NINH",
        "UBND-BAC-GIANG",
    }
    assert succession.document.reference == "202/2025/QH15"


def test_seed_successions_are_idempotent(seeded):
    from dieuphoi.org import seed

    count = AgencySuccession.objects.count()
    links = AgencySuccession.predecessors.through.objects.count()
    seed.seed_all()
    assert AgencySuccession.objects.count() == count
    assert AgencySuccession.predecessors.through.objects.count() == links


# --- the agency page ----------------------------------------------------------------


def _succession(admin_user):
    a, c = old("A"), new("C")
    succession = services.succession_create(
        actor=admin_user,
        kind=MERGER,
        on=START,
        predecessors=[a],
        successors=[c],
        basis="Nghị quyết 06/NQ-HĐND ngày 25/02/2025",
    )
    return a, c, succession


def test_agency_page_shows_the_succession_and_the_handover_link(
    login, secretariat, admin_user
):
    a, _c, succession = _succession(admin_user)
    url = reverse("org:succession-handover", args=[succession.pk])
    with translation.override("en"):
        html = login(secretariat).get(reverse("org:agency-detail", args=[a.pk]))
    content = html.content.decode()
    assert f'id="succession-{succession.pk}"' in content
    assert "Nghị quyết 06/NQ-HĐND ngày 25/02/2025" in content
    assert url in content


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_agency_page_hides_the_handover_link_from_others(
    request, login, admin_user, role
):
    a, _c, succession = _succession(admin_user)
    user = request.getfixturevalue(role)
    response = login(user).get(reverse("org:agency-detail", args=[a.pk]))
    assert response.status_code == 200
    url = reverse("org:succession-handover", args=[succession.pk])
    assert url not in response.content.decode()


# --- the admin -------------------------------------------------------------------------


def test_the_admin_records_a_succession_with_the_same_rules(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:org_agencysuccession_add")
    a, c = old("A"), new("C")
    live = AgencyFactory(code="LIVE")
    data = {
        "kind": MERGER,
        "on": "2025-03-01",
        "predecessors": [live.pk],
        "successors": [c.pk],
        "basis": "Nghị quyết 06/NQ-HĐND ngày 25/02/2025",
        "note": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert not AgencySuccession.objects.exists()
    data["predecessors"] = [a.pk]
    response = client.post(url, data)
    assert response.status_code == 302
    succession = AgencySuccession.objects.get()
    assert list(c.predecessors.all()) == [a]
    assert AuditEvent.objects.filter(
        action="org.admin_create", target_id=str(succession.pk)
    ).exists()


# --- lineage against a plain-Python reference ---------------------------------------

N_AGENCIES = 7


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    links=st.sets(
        st.tuples(
            st.integers(0, N_AGENCIES - 1), st.integers(0, N_AGENCIES - 1)
        ).filter(lambda t: t[0] < t[1]),
        max_size=12,
    )
)
def test_lineage_matches_a_reference_closure(db, links):
    """Links go from an older agency (lower index) to a newer one, so there
    is no cycle. Every agency's lineage is its reference ancestor set, in
    Python; the filters' subquery reaches the ancestors at most
    ``LINEAGE_DEPTH`` links away."""
    Agency.predecessors.through.objects.all().delete()
    Agency.objects.filter(code__startswith="H").delete()
    agencies = [AgencyFactory(code=f"H{i}") for i in range(N_AGENCIES)]
    for older, newer in links:
        agencies[newer].predecessors.add(agencies[older])

    def ancestors(i):
        seen, todo = {i}, [i]
        while todo:
            current = todo.pop()
            for older, newer in links:
                if newer == current and older not in seen:
                    seen.add(older)
                    todo.append(older)
        return seen

    def within(i, hops):
        """Ancestors at most ``hops`` links away (the subquery's reach)."""
        seen, frontier = {i}, {i}
        for _ in range(hops):
            frontier = {o for o, n in links if n in frontier} - seen
            seen |= frontier
        return seen

    for i, agency in enumerate(agencies):
        expected = {agencies[j].pk for j in ancestors(i)}
        assert selectors.agency_lineage_ids(agency.pk) == expected
        sub = set(
            selectors.lineage_subquery(Agency, agency.pk).values_list("pk", flat=True)
        )
        assert sub == {agencies[j].pk for j in within(i, selectors.LINEAGE_DEPTH)}
