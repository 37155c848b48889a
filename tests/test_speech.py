"""Read aloud (issue 14): the real engine speaks a sentence to its end in English and Spanish,
``botox-kiosk speech-test`` as a process, the kiosk's voice in its child process, and the page
reader on the real pages (what it reads, in what order, what it never reads, when it stops).

The engine is speech-dispatcher with espeak-ng, started by ``scripts/start-speech`` (CI runs
it; it writes to ALSA's null device, so a machine with no sound card hears the sentence end).
Without it these tests skip, unless ``KIOSK_REQUIRE_SPEECH=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QProcess, Qt, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk.services import speech
from kiosk.services.jobs import child_command
from kiosk.ui import reader, timeline
from kiosk.ui.taps import KEY_GUARD_MS
from kiosk.ui.widgets import ChoiceButton

from .helpers import DEMO_CLINIC, LATER, REPO, loop_gaps, open_kiosk, shown, tap, touch_tap, walk_to

REQUIRED = os.environ.get("KIOSK_REQUIRE_SPEECH") == "1"
#: Where scripts/start-speech's speech-dispatcher listens, read before the tests give each
#: test a run-time folder of its own (conftest): the engine is asked there.
SPEECHD_ADDRESS = os.environ.get("SPEECHD_ADDRESS") or "unix_socket:" + str(
    Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".cache")
    / "speech-dispatcher"
    / "speechd.sock"
)
THREE = DEMO_CLINIC + '[kiosk]\nlanguages = ["en", "es", "ar"]\n'
EMAIL_TO_FOLDER = '[email]\nenabled = true\neml_dir = "eml"\nsender = "kiosk@example.com"\n'
SPEAK_TIMEOUT_MS = 20_000
LONG_TEXT = "This sentence is one of many, read for as long as nobody stops it. " * 200


def no_engine(why: str) -> None:
    """Skip, or fail where speech is required (CI)."""
    if REQUIRED:
        pytest.fail(f"KIOSK_REQUIRE_SPEECH=1 but {why}")
    pytest.skip(why)


def speech_server_running() -> bool:
    path = SPEECHD_ADDRESS.removeprefix("unix_socket:")
    return sys.platform != "linux" or Path(path).is_socket()


@pytest.fixture
def speechd(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's server, asked where scripts/start-speech started it."""
    if not speech_server_running():
        no_engine(f"no speech-dispatcher at {SPEECHD_ADDRESS}: run scripts/start-speech")
    monkeypatch.setenv("SPEECHD_ADDRESS", SPEECHD_ADDRESS)


@pytest.fixture(scope="module")
def engine(qapp) -> Iterator[speech.Engine]:  # type: ignore[no-untyped-def]
    """One real engine for the module (opening speech-dispatcher's takes about 2 s)."""
    if not speech_server_running():
        no_engine(f"no speech-dispatcher at {SPEECHD_ADDRESS}: run scripts/start-speech")
    before = os.environ.get("SPEECHD_ADDRESS")
    os.environ["SPEECHD_ADDRESS"] = SPEECHD_ADDRESS
    try:
        opened = speech.Engine()
    finally:
        if before is None:
            del os.environ["SPEECHD_ADDRESS"]
        else:
            os.environ["SPEECHD_ADDRESS"] = before
    if opened.problem is not None:
        no_engine(opened.problem)
    yield opened
    opened.stop()


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        ("en", "Please tap Next when you are ready."),
        ("es-MX", "Toque Siguiente cuando esté listo."),
    ],
)
def test_the_engine_speaks_a_sentence_to_its_end(qtbot, engine, code, sentence) -> None:  # type: ignore[no-untyped-def]
    """QTextToSpeech's own state goes to Speaking and back to Ready, in the language asked
    (es-MX: a Spanish voice)."""
    assert engine.choose(code), engine.languages()
    assert engine.tts is not None
    assert engine.tts.locale().name().startswith(code[:2] + "_")
    states = engine.tts.State
    seen: list[object] = []
    engine.tts.stateChanged.connect(seen.append)
    try:
        with qtbot.waitSignal(
            engine.tts.stateChanged,
            timeout=SPEAK_TIMEOUT_MS,
            check_params_cb=lambda state: state == states.Ready,
        ):
            engine.say(sentence)
    finally:
        engine.tts.stateChanged.disconnect(seen.append)
    assert seen[0] == states.Speaking and seen[-1] == states.Ready, seen
    assert states.Error not in seen


