"""The metrics file (``[ops] metrics_file``): its contents after a real session, no personal
data, the atomic 0640 write, the UI never held up, and a real node_exporter reading it."""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from PySide6.QtWidgets import QLineEdit

from kiosk.core.jobs import JobEvent, Kind, Reason
from kiosk.services import metrics, ops, outbox_counts
from kiosk.services.metrics import OutboxCounts, PackInfo, Recorder
from kiosk.services.notify import Notifier
from kiosk.services.outbox import Outbox

from .helpers import DEMO_CLINIC, LATER, final, loop_gaps, open_kiosk, shown, tap, walk_to

REQUIRE = os.environ.get("KIOSK_REQUIRE_PROMETHEUS") == "1"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a text-format file: (name, sorted labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[name, tuple(sorted(labels.items()))]


def recorder() -> Recorder:
    return Recorder(
        "9.9.9",
        {"en": PackInfo("2026.12", dt.date(2026, 11, 30)), "es": PackInfo("2026.11", None)},
        clock=lambda: 1_800_000_000.0,
    )


def test_only_the_fixed_vocabularies_become_labels() -> None:
    rec = recorder()
    rec.started("en")
    rec.started("Zebedee")  # not a language of this kiosk: dropped
    rec.finished("print")
    rec.abandoned("consultation")
    rec.abandoned("zebedee@example.com")  # not a screen: dropped
    rec.print_event(1, JobEvent(Kind.FAILED, Reason.PRINTER, detail="tray 2 jammed"))
    rec.print_event(2, JobEvent(Kind.FAILED, Reason.CANCELLED))
    rec.email_event(3, JobEvent(Kind.QUEUED))  # not the last word: the next one counts
    rec.email_event(3, JobEvent(Kind.RETRYING, Reason.SERVER, detail="a@b.example refused"))
    rec.reload("config", ok=False)
    rec.reload("Zebedee", ok=True)
    rec.printer("stopped", accepting=False)
    rec.outbox(OutboxCounts(queued=3, failed=1, quarantined=0, oldest_age_s=4000.0))
    rec.error()
    text = metrics.render(rec.snapshot(), 1_800_000_060.0).decode()
    assert value(text, "botox_kiosk_sessions_started_total", language="en") == 1
    assert value(text, "botox_kiosk_sessions_started_total", language="es") == 0
    assert value(text, "botox_kiosk_sessions_finished_total", language="en", took="print") == 1
    assert value(text, "botox_kiosk_sessions_abandoned_total", screen="consultation") == 1
    assert value(text, "botox_kiosk_prints_total", result="failed") == 1
    assert value(text, "botox_kiosk_prints_total", result="cancelled") == 1
    assert value(text, "botox_kiosk_emails_total", result="queued") == 1
    assert value(text, "botox_kiosk_reloads_total", what="config", result="refused") == 1
    assert value(text, "botox_kiosk_printer_state", state="stopped") == 1
    assert value(text, "botox_kiosk_printer_state", state="idle") == 0
    assert value(text, "botox_kiosk_outbox_oldest_age_seconds") == 4000
    assert value(text, "botox_kiosk_last_error_timestamp_seconds") == 1_800_000_000
    assert value(text, "botox_kiosk_build_info", version="9.9.9") == 1
    assert value(text, "botox_kiosk_content_info", language="en", version="2026.12",
                 reviewed_on="2026-11-30") == 1  # fmt: skip
    assert value(text, "botox_kiosk_content_reviewed_timestamp_seconds", language="en") == (
        dt.datetime(2026, 11, 30, tzinfo=dt.UTC).timestamp()
    )
    for word in ("Zebedee", "zebedee", "jammed", "b.example", "@"):
        assert word not in text
    assert rec.status_line() == "session in progress, printer stopped, outbox 3 queued"
    rec.session_over()
    rec.printer("idle", accepting=True)
    assert rec.status_line() == "ready, outbox 3 queued"


def test_a_session_waits_for_the_minutes_write_the_kiosks_state_does_not() -> None:
    """A file rewritten seconds after each session event would time sessions to the
    second for whoever scrapes it; the printer, errors and reloads are written at once."""
    rec = recorder()
    asked: list[str] = []
    rec.on_change = lambda: asked.append("write")
    rec.started("en")
    rec.abandoned("consultation")
    rec.printed()
    rec.email_event(1, JobEvent(Kind.SENT))
    rec.session_over()
    assert asked == []
    rec.printer("stopped", accepting=True)
    rec.error()
    rec.reload("content", ok=True)
    assert asked == ["write"] * 3


def test_a_write_for_the_kiosks_state_shows_the_sessions_as_the_minute_did(
    qtbot, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A real printer is asked at each session's start and summary: its answer, or an error
    logged, must not publish the session seconds after it began. Only the minute's write
    shows sessions; the printer's answer asks for a write only when its state changed."""
    monkeypatch.setattr(ops, "THROTTLE_MS", 10)
    path = tmp_path / "kiosk.prom"
    rec = recorder()
    writer = ops.MetricsWriter(rec, path, Notifier("", None))  # the minute: 60 s
    try:
        qtbot.waitUntil(lambda: writer.writes == 1, timeout=5000)
        rec.printer("stopped", accepting=False)
        qtbot.waitUntil(lambda: writer.writes == 2, timeout=5000)
        rec.started("en")
        rec.printed()
        asked: list[str] = []
        rec.on_change = lambda: asked.append("write")
        rec.printer("stopped", accepting=False)  # the session's start asks the printer again
        assert asked == []
        rec.on_change = writer._event.emit
        rec.printer("idle", accepting=True)  # it is back: written within a second
        qtbot.waitUntil(lambda: writer.writes == 3, timeout=5000)
        text = path.read_text()
        assert value(text, "botox_kiosk_printer_state", state="idle") == 1
        assert value(text, "botox_kiosk_sessions_started_total", language="en") == 0
        assert value(text, "botox_kiosk_prints_total", result="printed") == 0
        assert value(text, "botox_kiosk_session_active") == 0
        writer.write_soon()  # the minute's write
        qtbot.waitUntil(lambda: writer.writes == 4, timeout=5000)
        text = path.read_text()
        assert value(text, "botox_kiosk_sessions_started_total", language="en") == 1
        assert value(text, "botox_kiosk_session_active") == 1
        rec.session_over()
        rec.reload("config", ok=True)  # a state change after the session: still as the minute
        qtbot.waitUntil(lambda: writer.writes == 5, timeout=5000)
        assert value(path.read_text(), "botox_kiosk_session_active") == 1
    finally:
        writer.shutdown()


def test_the_outbox_counts_are_read_without_its_key_and_agree_with_the_staff_panel(
    tmp_path: Path,
) -> None:
    """The metrics read the outbox's database read-only with sqlite3 (no key, no
    cryptography in the kiosk process); the staff panel's ``stats`` counts the same."""
    folder = tmp_path / "outbox"
    db = folder / outbox_counts.DB_NAME
    assert outbox_counts.read(db) == (0, 0, None, 0)  # nothing ever queued
    box = Outbox(folder, clock=lambda: 1_000.0)
    box.add(b"Subject: x\r\n\r\nbody", "kiosk@clinic.example", ["p@mail.example"])
    box.add(b"Subject: y\r\n\r\nbody", "kiosk@clinic.example", ["q@mail.example"])
    stats = box.stats(now=1_600.0)
    queued, failed, oldest, quarantined = outbox_counts.read(db)
    assert (queued, failed, quarantined) == (stats.queued, stats.failed, stats.quarantined)
    assert (queued, oldest) == (2, 1_000.0) and stats.oldest_age_s == 600.0
    before = db.read_bytes()
    outbox_counts.read(db)
    assert db.read_bytes() == before  # read-only


@pytest.mark.allow_errors(r"kiosk\.test: printer queue gone")
def test_errors_count_with_their_time_while_the_writer_runs(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rec = recorder()
    writer = ops.MetricsWriter(rec, tmp_path / "kiosk.prom", Notifier("", None))
    logging.getLogger("kiosk.test").error("printer queue gone for Zebedee")
    logging.getLogger("kiosk.test").warning("a warning is not an error")
    assert rec.snapshot().errors == 1
    assert rec.snapshot().last_error_at == 1_800_000_000.0
    writer.shutdown()
    logging.getLogger("kiosk.test").error("printer queue gone again")  # no longer counted
    assert rec.snapshot().errors == 1
    text = (tmp_path / "kiosk.prom").read_text()
    assert value(text, "botox_kiosk_errors_total") == 1 and "Zebedee" not in text


def test_the_file_is_replaced_whole_and_group_readable(tmp_path: Path) -> None:
    """A reader that opened the old file reads it whole; the new one is 0640 whatever the
    umask (node_exporter's group reads it); no temporary file is left behind."""
    path = tmp_path / "kiosk.prom"
    metrics.write(path, b"# old\n")
    old = path.open("rb")
    umask = os.umask(0o077)
    try:
        metrics.write(path, metrics.render(recorder().snapshot(), 0.0))
    finally:
        os.umask(umask)
    assert old.read() == b"# old\n"
    old.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.prom"]
    assert value(path.read_text(), "botox_kiosk_up") == 1


def test_a_folder_that_is_missing_is_logged_once_and_the_kiosk_runs_on(
    qtbot, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    writer = ops.MetricsWriter(recorder(), tmp_path / "gone" / "kiosk.prom", Notifier("", None))
    writer.write_soon()
    writer.shutdown()
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.ops"]
    assert len(said) == 1 and said[0].startswith("metrics: cannot write"), said


def test_an_outbox_that_cannot_be_read_is_logged_once_a_streak_and_its_numbers_go(
    qtbot, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    """Old numbers would say all is well while the outbox cannot be read: no series then,
    and one line in the log per streak of failures, not one a minute."""
    path = tmp_path / "kiosk.prom"
    answers: list[OutboxCounts | Exception] = [
        OutboxCounts(2, 0, 0, 60.0),
        *[sqlite3.DatabaseError("database disk image is malformed")] * 3,
        OutboxCounts(1, 0, 0, 30.0),
        sqlite3.DatabaseError("file is not a database"),
    ]

    def outbox() -> OutboxCounts:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    writer = ops.MetricsWriter(recorder(), path, Notifier("", None), outbox_counts=outbox)
    seen = []
    try:
        for n in range(1, 7):
            if n > 1:
                writer.write_soon()
            qtbot.waitUntil(lambda n=n: writer.writes == n, timeout=5000)
            seen.append(samples(path.read_text()).get(("botox_kiosk_outbox_queued", ())))
    finally:
        writer._outbox_counts = lambda: None
        writer.shutdown()
    assert seen == [2, None, None, None, 1, None]
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.ops"]
    assert said == ["metrics: cannot read the outbox: DatabaseError"] * 2, said


def test_any_failure_of_a_write_is_logged_once_and_the_next_write_works(
    qtbot, tmp_path: Path, caplog, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A failure the worker thread raised vanished in its pool (no log, no file): now said
    once, by its type, and the kiosk runs on."""
    path = tmp_path / "kiosk.prom"
    writer = ops.MetricsWriter(recorder(), path, Notifier("", None))
    try:
        qtbot.waitUntil(lambda: writer.writes == 1, timeout=5000)
        render = metrics.render

        def broken(*_args: object, **_kwargs: object) -> bytes:
            raise ValueError("a bug")

        monkeypatch.setattr(metrics, "render", broken)
        for _ in range(3):
            writer.write_soon()
        writer._pool.submit(lambda: None).result(timeout=5)  # the three have run
        monkeypatch.setattr(metrics, "render", render)
        writer.write_soon()
        qtbot.waitUntil(lambda: writer.writes == 2, timeout=5000)
    finally:
        writer.shutdown()
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.ops"]
    assert said == ["metrics: the write failed: ValueError"], said


@pytest.fixture
def metrics_config(write_config, tmp_path: Path) -> Path:
    folder = tmp_path / "metrics"
    folder.mkdir()
    return write_config(
        DEMO_CLINIC
        + '[kiosk]\nfullscreen = false\n[print]\noutput_dir = "{data}/prints"\n'
        + '[email]\nenabled = true\nsender = "kiosk@clinic.example"\neml_dir = "{data}/emails"\n'
        + f'[ops]\nmetrics_file = "{folder / "kiosk.prom"}"\n'
    )


@pytest.fixture
def kiosk(qtbot, metrics_config: Path, monkeypatch):  # type: ignore[no-untyped-def]
    """The kiosk writing its metrics; its minute lasts 250 ms (a burst of state changes
    still writes once, sooner)."""
    monkeypatch.setattr(ops, "THROTTLE_MS", 20)
    monkeypatch.setattr(ops, "PERIOD_MS", 250)
    window = open_kiosk(qtbot, metrics_config)
    yield window
    window.close()


def read_when(qtbot, path: Path, name: str, want: float, **labels: str) -> str:  # type: ignore[no-untyped-def]
    """The file once ``name{labels}`` reads ``want`` (it is written after events)."""
    seen = [""]

    def ready() -> bool:
        seen[0] = path.read_text() if path.exists() else ""
        return bool(seen[0]) and samples(seen[0]).get((name, tuple(sorted(labels.items())))) == want

    qtbot.waitUntil(ready, timeout=20000)
    return seen[0]


def test_a_real_session_shows_in_the_file_and_what_was_typed_never_does(
    qtbot, kiosk, metrics_config: Path
) -> None:
    window = kiosk
    clock = window.taps.clock
    path = metrics_config.parent / "metrics" / "kiosk.prom"
    read_when(qtbot, path, "botox_kiosk_up", 1)
    tap(window, shown(window, "nav_start"))
    qtbot.keyClicks(window.findChild(QLineEdit, "first_name"), "Zebedee")
    window.ctx.visit.session.toggle_area("frown_lines")
    walk_to(window, "summary")
    clock.advance(LATER)
    with qtbot.waitSignal(window.ctx.printer.reported, timeout=20000, check_params_cb=final):
        tap(window, shown(window, "summary_print"))
    clock.advance(LATER)
    tap(window, shown(window, "summary_email"))
    qtbot.keyClicks(window.findChild(QLineEdit, "email_address"), "zebedee@mail.example")
    for name in ("email_consent", "email_send", "email_confirm"):
        clock.advance(LATER)
        tap(window, shown(window, name))
    # its last word: sent (the demo's folder of .eml files takes every message)
    qtbot.waitUntil(lambda: window.ctx.visit.email.value == "sent", timeout=20000)
    clock.advance(LATER)
    tap(window, shown(window, "nav_next"))
    assert window.screen_id() == "done"
    read_when(qtbot, path, "botox_kiosk_sessions_finished_total", 1, language="en", took="both")
    window.ctx.visit.finish()  # the done screen's countdown
    window.ctx.visit.start()  # a second patient walks away on the consultation screen
    walk_to(window, "consultation")
    window.reset_session()
    text = read_when(qtbot, path, "botox_kiosk_sessions_abandoned_total", 1, screen="consultation")
    assert value(text, "botox_kiosk_sessions_started_total", language="en") == 2
    assert value(text, "botox_kiosk_prints_total", result="printed") == 1
    assert value(text, "botox_kiosk_emails_total", result="sent") == 1
    assert value(text, "botox_kiosk_outbox_queued") == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    raw = path.read_bytes().lower()
    for typed in (b"zebedee", b"mail.example", b"frown"):
        assert typed not in raw
    window.close()  # the kiosk stops: the file it leaves says so
    assert value(path.read_text(), "botox_kiosk_up") == 0


MISSING_PRINTER = '[print]\nprinter = "NoSuchPrinter"\n'
PDF_FOLDER = '[print]\noutput_dir = "{data}/prints"\n'


def printer_config(folder: Path, print_part: str) -> str:
    return (
        DEMO_CLINIC
        + "[kiosk]\nfullscreen = false\n"
        + print_part
        + f'[ops]\nmetrics_file = "{folder / "kiosk.prom"}"\n'
    )


def test_a_reload_changes_the_printer_the_file_watches(
    qtbot, write_config, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Started printing to a folder (no printer check), reloaded to a real queue: its state
    is in the file at once; reloaded back to a folder: the printer's series go (the stopped
    printer's alert would fire forever), and the retired check's late answer is not
    recorded. The minute stays 60 s: the reload, not the minute, brings the change."""
    monkeypatch.setattr(ops, "THROTTLE_MS", 20)
    folder = tmp_path / "metrics"
    folder.mkdir()
    path = folder / "kiosk.prom"
    config = write_config(printer_config(folder, PDF_FOLDER))
    window = open_kiosk(qtbot, config)
    try:
        text = read_when(qtbot, path, "botox_kiosk_up", 1)
        assert "botox_kiosk_printer_state" not in text
        config.write_text(printer_config(folder, MISSING_PRINTER))
        window.ctx.request_reload("test")
        assert window.ctx.reloads.counts["config", "ok"] == 1
        read_when(qtbot, path, "botox_kiosk_printer_state", 1, state="missing")
        old = window.ctx.printer_check
        assert old is not None
        qtbot.waitUntil(lambda: not old.busy(), timeout=20000)
        old.check()  # under way as the reload retires it: it answers late
        config.write_text(printer_config(folder, PDF_FOLDER))
        with qtbot.waitSignal(old.changed, timeout=20000):
            window.ctx.request_reload("test")
        (writer,) = [w for w in window.ctx.background if isinstance(w, ops.MetricsWriter)]
        writes = writer.writes
        writer.recorder.reload("content", ok=True)  # one more write after the late answer
        qtbot.waitUntil(lambda: writer.writes > writes, timeout=5000)
        text = path.read_text()
        assert window.ctx.printer_check is None
        assert "botox_kiosk_printer_state" not in text and "printer_accepting" not in text
    finally:
        window.close()


def test_a_ready_printer_is_asked_again_every_two_minutes_off_the_screens_thread(
    qtbot, write_config, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A printer that stops while ready must be seen soon enough for "stopped over 10
    minutes" to alert within about 12: a ready queue (the real CUPS one) is asked again
    every second minute, each check a child process the event loop never waits for."""
    queue = os.environ.get("KIOSK_TEST_PRINTER", "KioskPDF")
    if (
        shutil.which("lpstat") is None
        or subprocess.run(["lpstat", "-p", queue], capture_output=True, check=False).returncode
    ):
        pytest.skip(f"no CUPS queue {queue}")
    monkeypatch.setattr(ops, "PERIOD_MS", 700)  # a check takes 0.3-1 s here
    folder = tmp_path / "metrics"
    folder.mkdir()
    config = write_config(printer_config(folder, f'[print]\nprinter = "{queue}"\n'))
    window = open_kiosk(qtbot, config)
    try:
        check = window.ctx.printer_check
        assert check is not None
        qtbot.waitUntil(lambda: check.ready is True, timeout=20000)
        (writer,) = [w for w in window.ctx.background if isinstance(w, ops.MetricsWriter)]
        minutes: list[int] = []
        answers: list[int] = []
        writer.period.timeout.connect(lambda: minutes.append(1))
        check.changed.connect(lambda: answers.append(1))
        with loop_gaps() as gaps:  # four minutes: asked at the second and the fourth
            qtbot.waitUntil(lambda: len(minutes) >= 4 and len(answers) >= 2, timeout=20000)
        assert len(minutes) <= 8, "a ready printer is asked every second minute, not tenth"
        assert max(gaps) < 50, sorted(gaps)[-5:]
    finally:
        window.close()


def test_a_refused_pack_leaves_the_signed_one_in_use_and_says_so_apart(
    qtbot, write_config, tmp_path: Path, content_copy: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A pack changed by one byte after signing is refused: the pack in use is still the
    signed one (``content_signature_valid`` 1), the refusal is its own gauge and time. A
    reload that drops ``public_key`` takes: no signature to speak of (no series), no
    refusal standing."""
    from kiosk.core import signing

    monkeypatch.setattr(ops, "THROTTLE_MS", 20)
    folder = tmp_path / "metrics"
    folder.mkdir()
    path = folder / "kiosk.prom"
    private, public = tmp_path / "c.key", tmp_path / "c.pub"
    key, public_key = signing.generate_keys()
    private.write_bytes(key)
    public.write_bytes(public_key)
    data, _ = signing.sign(content_copy, signing.load_private_key(private))
    (content_copy / signing.SIGNATURE_FILE).write_bytes(data)
    unsigned = printer_config(folder, PDF_FOLDER) + f'[content]\ndir = "{content_copy}"\n'
    config = write_config(unsigned + f'public_key = "{public}"\n')
    window = open_kiosk(qtbot, config)
    try:
        text = read_when(qtbot, path, "botox_kiosk_content_signature_valid", 1)
        assert value(text, "botox_kiosk_content_signature_refused") == 0
        assert "last_reload_refused" not in text
        en = content_copy / "en" / "content.toml"
        en.write_bytes(en.read_bytes() + b"\n")  # one byte
        window.ctx.request_reload("test")
        assert window.ctx.reloads.counts["content", "refused"] == 1
        text = read_when(qtbot, path, "botox_kiosk_content_signature_refused", 1)
        assert value(text, "botox_kiosk_content_signature_valid") == 1  # the pack in use
        assert value(text, "botox_kiosk_reloads_total", what="content", result="refused") == 1
        assert value(text, "botox_kiosk_last_reload_refused_timestamp_seconds") > 0
        config.write_text(unsigned)  # IT drops signing
        window.ctx.request_reload("test")
        assert window.ctx.reloads.counts["content", "ok"] == 1
        text = read_when(qtbot, path, "botox_kiosk_content_signature_refused", 0)
        assert "botox_kiosk_content_signature_valid" not in text
    finally:
        window.close()


def test_up_0_is_written_as_the_kiosk_starts_leaving(qtbot, kiosk, metrics_config: Path) -> None:  # type: ignore[no-untyped-def]
    """systemd's stop (or staff's quit) is told at once: ``up`` 0 is in the file before the
    jobs in hand are waited for (up to 30 s each, longer than the unit's TimeoutStopSec),
    and no minute's write says 1 again; an event meanwhile is still written, with 0."""
    path = metrics_config.parent / "metrics" / "kiosk.prom"
    read_when(qtbot, path, "botox_kiosk_up", 1)
    (writer,) = [w for w in kiosk.ctx.background if isinstance(w, ops.MetricsWriter)]
    kiosk.quitting.emit()  # as quit_kiosk does, before the window closes and waits
    read_when(qtbot, path, "botox_kiosk_up", 0)
    writer.recorder.reload("config", ok=False)
    text = read_when(qtbot, path, "botox_kiosk_reloads_total", 1, what="config", result="refused")
    assert value(text, "botox_kiosk_up") == 0
    assert not writer.period.isActive()  # no minute's write says 1 again


def test_writing_never_holds_up_the_screen(qtbot, kiosk, metrics_config: Path) -> None:
    """Bursts of state changes, each burst written once on the worker (the outbox read, the
    text, the fsync), and a write every (test) minute: the event loop never waits 50 ms."""
    path = metrics_config.parent / "metrics" / "kiosk.prom"
    read_when(qtbot, path, "botox_kiosk_up", 1)
    (writer,) = [w for w in kiosk.ctx.background if isinstance(w, ops.MetricsWriter)]
    writes, start = writer.writes, time.monotonic()
    with loop_gaps() as gaps:
        for burst in range(1, 11):
            for _ in range(20):
                writer.recorder.reload("config", ok=True)
                writer.recorder.abandoned("consultation")
            read_when(
                qtbot, path, "botox_kiosk_reloads_total", 20 * burst, what="config", result="ok"
            )
    minutes = (time.monotonic() - start) * 1000 / ops.PERIOD_MS
    assert max(gaps) < 50, sorted(gaps)[-5:]
    assert writer.writes - writes <= 10 + minutes + 1  # one a burst, one a minute
    read_when(qtbot, path, "botox_kiosk_sessions_abandoned_total", 200, screen="consultation")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need(binary: str) -> str:
    found = shutil.which(binary)
    if found is None:
        if REQUIRE:
            pytest.fail(f"{binary} is missing and KIOSK_REQUIRE_PROMETHEUS=1")
        pytest.skip(f"{binary} is not installed (Debian: prometheus-node-exporter, prometheus)")
    return found


@pytest.fixture
def node_exporter(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real node_exporter on loopback with only the textfile collector, reading a folder
    in tmp_path: (the folder, its /metrics address)."""
    binary = need("prometheus-node-exporter")
    folder = tmp_path / "textfile"
    folder.mkdir()
    port = free_port()
    with (tmp_path / "node_exporter.log").open("w") as log:
        proc = subprocess.Popen(
            [
                binary,
                f"--web.listen-address=127.0.0.1:{port}",
                "--collector.disable-defaults",
                "--collector.textfile",
                f"--collector.textfile.directory={folder}",
            ],
            stdout=log,
            stderr=log,
        )
    try:
        yield folder, f"http://127.0.0.1:{port}/metrics"
    finally:
        proc.kill()
        proc.wait()


def scrape(url: str) -> str:
    """/metrics, once node_exporter answers (it starts in a few ms; 20 s at most)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return str(answer.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # a poll with a deadline: the exporter has no ready signal


def test_a_real_node_exporter_serves_the_kiosks_metrics(
    qtbot, node_exporter: tuple[Path, str]
) -> None:  # type: ignore[no-untyped-def]
    folder, url = node_exporter
    rec = recorder()
    rec.started("es")
    rec.printer("printing", accepting=True)
    writer = ops.MetricsWriter(rec, folder / "botox-kiosk.prom", Notifier("", None))
    try:
        qtbot.waitUntil((folder / "botox-kiosk.prom").exists)
        text = scrape(url)
        assert value(text, "botox_kiosk_up") == 1
        assert value(text, "botox_kiosk_sessions_started_total", language="es") == 1
        assert value(text, "botox_kiosk_printer_state", state="printing") == 1
        assert value(text, "botox_kiosk_build_info", version="9.9.9") == 1
        # node_exporter read it cleanly and says when it changed (for the staleness alert)
        assert value(text, "node_textfile_scrape_error") == 0
        (mtime,) = [
            v
            for (name, labels), v in samples(text).items()
            if name == "node_textfile_mtime_seconds"
            and dict(labels)["file"].endswith("botox-kiosk.prom")
        ]
        assert abs(mtime - time.time()) < 600
    finally:
        writer.shutdown()
    assert value(scrape(url), "botox_kiosk_up") == 0


RULES = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"


def test_the_alert_rules_pass_promtool() -> None:
    promtool = need("promtool")
    checked = subprocess.run(
        [promtool, "check", "rules", str(RULES / "botox-kiosk.rules.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
    tested = subprocess.run(
        [promtool, "test", "rules", "botox-kiosk.rules.test.yml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=RULES,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_dashboard_shows_the_kiosks_metrics_in_queries_promtool_reads(
    tmp_path: Path,
) -> None:
    """Every panel's query parses (as a recording rule for promtool, ``$instance`` as any)
    and the panels cover sessions, abandons, prints, emails, the outbox and the printer."""
    board = json.loads((RULES / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in board["panels"] for target in panel["targets"]]
    for name in (
        "botox_kiosk_sessions_started_total",
        "botox_kiosk_sessions_abandoned_total",
        "botox_kiosk_prints_total",
        "botox_kiosk_emails_total",
        "botox_kiosk_outbox_oldest_age_seconds",
        "botox_kiosk_printer_state",
    ):
        assert any(name in expr for expr in exprs), name
    promtool = need("promtool")
    rules = ["groups:", "  - name: dashboard", "    rules:"]
    for n, expr in enumerate(exprs):
        rules += [
            f"      - record: panel_{n}",
            f"        expr: {json.dumps(expr.replace('$instance', '.*'))}",
        ]
    (tmp_path / "dashboard.yml").write_text("\n".join(rules) + "\n")
    checked = subprocess.run(
        [promtool, "check", "rules", str(tmp_path / "dashboard.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_each_query_of_a_panel_draws_its_own_series(tmp_path: Path) -> None:
    """Two queries of one panel whose series carry the same labels (print failed and email
    failed: ``{instance, result="failed"}``) are one series to Grafana's overrides and
    joins: evaluated by promtool over a kiosk that had both, ``A or B`` keeps every series
    of every query (``or`` drops a series whose labels are already there)."""
    promtool = need("promtool")
    board = json.loads((RULES / "grafana-dashboard.json").read_text())
    tests = []
    for panel in board["panels"]:
        if panel["type"] != "timeseries" or len(panel["targets"]) < 2:
            continue
        # the metric's name, where a query keeps it, tells its series apart in Grafana too
        name = '"name", "$1", "__name__", "(.+)"'
        exprs = [
            f"label_replace({t['expr'].replace('$instance', '.*')}, {name})"
            for t in panel["targets"]
        ]
        joined = " or ".join(f"({e})" for e in exprs)
        each = " + ".join(f"count({e})" for e in exprs)
        tests.append(
            {
                "expr": f"count({joined}) == bool ({each})",
                "eval_time": "70m",
                "exp_samples": [{"labels": "{}", "value": 1}],
            }
        )
    assert tests, "no panel with several queries"
    results = ("printed", "failed", "sent", "queued")
    series = [
        {
            "series": f'botox_kiosk_{what}_total{{instance="k1",result="{result}"}}',
            "values": "0+1x70",
        }
        for what in ("prints", "emails")
        for result in results
    ] + [
        {"series": f'botox_kiosk_outbox_{what}{{instance="k1"}}', "values": "1x70"}
        for what in ("queued", "failed", "quarantined")
    ]
    unit = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": tests}],
    }
    (tmp_path / "panels.test.yml").write_text(json.dumps(unit))
    ran = subprocess.run(
        [promtool, "test", "rules", str(tmp_path / "panels.test.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr


IMPORTS_PROBE = """
import sys, threading
seen = []
def hook(event, args):
    if event == "import" and args[0].split(".")[0] in ("prometheus_client", "cryptography"):
        seen.append((args[0], threading.current_thread() is threading.main_thread()))
sys.addaudithook(hook)
from pathlib import Path
from PySide6.QtCore import QTimer
from kiosk import app
window = app.build_window(sys.argv[1])
window.show()
target = Path(sys.argv[2])
def check():
    if target.exists():
        window.quit_kiosk()
timer = QTimer()
timer.timeout.connect(check)
timer.start(20)
app.application().exec()
print(sorted(set(seen)))
"""


def test_the_metrics_load_nothing_on_the_gui_thread(metrics_config: Path, tmp_path: Path) -> None:
    """prometheus_client (65 ms to import) loads on the metrics worker, never on the GUI
    thread, and the kiosk process never loads cryptography for the outbox's counts."""
    target = metrics_config.parent / "metrics" / "kiosk.prom"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "d")}
    env["XDG_STATE_HOME"] = str(tmp_path / "s")
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, str(metrics_config), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    seen = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    loaded = [on_gui for name, on_gui in seen if name.startswith("prometheus_client.")]
    assert loaded and not any(loaded), seen  # it was loaded, and not by the GUI thread
    assert not any(name.startswith("cryptography") for name, _ in seen), seen
