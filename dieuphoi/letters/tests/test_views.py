import datetime

import pytest
from django.urls import reverse

from dieuphoi.docs.models import Document
from dieuphoi.jobs.progress import job_progress_finish
from dieuphoi.letters import services
from dieuphoi.letters.jobs import urging_letter_job
from dieuphoi.letters.models import UrgingLetter
from dieuphoi.org.models import Membership
from dieuphoi.org.tests.factories import MembershipFactory, UserFactory
from dieuphoi.paperwork.models import Paper, RegisterCounter

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
NEW = reverse("letters:new")


def new_url(body, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"body": body.pk, **params}.items())
    return f"{NEW}?{query}"


def task_url(*tasks) -> str:
    return NEW + "?" + "&".join(f"task={t.pk}" for t in tasks)


# --- letters:new -------------------------------------------------------------------


def test_the_secretariat_sees_lead_agencies_with_their_overdue_counts(
    login, secretariat, profile, member_agency, coop_agency, make_task
):
    for _ in range(3):
        make_task()
    make_task(lead_agency=coop_agency)
    make_task(days=-5)  # within deadline: not counted

    response = login(secretariat).get(NEW)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="letter-agencies"' in html
    assert (
        f'<tr id="letter-agency-{member_agency.pk}">\n          <td>Sở Xây dựng</td>\n'
        '          <td class="text-end">3</td>'
    ) in html
    assert f'id="letter-agency-{coop_agency.pk}"' in html
    assert new_url(profile.body, agency=member_agency.pk).replace("&", "&amp;") in html


@pytest.mark.parametrize("rows", [5, 50])
def test_the_agency_list_costs_the_same_queries_for_5_and_50_agencies(
    rows, login, secretariat, profile, make_task, django_assert_num_queries
):
    from dieuphoi.org.tests.factories import AgencyFactory

    for _ in range(rows):
        make_task(lead_agency=AgencyFactory())
    client = login(secretariat)
    # session, user (with the seats), body, profile, agency counts, recent
    # letters
    with django_assert_num_queries(6):
        response = client.get(new_url(profile.body))
    assert response.content.decode().count('id="letter-agency-') == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_preview_costs_the_same_queries_for_5_and_50_rows(
    rows,
    login,
    secretariat,
    profile,
    member_agency,
    make_task,
    django_assert_num_queries,
):
    for _ in range(rows):
        make_task()
    client = login(secretariat)
    # session, user (with the seats), body, agency, profile, tasks awaiting
    # an extension decision, overdue rows
    with django_assert_num_queries(7):
        response = client.get(new_url(profile.body, agency=member_agency.pk))
    html = response.content.decode()
    assert html.count('id="letter-row-') == rows
    assert 'id="letter-generate-form"' in html


def test_the_preview_of_selected_tasks_lists_those_left_out(
    login, secretariat, profile, make_task
):
    overdue = make_task(code="NV-2025-0001")
    within = make_task(days=-4, code="NV-2025-0002")

    response = login(secretariat).get(task_url(overdue, within))

    html = response.content.decode()
    assert f'id="letter-row-{overdue.pk}"' in html
    assert f'id="letter-row-{within.pk}"' not in html
    assert 'id="letter-left-out"' in html
    assert "NV-2025-0002" in html
    assert f'name="task" value="{overdue.pk}"' in html
    assert f'name="task" value="{within.pk}"' in html


def test_posting_a_selection_starts_the_job_and_shows_its_progress(
    login, secretariat, profile, member_agency, make_task, dummy_backend
):
    make_task()
    client = login(secretariat)

    response = client.post(NEW, {"body": profile.body.pk, "agency": member_agency.pk})

    letter = UrgingLetter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:detail", args=[letter.pk])
    assert len(dummy_backend.results) == 1
    page = client.get(response["Location"]).content.decode()
    assert f'id="job-progress-{letter.progress_id}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "js/letters.js" in page