def test_the_engine_has_no_voice_for_a_language_it_lacks(engine) -> None:  # type: ignore[no-untyped-def]
    assert {"en", "es"} <= set(engine.languages())
    assert not engine.choose("tlh")


def test_the_kiosk_voice_speaks_from_its_child_process(qtbot, speechd, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The kiosk's Speaker: the child answers with its languages, then a sentence goes
    speaking and back; a language with no voice says so and does not hang; Stop right after
    a long text is heard at once and for good."""
    config = tmp_path / "kiosk.toml"
    config.write_text(THREE, encoding="utf-8")
    voice = speech.Speaker(child_command(speech.HOST_COMMAND, config), volume=0.5)
    try:
        with qtbot.waitSignal(voice.availability_changed, timeout=SPEAK_TIMEOUT_MS):
            voice.start()
        if not voice.available:
            no_engine(voice.problem)
        assert voice.has_voice("es") and voice.has_voice("en-GB")
        assert voice.has_voice("tlh") is False
        heard: list[bool] = []
        voice.speaking_changed.connect(heard.append)
        with qtbot.waitSignal(
            voice.speaking_changed, timeout=SPEAK_TIMEOUT_MS, check_params_cb=lambda on: not on
        ):
            voice.say("Hola. Esta es una prueba.", "es")
        assert heard == [True, False]
        # Stop at once after a long text: not speaking, and no late "speaking" of the text
        # just stopped turns the bar back to Stop.
        voice.say(LONG_TEXT, "en")
        voice.stop()
        assert not voice.speaking
        qtbot.wait(600)  # the child's late events for the stopped text arrive in this window
        assert heard == [True, False] and not voice.speaking
    finally:
        voice.shutdown()


def test_a_kiosk_without_its_engine_says_so_and_goes_on(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The speech child cannot open the engine: it says why and ends; the voice is then
    unavailable (the bar says so) and saying anything does nothing."""
    config = tmp_path / "kiosk.toml"
    config.write_text(THREE + '[speech]\nengine = "nonesuch"\n', encoding="utf-8")
    voice = speech.Speaker(child_command(speech.HOST_COMMAND, config), volume=0.5)
    try:
        with qtbot.waitSignal(voice.availability_changed, timeout=SPEAK_TIMEOUT_MS):
            voice.say("Hello.", "en")
        assert voice.available is False and voice.has_voice("en") is False
        assert "no text-to-speech engine 'nonesuch'" in voice.problem
        voice.say("Hello again.", "en")  # no new child, no error
        assert not voice.speaking
    finally:
        voice.shutdown()


def run_speech_test(*args: str, config: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SPEECHD_ADDRESS": SPEECHD_ADDRESS}
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "speech-test", *args, "--config", str(config)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_speech_test_command(speechd, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """As a process: speaks English (in the voice the config names) and Spanish (exit 0);
    a language the engine has no voice for is one plain line and exit 1 (Qt's test engine,
    `mock`, has no Spanish); a language the kiosk does not offer is exit 2. All four at
    once: each opens an engine."""
    real = tmp_path / "real.toml"
    real.write_text(THREE + '[speech]\nvoices = { en = "English (America)" }\n', encoding="utf-8")
    mock = tmp_path / "mock.toml"
    mock.write_text(THREE + '[speech]\nengine = "mock"\n', encoding="utf-8")
    runs = {
        "en": run_speech_test("--lang", "en", config=real),
        "es": run_speech_test("--lang", "es", config=real),
        "no voice": run_speech_test("--lang", "es", config=mock),
        "not offered": run_speech_test("--lang", "fr", config=real),
    }
    done = {name: (p.wait(60), *p.communicate()) for name, p in runs.items()}
    for code in ("en", "es"):
        status, out, err = done[code]
        assert status == 0, err
        assert f"spoke {code}" in out
    assert done["en"][1].strip().endswith("voice English (America)")  # the clinic's choice
    status, out, err = done["no voice"]
    assert (status, out) == (1, "")
    assert err.splitlines() == ["speech-test: the mock engine has no voice for es"]
    status, out, err = done["not offered"]
    assert status == 2 and "Traceback" not in err
    assert err.splitlines() == ["speech-test: --lang fr: not a language of this kiosk (en, es, ar)"]


# --- the page reader, with a voice that only listens ---------------------------------------


class FakeVoice(QObject):
    """The Speech port, keeping what it was asked to say."""

    speaking_changed = Signal(bool)
    availability_changed = Signal()

    def __init__(self, volume: float) -> None:
        super().__init__()
        self.available: bool | None = True
        self.volume = volume
        self.speaking = False
        self.said: list[tuple[str, str]] = []
        self.stops = 0

    def set_volume(self, volume: float) -> None:
        self.volume = volume

    def has_voice(self, language: str) -> bool | None:
        return self.available

    def start(self) -> None:
        pass

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))
        self._set(True)

    def stop(self) -> None:
        self.stops += 1
        self._set(False)

    def _set(self, on: bool) -> None:
        if on != self.speaking:
            self.speaking = on
            self.speaking_changed.emit(on)

    def shutdown(self) -> None:
        pass


@pytest.fixture
def kiosk(qtbot, tmp_path):  # type: ignore[no-untyped-def]
    config = tmp_path / "kiosk.toml"
    config.write_text(
        THREE + "[speech]\nvolume = 0.6\n" + EMAIL_TO_FOLDER,
        encoding="utf-8",
    )
    window = open_kiosk(qtbot, config)
    voice = FakeVoice(window.ctx.config.speech.volume)
    window.ctx.make_speaker = lambda: voice
    window.ctx.visit.start()
    window.read_aloud.set_enabled(True)
    window.voice = voice
    yield window
    window.close()


def texts_on_show(window) -> list[str]:  # type: ignore[no-untyped-def]
    r = window.read_aloud
    return reader.page_texts(window.stack.currentWidget(), r.words(), r.private())


def later_tap(window, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    window.taps.clock.advance(LATER)
    tap(window, widget)


def test_the_bar_shows_in_the_header_with_names_in_the_patients_language(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    bar = kiosk.read_aloud.bar
    assert bar.isVisible() and kiosk.header.isAncestorOf(bar)
    for control in (bar.read, bar.softer, bar.louder):
        assert control.accessibleName() and control.accessibleDescription()
    assert bar.read.text() == "Read this page"
    kiosk.on_language("es")
    assert kiosk.read_aloud.bar.read.text() == "Leer esta página"
    assert bar.louder.accessibleDescription() == "Sube el volumen de la voz."
    kiosk.read_aloud.set_enabled(False)
    assert not bar.isVisible()


def test_read_this_page_reads_headings_text_and_choices_with_their_state(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "areas")
    frown = shown(kiosk, "area_frown_lines")
    assert isinstance(frown, ChoiceButton)
    later_tap(kiosk, frown)  # through the window: it chooses, and says so
    assert frown.isChecked()
    qtbot.waitUntil(lambda: bool(kiosk.voice.said))
    assert kiosk.voice.said[-1][0].startswith("Frown lines") and kiosk.voice.said[-1][0].endswith(
        "Chosen"
    )
    bar = kiosk.read_aloud.bar
    assert bar.read.text() == "Stop"  # while it speaks, the same button stops it
    later_tap(kiosk, bar.read)
    assert not kiosk.voice.speaking and bar.read.text() == "Read this page"
    later_tap(kiosk, bar.read)
    text, language = kiosk.voice.said[-1]
    assert language == "en"
    title = kiosk.ctx.pack.t("consultation.map_title")
    assert "Frown lines, The '11' lines between your eyebrows, Chosen." in text
    assert "Crow's feet, Lines at the outer corners of your eyes, Not chosen." in text
    assert text.index("Forehead lines") < text.index("Frown lines") < text.index("Neck bands")
    assert text.startswith(f"Areas. {title}")  # where the patient is: the header's section
    assert text.endswith("Back. Next.")  # the footer's buttons last
    assert "AreaTarget" not in text and text.count("Frown lines") == 1  # not the face's twins
    assert kiosk.ctx.pack.t("a11y.choice") not in text  # not a screen reader's description
    walk_to(kiosk, "timeline")  # a painted chart: its bars' words are read
    said = texts_on_show(kiosk)
    lanes = kiosk.stack.currentWidget().findChildren(timeline.Lane)
    shown_lanes = [lane for lane in lanes if lane.isVisible()]
    assert shown_lanes and all(lane.accessibleName() in said for lane in shown_lanes)


def test_what_is_hidden_is_never_read(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "areas")
    page_texts = texts_on_show(kiosk)
    other = kiosk.ctx.pack.t("privacy.title")
    assert not any(other in t for t in page_texts)  # another page
    some_label = next(
        w
        for w in kiosk.stack.currentWidget().findChildren(QLabel)
        if w.isVisible() and w.text() in page_texts
    )
    some_label.hide()
    assert some_label.text() not in texts_on_show(kiosk)


def type_an_address(kiosk) -> str:  # type: ignore[no-untyped-def]
    """On the summary's email form: an address typed and consent given; the address."""
    address = "ana.ruiz@example.com"
    walk_to(kiosk, "summary")
    later_tap(kiosk, shown(kiosk, "summary_email"))
    shown(kiosk, "email_address").setText(address)
    later_tap(kiosk, shown(kiosk, "email_consent"))
    return address


def test_the_typed_email_address_is_read_only_when_asked(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    address = type_an_address(kiosk)
    field = shown(kiosk, "email_address")
    said = " ".join(texts_on_show(kiosk))
    assert address not in said and field.accessibleName() in said
    later_tap(kiosk, field)  # the patient asks: the field says what is in it
    qtbot.waitUntil(lambda: address in kiosk.voice.said[-1][0])
    later_tap(kiosk, shown(kiosk, "email_send"))
    confirm = shown(kiosk, "email_confirm_address")  # the address shown back, large
    said = " ".join(texts_on_show(kiosk))
    assert address not in said and "your email address" in said
    later_tap(kiosk, confirm)
    assert address in kiosk.voice.said[-1][0]


def test_a_tap_on_a_text_says_it(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "consultation")
    body = next(
        w
        for w in kiosk.stack.currentWidget().findChildren(QLabel)
        if w.isVisible() and len(w.text()) > 40
    )
    later_tap(kiosk, body)
    assert kiosk.voice.said == [(body.text(), "en")]
    kiosk.taps.clock.advance(LATER)
    touch_tap(kiosk, body)  # a finger: Qt makes the mouse events, heard once
    assert kiosk.voice.said == [(body.text(), "en")] * 2


def test_speech_stops_on_a_page_change_and_at_the_idle_warning(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "consultation")
    kiosk.read_aloud.read_page()
    assert kiosk.voice.speaking
    kiosk.ctx.visit.next()
    assert not kiosk.voice.speaking
    kiosk.read_aloud.read_page()
    kiosk.idle_guard().overlay.cover()
    assert not kiosk.voice.speaking


def test_volume_and_read_aloud_reset_when_the_session_ends(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "privacy")
    bar = kiosk.read_aloud.bar
    for _ in range(3):
        later_tap(kiosk, bar.softer)
    assert kiosk.voice.volume == pytest.approx(0.3)  # the clinic's 0.6, three steps down
    assert kiosk.voice.said[-1] == ("Volume 3 of 10", "en")
    kiosk.ctx.visit.walked_away()
    assert kiosk.voice.volume == pytest.approx(0.6)  # the clinic's
    assert not kiosk.read_aloud.enabled and not bar.isVisible()
    assert not kiosk.voice.speaking


def test_stop_right_after_say_stops_the_engine(qtbot, engine) -> None:  # type: ignore[no-untyped-def]
    """A stop while the sentence is still on its way to the server (the engine still Ready):
    the engine is Ready again at once and stays so, instead of speaking it all."""
    assert engine.choose("en") and engine.tts is not None
    states = engine.tts.State
    seen: list[object] = []
    engine.tts.stateChanged.connect(seen.append)
    try:
        engine.say(LONG_TEXT)
        engine.stop()
        qtbot.wait(600)  # the window it must be quiet again in (it takes ~40 ms here)
    finally:
        engine.tts.stateChanged.disconnect(seen.append)
        engine.stop()
    assert engine.tts.state() == states.Ready and (not seen or seen[-1] == states.Ready), seen


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def hung_server(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A speech server that takes the connection and never answers."""
    path = tmp_path / "hung.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    held: list[socket.socket] = []

    def accept() -> None:
        try:
            while True:
                held.append(server.accept()[0])
        except OSError:  # closed: the test is over
            pass

    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{path}")
    yield
    server.close()
    for conn in held:
        conn.close()


def test_a_hung_speech_server_times_out_and_never_blocks_the_screen(
    qtbot, tmp_path, hung_server
) -> None:  # type: ignore[no-untyped-def]
    """The child hangs opening the engine: after the open timeout the voice is unavailable
    with the real reason, the child is ended without the event loop waiting for it, and
    read aloud turned on again tries anew."""
    config = tmp_path / "kiosk.toml"
    config.write_text(THREE, encoding="utf-8")
    voice = speech.Speaker(
        child_command(speech.HOST_COMMAND, config), volume=0.5, open_timeout_s=1.0
    )
    with qtbot.waitSignal(voice.availability_changed, timeout=SPEAK_TIMEOUT_MS):
        voice.say("Hello.", "en")
    assert voice.available is False
    assert voice.problem.startswith("the speech engine did not open within 1 s")
    voice.start()  # read aloud on again: a new child, which hangs too
    assert voice._proc is not None
    qtbot.waitUntil(lambda: voice._proc.state() == QProcess.ProcessState.Running)
    pid = voice._proc.processId()
    with loop_gaps() as gaps:
        voice.shutdown()
        qtbot.waitUntil(lambda: not alive(pid), timeout=5000)
    assert max(gaps) < 100, max(gaps)  # the old shutdown waited 2 s for it, then killed it


def test_a_child_that_fails_to_start_leaves_nothing_behind(qtbot) -> None:  # type: ignore[no-untyped-def]
    voice = speech.Speaker(["/nonexistent/botox-kiosk", "speech-host"], volume=0.5)
    for _ in range(3):
        with qtbot.waitSignal(voice.availability_changed, timeout=5000):
            voice.start()
        assert voice.available is False and "could not start" in voice.problem
    qtbot.waitUntil(lambda: not voice.findChildren(QProcess))


def test_the_wipe_ends_the_speech_child_and_read_aloud_starts_a_new_one(
    qtbot, speechd, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """What was read lives in the child's memory: the session's wipe ends it (the kiosk
    does not wait for it), and turning read aloud on again starts another."""
    config = tmp_path / "kiosk.toml"
    config.write_text(THREE, encoding="utf-8")
    window = open_kiosk(qtbot, config)
    try:
        window.ctx.visit.start()
        voice = window.ctx.speaker
        window.read_aloud.set_enabled(True)
        window.read_aloud.read_page()  # sent to the child (spoken once its engine is open)
        qtbot.waitUntil(lambda: voice._proc.state() == QProcess.ProcessState.Running)
        pid = voice._proc.processId()
        with loop_gaps() as gaps:
            window.ctx.visit.walked_away()
            qtbot.waitUntil(lambda: not alive(pid), timeout=5000)
        assert max(gaps) < 100, max(gaps)
        assert not window.read_aloud.enabled
        window.ctx.visit.start()
        window.read_aloud.set_enabled(True)
        qtbot.waitUntil(lambda: voice._proc.state() == QProcess.ProcessState.Running)
        assert voice._proc.processId() != pid
    finally:
        window.close()


def test_the_bar_says_read_aloud_is_not_working_when_the_engine_failed(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    bar = kiosk.read_aloud.bar
    kiosk.voice.available = False
    kiosk.voice.availability_changed.emit()
    assert bar.unavailable.isVisible() and not bar.read.isEnabled()
    assert bar.unavailable.text() == kiosk.ctx.pack.t("read_aloud.not_working")


def test_after_a_reload_the_bar_follows_the_new_voice(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A reload drops the voice (``UiContext.replace``); read aloud turned on after it
    listens to the new one: the bar says Stop while it speaks, and Stop stops it."""
    config = tmp_path / "kiosk.toml"
    config.write_text(THREE, encoding="utf-8")
    window = open_kiosk(qtbot, config)
    voices: list[FakeVoice] = []

    def make() -> FakeVoice:
        voices.append(FakeVoice(0.8))
        return voices[-1]

    window.ctx.make_speaker = make
    try:
        window.read_aloud.set_enabled(True)
        window.reload(window.ctx.config, window.ctx.packs)  # what the Reloader does
        window.read_aloud.set_enabled(True)  # the next patient turns it on
        assert len(voices) == 2
        window.read_aloud.read_page()
        assert voices[1].said and voices[1].speaking
        assert window.read_aloud.bar.read.text() == "Stop"
        window.read_aloud.bar.read.click()
        assert not voices[1].speaking and window.read_aloud.bar.read.text() == "Read this page"
    finally:
        window.close()


# --- what is read besides taps: the page's place, overlays, keys, the start screen ----------


def test_a_questions_page_reads_its_place_and_never_the_screen_readers_descriptions(
    qtbot, kiosk
) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "health_1")
    kiosk.read_aloud.read_page()
    text = kiosk.voice.said[-1][0]
    assert text.startswith("Your health. Page 1 of ")  # the header's section and step
    a11y = kiosk.ctx.pack.texts["a11y"]
    for key in ("choice", "answer", "button", "page_hint"):
        assert str(a11y[key]) not in text, key
    assert text.endswith("Back. Next.")


def test_a_tap_on_the_face_drawing_says_the_area_and_its_new_state(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "areas")
    face = shown(kiosk, "face_map")
    centre = face.area_rects("frown_lines")[0].center().toPoint()
    kiosk.taps.clock.advance(LATER)
    tap(kiosk, face.mapTo(kiosk, centre))
    assert "frown_lines" in kiosk.ctx.visit.session.areas
    qtbot.waitUntil(lambda: bool(kiosk.voice.said))
    assert kiosk.voice.said[-1] == ("Frown lines, Chosen", "en")


def test_an_overlay_stops_the_page_and_is_read(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    """The languages, the accessibility panel and the idle warning (WCAG 2.2.1: the patient
    must hear it in time): speech stops, then their title, text and first button."""
    walk_to(kiosk, "consultation")
    pack = kiosk.ctx.pack
    kiosk.read_aloud.read_page()
    stops = kiosk.voice.stops
    kiosk.choose_language()
    assert kiosk.voice.stops > stops
    qtbot.waitUntil(lambda: kiosk.voice.said[-1][0].startswith(pack.t("attract.language_prompt")))
    assert kiosk.voice.said[-1][0] == f"{pack.t('attract.language_prompt')}. English, Chosen."
    kiosk.language_chooser.hide()
    kiosk.open_access()
    qtbot.waitUntil(lambda: kiosk.voice.said[-1][0].startswith(pack.t("access.title")))
    kiosk.access_panel.hide()
    guard = kiosk.idle_guard()
    guard.set_timeouts(50, 5000)  # short: the warning comes at once
    guard.on_activity()
    qtbot.waitUntil(lambda: guard.overlay.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: kiosk.voice.said[-1][0].startswith(pack.t("idle.title")))
    said = kiosk.voice.said[-1][0]
    assert pack.t("idle.body", seconds=5) in said and said.endswith(f"{pack.t('idle.carry_on')}.")
    assert pack.t("access.idle_more_time") not in said  # the first button only


def key(window, which) -> None:  # type: ignore[no-untyped-def]
    """A key as a patient presses it: not within the bounce guard of the last change on
    screen (``kiosk.ui.taps.KEY_GUARD_MS``; the kiosk's tap clock is the tests' own)."""
    window.taps.clock.advance(KEY_GUARD_MS)
    QTest.keyClick(window.windowHandle(), which)


def tab_to(window, name: str) -> QWidget:  # type: ignore[no-untyped-def]
    """Press Tab until ``name`` has the focus (the keys go to the active window)."""
    if not window.isActiveWindow():
        window.activateWindow()
        QTest.qWaitForWindowActive(window)
    for _ in range(200):
        key(window, Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        if focus is not None and focus.objectName() == name:
            return focus
    raise AssertionError(f"Tab never reached {name}")


def test_keys_hear_the_control_in_focus_and_a_choices_new_state(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    walk_to(kiosk, "areas")
    crows = tab_to(kiosk, "area_crows_feet")
    assert kiosk.voice.said[-1][0].startswith("Crow's feet") and kiosk.voice.said[-1][0].endswith(
        "Not chosen"
    )
    key(kiosk, Qt.Key.Key_Space)
    assert crows.isChecked()
    qtbot.waitUntil(lambda: kiosk.voice.said[-1][0].endswith(", Chosen"))
    target = tab_to(kiosk, "face_frown_lines")  # the face's own areas, for keys
    assert kiosk.voice.said[-1] == ("Frown lines, Not chosen", "en")
    key(kiosk, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.voice.said[-1] == ("Frown lines, Chosen", "en"))
    assert target.isChecked()


def test_keys_reach_and_hear_the_typed_address_when_the_patient_goes_to_it(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    address = type_an_address(kiosk)
    later_tap(kiosk, shown(kiosk, "email_send"))
    confirm = shown(kiosk, "email_confirm_address")
    tab_to(kiosk, "email_confirm_address")
    assert QApplication.focusWidget() is confirm
    assert address in kiosk.voice.said[-1][0]


def test_the_start_screen_has_the_bar_and_is_read(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "kiosk.toml"
    config.write_text(THREE, encoding="utf-8")
    window = open_kiosk(qtbot, config)
    voice = FakeVoice(0.8)
    window.ctx.make_speaker = lambda: voice
    try:
        assert window.screen_id() == "attract"
        window.read_aloud.set_enabled(True)  # the accessibility panel, on the start screen
        bar = window.read_aloud.bar
        assert bar.isVisible() and bar.read.isEnabled()
        later_tap(window, bar.read)
        pack = window.ctx.pack
        text = voice.said[-1][0]
        assert text.startswith(f"Test Clinic. {pack.t('attract.title')}")
        for words in (pack.t("attract.language_prompt"), "Español", pack.t("attract.start")):
            assert words in text, words
    finally:
        window.close()
