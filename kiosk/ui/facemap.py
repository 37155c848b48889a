"""A tappable face: tap an area to choose it, tap again to unchoose it.

Never mirrored, in a right-to-left language too: the patient's right stays on the face's
right. The drawing and its areas are painted in the widget's own coordinates, which a
right-to-left layout does not flip (only where the widget sits on the page changes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.core.facemap import REGIONS
from kiosk.ui import theme

__all__ = ["REGIONS", "FaceMap"]  # REGIONS: shared with the printed summary's picture


class FaceMap(QWidget):
    toggled = Signal(str)  # area id

    def __init__(
        self,
        svg: Path,
        names: dict[str, str],
        parent: QWidget | None = None,
        *,
        accessible: str = "Face map",
    ) -> None:
        super().__init__(parent)
        self._renderer = QSvgRenderer(str(svg), self)
        self._names = names
        self._selected: set[str] = set()
        self._pressed: str | None = None
        self._bounds = {
            area: [self._renderer.boundsOnElement(e) for e in elements]
            for area, elements in REGIONS.items()
        }
        self.setObjectName("face_map")
        self.setAccessibleName(accessible)  # in the patient's language (the page's title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 320)
        self.setMaximumSize(600, 800)

    def sizeHint(self) -> QSize:
        height = min(640, self.maximumHeight())
        return QSize(height * 3 // 4, height)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return min(self.maximumHeight(), int(width * 4 / 3))

    def fit_height(self, height: int) -> None:
        """At most this tall (the room below a page's title), keeping the face's shape."""
        height = max(320, min(680, height))
        if height != self.maximumHeight():
            self.setFixedSize(height * 3 // 4, height)

    def set_selected(self, areas: list[str]) -> None:
        self._selected = {a for a in areas if a in REGIONS}
        self.update()

    def selected(self) -> set[str]:
        return set(self._selected)

    def _target(self) -> QRectF:
        view = self._renderer.viewBoxF()
        scale = min(self.width() / view.width(), self.height() / view.height())
        w, h = view.width() * scale, view.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _to_widget(self, rect: QRectF) -> QRectF:
        view = self._renderer.viewBoxF()
        target = self._target()
        sx, sy = target.width() / view.width(), target.height() / view.height()
        return QRectF(
            target.x() + (rect.x() - view.x()) * sx,
            target.y() + (rect.y() - view.y()) * sy,
            rect.width() * sx,
            rect.height() * sy,
        )

    def area_rects(self, area: str) -> list[QRectF]:
        """Where an area is drawn, in widget coordinates (tests tap these)."""
        return [self._to_widget(r) for r in self._bounds[area]]

    def area_at(self, pos: QPointF) -> str | None:
        for area in REGIONS:
            if any(r.contains(pos) for r in self.area_rects(area)):
                return area
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, self._target())
        # a chosen area: a tinted fill, a heavy edge and a tick (never colour alone), in the
        # running theme's colours
        fill = QColor(theme.colour("primary"))
        fill.setAlpha(150)
        painter.setPen(QPen(QColor(theme.colour("primary_dark")), 4))
        painter.setBrush(fill)
        for area in self._selected:
            for rect in self.area_rects(area):
                painter.drawRoundedRect(
                    rect.adjusted(2, 2, -2, -2), rect.width() / 3, rect.height() / 3
                )
                self._draw_tick(painter, rect)
        painter.end()

    @staticmethod
    def _draw_tick(painter: QPainter, rect: QRectF) -> None:
        c = rect.center()
        s = min(rect.width(), rect.height()) / 5
        painter.save()
        painter.setPen(
            QPen(QColor("white"), max(4.0, s / 3), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        )
        painter.drawPolyline(
            [
                QPointF(c.x() - s, c.y()),
                QPointF(c.x() - s / 3, c.y() + s * 0.7),
                QPointF(c.x() + s, c.y() - s * 0.7),
            ]
        )
        painter.restore()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = self.area_at(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        area = self.area_at(event.position())
        if area is not None and area == self._pressed:
            self.toggled.emit(area)
        self._pressed = None
        event.accept()
