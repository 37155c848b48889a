"""The kiosk's metrics, as a Prometheus text file for node_exporter's textfile collector.

``Recorder`` keeps what happened since the process started, in plain numbers, under a
lock: the UI thread reports events to it (a dictionary increment, no import, no I/O), and
the metrics worker (``kiosk.services.ops``) turns a snapshot of it into the text format
with ``prometheus_client`` and writes the file. Every name starts with ``botox_kiosk_``.

No personal data, by construction: every label value comes from a fixed vocabulary (the
kiosk's language codes, the screen ids, the outcomes and results named below, the printer
states); anything else is dropped, and the dropped value is never logged.

The file is 0640, not 0600 like every other file the kiosk writes: node_exporter runs as
another user and reads it through the folder's group (docs/files-at-rest.md). It is written
atomically (``kiosk.services.files.atomic_write``: a temporary file in the same folder,
fsynced, chmod, then renamed); ``prometheus_client.write_to_textfile`` does the same rename
but leaves the mode to the umask and does not fsync.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kiosk import lazy
from kiosk.core.counters import OUTCOMES, SCREENS, Outcome
from kiosk.core.jobs import JobEvent, Kind, Reason
from kiosk.services.files import atomic_write

if TYPE_CHECKING:  # 65 ms: on the metrics worker's first write, never on the UI thread
    import prometheus_client
    from prometheus_client import core as prometheus_core
    from prometheus_client.metrics_core import Metric
else:
    prometheus_client = lazy.load("prometheus_client")
    prometheus_core = lazy.load("prometheus_client.core")

PREFIX = "botox_kiosk_"
#: The file's mode: group-readable for node_exporter, never world-readable.
FILE_MODE = 0o640

PRINT_RESULTS = ("printed", "failed", "cancelled")
EMAIL_RESULTS = ("sent", "queued", "failed", "cancelled")
PRINTER_STATES = ("idle", "printing", "stopped", "missing", "unknown")
RELOAD_WHATS = ("config", "content")
RELOAD_RESULTS = ("ok", "refused")


class PackInfo(NamedTuple):
    """What the metrics say of one content pack: its version and its sign-off date."""

    version: str
    reviewed_on: dt.date | None


class OutboxCounts(NamedTuple):
    queued: int
    failed: int
    quarantined: int
    oldest_age_s: float


@dataclass
class Snapshot:
    """The recorder's numbers at one moment (a copy: the worker reads it unlocked)."""

    started_at: float
    version: str
    packs: dict[str, PackInfo]
    started: Counter[str] = field(default_factory=Counter)
    finished: Counter[tuple[str, str]] = field(default_factory=Counter)
    abandoned: Counter[str] = field(default_factory=Counter)
    prints: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)
    reloads: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: int = 0
    last_error_at: float | None = None
    outbox: OutboxCounts | None = None
    printer: tuple[str, bool] | None = None  # (state, accepting)
    signature_valid: bool | None = None
    signature_refused: bool = False
    last_refused_at: float | None = None
    session: bool = False


@dataclass(frozen=True)
class _Sessions:
    """What the patients' sessions did, as one minute's write showed it."""

    started: Counter[str] = field(default_factory=Counter)
    finished: Counter[tuple[str, str]] = field(default_factory=Counter)
    abandoned: Counter[str] = field(default_factory=Counter)
    prints: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)
    session: bool = False


