"""Time to lay out an urging letter of 500 rows, as DOCX and as PDF.

Issue #4 target: a 500-row letter under 5 s as DOCX. The letter is built
from the same content the service builds from the database (``LetterContent``
turned into the documents engine's blocks, ``letter_blocks``) and laid out
by the engine's renderers (``dieuphoi.paperwork``), so this measures the
layout itself. ``--service`` also times a real letter on a throw-away
database: drafted (``urging_letter_generate``), submitted and approved, then
issued (``paperwork.services.paper_issue``: number, both files, register
entry, one more urging and a timeline event per task); the issue is timed.

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


def setup_django() -> Path:
    """Django on a throw-away SQLite database (the letter's blocks come from
    ``dieuphoi.letters.services``, which needs the app registry)."""
    tmp = Path(tempfile.mkdtemp(prefix="letters-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="dieuphoi.settings",
        DIEUPHOI_TESTING="1",
        SQLITE_PATH=str(tmp / "bench.sqlite3"),
        MEDIA_ROOT=str(tmp / "media"),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    return tmp


def sample_content(rows: int, on: datetime.date):
    """The engine's content of a letter of ``rows`` tasks, as issued."""
    from dieuphoi.letters.content import (
        SUBJECT,
        LetterGroup,
        LetterRow,
        build_content,
    )
    from dieuphoi.letters.services import letter_blocks
    from dieuphoi.paperwork import content as paper

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
    letter = build_content(
        governing_body="UBND THÀNH PHỐ HÀ NỘI",
        issuer_line="TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ",
        issuer_short_name="Tổ điều phối",
        reference="",
        place="Hà Nội",
        on=on,
        reply_by=on + datetime.timedelta(days=7),
        groups=[LetterGroup("Sở Xây dựng", items)],
        other_recipients=[],
        archive_line="",
        signer_authority="",
        signer_title="",
        signer_name="",
    )
    return paper.PaperContent(
        layout="letter",
        governing_body="UBND THÀNH PHỐ HÀ NỘI",
        issuer_lines=["TỔ ĐIỀU PHỐI VÙNG THỦ ĐÔ"],
        reference="Số: 12/TĐP",
        place_date=paper.place_date_line("Hà Nội", on),
        subject=SUBJECT.removeprefix("V/v ").strip(),
        addressees=["Sở Xây dựng"],
        blocks=letter_blocks(letter),
        recipients=paper.recipient_lines(
            [paper.AS_ADDRESSED, "Lãnh đạo Tổ điều phối", "Lưu: VT, TĐP"]
        ),
        signature=paper.Signature(
            authority="TM. TỔ ĐIỀU PHỐI", title="TỔ TRƯỞNG", name="Trần Minh Đức"
        ),
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
    from dieuphoi.paperwork.layout import register_fonts
    from dieuphoi.paperwork.render_docx import render_docx
    from dieuphoi.paperwork.render_pdf import render_pdf

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
    """A real letter on the throw-away database: drafted, submitted,
    approved, then issued through the engine; the issue (number, DOCX, PDF,
    register entry, both attachments, one more urging and a timeline event
    per task) is timed, and the drafting beside it."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dieuphoi.accounts.models import User
    from dieuphoi.core.models import local_today
    from dieuphoi.docs.seed import seed_document_types
    from dieuphoi.letters import services
    from dieuphoi.org.models import Agency, Body, BodyAgency, Membership
    from dieuphoi.paperwork import services as paperwork
    from dieuphoi.paperwork.seed import seed_all as seed_paperwork
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
    people = {}
    for username, name, role in (
        ("truongto", "Trần Minh Đức", Membership.Role.LEADER),
        ("thuky", "Nguyễn Thị Thư", Membership.Role.SECRETARIAT),
    ):
        person = User.objects.create_user(username=username, full_name=name)
        Membership.objects.create(
            person=person, body=body, role=role, agency=standing, valid_from=start
        )
        people[role] = person
    leader = people[Membership.Role.LEADER]
    clerk = people[Membership.Role.SECRETARIAT]
    seed_paperwork()
    today = local_today()
    drafting, issuing = [], []
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
            actor=clerk, body=body, on=today, agency=lead
        )
        drafting.append(time.perf_counter() - started)
        paper = paperwork.paper_submit(
            actor=clerk, paper=letter.paper, version=letter.paper.version
        )
        paper = paperwork.paper_approve(
            actor=leader, paper=paper, version=paper.version
        )
        started = time.perf_counter()
        paperwork.paper_issue(actor=clerk, paper_id=paper.pk, on=today)
        issuing.append(time.perf_counter() - started)
        letter.refresh_from_db()
        assert letter.status == letter.Status.DONE
        assert letter.links.count() == rows
        # The next run urges a fresh set of the same size.
        Task.objects.filter(pk__in=letter.links.values("task_id")).update(
            state=Task.State.COMPLETED, completed_on=today
        )
    for label, times in (("Drafting", drafting), ("Issuing ", issuing)):
        each = ", ".join(f"{t:.3f}" for t in times)
        print(
            f"{label} (SQLite, {rows} tasks): median "
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
    setup_django()
    ok = bench_layout(args.rows, args.runs)
    if args.service:
        bench_service(args.rows, args.runs)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
