import datetime

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from dieuphoi.audit.models import AuditEvent
from dieuphoi.core.forms import DateField
from dieuphoi.org.models import (
    AdministrativeUnit,
    Agency,
    Body,
    DutyAssignment,
    Membership,
)

from .conftest import add_members
from .factories import (
    AgencyFactory,
    BodyAgencyFactory,
    BodyFactory,
    MembershipFactory,
    RegionMembershipFactory,
    UnitFactory,
    UserFactory,
)

D = datetime.date
pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
LONG = "x" * 10_000
BAD_DATE = str(DateField.default_error_messages["invalid"])


def body_url(body, **query):
    url = reverse("org:body-detail", args=[body.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    return response.content.decode()


# --- anonymous ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["org:region", "org:agency-list", "org:body-list", "org:unit-create"]
)
def test_anonymous_users_are_sent_to_the_login_page(client, settings, name):
    settings.LOGIN_URL = "/accounts/login/"
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- region ------------------------------------------------------------------


def test_region_as_of_11_december_2022_lists_ten_units(login, seeded, outsider):
    response = login(outsider).get(reverse("org:region"), {"on": "11/12/2022"})
    assert response.status_code == 200
    assert text(response).count('id="unit-row-') == 10
    assert "Tỉnh Vĩnh Phúc" in text(response)


def test_region_as_of_1_august_2025_lists_seven_units_and_the_mergers(
    login, seeded, outsider
):
    response = login(outsider).get(reverse("org:region"), {"on": "2025-08-01"})
    page = text(response)
    assert page.count('id="unit-row-') == 7
    assert "Tỉnh Vĩnh Phúc" in page  # as a predecessor in the merger history
    assert "202/2025/QH15" in page
    assert 'id="merger-history"' in page
    assert "tỉnh Ninh Bình (cũ), tỉnh Nam Định" in page


@pytest.mark.parametrize("bad", ["31/02/2025", "hôm qua", "2025-13-01", "9" * 40])
def test_region_with_a_bad_date_shows_an_error_not_a_crash(
    login, seeded, outsider, bad
):
    response = login(outsider).get(reverse("org:region"), {"on": bad})
    assert response.status_code == 400
    assert gettext(BAD_DATE) in text(response)
    assert 'id="region-units"' in text(response)


def test_region_page_keeps_a_fixed_number_of_queries(
    login, outsider, django_assert_num_queries
):
    client = login(outsider)
    for count in (5, 50):
        RegionMembershipFactory.create_batch(count)
        with django_assert_num_queries(8):
            response = client.get(reverse("org:region"), {"on": "2024-01-01"})
        assert text(response).count('id="unit-row-') == (5 if count == 5 else 55)


def test_only_administrators_see_the_unit_buttons(login, seeded):
    from dieuphoi.accounts.models import User

    admin = User.objects.get(username="admin")
    leader = User.objects.get(username="truongto")
    create_url = reverse("org:unit-create")
    assert create_url in text(login(admin).get(reverse("org:region")))
    assert create_url not in text(login(leader).get(reverse("org:region")))


# --- units (administrators) --------------------------------------------------


def unit_data(**overrides):
    data = {
        "key": "thai-binh",
        "name": "Tỉnh Thái Bình",
        "kind": "province",
        "valid_from": "22/08/2022",
        "valid_to": "30/06/2025",
    }
    data.update(overrides)
    return data


def test_administrator_adds_a_unit(login, admin_user):
    response = login(admin_user).post(reverse("org:unit-create"), unit_data())
    assert response.status_code == 302
    unit = AdministrativeUnit.objects.get(key="thai-binh")
    assert unit.valid_to == D(2025, 6, 30)
    assert AuditEvent.objects.filter(action="org.unit_create").count() == 1


@pytest.mark.parametrize("who", ["leader", "member", "outsider", "leadership_viewer"])
def test_others_may_not_add_or_edit_units(request, login, who):
    client = login(request.getfixturevalue(who))
    unit = UnitFactory()
    assert client.get(reverse("org:unit-create")).status_code == 403
    assert client.post(reverse("org:unit-create"), unit_data()).status_code == 403
    assert (
        client.post(reverse("org:unit-edit", args=[unit.pk]), unit_data()).status_code
        == 403
    )
    assert AdministrativeUnit.objects.count() == 1


def test_unit_form_shows_errors_at_the_field(login, admin_user):
    response = login(admin_user).post(
        reverse("org:unit-create"), unit_data(name=LONG, valid_to="01/01/2020")
    )
    assert response.status_code == 200
    page = text(response)
    assert 'id="id_name_error"' in page
    assert 'id="id_valid_to_error"' in page
    assert not AdministrativeUnit.objects.exists()


def test_administrator_edits_a_unit(login, admin_user):
    unit = UnitFactory(key="ha-nam", name="Tỉnh Hà Nam")
    response = login(admin_user).post(
        reverse("org:unit-edit", args=[unit.pk]),
        unit_data(key="ha-nam", name="Tỉnh Hà Nam (cũ)"),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Tỉnh Hà Nam (cũ)"
    assert (
        login(admin_user).get(reverse("org:unit-edit", args=[999_999])).status_code
        == 404
    )


# --- agencies ----------------------------------------------------------------


def test_agency_list_searches_as_of_a_date(login, seeded, outsider):
    client = login(outsider)
    url = reverse("org:agency-list")
    old = Agency.objects.get(code="SNNPTNT")
    new = Agency.objects.get(code="SNNMT")
    page = text(client.get(url, {"q": "Nông nghiệp", "on": "01/01/2024"}))
    assert f'id="agency-row-{old.pk}"' in page
    assert f'id="agency-row-{new.pk}"' not in page
    assert "Sở Nông nghiệp và Môi trường" in page  # named as the successor
    page = text(client.get(url, {"q": "Nông nghiệp", "on": "01/08/2025"}))
    assert f'id="agency-row-{new.pk}"' in page
    assert f'id="agency-row-{old.pk}"' not in page


def test_agency_list_htmx_returns_only_the_table(login, seeded, outsider):
    response = login(outsider).get(
        reverse("org:agency-list"), {"q": "Tài chính"}, headers=HTMX
    )
    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="agency-table"')
    assert response["Vary"].find("HX-Request") >= 0


def test_agency_list_htmx_with_a_bad_date_shows_the_error_in_the_fragment(
    login, seeded, outsider
):
    response = login(outsider).get(
        reverse("org:agency-list"), {"on": "32/01/2025"}, headers=HTMX
    )
    assert response.status_code == 200
    assert gettext(BAD_DATE) in text(response)


def test_agency_list_keeps_a_fixed_number_of_queries(
    login, outsider, django_assert_num_queries
):
    client = login(outsider)
    for count in (5, 50):
        old = AgencyFactory()
        for _ in range(count):
            AgencyFactory().predecessors.add(old)
        with django_assert_num_queries(5):
            client.get(reverse("org:agency-list"), {"on": "2024-01-01"})


def test_agency_detail_is_open_to_any_logged_in_user(login, seeded, outsider):
    agency = Agency.objects.get(code="STC", valid_from=D(2025, 3, 1))
    response = login(outsider).get(reverse("org:agency-detail", args=[agency.pk]))
    page = text(response)
    assert response.status_code == 200
    assert "Sở Kế hoạch và Đầu tư" in page  # predecessor
    # The outsider sees no body the agency serves in.
    team = Body.objects.get(key="to-dieu-phoi-ha-noi")
    assert reverse("org:body-detail", args=[team.pk]) not in page


def test_agency_detail_shows_body_roles_to_members(login, seeded):
    from dieuphoi.accounts.models import User

    agency = Agency.objects.get(code="STC", valid_from=D(2025, 3, 1))
    response = login(User.objects.get(username="daumoi.sxd")).get(
        reverse("org:agency-detail", args=[agency.pk])
    )
    team = Body.objects.get(key="to-dieu-phoi-ha-noi")
    assert reverse("org:body-detail", args=[team.pk]) in text(response)


def test_agency_detail_of_a_missing_agency_is_404(login, outsider):
    assert (
        login(outsider).get(reverse("org:agency-detail", args=[999_999])).status_code
        == 404
    )


def test_administrator_adds_and_edits_an_agency(login, admin_user):
    client = login(admin_user)
    response = client.post(
        reverse("org:agency-create"),
        {
            "code": "SDTTG",
            "name": "Sở Dân tộc và Tôn giáo",
            "kind": "department",
            "valid_from": "01/03/2025",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="SDTTG")
    response = client.post(
        reverse("org:agency-edit", args=[agency.pk]),
        {
            "code": "SDTTG",
            "name": "<b>Sở Dân tộc</b>",
            "kind": "department",
            "valid_from": "01/03/2025",
        },
    )
    assert response.status_code == 302
    page = text(client.get(reverse("org:agency-detail", args=[agency.pk])))
    assert "&lt;b&gt;Sở Dân tộc&lt;/b&gt;" in page
    assert "<b>Sở Dân tộc</b>" not in page


def test_agency_form_rejects_unknown_predecessor_and_long_name(login, admin_user):
    response = login(admin_user).post(
        reverse("org:agency-create"),
        {
            "code": "X",
            "name": LONG,
            "kind": "department",
            "valid_from": "01/03/2025",
            "predecessors": ["999999"],
        },
    )
    page = text(response)
    assert 'id="id_name_error"' in page
    assert 'id="id_predecessors_error"' in page
    assert not Agency.objects.exists()


@pytest.mark.parametrize("who", ["leader", "outsider"])
def test_others_may_not_add_agencies(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("org:agency-create")).status_code == 403
    agency = AgencyFactory()
    assert client.get(reverse("org:agency-edit", args=[agency.pk])).status_code == 403


# --- bodies ------------------------------------------------------------------


def test_body_list_shows_the_users_bodies(login, member, other_team, hanoi_team):
    page = text(login(member).get(reverse("org:body-list")))
    assert f'id="body-row-{hanoi_team.pk}"' in page
    assert f'id="body-row-{other_team.pk}"' not in page


def test_body_list_is_empty_for_an_outsider(login, outsider, hanoi_team):
    page = text(login(outsider).get(reverse("org:body-list")))
    assert 'id="body-row-' not in page


def test_body_list_keeps_a_fixed_number_of_queries(
    login, leadership_viewer, django_assert_num_queries
):
    client = login(leadership_viewer)
    for count in (5, 50):
        for _ in range(count):
            body = BodyFactory()
            BodyAgencyFactory(body=body, role="standing")
        with django_assert_num_queries(4):
            response = client.get(reverse("org:body-list"))
        assert text(response).count('id="body-row-') == (5 if count == 5 else 55)


@pytest.mark.parametrize(
    "who",
    [
        "leader",
        "deputy",
        "secretariat",
        "specialist",
        "member",
        "leadership_viewer",
        "admin_user",
    ],
)
def test_body_page_for_each_role(request, login, hanoi_team, standing_agency, who):
    response = login(request.getfixturevalue(who)).get(body_url(hanoi_team))
    assert response.status_code == 200
    standing = text(response).split('id="standing-agency"')[1].split("</dd>")[0]
    assert standing_agency.name in standing


@pytest.mark.parametrize("who", ["outsider", "external"])
def test_body_page_is_404_for_outsiders_and_other_provinces(
    request, login, hanoi_team, who
):
    response = login(request.getfixturevalue(who)).get(body_url(hanoi_team))
    assert response.status_code == 404


def test_external_sees_their_own_team(login, external, other_team):
    assert login(external).get(body_url(other_team)).status_code == 200


def test_manage_buttons_only_for_managers(
    login, hanoi_team, leader, member, specialist
):
    create_url = reverse("org:membership-create", args=[hanoi_team.pk])
    assert create_url in text(login(leader).get(body_url(hanoi_team)))
    assert create_url not in text(login(member).get(body_url(hanoi_team)))
    assert create_url not in text(login(specialist).get(body_url(hanoi_team)))


def test_body_page_as_of_a_date_with_the_seed(login, seeded):
    from dieuphoi.accounts.models import User

    team = Body.objects.get(key="to-dieu-phoi-ha-noi")
    client = login(User.objects.get(username="thuky"))
    page_2024 = text(client.get(body_url(team, on="01/01/2024")))
    assert "Nguyễn Văn An" in page_2024
    assert (
        ">Sở Kế hoạch và Đầu tư</a>" in page_2024.split('id="standing-agency"')[1][:300]
    )
    page_2025 = text(client.get(body_url(team, on="2025-08-01")))
    standing = page_2025.split('id="standing-agency"')[1][:300]
    assert ">Sở Tài chính</a>" in standing
    assert "4854/QĐ-UBND" in page_2025
    # Role history keeps the former leader whatever the date.
    history = page_2025.split('id="role-history"')[1]
    assert "Nguyễn Văn An" in history
    assert "Trần Minh Đức" in history


def test_body_page_with_a_bad_date_is_a_400_with_the_message(login, member, hanoi_team):
    response = login(member).get(body_url(hanoi_team, on="2025-02-30"))
    assert response.status_code == 400
    assert gettext(BAD_DATE) in text(response)


def test_body_page_htmx_returns_the_roster_fragment(login, member, hanoi_team):
    response = login(member).get(body_url(hanoi_team, on="2024-01-01"), headers=HTMX)
    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<section id="roster"')
    assert 'id="role-history"' not in page


def test_body_page_keeps_a_fixed_number_of_queries(
    login, member, hanoi_team, django_assert_num_queries
):
    client = login(member)
    # Warm: the content types' cache, filled once per process.
    client.get(body_url(hanoi_team))
    for count in (5, 45):
        add_members(hanoi_team, count)
        # session, user (with the seats), the body, its agencies, its
        # history's events, the members, the role history
        with django_assert_num_queries(7):
            response = client.get(body_url(hanoi_team))
        assert text(response).count('id="member-row-') == count + 1 + (
            5 if count == 45 else 0
        )


def test_body_page_escapes_html_in_member_data(
    login, leader, hanoi_team, standing_agency
):
    evil = UserFactory(full_name="<script>alert('ten')</script>")
    MembershipFactory(
        person=evil,
        body=hanoi_team,
        agency=standing_agency,
        position="<img src=x onerror=alert(1)>",
        duties="<b>nhiệm vụ</b>",
        valid_from=D(2023, 1, 1),
    )
    page = text(login(leader).get(body_url(hanoi_team)))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;ten&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;b&gt;nhiệm vụ&lt;/b&gt;" in page


def test_body_timeline_shows_membership_events_escaped(
    login, secretariat, hanoi_team, member
):
    membership = Membership.objects.get(person=member)
    client = login(secretariat)
    client.post(
        reverse("org:membership-edit", args=[membership.pk]),
        membership_edit_data(membership, position="<i>Đầu mối</i>"),
    )
    page = text(client.get(body_url(hanoi_team)))
    timeline = page.split('class="timeline"')[1]
    assert "&lt;i&gt;Đầu mối&lt;/i&gt;" in timeline
    assert "<i>Đầu mối</i>" not in page
    assert str(secretariat) in timeline


def test_body_edit_is_for_administrators(
    login, admin_user, member, outsider, hanoi_team
):
    url = reverse("org:body-edit", args=[hanoi_team.pk])
    assert login(member).get(url).status_code == 403
    assert login(outsider).get(url).status_code == 404
    client = login(admin_user)
    response = client.post(
        url,
        {
            "name": hanoi_team.name,
            "symbol": "TĐP",
            "valid_from": "01/12/2022",
            "description": LONG,
        },
    )
    assert response.status_code == 200
    assert 'id="id_description_error"' in text(response)
    response = client.post(
        url, {"name": hanoi_team.name, "symbol": "TĐP-HN", "valid_from": "01/12/2022"}
    )
    assert response.status_code == 302
    hanoi_team.refresh_from_db()
    assert hanoi_team.symbol == "TĐP-HN"


# --- membership forms ----------------------------------------------------------


def membership_data(home_agency, **overrides):
    data = {
        "person": str(UserFactory().pk),
        "role": "member",
        "agency": str(home_agency.pk),
        "position": "Chuyên viên",
        "is_part_time": "on",
        "valid_from": "01/03/2025",
        "duties": "Theo dõi tiến độ.",
    }
    data.update(overrides)
    return data


def membership_edit_data(membership, **overrides):
    data = {
        "role": membership.role,
        "agency": str(membership.agency_id),
        "position": membership.position,
        "valid_from": membership.valid_from.strftime("%d/%m/%Y"),
        "version": str(membership.version),
    }
    if membership.is_part_time:
        data["is_part_time"] = "on"
    data.update(overrides)
    return data


def test_membership_form_fragment_for_htmx(login, secretariat, hanoi_team):
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    response = login(secretariat).get(url, headers=HTMX)
    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<form id="membership-form"')
    assert 'hx-target="#membership-form"' in page


def test_membership_form_is_a_page_without_htmx(login, secretariat, hanoi_team):
    response = login(secretariat).get(
        reverse("org:membership-create", args=[hanoi_team.pk])
    )
    assert "<html" in text(response)
    assert 'id="membership-form"' in text(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("specialist", 403), ("outsider", 404), ("external", 404)],
)
def test_membership_create_refused(
    request, login, hanoi_team, member_agency, who, status
):
    client = login(request.getfixturevalue(who))
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    before = Membership.objects.count()
    assert client.get(url).status_code == status
    assert client.post(url, membership_data(member_agency)).status_code == status
    assert Membership.objects.count() == before


def test_htmx_membership_create_redirects_the_page(
    login, secretariat, hanoi_team, member_agency
):
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    response = login(secretariat).post(
        url, membership_data(member_agency), headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == body_url(hanoi_team)
    created = Membership.objects.get(position="Chuyên viên")
    assert created.duties == "Theo dõi tiến độ."
    assert DutyAssignment.objects.filter(membership=created).count() == 1


def test_membership_create_without_htmx_redirects(
    login, leader, hanoi_team, member_agency
):
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    response = login(leader).post(url, membership_data(member_agency))
    assert response.status_code == 302
    assert response["Location"] == body_url(hanoi_team)


def test_second_leader_is_an_error_at_the_start_date(
    login, leader, hanoi_team, member_agency
):
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    before = Membership.objects.count()
    response = login(leader).post(
        url, membership_data(member_agency, role="leader"), headers=HTMX
    )
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<form id="membership-form"')
    assert 'id="id_valid_from_error"' in page
    assert str(leader) in page.split('id="id_valid_from_error"')[1][:400]
    assert Membership.objects.count() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"agency": "999999"}, "agency"),
        ({"agency": "not-a-number"}, "agency"),
        ({"person": "999999"}, "person"),
        ({"position": LONG}, "position"),
        ({"duties": LONG}, "duties"),
        ({"valid_from": "31/02/2025"}, "valid_from"),
        ({"valid_to": "01/01/2025"}, "valid_to"),
        ({"role": "chairman"}, "role"),
    ],
)
def test_bad_membership_input_is_an_error_at_the_field(
    login, secretariat, hanoi_team, member_agency, overrides, field
):
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    before = Membership.objects.count()
    response = login(secretariat).post(url, membership_data(member_agency, **overrides))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in text(response)
    assert Membership.objects.count() == before
    assert not AuditEvent.objects.exists()


