"""Time to lay out an urging letter of 500 rows, as DOCX and as PDF.

Issue #4 target: a 500-row letter under 5 s as DOCX. The letter is built
from the same content the service builds from the database (``LetterContent``),
so this measures the layout itself; the database part of a real letter (one
query for the tasks, one insert per task for its timeline) is timed
separately with ``--service``.

    .venv/bin/python bench/letters_bench.py            # 500 rows, 5 runs
    .venv/bin/python bench/letters_bench.py --rows 2000 --runs 3
    .venv/bin/python bench/letters_bench.py --service  # also the whole service
                                                       # (throw-away SQLite DB)

Prints the median of the runs (time.perf_counter) and the file sizes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_DOCX_SECONDS = 5.0


def sample_content(rows: int, on: datetime.date):
    from dieuphoi.letters.content import (
        LetterGroup,
        LetterRow,
        build_content,
        document_number,
    )

    items = [
        LetterRow(
            position=i + 1,
            code=f"NV-2025-{i + 1:04d}",
            title=(
                "Nghiên cứu, đề xuất cơ chế phối hợp liên kết vùng trong đầu tư "
                f"kết cấu hạ tầng giao thông kết nối Vùng Thủ đô, hạng mục {i + 1}"
            ),
            source="986/QĐ-TTg ngày 22/08/2022",
            deadline=on - datetime.timedelta(days=5 + i % 90),
            original_deadline=(
                on - datetime.timedelta(days=40 + i % 90) if i % 7 == 0 else None
            ),
            days_overdue=5 + i % 90,
            urge_count=i % 5,
            progress=(
                f"{i % 100}% - 12/02/2026: Đang hoàn thiện hồ sơ, lấy ý kiến các "
                "sở, ngành trước khi trình UBND Thành phố"
            ),
            task_id=i + 1,
        )
        for i in range(rows)
    ]
    return build_content(
        governing_body="UBND THÀNH PHỐ HÀ NỘI",
        issuer_line="TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
        issuer_short_name="Tổ điều phối",
        reference=f"{document_number(12)}/TĐP",
        place="Hà Nội",
        on=on,
        reply_by=on + datetime.timedelta(days=7),
        groups=[LetterGroup("Sở Xây dựng", items)],
        other_recipients=["Lãnh đạo Tổ điều phối"],
        archive_line="Lưu: VT, TĐP",
        signer_authority="TM. TỔ ĐIỀU PHỐI",
        signer_title="TỔ TRƯỞNG",
        signer_name="Trần Minh Đức",
    )


def timed(func, runs: int) -> tuple[float, list[float], float, bytes]:
    """Median wall time, each run's, and median CPU time (a loaded machine
    stretches the wall time, not the CPU time)."""
    times, cpu = [], []
    result = b""
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), times, statistics.median(cpu), result


def bench_layout(rows: int, runs: int) -> bool:
    from dieuphoi.letters.render_docx import render_docx
    from dieuphoi.letters.render_pdf import register_fonts, render_pdf

    on = datetime.date(2026, 3, 5)
    content = sample_content(rows, on)
    register_fonts()  # once per process, like a worker
    render_docx(sample_content(5, on))  # warm the imports and the template

    docx_median, docx_times, docx_cpu, docx = timed(lambda: render_docx(content), runs)
    pdf_median, pdf_times, pdf_cpu, pdf = timed(lambda: render_pdf(content), runs)

    def show(label, median, times, cpu, data):
        each = ", ".join(f"{t:.3f}" for t in times)
        print(
            f"{label}: median {median:.3f} s over {runs} runs ({each}); "
            f"CPU median {cpu:.3f} s; {len(data) / 1024:.0f} KiB"
        )

    print(f"Urging letter with {rows} rows")
    show("DOCX", docx_median, docx_times, docx_cpu, docx)
    show("PDF ", pdf_median, pdf_times, pdf_cpu, pdf)
    ok = docx_median < TARGET_DOCX_SECONDS
    verdict = "met" if ok else "MISSED"
    print(f"Target: DOCX under {TARGET_DOCX_SECONDS:.0f} s: {verdict}")
    return ok


def bench_service(rows: int, runs: int) -> None:
    """The whole service on a throw-away SQLite database: query, number,
    DOCX, PDF, register entry, both attachments, one timeline event per task."""
    tmp = tempfile.mkdtemp(prefix="letters-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dieuphoi.settings",
        DIEUPHOI_TESTING="1",
        SQLITE_PATH=str(Path(tmp) / "bench.sqlite3"),
        MEDIA_ROOT=str(Path(tmp) / "media"),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dieuphoi.core.models import local_today
    from dieuphoi.docs.seed import seed_document_types
    from dieuphoi.letters import services
    from dieuphoi.letters.models import IssuingProfile
    from dieuphoi.letters.seed import HANOI_PROFILE
    from dieuphoi.org.models import Agency, Body, BodyAgency
    from dieuphoi.tasks.models import Task

    seed_document_types()
    start = datetime.date(2022, 12, 1)
    body = Body.objects.create(
        key="to-dieu-phoi-ha-noi",
        name="Tổ điều phối Vùng Thủ đô của TP. Hà Nội",
        symbol="TĐP",
        kind=Body.Kind.TEAM,
        valid_from=start,
    )
    standing = Agency.objects.create(
        code="STC", name="Sở Tài chính", kind=Agency.Kind.DEPARTMENT, valid_from=start
    )
    lead = Agency.objects.create(
        code="SXD", name="Sở Xây dựng", kind=Agency.Kind.DEPARTMENT, valid_from=start
    )
    BodyAgency.objects.create(
        body=body, agency=standing, role=BodyAgency.Role.STANDING, valid_from=start
    )
    IssuingProfile.objects.create(
        body=body, **{**HANOI_PROFILE, "signer_name": "Trần Minh Đức"}
    )
    today = local_today()
    times = []
    for run in range(runs):
        Task.objects.bulk_create(
            [
                Task(
                    code=f"NV-{run}-{i:04d}",
                    year=2025,
                    seq=run * 10000 + i + 1,
                    title=f"Nhiệm vụ liên kết vùng số {i + 1} của lượt {run + 1}",
                    body=body,
                    assigned_on=today - datetime.timedelta(days=200),
                    lead_agency=lead,
                    deadline=today - datetime.timedelta(days=5 + i % 90),
                    original_deadline=today - datetime.timedelta(days=5 + i % 90),
                    state=Task.State.IN_PROGRESS,
                    progress=i % 100,
                )
                for i in range(rows)
            ]
        )
        started = time.perf_counter()
        letter = services.urging_letter_generate(
            actor=None, body=body, on=today, agency=lead
        )
        times.append(time.perf_counter() - started)
        assert letter.links.count() == rows
        # The next run urges a fresh set of the same size.
        Task.objects.filter(pk__in=letter.links.values("task_id")).update(
            state=Task.State.COMPLETED, completed_on=today
        )
    each = ", ".join(f"{t:.3f}" for t in times)
    print(
        f"Whole service (SQLite, {rows} tasks): median "
        f"{statistics.median(times):.3f} s over {runs} runs ({each})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--service", action="store_true", help="also time the whole service"
    )
    args = parser.parse_args()
    ok = bench_layout(args.rows, args.runs)
    if args.service:
        bench_service(args.rows, args.runs)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