def test_posting_a_selection_without_overdue_task_shows_the_error_and_writes_nothing(
    login, secretariat, profile, make_task, dummy_backend
):
    within = make_task(days=-2)

    response = login(secretariat).post(
        NEW, {"body": profile.body.pk, "task": [within.pk]}
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="letter-errors"' in html
    assert "There is no overdue task in the selection" in html
    assert not UrgingLetter.objects.exists()
    assert not RegisterCounter.objects.exists()
    assert not Paper.objects.exists()
    assert not Document.objects.exists()
    assert dummy_backend.results == []


def test_an_unknown_agency_is_an_error(login, secretariat, profile):
    response = login(secretariat).post(NEW, {"body": profile.body.pk, "agency": "x"})
    assert response.status_code == 422
    assert "The agency chosen does not exist." in response.content.decode()
    assert not UrgingLetter.objects.exists()


def test_a_member_may_not_write_letters(login, member, profile, member_agency):
    client = login(member)
    assert client.get(new_url(profile.body)).status_code == 403
    assert client.get(NEW).status_code == 403
    response = client.post(NEW, {"body": profile.body.pk, "agency": member_agency.pk})
    assert response.status_code == 403
    assert not UrgingLetter.objects.exists()


def test_the_leader_and_deputy_may(login, leader, deputy, profile):
    for user in (leader, deputy):
        assert login(user).get(new_url(profile.body)).status_code == 200


def test_an_outsider_gets_404_on_the_body_and_its_tasks_and_403_without(
    login, outsider, external, profile, member_agency, make_task
):
    task = make_task()
    for user in (outsider, external):
        client = login(user)
        assert client.get(new_url(profile.body)).status_code == 404
        assert client.get(task_url(task)).status_code == 404
        response = client.post(
            NEW, {"body": profile.body.pk, "agency": member_agency.pk}
        )
        assert response.status_code == 404
    assert login(outsider).get(NEW).status_code == 403
    assert not UrgingLetter.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, profile):
    response = client.get(new_url(profile.body))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_user_of_several_bodies_chooses_one(login, secretariat, other_team, profile):
    MembershipFactory(
        person=secretariat,
        body=other_team,
        role=Membership.Role.SECRETARIAT,
        valid_from=datetime.date(2022, 12, 1),
    )
    html = login(secretariat).get(NEW).content.decode()
    assert 'id="letter-bodies"' in html
    assert f"?body={other_team.pk}" in html
    assert f"?body={profile.body.pk}" in html


# --- letters:detail ----------------------------------------------------------------


@pytest.fixture
def drafted(profile, secretariat, member_agency, make_task, dummy_backend):
    make_task(code="NV-2025-0042")
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, agency=member_agency
    )
    [result] = dummy_backend.results
    urging_letter_job.call(**result.kwargs)
    letter.refresh_from_db()
    assert letter.status == UrgingLetter.Status.DRAFTED
    return letter


@pytest.fixture
def generated(drafted, issue_letter):
    """The drafted letter, reviewed and issued."""
    return issue_letter(drafted)


def test_a_drafted_letter_links_to_its_paper_and_has_no_number_yet(
    login, secretariat, drafted
):
    client = login(secretariat)
    html = client.get(reverse("letters:detail", args=[drafted.pk])).content.decode()
    assert 'id="letter-draft"' in html
    assert reverse("paperwork:detail", args=[drafted.paper_id]) in html
    assert 'id="letter-document"' not in html
    assert "/documents/attachments/" not in html
    assert "/TĐP" not in html
    # The draft's table, with its preview figures.
    assert 'id="letter-tasks"' in html
    assert "NV-2025-0042" in html
    assert "The draft lists 1 task" in html
    # The paper's page answers for the drafter.
    assert client.get(drafted.paper.get_absolute_url()).status_code == 200


