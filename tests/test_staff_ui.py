"""Staff access: the hidden corner and key chord, the PIN pad and its lockout, the panel,
set-staff-pin, and the anonymous counters."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit

from kiosk import cli
from kiosk.core.flow import Screen

from . import helpers
from .helpers import DEMO_CLINIC, REPO, SIGNED_OFF, run_kiosk
from .test_idle import ADDRESS, NAME, fill_everything, texts_in

DEMO_PIN = "2468"  # the README says so


def pad_and_panel(qtbot, window):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.staff is not None)
    return window.staff.pad, window.staff.panel


def enter_pin(qtbot, window, pin: str) -> None:  # type: ignore[no-untyped-def]
    for digit in pin:
        qtbot.mouseClick(
            window.findChild(QAbstractButton, f"staff_pin_{digit}"), Qt.MouseButton.LeftButton
        )
    with qtbot.waitSignal(window.staff.pad.checked, timeout=10_000):  # the hash: a worker
        qtbot.mouseClick(
            window.findChild(QAbstractButton, "staff_pin_ok"), Qt.MouseButton.LeftButton
        )


def test_long_press_on_the_corner_opens_the_pin_pad(qtbot, window) -> None:
    """Pressed and held through the window (more of it in test_touch.py)."""
    pad, _panel = pad_and_panel(qtbot, window)
    window.taps.hold_ms = 50  # three seconds in real life
    corner = QPoint(20, 20)
    with qtbot.waitSignal(window.taps.corner_held, timeout=2000):
        helpers.press(window, corner)
    assert pad.isVisible()
    helpers.release(window, corner)
    pad.close_pad()
    helpers.tap(window, corner)  # a short tap does nothing
    assert not pad.isVisible()


def test_key_chord_pin_and_panel_reset(qtbot, window) -> None:
    pad, panel = pad_and_panel(qtbot, window)
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
    pad, panel = pad_and_panel(qtbot, window)
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
    _pad, panel = pad_and_panel(qtbot, window)
    panel.open_panel()
    result = window.findChild(QLabel, "staff_result")
    window.findChild(QAbstractButton, "staff_print_test").click()
    assert result.text() == "Printing a test page…"
    qtbot.waitUntil(lambda: result.text().startswith("Test page sent to "), timeout=30000)
    (pdf,) = (_private_data_dir / "prints").glob("*.pdf")
    assert result.text() == f"Test page sent to {pdf}."
    window.findChild(QAbstractButton, "staff_email_test").click()
    qtbot.waitUntil(lambda: result.text().startswith("Test email "), timeout=30000)
    assert result.text() == (
        f"Test email delivered to k***@d***.example via folder {_private_data_dir / 'emails'}."
    )
    assert list((_private_data_dir / "emails").glob("*.eml"))
    window.findChild(QAbstractButton, "staff_export").click()
    (exported,) = (_private_data_dir / "exports").glob("counts-*.csv")
    assert result.text() == f"Counts of the last 30 days saved to {exported}."
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    assert rows and "started" in rows[-1]


def test_counters_count_sessions_without_personal_data(qtbot, window, _private_data_dir) -> None:
    qtbot.waitUntil(lambda: window.ctx.visit.counters is not None)
    fill_everything(qtbot, window)  # a session that stops on the summary screen
    window.reset_session()
    helpers.walk_to(window, "done")  # a full one, to the end
    day = window.ctx.visit.counters.day()
    assert day["sessions_started"] == 2 and day["sessions_finished"] == 1
    assert day["stopped_at"]["summary"] == 1 and day["outcome"]["neither"] == 1
    assert day["language"] == {"en": 2}
    raw = (_private_data_dir / "counters.json").read_text()
    assert NAME not in raw and ADDRESS not in raw and "Zebedee" not in raw


def test_set_staff_pin_stores_only_a_salted_hash(tmp_path: Path, write_config) -> None:
    pin_file = tmp_path / "pin"
    config = write_config(
        '[clinic]\nname = "C"\nphone = "1"\nemergency_number = "112"\n'
        f'[kiosk]\nfullscreen = true\nstaff_pin_file = "{pin_file}"\n' + SIGNED_OFF
    )
    assert run_kiosk("check-config", str(config)).returncode == 2  # fullscreen, no PIN yet
    bad = run_kiosk("set-staff-pin", "--config", str(config), input_text="123456\n654321\n")
    assert bad.returncode == 2 and "differ" in bad.stderr and not pin_file.exists()
    short = run_kiosk("set-staff-pin", "--config", str(config), input_text="12\n12\n")
    assert short.returncode == 2 and not pin_file.exists()
    four = run_kiosk("set-staff-pin", "--config", str(config), input_text="2468\n2468\n")
    assert four.returncode == 2 and not pin_file.exists()  # fullscreen: 6 digits at least
    assert four.stderr == (
        "set-staff-pin: The PIN is too short for a fullscreen kiosk: use at least 6 digits.\n"
    )
    ok = run_kiosk("set-staff-pin", "--config", str(config), input_text="908172\n908172\n")
    assert ok.returncode == 0, ok.stderr
    stored = pin_file.read_text()
    assert stored.startswith("pin6$argon2id$v=19$m=65536,t=6,p=4$") and "908172" not in stored
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


def test_the_corner_is_small_and_holds_nothing_a_patient_taps(qtbot, window) -> None:
    """The corner's taps never reach what is under them: no control may be there."""
    from kiosk.core.flow import JOURNEY
    from kiosk.ui.taps import CORNER_PX

    pad_and_panel(qtbot, window)
    assert window.taps.corner_px == CORNER_PX <= 96
    window.build_all()
    corner = QRect(0, 0, CORNER_PX, CORNER_PX)
    for screen in JOURNEY:
        window.ctx.visit.flow.go(screen) if window.ctx.visit.flow.allowed(screen) else None
        QApplication.processEvents()
        for w in window.findChildren(QAbstractButton) + window.findChildren(QLineEdit):
            if w.isVisible():
                rect = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
                assert not rect.intersects(corner), (screen, w.objectName())


