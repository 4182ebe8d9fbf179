"""The cached counts strip, summary counts and registry options
(``tasks.cache``, ``core.cache``): never stale after a write by any path,
never shared between scopes, equal to the uncached figures."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from dieuphoi.core import cache as stamps
from dieuphoi.org import services as org_services
from dieuphoi.org.models import AgencySuccession, Membership
from dieuphoi.org.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from dieuphoi.tasks import handover, selectors, services
from dieuphoi.tasks.extensions import services as extensions
from dieuphoi.tasks.models import Sector, Task
from dieuphoi.tasks.selectors import TaskFilters
from dieuphoi.tasks.tests.factories import TaskPartFactory
from dieuphoi.workdays import calendar

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("caches_on")]
DAY = datetime.timedelta(days=1)
S = Task.State
HX = {"HTTP_HX_REQUEST": "true"}


def counts(user, filters=None, on=None):
    return selectors.task_bucket_counts(
        user=user, filters=filters or TaskFilters(), on=on or _today()
    )


def uncached(user, filters=None, on=None):
    with override_settings(TASK_COUNTS_CACHE_SECONDS=0):
        return counts(user, filters, on)


def _today():
    from dieuphoi.core.models import local_today

    return local_today()


def check_write(user, filters, write, commit, *, changes=True):
    """Counts cached before ``write`` are not seen after it."""
    before = counts(user, filters)
    assert counts(user, filters) == before  # now from the cache
    with commit():
        write()
    after = counts(user, filters)
    assert after == uncached(user, filters)
    if changes:
        assert after != before
    return before, after


# --- the cache is used, per scope ---------------------------------------------------


def test_a_second_look_costs_the_stamps_only(
    make_task, secretariat, django_assert_num_queries
):
    make_task()
    first = counts(secretariat)
    with django_assert_num_queries(1):  # the stamps (seats cached on the user)
        assert counts(secretariat) == first


def test_users_who_see_the_same_tasks_share_an_entry(
    make_task, secretariat, member, django_assert_num_queries
):
    make_task()
    counts(secretariat)
    with django_assert_num_queries(2):  # member's seats, the stamps
        assert counts(member)["total"] == 1


def test_different_scopes_never_share_an_entry(
    make_task, other_team, secretariat, external, outsider, admin_user, today
):
    make_task(deadline=today - DAY)
    make_task(body=other_team, deadline=today + DAY)
    make_task(body=other_team, deadline=today + DAY)
    seen = {}
    for _round in range(2):  # the second round reads the cache
        for user in (secretariat, external, outsider, admin_user):
            got = counts(user)
            assert got == uncached(user)
            seen.setdefault(user.username, got)
            assert seen[user.username] == got
    assert seen["secretariat"]["total"] == 1
    assert seen["secretariat"]["overdue"] == 1
    assert seen["external"]["total"] == 2
    assert seen["outsider"]["total"] == 0
    assert seen["admin"]["total"] == 3


def test_a_party_scope_is_its_own_entry(
    make_task, other_team, hanoi_team, member_agency, secretariat, today
):
    """A member of another team whose agency co-operates on a Hanoi task
    sees that task; a colleague of that team without the part does not."""
    task = make_task(deadline=today - DAY)
    party_agency = AgencyFactory(code="SXD-BN")
    TaskPartFactory(task=task, agency=party_agency)
    with_part = UserFactory(username="with-part")
    MembershipFactory(
        person=with_part,
        body=other_team,
        role=Membership.Role.MEMBER,
        agency=party_agency,
        valid_from=datetime.date(2020, 1, 1),
    )
    without = UserFactory(username="without-part")
    MembershipFactory(
        person=without,
        body=other_team,
        role=Membership.Role.MEMBER,
        agency=AgencyFactory(code="STC-BN"),
        valid_from=datetime.date(2020, 1, 1),
    )
    assert counts(with_part)["total"] == 1
    assert counts(without)["total"] == 0
    assert counts(with_part) == uncached(with_part)


def test_cached_equals_uncached_on_a_set_of_filters(
    make_task, secretariat, member_agency, coop_agency, sector, today
):
    make_task(deadline=today - DAY, sector=sector, is_key=True)
    make_task(deadline=today + 10 * DAY, title="Giải phóng mặt bằng Vành đai 4")
    done = make_task(state=S.COMPLETED, completed_on=today - 2 * DAY)
    TaskPartFactory(task=done, agency=coop_agency)
    make_task(state=S.CANCELLED, cancelled_on=today - DAY)
    make_task(assigned_on=today - 400 * DAY, deadline=today - 300 * DAY)
    filters = [
        TaskFilters(),
        TaskFilters(bucket="overdue"),
        TaskFilters(warning="due_soon"),
        TaskFilters(state=S.COMPLETED),
        TaskFilters(lead_agency=member_agency.pk),
        TaskFilters(lead_agency=member_agency.pk, record_only=True),
        TaskFilters(cooperating_agency=coop_agency.pk),
        TaskFilters(sector=sector.pk),
        TaskFilters(is_key=True),
        TaskFilters(extended=False),
        TaskFilters(q="vanh dai"),
        TaskFilters(deadline_from=today, deadline_to=today + 30 * DAY),
        TaskFilters(assigned_from=today - 31 * DAY),
        TaskFilters(sort="deadline"),
    ]
    for on in (today, today - 60 * DAY, today - 350 * DAY):
        for f in filters:
            expected = uncached(secretariat, f, on)
            assert counts(secretariat, f, on) == expected, (f, on)
            assert counts(secretariat, f, on) == expected, (f, on)  # cached
    # The bucket and the sort do not split the entries.
    assert counts(secretariat, TaskFilters(bucket="overdue")) == counts(
        secretariat, TaskFilters(sort="deadline")
    )


# --- every writer moves the stamp -----------------------------------------------------


def test_task_create(commit, secretariat, hanoi_team, member_agency, today):
    def write():
        services.task_create(
            actor=secretariat,
            body=hanoi_team,
            title="Nhiệm vụ mới",
            assigned_on=today - 10 * DAY,
            lead_agency=member_agency,
            deadline=today - DAY,
        )

    before, after = check_write(secretariat, TaskFilters(), write, commit)
    assert after["overdue"] == before["overdue"] + 1


def test_task_update_adding_a_part(commit, make_task, secretariat, coop_agency):
    """The parts are written with ``bulk_create`` (no signal)."""
    task = make_task()
    filters = TaskFilters(cooperating_agency=coop_agency.pk)

    def write():
        services.task_update(
            actor=secretariat,
            task=task,
            version=task.version,
            cooperating=[{"agency": coop_agency}],
        )

    _before, after = check_write(secretariat, filters, write, commit)
    assert after["total"] == 1


@pytest.mark.parametrize("action", ["cancel", "change_deadline", "start"])
def test_task_transition(commit, make_task, secretariat, today, action):
    task = make_task(state=S.NEW, deadline=today - DAY)
    extra = {"reason": "Lý do"} if action != "start" else {}
    if action == "change_deadline":
        extra["new_deadline"] = today + 20 * DAY
    filters = TaskFilters(state=S.IN_PROGRESS) if action == "start" else None

    def write():
        services.task_transition(actor=secretariat, task=task, action=action, **extra)

    check_write(secretariat, filters, write, commit)


def test_report_done_and_confirm(commit, make_task, member, secretariat, today):
    task = make_task(state=S.IN_PROGRESS, deadline=today + 5 * DAY)

    def write():
        services.task_transition(actor=member, task=task, action="report_done")
        services.task_transition(actor=secretariat, task=task, action="confirm")

    _before, after = check_write(secretariat, None, write, commit)
    assert after["completed_on_time"] == 1


def test_progress_report_moves_the_summary(commit, make_task, member, secretariat):
    """Progress changes no bucket but the summary's "at risk"."""
    task = make_task(state=S.IN_PROGRESS, progress=0)  # half its time gone
    before = selectors.task_summary(user=secretariat)["totals"]["at_risk"]
    assert before == 1
    with commit():
        services.progress_report(actor=member, task=task, percent=90, text="Xong")
    assert selectors.task_summary(user=secretariat)["totals"]["at_risk"] == 0


