"""The idle timeout: a walked-away session is wiped and the start screen returns."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QTextBrowser, QWidget

from kiosk.core.flow import Screen
from kiosk.ui.idle import IdleGuard

from .helpers import walk_to

NAME = "Zebedee Quux"
ADDRESS = "zebedee.quux@example.com"


def texts_in(window) -> list[str]:  # type: ignore[no-untyped-def]
    """Every piece of text any widget of the window holds."""
    found = []
    for w in window.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            found.append(w.text())
        if isinstance(w, QTextBrowser):
            found.append(w.toPlainText())
        found.append(w.accessibleName())
        found.append(w.accessibleDescription())
    return found


def watching(guard: IdleGuard) -> bool:
    """Whether the idle timeout is on: its clock (the named "idle_timer") runs or its warning
    shows."""
    clock = guard.findChild(QTimer, "idle_timer")
    assert clock is not None
    return clock.isActive() or guard.overlay.isVisible()


def fill_everything(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.ctx.visit.flow.go(Screen.PRIVACY)
    name_field = window.findChild(QLineEdit, "first_name")
    qtbot.keyClicks(name_field, NAME)
    name_field.selectAll()
    name_field.copy()  # a physical keyboard's Ctrl+C
    assert QGuiApplication.clipboard().text() == NAME
    walk_to(window, "areas")
    window.findChild(QAbstractButton, "area_neck_bands").click()
    walk_to(window, "questions")
    window.findChild(QAbstractButton, "question_risks").click()
    walk_to(window, "summary")
    window.findChild(QAbstractButton, "summary_email").click()
    qtbot.keyClicks(window.findChild(QLineEdit, "email_address"), ADDRESS)
    assert any(NAME in t for t in texts_in(window))
    assert any(ADDRESS in t for t in texts_in(window))


def test_walked_away_session_is_wiped(qtbot, window) -> None:
    fill_everything(qtbot, window)
    guard = window.idle_guard()
    guard.set_timeouts(150, 300)
    guard.on_activity()  # restart with the short times
    qtbot.waitUntil(guard.overlay.isVisible, timeout=2000)
    with qtbot.waitSignal(window.screen_changed, timeout=3000) as changed:
        pass
    assert changed.args == ["attract"]
    assert not guard.overlay.isVisible()
    assert window.ctx.visit.session.to_dict().keys() == {"language", "appointment_date"}
    for text in texts_in(window):
        assert NAME not in text and ADDRESS not in text and "Zebedee" not in text
    for field in window.findChildren(QLineEdit):
        field.undo()
        assert field.text() == ""
    assert "Zebedee" not in QGuiApplication.clipboard().text()
    assert not watching(guard)  # the start screen has no timeout


def test_a_tap_carries_on(qtbot, window) -> None:
    window.ctx.visit.flow.go(Screen.PRIVACY)
    qtbot.keyClicks(window.findChild(QLineEdit, "first_name"), NAME)
    guard = window.idle_guard()
    guard.set_timeouts(100, 5000)
    guard.on_activity()
    qtbot.waitUntil(guard.overlay.isVisible, timeout=2000)
    assert guard.overlay.countdown.text() == (
        "To keep your answers private, they will be deleted in 5 seconds."
    )
    guard.set_timeouts(60_000, 5000)
    qtbot.mouseClick(guard.overlay.carry_on, Qt.MouseButton.LeftButton)
    assert not guard.overlay.isVisible()
    assert window.screen_id() == "privacy"
    assert window.findChild(QLineEdit, "first_name").text() == NAME


def test_any_touch_key_or_wheel_restarts_the_clock(qtbot, window) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window.ctx.visit.flow.go(Screen.PRIVACY)
    field = window.findChild(QLineEdit, "first_name")
    guard = window.idle_guard()
    guard.set_timeouts(60_000, 5000)
    wheel = QWheelEvent(
        QPointF(5, 5),
        QPointF(5, 5),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    for act in (
        lambda: qtbot.mouseClick(field, Qt.MouseButton.LeftButton),
        lambda: qtbot.keyClick(field, Qt.Key.Key_A),
        lambda: QApplication.sendEvent(field, wheel),
    ):
        guard._warn()  # the warning is up ...
        assert guard.overlay.isVisible()
        act()  # ... and any activity puts it away and starts the full wait again
        assert not guard.overlay.isVisible()
        assert guard._idle.isActive() and guard._idle.interval() == 60_000


def test_no_timeout_on_the_start_screen(qtbot, window) -> None:
    guard = window.idle_guard()
    assert window.screen_id() == "attract"
    qtbot.mouseClick(window, Qt.MouseButton.LeftButton)
    assert not watching(guard)
    window.ctx.visit.flow.go(Screen.PRIVACY)
    assert watching(guard)
    window.ctx.visit.flow.reset()
    assert not watching(guard)


def test_the_tap_that_wakes_the_start_screen_only_wakes_it(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.taps is not None)
    wake = window.taps
    start = window.findChild(QAbstractButton, "nav_start")
    wake.sleep_ms = 60_000
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)  # awake: a tap starts
    assert window.screen_id() == "privacy"
    window.ctx.visit.flow.reset()
    wake.sleep_ms = 0  # as if the start screen had been alone for a long time
    with qtbot.waitSignal(wake.woke, timeout=1000):
        qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    assert window.screen_id() == "attract"  # only woken
    wake.sleep_ms = 60_000
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    assert window.screen_id() == "privacy"  # the next tap starts


def test_the_start_screen_runs_no_fast_timer(qtbot, window) -> None:
    from PySide6.QtCore import QTimer

    qtbot.waitUntil(lambda: window.staff is not None)  # everything after the first paint
    window.build_all()
    window.ctx.visit.flow.go(Screen.PRIVACY)
    window.ctx.visit.flow.reset()
    fast = [
        t.objectName() or t.parent().objectName()
        for t in window.findChildren(QTimer)
        if t.isActive() and t.interval() < 1000
    ]
    assert fast == []


def test_walking_away_cancels_a_pending_print(qtbot, window, tmp_path) -> None:
    """A job still holding the walked-away patient's summary is stopped with the session."""
    import os
    import sys

    from kiosk.core.jobs import JobEvent, Kind, Reason
    from kiosk.services.jobs import SummaryJobs

    fifo = tmp_path / "never"
    os.mkfifo(fifo)  # the job blocks on it: a printer that never answers
    script = "import sys; sys.stdin.buffer.read(); open(sys.argv[1]).read()"
    window.ctx.make_printer = lambda: SummaryJobs([sys.executable, "-c", script, str(fifo)])
    walk_to(window, "summary")
    window.findChild(QAbstractButton, "summary_print").click()
    printer = window.ctx.printer
    assert printer.busy()
    with qtbot.waitSignal(printer.reported, timeout=5000) as done:
        window.on_walked_away()
    assert done.args[1:] == [JobEvent(Kind.FAILED, Reason.CANCELLED, "cancelled")]
    assert not printer.busy() and window.screen_id() == "attract"


def test_the_aftercare_dates_go_with_the_session(qtbot, window) -> None:
    """The dated entries reflect the chosen areas: they are emptied with the session, and the
    next patient's are made from theirs (the lanes and labels themselves are reused)."""

    def to_timeline() -> None:
        window.ctx.visit.flow.go(Screen.PRIVACY)
        while window.ctx.visit.step is not Screen.TIMELINE:
            window.ctx.visit.flow.next()

    window.ctx.visit.session.toggle_area("underarm_sweating")
    to_timeline()
    timeline = window.page(Screen.TIMELINE)
    shown = list(timeline.timeline_labels)
    assert shown and timeline.chart.entries
    window.ctx.visit.flow.reset()
    assert timeline.timeline_labels == [] and timeline.chart.entries == ()
    assert not any(label in t for label in shown for t in texts_in(window))
    to_timeline()  # the next patient, with no areas chosen
    assert timeline.timeline_labels == [] and timeline.chart.entries == ()
    assert window.findChild(QLabel, "timeline_note").isVisible()
