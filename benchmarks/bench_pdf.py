"""Time the PDF export of built reports in one process, as a build worker does (issue 19).

Reads the report HTML files of a reports folder (``sinstats build --out DIR`` first), puts the
current ``report.css`` in place of the one each was built with (the HTML report's), and exports
each one's PDF with :func:`sinstats.build.export.html_to_pdf` (Typst), ``--rounds`` times, in this
one process (Typst is imported and warmed up before the first timing, as in a long-lived
worker). Prints, per report, the median wall and CPU seconds of translating the HTML to Typst
(``translate``), of typesetting (``render``) and of writing the PDF (``write``) and the page
count; ``--profile NAME`` writes a cProfile of one report's export. Nothing is asserted.
Usage::

    python benchmarks/bench_pdf.py DIR [--rounds 3] [--out OUTDIR] [--profile 06]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from sinstats.build import export

_STYLE = re.compile(r"<style>\n.*?\n</style>", re.DOTALL)


def _document(html_file: Path) -> str:
    """The HTML given to the PDF engine, as :func:`export.export_run` gives it, with today's CSS."""
    document = html_file.read_text(encoding="utf-8")
    css = export.REPORT_CSS.read_text(encoding="utf-8")
    document = _STYLE.sub(lambda _: f"<style>\n{css}\n</style>", document, count=1)
    href = "../../glossary.html"
    document = document.replace(
        f'<a href="{href}">glossary</a>', "glossary (glossary.html in the reports folder)"
    )
    return export.print_figures(document, html_file.parent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_pdf"))
    parser.add_argument("--profile", default="")
    args = parser.parse_args(argv)
    import pypdf

    files = sorted(p for p in args.folder.glob("*/*/*.html"))
    if not files:
        print(f"no report HTML under {args.folder}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    # Warm up: imports, fonts, the first layout (a worker pays this once).
    export.html_to_pdf(_document(files[0]), files[0].parent, args.out / "warm-up.pdf")
    rows = []
    for f in files:
        document = _document(f)
        target = args.out / f"{f.stem}.pdf"
        times: dict[str, list[float]] = {
            "translate": [],
            "render": [],
            "write": [],
            "cpu": [],
            "wall": [],
        }
        for _ in range(args.rounds):
            stages: dict[str, float] = {}
            w0, c0 = time.perf_counter(), time.process_time()
            export.html_to_pdf(document, f.parent, target, stages=stages)
            times["wall"].append(time.perf_counter() - w0)
            times["cpu"].append(time.process_time() - c0)
            times["translate"].append(stages["translate_s"])
            times["render"].append(stages["render_s"])
            times["write"].append(stages["write_s"])
        pages = len(pypdf.PdfReader(target).pages)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append((f.stem, med, pages, target.stat().st_size))
        if args.profile and f.stem.startswith(args.profile):
            import cProfile

            cProfile.runctx(
                "export.html_to_pdf(document, f.parent, target)",
                globals(),
                {"export": export, "document": document, "f": f, "target": target},
                str(args.out / f"{f.stem}.prof"),
            )
    print(
        f"{'report':40} {'translate':>9} {'render':>7} {'write':>6} {'wall':>6} {'cpu':>6} "
        f"{'pages':>5} {'KB':>6}"
    )
    for stem, med, pages, size in rows:
        print(
            f"{stem:40} {med['translate']:9.3f} {med['render']:7.3f} {med['write']:6.3f} "
            f"{med['wall']:6.3f} "
            f"{med['cpu']:6.2f} {pages:5d} {size / 1024:6.0f}"
        )
    walls = [m["wall"] for _, m, _, _ in rows]
    median = statistics.median(walls)
    print(f"median {median:.3f} s, max {max(walls):.3f} s, sum {sum(walls):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
