"""The focus ring: where a keypad or switch user is, drawn around the control in focus.

A two-colour ring (a dark band outside a light one, WCAG technique C40) outside the
control's edge, or inside it on a side where the window ends (never cut off): it shows on
a light page and on a dark card alike, and it is a shape, not a colour change, so it never
looks like a chosen answer's heavy border. It shows only while the patient uses keys: a
finger needs no ring, and a tap hides it.

A control drawn in several parts (the face map's crow's feet, one at each eye) may say
where they are (``focus_parts()``: rectangles in its own coordinates): the ring goes
around each part, not around the face between them.

The ring is one widget over the window that follows the focus (and the control's moves,
resizes and its page's scrolling), so every control has it, the custom ones too, without a
style rule per widget. Its colours and width come from the style sheet
(resources/style/focus.qss), so a theme can change them.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Property, QEvent, QObject, QPoint, QRect, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

#: Events of the control in focus or of one of its parents that move it on the window.
_MOVES = frozenset({QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide})


class FocusRing(QWidget):
    """Drawn over ``window`` around the control in focus, while ``keyed`` is on."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("focus_ring")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._window = window
        self._outer = QColor("#000000")
        self._inner = QColor("#ffffff")
        self._band = 4  # px of each colour
        self._keyed = False
        self._target: QWidget | None = None
        self._parts: list[QRect] = []  # what to ring, in the ring's coordinates
        self._watched: list[QWidget] = []
        self._placing = False  # a place() is queued for the next turn of the event loop
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)
        self.hide()

    # --- what the style sheet sets (resources/style/focus.qss) --------------------------------
    def _get_outer(self) -> QColor:
        return self._outer

    def _set_outer(self, color: QColor) -> None:
        self._outer = QColor(color)
        self.update()

    def _get_inner(self) -> QColor:
        return self._inner

    def _set_inner(self, color: QColor) -> None:
        self._inner = QColor(color)
        self.update()

    def _get_band(self) -> int:
        return self._band

    def _set_band(self, px: int) -> None:
        self._band = max(2, int(px))
        self.place()

    outer = Property(QColor, _get_outer, _set_outer)
    inner = Property(QColor, _get_inner, _set_inner)
    band = Property(int, _get_band, _set_band)

    # --- following the focus ---------------------------------------------------------------
    def set_keyed(self, keyed: bool) -> None:
        """Keys in use (the ring shows) or a finger (it goes)."""
        if keyed != self._keyed:
            self._keyed = keyed
            self.place()

    def target(self) -> QWidget | None:
        """The control the ring is around (while it shows)."""
        return self._target if self.isVisible() else None

    @Slot(QWidget, QWidget)
    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        for old in self._watched:
            with contextlib.suppress(RuntimeError):  # a page deleted (the language changed)
                old.removeEventFilter(self)
                old.destroyed.disconnect(self._on_destroyed)
        self._watched = []
        inside = new is not None and new is not self and self._window.isAncestorOf(new)
        self._target = new if inside else None
        widget: QWidget | None = self._target
        while widget is not None and widget is not self._window:
            widget.installEventFilter(self)
            widget.destroyed.connect(self._on_destroyed)
            self._watched.append(widget)
            widget = widget.parentWidget()
        self.place()

    @Slot()
    def _on_destroyed(self) -> None:
        """The control in focus or one of its parents is going: forget them all."""
        self._watched = []
        self._target = None
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _MOVES and self._keyed and not self._placing:
            self._placing = True  # once for a burst of moves (a page laid out, scrolled)
            QTimer.singleShot(0, self, self._place_queued)
        return False

    @Slot()
    def _place_queued(self) -> None:
        self._placing = False
        self.place()

    def _visible_rect(self, target: QWidget) -> QRect:
        """What shows of ``target``, in the window's coordinates: a page that scrolls cuts
        off what is above or below its viewport."""
        rect = QRect(target.mapTo(self._window, QPoint(0, 0)), target.size())
        parent = target.parentWidget()
        while parent is not None and parent is not self._window:
            if isinstance(parent, QAbstractScrollArea):
                view = parent.viewport()
                rect &= QRect(view.mapTo(self._window, QPoint(0, 0)), view.size())
            parent = parent.parentWidget()
        return rect

    @Slot()
    def place(self) -> None:
        target = self._target
        if not self._keyed or target is None or not target.isVisible():
            self.hide()
            return
        shown = self._visible_rect(target)
        if shown.isEmpty():
            self.hide()
            return
        width = 2 * self._band
        room = self._window.rect()
        area = shown.adjusted(-width, -width, width, width) & room
        self.setGeometry(area)
        parts = getattr(target, "focus_parts", None)
        if callable(parts):
            origin = target.mapTo(self._window, QPoint(0, 0))
            rings = [r.translated(origin) for r in parts()]
        else:
            rings = [shown]
        # Outside the control's edge where there is room; at the window's edge (a control
        # there, such as the accessibility button in a corner) inside it, never cut off.
        self._parts = [
            (r.adjusted(-width, -width, width, width) & room).translated(-area.topLeft())
            for r in rings
        ]
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        band, half = self._band, self._band // 2
        # a pen is centred on its line: each band's line runs through the band's middle
        for part in self._parts:
            for color, inset in ((self._outer, half), (self._inner, band + half)):
                pen = QPen(color, band)
                pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
                painter.setPen(pen)
                painter.drawRect(part.adjusted(inset, inset, -inset - 1, -inset - 1))
        painter.end()
