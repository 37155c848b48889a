"""The aftercare timeline, drawn: an axis that starts on the treatment day, and each entry of
the patient's plan on its own lane, as a bar (a range of days) or a dot (one day), with its
title and short date beside it and, next to the lane, the entry's explanation.

The lanes and the axis share one scale. Days are placed on a square-root scale, so the
first two weeks (when most happens) are not squeezed into a sliver beside the months that
follow; faint guides mark where every entry starts, on every lane. In landscape each lane
has its explanation beside it; in portrait, under it.

The drawing's words are also given to assistive technology: each lane's accessible name is
its title and date, and the explanations are ordinary text.

Right to left (an Arabic pack), the drawing is mirrored as the page is: time runs from the
right, each lane's words start at the right end of its bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from kiosk.ui import theme
from kiosk.ui.widgets import reading_label


class ChartEntry(NamedTuple):
    """One lane: days after the treatment (``end`` None for one day) and its words."""

    start: int
    end: int | None
    title: str
    when: str
    body: str = ""


#: The drawing's words and rows, in pixels at 100 % (the kiosk's smallest text is 22 px); each
#: grows with the patient's text size (``theme.px``).
TEXT_PX = 24
LANE = 66
BAR = 18
#: The lane's words on top, its bar or dot under them.
WORDS_H = 32
#: Room at either end of the axis.
PAD = 18
#: First-strong isolate and its end (Unicode bidi, UAX #9).
FSI, PDI = "\u2068", "\u2069"


class Scale:
    """Days to x positions, the same for every lane and the axis."""

    def __init__(self) -> None:
        self.last = 1
        self.starts: tuple[int, ...] = ()

    def x(self, day: int, width: int, rtl: bool = False) -> float:
        left, right = float(PAD), float(width - PAD)
        x = left + (right - left) * math.sqrt(max(day, 0) / self.last)
        return width - x if rtl else x


def _rtl(widget: QWidget) -> bool:
    return widget.layoutDirection() == Qt.LayoutDirection.RightToLeft


def _fonts(base: QFont) -> tuple[QFont, QFont]:
    plain = QFont(base)
    plain.setPixelSize(theme.px(TEXT_PX))
    bold = QFont(plain)
    bold.setBold(True)
    return plain, bold


class Lane(QWidget):
    """One entry's lane: the guides, its bar or dot, its title and short date."""

    def __init__(self, scale: Scale) -> None:
        super().__init__()
        self.scale = scale
        self.entry: ChartEntry | None = None
        self._plain, self._bold = _fonts(self.font())
        self.setMinimumHeight(theme.px(LANE))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def restyle(self) -> None:
        """The text size changed (the window calls this): the words and the lane grow."""
        self._plain, self._bold = _fonts(self.font())
        self.setMinimumHeight(theme.px(LANE))
        self.updateGeometry()
        self.update()

    def set_entry(self, entry: ChartEntry) -> None:
        self.entry = entry
        self.setAccessibleName(f"{entry.title}: {entry.when}")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(700, theme.px(LANE))

    def words_width(self) -> float:
        if self.entry is None:
            return 0.0
        bold, plain = QFontMetrics(self._bold), QFontMetrics(self._plain)
        return bold.horizontalAdvance(self.entry.title) + plain.horizontalAdvance(
            f"  ·  {self.entry.when}"
        )

    def start_x(self) -> float:
        """Where the entry's bar starts: its first day on the shared scale (from the right
        in a right-to-left language)."""
        return self.scale.x(self.entry.start, self.width(), _rtl(self)) if self.entry else 0.0

    def words_rect(self) -> QRectF:
        """Where the title and date are written: above the bar, from where it starts (moved
        back as far as needed to stay inside the lane)."""
        e = self.entry
        if e is None:
            return QRectF()
        width = self.words_width()
        # right to left: from the bar's right end, leftwards
        x0 = self.start_x() + BAR / 2 - width if _rtl(self) else self.start_x() - BAR / 2
        x = max(2.0, min(x0, self.width() - 2 - width))
        return QRectF(x, 0, width, theme.px(WORDS_H))

    def paintEvent(self, event: QPaintEvent) -> None:
        e = self.entry
        if e is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, cy, rtl = self.width(), theme.px(WORDS_H) + 4 + BAR / 2, _rtl(self)
        painter.setPen(QPen(QColor(theme.colour("line")), 2, Qt.PenStyle.DashLine))
        for day in self.scale.starts:
            x = self.scale.x(day, w, rtl)
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        x0 = self.start_x()
        x1 = self.scale.x(e.end, w, rtl) if e.end is not None else x0
        x0, x1 = min(x0, x1), max(x0, x1)
        primary = QColor(theme.colour("primary"))
        painter.setPen(QPen(primary, 3))
        if x1 - x0 >= BAR:
            painter.setBrush(QColor(theme.colour("primary_light")))
            painter.drawRoundedRect(QRectF(x0, cy - BAR / 2, x1 - x0, BAR), BAR / 2, BAR / 2)
        else:
            painter.setBrush(primary)
            painter.drawEllipse(QPointF(x0, cy), BAR / 2, BAR / 2)
        words = self.words_rect()
        bold = QFontMetrics(self._bold)
        base = words.center().y() + (bold.ascent() - bold.descent()) / 2
        painter.fillRect(
            words.adjusted(-4, 0, 4, 0), QColor(theme.colour("paper"))
        )  # over the guides
        painter.setPen(QColor(theme.colour("ink")))
        # The title first in reading order, the date after it. Right to left: the title at
        # the right end, and the date's "  ·  " on its right whatever script the date is in
        # (the painter lays it out right to left; the date is isolated, zero-width marks).
        title_x = words.right() - bold.horizontalAdvance(e.title) if rtl else words.x()
        when_x = words.x() if rtl else words.x() + bold.horizontalAdvance(e.title)
        when = f"  ·  {FSI}{e.when}{PDI}" if rtl else f"  ·  {e.when}"
        painter.setLayoutDirection(self.layoutDirection())
        painter.setFont(self._bold)
        painter.drawText(QPointF(title_x, base), e.title)
        painter.setFont(self._plain)
        painter.drawText(QPointF(when_x, base), when)
        painter.end()