def test_a_generated_letter_shows_its_document_and_downloads(
    login, secretariat, generated
):
    client = login(secretariat)
    html = client.get(reverse("letters:detail", args=[generated.pk])).content.decode()
    assert 'id="letter-document"' in html
    assert 'id="letter-draft"' not in html
    assert "01/TĐP" in html
    assert reverse("paperwork:detail", args=[generated.paper_id]) in html
    files = list(generated.document.attachments.all())
    assert len(files) == 2
    for attachment in files:
        url = reverse("docs:attachment-download", args=[attachment.pk])
        assert url in html
        download = client.get(url)
        assert download.status_code == 200
        assert download["Content-Type"].startswith(attachment.content_type)
    assert "NV-2025-0042" in html
    assert "The letter urges 1 task" in html


def test_members_of_the_body_see_the_letter_and_download_it(login, member, generated):
    client = login(member)
    response = client.get(reverse("letters:detail", args=[generated.pk]))
    assert response.status_code == 200
    attachment = generated.document.attachments.first()
    url = reverse("docs:attachment-download", args=[attachment.pk])
    assert client.get(url).status_code == 200


def test_an_outsider_gets_404_on_a_letter_and_its_files(
    login, outsider, external, generated
):
    attachment = generated.document.attachments.first()
    for user in (outsider, external):
        client = login(user)
        assert (
            client.get(reverse("letters:detail", args=[generated.pk])).status_code
            == 404
        )
        url = reverse("docs:attachment-download", args=[attachment.pk])
        assert client.get(url).status_code == 404
        assert (
            client.post(reverse("letters:retry", args=[generated.pk])).status_code
            == 404
        )


def test_the_status_fragment_alone_answers_htmx(login, secretariat, generated):
    response = login(secretariat).get(
        reverse("letters:detail", args=[generated.pk]), **HX
    )
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="letter-status"')


def test_another_manager_sees_a_pending_letter_polling_itself(
    login, leader, profile, secretariat, member_agency, make_task, dummy_backend
):
    make_task()
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, agency=member_agency
    )
    html = (
        login(leader).get(reverse("letters:detail", args=[letter.pk])).content.decode()
    )
    assert 'id="letter-pending"' in html
    assert 'hx-trigger="every 3s"' in html
    assert "job-progress-" not in html  # the progress bar is its owner's


def test_a_failed_letter_offers_to_try_again(
    login, secretariat, member, profile, member_agency, make_task, dummy_backend
):
    make_task()
    letter = services.urging_letter_request(
        actor=secretariat, body=profile.body, agency=member_agency
    )
    services.urging_letter_fail(letter=letter, message="Máy chủ bị tắt.")
    job_progress_finish(letter.progress_id, failed=True)
    url = reverse("letters:detail", args=[letter.pk])
    retry = reverse("letters:retry", args=[letter.pk])

    member_page = login(member).get(url).content.decode()
    assert "Máy chủ bị tắt." in member_page
    assert retry not in member_page
    assert login(member).post(retry).status_code == 403

    client = login(secretariat)
    assert retry in client.get(url).content.decode()
    dummy_backend.clear()
    assert client.post(retry).status_code == 302
    letter.refresh_from_db()
    assert letter.status == UrgingLetter.Status.PENDING
    assert len(dummy_backend.results) == 1


def test_letters_of_a_task_are_listed_for_its_page(drafted, issue_letter):
    from django.template.loader import render_to_string

    from dieuphoi.letters.selectors import task_letters

    task = drafted.tasks.get()
    # A draft is no urging: the task's page does not list it.
    assert list(task_letters(task=task)) == []
    issue_letter(drafted)
    html = render_to_string(
        "letters/task_letters.html", {"letters": task_letters(task=task)}
    )
    assert "Công văn 01/TĐP" in html
    assert html.count("/documents/attachments/") == 2


def test_unknown_users_of_no_body_cannot_reach_the_page(login, db):
    user = UserFactory(username="lonely")
    assert login(user).get(NEW).status_code == 403
