"""The staff PIN pad as staff meet it: its lock outlives the kiosk, a fullscreen kiosk takes
only a PIN of 6 digits or more, and a PIN it cannot use is said plainly.

Each test builds the window the way the kiosk does (``kiosk.app``), on the real lockout file
in the test's own data folder; a "restart" is a second window built on the same folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from kiosk import app, cli, resources
from kiosk.core import staff
from kiosk.services import staff_pin

from . import helpers
from .helpers import DEMO_CLINIC, KIOSK_PIN, SIGNED_OFF
from .test_staff_ui import DEMO_PIN, enter_pin, pad_and_panel

#: The demo's hash of 2468: 4 digits, fine for its windowed kiosk, too short for kiosk mode.
DEMO_PIN_FILE = resources.path("demo", "staff-pin")
FULLSCREEN = DEMO_CLINIC + "[kiosk]\nfullscreen = true\n"


def message(window) -> str:  # type: ignore[no-untyped-def]
    return window.findChild(QLabel, "staff_pin_message").text()


def test_a_restarted_kiosk_is_still_locked(qtbot, window, _private_data_dir: Path) -> None:
    pad, panel = pad_and_panel(qtbot, window)
    pad.open_pad()
    for _ in range(5):
        enter_pin(qtbot, window, "1111")
    assert message(window) == "Locked: try again in 300 s."
    kept = json.loads((_private_data_dir / "staff-pin.lockout").read_text())
    assert kept["failures"] == 5 and kept["locked_until"] is not None
    window.close()

    again = app.build_window()  # the kiosk, started again on the same data folder
    qtbot.addWidget(again)
    again.resize(*app.LANDSCAPE)
    again.show()
    pad, panel = pad_and_panel(qtbot, again)
    pad.open_pad()
    left = math.ceil(pad.lock.locked_for())
    assert 290 <= left <= 300
    assert message(again) in {f"Locked: try again in {s} s." for s in (left, left + 1)}
    enter_pin(qtbot, again, DEMO_PIN)  # the right PIN, during the lock
    assert message(again).startswith("Locked") and not panel.isVisible()
    again.close()


@pytest.mark.config(FULLSCREEN + f'staff_pin_file = "{DEMO_PIN_FILE.as_posix()}"\n')
@pytest.mark.allow_errors("staff PIN cannot be used: the staff PIN is shorter than 6 digits")
def test_a_fullscreen_kiosk_refuses_a_four_digit_pin_and_says_why(qtbot, window) -> None:
    pad, panel = pad_and_panel(qtbot, window)
    pad.open_pad()
    enter_pin(qtbot, window, DEMO_PIN)  # right, but too short for kiosk mode
    assert not panel.isVisible()
    assert message(window) == (
        "The staff PIN cannot be used: the staff PIN is shorter than 6 digits, too short "
        "for a fullscreen kiosk: set it again with `botox-kiosk set-staff-pin`."
    )
    assert pad.lock.failures == 0  # not a wrong try: nothing was checked


@pytest.mark.config(FULLSCREEN)
def test_a_fullscreen_kiosk_opens_for_a_six_digit_pin(qtbot, window) -> None:
    pad, panel = pad_and_panel(qtbot, window)
    pad.open_pad()
    enter_pin(qtbot, window, KIOSK_PIN)  # the one conftest stored at {data}/staff-pin
    assert panel.isVisible() and not pad.isVisible()
    panel.hide()


@pytest.mark.allow_errors("staff PIN cannot be used: the staff PIN was stored by an older")
def test_an_old_scrypt_pin_is_refused_with_how_to_set_a_new_one(
    qtbot, window, tmp_path: Path
) -> None:
    old = tmp_path / "old-pin"
    old.write_text(
        "scrypt$16384$8$1$UPKmEuxo2SwQDwHfhFdoCQ==$XAFVUb0IbHxRT1KP/ldKEdPH7uzM9zk5TcQvZ3X1THs=\n"
    )
    pad, panel = pad_and_panel(qtbot, window)
    pad._stored = lambda: old.read_text()  # as a kiosk whose PIN an older version set
    pad.open_pad()
    enter_pin(qtbot, window, DEMO_PIN)
    assert not panel.isVisible()
    assert "older version" in message(window) and "set-staff-pin" in message(window)


def test_check_config_refuses_a_short_or_old_pin_for_a_fullscreen_kiosk(
    write_config, capsys, tmp_path: Path
) -> None:
    old = tmp_path / "old-pin"
    old.write_text("scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g=\n")
    for pin_file, why in [
        (DEMO_PIN_FILE, "the staff PIN is shorter than 6 digits, too short for a fullscreen kiosk"),
        (old, "the staff PIN was stored by an older version of the kiosk (scrypt)"),
    ]:
        config = write_config(
            FULLSCREEN + f'staff_pin_file = "{pin_file.as_posix()}"\n' + SIGNED_OFF
        )
        assert cli.main(["check-config", str(config)]) == 2
        err = capsys.readouterr().err
        assert f"{config}: kiosk.staff_pin_file: {pin_file}: {why}" in err, err
        windowed = write_config(
            DEMO_CLINIC
            + f'[kiosk]\nfullscreen = false\nstaff_pin_file = "{pin_file}"\n'
            + SIGNED_OFF
        )
        assert cli.main(["check-config", str(windowed)]) == 0  # the pad is not needed there
    fine = write_config(FULLSCREEN + SIGNED_OFF)  # {data}/staff-pin: conftest's KIOSK_PIN
    assert cli.main(["check-config", str(fine)]) == 0, capsys.readouterr().err


def test_the_screen_keeps_painting_while_the_pin_is_checked(qtbot, window) -> None:
    """The real cost (about 0.3 s of hashing a check) runs on a worker: the event loop keeps
    turning meanwhile (no gap near the hash's time, less what the OS took for others)."""
    stored = staff.hash_pin("135792")  # DEFAULT_COST: what set-staff-pin stores
    helpers.settle(qtbot, window)  # the work after the first paint is not the PIN's
    pad, panel = pad_and_panel(qtbot, window)
    pad._stored = lambda: stored
    pad.open_pad()
    with helpers.loop_gaps() as gaps:
        enter_pin(qtbot, window, "135790")  # wrong: the same hash, and no panel to lay out
    assert message(window) == "Wrong PIN. 4 tries left." and not panel.isVisible()
    assert len(gaps) >= 3 and max(gaps) < 100, f"the loop stood still {max(gaps):.0f} ms"
    enter_pin(qtbot, window, "135792")
    assert panel.isVisible()
    panel.hide()


@pytest.mark.allow_errors("staff PIN file missing or unreadable")
def test_a_pin_file_that_is_not_text_is_said_plainly(qtbot, window, tmp_path: Path) -> None:
    """A windowed kiosk gets no check-config of its PIN: a damaged file is a sentence on the
    pad, not an error that sends the patient back to the start."""
    damaged = tmp_path / "staff-pin"
    damaged.write_bytes(b"\xff\xfe\x00garbage")
    pad, panel = pad_and_panel(qtbot, window)
    pad._stored = lambda: staff_pin.read_pin(damaged)
    pad.open_pad()
    enter_pin(qtbot, window, DEMO_PIN)
    assert pad.isVisible() and not panel.isVisible()
    assert message(window) == "No staff PIN is set on this kiosk (botox-kiosk set-staff-pin)."