def test_extension_request_and_decision(
    commit, make_task, member, leader, secretariat, today
):
    task = make_task(state=S.IN_PROGRESS, deadline=today - DAY)
    asked = TaskFilters(state=S.EXTENSION_REQUESTED)
    box = {}

    def ask():
        box["request"] = extensions.extension_request_create(
            actor=member, task=task, requested_deadline=today + 10 * DAY, reason="Lý do"
        )

    check_write(secretariat, asked, ask, commit)
    task.refresh_from_db()

    def approve():
        extensions.extension_request_decide(
            actor=leader, task=task, extension=box["request"], decision="approve"
        )

    before, after = check_write(secretariat, None, approve, commit)
    assert (before["overdue"], after["overdue"]) == (1, 0)


def test_extension_withdrawal(commit, make_task, member, secretariat, today):
    task = make_task(state=S.IN_PROGRESS, deadline=today + DAY)
    request = extensions.extension_request_create(
        actor=member, task=task, requested_deadline=today + 10 * DAY, reason="Lý do"
    )
    task.refresh_from_db()

    def write():
        extensions.extension_request_withdraw(
            actor=member, task=task, extension=request
        )

    check_write(secretariat, TaskFilters(state=S.EXTENSION_REQUESTED), write, commit)


def test_part_extension_request_moves_the_stamp(
    commit, make_task, coop_member, coop_agency, secretariat, today
):
    """No count shows a part's sub-deadline; the stamp moves all the same."""
    task = make_task(state=S.IN_PROGRESS, deadline=today + 30 * DAY)
    part = TaskPartFactory(task=task, agency=coop_agency, deadline=today + DAY)
    before = stamps.read(stamps.TASKS)
    with commit():
        extensions.part_extension_request_create(
            actor=coop_member,
            task=task,
            part=part,
            requested_deadline=today + 10 * DAY,
            reason="Lý do",
        )
    assert stamps.read(stamps.TASKS) != before


