"""Speech: the kiosk reads its pages aloud through QtTextToSpeech (PySide6-Addons).

The engine is the platform's own: speech-dispatcher with espeak-ng on Linux, SAPI or WinRT
on Windows. ``Engine`` is QTextToSpeech with a voice chosen by language; ``botox-kiosk
speech-test`` uses it directly.

The kiosk does not: it talks to an ``Engine`` in a child process (``botox-kiosk
speech-host``) through ``Speaker``. Opening speech-dispatcher's engine lists its 13,000
voices (espeak-ng's variants in every language) and took 1.5 to 2.4 s here, all of it with
Python's GIL held, so even in a thread it froze the screen for as long (measured: a 10 ms
timer of the UI thread waited 1.6 s). A child also keeps a hung speech server from hanging
the kiosk. The page's words go to the child on its standard input, never to disk or a log.

Nothing here loads before the kiosk's first paint: the window makes the reader on first use,
and ``PySide6.QtTextToSpeech`` is imported only where an engine is opened.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QLocale,
    QLoggingCategory,
    QObject,
    QProcess,
    QTimer,
    Signal,
    Slot,
)

from kiosk import lazy
from kiosk.core.content import primary_language

if TYPE_CHECKING:
    from PySide6 import QtTextToSpeech
    from PySide6.QtTextToSpeech import QTextToSpeech
else:
    QtTextToSpeech = lazy.load("PySide6.QtTextToSpeech")

log = logging.getLogger("kiosk.speech")

#: The hidden command the kiosk starts as its speech child.
HOST_COMMAND = "speech-host"
#: The longest wait for one test sentence to be spoken (``speech-test``).
SAY_TIMEOUT_S = 30.0
#: The longest the speech child may take to open its engine (~2 s here, ~8 s on a busy box).
OPEN_TIMEOUT_S = 15.0
#: A child told to end (SIGTERM) and still there this long after is killed.
KILL_AFTER_MS = 2000
#: What the platform plugins are called, for messages (QTextToSpeech.availableEngines()).
INSTALL_HINT = "Linux: install speech-dispatcher and espeak-ng; Windows has SAPI built in"


#: The engine each platform's kiosk speaks with: its plugin must be in the bundle (build.spec
#: keeps it; ``--self-test`` checks it is there).
PLATFORM_ENGINES = {"linux": "speechd", "win32": "sapi", "darwin": "darwin"}


def engine_names() -> list[str]:
    """QtTextToSpeech's engines on this machine (its plugins). Raises ImportError when the
    module does not load."""
    return list(_qt_speech().availableEngines())


def _qt_speech() -> type[QTextToSpeech]:
    """QtTextToSpeech, imported on first use. It links QtMultimedia, which warns on load that
    PipeWire is missing where it is (Debian 12, a container); the engine plays through
    speech-dispatcher, never through QtMultimedia, so that warning is silenced first."""
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false")
    return QtTextToSpeech.QTextToSpeech


class Engine(QObject):
    """QTextToSpeech with a voice chosen by language.

    ``problem`` says why it cannot speak at all (no engine, an engine that failed to start,
    no voices), or is None. ``speaking(bool)`` follows the engine: True when a sentence
    starts, False when it ended or was stopped; ``failed(reason)`` when one could not be
    spoken.
    """

    speaking = Signal(bool)
    failed = Signal(str)

    def __init__(self, name: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.problem: str | None = None
        self.tts: QTextToSpeech | None = None
        self.name = name
        try:
            tts_class = _qt_speech()
        except ImportError as exc:  # e.g. libpulse0 missing: QtMultimedia links it
            self.problem = f"QtTextToSpeech does not load: {exc}"
            return
        self._states = tts_class.State
        engines = tts_class.availableEngines()
        if not [e for e in engines if e != "mock"] and name != "mock":
            self.problem = f"no text-to-speech engine is installed ({INSTALL_HINT})"
            return
        if name and name not in engines:
            self.problem = (
                f"no text-to-speech engine {name!r} (this machine has: {', '.join(engines)})"
            )
            return
        self.tts = tts_class(name, self) if name else tts_class(self)
        self.name = self.tts.engine()
        if self.tts.state() == self._states.Error:
            self.problem = f"the {self.name} engine did not start: {self.tts.errorString()}"
        elif not self.locales():
            self.problem = f"the {self.name} engine has no voices ({INSTALL_HINT})"
        self.tts.stateChanged.connect(self._on_state)
        self.tts.errorOccurred.connect(self._on_error)

    def locales(self) -> list[QLocale]:
        """The engine's languages ("C", a voice of no language, left out)."""
        if self.tts is None:
            return []
        return [loc for loc in self.tts.availableLocales() if loc.language() != QLocale.Language.C]

    def languages(self) -> list[str]:
        """The language parts of the engine's locales ("es" for es_ES and es_419), sorted."""
        return sorted({primary_language(loc.name()) for loc in self.locales()})

    def choose(self, code: str, voices: Mapping[str, str] | None = None) -> bool:
        """Speak ``code``'s language from now on: the voice ``voices`` names for the code or
        its language (the clinic's ``[speech] voices``), else the first voice of the
        engine's locale for the code (es-MX: Mexican Spanish if it has it, else its default
        Spanish, else any). False when the engine has no voice for the language."""
        if self.tts is None:
            return False
        language = primary_language(code)
        same = [loc for loc in self.locales() if primary_language(loc.name()) == language]
        if not same:
            return False
        names = [loc.name() for loc in same]
        for wanted in (QLocale(code.replace("-", "_")).name(), QLocale(language).name()):
            if wanted in names:
                pick = same[names.index(wanted)]
                break
        else:
            pick = same[0]
        named = (voices or {}).get(code) or (voices or {}).get(language)
        for locale in [pick, *(loc for loc in same if loc != pick)] if named else [pick]:
            self.tts.setLocale(locale)
            voice = next((v for v in self.tts.availableVoices() if v.name() == named), None)
            if voice is not None:
                self.tts.setVoice(voice)
                return True
        if named:
            log.warning("no voice named %r for %s: the engine's first", named, code)
            self.tts.setLocale(pick)
        return True

    def voice_name(self) -> str:
        return self.tts.voice().name() if self.tts is not None else ""

    def set_volume(self, volume: float) -> None:
        if self.tts is not None:
            self.tts.setVolume(max(0.0, min(1.0, volume)))

    def say(self, text: str) -> None:
        if self.tts is not None:
            self.tts.say(text)

    def stop(self) -> None:
        """Stop, whatever the state: right after ``say`` it is still Ready while the
        sentence is on its way to the server, and only a cancel keeps it from starting."""
        if self.tts is not None:
            self.tts.stop()

    def say_and_wait(self, text: str, timeout_s: float = SAY_TIMEOUT_S) -> str | None:
        """Speak ``text`` and return once it was spoken (None), or why it was not."""
        loop = QEventLoop()
        outcome: list[str | None] = []

        def on_speaking(on: bool) -> None:
            if not on:
                outcome.append(None)
                loop.quit()

        def on_failed(reason: str) -> None:
            outcome.append(reason)
            loop.quit()

        self.speaking.connect(on_speaking)
        self.failed.connect(on_failed)
        QTimer.singleShot(round(timeout_s * 1000), loop.quit)
        self.say(text)
        if not outcome:
            loop.exec()
        self.speaking.disconnect(on_speaking)
        self.failed.disconnect(on_failed)
        if not outcome:
            return f"the sentence was not spoken within {timeout_s:g} s"
        return outcome[0]

    @Slot(object)
    def _on_state(self, state: object) -> None:
        if state == self._states.Speaking:
            self.speaking.emit(True)
        elif state == self._states.Ready:
            self.speaking.emit(False)

    @Slot(object, str)
    def _on_error(self, _reason: object, text: str) -> None:
        self.failed.emit(text or "the engine failed")


