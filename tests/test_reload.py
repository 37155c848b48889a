"""Reload without restart (issue 15): SIGHUP and the staff panel's button read the config and
the content again between sessions; a bad one is refused and the old kept ("a kiosk sent
SIGHUP with [a pack changed by one byte after signing] keeps the old pack")."""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk import app, runtime
from kiosk.core import reload, signing
from kiosk.core.errors import Problem
from kiosk.core.flow import Screen
from kiosk.core.jobs import PRINT_JOB, JobEvent, Kind, Reason, SummaryRequest
from kiosk.core.reload import ReloadCounts
from kiosk.services import jobs

from . import helpers
from .helpers import DEMO_CLINIC, KIOSK_PIN, REPO

OLD_TITLE = "Find out what happens at your Botox visit"
NEW_TITLE = "Your visit, step by step"


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "content.key", tmp_path / "content.pub"
    private_pem, public_pem = signing.generate_keys()
    private.write_bytes(private_pem)
    public.write_bytes(public_pem)
    return private, public


def sign(folder: Path, private: Path) -> None:
    data, _count = signing.sign(folder, signing.load_private_key(private))
    (folder / signing.SIGNATURE_FILE).write_bytes(data)


def retitle(folder: Path, title: str, version: str | None = None) -> None:
    """The English start screen's title (and the pack's version) changed in the pack."""
    path = folder / "en" / "content.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(f'title = "{OLD_TITLE}"', f'title = "{title}"', 1)
    if version is not None:
        text = text.replace('version = "', f'version = "{version}', 1)
    path.write_text(text, encoding="utf-8")


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def config(write_config: Callable[..., Path], content_copy: Path, keys: tuple[Path, Path]) -> Path:
    """A windowed kiosk (its staff PIN is the conftest's) on a signed copy of the packs."""
    sign(content_copy, keys[0])
    return write_config(clinic_config("Test Clinic", content_copy, keys[1]))


def clinic_config(name: str, content: Path, public_key: Path, extra: str = "") -> str:
    body = DEMO_CLINIC.replace('"Test Clinic"', f'"{name}"')
    return (
        body
        + '[kiosk]\nfullscreen = false\nlanguages = ["en"]\n'
        + extra
        + f'[content]\ndir = "{content}"\npublic_key = "{public_key}"\n'
    )


