#!/usr/bin/env python3
"""Screenshot tour: run the real kiosk under Xvfb (xcb, not offscreen) and save a PNG of
every page, landscape 1920x1080 and portrait 1080x1920 (``NN-<page id>.png``, plus the
summary's other views).

    .venv/bin/python scripts/screenshot_tour.py [--out docs/screenshots] [--config FILE]
        [--lang CODE]

With ``--lang`` the tour is in that language (the demo clinic then offers English, Spanish
and Arabic); docs/screenshots/es and docs/screenshots/ar come from ``--lang es`` / ``ar``.

Starts its own Xvfb unless --display is given. The README's screenshots come from here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ORIENTATIONS = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private Xvfb big enough for both orientations; yields its DISPLAY."""
    exe = shutil.which("Xvfb")
    if exe is None:
        raise SystemExit("Xvfb is not installed (Debian/Ubuntu: apt install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write), "-screen", "0", "1920x1920x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    if not number:
        proc.kill()
        raise SystemExit("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fill_in(window) -> None:  # type: ignore[no-untyped-def]
    """Answer like a patient would, so every screen shows real content."""
    session = window.ctx.visit.session
    pack = window.ctx.pack
    session.first_name = "Ana"
    for area in ("frown_lines", "crows_feet"):
        session.toggle_area(area)
    for q in pack.screening[:2]:
        session.answer(q.id, "no")
    session.answer(pack.screening[2].id, "yes")
    session.answer(pack.screening[3].id, "unsure")
    session.set_question(pack.questions[0].id, True)


def email_form(window, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The email form with the on-screen keyboard up and an address half typed."""
    summary = window.page("summary")
    summary.on_email()
    for key in ("a", "n", "a", "at", "gmail_com"):
        window.keyboard().key(key).click()
    shoot(window, path)
    summary.on_cancel_email()
    return path


def shoot(window, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The window as it is on the X server now."""
    from PySide6.QtCore import QCoreApplication

    # paint now; the grab's round trip to the X server comes after the drawing
    QCoreApplication.processEvents()
    window.repaint()
    QCoreApplication.processEvents()
    if not window.screen().grabWindow(window.winId()).save(str(path)):
        raise SystemExit(f"could not save {path}")
    return path


def wait_for(done, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop until ``done()`` (a print or an email job has answered)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("a print or email job did not answer in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def summary_views(window, folder: Path, i: int) -> list[Path]:  # type: ignore[no-untyped-def]
    """The summary's other views: the email form with the keyboard up, the QR code, the
    address shown back, and the three choices once printed, emailed and shown."""
    summary = window.page("summary")
    visit = window.ctx.visit
    saved = []
    if window.ctx.mailer is not None:
        saved.append(email_form(window, folder / f"{i:02d}-summary-email.png"))
    if summary.qr is not None:
        summary.on_phone()
        saved.append(shoot(window, folder / f"{i:02d}-summary-phone.png"))
        summary.on_phone_back()
    if window.ctx.mailer is not None:
        summary.address.setText("ana.lopez@example.com")
        summary.consent.setChecked(True)
        summary.on_send_email()
        if window.keyboard().isVisible():
            window.keyboard().detach()
        saved.append(shoot(window, folder / f"{i:02d}-summary-email-confirm.png"))
        summary.on_confirm_email()
        wait_for(lambda: visit.email_answer is not None and visit.email_answer[1].final)
    if window.ctx.printer is not None:
        summary.on_print()
        wait_for(lambda: visit.print_answer is not None and visit.print_answer[1].final)
    saved.append(shoot(window, folder / f"{i:02d}-summary-taken.png"))
    return saved


def demo_in_every_language(folder: Path) -> Path:
    """The demo clinic's config, offering every language the kiosk ships."""
    from kiosk import resources

    languages = sorted(p.name for p in resources.content_dir().iterdir() if p.is_dir())
    languages.sort(key=lambda code: code != "en")
    text = resources.demo_config().read_text(encoding="utf-8")
    text = text.replace('languages = ["en"]', f"languages = {languages!r}".replace("'", '"'))
    text = text.replace('logo = "../images/', f'logo = "{resources.path("images")}/')
    text = text.replace(
        'staff_pin_file = "staff-pin"', f'staff_pin_file = "{resources.path("demo", "staff-pin")}"'
    )
    path = folder / "demo-languages.toml"
    path.write_text(text, encoding="utf-8")
    return path


def tour(out: Path, config: Path | None, language: str | None = None) -> list[Path]:
    from PySide6.QtTest import QTest

    from kiosk import app

    saved = []
    qapp = app.application()
    for name, (w, h) in ORIENTATIONS.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        window = app.build_window(config, language=language)
        window.setGeometry(0, 0, w, h)
        window.show()
        QTest.qWaitForWindowExposed(window)
        window.build_all()
        for i, page_id in enumerate(window.page_ids(), start=1):
            if page_id == "privacy":
                fill_in(window)
            if i > 1:
                window.ctx.visit.next()
            path = folder / f"{i:02d}-{page_id}.png"
            saved.append(shoot(window, path))
            if page_id == "summary":
                saved.extend(summary_views(window, folder, i))
            page = getattr(window.page(page_id), "page", None)
            if page is not None:  # the whole scrolling page, to check nothing is clipped
                full = folder / "full" / f"{i:02d}-{page_id}.png"
                full.parent.mkdir(exist_ok=True)
                page.widget().grab().save(str(full))
        window.close()
        window.deleteLater()
    qapp.processEvents()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--config", type=Path)
    parser.add_argument("--display", help="use this X display instead of starting Xvfb")
    parser.add_argument("--lang", metavar="CODE", help="the tour in this language")
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    with contextlib.ExitStack() as stack:
        os.environ["DISPLAY"] = args.display or stack.enter_context(xvfb())
        config = args.config
        if args.lang and config is None:
            config = demo_in_every_language(
                Path(stack.enter_context(tempfile.TemporaryDirectory()))
            )
        for path in tour(args.out, config, args.lang):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
