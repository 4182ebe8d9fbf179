"""Time to lay out a long Báo cáo as DOCX and as PDF (dieuphoi.paperwork).

The report has about 40 pages: 25 numbered headings, 80 paragraphs and five
tables of 200 rows by 8 columns. Targets: DOCX under 3 s, PDF under 5 s.
Only the layout is timed; the content is built once, as a service would.

    .venv/bin/python bench/paperwork_bench.py              # 5 runs
    .venv/bin/python bench/paperwork_bench.py --runs 3 --rows 400
    .venv/bin/python bench/paperwork_bench.py --profile pdf  # cProfile, top 25

Prints the median wall and CPU time of the runs, the file sizes and the PDF's
page count.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_DOCX_SECONDS = 3.0
TARGET_PDF_SECONDS = 5.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=200, help="rows per table")
    parser.add_argument("--tables", type=int, default=5)
    parser.add_argument("--profile", choices=("docx", "pdf"), help="profile one run")
    args = parser.parse_args()

    from pypdf import PdfReader

    from dieuphoi.paperwork import layout
    from dieuphoi.paperwork.render_docx import render_docx
    from dieuphoi.paperwork.render_pdf import render_pdf
    from dieuphoi.paperwork.tests.render_samples import big_report, sample_content

    content = big_report(tables=args.tables, rows=args.rows)
    layout.register_fonts()  # once per process, like a worker
    render_docx(sample_content())  # warm the imports and the template
    render_pdf(sample_content())

    if args.profile:
        func = render_docx if args.profile == "docx" else render_pdf
        profiler = cProfile.Profile()
        profiler.runcall(func, content)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return

    docx_median, docx_times, docx_cpu, docx = timed(
        lambda: render_docx(content), args.runs
    )
    pdf_median, pdf_times, pdf_cpu, pdf = timed(lambda: render_pdf(content), args.runs)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)

    def show(label, median, times, cpu, data):
        each = ", ".join(f"{t:.3f}" for t in times)
        print(
            f"{label}: median {median:.3f} s over {args.runs} runs ({each}); "
            f"CPU median {cpu:.3f} s; {len(data) / 1024:.0f} KiB"
        )

    rows = sum(len(b.rows) for b in content.blocks if hasattr(b, "rows"))
    print(
        f"Báo cáo: {len(content.blocks)} blocks, {rows} table rows, {pages} PDF pages"
    )
    show("DOCX", docx_median, docx_times, docx_cpu, docx)
    show("PDF ", pdf_median, pdf_times, pdf_cpu, pdf)
    ok_docx = docx_median <= TARGET_DOCX_SECONDS
    ok_pdf = pdf_median <= TARGET_PDF_SECONDS
    print(
        f"Targets: DOCX ≤ {TARGET_DOCX_SECONDS:.0f} s: {'met' if ok_docx else 'MISSED'}; "
        f"PDF ≤ {TARGET_PDF_SECONDS:.0f} s: {'met' if ok_pdf else 'MISSED'}"
    )
    sys.exit(0 if ok_docx and ok_pdf else 1)


if __name__ == "__main__":
    main()
