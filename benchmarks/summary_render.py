#!/usr/bin/env python3
"""Summary render, warm: context + jinja2 + layout + PDF, against a bare QTextDocument-to-PDF
of the same HTML, in one process.

    .venv/bin/python benchmarks/summary_render.py [--runs 60]

Budget (DESIGN.md): the kiosk's render <= 100 ms at p95, warm. The ratio to the bare
baseline shows what the kiosk adds (jinja2, the context, page footers) on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BUDGET_P95_MS = 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    from PySide6.QtGui import QGuiApplication, QPdfWriter, QTextDocument

    from kiosk import app
    from kiosk.core.summary import SummaryRenderer, build_context, sample_session
    from kiosk.services import fonts
    from kiosk.services.pdf import write_pdf

    _qapp = QGuiApplication(sys.argv[:1])
    fonts.register()
    loaded = app.load()
    pack = loaded.packs["en"]
    session = sample_session(pack)
    renderer = SummaryRenderer(loaded.template_dirs)
    html = renderer.html(build_context(session, pack, loaded.config))
    footer = pack.t("summary.footer")
    out = Path(tempfile.mkdtemp()) / "summary.pdf"

    def bare() -> None:
        writer = QPdfWriter(str(out))
        writer.setResolution(300)
        doc = QTextDocument()
        doc.setHtml(html)
        doc.print_(writer)
        del writer

    def kiosk() -> None:
        context = build_context(session, pack, loaded.config)
        write_pdf(renderer.html(context), out, paper="A4", title="bench", footer=footer)

    cases = {"bare QTextDocument -> PDF": bare, "kiosk summary render": kiosk}
    for fn in cases.values():  # warm: templates compiled, fonts loaded, caches filled
        for _ in range(5):
            fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)

    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, t in times.items():
        print(f"{name:28} {statistics.median(t):8.1f} {percentile(t, 0.95):8.1f}")
    bare_t, kiosk_t = times.values()
    p95 = percentile(kiosk_t, 0.95)
    print(
        f"ratio kiosk / bare: p50 {statistics.median(kiosk_t) / statistics.median(bare_t):.2f}, "
        f"p95 {p95 / percentile(bare_t, 0.95):.2f}"
    )
    verdict = "ok" if p95 <= BUDGET_P95_MS else "OVER BUDGET"
    print(f"kiosk p95 {p95:.1f} ms (budget {BUDGET_P95_MS:.0f} ms) {verdict}")
    return 0 if p95 <= BUDGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