def test_handover_to_a_successor(
    commit, make_task, admin_user, member_agency, hanoi_team, today
):
    """The lead changes and the lead changes' rows are a ``bulk_create``."""
    ended = today - 10 * DAY
    transport = AgencyFactory(code="SGTVT", valid_to=ended)
    task = make_task(
        lead_agency=transport,
        assigned_on=today - 100 * DAY,
        state=S.IN_PROGRESS,
        seq=900_001,
    )
    with commit():
        succession = org_services.succession_create(
            actor=admin_user,
            kind=AgencySuccession.Kind.MERGER,
            on=ended + DAY,
            predecessors=[transport],
            successors=[member_agency],
        )
    filters = TaskFilters(lead_agency=member_agency.pk, record_only=True)

    def write():
        handover.handover_commit(succession=succession, actor=admin_user)

    before, after = check_write(admin_user, filters, write, commit)
    assert after["total"] == before["total"] + 1
    task.refresh_from_db()
    assert task.lead_agency == member_agency


def test_a_succession_changes_the_lineage_filter(
    commit, make_task, admin_user, member_agency, today
):
    """The registry stamp is in the counts key: a new succession makes the
    successor's filter include the predecessor's tasks."""
    ended = today - 10 * DAY
    transport = AgencyFactory(code="SGTVT", valid_to=ended)
    make_task(lead_agency=transport, assigned_on=today - 100 * DAY)
    filters = TaskFilters(lead_agency=member_agency.pk)

    def write():
        org_services.succession_create(
            actor=admin_user,
            kind=AgencySuccession.Kind.MERGER,
            on=ended + DAY,
            predecessors=[transport],
            successors=[member_agency],
        )

    before, after = check_write(admin_user, filters, write, commit)
    assert (before["total"], after["total"]) == (0, 1)


def test_seed_scale_raw_inserts(commit, admin_user, hanoi_team):
    def write():
        call_command(
            "seed_scale", tasks=3, agencies=2, body=hanoi_team.key, stdout=None
        )

    before, after = check_write(admin_user, None, write, commit)
    assert after["total"] == before["total"] + 3


def test_admin_edit_of_a_task_through_save(commit, make_task, secretariat, today):
    """Any ``save()`` (the admin, a seed) bumps through the model signals."""
    task = make_task(deadline=today + DAY)

    def write():
        task.deadline = today - DAY
        task.save()

    check_write(secretariat, None, write, commit)