def test_agency_that_did_not_exist_on_the_start_date(login, secretariat, hanoi_team):
    merged = AgencyFactory(valid_to=D(2025, 2, 28))
    url = reverse("org:membership-create", args=[hanoi_team.pk])
    response = login(secretariat).post(url, membership_data(merged))
    assert 'id="id_agency_error"' in text(response)


def test_membership_edit_saves_and_bumps_the_version(login, secretariat, member):
    membership = Membership.objects.get(person=member)
    response = login(secretariat).post(
        reverse("org:membership-edit", args=[membership.pk]),
        membership_edit_data(membership, position="Đầu mối Sở Xây dựng"),
        headers=HTMX,
    )
    assert response["HX-Redirect"]
    membership.refresh_from_db()
    assert membership.position == "Đầu mối Sở Xây dựng"
    assert membership.version == 2


def test_membership_edit_with_a_stale_version_shows_the_conflict(
    login, secretariat, deputy, member
):
    membership = Membership.objects.get(person=member)
    stale = membership_edit_data(membership, position="Của tôi")
    login(deputy).post(
        reverse("org:membership-edit", args=[membership.pk]),
        membership_edit_data(membership, position="Của phó tổ trưởng"),
    )
    client = login(secretariat)
    response = client.post(reverse("org:membership-edit", args=[membership.pk]), stale)
    page = text(response)
    assert response.status_code == 409
    assert (
        gettext(
            "Someone else changed this membership after you opened it. "
            "Review the current values and save again."
        )
        in page
    )
    assert str(deputy) in page.split("conflict-notice")[1][:600]
    assert "Của phó tổ trưởng" in page.split("conflict-notice")[1][:1200]
    membership.refresh_from_db()
    assert membership.position == "Của phó tổ trưởng"
    # The form now carries the current version: saving again is deliberate.
    assert 'name="version" value="2"' in page
    htmx_response = client.post(
        reverse("org:membership-edit", args=[membership.pk]), stale, headers=HTMX
    )
    assert htmx_response.status_code == 200
    assert "conflict-notice" in text(htmx_response)


