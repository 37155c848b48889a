"""Frozen bundle vs a trimmed minimal PySide6 bundle: size and start time.

Budgets (DESIGN.md): the kiosk's one-folder bundle is at most 1.25x the size of a trimmed
minimal PySide6 bundle, and starts (to its first painted window) in at most 1.3x its time.

Both bundles are built with build.spec and so with the same trimming rules and strip; the
minimal one (a QApplication showing one QLabel) with ``build.spec -- --minimal SCRIPT`` into
build/minimal/. The kiosk's bundle is built by scripts/build-bundle (which smoke-tests it).

Start time is the wall time from spawning the bundle to Qt's first flush of a painted top-level
window to the screen, for both bundles alike: Qt logs it on stderr when the category
``qt.widgets.painting`` is on (no code in the app measures itself, so the kiosk is timed as
shipped). The platform is offscreen; the environment is empty but for PATH, HOME and a UTF-8
locale, as on a kiosk that starts the bundle without a venv. Runs alternate between the two
bundles after one untimed warm-up each; the ratio is of the medians.

Usage (from the checkout, build venv active, takes a minute or two):

    python benchmarks/bundle_size.py [--runs 5] [--no-build] [--check]

``--no-build`` reuses dist/botox-kiosk and build/minimal/dist/minimal. ``--check`` exits 1
when a budget is exceeded (not the default: a benchmark, not a timed test).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIOSK = ROOT / "dist" / "botox-kiosk" / "botox-kiosk"
MINIMAL_DIR = ROOT / "build" / "minimal"
MINIMAL = MINIMAL_DIR / "dist" / "minimal" / "minimal"
SIZE_BUDGET, START_BUDGET = 1.25, 1.3

MINIMAL_APP = '''\
"""The benchmark's baseline: a bare PySide6 window that quits after its first paint."""

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel


class QuitAfterPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, QApplication.quit)
        return False


