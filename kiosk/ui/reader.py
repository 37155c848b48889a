"""Read aloud: the page on show, spoken in the patient's language (issue 14, Section 508).

``PageReader`` collects what the page shows, in reading order (the order of its layouts:
headings, text, choices, each choice with whether it is chosen), and hands it to the kiosk's
voice (``kiosk.ui.ports.Speech``). Only what is on show is read: hidden widgets and the other
pages never are. The email address the patient typed is read only when they ask for it: a
page reading says "your email address" in its place; a tap on the field (or on the address
shown back) reads it.

``ReadAloudBar`` is its controls, a row of the window's header while read aloud is on: "Read this
page" (Stop while speaking), Softer and Louder. With read aloud on, a tap on a text speaks
it; a tap on a button does the button's job first and then says its name and, for a choice,
its new state (so operating the kiosk is never slower with read aloud on; a button that
leads to another page says nothing, and the new page's "Read this page" is there).

The accessibility panel turns it on and off (``set_enabled``). The volume and the switch go
back to the clinic's default when the session is wiped; speech stops on a page change (the
page widget on show changes, a language switch too), on the wipe, and when an overlay (the
idle warning, the staff pad) covers the page.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QTextEdit,
    QWidget,
)

from kiosk.ui import timeline
from kiosk.ui.basics import button
from kiosk.ui.facemap import AreaTarget, FaceMap
from kiosk.ui.progress import SectionBar
from kiosk.ui.widgets import Overlay

if TYPE_CHECKING:
    from kiosk.ui.context import UiContext
    from kiosk.ui.ports import Speech

#: The marks a button's text carries for its state (a tick, a box): the state is said in words.
STATE_MARKS = "✓☐☑ "
#: The overlays a patient opens or meets, read when they open (title, text, first button):
#: the idle warning (it must be heard in time: WCAG 2.2.1), the languages, accessibility.
READ_OVERLAYS = frozenset({"idle_overlay", "language_chooser", "access_panel"})
#: The keys that press the control in focus.
PRESS_KEYS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select})
#: How far a finger may move between press and release for a tap (more is a scroll).
TAP_SLOP_PX = 24
#: One step of Softer / Louder, and the softest the patient can make it (never silent).
VOLUME_STEP = 0.1
VOLUME_MIN = 0.1


def readable(widget: QWidget, words: dict[str, str], *, reveal: bool) -> str | None:
    """What ``widget`` says when read, or None when it is not a thing that is read (a
    container: its children are). ``reveal``: the patient asked for this one (a tap), so a
    field says what was typed in it."""
    said = _said(widget, words, reveal=reveal)
    # Without the invisible marks (break points in an address, direction isolates): the
    # engine has nothing to say for them, and the address is then found to leave out.
    return None if said is None else "".join(c for c in said if unicodedata.category(c) != "Cf")


def _said(widget: QWidget, words: dict[str, str], *, reveal: bool) -> str | None:
    if isinstance(widget, QAbstractButton):
        name = widget.text().lstrip(STATE_MARKS) or widget.accessibleName()
        parts = [name.replace("&", "")]
        detail = widget.accessibleDescription()
        if detail and not widget.text() and _shows(widget, detail):
            parts.append(detail)  # a choice card's detail, under its title
        if widget.isCheckable():
            parts.append(words["selected" if widget.isChecked() else "not_selected"])
        return ", ".join(p for p in parts if p)
    if isinstance(widget, QLineEdit):
        typed = widget.text() if reveal else ""
        return f"{widget.accessibleName()}, {typed or (words['empty'] if reveal else '')}".strip(
            ", "
        )
    if isinstance(widget, timeline.Lane | timeline.Axis):  # painted: its words are its name
        return widget.accessibleName()
    if isinstance(widget, QLabel | QTextEdit):  # a QTextEdit: the summary's preview
        text = (widget.text() if isinstance(widget, QLabel) else widget.toPlainText()).strip()
        return text if any(ch.isalnum() for ch in text) else ""
    return None


def _shows(widget: QWidget, text: str) -> bool:
    """Whether ``widget`` shows ``text`` itself (a choice card's detail): a description
    that only assistive technology gets (``kiosk.ui.names``'s "Choose it, or choose it
    again to undo.") is not on the screen, so it is not read."""
    return any(
        label.text() == text and label.isVisibleTo(widget) for label in widget.findChildren(QLabel)
    )


def _in_layout_order(widget: QWidget) -> list[QWidget]:
    """A widget's children in reading order: its layout's order (which the layout direction
    mirrors on screen, not in meaning), then any child not in the layout (a scroll area's
    viewport)."""
    ordered: list[QWidget] = []

    def walk(layout: QLayout) -> None:
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item is None:
                continue
            child, inner = item.widget(), item.layout()
            if child is not None:
                ordered.append(child)
            elif inner is not None:
                walk(inner)

    layout = widget.layout()
    if layout is not None:
        walk(layout)
    rest = [c for c in widget.children() if isinstance(c, QWidget) and c not in ordered]
    return ordered + rest


def page_texts(
    page: QWidget, words: dict[str, str], private: list[str], *, to_first_button: bool = False
) -> list[str]:
    """What ``page`` shows, in reading order; each of ``private`` (the address the patient
    typed) said as ``words["address"]``. ``to_first_button``: up to its first button (an
    overlay: its title, its text and what to do). The face map's areas for keys
    (``AreaTarget``) are not read: the buttons beside the face name the same areas."""
    out: list[str] = []

    def visit(widget: QWidget) -> bool:  # True: read far enough
        if not widget.isVisible() or isinstance(widget, AreaTarget):
            return False
        text = readable(widget, words, reveal=False)
        if text is None:
            return any(visit(child) for child in _in_layout_order(widget))
        for secret in private:
            text = text.replace(secret, words["address"])
        if text and (not out or out[-1] != text):  # a field is named by the label above it
            out.append(text)
        return to_first_button and isinstance(widget, QAbstractButton)

    visit(page)
    return out


def _covers(widget: QWidget) -> bool:
    """Whether ``widget`` covers the page when shown: an overlay or the languages."""
    return isinstance(widget, Overlay) or widget.objectName() == "language_chooser"


def as_speech(texts: list[str]) -> str:
    """Texts said one after the other, each ending a sentence (a heading, a label, a choice)."""
    return " ".join(t if t[-1] in ".!?:;。؟" else f"{t}." for t in texts if t)


class ReadAloudBar(QWidget):
    """The header's read-aloud controls: Read this page / Stop, Softer, Louder."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("speech_bar")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        self.read = button("", name="speech_read")
        self.softer = button("", name="speech_softer")
        self.louder = button("", name="speech_louder")
        self.unavailable = QLabel()
        self.unavailable.setObjectName("speech_unavailable")
        self.unavailable.setProperty("role", "small")
        self.unavailable.setWordWrap(True)
        self.unavailable.hide()
        lay.addStretch(1)  # at the header's trailing end, under the language button
        for part in (self.unavailable, self.read, self.softer, self.louder):
            lay.addWidget(part)

    def show_texts(
        self, words: dict[str, str], *, speaking: bool, voice: bool, broken: bool = False
    ) -> None:
        """Its words in the patient's language; Stop while speaking; a note when the
        engine has no voice for this language, or (``broken``) cannot speak at all."""
        self.setAccessibleName(words["bar"])
        self.setAccessibleDescription(words["bar_hint"])
        key = "stop" if speaking else "read_page"
        for widget, name in ((self.read, key), (self.softer, "quieter"), (self.louder, "louder")):
            widget.setText(words[name])
            widget.setAccessibleName(words[name])
            widget.setAccessibleDescription(words[f"{name}_hint"])
            widget.setEnabled(voice)
        self.unavailable.setText(words["not_working" if broken else "unavailable"])
        self.unavailable.setVisible(not voice)


class PageReader(QObject):
    """Reads the page on show aloud; its bar sits in the window's header (see the module)."""

    def __init__(self, ctx: UiContext, window: QWidget, page_on_show: QWidget) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.pages = page_on_show  # the window's stack of pages
        self.bar = ReadAloudBar()
        self.bar.hide()
        self.bar.read.clicked.connect(self.on_read)
        self.bar.softer.clicked.connect(lambda: self.change_volume(-VOLUME_STEP))
        self.bar.louder.clicked.connect(lambda: self.change_volume(+VOLUME_STEP))
        self.enabled = False
        #: The voice listened to (made when read aloud is first on; a reload makes another).
        self._heard: Speech | None = None
        self._press: tuple[QWidget, QPoint, int] | None = None
        #: A key pressing a choice, and its state before: its new state is said after.
        self._key_press: tuple[QAbstractButton, bool] | None = None
        ctx.visit.session.on_wipe(self.reset)
        page_on_show.currentChanged.connect(self._on_page)  # type: ignore[attr-defined]

    @property
    def speaker(self) -> Speech | None:
        """The context's voice, listened to while read aloud is on. A reload makes a new
        one (``UiContext.replace``): it is listened to and started in its turn."""
        speaker = self.ctx.speaker
        if self.enabled and speaker is not self._heard:
            old, self._heard = self._heard, speaker
            if old is not None and shiboken6.isValid(old):
                old.speaking_changed.disconnect(self._show_texts)
                old.availability_changed.disconnect(self._show_texts)
            if speaker is not None:
                speaker.speaking_changed.connect(self._show_texts)
                speaker.availability_changed.connect(self._show_texts)
                speaker.start()
        return speaker

    def words(self) -> dict[str, str]:
        """The reader's words in the patient's language (and the pack's chosen / not chosen)."""
        pack = self.ctx.pack
        words = {k: v for k, v in pack.texts["speech"].items() if isinstance(v, str)}
        words["selected"], words["not_selected"] = pack.t("ui.selected"), pack.t("ui.not_selected")
        words.update((k, v) for k, v in pack.texts["read_aloud"].items() if isinstance(v, str))
        return words

    # --- what the accessibility panel and the session do ------------------------------------
    def set_enabled(self, on: bool) -> None:
        """Read aloud on or off (the accessibility panel's switch)."""
        app = QApplication.instance()
        if isinstance(app, QApplication) and on != self.enabled:
            if on:  # taps on texts, keys on choices, overlays that cover the page
                app.installEventFilter(self)
                app.focusChanged.connect(self._on_focus)
            else:
                app.removeEventFilter(self)
                app.focusChanged.disconnect(self._on_focus)
        self.enabled = on
        speaker = self.speaker
        if on and speaker is not None:
            speaker.start()  # again after a wipe ended its child
        elif speaker is not None:
            speaker.stop()
        self._show_texts()
        self.bar.setVisible(on)

    @Slot()
    def reset(self) -> None:
        """The session was wiped: the next patient starts with read aloud off, at the
        clinic's volume, and the speech child ends (what it was given to say goes with its
        memory; it is never waited for): the next patient's read aloud starts a new one."""
        self.set_enabled(False)
        speaker = self.speaker
        if speaker is not None:
            speaker.set_volume(self.ctx.config.speech.volume)
            speaker.shutdown()

    # --- the controls ---------------------------------------------------------------------
    @Slot()
    def on_read(self) -> None:
        speaker = self.speaker
        if speaker is not None and speaker.speaking:
            self.stop()
        else:
            self.read_page()

    def read_page(self) -> None:
        """Where the patient is (the header's section and step: "Your health. Page 2 of
        12."), the page, then the footer's buttons (Back, Next)."""
        page = self.pages.currentWidget()  # type: ignore[attr-defined]
        if not isinstance(page, QWidget):
            return
        words, private = self.words(), self.private()
        sections = self.window.findChild(SectionBar, "progress")
        texts = [
            tab.text()
            for tab in (sections.tabs.values() if sections is not None else ())
            if tab.state == "current" and tab.isVisible()
        ]
        parts = (
            self.window.findChild(QLabel, "step_label"),
            page,
            self.window.findChild(QWidget, "footer"),
        )
        texts += [t for part in parts if part is not None for t in page_texts(part, words, private)]
        self.say(as_speech(texts))

    def stop(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()

    def change_volume(self, step: float) -> None:
        speaker = self.speaker
        if speaker is None:
            return
        speaker.set_volume(round(min(1.0, max(VOLUME_MIN, speaker.volume + step)), 2))
        self.say(self.ctx.pack.t("speech.volume", level=round(speaker.volume * 10)))

    def say(self, text: str) -> None:
        if text.strip() and self.speaker is not None and self.enabled:
            self.speaker.say(text, self.ctx.visit.session.language)

    def private(self) -> list[str]:
        """What the patient typed that a page reading must not say: their email address,
        saved or still in a field."""
        typed = [self.ctx.visit.session.email]
        for field in self.window.findChildren(QLineEdit):
            if field.inputMethodHints() & Qt.InputMethodHint.ImhEmailCharactersOnly:
                typed.append(field.text())
        return sorted({t.strip() for t in typed if t.strip()}, key=len, reverse=True)

    # --- events ---------------------------------------------------------------------------
    @Slot()
    def _show_texts(self) -> None:
        speaker = self.speaker
        voice = (
            speaker is not None and speaker.has_voice(self.ctx.visit.session.language) is not False
        )
        speaking = speaker is not None and speaker.speaking
        broken = speaker is not None and speaker.available is False
        self.bar.show_texts(self.words(), speaking=speaking, voice=voice, broken=broken)

    @Slot(int)
    def _on_page(self, _index: int) -> None:
        """Another page, or the same in another language: stop, and say the bar's words in
        the language on show."""
        self.stop()
        self._show_texts()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            # The first widget that gets the press is the one under the finger (the event
            # goes on to its parents if it ignores it: same timestamp, not recorded again).
            again = self._press is not None and self._press[2] == event.timestamp()
            if not again and isinstance(watched, QWidget) and watched.window() is self.window:
                self._press = (watched, event.globalPosition().toPoint(), event.timestamp())
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            press, self._press = self._press, None  # its parents' turns find none
            if press is not None:
                moved = (event.globalPosition().toPoint() - press[1]).manhattanLength()
                if moved <= TAP_SLOP_PX:
                    self._on_tap(press[0], press[1])
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(
            event, QKeyEvent
        ):
            self._on_key(watched, event)
        elif kind == QEvent.Type.Show and isinstance(watched, QWidget) and _covers(watched):
            self.stop()  # it covers the page: the idle warning, the staff pad, ...
            if watched.objectName() in READ_OVERLAYS and watched.window() is self.window:
                QTimer.singleShot(0, self, lambda: self._read_overlay(watched))
        return False

    def _read_overlay(self, overlay: QWidget) -> None:
        """An overlay that opened: its title, its text and its first button."""
        if shiboken6.isValid(overlay) and overlay.isVisible():
            texts = page_texts(overlay, self.words(), self.private(), to_first_button=True)
            self.say(as_speech(texts))

    def _keys_in_use(self) -> bool:
        """Whether the patient uses keys (a keypad, a switch) rather than a finger: the
        window's tap filter knows (``kiosk.ui.taps``)."""
        return bool(getattr(getattr(self.window, "taps", None), "keys_in_use", False))

    @Slot(QWidget, QWidget)
    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keys moved the focus: say the control's name and state (a field or the address
        shown back says what it holds: the patient went to it)."""
        if new is None or not self._keys_in_use() or new.window() is not self.window:
            return
        if new.isVisible():  # a container in focus (the page, to scroll it): its name
            self.say(readable(new, self.words(), reveal=True) or new.accessibleName())

    def _on_key(self, watched: QObject, event: QKeyEvent) -> None:
        """Space or Enter on a choice: its new state is said once the key did its job."""
        if event.isAutoRepeat() or event.key() not in PRESS_KEYS:
            return
        focus = QApplication.focusWidget()
        if event.type() == QEvent.Type.KeyPress:
            if isinstance(focus, QAbstractButton) and focus.isCheckable() and watched is focus:
                self._key_press = (focus, focus.isChecked())
            return
        pressed, self._key_press = self._key_press, None
        if pressed is not None:
            QTimer.singleShot(0, self, lambda: self._say_if_changed(*pressed))

    def _say_if_changed(self, choice: QAbstractButton, before: bool) -> None:
        if shiboken6.isValid(choice) and choice.isChecked() != before:
            self._say_after_tap(choice)

    def _on_tap(self, widget: QWidget, where: QPoint) -> None:
        """Say what was tapped: a text now; a button or field after it did its job, so a
        choice says its new state (an area of the face drawing too)."""
        if isinstance(widget, FaceMap):
            area = widget.area_at(QPointF(widget.mapFromGlobal(where)))
            area_target = widget.targets.get(area) if area is not None else None
            if area_target is not None:
                QTimer.singleShot(0, self, lambda: self._say_after_tap(area_target))
            return
        words = self.words()
        target: QWidget | None = widget
        while target is not None and readable(target, words, reveal=True) is None:
            target = target.parentWidget()
        if target is None or self.bar.isAncestorOf(target) or target is self.bar:
            return
        if isinstance(target, QAbstractButton | QLineEdit):
            QTimer.singleShot(0, self, lambda: self._say_after_tap(target))
        else:
            self.say(readable(target, words, reveal=True) or "")

    def _say_after_tap(self, target: QWidget) -> None:
        if shiboken6.isValid(target) and target.isVisible():
            self.say(readable(target, self.words(), reveal=True) or "")