def test_membership_edit_refused_to_members_and_other_provinces(
    login, member, external, leader
):
    membership = Membership.objects.get(person=leader)
    url = reverse("org:membership-edit", args=[membership.pk])
    assert login(member).get(url).status_code == 403
    assert login(external).get(url).status_code == 404


def test_membership_end_form(login, leader, member):
    membership = Membership.objects.get(person=member)
    url = reverse("org:membership-end", args=[membership.pk])
    client = login(leader)
    fragment = text(client.get(url, headers=HTMX))
    assert fragment.lstrip().startswith('<form id="membership-end-form"')
    response = client.post(
        url, {"valid_to": "01/01/2020", "version": "1"}, headers=HTMX
    )
    assert 'id="id_valid_to_error"' in text(response)
    response = client.post(
        url, {"valid_to": "28/02/2025", "version": "1"}, headers=HTMX
    )
    assert response["HX-Redirect"]
    membership.refresh_from_db()
    assert membership.valid_to == D(2025, 2, 28)


def test_duty_assign_form(login, leader, member, hanoi_team, document_of):
    membership = Membership.objects.get(person=member)
    url = reverse("org:duty-assign", args=[membership.pk])
    client = login(leader)
    fragment = text(client.get(url, headers=HTMX))
    assert fragment.lstrip().startswith('<form id="duty-form"')
    decision = document_of(hanoi_team)
    response = client.post(
        url,
        {
            "text": "Theo dõi Vành đai 4",
            "assigned_on": "01/03/2025",
            "document": str(decision.pk),
            "version": "1",
        },
        headers=HTMX,
    )
    assert response["HX-Redirect"]
    membership.refresh_from_db()
    assert membership.duties == "Theo dõi Vành đai 4"
    assert DutyAssignment.objects.get(membership=membership).document == decision
    history = text(client.get(url, headers=HTMX))
    assert "Theo dõi Vành đai 4" in history.split("duty-history")[1]


