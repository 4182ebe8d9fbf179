"""letters:list: the urging letters of the bodies a user sees."""

import datetime

import pytest
from django.urls import reverse

from dieuphoi.docs.tests.factories import DocumentFactory, cong_van_type
from dieuphoi.letters import selectors
from dieuphoi.letters.models import LetterTask, UrgingLetter
from dieuphoi.org.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("letters:list")
ON = datetime.date(2026, 3, 5)


@pytest.fixture
def make_letter(hanoi_team, member_agency, secretariat):
    counter = iter(range(1, 10_000))

    def _make(status=UrgingLetter.Status.DONE, *, tasks=(), files=True, **kwargs):
        kwargs.setdefault("body", hanoi_team)
        kwargs.setdefault("on", ON)
        kwargs.setdefault("created_by", secretariat)
        if "agency" not in kwargs and not kwargs.get("task_ids"):
            kwargs["agency"] = member_agency
        letter = UrgingLetter.objects.create(status=status, **kwargs)
        if status == UrgingLetter.Status.DONE:
            letter.number = next(counter)
            letter.symbol = "TĐP"
            if files:
                letter.document = DocumentFactory(
                    body=letter.body, doc_type=cong_van_type(), symbol="TĐP"
                )
                for name, kind in (
                    ("cv.pdf", "application/pdf"),
                    (
                        "cv.docx",
                        "application/vnd.openxmlformats-officedocument."
                        "wordprocessingml.document",
                    ),
                ):
                    letter.document.attachments.create(
                        file=f"attachments/{name}",
                        original_name=name,
                        size=10,
                        sha256="0" * 64,
                        content_type=kind,
                    )
            letter.save()
            for position, task in enumerate(tasks, start=1):
                LetterTask.objects.create(
                    letter=letter,
                    task=task,
                    position=position,
                    deadline=ON,
                    days_overdue=3,
                )
        return letter

    return _make


def rows(html: str) -> int:
    return html.count('id="letter-row-')


def test_a_member_sees_the_letters_of_the_body_with_their_columns(
    login, member, make_letter, make_task, member_agency
):
    tasks = [make_task(), make_task()]
    letter = make_letter(tasks=tasks)
    response = login(member).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="letter-row-{letter.pk}"' in html
    assert letter.reference in html
    assert "05/03/2026" in html
    assert member_agency.name in html
    assert reverse("letters:detail", args=[letter.pk]) in html
    for attachment in letter.document.attachments.all():
        assert reverse("docs:attachment-download", args=[attachment.pk]) in html
    assert ">PDF<" in html
    assert ">DOCX<" in html
    page = selectors.letter_list(user=member)
    assert page.items[0].task_count == 2


def test_a_selection_letter_names_the_lead_agencies_it_urged(
    login, member, make_letter, make_task
):
    first = AgencyFactory(name="Sở Giao thông")
    second = AgencyFactory(name="Sở Y tế")
    letter = make_letter(
        agency=None,
        task_ids=[1, 2],
        tasks=[make_task(lead_agency=first), make_task(lead_agency=second)],
    )
    [item] = selectors.letter_list(user=member).items
    assert item.pk == letter.pk
    assert item.addressees == ["Sở Giao thông", "Sở Y tế"]
    html = login(member).get(LIST).content.decode()
    assert "Sở Giao thông; Sở Y tế" in html


def test_a_letter_being_generated_shows_its_state_without_files(
    login, member, make_letter
):
    pending = make_letter(UrgingLetter.Status.PENDING)
    selection = make_letter(UrgingLetter.Status.PENDING, agency=None, task_ids=[4, 5])
    drafted = make_letter(UrgingLetter.Status.DRAFTED)
    failed = make_letter(UrgingLetter.Status.FAILED)
    items = {item.pk: item for item in selectors.letter_list(user=member).items}
    assert items[pending.pk].task_count is None
    assert items[selection.pk].task_count == 2
    assert items[pending.pk].files == []
    assert items[drafted.pk].files == []
    html = login(member).get(LIST).content.decode()
    assert html.count("Not numbered yet") == 4
    assert "Being drafted" in html
    assert "Drafted, not issued yet" in html
    assert f'id="letter-row-{failed.pk}"' in html
    assert "Failed" in html


def test_letters_come_newest_date_first(make_letter, member):
    old = make_letter(on=ON - datetime.timedelta(days=30))
    new = make_letter(on=ON)
    same_day = make_letter(on=ON)
    items = selectors.letter_list(user=member).items
    assert [item.pk for item in items] == [same_day.pk, new.pk, old.pk]