# --- the kiosk's speech child: ``botox-kiosk speech-host`` ---------------------------------
# One JSON object per line each way. In: {"say": TEXT, "language": CODE, "volume": 0.8} or
# {"stop": true}. Out: {"event": "opened", "engine": NAME, "languages": [...]} or
# {"event": "failed", "reason": ...} first, then "speaking", "ready", {"event": "no_voice",
# "language": CODE} and {"event": "error", "reason": ...}. Standard input closed: it exits.


class _Lines(QObject):
    """Standard input's lines, read in a thread and handed to the event loop."""

    line = Signal(str)
    closed = Signal()

    def start(self) -> None:
        threading.Thread(target=self._read, name="speech-stdin", daemon=True).start()

    def _read(self) -> None:
        for raw in sys.stdin:
            self.line.emit(raw)
        self.closed.emit()


def serve(engine_name: str, voices: Mapping[str, str] | None = None) -> int:
    """The speech child's loop; exit 0 when its parent closes its input, 1 when the engine
    cannot speak at all (it said why first)."""
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])

    def tell(**event: Any) -> None:
        print(json.dumps(event), flush=True)

    engine = Engine(engine_name)
    if engine.problem is not None:
        tell(event="failed", reason=engine.problem)
        return 1
    tell(event="opened", engine=engine.name, languages=engine.languages())
    engine.speaking.connect(lambda on: tell(event="speaking" if on else "ready"))
    engine.failed.connect(lambda reason: tell(event="error", reason=reason))

    def handle(raw: str) -> None:
        try:
            order = json.loads(raw)
        except ValueError:
            return
        if not isinstance(order, dict):
            return
        engine.stop()
        text, code = order.get("say"), order.get("language")
        if not isinstance(text, str) or not isinstance(code, str):
            return
        volume = order.get("volume")
        if isinstance(volume, int | float):
            engine.set_volume(float(volume))
        if engine.choose(code, voices):
            engine.say(text)
        else:
            tell(event="no_voice", language=code)

    lines = _Lines()
    lines.line.connect(handle)
    lines.closed.connect(app.quit)
    lines.start()
    app.exec()
    engine.stop()
    return 0