def test_duty_assign_rejects_documents_of_other_registers(
    login, leader, member, other_team, document_of
):
    membership = Membership.objects.get(person=member)
    foreign = document_of(other_team)
    response = login(leader).post(
        reverse("org:duty-assign", args=[membership.pk]),
        {"text": "x", "document": str(foreign.pk), "version": "1"},
    )
    assert 'id="id_document_error"' in text(response)
    assert not DutyAssignment.objects.exists()


def test_duty_assign_with_huge_text_is_a_field_error(login, leader, member):
    membership = Membership.objects.get(person=member)
    response = login(leader).post(
        reverse("org:duty-assign", args=[membership.pk]), {"text": LONG, "version": "1"}
    )
    assert 'id="id_text_error"' in text(response)
    assert not DutyAssignment.objects.exists()


def test_duty_assign_refused_to_specialists(login, specialist, member):
    membership = Membership.objects.get(person=member)
    response = login(specialist).post(
        reverse("org:duty-assign", args=[membership.pk]), {"text": "x", "version": "1"}
    )
    assert response.status_code == 403


# --- people ------------------------------------------------------------------


def test_person_page_lists_memberships(login, member, leader, hanoi_team):
    response = login(member).get(reverse("org:person-detail", args=[leader.pk]))
    page = text(response)
    assert response.status_code == 200
    table = page.split('id="person-memberships"')[1]
    assert reverse("org:body-detail", args=[hanoi_team.pk]) in table


