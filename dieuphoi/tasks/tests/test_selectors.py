import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from dieuphoi.org.tests.factories import AgencyFactory, BodyFactory
from dieuphoi.tasks import buckets, selectors
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.selectors import TaskFilters, parse_task_filters
from dieuphoi.tasks.tests.factories import TaskPartFactory

DAY = datetime.timedelta(days=1)
S = Task.State


def qd(query: str) -> QueryDict:
    return QueryDict(query)


# --- parsing --------------------------------------------------------------------


class TestParse:
    def test_valid_parameters(self):
        filters, errors = parse_task_filters(
            qd(
                "bucket=overdue&warning=at_risk&state=new&lead_agency=3&is_key=1"
                "&deadline_from=2025-01-01&deadline_to=31/12/2025&q=vành+đai&sort=deadline"
                "&on=2025-06-30"
            )
        )
        assert errors == {}
        assert filters == TaskFilters(
            bucket="overdue",
            warning="at_risk",
            state="new",
            lead_agency=3,
            is_key=True,
            deadline_from=datetime.date(2025, 1, 1),
            deadline_to=datetime.date(2025, 12, 31),
            q="vành đai",
            sort="deadline",
            on=datetime.date(2025, 6, 30),
        )

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("bucket=late", "bucket"),
            ("warning=soon", "warning"),
            ("state=done", "state"),
            ("deadline_from=2025-13-01", "deadline_from"),
            ("assigned_to=31-12-2025", "assigned_to"),
            ("on=yesterday", "on"),
            ("lead_agency=abc", "lead_agency"),
            ("sector=-1", "sector"),
            ("is_key=maybe", "is_key"),
            ("sort=title", "sort"),
            ("deadline_from=2025-06-01&deadline_to=2025-05-01", "deadline_to"),
        ],
    )
    def test_bad_parameter_is_reported_on_its_field(self, query, field):
        filters, errors = parse_task_filters(qd(query))
        assert list(errors) == [field]
        assert getattr(filters, field, None) in (None, "", selectors.DEFAULT_SORT)

    def test_to_params_round_trips(self):
        filters = TaskFilters(
            bucket="overdue", is_key=False, deadline_to=datetime.date(2025, 5, 1)
        )
        params = filters.to_params()
        assert params == {
            "bucket": "overdue",
            "is_key": "0",
            "deadline_to": "2025-05-01",
        }
        again, errors = parse_task_filters(params)
        assert again == filters and errors == {}


# --- list -------------------------------------------------------------------------