def test_a_write_rolled_back_to_a_savepoint_still_bumps_the_next_one(
    commit, make_task, secretariat, today
):
    from django.db import transaction

    task = make_task(deadline=today + DAY)
    before = stamps.read(stamps.TASKS)
    with commit():
        try:
            with transaction.atomic():
                make_task()
                raise RuntimeError
        except RuntimeError:
            pass
        task.deadline = today - DAY
        task.save()
    assert stamps.read(stamps.TASKS) != before


# --- the summary ----------------------------------------------------------------------


def test_summary_cached_equals_uncached_and_follows_writes(
    commit, make_task, secretariat, outsider, today, settings
):
    make_task(deadline=today - DAY)
    past = today - 20 * DAY
    first = selectors.task_summary(user=secretariat, on=past)
    assert selectors.task_summary(user=secretariat, on=past) == first
    settings.TASK_SUMMARY_CACHE_SECONDS = 0
    assert selectors.task_summary(user=secretariat, on=past) == first
    settings.TASK_SUMMARY_CACHE_SECONDS = 300
    task = Task.objects.get()
    with commit():  # a correction of record dated in the past
        services.task_transition(
            actor=secretariat,
            task=task,
            action="change_deadline",
            reason="Đính chính",
            # Overdue on ``past`` whatever the weekday: a deadline on a day
            # off runs to the next working day.
            new_deadline=calendar.previous_working_day(past),
            effective_on=past - 5 * DAY,
        )
    again = selectors.task_summary(user=secretariat, on=past)
    assert again["totals"]["overdue"] == first["totals"]["overdue"] + 1
    assert selectors.task_summary(user=outsider)["totals"]["total"] == 0


# --- registry options -----------------------------------------------------------------


def _options(response, name):
    select = re.search(
        rf'<select name="{name}"[^>]*>(.*?)</select>', response.content.decode(), re.S
    )
    return select.group(1)


def test_filter_options_follow_the_registry(
    commit, login, secretariat, admin_user, django_assert_num_queries
):
    client = login(secretariat)
    client.get(reverse("tasks:list"))
    with commit():
        AgencyFactory(code="SMOI", name="Sở Mới Thành Lập")
        Sector.objects.create(key="moi", name="Lĩnh vực mới", position=99)
    response = client.get(reverse("tasks:list"))
    assert "Sở Mới Thành Lập" in _options(response, "lead_agency")
    assert "Lĩnh vực mới" in _options(response, "sector")


def test_filter_options_are_per_language(login, secretariat, member_agency):
    member_agency.valid_to = datetime.date(2025, 2, 28)
    member_agency.save()
    client = login(secretariat)
    vi = _options(client.get(reverse("tasks:list")), "lead_agency")
    en = _options(
        client.get(reverse("tasks:list"), HTTP_ACCEPT_LANGUAGE="en"), "lead_agency"
    )
    assert "28/02/2025" in vi
    assert vi == _options(client.get(reverse("tasks:list")), "lead_agency")
    assert en  # rendered from its own entry


# --- ready counts shown in the page ----------------------------------------------------

STRIP_LOAD = 'id="task-counts" hx-get='


def _strip_numbers(html: str) -> list[str]:
    return re.findall(r'task-count-number">([\d.,]+)<', html)


def test_the_page_shows_ready_counts_and_loads_missing_ones(
    commit, make_task, login, member, today
):
    make_task(deadline=today - DAY)
    make_task(deadline=today + 30 * DAY)
    client = login(member)
    url = reverse("tasks:list")
    # Not counted yet: the strip loads by its own request.
    html = client.get(url, {"bucket": "overdue"}).content.decode()
    assert STRIP_LOAD in html and not _strip_numbers(html)
    fragment = client.get(url, {"bucket": "overdue", "part": "counts"}, **HX)
    loaded = _strip_numbers(fragment.content.decode())
    assert loaded[0] == "2"
    # Counted (for every bucket of these filters): in the page.
    for bucket in ("overdue", "in_progress_within_deadline", ""):
        html = client.get(url, {"bucket": bucket} if bucket else {}).content.decode()
        assert STRIP_LOAD not in html
        assert _strip_numbers(html) == loaded
    assert (
        'aria-current="true"' in client.get(url, {"bucket": "overdue"}).content.decode()
    )
    # Other filters are not counted yet.
    assert STRIP_LOAD in client.get(url, {"q": "xyz"}).content.decode()
    # A write: the stored counts are never shown again.
    with commit():
        make_task(deadline=today - DAY)
    html = client.get(url).content.decode()
    assert STRIP_LOAD in html and not _strip_numbers(html)
    fresh = client.get(url, {"part": "counts"}, **HX).content.decode()
    assert _strip_numbers(fresh)[0] == "3"
    assert _strip_numbers(client.get(url).content.decode())[0] == "3"