def test_the_filters_keep_to_the_agency_the_dates_and_the_state(
    login, member, make_letter, make_task, member_agency, coop_agency
):
    of_member = make_letter(on=ON)
    of_coop = make_letter(agency=coop_agency, on=ON - datetime.timedelta(days=10))
    selection = make_letter(
        agency=None, task_ids=[1], tasks=[make_task(lead_agency=coop_agency)]
    )
    failed = make_letter(
        UrgingLetter.Status.FAILED, on=ON - datetime.timedelta(days=40)
    )
    client = login(member)

    def shown(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        html = response.content.decode()
        return {
            letter.pk
            for letter in (of_member, of_coop, selection, failed)
            if f'id="letter-row-{letter.pk}"' in html
        }

    assert shown(agency=coop_agency.pk) == {of_coop.pk, selection.pk}
    assert shown(agency=member_agency.pk) == {of_member.pk, failed.pk}
    assert shown(on_from="01/03/2026") == {of_member.pk, selection.pk}
    assert shown(on_from="2026-02-20", on_to="28/02/2026") == {of_coop.pk}
    assert shown(state="failed") == {failed.pk}
    assert shown(state="done", agency=member_agency.pk) == {of_member.pk}


@pytest.mark.parametrize(
    "params",
    [
        {"on_from": "31/02/2026"},
        {"on_from": "10/03/2026", "on_to": "01/03/2026"},
        {"state": "burnt"},
        {"agency": "abc"},
        {"agency": "999999"},
    ],
)
def test_bad_filters_are_field_errors_and_show_no_rows(
    login, member, make_letter, params
):
    make_letter()
    response = login(member).get(LIST, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="letter-filter-errors"' in html
    assert "invalid-feedback" in html
    assert rows(html) == 0


def test_a_bad_cursor_is_reported_not_a_server_error(login, member, make_letter):
    make_letter()
    response = login(member).get(LIST, {"after": "yesterday.x"}, **HX)
    assert response.status_code == 200
    assert rows(response.content.decode()) == 0


def test_load_more_pages_through_every_letter_once(
    login, member, make_letter, monkeypatch
):
    monkeypatch.setattr(selectors, "LETTER_PAGE_SIZE", 3)
    letters = [
        make_letter(on=ON - datetime.timedelta(days=i % 3), files=False)
        for i in range(7)
    ]
    client = login(member)
    html = client.get(LIST).content.decode()
    assert rows(html) == 3
    seen = []
    while True:
        seen += [
            letter.pk for letter in letters if f'id="letter-row-{letter.pk}"' in html
        ]
        if 'id="letter-rows-more"' not in html:
            break
        start = html.index('id="letter-rows-more"')
        href = html[html.index('href="', start) + 6 :]
        url = href[: href.index('"')].replace("&amp;", "&")
        html = client.get(url, **HX).content.decode()
        assert "<html" not in html
        assert 'id="letter-filters"' not in html
    assert sorted(seen) == sorted(letter.pk for letter in letters)
    assert len(seen) == len(set(seen))


def test_the_filter_form_over_htmx_returns_only_the_page_fragment(
    login, member, make_letter
):
    letter = make_letter()
    response = login(member).get(LIST, {"state": "done"}, **HX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="letter-page">')
    assert f'id="letter-row-{letter.pk}"' in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_the_same_queries_for_5_and_50_letters(
    count, login, member, make_letter, make_task, django_assert_num_queries
):
    tasks = [make_task(), make_task()]
    for i in range(count):
        if i % 3 == 0:
            make_letter(agency=None, task_ids=[t.pk for t in tasks], tasks=tasks)
        elif i % 3 == 1:
            make_letter(tasks=tasks[:1])
        else:
            make_letter(UrgingLetter.Status.PENDING)
    client = login(member)
    # session, user (with the seats), agency choices, letters, attachments,
    # addressees
    with django_assert_num_queries(6):
        response = client.get(LIST)
    assert rows(response.content.decode()) == count


def test_an_outsider_gets_an_empty_list(login, outsider, make_letter):
    letter = make_letter()
    response = login(outsider).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == 0
    assert 'id="letter-rows-empty"' in html
    assert str(letter.agency.name) not in html
    # The letter itself stays hidden (letters:detail answers 404).
    assert (
        login(outsider).get(reverse("letters:detail", args=[letter.pk])).status_code
        == 404
    )


def test_an_external_user_sees_only_the_letters_of_their_own_body(
    login, external, other_team, make_letter
):
    hanoi = make_letter()
    theirs = make_letter(
        body=other_team, agency=AgencyFactory(name="Sở Xây dựng Bắc Ninh")
    )
    html = login(external).get(LIST).content.decode()
    assert f'id="letter-row-{theirs.pk}"' in html
    assert f'id="letter-row-{hanoi.pk}"' not in html
    # Nor may they filter by an agency known only from Hanoi's letters.
    response = login(external).get(LIST, {"agency": hanoi.agency_id})
    assert rows(response.content.decode()) == 0


def test_administrators_and_leadership_see_every_body(
    login, admin_user, leadership_viewer, other_team, make_letter
):
    hanoi = make_letter()
    theirs = make_letter(body=other_team)
    for user in (admin_user, leadership_viewer):
        html = login(user).get(LIST).content.decode()
        assert f'id="letter-row-{hanoi.pk}"' in html
        assert f'id="letter-row-{theirs.pk}"' in html


def test_only_letter_writers_get_the_new_letter_button(
    login, member, secretariat, make_letter
):
    make_letter()
    assert 'id="letter-list-new"' not in login(member).get(LIST).content.decode()
    assert 'id="letter-list-new"' in login(secretariat).get(LIST).content.decode()


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_menu_links_to_the_list(login, member):
    html = login(member).get(reverse("tasks:list")).content.decode()
    assert f'href="{LIST}"' in html


def test_the_letter_page_leads_back_to_the_list_a_member_may_open(
    login, member, make_letter
):
    letter = make_letter()
    client = login(member)
    html = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert f'<a href="{LIST}">' in html
    assert client.get(LIST).status_code == 200


def test_a_list_of_several_bodies_names_each_letters_body(
    login, admin_user, member, other_team, make_letter
):
    make_letter(body=other_team)
    html = login(admin_user).get(LIST).content.decode()
    assert other_team.short_name in html
    # One body: no need to repeat it on every row.
    make_letter()
    html = login(member).get(LIST).content.decode()
    assert "TĐP Hà Nội</div>" not in html