class Recorder:
    """The events of this kiosk process, counted: the visit's anonymous counters port
    (``kiosk.core.visit.CountersPort``), the job results, the outbox and printer states,
    errors and the reloads. Every method is cheap and thread-safe, and never raises.

    What a patient's session does (a start, a finish, an abandon, a copy, an email) is
    written with the next minute's file, never at once: a file written seconds after a
    session began would time it, for anyone scraping it every 15 s, to the second, and set
    against the appointment book that could say who was at the kiosk (the log is timed to
    the minute for the same reason, docs/files-at-rest.md). The kiosk's own state (printer,
    errors, reloads, the signature) is written within a second (``kiosk.services.ops``): an
    alert should not wait a minute. Such a write shows the sessions as the last minute's
    write did (``snapshot(minute=False)``): a printer stopping mid-session must not publish
    that session early.
    """

    def __init__(
        self,
        version: str,
        packs: Mapping[str, PackInfo],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._languages: Collection[str] = frozenset(packs)
        self._lock = threading.Lock()
        self._s = Snapshot(started_at=clock(), version=version, packs=dict(packs))
        self._language = ""  # the language the session in hand started in
        self._shown = _Sessions()  # the patients' sessions as the last minute's write showed
        #: Called (on the reporting thread) after each event: the writer's throttle.
        self.on_change: Callable[[], None] = lambda: None

    def snapshot(self, *, minute: bool = True) -> Snapshot:
        """A copy of the numbers. ``minute``: for the minute's write, whose patients'
        sessions (started, finished, abandoned, copies, emails, ``session_active``) are as
        they are now, and become what the writes in between show; else (a write after a
        change of the kiosk's state) those are as the last minute's write showed them."""
        with self._lock:
            s = self._s
            if minute:
                self._shown = _Sessions(
                    Counter(s.started),
                    Counter(s.finished),
                    Counter(s.abandoned),
                    Counter(s.prints),
                    Counter(s.emails),
                    s.session,
                )
            shown = self._shown
            return Snapshot(
                started_at=s.started_at,
                version=s.version,
                packs=dict(s.packs),
                started=Counter(shown.started),
                finished=Counter(shown.finished),
                abandoned=Counter(shown.abandoned),
                prints=Counter(shown.prints),
                emails=Counter(shown.emails),
                reloads=Counter(s.reloads),
                errors=s.errors,
                last_error_at=s.last_error_at,
                outbox=s.outbox,
                printer=s.printer,
                signature_valid=s.signature_valid,
                signature_refused=s.signature_refused,
                last_refused_at=s.last_refused_at,
                session=shown.session,
            )

    def _update(self, change: Callable[[Snapshot], None], *, event: bool = True) -> None:
        """Apply ``change``; ``event``: the kiosk's state changed, write soon."""
        with self._lock:
            change(self._s)
        if event:
            self.on_change()

    # -- the visit's counters port ---------------------------------------------------------

    def started(self, language: str) -> None:
        if language not in self._languages:
            return
        self._language = language

        def change(s: Snapshot) -> None:
            s.started[language] += 1
            s.session = True

        self._update(change, event=False)

    def finished(self, outcome: Outcome) -> None:
        language = self._language
        if outcome not in OUTCOMES or not language:
            return

        def change(s: Snapshot) -> None:
            s.finished[language, outcome] += 1

        self._update(change, event=False)

    def abandoned(self, at_screen: str) -> None:
        if at_screen not in SCREENS:
            return

        def change(s: Snapshot) -> None:
            s.abandoned[at_screen] += 1

        self._update(change, event=False)

    def printed(self) -> None:
        """A copy came out (the visit reports it, whoever's session it was)."""
        self._update(lambda s: s.prints.update(["printed"]), event=False)

    def session_over(self) -> None:
        """The start screen is back: no session in hand (for the service's status)."""
        self._language = ""

        def change(s: Snapshot) -> None:
            s.session = False

        self._update(change, event=False)

    # -- jobs, the outbox, the printer ---------------------------------------------------

    def print_event(self, _job: int, event: JobEvent) -> None:
        """A print job's answer: its failure counts here (a copy printed comes through
        ``printed``)."""
        if event.kind is Kind.FAILED:
            result = "cancelled" if event.reason is Reason.CANCELLED else "failed"
            self._update(lambda s: s.prints.update([result]), event=False)

    def email_event(self, _job: int, event: JobEvent) -> None:
        """An email job's last word: sent, queued in the outbox (a retry follows), failed."""
        result = {Kind.SENT: "sent", Kind.RETRYING: "queued", Kind.FAILED: "failed"}.get(event.kind)
        if result == "failed" and event.reason is Reason.CANCELLED:
            result = "cancelled"
        if result is not None:
            self._update(lambda s: s.emails.update([result]), event=False)

    def outbox(self, counts: OutboxCounts | None) -> None:
        """The outbox as read just before a write (so not an event that asks for one);
        None: email off, or the outbox could not be read (no series)."""

        def change(s: Snapshot) -> None:
            s.outbox = counts

        self._update(change, event=False)

    def printer(self, state: str | None, accepting: bool = False) -> None:
        """The printer's state as checked (None: no printer to check, its series go): a
        write follows only when it changed (it is asked at each session's start and
        summary: those answers must not time a session)."""
        if state is not None and state not in PRINTER_STATES:
            state = "unknown"
        printer = None if state is None else (state, accepting)
        with self._lock:
            if self._s.printer == printer:
                return
            self._s.printer = printer
        self.on_change()

    def error(self) -> None:
        """Something was logged as an error (its text is not kept)."""
        now = self._clock()

        def change(s: Snapshot) -> None:
            s.errors += 1
            s.last_error_at = now

        self._update(change)

    # -- reloads and signed content (wired by the reload and signing work) ----------------

    def reload(self, what: str, ok: bool) -> None:
        """A reload of the config or the content (``what``), taken or refused."""
        if what not in RELOAD_WHATS:
            return
        result = "ok" if ok else "refused"
        now = self._clock()

        def change(s: Snapshot) -> None:
            s.reloads[what, result] += 1
            if not ok:
                s.last_refused_at = now

        self._update(change)

    def content_signature(self, valid: bool | None) -> None:
        """Whether the content pack in use carries a valid signature (None: no
        ``[content] public_key``, nothing to say: no series)."""

        def change(s: Snapshot) -> None:
            s.signature_valid = valid

        self._update(change)

    def signature_refused(self, refused: bool) -> None:
        """Whether the last reload was refused because the content on disk is not as
        signed (the pack in use, signed, stays: ``content_signature`` does not change);
        a reload that takes clears it."""

        def change(s: Snapshot) -> None:
            s.signature_refused = refused

        self._update(change)

    def content(self, packs: Mapping[str, PackInfo]) -> None:
        """The packs now in use (after a reload of the content)."""
        self._languages = frozenset(packs)

        def change(s: Snapshot) -> None:
            s.packs = dict(packs)

        self._update(change)

    # -- the service's status ----------------------------------------------------------

    def status_line(self) -> str:
        """For systemd's ``STATUS=``: the kiosk's state in a few words, no patient data."""
        with self._lock:
            s = self._s
            parts = ["session in progress" if s.session else "ready"]
            if s.printer is not None:
                state, accepting = s.printer
                if state in ("stopped", "missing"):
                    parts.append(f"printer {state}")
                elif not accepting:
                    parts.append("printer not accepting jobs")
            if s.outbox is not None and s.outbox.queued:
                parts.append(f"outbox {s.outbox.queued} queued")
        return ", ".join(parts)


def _families(s: Snapshot, now: float, up: bool) -> Iterator[Metric]:
    """The snapshot as metric families (``prometheus_client.core``)."""
    CounterMetricFamily = prometheus_core.CounterMetricFamily
    GaugeMetricFamily = prometheus_core.GaugeMetricFamily
    InfoMetricFamily = prometheus_core.InfoMetricFamily

    def gauge(name: str, doc: str, value: float) -> Metric:
        return GaugeMetricFamily(PREFIX + name, doc, value=value)

    yield gauge("up", "1 while the kiosk runs (0 written as it stops).", 1 if up else 0)
    yield gauge("start_time_seconds", "When this kiosk process started (unix time).", s.started_at)
    yield gauge("last_write_timestamp_seconds", "When this file was written (unix time).", now)
    yield InfoMetricFamily(PREFIX + "build", "The kiosk's version.", value={"version": s.version})
    content = InfoMetricFamily(PREFIX + "content", "Each content pack in use.", labels=["language"])
    reviewed = GaugeMetricFamily(
        PREFIX + "content_reviewed_timestamp_seconds",
        "The date the clinician signed off each pack (unix time, midnight UTC).",
        labels=["language"],
    )
    for code, pack in sorted(s.packs.items()):
        content.add_metric(
            [code],
            {
                "version": pack.version,
                "reviewed_on": pack.reviewed_on.isoformat() if pack.reviewed_on else "",
            },
        )
        if pack.reviewed_on is not None:
            midnight = dt.datetime.combine(pack.reviewed_on, dt.time(), dt.UTC)
            reviewed.add_metric([code], midnight.timestamp())
    yield content
    yield reviewed

    def counter(name: str, doc: str, labels: list[str], counts: Mapping[object, int]) -> Metric:
        family = CounterMetricFamily(PREFIX + name, doc, labels=labels)
        for key, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
            family.add_metric(list(key) if isinstance(key, tuple) else [str(key)], n)
        return family

    languages = sorted(s.packs)
    yield counter(
        "sessions_started",
        "Sessions started, by the language they started in.",
        ["language"],
        {code: s.started[code] for code in languages},
    )
    yield counter(
        "sessions_finished",
        "Sessions finished, by language and what the patient took away.",
        ["language", "took"],
        {(c, o): s.finished[c, o] for c in languages for o in OUTCOMES},
    )
    yield counter(
        "sessions_abandoned",
        "Sessions that ended unfinished (idle timeout, staff reset), by the screen shown.",
        ["screen"],
        {screen: s.abandoned[screen] for screen in SCREENS},
    )
    yield counter(
        "prints",
        "Print jobs: copies printed, jobs failed or cancelled.",
        ["result"],
        {r: s.prints[r] for r in PRINT_RESULTS},
    )
    yield counter(
        "emails",
        "Email jobs: sent, queued in the outbox, failed or cancelled.",
        ["result"],
        {r: s.emails[r] for r in EMAIL_RESULTS},
    )
    yield counter(
        "reloads",
        "Reloads of the config or the content, taken (ok) or refused.",
        ["what", "result"],
        {(w, r): s.reloads[w, r] for w in RELOAD_WHATS for r in RELOAD_RESULTS},
    )
    yield CounterMetricFamily(
        PREFIX + "errors", "Errors logged (their text stays in the log).", value=s.errors
    )
    if s.last_error_at is not None:
        yield gauge(
            "last_error_timestamp_seconds", "When an error was last logged.", s.last_error_at
        )
    if s.outbox is not None:
        box = s.outbox
        yield gauge("outbox_queued", "Emails waiting in the outbox.", box.queued)
        yield gauge("outbox_failed", "Emails the outbox gave up on.", box.failed)
        yield gauge("outbox_quarantined", "Outbox entries that could not be read.", box.quarantined)
        yield gauge(
            "outbox_oldest_age_seconds",
            "Age of the oldest queued email (0 when none is queued).",
            box.oldest_age_s,
        )
    if s.printer is not None:
        state, accepting = s.printer
        states = GaugeMetricFamily(
            PREFIX + "printer_state",
            "The printer's state as last checked (1 for the current one).",
            labels=["state"],
        )
        for name in PRINTER_STATES:
            states.add_metric([name], 1 if name == state else 0)
        yield states
        yield gauge("printer_accepting", "1 when the printer's queue accepts jobs.", accepting)
    if s.last_refused_at is not None:
        yield gauge(
            "last_reload_refused_timestamp_seconds",
            "When a reload was last refused (unix time).",
            s.last_refused_at,
        )
    if s.signature_valid is not None:
        valid = s.signature_valid
        yield gauge("content_signature_valid", "1 when the content in use is signed.", valid)
    yield gauge(
        "content_signature_refused",
        "1 when the last reload was refused: the content on disk is not as signed.",
        s.signature_refused,
    )
    yield gauge("session_active", "1 while a patient's session is in hand.", s.session)


def render(snapshot: Snapshot, now: float, *, up: bool = True) -> bytes:
    """The Prometheus text format of ``snapshot`` (``up`` 0 for the file left at the end)."""

    class Collector(prometheus_client.registry.Collector):
        def collect(self) -> Iterator[Metric]:
            return _families(snapshot, now, up)

    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(Collector())
    return prometheus_client.generate_latest(registry)


def write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, 0640 (node_exporter reads it)."""
    atomic_write(path, data, mode=FILE_MODE)
