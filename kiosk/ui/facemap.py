"""A tappable face: tap an area to choose it, tap again to unchoose it.

Without touch too: each area is a real, focusable, checkable child (``AreaTarget``, objectName
``face_<area>``) laid over the drawing, so Tab reaches it, the arrow keys move between the
areas, Space or Enter chooses it, and assistive technology reads each area's name and
whether it is chosen through Qt's own accessible button (QAccessible reports checkable and
checked, and Qt sends the state-change event when it is checked). The targets let taps
through to the face, which keeps its own hit-testing of the drawn areas.

Never mirrored, in a right-to-left language too: the patient's right stays on the face's
right. The drawing and its areas are painted in the widget's own coordinates, which a
right-to-left layout does not flip (only where the widget sits on the page changes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QSizePolicy, QWidget

from kiosk.core.facemap import REGIONS
from kiosk.ui import theme

__all__ = ["REGIONS", "AreaTarget", "FaceMap"]  # REGIONS: shared with the printed summary's picture

#: The arrow keys that go to the area before (the others go to the next one): Up, and the
#: arrow against the reading direction (Left in a left-to-right language, Right in Arabic,
#: as Qt's own button groups do); the areas lie one under another, so the face itself is
#: never mirrored but the way across follows the patient's reading.
_BACK_KEYS = {
    Qt.LayoutDirection.LeftToRight: frozenset({Qt.Key.Key_Up, Qt.Key.Key_Left}),
    Qt.LayoutDirection.RightToLeft: frozenset({Qt.Key.Key_Up, Qt.Key.Key_Right}),
}
_ARROWS = frozenset({Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right})


class AreaTarget(QAbstractButton):
    """One area of the face for keys and assistive technology: as large as the area's
    drawn parts together; it draws nothing (the face draws the choice, the window's focus
    ring the focus) and lets taps through to the face."""

    def __init__(self, area: str, name: str, parent: FaceMap) -> None:
        super().__init__(parent)
        self.area = area
        self.setObjectName(f"face_{area}")
        self.setText(name)
        self.setAccessibleName(name)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Nothing of its own: see the class docstring."""

    def focus_parts(self) -> list[QRect]:
        """Where the area is drawn, in this widget's coordinates: the focus ring goes around
        each part (the crow's feet are one at each eye, the frown lines between them)."""
        face = self.parentWidget()
        if not isinstance(face, FaceMap):
            return [self.rect()]
        return [r.toAlignedRect().translated(-self.pos()) for r in face.area_rects(self.area)]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        face = self.parentWidget()
        if event.key() in _ARROWS and isinstance(face, FaceMap):
            back = _BACK_KEYS[self.layoutDirection()]
            face.step_focus(self, -1 if event.key() in back else 1)
            return
        super().keyPressEvent(event)


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
        """``names``: each area's name in the patient's language; ``accessible``: the
        face's own name (the page's title)."""
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
        self.targets = {
            area: AreaTarget(area, names.get(area, area), self)
            for area in sorted(REGIONS, key=self._reading_order)
        }
        for target in self.targets.values():
            target.clicked.connect(lambda _=False, a=target.area: self.toggled.emit(a))

    def _reading_order(self, area: str) -> tuple[float, float]:
        """Top to bottom, then left to right: the order Tab and the arrows take."""
        first = min(self._bounds[area], key=lambda r: (r.top(), r.left()))
        return first.top(), first.left()

    def step_focus(self, target: AreaTarget, step: int) -> None:
        """The arrow keys: the area before or after ``target`` takes the focus (round)."""
        order = list(self.targets.values())
        following = order[(order.index(target) + step) % len(order)]
        following.setFocus(Qt.FocusReason.TabFocusReason)

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
        for area, target in self.targets.items():
            target.setChecked(area in self._selected)  # Qt tells assistive technology
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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for area, target in self.targets.items():
            rects = self.area_rects(area)
            bounds = rects[0]
            for rect in rects[1:]:
                bounds = bounds.united(rect)
            target.setGeometry(bounds.toAlignedRect())

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