@pytest.mark.parametrize("who", ["outsider", "external"])
def test_person_page_is_404_for_people_outside_the_body(request, login, leader, who):
    response = login(request.getfixturevalue(who)).get(
        reverse("org:person-detail", args=[leader.pk])
    )
    assert response.status_code == 404


def test_person_page_of_a_missing_person_is_404(login, admin_user):
    assert (
        login(admin_user).get(reverse("org:person-detail", args=[999_999])).status_code
        == 404
    )


# --- Django admin --------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "administrativeunit",
        "region",
        "regionmembership",
        "agency",
        "body",
        "bodyagency",
        "membership",
        "dutyassignment",
    ],
)
def test_admin_pages_load(admin_client, seeded, model):
    assert admin_client.get(reverse(f"admin:org_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:org_{model}_add")).status_code == 200


def test_admin_membership_form_enforces_one_leader(admin_client, leader, hanoi_team):
    agency = AgencyFactory()
    response = admin_client.post(
        reverse("admin:org_membership_add"),
        {
            "person": str(UserFactory().pk),
            "body": str(hanoi_team.pk),
            "role": "leader",
            "agency": str(agency.pk),
            "is_part_time": "on",
            "valid_from": "2025-03-01",
            "duty_assignments-TOTAL_FORMS": "0",
            "duty_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert Membership.objects.filter(role="leader").count() == 1


def test_admin_change_writes_an_audit_event(admin_client, hanoi_team):
    unit = UnitFactory(name="Tỉnh Cũ")
    response = admin_client.post(
        reverse("admin:org_administrativeunit_change", args=[unit.pk]),
        {
            "key": unit.key,
            "name": "Tỉnh Mới",
            "kind": "province",
            "valid_from": "2022-08-22",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="org.admin_update")
    assert event.changes["name"] == {"before": "Tỉnh Cũ", "after": "Tỉnh Mới"}
