"""Files at rest are private: what the kiosk writes is 0600 in 0700 folders, whatever an
older version left there, and the demo's prints and emails are gone after an hour.

Real files throughout, and the real commands as their own processes (``set-staff-pin``);
the hour passes on an injected clock and on file times set with ``os.utime``: no sleeps.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from kiosk import app
from kiosk.services import files
from kiosk.services.counters_store import CountersFile
from kiosk.services.mail import EmlFolder
from kiosk.services.printing import PdfFolder

from .helpers import DEMO_CLINIC, run_kiosk

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
HOUR = 3600
MESSAGE = b"From: k@clinic.test\r\nTo: ana@example.com\r\nSubject: Your summary\r\n\r\nHello\r\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def open_folder(path: Path) -> Path:
    """A folder as an older version left it: 0755, with a 0644 file of the kind inside."""
    path.mkdir(parents=True)
    path.chmod(0o755)
    return path


def age(path: Path, seconds: float, now: float) -> None:
    os.utime(path, (now - seconds, now - seconds))


@POSIX
def test_the_demo_printer_keeps_each_print_private_and_an_hour_at_most(
    qapp, tmp_path: Path
) -> None:
    folder = open_folder(tmp_path / "prints")
    now = [time.time()]
    printer = PdfFolder(folder, "A4", clock=lambda: now[0])
    first = Path(printer.print_html("<p>Ana</p>", title="Summary", footer="Clinic"))
    assert mode(folder) == 0o700 and mode(first) == 0o600
    assert first.read_bytes().startswith(b"%PDF")
    age(first, 30 * 60, now[0])
    other = folder / "patients.pdf"  # not the demo's: never touched
    other.write_bytes(b"%PDF")
    age(other, 10 * HOUR, now[0])

    now[0] += 31 * 60  # the first print is now 61 minutes old
    second = Path(printer.print_html("<p>Ben</p>", title="Summary", footer="Clinic"))
    assert not first.exists() and second.exists() and other.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([second.name, other.name])


@POSIX
def test_the_demo_mail_folder_keeps_each_email_private_and_an_hour_at_most(
    tmp_path: Path,
) -> None:
    folder = open_folder(tmp_path / "emails")
    now = [time.time()]
    mail = EmlFolder(folder, clock=lambda: now[0])
    mail.send(MESSAGE, "k@clinic.test", ["ana@example.com"])
    (first,) = folder.iterdir()
    assert mode(folder) == 0o700 and mode(first) == 0o600
    age(first, HOUR - 60, now[0])
    now[0] += 61  # an hour and a second
    mail.send(MESSAGE, "k@clinic.test", ["ana@example.com"])
    (second,) = folder.iterdir()
    assert second != first and mode(second) == 0o600


def test_the_kiosk_sweeps_the_demo_folders_at_start_and_every_ten_minutes(
    qtbot, tmp_path: Path
) -> None:
    prints, emails = tmp_path / "prints", tmp_path / "emails"
    prints.mkdir()
    emails.mkdir()
    now = time.time()
    stale = [prints / "summary-20270101-080000-000001.pdf", emails / "20270101T0800Z-ab.eml"]
    fresh = [prints / "summary-20270101-090000-000001.pdf", emails / "20270101T0900Z-cd.eml"]
    for path in stale + fresh:
        path.write_bytes(b"a patient's summary")
    for path in stale:
        age(path, HOUR + 1, now)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        DEMO_CLINIC
        + f'[print]\noutput_dir = "{prints.as_posix()}"\n'
        + f'[email]\nenabled = true\nsender = "k@clinic.test"\neml_dir = "{emails.as_posix()}"\n'
        + f'[outbox]\npath = "{(tmp_path / "outbox").as_posix()}"\n',
        encoding="utf-8",
    )
    window = app.build_window(config)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.findChild(QTimer, "demo_sweep") is not None)
    sweep = window.findChild(QTimer, "demo_sweep")
    assert sweep.isActive() and sweep.interval() == 10 * 60 * 1000
    assert not any(p.exists() for p in stale) and all(p.exists() for p in fresh)
    for path in fresh:
        age(path, HOUR + 1, now)
    sweep.timeout.emit()  # ten minutes on
    assert not any(p.exists() for p in fresh)
    window.close()


@POSIX
def test_the_counts_and_their_export_are_private(tmp_path: Path) -> None:
    data = open_folder(tmp_path / "data")
    counts = data / "counters.json"
    counts.write_text('{"version": 1, "days": {}}\n')
    counts.chmod(0o644)
    counters = CountersFile(counts)
    assert mode(counts) == 0o600  # tightened as soon as it is read
    counters.started("en")
    assert mode(counts) == 0o600 and mode(data) == 0o700
    out = files.private_dir(data / "exports") / "counts.csv"
    counters.export_csv(out)
    assert mode(out) == 0o600 and mode(out.parent) == 0o700
    assert next(csv.DictReader(io.StringIO(out.read_text())))["started"] in {"0", "1"}


@POSIX
def test_set_staff_pin_leaves_only_a_private_hash(tmp_path: Path) -> None:
    """An older version wrote through ``staff-pin.new`` with O_CREAT, which keeps the mode of
    a stale file: a 0644 ``.new`` made the PIN file 0644. Now the PIN is 0600 in a 0700
    folder, and the stale file, which may hold an old hash, goes."""
    folder = open_folder(tmp_path / "pin")
    target = folder / "staff-pin"
    stale = folder / "staff-pin.new"
    stale.write_text("scrypt$16384$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==\n")
    stale.chmod(0o644)
    target.write_text("an old hash\n")
    target.chmod(0o644)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        DEMO_CLINIC + f'[kiosk]\nstaff_pin_file = "{target.as_posix()}"\n', encoding="utf-8"
    )
    done = run_kiosk("set-staff-pin", "--config", str(config), input_text="579135\n579135\n")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["staff-pin"]
    assert mode(target) == 0o600 and mode(folder) == 0o700
    assert target.read_text().startswith("pin6$argon2id$")


def test_set_staff_pin_that_cannot_write_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        DEMO_CLINIC + f'[kiosk]\nstaff_pin_file = "{(tmp_path / "file" / "pin").as_posix()}"\n',
        encoding="utf-8",
    )
    done = run_kiosk("set-staff-pin", "--config", str(config), input_text="579135\n579135\n")
    assert done.returncode == 1
    assert done.stderr.startswith("set-staff-pin: cannot write ") and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
