"""The real kiosk process on a real X server (Xvfb), driven by real input events (xdotool):
double taps on every navigation button, staff holding the corner, a patient who types a
name and an email and walks away, a tap behind the idle warning, and the wipe."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from kiosk import app

from .helpers import DEMO_CLINIC, REPO, SIGNED_OFF

pytestmark = pytest.mark.xvfb
SIZE = (1920, 1080)  # the kiosk's display; the kiosk runs fullscreen on it


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("KIOSK_REQUIRE_XVFB") == "1":
            pytest.fail(f"{tool} is required here (KIOSK_REQUIRE_XVFB=1)")
        pytest.skip(f"{tool} is not installed")


class Kiosk:
    """The kiosk process; its log lines arrive on a queue so the test can wait for them."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(config)],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> float:
        """Block until a log line contains ``text``; returns when (time.monotonic())."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no log line with {text!r}; saw:\n{''.join(self.seen)}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return time.monotonic()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def centres(config: Path) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Where the buttons and fields are, and the journey's pages: the same window, laid out
    offscreen at the same size."""
    window = app.build_window(config)
    window.resize(*SIZE)
    window.show()
    window.build_all()
    found = {}
    pages = window.page_ids()

    def note(*names: str) -> None:
        for name in names:
            w = window.findChild(QWidget, name)
            if w is not None and w.isVisible() and name not in found:
                centre = w.mapTo(window, w.rect().center())
                found[name] = (centre.x(), centre.y())

    for n, screen in enumerate(pages):
        if n:
            window.ctx.visit.next()
        app.application().processEvents()
        note("nav_start", "first_name", "nav_next", "nav_back", "summary_email", "summary_print")
        if screen == "privacy":  # the keyboard's Done key, as it is after a tap
            keyboard = window.keyboard()
            keyboard.attach(window.findChild(QWidget, "first_name"), "name")
            app.application().processEvents()
            done = keyboard.key("done")
            centre = done.mapTo(window, done.rect().center())
            found["key_done"] = (centre.x(), centre.y())
            keyboard.detach()
            app.application().processEvents()
        if screen == "summary":  # the email form, as it is after tapping Email
            window.page(screen).on_email()  # type: ignore[attr-defined]
            app.application().processEvents()
            note("email_consent", "email_send")
            page = window.page(screen)  # and the address shown back, as after Send
            page.address.setText("zeb@example.com")  # type: ignore[attr-defined]
            page.consent.setChecked(True)  # type: ignore[attr-defined]
            page.on_send_email()  # type: ignore[attr-defined]
            app.application().processEvents()
            note("email_confirm")
            page.wipe()
    while window.staff is None:  # the staff tools come after the first paint
        app.application().processEvents()
    window.staff.pad.open_pad()  # the PIN pad, as staff see it
    app.application().processEvents()
    cancel = window.staff.pad.findChild(QWidget, "staff_pin_cancel")
    found["staff_pin_cancel"] = cancel.mapTo(window, cancel.rect().center()).toTuple()
    window.close()
    window.deleteLater()  # its children hold it: dropping the last name does not free it
    return found, pages