@pytest.fixture
def many(make_task, today):
    """Tasks in every bucket, deadlines spread over days."""

    def _many(n):
        tasks = []
        for i in range(n):
            kind = i % 4
            kwargs = {
                "assigned_on": today - (60 + i) * DAY,
                "deadline": today + (i - n // 2) * DAY,
            }
            if kind == 0:
                kwargs.update(
                    state=S.COMPLETED, completed_on=today - 70 * DAY + i * DAY
                )
                kwargs["completed_on"] = max(
                    kwargs["completed_on"], kwargs["assigned_on"]
                )
            tasks.append(make_task(**kwargs))
        return tasks

    return _many


class TestTaskList:
    def test_outsider_and_external_see_nothing(self, make_task, outsider, external):
        make_task()
        for user in (outsider, external):
            assert selectors.task_list(user=user).items == []

    @pytest.mark.parametrize(
        "role", ["leader", "secretariat", "member", "leadership_viewer", "admin_user"]
    )
    def test_body_members_and_viewers_see_the_body_tasks(
        self, make_task, role, request
    ):
        task = make_task()
        page = selectors.task_list(user=request.getfixturevalue(role))
        assert [t.pk for t in page.items] == [task.pk]

    def test_items_carry_bucket_and_warnings(self, make_task, secretariat, today):
        make_task(deadline=today - DAY)
        make_task(deadline=today + DAY, progress=90)
        page = selectors.task_list(
            user=secretariat, filters=TaskFilters(sort="deadline")
        )
        assert [t.bucket for t in page.items] == [
            buckets.OVERDUE,
            buckets.IN_PROGRESS_WITHIN_DEADLINE,
        ]
        assert buckets.task_warnings(page.items[1]) == [buckets.DUE_SOON]

    def test_keyset_pages_cover_everything_once_in_every_sort(self, many, secretariat):
        tasks = many(23)
        # Two tasks share each deadline key to exercise the id tie-breaker.
        Task.objects.filter(pk__in=[tasks[0].pk, tasks[1].pk]).update(
            deadline=tasks[2].deadline
        )
        Task.objects.filter(pk=tasks[3].pk).update(deadline=None)
        for sort in selectors.SORTS:
            seen, cursor = [], None
            while True:
                page = selectors.task_list(
                    user=secretariat,
                    filters=TaskFilters(sort=sort),
                    after=cursor,
                    limit=5,
                )
                seen += [t.pk for t in page.items]
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert sorted(seen) == sorted(t.pk for t in tasks), sort
            assert len(seen) == len(set(seen))
            field, _desc = selectors.SORTS[sort][0]
            keys = [
                getattr(t, field)
                for t in Task.objects.filter(pk__in=seen).order_by(
                    *[f"-{f}" if d else f for f, d in selectors.SORTS[sort]]
                )
            ]
            ordered = [getattr(Task.objects.get(pk=pk), field) for pk in seen]
            assert ordered == keys, sort

    def test_cursor_from_another_sort_is_refused(self, many, secretariat):
        many(4)
        page = selectors.task_list(
            user=secretariat, filters=TaskFilters(sort="deadline"), limit=2
        )
        with pytest.raises(ValidationError) as exc:
            selectors.task_list(
                user=secretariat,
                filters=TaskFilters(sort="code"),
                after=page.next_cursor,
            )
        assert "cursor" in exc.value.message_dict
        with pytest.raises(ValidationError):
            selectors.task_list(user=secretariat, after="not-a-cursor!")

    def test_filters(
        self, make_task, secretariat, coop_agency, sector, province, today
    ):
        other = AgencyFactory(code="SCT", name="Sở Công Thương")
        a = make_task(
            title="Giải phóng mặt bằng Vành đai 4", is_key=True, sector=sector
        )
        a.provinces.add(province)
        TaskPartFactory(task=a, agency=coop_agency)
        b = make_task(lead_agency=other, title="Xử lý ô nhiễm sông Nhuệ - Đáy")
        c = make_task(
            deadline=today - DAY, last_update_text="Đang chờ ý kiến Bộ Tài chính"
        )
        c.search_text = c.compute_search_text()
        c.save()

        def ids(**kw):
            return {
                t.pk
                for t in selectors.task_list(
                    user=secretariat, filters=TaskFilters(**kw)
                ).items
            }

        assert ids(lead_agency=other.pk) == {b.pk}
        assert ids(cooperating_agency=coop_agency.pk) == {a.pk}
        assert ids(sector=sector.pk) == {a.pk}
        assert ids(province=province.pk) == {a.pk}
        assert ids(is_key=True) == {a.pk}
        assert ids(is_key=False) == {b.pk, c.pk}
        assert ids(bucket="overdue") == {c.pk}
        assert ids(q="VÀNH ĐAI") == {a.pk}
        assert ids(q="vanh dai") == {a.pk}
        assert ids(q="nhuệ") == {b.pk}
        assert ids(q="bộ tài chính") == {c.pk}
        assert ids(q=a.code) == {a.pk}
        assert ids(deadline_to=today) == {c.pk}
        assert ids(state=S.NEW) == set()

    def test_as_of_date_excludes_later_tasks(self, make_task, secretariat, today):
        early = make_task(assigned_on=today - 30 * DAY)
        make_task(assigned_on=today - 5 * DAY)
        page = selectors.task_list(user=secretariat, on=today - 10 * DAY)
        assert [t.pk for t in page.items] == [early.pk]

    @pytest.mark.parametrize("n", [5, 50])
    def test_query_count_is_fixed(
        self, many, secretariat, django_assert_num_queries, n
    ):
        for task in many(n):
            TaskPartFactory(task=task)
        # seats + tasks + parts
        with django_assert_num_queries(3):
            page = selectors.task_list(user=secretariat, limit=50)
            for task in page.items:
                [p.agency.code for p in task.listed_parts]
                task.lead_agency.code, task.body.name, getattr(task.sector, "name", "")
        assert len(page.items) == n
        assert all(len(task.listed_parts) == 1 for task in page.items)

    @pytest.mark.parametrize("n", [5, 50])
    def test_party_names_alone_are_one_lean_query(
        self, many, secretariat, django_assert_num_queries, n
    ):
        for task in many(n):
            TaskPartFactory(task=task)
        # seats + tasks + the parties' names (no part objects)
        with django_assert_num_queries(3):
            page = selectors.task_list(user=secretariat, limit=50, parts="names")
            assert all(len(task.party_names) == 1 for task in page.items)
        assert len(page.items) == n

    def test_party_names_are_the_parts_party_names_in_order(
        self, make_task, secretariat
    ):
        task = make_task()
        plain = make_task()
        other_team = BodyFactory(name="Tổ điều phối tỉnh Thử", short_name="")
        TaskPartFactory(task=task, agency=AgencyFactory(name="Sở A", short_name="SA"))
        TaskPartFactory(task=task, agency=None, body=other_team)
        TaskPartFactory(task=task, agency=AgencyFactory(name="Sở B", short_name=""))
        names = {
            t.pk: t.party_names
            for t in selectors.task_list(user=secretariat, parts="names").items
        }
        full = {
            t.pk: [p.party_name for p in t.parts.all()]
            for t in selectors.task_list(user=secretariat).items
        }
        assert names == full
        assert names[task.pk] == ["SA", "Tổ điều phối tỉnh Thử", "Sở B"]
        assert names[plain.pk] == []
        with pytest.raises(ValueError):
            selectors.task_list(user=secretariat, parts="all")


class TestSummary:
    def test_counts_per_bucket_agency_and_sector(
        self, make_task, secretariat, sector, today, member_agency
    ):
        other = AgencyFactory(code="SCT", name="Sở Công Thương")
        make_task(deadline=today - DAY)  # overdue
        make_task(deadline=today - 2 * DAY, sector=sector)  # overdue
        make_task(lead_agency=other, deadline=today - DAY)  # overdue
        make_task(
            lead_agency=other, deadline=today + DAY, progress=90
        )  # within, due soon
        make_task(
            lead_agency=other,
            deadline=today - DAY,
            state=S.COMPLETED,
            completed_on=today - 2 * DAY,
        )  # on time
        make_task(
            lead_agency=other,
            deadline=today - 3 * DAY,
            state=S.COMPLETED,
            completed_on=today - DAY,
        )  # late
        make_task(state=S.CANCELLED, cancelled_on=today - DAY)  # not counted
        summary = selectors.task_summary(user=secretariat)
        counts = {
            k: v for k, v in summary["totals"].items() if k not in ("due", "rates")
        }
        assert summary["totals"]["due"] == 5  # completed 2 + overdue 3
        assert counts == {
            "completed_on_time": 1,
            "completed_late": 1,
            "in_progress_within_deadline": 1,
            "overdue": 3,
            "due_soon": 1,
            "at_risk": 0,
            "total": 6,
        }
        by_agency = {r["code"]: r for r in summary["by_agency"]}
        assert by_agency["SXD"]["overdue"] == 2 and by_agency["SXD"]["total"] == 2
        assert by_agency["SCT"]["overdue"] == 1 and by_agency["SCT"]["total"] == 4
        assert [r["code"] for r in summary["by_agency"]] == ["SXD", "SCT"]
        by_sector = {r["id"]: r for r in summary["by_sector"]}
        assert by_sector[sector.pk]["total"] == 1
        assert by_sector[None]["total"] == 5

    def test_as_of_an_earlier_date(self, make_task, secretariat, today):
        make_task(
            assigned_on=today - 30 * DAY,
            deadline=today - 10 * DAY,
            state=S.COMPLETED,
            completed_on=today - 5 * DAY,
        )
        make_task(assigned_on=today - 3 * DAY, deadline=today + 10 * DAY)
        earlier = selectors.task_summary(user=secretariat, on=today - 8 * DAY)
        assert earlier["totals"]["overdue"] == 1
        assert earlier["totals"]["total"] == 1
        now = selectors.task_summary(user=secretariat)
        assert now["totals"]["completed_late"] == 1
        assert now["totals"]["total"] == 2

    def test_outsider_gets_zeroes(self, make_task, outsider):
        make_task()
        assert selectors.task_summary(user=outsider)["totals"]["total"] == 0

    def test_summary_query_count(
        self, make_task, secretariat, django_assert_num_queries
    ):
        for _ in range(5):
            make_task()
        # seats + grouped counts + agency names + sector names
        with django_assert_num_queries(4):
            selectors.task_summary(user=secretariat)


class TestSummaryCache:
    @pytest.fixture(autouse=True)
    def _cache_on(self, settings):
        from django.core.cache import cache

        settings.TASK_SUMMARY_CACHE_SECONDS = 60
        cache.clear()
        yield
        cache.clear()

    def test_counts_are_reused_until_a_task_changes(
        self,
        make_task,
        secretariat,
        member,
        today,
        django_assert_num_queries,
        django_capture_on_commit_callbacks,
    ):
        from dieuphoi.tasks import services

        # The stamps move when a write commits (the test's transaction never
        # does: its commit hooks are run by hand).
        commits = django_capture_on_commit_callbacks
        with commits(execute=True):
            task = make_task(state=S.NEW, deadline=today + 30 * DAY)
        assert selectors.task_summary(user=secretariat)["totals"]["total"] == 1
        # seats cached on the user; stamps + agency names + sector names
        with django_assert_num_queries(3):
            again = selectors.task_summary(user=secretariat)
        assert again["totals"]["in_progress_within_deadline"] == 1
        with commits(execute=True):
            make_task(deadline=today - DAY)
        assert selectors.task_summary(user=secretariat)["totals"]["overdue"] == 1
        with commits(execute=True):
            services.task_transition(actor=member, task=task, action="report_done")
            services.task_transition(actor=secretariat, task=task, action="confirm")
        totals = selectors.task_summary(user=secretariat)["totals"]
        assert totals["completed_on_time"] == 1 and totals["total"] == 2

    def test_scope_and_filters_are_part_of_the_key(
        self, make_task, secretariat, outsider, today
    ):
        make_task(deadline=today - DAY, is_key=True)
        make_task(deadline=today - DAY)
        assert selectors.task_summary(user=secretariat)["totals"]["overdue"] == 2
        assert selectors.task_summary(user=outsider)["totals"]["overdue"] == 0
        key_only = selectors.task_summary(
            user=secretariat, filters=TaskFilters(is_key=True)
        )
        assert key_only["totals"]["overdue"] == 1
        earlier = selectors.task_summary(user=secretariat, on=today - 40 * DAY)
        assert earlier["totals"]["total"] == 0


class TestMyWork:
    def test_lists_per_role(
        self, make_task, member, secretariat, coop_member, coop_agency, today
    ):
        new = make_task(state=S.NEW)
        overdue = make_task(deadline=today - DAY)
        done = make_task(state=S.REPORTED_DONE, progress=100)
        TaskPartFactory(task=new, agency=coop_agency)
        mine = selectors.my_work(user=member)
        assert {t.pk for t in mine.to_report} == {new.pk, overdue.pk}
        assert list(mine.to_confirm) == []
        assert [t.pk for t in mine.overdue] == [overdue.pk]
        assert mine.counts["to_report"] == 2
        sec = selectors.my_work(user=secretariat)
        assert [t.pk for t in sec.to_confirm] == [done.pk]
        assert sec.counts["to_confirm"] == 1 and sec.counts["overdue"] == 1
        coop = selectors.my_work(user=coop_member)
        assert [t.pk for t in coop.cooperating] == [new.pk]
        assert coop.counts["cooperating"] == 1 and coop.counts["to_report"] == 0

    def test_outsider_has_nothing(self, make_task, outsider):
        make_task()
        work = selectors.my_work(user=outsider)
        assert list(work.overdue) == [] and work.counts["overdue"] == 0


class TestTaskGet:
    def test_outsider_gets_404(self, make_task, outsider, external):
        from django.http import Http404

        task = make_task()
        for user in (outsider, external):
            with pytest.raises(Http404):
                selectors.task_get(user=user, pk=task.pk)

    def test_member_reads_with_bucket(self, make_task, member, today):
        task = make_task(deadline=today - DAY)
        got = selectors.task_get(user=member, pk=task.pk)
        assert got.bucket == buckets.OVERDUE

    @pytest.mark.parametrize("n", [2, 20])
    def test_query_count_is_fixed(
        self, make_task, member, django_assert_num_queries, n
    ):
        from dieuphoi.tasks.tests.factories import ProgressUpdateFactory

        task = make_task()
        for i in range(n):
            part = TaskPartFactory(task=task)
            ProgressUpdateFactory(task=task, part=part if i % 2 else None)
        # seats + task + parts + provinces + updates + deadline changes
        with django_assert_num_queries(6):
            got = selectors.task_get(user=member, pk=task.pk)
            [(u.agency.code, u.part and u.part.agency.code) for u in got.updates.all()]
            [p.agency.code for p in got.parts.all()]