app = QApplication(sys.argv)
label = QLabel("Tap to start")
label.resize(1366, 800)
quitter = QuitAfterPaint()
label.installEventFilter(quitter)
label.show()
sys.exit(app.exec())
'''

#: Qt's log line when a painted top-level window is flushed to the screen.
FIRST_FLUSH = re.compile(rb"Flushing QRegion\(.*\) of .* to QWidgetWindow")


def run_env() -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "QT_LOGGING_RULES": "qt.widgets.painting=true",
    }


def build(args: argparse.Namespace) -> None:
    env = dict(os.environ, PYINSTALLER_CONFIG_DIR=str(ROOT / "build" / "pyinstaller-config"))
    print("== building the kiosk bundle (scripts/build-bundle)", flush=True)
    subprocess.run([str(ROOT / "scripts" / "build-bundle")], cwd=ROOT, env=env, check=True)
    print("== building the minimal bundle (build.spec -- --minimal)", flush=True)
    shutil.rmtree(MINIMAL_DIR, ignore_errors=True)
    MINIMAL_DIR.mkdir(parents=True)
    script = MINIMAL_DIR / "minimal.py"
    script.write_text(MINIMAL_APP, encoding="utf-8")
    subprocess.run(
        [
            args.pyinstaller, "--noconfirm", "--clean", "--log-level", "WARN",
            "--distpath", str(MINIMAL_DIR / "dist"), "--workpath", str(MINIMAL_DIR / "work"),
            str(ROOT / "build.spec"), "--", "--minimal", str(script),
        ],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip


def size_mb(folder: Path) -> float:
    """Disk usage like ``du -s``, in MB (2**20 bytes)."""
    out = subprocess.run(
        ["du", "-s", "--block-size=1", str(folder)], capture_output=True, check=True
    )
    return int(out.stdout.split()[0]) / 2**20


def time_first_paint(exe: Path, argv: list[str], timeout: float = 30.0) -> float:
    """Seconds from spawn to the first flushed paint; the process is then ended."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), *argv], env=run_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    seen: list[bytes] = []
    try:
        for line in proc.stderr:
            if FIRST_FLUSH.search(line):
                return time.perf_counter() - start
            seen.append(line)
            if time.perf_counter() - start > timeout:
                break
        tail = b"".join(seen[-15:]).decode(errors="replace")
        raise RuntimeError(f"{exe.name}: no first paint seen (exit {proc.poll()}):\n{tail}")
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def time_to_exit(exe: Path, argv: list[str]) -> float:
    env = run_env()
    del env["QT_LOGGING_RULES"]
    start = time.perf_counter()
    subprocess.run([str(exe), *argv], env=env, capture_output=True, check=True, timeout=60)
    return time.perf_counter() - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per bundle (default 5)")
    p.add_argument("--no-build", action="store_true", help="reuse the bundles already built")
    p.add_argument("--check", action="store_true", help="exit 1 when a budget is exceeded")
    p.add_argument("--pyinstaller", default="pyinstaller", help="the pyinstaller command")
    args = p.parse_args()

    if not args.no_build:
        build(args)
    for exe in (KIOSK, MINIMAL):
        if not exe.exists():
            print(f"{exe}: missing; run without --no-build", file=sys.stderr)
            return 2

    kiosk_argv = ["--windowed"]  # the demo clinic, a 1366x800 window, attract screen
    minimal_argv: list[str] = []
    sizes = (size_mb(KIOSK.parent), size_mb(MINIMAL.parent))

    print(f"== timing: 1 warm-up + {args.runs} runs each, alternating", flush=True)
    time_first_paint(KIOSK, kiosk_argv)
    time_first_paint(MINIMAL, minimal_argv)
    paint: dict[str, list[float]] = {"kiosk": [], "minimal": []}
    exits: dict[str, list[float]] = {"kiosk": [], "minimal": []}
    for _ in range(args.runs):
        paint["kiosk"].append(time_first_paint(KIOSK, kiosk_argv))
        paint["minimal"].append(time_first_paint(MINIMAL, minimal_argv))
        exits["kiosk"].append(time_to_exit(KIOSK, ["--self-test"]))
        exits["minimal"].append(time_to_exit(MINIMAL, minimal_argv))
    med = {k: statistics.median(v) for k, v in paint.items()}
    med_exit = {k: statistics.median(v) for k, v in exits.items()}

    size_ratio = sizes[0] / sizes[1]
    start_ratio = med["kiosk"] / med["minimal"]
    ok = {True: "ok", False: "OVER"}

    def row(label: str, kiosk: str, minimal: str, ratio: str, budget: str) -> str:
        return f"| {label:<34} | {kiosk:>8} | {minimal:>8} | {ratio:>6} | {budget:<12} |"

    print()
    print(row("", "kiosk", "minimal", "ratio", "budget"))
    print(f"|{'-' * 36}|{'-' * 9}:|{'-' * 9}:|{'-' * 7}:|{'-' * 14}|")
    print(
        row("bundle size (MB, du)", f"{sizes[0]:.1f}", f"{sizes[1]:.1f}", f"{size_ratio:.2f}",
            f"<= {SIZE_BUDGET} {ok[size_ratio <= SIZE_BUDGET]}")
    )  # fmt: skip
    print(
        row("start to first paint (s, median)", f"{med['kiosk']:.3f}", f"{med['minimal']:.3f}",
            f"{start_ratio:.2f}", f"<= {START_BUDGET} {ok[start_ratio <= START_BUDGET]}")
    )  # fmt: skip
    print(
        row("whole run (s, median)*", f"{med_exit['kiosk']:.3f}", f"{med_exit['minimal']:.3f}",
            f"{med_exit['kiosk'] / med_exit['minimal']:.2f}", "(no budget)")
    )  # fmt: skip
    print()
    print("first paint, each run (s):")
    for name, values in paint.items():
        print(f"  {name:<8} " + " ".join(f"{v:.3f}" for v in values))
    print(
        textwrap.dedent("""
        * whole run: the kiosk's --self-test (walks all 8 screens, renders a summary PDF) vs the
          minimal app's run to exit after its first paint; it shows the cost of the self-test,
          not start-up.""").strip()
    )
    within = size_ratio <= SIZE_BUDGET and start_ratio <= START_BUDGET
    return 0 if within or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