class Speaker(QObject):
    """The kiosk's voice: says a text in a language, at a volume, in the speech child.

    The child starts on first use (``start``); it answers within about two seconds, and a
    text said before that is spoken then. ``speaking_changed(bool)`` follows the engine;
    ``available`` is None until the child answered, then whether it can speak at all.
    """

    speaking_changed = Signal(bool)
    availability_changed = Signal()

    def __init__(
        self,
        command: list[str],
        volume: float,
        parent: QObject | None = None,
        *,
        open_timeout_s: float = OPEN_TIMEOUT_S,
    ) -> None:
        super().__init__(parent)
        self.command = command
        self._volume = volume
        self._proc: QProcess | None = None
        #: A speech server that takes the connection and never answers hangs the child
        #: while it opens the engine: past this, the voice is unavailable.
        self._opening = QTimer(self)
        self._opening.setSingleShot(True)
        self._opening.setInterval(round(open_timeout_s * 1000))
        self._opening.timeout.connect(self._on_open_timeout)
        self._speaking = False
        #: Stopped and nothing said since: the engine's late "speaking" for the sentence
        #: just stopped (it began on its way to the server) is not news.
        self._hushed = True
        self.available: bool | None = None
        self.languages: list[str] = []
        self.problem = ""

    @property
    def volume(self) -> float:
        return self._volume

    @property
    def speaking(self) -> bool:
        return self._speaking

    def set_volume(self, volume: float) -> None:
        """The volume for what is said next (0 to 1 of the system's)."""
        self._volume = max(0.0, min(1.0, volume))

    def has_voice(self, language: str) -> bool | None:
        """Whether the engine speaks ``language`` (None: not known yet)."""
        if self.available is None:
            return None
        return self.available and primary_language(language) in self.languages

    def start(self) -> None:
        """Start the speech child, if it is not running."""
        if self._proc is not None:
            return
        proc = self._proc = QProcess(self)
        proc.setStandardErrorFile(QProcess.nullDevice())  # it says what matters on stdout
        if sys.platform != "win32":
            proc.setUnixProcessParameters(QProcess.UnixProcessFlag.UseVFork)
        proc.readyReadStandardOutput.connect(self._on_output)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        proc.start(self.command[0], self.command[1:])
        self._opening.start()

    def say(self, text: str, language: str) -> None:
        """Stop what is being said and say ``text`` in ``language``."""
        if not text.strip() or self.available is False:
            return
        self.start()
        self._hushed = False
        self._send({"say": text, "language": language, "volume": self._volume})

    def stop(self) -> None:
        """Stop speaking, and drop a text still waiting for the engine to open."""
        if self._proc is not None:
            self._send({"stop": True})
        self._hushed = True
        self._set_speaking(False)

    def shutdown(self) -> None:
        """End the speech child, never waiting for it: what it was given to say goes with
        its memory (the session was wiped, or the kiosk reloads or closes). It is told to
        end (SIGTERM) and killed if it has not after ``KILL_AFTER_MS``; the next ``start``
        starts a new one."""
        proc, self._proc = self._proc, None
        self._opening.stop()
        self._set_speaking(False)
        self._hushed = True
        if self.available:
            self.available = None  # a new child says again what it can
        if proc is None:
            return
        for signal in (proc.readyReadStandardOutput, proc.finished, proc.errorOccurred):
            signal.disconnect()
        # It outlives this voice (a reload drops it), and a QProcess deleted while its
        # process runs waits for it on the event loop's thread: the application keeps it.
        proc.setParent(QCoreApplication.instance())
        proc.finished.connect(proc.deleteLater)
        if proc.state() == QProcess.ProcessState.NotRunning:
            proc.deleteLater()
            return
        proc.terminate()
        QTimer.singleShot(KILL_AFTER_MS, proc, proc.kill)

    def _send(self, order: dict[str, object]) -> None:
        if self._proc is not None:
            self._proc.write((json.dumps(order) + "\n").encode("utf-8"))

    def _set_speaking(self, on: bool) -> None:
        if on != self._speaking:
            self._speaking = on
            self.speaking_changed.emit(on)

    @Slot()
    def _on_output(self) -> None:
        proc = self._proc
        while proc is not None and proc.canReadLine():
            raw = bytes(proc.readLine().data()).decode("utf-8", "replace")
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if isinstance(event, dict):
                self._on_event(event)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind in ("opened", "failed"):
            self._opening.stop()
        if kind == "opened":
            self.available, self.languages = True, list(event.get("languages") or [])
            log.info("%s engine, %d languages", event.get("engine"), len(self.languages))
            self.availability_changed.emit()
        elif kind == "failed":
            self._unavailable(str(event.get("reason", "")))
        elif kind == "speaking":
            self._set_speaking(not self._hushed)
        elif kind == "ready":
            self._set_speaking(False)
        elif kind == "no_voice":
            log.warning("no voice for %s", event.get("language"))
            self._set_speaking(False)
        elif kind == "error":
            log.warning("the engine failed: %s", event.get("reason"))
            self._set_speaking(False)

    def _unavailable(self, reason: str) -> None:
        self.problem = reason or self.problem
        log.warning("cannot speak: %s", self.problem)
        self.available = False
        self._set_speaking(False)
        self.availability_changed.emit()

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.deleteLater()
        if self.available is not False:  # ended without a reason: the next say starts one
            log.warning("the speech child ended (exit code %d)", code)
            self.available = None
            self._set_speaking(False)

    @Slot(QProcess.ProcessError)
    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            proc, self._proc = self._proc, None
            if proc is not None:
                proc.deleteLater()  # each retry would otherwise leave one behind
            self._opening.stop()
            self._unavailable(f"could not start the speech child ({self.command[0]})")

    @Slot()
    def _on_open_timeout(self) -> None:
        """The child did not open its engine in time (a hung speech server): unavailable,
        and the child ends; the next ``start`` (read aloud turned on again) tries anew."""
        seconds = self._opening.interval() / 1000
        self.shutdown()
        self._unavailable(
            f"the speech engine did not open within {seconds:g} s (is the speech server hung?)"
        )
