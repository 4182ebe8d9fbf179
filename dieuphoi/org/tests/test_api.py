import datetime

import pytest
from django.contrib.auth import get_user_model

from dieuphoi.org.models import Body

from .conftest import add_members
from .factories import (
    AgencyFactory,
    BodyAgencyFactory,
    BodyFactory,
    RegionMembershipFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db

UNITS = "/api/v1/region/units"
AGENCIES = "/api/v1/agencies"
BODIES = "/api/v1/bodies"


def members_url(body):
    return f"/api/v1/bodies/{body.pk}/members"


def user(username):
    return get_user_model().objects.get(username=username)


# --- authentication ------------------------------------------------------------


@pytest.mark.parametrize("url", [UNITS, AGENCIES, BODIES, "/api/v1/bodies/1/members"])
def test_every_endpoint_needs_a_token(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --- units ---------------------------------------------------------------------


def test_region_units_on_11_december_2022(client, seeded, api_token):
    response = client.get(
        UNITS, {"on": "2022-12-11"}, headers=api_token(user("bacninh"))
    )
    assert response.status_code == 200
    units = response.json()
    assert len(units) == 10
    vinh_phuc = next(u for u in units if u["key"] == "vinh-phuc")
    assert vinh_phuc.pop("id") == seeded.units.old["vinh-phuc"].pk
    assert vinh_phuc == {
        "key": "vinh-phuc",
        "name": "Tỉnh Vĩnh Phúc",
        "kind": "province",
        "valid_from": "2022-08-22",
        "valid_to": "2025-06-30",
        "absorbed_note": "",
        "legal_basis": "",
        "predecessors": [],
        "successors": ["phu-tho"],
    }


def test_region_units_on_1_august_2025(client, seeded, api_token):
    response = client.get(UNITS, {"on": "2025-08-01"}, headers=api_token(user("thuky")))
    units = {u["key"]: u for u in response.json()}
    assert len(units) == 7
    assert units["phu-tho"]["predecessors"] == ["hoa-binh", "phu-tho", "vinh-phuc"]
    assert units["phu-tho"]["legal_basis"] == "Nghị quyết 202/2025/QH15"
    assert units["ha-noi"]["valid_from"] == "2022-08-22"
    assert units["hai-phong"]["absorbed_note"] == "TP. Hải Phòng (cũ)"


@pytest.mark.parametrize("bad", ["11/12/2022", "2025-02-30", "yesterday", "2025-1-1x"])
def test_malformed_on_is_a_422_on_the_field(client, seeded, api_token, bad):
    headers = api_token(user("thuky"))
    for url in (UNITS, AGENCIES, BODIES):
        response = client.get(url, {"on": bad}, headers=headers)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid"
        assert [e["field"] for e in body["errors"]] == ["on"]


def test_region_units_keep_a_fixed_number_of_queries(
    client, outsider, api_token, django_assert_num_queries
):
    headers = api_token(outsider)
    for count in (5, 50):
        RegionMembershipFactory.create_batch(count)
        # token, region, memberships with units, predecessors, successors
        with django_assert_num_queries(5):
            response = client.get(UNITS, {"on": "2024-01-01"}, headers=headers)
        assert len(response.json()) == (5 if count == 5 else 55)


# --- agencies ------------------------------------------------------------------


def test_agencies_search_as_of_a_date(client, seeded, api_token):
    headers = api_token(user("daumoi.sxd"))
    response = client.get(
        AGENCIES, {"on": "2025-08-01", "search": "SNNMT"}, headers=headers
    )
    # Hanoi's department; the provinces' SNNMT-<unit> match the code too.
    [agency] = [a for a in response.json() if a["code"] == "SNNMT"]
    assert {a["code"] for a in response.json()} - {"SNNMT"} == {
        f"SNNMT-{u.key.upper()}" for u in seeded.units.new.values()
    }
    assert agency["unit"] == "ha-noi"
    assert agency["legal_basis"] == "Nghị quyết 06/NQ-HĐND ngày 25/02/2025"
    assert {p["code"] for p in agency["predecessors"]} == {"SNNPTNT", "STNMT"}
    response = client.get(
        AGENCIES, {"on": "2024-01-01", "search": "SNNMT"}, headers=headers
    )
    assert response.json() == []


def test_agency_search_rejects_nul_and_overlong_text(client, outsider, api_token):
    headers = api_token(outsider)
    for bad in ("a\x00b", "x" * 101):
        response = client.get(AGENCIES, {"search": bad}, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "search"


def test_agencies_keep_a_fixed_number_of_queries(
    client, outsider, api_token, django_assert_num_queries
):
    headers = api_token(outsider)
    for count in (5, 50):
        old = AgencyFactory()
        for _ in range(count):
            AgencyFactory().predecessors.add(old)
        with django_assert_num_queries(4):
            response = client.get(AGENCIES, {"on": "2024-01-01"}, headers=headers)
        assert response.status_code == 200


# --- bodies --------------------------------------------------------------------


def test_bodies_are_only_those_the_user_may_see(client, seeded, api_token):
    response = client.get(BODIES, headers=api_token(user("bacninh")))
    assert [b["key"] for b in response.json()] == ["to-dieu-phoi-bac-ninh"]
    response = client.get(BODIES, headers=api_token(user("nguyen.van.an")))
    assert response.json() == []
    response = client.get(
        BODIES, {"on": "2025-08-01"}, headers=api_token(user("lanhdao"))
    )
    keys = {b["key"] for b in response.json()}
    assert "to-dieu-phoi-ha-noi" in keys
    assert "to-dieu-phoi-bac-ninh-2022" not in keys


def test_bodies_carry_the_standing_agency_of_the_date(client, seeded, api_token):
    headers = api_token(user("admin"))
    in_2024 = {
        b["key"]: b
        for b in client.get(BODIES, {"on": "2024-01-01"}, headers=headers).json()
    }
    assert in_2024["to-dieu-phoi-ha-noi"]["standing_agency"]["code"] == "SKHĐT"
    in_2025 = {
        b["key"]: b
        for b in client.get(BODIES, {"on": "2025-08-01"}, headers=headers).json()
    }
    assert in_2025["to-dieu-phoi-ha-noi"]["standing_agency"]["code"] == "STC"
    assert in_2025["to-dieu-phoi-ha-noi"]["member_count"] == 6


def test_bodies_keep_a_fixed_number_of_queries(
    client, leadership_viewer, api_token, django_assert_num_queries
):
    headers = api_token(leadership_viewer)
    for count in (5, 50):
        for _ in range(count):
            BodyAgencyFactory(body=BodyFactory(), role="standing")
        # token, bodies with member counts, standing agencies
        with django_assert_num_queries(3):
            response = client.get(BODIES, headers=headers)
        assert len(response.json()) == (5 if count == 5 else 55)


# --- members -------------------------------------------------------------------


def test_members_of_the_hanoi_team_as_of_a_date(client, seeded, api_token):
    team = Body.objects.get(key="to-dieu-phoi-ha-noi")
    headers = api_token(user("daumoi.snnmt"))
    in_2024 = client.get(
        members_url(team), {"on": "2024-01-01"}, headers=headers
    ).json()
    assert [(m["person"]["name"], m["role"]) for m in in_2024] == [
        ("Nguyễn Văn An", "leader"),
        ("Lê Thu Hà", "deputy"),
        ("Phạm Thị Hồng", "secretariat"),
    ]
    now = client.get(members_url(team), {"on": "2025-08-01"}, headers=headers).json()
    leader = now[0]
    assert leader["role"] == "leader"
    assert leader["person"]["name"] == "Trần Minh Đức"
    assert leader["agency"]["code"] == "STC"
    assert leader["version"] == 1
    assert leader["duties"]


@pytest.mark.parametrize("who", ["outsider", "external"])
def test_members_of_a_hidden_body_are_404(client, hanoi_team, api_token, request, who):
    response = client.get(
        members_url(hanoi_team), headers=api_token(request.getfixturevalue(who))
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_members_of_a_missing_body_are_404_and_huge_ids_422(client, member, api_token):
    headers = api_token(member)
    assert (
        client.get("/api/v1/bodies/999999/members", headers=headers).status_code == 404
    )
    response = client.get(f"/api/v1/bodies/{2**70}/members", headers=headers)
    assert response.status_code == 422


def test_members_keep_a_fixed_number_of_queries(
    client, member, hanoi_team, api_token, django_assert_num_queries
):
    headers = api_token(member)
    for count in (5, 45):
        add_members(hanoi_team, count)
        # token, the user's roles, the body, the members
        with django_assert_num_queries(4):
            response = client.get(members_url(hanoi_team), headers=headers)
        assert len(response.json()) == count + 1 + (5 if count == 45 else 0)
