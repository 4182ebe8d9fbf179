import pytest
from django.urls import reverse

from dieuphoi.jobs.models import JobProgress
from dieuphoi.jobs.progress import (
    enqueue_with_progress,
    job_progress_finish,
    job_progress_start,
    job_progress_update,
)

from . import sample_jobs

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def progress(secretariat, dummy_backend):
    return enqueue_with_progress(
        sample_jobs.counts_to,
        owner=secretariat,
        label="Công văn đôn đốc",
        total=3,
        kwargs={"n": 3},
    )


def test_enqueue_with_progress_passes_the_progress_id_to_the_job(
    progress, dummy_backend, secretariat
):
    [result] = dummy_backend.results
    assert result.kwargs == {"progress_id": str(progress.pk), "n": 3}
    assert progress.job_id == result.id
    assert progress.owner == secretariat
    assert (progress.done, progress.total, progress.percent) == (0, 3, 0)


def test_the_job_reports_progress_and_its_result(progress):
    sample_jobs.counts_to.call(progress_id=str(progress.pk), n=3)
    progress.refresh_from_db()
    assert (progress.done, progress.total, progress.percent) == (3, 3, 100)
    assert progress.is_finished
    assert progress.result_url == "/documents/1/"


def test_progress_can_be_keyed_by_the_job_id(member):
    job_progress_start(job_id="job-123", owner=member, label="Export", total=10)
    job_progress_update("job-123", 4, 10, message="4 rows")
    row = JobProgress.objects.get(job_id="job-123")
    assert (row.done, row.percent, row.message) == (4, 40, "4 rows")


def test_an_unknown_job_id_gets_a_row_only_administrators_see():
    job_progress_update("never-started", 1, 2)
    assert JobProgress.objects.get(job_id="never-started").owner is None


def test_negative_counts_are_refused(progress):
    with pytest.raises(ValueError):
        job_progress_update(progress.pk, -1, 3)


def url(progress):
    return reverse("jobs:progress", args=[progress.pk])


def test_the_owner_gets_the_polling_fragment(login, secretariat, progress):
    job_progress_update(progress.pk, 1, 3)
    response = login(secretariat).get(url(progress), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="job-progress-{progress.pk}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert 'value="33"' in html


def test_a_finished_job_stops_polling_and_links_its_result(
    login, secretariat, progress
):
    job_progress_finish(progress.pk, result_url="/documents/7/download/")
    html = login(secretariat).get(url(progress), **HX).content.decode()
    assert "hx-trigger" not in html
    assert "/documents/7/download/" in html


def test_a_failed_job_says_so(login, secretariat, progress):
    job_progress_finish(progress.pk, failed=True, message="SMTP refused")
    html = login(secretariat).get(url(progress), **HX).content.decode()
    assert "hx-trigger" not in html
    assert 'role="alert"' in html


def test_an_administrator_may_watch_any_job(login, admin_user, progress):
    assert login(admin_user).get(url(progress), **HX).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "member", "leader"])
def test_anyone_else_gets_404(request, login, progress, who):
    user = request.getfixturevalue(who)
    assert login(user).get(url(progress), **HX).status_code == 404


def test_an_unknown_progress_id_is_404(login, admin_user):
    response = login(admin_user).get(
        reverse("jobs:progress", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, progress):
    response = client.get(url(progress))
    assert response.status_code == 302
    assert "login" in response["Location"]