@pytest.mark.one_python  # the real X server and process: once in CI
@pytest.mark.slow
def test_a_clinic_day_on_the_real_screen(tmp_path: Path, qapp) -> None:
    """Two patients on a real X display, tapped with xdotool:

    - the first double-taps every navigation button, Start to Finish and Start again, and
      lands exactly one screen further each time; staff hold the corner and get the PIN pad;
    - the second types a name and an email and walks away: a tap behind the idle warning does
      nothing but dismiss it, and the idle timeout wipes what was typed.
    """
    needs("Xvfb")
    needs("xdotool")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        DEMO_CLINIC
        + "[kiosk]\nfullscreen = true\nidle_timeout_s = 5\nidle_warning_s = 20\n"
        + f'[print]\noutput_dir = "{tmp_path}/prints"\n'
        + f'[email]\nenabled = true\nsender = "k@clinic.test"\neml_dir = "{tmp_path}/eml"\n'
        + f'[outbox]\npath = "{tmp_path}/outbox"\n'
        + SIGNED_OFF,  # kiosk mode shows only signed-off content
        encoding="utf-8",
    )
    spots, pages = centres(config)
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{SIZE[0]}x{SIZE[1]}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        display = f":{fh.readline().strip()}"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env |= {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "TMPDIR": str(tmp_path)}
    kiosk = Kiosk(config, env)

    def xdo(*args: str) -> None:
        subprocess.run(["xdotool", *args], env=env, check=True, timeout=30)

    def tap(name: str, times: int = 1) -> None:
        x, y = spots[name]
        xdo("mousemove", str(x), str(y), "click", "--repeat", str(times), "--delay", "70", "1")

    def screens_since(mark: int) -> list[str]:
        return [
            line.split("screen ", 1)[1].split()[0]
            for line in kiosk.seen[mark:]
            if " kiosk.ui: screen " in line and "ready for taps" not in line
        ]

    def double_tap_to(name: str, screen: str) -> None:
        """A double tap (two clicks 70 ms apart) moves exactly one screen on."""
        mark = len(kiosk.seen)
        tap(name, times=2)
        kiosk.wait_for(f"screen {screen} ready for taps")
        assert screens_since(mark) == [screen], "".join(kiosk.seen[mark:])
        assert "tap ignored" in "".join(kiosk.seen[mark:])  # the second tap was seen, and dropped

    try:
        kiosk.wait_for("first paint")
        # kiosk mode fills the display, window manager or not (xdotool reads its size)
        geometry = subprocess.run(
            [
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                "Test Clinic",
                "getwindowgeometry",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        assert "Position: 0,0" in geometry and "Geometry: 1920x1080" in geometry, geometry
        kiosk.wait_for("kiosk started")  # the log and the staff tools are in place

        # Staff hold the top-left corner for three seconds: the PIN pad, on any screen.
        xdo("mousemove", "20", "20", "mousedown", "1")
        kiosk.wait_for("staff corner held", timeout=10)
        xdo("mouseup", "1")
        kiosk.wait_for("staff PIN pad opened")
        tap("staff_pin_cancel")

        # The first patient double-taps everything.
        double_tap_to("nav_start", "privacy")
        for screen in pages[2 : pages.index("summary") + 1]:
            double_tap_to("nav_next", screen)
        double_tap_to("nav_back", pages[pages.index("summary") - 1])
        double_tap_to("nav_next", "summary")
        double_tap_to("nav_next", "done")  # Finish, double-tapped: the done screen shows
        double_tap_to("nav_next", "attract")  # Start again; its second tap starts nothing

        # The second patient types, and walks away.
        tap("nav_start")
        kiosk.wait_for("screen privacy ready for taps")
        tap("first_name")  # the on-screen keyboard comes up: what is under the finger moves
        xdo("type", "--delay", "20", "Zebedee")
        kiosk.wait_for("screen privacy ready for taps")
        tap("key_done")  # the on-screen keyboard goes; the navigation bar comes back
        kiosk.wait_for("screen privacy ready for taps")
        for screen in pages[2 : pages.index("summary") + 1]:
            tap("nav_next")
            kiosk.wait_for(f"screen {screen} ready for taps")
        tap("summary_email")  # the email field takes the focus; type on the real keyboard
        xdo("type", "--delay", "20", "zeb@example.com")
        kiosk.wait_for("screen summary ready for taps")  # the email form counts as a new view
        tap("email_consent")
        tap("email_send")  # the address is shown back, large, to confirm
        kiosk.wait_for("screen summary ready for taps")
        tap("email_confirm")
        kiosk.wait_for("idle warning", timeout=10)
        mark = len(kiosk.seen)
        tap("summary_print")  # behind the warning: it only says "I'm still here"
        kiosk.wait_for("idle warning dismissed")
        last_tap = time.monotonic()
        kiosk.wait_for("idle warning", timeout=10)
        # the warning lasts 20 s, the shortest a config may set (WCAG 2.2.1)
        back = kiosk.wait_for("screen attract", timeout=30)
        assert back - last_tap <= 28.5, (
            f"back on attract {back - last_tap:.1f} s after the last tap"
        )
        log = "".join(kiosk.seen)
        assert "print job" not in "".join(kiosk.seen[mark:])  # the tap printed nothing
        assert not (tmp_path / "prints").exists() or not list((tmp_path / "prints").iterdir())
        assert "idle timeout: session wiped" in log
        assert "Zebedee" not in log and "zeb@example.com" not in log  # never logged
        assert kiosk.proc.poll() is None  # still running, ready for the next patient
        # what was typed really reached the kiosk: the demo transport wrote the email
        emls = list((tmp_path / "eml").glob("*.eml"))
        assert len(emls) == 1, "".join(kiosk.seen)
        (eml,) = emls
        raw = eml.read_bytes()
        assert b"To: zeb@example.com" in raw and b"Hello Zebedee," in raw
    finally:
        kiosk.stop()
        xvfb.terminate()
        xvfb.wait(timeout=10)