def test_the_panel_never_stays_open_for_the_next_patient(qtbot, window) -> None:
    pad, panel = pad_and_panel(qtbot, window)
    window.ctx.visit.flow.go(Screen.PRIVACY)
    panel.open_panel()
    pad.open_pad()
    window.ctx.visit.flow.reset()  # an idle timeout or a finish
    assert not panel.isVisible() and not pad.isVisible()


def test_back_to_the_kiosk_restores_kiosk_mode(qtbot, window) -> None:
    _pad, panel = pad_and_panel(qtbot, window)
    window._kiosk_configured = True  # as if started fullscreen; staff left kiosk mode
    panel.open_panel()
    window.findChild(QAbstractButton, "staff_back").click()
    assert window.kiosk_mode and not panel.isVisible()
    window.leave_kiosk_mode()  # leave the test's window an ordinary one again


def test_failed_checks_read_as_sentences() -> None:
    from kiosk.ui.staff import failure_sentence

    assert (
        failure_sentence("The test page did not print", "print-test: failed: no printer named 'X'")
        == "The test page did not print: no printer named 'X'."
    )
    assert failure_sentence("The test email was not sent", "") == "The test email was not sent."


def test_quit_and_leaving_kiosk_mode_look_different_and_ask_once_more(qtbot, window) -> None:
    _pad, panel = pad_and_panel(qtbot, window)
    window.enter_kiosk_mode()
    panel.open_panel()
    leave = window.findChild(QAbstractButton, "staff_leave")
    quit_ = window.findChild(QAbstractButton, "staff_quit")
    reset = window.findChild(QAbstractButton, "staff_reset")
    assert leave.property("role") == quit_.property("role") == "danger"
    assert reset.property("role") != "danger"
    assert leave.palette().buttonText().color() != reset.palette().buttonText().color()
    clock = helpers.FakeClock()
    window.taps.clock = clock
    helpers.tap(window, leave)
    assert window.kiosk_mode  # armed, not done
    assert leave.text() == "Tap again to leave kiosk mode"
    clock.advance(600)  # a deliberate next tap, not a repeat
    helpers.tap(window, quit_)  # arming the other disarms the first
    assert quit_.text() == "Tap again to quit the kiosk" and leave.text() == "Leave kiosk mode"
    clock.advance(600)
    helpers.tap(window, leave)
    assert window.kiosk_mode and leave.text() == "Tap again to leave kiosk mode"
    clock.advance(600)
    helpers.tap(window, leave)
    assert not window.kiosk_mode
    assert leave.text() == "Leave kiosk mode" and quit_.text() == "Quit the kiosk"


def test_a_double_tap_arms_quit_but_does_not_carry_it_out(qtbot, window) -> None:
    _pad, panel = pad_and_panel(qtbot, window)
    window.enter_kiosk_mode()
    panel.open_panel()
    window.taps.clock = helpers.FakeClock()
    leave = window.findChild(QAbstractButton, "staff_leave")
    helpers.double_tap(window, leave)
    assert window.kiosk_mode and leave.text() == "Tap again to leave kiosk mode"
    panel._disarm_timer.setInterval(20)  # five seconds in real life
    panel._disarm_timer.start()
    qtbot.waitUntil(lambda: leave.text() == "Leave kiosk mode", timeout=2000)
    window.leave_kiosk_mode()


def test_the_pad_and_panel_close_when_left_alone(qtbot, window) -> None:
    from PySide6.QtCore import QTimer

    pad, panel = pad_and_panel(qtbot, window)
    alone = window.findChild(QTimer, "staff_idle")
    alone.setInterval(30)  # a minute in real life
    pad.open_pad()
    assert alone.isActive()
    qtbot.waitUntil(lambda: not pad.isVisible(), timeout=2000)
    window._kiosk_configured = True  # as if started fullscreen; staff left kiosk mode
    panel.open_panel()
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=2000)
    assert window.kiosk_mode  # closed as "Back to the kiosk" does
    window.leave_kiosk_mode()


@pytest.mark.config(DEMO_CLINIC + SIGNED_OFF)
def test_signed_off_content_has_no_draft_warning(qtbot, window) -> None:
    assert "draft" not in staff_info(qtbot, window)


@pytest.mark.config(DEMO_CLINIC + SIGNED_OFF + "reviewed_languages = []\n")
def test_content_the_sign_off_does_not_cover_is_a_draft_for_staff(qtbot, window) -> None:
    """The config's sign-off covers the languages it names: a pack it does not name (a new
    translation, say) is a draft, and the staff panel says so."""
    assert (
        "WARNING: the English (en) content is a draft: no clinician has signed it off"
        in staff_info(qtbot, window)
    )


def staff_info(qtbot, window) -> str:  # type: ignore[no-untyped-def]
    _pad, panel = pad_and_panel(qtbot, window)
    panel.open_panel()
    text = window.findChild(QLabel, "staff_info").text()
    panel.hide()
    return text