class Axis(QWidget):
    """The time axis under the lanes, the treatment day marked at its start."""

    HEIGHT = 80

    def __init__(self, scale: Scale) -> None:
        super().__init__()
        self.setObjectName("timeline_axis")
        self.scale = scale
        self.text = ""
        self._plain, self._bold = _fonts(self.font())
        self.setFixedHeight(theme.px(self.HEIGHT))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def restyle(self) -> None:
        """The text size changed (the window calls this): the words and the axis grow."""
        self._plain, self._bold = _fonts(self.font())
        self.setFixedHeight(theme.px(self.HEIGHT))
        self.update()

    def set_text(self, text: str) -> None:
        self.text = text
        self.setAccessibleName(text)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, y, rtl = self.width(), 20.0, _rtl(self)
        painter.setPen(QPen(QColor(theme.colour("line")), 2, Qt.PenStyle.DashLine))
        for day in self.scale.starts:
            x = self.scale.x(day, w, rtl)
            painter.drawLine(QPointF(x, 0), QPointF(x, y))
        ink = QColor(theme.colour("ink"))
        painter.setPen(QPen(ink, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        start = self.scale.x(0, w, rtl)
        painter.drawLine(QPointF(start, y), QPointF(self.scale.x(self.scale.last, w, rtl), y))
        for day in self.scale.starts:
            x = self.scale.x(day, w, rtl)
            painter.drawLine(QPointF(x, y - 8), QPointF(x, y + 8))
        painter.setPen(QPen(QColor(theme.colour("primary_dark")), 3))
        painter.setBrush(QColor(theme.colour("primary")))
        painter.drawEllipse(QPointF(start, y), 12, 12)
        painter.setFont(self._bold)
        painter.setPen(ink)
        align = Qt.AlignmentFlag
        if rtl:  # written leftwards from the treatment day, at the right
            room = QRectF(0, y + 16, min(float(w), start + 12), theme.px(TEXT_PX) * 1.6)
            flags = align.AlignRight | align.AlignAbsolute | align.AlignTop
        else:
            room = QRectF(max(0.0, start - 12), y + 16, w, theme.px(TEXT_PX) * 1.6)
            flags = align.AlignLeft | align.AlignAbsolute | align.AlignTop
        painter.drawText(room, flags, self.text)
        painter.end()


class TimelineChart(QWidget):
    """The drawn timeline with each entry's explanation. ``set_entries`` fills it; lanes
    and labels are made once and reused (making widgets on each visit costs time)."""

    def __init__(self, name: str = "") -> None:
        super().__init__()
        self.setObjectName("timeline_chart")
        if name:
            self.setAccessibleName(name)
        self.scale = Scale()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(32)
        self.grid.setVerticalSpacing(0)
        self.axis = Axis(self.scale)
        self.lanes: list[Lane] = []
        self.bodies: list[QLabel] = []
        self.entries: tuple[ChartEntry, ...] = ()
        self._landscape = True
        self._place()

    def set_entries(self, entries: Sequence[ChartEntry], start_text: str) -> None:
        """The lanes, and what the axis says at the treatment day."""
        self.entries = tuple(entries)
        self.scale.last = max([1, *(e.end if e.end is not None else e.start for e in entries)])
        self.scale.starts = tuple(sorted({e.start for e in entries}))
        while len(self.lanes) < len(entries):
            self.lanes.append(Lane(self.scale))
            self.lanes[-1].setObjectName(f"timeline_lane_{len(self.lanes)}")
            body = reading_label("", "body", name=f"timeline_body_{len(self.bodies) + 1}")
            self.bodies.append(body)
            self._place()
        for i, (lane, body) in enumerate(zip(self.lanes, self.bodies, strict=True)):
            shown = i < len(entries)
            if shown:
                lane.set_entry(entries[i])
                body.setText(entries[i].body)
            else:
                body.setText("")
            lane.setVisible(shown)
            body.setVisible(shown and bool(entries[i].body))
        self.axis.set_text(start_text)
        self.axis.setVisible(bool(entries))
        self.update()

    def set_landscape(self, landscape: bool) -> None:
        if landscape != self._landscape:
            self._landscape = landscape
            self._place()

    def _place(self) -> None:
        """Landscape: each explanation beside its lane; portrait: under it."""
        for w in [*self.lanes, *self.bodies, self.axis]:
            self.grid.removeWidget(w)
        row = 0
        for lane, body in zip(self.lanes, self.bodies, strict=True):
            if self._landscape:
                self.grid.addWidget(lane, row, 0)
                self.grid.addWidget(body, row, 1, Qt.AlignmentFlag.AlignTop)
                row += 1
            else:
                self.grid.addWidget(lane, row, 0, 1, 2)
                self.grid.addWidget(body, row + 1, 0, 1, 2)
                row += 2
        self.grid.addWidget(self.axis, row, 0, 1, 1 if self._landscape else 2)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1 if self._landscape else 0)
        for lane in self.lanes:
            lane.setMinimumHeight(theme.px(LANE))
        for body in self.bodies:
            body.setContentsMargins(0, 6 if self._landscape else 0, 0, 16)

    def text_fits(self) -> bool:
        """Every lane's words lie inside its lane (tests and layout checks ask)."""
        return all(
            lane.words_rect().left() >= 0 and lane.words_rect().right() <= lane.width() + 1
            for lane in self.lanes[: len(self.entries)]
        )
