#!/usr/bin/env python3
"""Start to first painted screen: the kiosk against a bare PySide6 window, in one run.

    .venv/bin/python benchmarks/startup.py [--runs 9]

Both are started as fresh processes, interleaved, on the same Qt platform (offscreen unless
--platform says otherwise); each reports its first paint event on stderr, and the time from
spawn to that line is taken. The result is the ratio of the medians (budget: <= 1.3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET = 1.3

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
class Label(QLabel):
    def paintEvent(self, event):
        super().paintEvent(event)
        print("first paint", file=sys.stderr, flush=True)
app = QApplication(sys.argv)
w = Label("Tap to start")
w.resize(1366, 800)
w.show()
app.exec()
"""


def time_to_first_paint(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=REPO
    )
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if "first paint" in line:
                return time.perf_counter() - start
        raise RuntimeError(f"{cmd} ended without painting (exit {proc.wait()})")
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--platform", default="offscreen")
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": args.platform}
    # An installed kiosk runs from compiled bytecode (pip and PyInstaller compile it): let
    # the warm-up run write .pyc files, as an install would, instead of compiling each start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # The kiosk lets one instance run per machine (a lock file in TMPDIR): give the runs a
    # folder of their own so another kiosk on this machine cannot turn them away.
    env["TMPDIR"] = tempfile.mkdtemp(prefix="kiosk-bench-")
    commands = {
        "bare PySide6 window": [sys.executable, "-c", BARE],
        "kiosk (demo clinic)": [sys.executable, "-m", "kiosk", "--windowed"],
    }
    for cmd in commands.values():  # warm the disk cache once
        time_to_first_paint(cmd, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(time_to_first_paint(cmd, env))
    bare, kiosk = (statistics.median(t) for t in times.values())
    print(f"{'':24} {'median':>8} {'min':>8} {'max':>8}")
    for name, t in times.items():
        print(f"{name:24} {statistics.median(t):8.3f} {min(t):8.3f} {max(t):8.3f}")
    ratio = kiosk / bare
    verdict = "ok" if ratio <= BUDGET else "OVER BUDGET"
    print(f"ratio kiosk / bare: {ratio:.2f} (budget {BUDGET}) {verdict}")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
