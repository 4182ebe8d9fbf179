"""Free text through the index (``tasks.search``): the plain substring's
results on SQLite (FTS5 trigram) and PostgreSQL (``pg_trgm``), kept in step
with every way tasks are written."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dieuphoi.docs.models import fold
from dieuphoi.tasks import search, selectors, services
from dieuphoi.tasks.models import Task
from dieuphoi.tasks.permissions import clear_seat_cache
from dieuphoi.tasks.tests.factories import TaskPartFactory

# (code, title, latest update)
ROWS = [
    (
        "NV-2026-0001",
        "Giải phóng mặt bằng dự án đường Vành đai 4 - Vùng Thủ đô",
        "Đã họp với các đơn vị liên quan, thống nhất phương án.",
    ),
    ("NV-2026-0002", "Cải tạo, phục hồi sông Nhuệ, sông Đáy", ""),
    ("NV-2026-0003", "Nạo vét sông Nhuận đoạn qua Hà Nội", "Nhuệ sông xong"),
    (
        "NV-2026-0004",
        "Rà soát cơ sở dữ liệu đất đai, quy hoạch",
        "Còn vướng mắc về mặt bằng",
    ),
    ("NV-2026-0005", "Tỷ lệ giải ngân đạt 50% kế hoạch vốn", "Đạt 100%_ chỉ tiêu"),
    ("NV-2026-0006", "Chuẩn hoá mã a_b trong hệ thống", ""),
    ("NV-2025-0007", 'Tuyến "cao tốc" Hà Nội - Hải Phòng', "It's on track"),
    ("NV-2025-0008", "Trung tâm logistics và cảng cạn Hưng Yên", "Chờ ý kiến bộ"),
    ("NV-2025-0009", "Xử lý chất thải rắn liên vùng trên địa bàn Bắc Ninh", ""),
    ("NV-2025-0010", "Đường dẫn C:\\du-lieu\\ho-so được sao lưu", ""),
    ("NV-2024-0011", "abcxbcd: hai bộ ba không liền nhau", ""),
    ("NV-2024-0012", "Vành đai 40 km nội đô", "Đang hoàn thiện hồ sơ"),
    ("NV-2024-0013", "Hệ thống đê điều, hồ chứa liên tỉnh", "ĐÊ HỮU HỒNG"),
    ("NV-2024-0014", "Đai vành 4 (đảo thứ tự)", "HN"),
    ("NV-2024-0015", "Kiểm tra song song hai hồ sơ", "Đất nước"),
]

# Typed as people type: mostly without diacritics, in any case.
QUERIES = [
    "vanh dai 4",
    "song nhue",
    "giai phong mat bang",
    "NV-2026",
    "nv-2025-00",
    "dat",
    "đất",
    "ĐẤT ĐAI",
    "ha noi",
    "Hà Nội",
    "hn",  # two characters: the plain LIKE
    "4",  # one character
    "đê",
    "50%",
    "%",
    "_",
    "a_b",
    "100%_",
    '"cao tốc"',
    "it's",
    "  song   đáy  ",
    "VÀNH ĐAI",
    "logistics",
    "cang can",
    "xử lý chất thải",
    "song nhue OR day",  # FTS5 syntax is text here
    "abcd",  # both trigrams present, not in a row
    "c:\\du-lieu",
    "ai 4 - vung",
    "khong co trong du lieu",
]


@pytest.fixture(autouse=True)
def _fresh_check():
    """Each test checks the index anew (one drops a trigger, then rolls back)."""
    search.forget()
    yield
    search.forget()


def reference(tasks, text: str) -> set[int]:
    """The plain scan, in Python: the folded input is a substring."""
    needle = fold(text)
    return {
        t.pk
        for t in tasks
        if needle in Task.search_text_of(t.code, t.title, t.last_update_text)
    }


def found(user, text: str) -> set[int]:
    clear_seat_cache(user)
    filters = selectors.TaskFilters(q=text)
    qs = selectors.task_queryset(user=user, filters=filters)
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def tasks(make_task):
    made = []
    for code, title, update in ROWS:
        year, seq = int(code[3:7]), int(code[8:])
        made.append(
            make_task(
                code=code,
                year=year,
                seq=seq,
                title=title,
                last_update_text=update,
                assigned_on=datetime.date(2025, 1, 2),
                deadline=datetime.date(2025, 6, 30),
            )
        )
    return made


def test_the_index_is_there(db):
    """The index these tests exercise exists (else they test the scan)."""
    if connection.vendor == "sqlite":
        assert search.trigram_available()
        search.forget()
        assert search.sqlite_index_ready()
        assert search.indexed("vanh dai")
        assert not search.indexed("hn")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE indexname = %s", [search.PG_INDEX]
            )
            assert cursor.fetchone() is not None


def test_thirty_queries_match_the_plain_scan(member, tasks):
    assert len(QUERIES) == 30
    answers = {}
    for text in QUERIES:
        expected = reference(tasks, text)
        assert found(member, text) == expected, text
        answers[text] = expected
    # The list is not trivial: misses, single hits, many hits.
    assert answers["khong co trong du lieu"] == set()
    assert answers["abcd"] == set()
    assert len(answers["song nhue"]) == 1
    assert answers["vanh dai 4"] == {tasks[0].pk, tasks[11].pk}
    assert len(answers["dat"]) >= 3
    assert answers["%"] == {tasks[4].pk}


def test_the_plain_scan_answers_the_same(member, tasks, settings):
    indexed = {text: found(member, text) for text in QUERIES}
    settings.TASKS_FREE_TEXT_INDEX = False
    assert {text: found(member, text) for text in QUERIES} == indexed


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan choice")
def test_common_needles_take_the_scan_with_the_same_results(member, tasks, monkeypatch):
    """A needle matching ``DENSE`` tasks or more goes to the plain LIKE (the
    sorted list stops early there); the answers do not change."""
    indexed = {text: found(member, text) for text in QUERIES}
    monkeypatch.setattr(search, "DENSE", 2)
    search.forget()
    assert search.dense(fold("dat"))
    assert not search.dense(fold("song nhue"))
    assert {text: found(member, text) for text in QUERIES} == indexed
    with CaptureQueriesContext(connection) as ctx:
        found(member, "dat")
    assert "MATCH" not in ctx.captured_queries[-1]["sql"]


def test_long_needles_use_the_index(member, tasks):
    with CaptureQueriesContext(connection) as ctx:
        found(member, "vanh dai 4")
    sql = ctx.captured_queries[-1]["sql"]
    if connection.vendor == "sqlite":
        assert "tasks_task_fts" in sql and "MATCH" in sql
    else:
        assert "LIKE" in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plan")
def test_postgresql_plan_can_use_the_trigram_index(tasks):
    """Django's ``search_text::text LIKE %s`` is served by the GIN index (seq
    scans off: with 15 rows the planner would rightly scan)."""
    qs = Task.objects.filter(search.search_text_q(fold("Vanh dai 4")))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert search.PG_INDEX in plan


def test_writes_are_indexed(member, tasks, make_task):
    first = tasks[0]
    # A title changed and saved.
    first.title = "Cầu Tứ Liên qua sông Hồng"
    first.search_text = first.compute_search_text()
    first.save()
    assert found(member, "cau tu lien") == {first.pk}
    assert first.pk not in found(member, "giai phong mat bang")

    # A progress update through the service.
    second = tasks[1]
    services.progress_report(
        actor=member, task=second, percent=40, text="Đã bàn giao mặt bằng sạch"
    )
    assert found(member, "ban giao mat bang sach") == {second.pk}

    # A queryset .update() (no save, no signal).
    Task.objects.filter(pk=tasks[2].pk).update(
        search_text=Task.search_text_of("NV-2026-0003", "Kè Tả Đà", "")
    )
    assert found(member, "ke ta da") == {tasks[2].pk}
    assert tasks[2].pk not in found(member, "nhuan")

    # bulk_create, as seed_scale does (raw inserts go through the same triggers).
    template = tasks[3]
    bulk = Task.objects.bulk_create(
        [
            Task(
                body=template.body,
                lead_agency=template.lead_agency,
                assigned_on=template.assigned_on,
                deadline=template.deadline,
                original_deadline=template.deadline,
                year=2027,
                seq=900 + i,
                code=f"NV-2027-{900 + i}",
                title=f"Trạm bơm tiêu Yên Nghĩa {i}",
                search_text=Task.search_text_of(
                    f"NV-2027-{900 + i}", f"Trạm bơm tiêu Yên Nghĩa {i}", ""
                ),
            )
            for i in range(3)
        ]
    )
    assert found(member, "tram bom tieu") == {t.pk for t in bulk}

    # Deleted: one through the ORM, the others through a queryset.
    bulk[0].delete()
    assert found(member, "tram bom tieu") == {bulk[1].pk, bulk[2].pk}
    Task.objects.filter(pk__in=[bulk[1].pk, bulk[2].pk]).delete()
    assert found(member, "tram bom tieu") == set()
    assert found(member, "yen nghia") == set()


def test_external_party_path(external, other_team, make_task, member):
    """A co-operating party of another body matches the code, the title and
    their own parts; the latest update (another party's words) is not
    searched for them, and their own body's tasks go through the index."""
    task = make_task(
        title="Kết nối giao thông liên tỉnh",
        code="NV-2026-0042",
        last_update_text="Khoan ngầm bí mật dọc tuyến",
    )
    TaskPartFactory(
        task=task, agency=None, body=other_team, description="Khảo sát tuyến Bắc Ninh"
    )
    own = make_task(body=other_team, title="Việc của tổ Bắc Ninh", code="NV-2026-0043")
    own.last_update_text = "Ghi chú nội bộ khoan ngầm"
    own.search_text = own.compute_search_text()
    own.save()
    assert found(member, "khoan ngam") == {task.pk}
    assert found(external, "khoan ngam") == {own.pk}
    assert found(external, "khao sat tuyen") == {task.pk}
    assert found(external, "GIAO THONG") == {task.pk}
    assert found(external, "ghi chu noi bo") == {own.pk}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")
def test_lost_triggers_are_put_back(member, tasks):
    """A table remake (SQLite ``AlterField``) drops the triggers: the search
    falls back to the scan, and the repair after ``migrate`` rebuilds."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER tasks_task_fts_ai")
    search.forget()
    assert not search.indexed("vanh dai")
    late = Task.objects.create(
        body=tasks[0].body,
        lead_agency=tasks[0].lead_agency,
        assigned_on=tasks[0].assigned_on,
        year=2027,
        seq=1,
        code="NV-2027-0001",
        title="Cống Liên Mạc",
        search_text=Task.search_text_of("NV-2027-0001", "Cống Liên Mạc", ""),
    )
    assert found(member, "cong lien mac") == {late.pk}  # the scan
    assert search.ensure_sqlite_index() is True
    assert search.indexed("vanh dai")
    assert found(member, "cong lien mac") == {late.pk}  # the index, rebuilt
    assert search.ensure_sqlite_index() is False


def test_list_page_with_free_text(login, member, tasks):
    """The index adds at most its probe (SQLite, once per needle and
    process) to the list page, and nothing to the counts strip after it."""
    client = login(member)
    url = reverse("tasks:list")
    client.get(url)  # per-process caches warm
    counts = {}
    for q in ("", "song nhue"):
        for part in ("", "counts"):
            params = {**({"q": q} if q else {}), **({"part": part} if part else {})}
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, params)
            assert response.status_code == 200
            counts[q, part] = len(ctx.captured_queries)
            if q and not part:
                assert list(response.context["task_ids"]) == [tasks[1].pk]
    probe = 1 if connection.vendor == "sqlite" else 0
    assert counts["song nhue", ""] <= counts["", ""] + probe
    assert counts["song nhue", "counts"] == counts["", "counts"]