def test_ready_counts_follow_the_scope(make_task, login, member, other_team, today):
    make_task(deadline=today - DAY)
    url = reverse("tasks:list")
    mine = login(member)
    mine.get(url, {"part": "counts"}, **HX)
    assert _strip_numbers(mine.get(url).content.decode())[0] == "1"
    # Another team's member has not counted their scope: nothing shown.
    other = MembershipFactory(body=other_team).person
    html = login(other).get(url).content.decode()
    assert STRIP_LOAD in html and not _strip_numbers(html)


def test_an_outsider_gets_no_counts(client, make_task):
    make_task()
    response = client.get(reverse("tasks:list"), {"part": "counts"}, **HX)
    assert response.status_code in (302, 401, 403)
    assert "task-count-number" not in response.content.decode()


# --- queries per page, caches on --------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 50])
def test_page_query_counts_with_the_caches(
    rows,
    make_task,
    coop_agency,
    sector,
    today,
    login,
    member,
    django_assert_num_queries,
):
    for i in range(rows):
        task = make_task(deadline=today + (i - rows // 2) * DAY, sector=sector)
        TaskPartFactory(task=task, agency=coop_agency)
    client = login(member)
    url = reverse("tasks:list")
    client.get(url)  # fills the options
    client.get(url, {"part": "counts"}, **HX)
    client.get(reverse("tasks:summary"))
    # session, user (the stamps, the seats and the badge's unread key with
    # it): the rows, the strip and the options are all ready
    with django_assert_num_queries(2):
        response = client.get(url)
    assert len(response.context["task_ids"]) == rows
    assert response.content.decode().count('id="task-row-') == rows
    # session, user (the stamps and the seats with it)
    with django_assert_num_queries(2):
        response = client.get(url, {"part": "counts"}, **HX)
    assert re.search(r'task-count-number">(\d+)<', response.content.decode()).group(
        1
    ) == str(rows)
    # session, user (the stamps and the seats with it): the figures are ready
    with django_assert_num_queries(2):
        response = client.get(reverse("tasks:summary"))
    assert response.context["summary_page"].totals["total"] == rows
    assert f'id="summary-row-agency-{task.lead_agency_id}"' in response.content.decode()


# --- stamps read once per request ------------------------------------------------------


def test_a_request_reads_the_stamps_once(django_assert_num_queries, commit):
    with stamps.request_scope():
        with django_assert_num_queries(1):
            first = stamps.read(stamps.TASKS)
            assert stamps.read(stamps.REGISTRY, stamps.TASKS)[1] == first[0]
        # A bump this request commits is the token it reads next.
        with commit():
            stamps.bump(stamps.TASKS)
        with django_assert_num_queries(0):
            after = stamps.read(stamps.TASKS)
        assert after != first
    # Outside a request: read every time, and the same token.
    with django_assert_num_queries(1):
        assert stamps.read(stamps.TASKS) == after


def test_peek_computes_nothing(settings):
    calls = []

    def compute():
        calls.append(1)
        return {"n": 1}

    args = ("test:peek", ("a",))
    assert stamps.peek(*args, stamps=[stamps.TASKS], seconds=60) is None
    assert stamps.cached(*args, compute, stamps=[stamps.TASKS], seconds=60) == {"n": 1}
    assert stamps.peek(*args, stamps=[stamps.TASKS], seconds=60) == {"n": 1}
    assert stamps.peek(*args, stamps=[stamps.TASKS], seconds=0) is None
    assert calls == [1]
