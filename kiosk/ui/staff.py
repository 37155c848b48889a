"""Staff access: holding the top-left corner (see ``kiosk.ui.taps``) or a key chord opens
a PIN pad; the PIN opens the panel.

The panel resets the session, checks the printer and the mail, shows the outbox and today's
anonymous counters, reloads the settings and the content (between sessions), and leaves
kiosk mode or quits; the two that end the kiosk's normal
service look different and ask once more. Its results are sentences for a receptionist.
Staff text is English: it is not shown to patients, and the content packs hold only what
patients see.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import math
import re
import threading
from collections.abc import Callable
from typing import ClassVar, NamedTuple

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from kiosk.core.staff import Attempt, Outcome, PinLock
from kiosk.ui import theme
from kiosk.ui.taps import TapFilter
from kiosk.ui.widgets import Overlay, button, label

log = logging.getLogger("kiosk.staff")

CHORD = "Ctrl+Alt+S"
#: The pad and the panel close after this long without a tap: never left to a patient.
STAFF_IDLE_MS = 60_000
#: An armed "Tap again to …" goes back to its plain words after this long.
DISARM_MS = 5_000


class StaffAccess(NamedTuple):
    """What ``install`` puts on the window."""

    pad: PinPad
    panel: StaffPanel


class PinPad(Overlay):
    """Digits, never shown: dots only. Five wrong PINs lock it for five minutes, and a
    restart does not lift the lock (``PinLock`` with a store). A stored PIN the pad cannot
    use (an older version's hash; too short for a fullscreen kiosk) is said plainly, with
    how to set a new one."""

    accepted = Signal()
    #: Each OK tap's outcome is on the pad (the panel open, or the message says why not).
    checked = Signal()
    #: From the worker thread: (generation, right, or the ValueError's words).
    _verified = Signal(int, object)

    def __init__(self, parent: QWidget, stored: Callable[[], str], lock: PinLock) -> None:
        super().__init__(parent, "staff_pin_pad")
        self._stored = stored
        self.lock = lock
        self._digits = ""
        #: Bumped when the pad opens or closes: a check that ends after that is counted
        #: (the lockout) but opens nothing.
        self._generation = 0
        self._checking = False
        self._verified.connect(self._on_verified)
        self.body.addWidget(label("Staff PIN", "title", center=True))
        self.dots = label("", "title", name="staff_pin_dots", center=True)
        self.body.addWidget(self.dots)
        self.message = label("", "body", name="staff_pin_message", center=True)
        self.body.addWidget(self.message)
        grid = QGridLayout()
        grid.setSpacing(14)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]
        for i, key in enumerate(keys):
            text = {"clear": "Clear", "ok": "OK"}.get(key, key)
            btn = button(text, "ok" if key == "ok" else "", name=f"staff_pin_{key}")
            btn.setMinimumSize(120, 96)
            btn.clicked.connect(functools.partial(self._on_key, key))
            grid.addWidget(btn, i // 3, i % 3)
        self.body.addLayout(grid)
        cancel = button("Back to the kiosk", name="staff_pin_cancel")
        cancel.clicked.connect(self.close_pad)
        self.body.addWidget(cancel)

    def open_pad(self) -> None:
        log.info("staff PIN pad opened")
        self._generation += 1
        self._digits = ""
        self._show_dots()
        locked = self.lock.locked_for()
        self.message.setText(f"Locked: try again in {math.ceil(locked)} s." if locked else "")
        self.setStyleSheet(theme.staff_style_sheet())
        self.cover()

    @Slot()
    def close_pad(self) -> None:
        self._generation += 1
        self._digits = ""
        self._show_dots()
        self.hide()

    def _show_dots(self) -> None:
        self.dots.setText("●" * len(self._digits) or " ")

    def _on_key(self, key: str, *_: object) -> None:
        if key == "clear":
            self._digits = ""
        elif key == "ok":
            self._check()
            return
        elif len(self._digits) < 12:
            self._digits += key
        self._show_dots()

    def _check(self) -> None:
        """The hash is slow on purpose (about 0.3 s): it runs on a worker thread (argon2
        releases the GIL), so the screen keeps painting; a second OK meanwhile is ignored."""
        if self._checking:
            return
        pin, self._digits = self._digits, ""
        self._show_dots()
        locked = self.lock.refused()
        if locked is not None:
            self._show(locked)
            return
        try:
            stored = self._stored()
        except (OSError, ValueError):  # ValueError: not text (UnicodeDecodeError)
            log.error("staff PIN file missing or unreadable")
            self._say("No staff PIN is set on this kiosk (botox-kiosk set-staff-pin).")
            return
        self._checking = True
        self.message.setText("Checking…")
        generation = self._generation
        threading.Thread(
            target=self._verify, args=(generation, pin, stored), name="staff-pin", daemon=True
        ).start()

    def _verify(self, generation: int, pin: str, stored: str) -> None:  # on the worker
        try:
            outcome: bool | str = self.lock.check(pin, stored)
        except ValueError as exc:  # plain words that never hold the PIN (kiosk.core.staff)
            outcome = str(exc)
        with contextlib.suppress(RuntimeError):  # the pad is gone (the kiosk quit meanwhile)
            self._verified.emit(generation, outcome)

    @Slot(int, object)
    def _on_verified(self, generation: int, outcome: bool | str) -> None:
        self._checking = False
        if isinstance(outcome, str):
            log.error("staff PIN cannot be used: %s", outcome)
            self._say(f"The staff PIN cannot be used: {outcome}.")
            return
        attempt = self.lock.record(outcome)
        if generation != self._generation:  # closed meanwhile: counted, nothing opens
            self.checked.emit()
            return
        self._show(attempt)

    def _show(self, attempt: Attempt) -> None:
        if attempt.outcome is Outcome.OK:
            log.info("staff panel opened")
            self.message.setText("")
            self.hide()
            self.accepted.emit()
        elif attempt.outcome is Outcome.LOCKED:
            log.warning("staff PIN pad locked")
            self.message.setText(f"Locked: try again in {math.ceil(attempt.locked_s)} s.")
        else:
            log.info("wrong staff PIN")
            self.message.setText(f"Wrong PIN. {attempt.failures_left} tries left.")
        self.checked.emit()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.checked.emit()


class StaffPanel(Overlay):
    """What front-desk staff need, without a keyboard or a terminal."""

    #: Actions that end the kiosk's normal service, shown apart and confirmed by a second
    #: tap: object name -> (its words, its words once armed).
    DESTRUCTIVE: ClassVar[dict[str, tuple[str, str]]] = {
        "staff_leave": ("Leave kiosk mode", "Tap again to leave kiosk mode"),
        "staff_quit": ("Quit the kiosk", "Tap again to quit the kiosk"),
    }

    def __init__(
        self, parent: QWidget, actions: StaffActions, hold_taps: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__(parent, "staff_panel")
        self.staff_actions = actions
        self._hold_taps = hold_taps
        self._disarm_timer = QTimer(self)
        self._disarm_timer.setSingleShot(True)
        self._disarm_timer.setInterval(DISARM_MS)
        self._disarm_timer.timeout.connect(self._disarm)
        self.body.addWidget(label("Staff", "title"))
        self.info = label("", "body", name="staff_info")
        self.body.addWidget(self.info)
        self.result = label("", "body", name="staff_result")
        self.body.addWidget(self.result)
        self._grid = QGridLayout()
        self._grid.setSpacing(14)
        items: list[tuple[str, str, Callable[[], None]]] = [
            ("staff_back", "Back to the kiosk", actions.back),
            ("staff_reset", "Reset the session now", self._do(actions.reset)),
            ("staff_print_test", "Print a test page", self._do(actions.print_test)),
            ("staff_email_test", "Send a test email", self._do(actions.email_test)),
            ("staff_flush", "Send queued emails now", self._do(actions.flush_outbox)),
            ("staff_export", "Export today's counts", self._do(actions.export_counts)),
            ("staff_reload", "Reload settings and content", self._do(actions.reload)),
        ]
        self._buttons: list[QPushButton] = []
        for name, text, slot in items:
            btn = button(text, name=name)
            btn.clicked.connect(slot)
            self._buttons.append(btn)
        self._armed: str | None = None
        self._danger: dict[str, QPushButton] = {}
        for name, slot in [
            ("staff_leave", self._do(actions.leave_kiosk_mode)),
            ("staff_quit", actions.quit),
        ]:
            btn = button(self.DESTRUCTIVE[name][0], "danger", name=name)
            btn.clicked.connect(functools.partial(self._confirm, name, slot))
            self._danger[name] = btn
        self.body.addLayout(self._grid)
        self.danger_title = label("Stop the kiosk (asks once more)", "small")
        self.body.addWidget(self.danger_title)
        self._danger_row = QGridLayout()
        self._danger_row.setSpacing(14)
        self.body.addLayout(self._danger_row)
        self.set_columns(2)
        actions.reported.connect(self.result.setText)

    def set_columns(self, columns: int) -> None:
        """Two columns in landscape, one in portrait, where a button's words need the width."""
        rows = ((self._grid, self._buttons), (self._danger_row, list(self._danger.values())))
        for grid, buttons in rows:
            for btn in buttons:
                grid.removeWidget(btn)
            for i, btn in enumerate(buttons):
                grid.addWidget(btn, i // columns, i % columns)

    def _confirm(self, name: str, action: Callable[[], None], *_: object) -> None:
        """The first tap arms the button (its words change), the second carries it out."""
        if self._armed != name:
            self._disarm()
            self._armed = name
            armed = self.DESTRUCTIVE[name][1]
            self._danger[name].setText(armed)
            self._danger[name].setAccessibleName(armed)
            self._hold_taps()  # a double tap arms it, and does not also carry it out
            self._disarm_timer.start()
            return
        self._disarm()
        action()
        self.refresh()

    def _disarm(self) -> None:
        self._disarm_timer.stop()
        self._armed = None
        for name, btn in self._danger.items():
            btn.setText(self.DESTRUCTIVE[name][0])
            btn.setAccessibleName(self.DESTRUCTIVE[name][0])

    def _do(self, action: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            self._disarm()
            action()
            self.refresh()

        return run

    def open_panel(self) -> None:
        self.result.setText("")
        self._disarm()
        parent = self.parentWidget()
        self.set_columns(2 if parent is None or parent.width() >= parent.height() else 1)
        self.refresh()
        self.setStyleSheet(theme.staff_style_sheet())
        self.cover()

    def refresh(self) -> None:
        self.info.setText(self.staff_actions.summary())


class StaffActions(QObject):
    """The panel's actions, given by the composition root (services stay out of widgets)."""

    reported = Signal(str)

    def __init__(
        self,
        *,
        reset: Callable[[], None],
        print_test: Callable[[], None],
        email_test: Callable[[], None],
        flush_outbox: Callable[[], None],
        export_counts: Callable[[], None],
        leave_kiosk_mode: Callable[[], None],
        quit: Callable[[], None],
        summary: Callable[[], str],
        back: Callable[[], None],
        reload: Callable[[], None],
    ) -> None:
        super().__init__()
        self.back, self.reload = back, reload
        self.reset, self.print_test, self.email_test = reset, print_test, email_test
        self.flush_outbox, self.export_counts = flush_outbox, export_counts
        self.leave_kiosk_mode, self.quit, self.summary = leave_kiosk_mode, quit, summary


def install(
    window: QWidget,
    taps: TapFilter,
    stored: Callable[[], str],
    actions: StaffActions,
    lock: PinLock | None = None,
) -> StaffAccess:
    """The pad and the panel on ``window``, opened by holding the corner or the key chord."""
    pad = PinPad(window, stored, lock or PinLock())
    panel = StaffPanel(window, actions, taps.hold_taps)
    pad.accepted.connect(panel.open_panel)
    taps.corner_held.connect(pad.open_pad)
    # Left open, the pad and the panel close by themselves (the panel as "Back to the
    # kiosk" does, restoring kiosk mode): the next patient never finds them.
    alone = QTimer(window)
    alone.setObjectName("staff_idle")
    alone.setSingleShot(True)
    alone.setInterval(STAFF_IDLE_MS)

    def close_both() -> None:
        if panel.isVisible():
            log.info("staff panel closed: no tap for %d s", STAFF_IDLE_MS // 1000)
            actions.back()
        pad.close_pad()

    alone.timeout.connect(close_both)

    def watch() -> None:
        if pad.isVisible() or panel.isVisible():
            alone.start()
        else:
            alone.stop()

    pad.shown.connect(watch)
    panel.shown.connect(watch)
    taps.activity.connect(watch)
    for staff_only in (pad, panel):  # English, so left to right in every patient language
        staff_only.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    chord = QShortcut(QKeySequence(CHORD), window)
    chord.activated.connect(pad.open_pad)
    return StaffAccess(pad, panel)


def failure_sentence(what: str, detail: str) -> str:
    """``what`` and the reason a child check gave, as one sentence for the receptionist."""
    reason = re.sub(r"^[a-z-]+: (failed: )?", "", detail.strip()).rstrip(".")
    return f"{what}: {reason}." if reason else f"{what}."


def summary_text(version: str, outbox: str, counts: str, printer: str) -> str:
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"botox-kiosk {version} · {now}\nPrinter: {printer}\nOutbox: {outbox}\nToday: {counts}"