@pytest.fixture
def sighup_reloads(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """This process's SIGHUP reloads the window under test, as the kiosk's own does."""
    before = signal.getsignal(signal.SIGHUP)
    yield
    signal.signal(signal.SIGHUP, before)


def title(window) -> str:  # type: ignore[no-untyped-def]
    return str(window.findChild(QLabel, "attract_title").text())


def sighup(qtbot, window, expect: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    runtime.reload_on_signal(lambda: window.ctx.request_reload("SIGHUP"))
    os.kill(os.getpid(), signal.SIGHUP)
    qtbot.waitUntil(expect, timeout=10_000)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sighup_keeps_the_old_pack_when_the_new_one_is_altered_and_takes_a_good_one(  # type: ignore[no-untyped-def]
    qtbot, config: Path, content_copy: Path, keys: tuple[Path, Path], sighup_reloads, caplog
) -> None:
    window = helpers.open_kiosk(qtbot, config)
    assert title(window) == OLD_TITLE
    counts = window.ctx.reloads.counts
    retitle(content_copy, NEW_TITLE)  # changed after signing: refused
    with caplog.at_level(logging.INFO, logger="kiosk.app"):
        sighup(qtbot, window, lambda: counts[("content", "refused")] == 1)
    (line,) = [r.getMessage() for r in caplog.records if "reload refused" in r.getMessage()]
    assert line == (
        "reload refused (SIGHUP), kept the config and content in use "
        f"(en {window.ctx.pack.version}): "
        f'{config}: content.public_key: {content_copy}: "en/content.toml" was changed after '
        "signing"
    )
    assert title(window) == OLD_TITLE  # the old pack, still on show
    assert window.ctx.pack.t("attract.title") == OLD_TITLE
    assert window.ctx.reloads.last_refusal.endswith('"en/content.toml" was changed after signing')
    sign(content_copy, keys[0])  # now signed: taken
    sighup(qtbot, window, lambda: counts[("content", "ok")] == 1)
    assert title(window) == NEW_TITLE
    assert counts == {("content", "refused"): 1, ("content", "ok"): 1, ("config", "ok"): 1}
    window.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sighup_in_a_session_waits_until_it_ends(  # type: ignore[no-untyped-def]
    qtbot,
    write_config,
    config: Path,
    content_copy: Path,
    keys: tuple[Path, Path],
    sighup_reloads,
    caplog,
) -> None:
    """Nothing changes under a patient: a new clinic name and new words wait for the end of
    the session (here: staff reset it), then come before the next patient."""
    window = helpers.open_kiosk(qtbot, config)
    helpers.tap(window, helpers.shown(window, "nav_start"))
    assert window.ctx.visit.step is Screen.PRIVACY
    retitle(content_copy, NEW_TITLE)
    sign(content_copy, keys[0])
    write_config(clinic_config("Renamed Clinic", content_copy, keys[1]))
    waiting = window.ctx.reloads
    with caplog.at_level(logging.INFO, logger="kiosk.app"):
        sighup(qtbot, window, lambda: "it waits for the session" in caplog.text)
    assert "reload asked (SIGHUP): it waits for the session in progress to end" in caplog.text
    assert not waiting.counts and window.ctx.visit.step is Screen.PRIVACY
    assert window.findChild(QLabel, "clinic_name").text() == "Test Clinic"
    window.ctx.visit.next()
    assert window.ctx.visit.step is not Screen.ATTRACT
    window.reset_session()  # the staff panel's reset: the session ends
    qtbot.waitUntil(lambda: waiting.counts[("content", "ok")] == 1, timeout=10_000)
    assert window.findChild(QLabel, "clinic_name").text() == "Renamed Clinic"
    assert window.windowTitle() == "Renamed Clinic"
    assert title(window) == NEW_TITLE
    window.taps.clock.advance(helpers.LATER)
    helpers.tap(window, helpers.shown(window, "nav_start"))  # the next patient
    assert window.ctx.visit.step is Screen.PRIVACY
    window.close()


def test_the_staff_panel_reloads_and_says_how_it_went(  # type: ignore[no-untyped-def]
    qtbot, write_config, config: Path, content_copy: Path, keys: tuple[Path, Path]
) -> None:
    """Through the window: the chord, the PIN, then the button; a refusal first (a setting
    out of range), then a good config whose name, timeouts and languages follow."""
    window = helpers.open_kiosk(qtbot, config)
    chord = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(window, Qt.Key.Key_S, chord)
    for digit in KIOSK_PIN:
        helpers.tap(window, helpers.shown(window, f"staff_pin_{digit}"))
    with qtbot.waitSignal(window.staff.pad.checked, timeout=10_000):
        helpers.tap(window, helpers.shown(window, "staff_pin_ok"))
    result = window.findChild(QLabel, "staff_result")
    bad = write_config(clinic_config("Test Clinic", content_copy, keys[1], "idle_timeout_s = 1\n"))
    window.taps.clock.advance(helpers.LATER)
    helpers.tap(window, helpers.shown(window, "staff_reload"))
    assert result.text().startswith("Reload refused at ")
    assert result.text().endswith(f"{bad}: kiosk.idle_timeout_s: must be at least 5, not 1")
    assert window.ctx.reloads.counts == {("config", "refused"): 1}
    info = window.findChild(QLabel, "staff_info").text()
    assert info.startswith("WARNING: Reload refused at "), info
    assert window.findChild(QLabel, "clinic_name").text() == "Test Clinic"
    write_config(
        clinic_config("Renamed Clinic", content_copy, keys[1], "idle_timeout_s = 30\n").replace(
            'languages = ["en"]', 'languages = ["es", "en"]'
        )
    )
    window.taps.clock.advance(helpers.LATER)
    helpers.tap(window, helpers.shown(window, "staff_reload"))
    assert result.text().startswith("Reloaded settings and content at "), result.text()
    assert "Reloaded settings and content at " in window.findChild(QLabel, "staff_info").text()
    assert window.findChild(QLabel, "clinic_name").text() == "Renamed Clinic"
    assert list(window.ctx.packs) == ["es", "en"]
    assert window.ctx.visit.session.language == "es"  # the new first language
    # more than one language: the header's button is there once a patient starts (the start
    # screen, where the header now shows for the accessibility button, has its own)
    assert window.nav_lang.isHidden() and helpers.shown(window, "lang_en")
    window.ctx.visit.start()
    assert not window.nav_lang.isHidden()
    assert window.idle_guard().timeout_ms == 30_000
    assert window.ctx.reloads.counts[("config", "ok")] == 1
    window.close()


class Lines:
    """A child's standard error, read on a thread: wait for a line with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.said: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stderr is not None
        stream = proc.stderr

        def read() -> None:
            for line in stream:
                self._lines.put(line)
            self._lines.put(None)

        threading.Thread(target=read, daemon=True).start()

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail(f"no line with {text!r}; the kiosk said:\n{''.join(self.said)}")
            self.said.append(line)
            if text in line:
                return line


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_kiosk_sent_sighup_with_an_altered_pack_keeps_the_old_one(
    tmp_path: Path, config: Path, content_copy: Path, keys: tuple[Path, Path]
) -> None:
    """The done-when line, on the real process: a pack changed by one byte after signing is
    refused on SIGHUP (the log says so and names the pack versions still in use); a good
    signed pack then loads on the next SIGHUP; SIGTERM still quits."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    env["XDG_DATA_HOME"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--windowed", "--config", str(config)],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = Lines(proc)
        lines.wait_for("kiosk started")  # the signals wake Qt's loop from here on
        old = app.load(config).packs["en"].version
        pack = content_copy / "en" / "content.toml"
        flip_one_byte(pack)
        proc.send_signal(signal.SIGHUP)
        refused = lines.wait_for("reload refused")
        assert f"kept the config and content in use (en {old}): {config}: " in refused
        assert '"en/content.toml" was changed after signing' in refused
        flip_one_byte(pack)  # back as signed, then a new version, signed
        retitle(content_copy, NEW_TITLE, version="9.")
        sign(content_copy, keys[0])
        proc.send_signal(signal.SIGHUP)
        took = lines.wait_for("reloaded (SIGHUP)")
        assert took.rstrip().endswith(f"content en 9.{old}"), took
        proc.terminate()
        lines.wait_for("kiosk stopped")
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in "".join(lines.said)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def test_the_counts_say_what_was_refused_and_tell_a_hook() -> None:
    """The metrics' view: by what and result, the last reason, and a hook told of each."""
    clock = [dt.datetime(2026, 12, 2, 10, 42)]
    counts = ReloadCounts(now=lambda: clock[0])
    heard: list[tuple[str, bool]] = []
    counts.listen(lambda what, ok: heard.append((what, ok)))
    assert counts.outcome() == ""
    config_file = "/etc/botox-kiosk/kiosk.toml"
    in_config = Problem(config_file, "kiosk.idle_timeout_s", "must be at least 5, not 1")
    in_pack = Problem("/srv/content/en/content.toml", "attract.title", "must be set")
    signature = Problem(config_file, "content.public_key", "not signed")
    warning = Problem("/srv/content/en/content.toml", "meta.reviewed_by", "old", warning=True)
    assert reload.about([in_config, in_pack], config_file) == "config"
    assert reload.about([warning, in_pack], config_file) == "content"
    assert reload.about([signature], config_file) == "content"
    counts.refused("content", str(signature))
    assert counts.outcome() == f"Reload refused at 10:42: {signature}"
    clock[0] += dt.timedelta(minutes=5)
    counts.took()
    assert counts.outcome() == "Reloaded settings and content at 10:47."
    assert counts.last_refusal == str(signature)  # kept for the metrics
    assert heard == [("content", False), ("config", True), ("content", True)]
    assert counts.counts == {("content", "refused"): 1, ("config", "ok"): 1, ("content", "ok"): 1}


def test_a_reload_while_the_last_patients_print_runs_neither_freezes_nor_kills_it(  # type: ignore[no-untyped-def]
    qtbot, config: Path, tmp_path: Path
) -> None:
    """A slow printer still busy with the last patient's copy: the reload does not wait for
    it (the start screen stays live), and the copy still comes out and counts."""
    window = helpers.open_kiosk(qtbot, config)
    ctx = window.ctx
    paper = tmp_path / "paper"  # the printer finishes once the test puts paper in
    script = (
        "import os, sys, time\n"
        "while not os.path.exists(sys.argv[1]): time.sleep(0.01)\n"
        f"print({JobEvent(Kind.PRINTED).to_line()!r}, flush=True)\n"
    )
    slow = jobs.SummaryJobs([sys.executable, "-c", script, str(paper)], name="print")
    ctx._printer.clear()
    make_printer, ctx.make_printer = ctx.make_printer, lambda: slow
    heard: list[JobEvent] = []
    slow.reported.connect(lambda _job, event: heard.append(event))
    assert ctx.printer is slow
    # after the reload a new print service is made as the kiosk makes it: the slow one is
    # retired, and deletes itself once its job is done
    ctx.make_printer = make_printer
    slow.submit(SummaryRequest({}))
    counters = ctx.visit.counters
    assert counters is not None
    printed = counters.day()["print_jobs"]
    with helpers.loop_gaps() as gaps:
        said = ctx.request_reload("SIGHUP")
        qtbot.waitUntil(lambda: len(gaps) >= 3, timeout=5_000)
    assert said.startswith("Reloaded settings and content at "), said
    assert max(gaps) < 5_000, f"the event loop stood still {max(gaps):.0f} ms"
    assert slow.busy() and slow in ctx._retired  # kept, not killed
    paper.touch()
    qtbot.waitUntil(lambda: bool(heard) and heard[-1].final, timeout=10_000)
    assert heard[-1].kind is Kind.PRINTED, heard
    qtbot.waitUntil(lambda: not ctx._retired, timeout=5_000)  # then let go
    assert ctx.visit.counters.day()["print_jobs"] == printed + 1
    window.close()


@pytest.mark.allow_errors("reading the config and content failed")  # with its traceback
def test_any_failure_of_a_reload_is_a_counted_refusal(  # type: ignore[no-untyped-def]
    qtbot, config: Path, content_copy: Path, monkeypatch, caplog
) -> None:
    """A reload that fails in a way no check foresaw (here: the reading itself breaks) is
    refused like a bad config: counted, logged, told to staff, the old words kept. A config
    file gone is refused in one line."""
    window = helpers.open_kiosk(qtbot, config)

    def broken(_path: Path) -> app.Loaded:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(app, "load", broken)
    with caplog.at_level(logging.INFO, logger="kiosk.app"):
        said = window.ctx.request_reload("staff panel")
    assert said.startswith("Reload refused at "), said
    assert said.endswith(
        f"{config}: reload: failed: RecursionError: maximum recursion depth exceeded"
    )
    assert window.ctx.reloads.counts == {("config", "refused"): 1}
    assert "reload refused (staff panel), kept the config and content in use" in caplog.text
    assert title(window) == OLD_TITLE
    monkeypatch.undo()
    config.unlink()
    said = window.ctx.request_reload("SIGHUP")
    assert said.startswith("Reload refused at ") and "\n" not in said, said
    assert window.ctx.reloads.counts == {("config", "refused"): 2}
    assert title(window) == OLD_TITLE
    window.close()


def test_a_language_chosen_on_the_start_screen_survives_a_reload(  # type: ignore[no-untyped-def]
    qtbot, write_config, content_copy: Path, keys: tuple[Path, Path]
) -> None:
    """The patient taps Español, then a reload runs: still Spanish while the new config
    offers it (the screens too); once it no longer does, the new default."""
    sign(content_copy, keys[0])
    both = clinic_config("Test Clinic", content_copy, keys[1]).replace(
        'languages = ["en"]', 'languages = ["en", "es"]'
    )
    config = write_config(both)
    window = helpers.open_kiosk(qtbot, config)
    window.on_language("es")  # the language chooser's answer
    spanish = shown_title(window)
    assert spanish == window.ctx.packs["es"].t("attract.title") != OLD_TITLE
    window.ctx.request_reload("SIGHUP")
    assert window.ctx.visit.session.language == "es"
    assert shown_title(window) == spanish
    write_config(both.replace('languages = ["en", "es"]', 'languages = ["en", "ar"]'))
    window.ctx.request_reload("SIGHUP")
    assert window.ctx.visit.session.language == "en"
    assert shown_title(window) == OLD_TITLE
    window.close()


def shown_title(window) -> str:  # type: ignore[no-untyped-def]
    """The start screen's title on show (a rebuilt screen's old one may await deletion)."""
    titles = [w for w in window.findChildren(QLabel, "attract_title") if w.isVisible()]
    assert len(titles) == 1, titles
    return str(titles[0].text())


def test_a_print_job_refuses_files_changed_since_the_kiosk_loaded_them(  # type: ignore[no-untyped-def]
    tmp_path: Path, write_config, content_copy: Path, keys: tuple[Path, Path]
) -> None:
    """A reload waits for the session to end, but the jobs read the files themselves: a
    config changed mid-session must not put other clinic details (or words) on the
    patient's print. The job is told what the kiosk loaded and refuses plainly."""
    sign(content_copy, keys[0])
    pdfs = tmp_path / "pdfs"
    body = clinic_config("Test Clinic", content_copy, keys[1]) + f'[print]\noutput_dir = "{pdfs}"\n'
    config = write_config(body)
    loaded = app.load(config)
    command = app.Services(loaded)._job_command(PRINT_JOB)
    assert command[-2:] == ["--expect", loaded.fingerprint]
    request = SummaryRequest({"language": "en"}).encode().decode("utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}

    def job() -> tuple[int, JobEvent | None]:
        done = subprocess.run(
            command, cwd=REPO, env=env, input=request, capture_output=True, text=True, timeout=60
        )
        assert "Traceback" not in done.stderr, done.stderr
        lines = done.stdout.strip().splitlines()
        return done.returncode, JobEvent.from_line(lines[-1]) if lines else None

    code, event = job()
    assert code == 0 and event is not None and event.kind is Kind.PRINTED, event
    assert len(list(pdfs.iterdir())) == 1
    write_config(body.replace('"Test Clinic"', '"Renamed Clinic"'))  # a reload waits
    code, event = job()
    assert code == 2 and event is not None, event
    assert (event.kind, event.reason) == (Kind.FAILED, Reason.SETTINGS)
    assert event.detail.startswith("the config or content on disk changed since the kiosk")
    assert len(list(pdfs.iterdir())) == 1  # nothing printed with the new name
    assert app.load(config).fingerprint != loaded.fingerprint


def test_a_reload_retimes_the_outbox_and_says_what_needs_a_restart(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, write_config, content_copy: Path, keys: tuple[Path, Path]
) -> None:
    """All the email settings follow a reload, the outbox rounds' timeout too; a change of
    ``[kiosk] fullscreen`` or ``[ops] metrics_file`` is taken at the next restart, and staff
    are told so."""
    sign(content_copy, keys[0])
    base = clinic_config("Test Clinic", content_copy, keys[1]) + (
        'reviewed_by = "Dr A. Test"\nreviewed_on = 2026-11-30\n'
        f'[email]\nenabled = true\nsender = "kiosk@example.org"\neml_dir = "{tmp_path / "eml"}"\n'
    )
    config = write_config(base + "timeout_s = 10\n")
    window = helpers.open_kiosk(qtbot, config)
    qtbot.waitUntil(lambda: window.findChild(jobs.ChildJobs, "outbox_rounds") is not None)
    rounds = window.findChild(jobs.ChildJobs, "outbox_rounds")
    assert rounds.timeout_ms == (10 * 8 + 30) * 1000 * 4
    write_config((base + "timeout_s = 20\n").replace("fullscreen = false", "fullscreen = true"))
    said = window.ctx.request_reload("staff panel")
    assert said.startswith("Reloaded settings and content at "), said
    assert said.endswith(
        " [kiosk] fullscreen = true needs a restart of the kiosk to take effect."
    ), said
    assert window.findChild(jobs.ChildJobs, "outbox_rounds") is rounds
    assert rounds.timeout_ms == (20 * 8 + 30) * 1000 * 4
    assert not window.kiosk_mode  # as started
    metrics = tmp_path / "kiosk.prom"
    write_config(base + f'timeout_s = 20\n[ops]\nmetrics_file = "{metrics}"\n')
    said = window.ctx.request_reload("staff panel")  # the metrics writer is set up at start
    assert said.endswith(
        f' [ops] metrics_file = "{metrics}" needs a restart of the kiosk to take effect.'
    ), said
    write_config(base + "timeout_s = 20\n")
    again = window.ctx.request_reload("staff panel")  # back as started: nothing to restart
    assert again.startswith("Reloaded settings and content at ") and again.endswith("."), again
    assert "restart" not in again
    window.close()
