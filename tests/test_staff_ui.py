"""Staff access: the hidden corner and key chord, the PIN pad and its lockout, the panel,
set-staff-pin, and the anonymous counters."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget

from kiosk import cli
from kiosk.core.flow import Screen

from .conftest import REPO, run_kiosk
from .test_idle import ADDRESS, NAME, fill_everything, texts_in

DEMO_PIN = "2468"  # the README says so


def pad_and_panel(qtbot, window):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.staff is not None)
    pad, panel, hotspot = window.staff
    return pad, panel, hotspot


def enter_pin(qtbot, window, pin: str) -> None:  # type: ignore[no-untyped-def]
    for digit in pin:
        qtbot.mouseClick(
            window.findChild(QAbstractButton, f"staff_pin_{digit}"), Qt.MouseButton.LeftButton
        )
    qtbot.mouseClick(window.findChild(QAbstractButton, "staff_pin_ok"), Qt.MouseButton.LeftButton)


def test_long_press_on_the_corner_opens_the_pin_pad(qtbot, window) -> None:
    pad, _panel, hotspot = pad_and_panel(qtbot, window)
    hotspot._timer.setInterval(50)  # three seconds in real life
    qtbot.mousePress(hotspot, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(pad.isVisible, timeout=2000)
    qtbot.mouseRelease(hotspot, Qt.MouseButton.LeftButton)
    pad.close_pad()
    qtbot.mouseClick(hotspot, Qt.MouseButton.LeftButton)  # a short tap does nothing
    assert not pad.isVisible()


def test_key_chord_pin_and_panel_reset(qtbot, window) -> None:
    pad, panel, _ = pad_and_panel(qtbot, window)
    fill_everything(qtbot, window)
    qtbot.keyClick(
        window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    assert pad.isVisible()
    enter_pin(qtbot, window, DEMO_PIN)
    assert not pad.isVisible() and panel.isVisible()
    assert window.findChild(QLabel, "staff_pin_dots").text().strip() == ""  # no digits left
    assert "botox-kiosk 0.1.0" in window.findChild(QLabel, "staff_info").text()
    qtbot.mouseClick(window.findChild(QAbstractButton, "staff_reset"), Qt.MouseButton.LeftButton)
    assert window.screen_id() == "attract"
    for text in texts_in(window):
        assert NAME not in text and ADDRESS not in text
    for field in window.findChildren(QLineEdit):
        field.undo()
        assert field.text() == ""
    qtbot.mouseClick(window.findChild(QAbstractButton, "staff_back"), Qt.MouseButton.LeftButton)
    assert not panel.isVisible()


def test_five_wrong_pins_lock_even_the_right_one(qtbot, window) -> None:
    pad, panel, _ = pad_and_panel(qtbot, window)
    clock = [1000.0]
    pad.lock._clock = lambda: clock[0]
    pad.open_pad()
    message = window.findChild(QLabel, "staff_pin_message")
    for left in (4, 3, 2, 1):
        enter_pin(qtbot, window, "1111")
        assert message.text() == f"Wrong PIN. {left} tries left."
    enter_pin(qtbot, window, "1111")
    assert message.text() == "Locked: try again in 300 s."
    enter_pin(qtbot, window, DEMO_PIN)
    assert message.text().startswith("Locked") and not panel.isVisible()
    clock[0] += 300
    enter_pin(qtbot, window, DEMO_PIN)
    assert panel.isVisible()


def test_panel_checks_printer_and_mail_and_exports_counts(qtbot, window, _private_data_dir) -> None:
    _pad, panel, _ = pad_and_panel(qtbot, window)
    panel.open_panel()
    result = window.findChild(QLabel, "staff_result")
    window.findChild(QAbstractButton, "staff_print_test").click()
    qtbot.waitUntil(lambda: result.text().startswith("print-test: done"), timeout=30000)
    window.findChild(QAbstractButton, "staff_email_test").click()
    qtbot.waitUntil(lambda: result.text().startswith("send-test-email: done"), timeout=30000)
    assert list((_private_data_dir / "emails").glob("*.eml"))
    window.findChild(QAbstractButton, "staff_export").click()
    (exported,) = (_private_data_dir / "exports").glob("counts-*.csv")
    assert result.text() == f"Counts of the last 30 days saved to {exported}"
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert rows and "started" in rows[-1]


def test_counters_count_sessions_without_personal_data(qtbot, window, _private_data_dir) -> None:
    qtbot.waitUntil(lambda: window.ctx.counters is not None)
    fill_everything(qtbot, window)  # a session that stops on the summary screen
    window.reset_session()
    window.ctx.flow.go(Screen.PRIVACY)
    for _ in range(6):
        window.ctx.flow.next()  # a full one, to the end
    day = window.ctx.counters.day()
    assert day["sessions_started"] == 2 and day["sessions_finished"] == 1
    assert day["stopped_at"]["summary"] == 1 and day["outcome"]["neither"] == 1
    assert day["language"] == {"en": 2}
    raw = (_private_data_dir / "counters.json").read_text()
    assert NAME not in raw and ADDRESS not in raw and "Zebedee" not in raw


def test_set_staff_pin_stores_only_a_salted_hash(tmp_path: Path, write_config) -> None:
    pin_file = tmp_path / "pin"
    config = write_config(
        '[clinic]\nname = "C"\nphone = "1"\nemergency_number = "112"\n'
        f'[kiosk]\nfullscreen = true\nstaff_pin_file = "{pin_file}"\n'
    )
    assert run_kiosk("check-config", str(config)).returncode == 2  # fullscreen, no PIN yet
    bad = run_kiosk("set-staff-pin", "--config", str(config), input_text="1234\n4321\n")
    assert bad.returncode == 2 and "differ" in bad.stderr and not pin_file.exists()
    short = run_kiosk("set-staff-pin", "--config", str(config), input_text="12\n12\n")
    assert short.returncode == 2 and not pin_file.exists()
    ok = run_kiosk("set-staff-pin", "--config", str(config), input_text="908172\n908172\n")
    assert ok.returncode == 0, ok.stderr
    stored = pin_file.read_text()
    assert stored.startswith("scrypt$") and "908172" not in stored
    assert stat.S_IMODE(os.stat(pin_file).st_mode) == 0o600
    assert run_kiosk("check-config", str(config)).returncode == 0


def test_fullscreen_without_pin_names_the_key(capsys, write_config, tmp_path: Path) -> None:
    config = write_config(
        '[clinic]\nname = "C"\nphone = "1"\nemergency_number = "112"\n'
        f'[kiosk]\nstaff_pin_file = "{tmp_path / "none"}"\n'
    )
    assert cli.main(["check-config", str(config)]) == 2
    assert "kiosk.staff_pin_file: no staff PIN in" in capsys.readouterr().err


def test_readme_prints_the_demo_pin() -> None:
    assert f"PIN is **{DEMO_PIN}**" in (REPO / "README.md").read_text(encoding="utf-8")


def test_hotspot_is_invisible_and_small(qtbot, window) -> None:
    _pad, _panel, hotspot = pad_and_panel(qtbot, window)
    assert isinstance(hotspot, QWidget)
    assert hotspot.width() <= 96 and hotspot.height() <= 96 and hotspot.pos().toTuple() == (0, 0)


def test_the_panel_never_stays_open_for_the_next_patient(qtbot, window) -> None:
    pad, panel, _ = pad_and_panel(qtbot, window)
    window.ctx.flow.go(Screen.PRIVACY)
    panel.open_panel()
    pad.open_pad()
    window.ctx.flow.reset()  # an idle timeout or a finish
    assert not panel.isVisible() and not pad.isVisible()


def test_back_to_the_kiosk_restores_kiosk_mode(qtbot, window) -> None:
    _pad, panel, _ = pad_and_panel(qtbot, window)
    window._kiosk_configured = True  # as if started fullscreen; staff left kiosk mode
    panel.open_panel()
    window.findChild(QAbstractButton, "staff_back").click()
    assert window.kiosk_mode and not panel.isVisible()
    window.leave_kiosk_mode()  # leave the test's window an ordinary one again
