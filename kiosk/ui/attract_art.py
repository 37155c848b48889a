"""The start screen's pictures: the clinic's logo, the calm illustration and its slowly
breathing glow. Loaded just after the first paint (kiosk.lazy): QtSvg, and the Python enums
PySide6 builds for QPainter, QPixmap and the Qt namespace, cost about 40 ms, more than the
start-up budget allows before the start screen is on the glass."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPixmap, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk import resources
from kiosk.ui import pictures

#: The glow's step: slow enough that an idle kiosk does next to nothing (>= 1 s, DESIGN.md).
BREATH_MS = 1500
#: Steps in one breath, in and out (BREATH_MS * BREATH_STEPS = 12 s).
BREATH_STEPS = 8
#: The logo's box; the clinic's name sits beside it.
LOGO_SIZE = QSize(112, 112)
#: The illustration's viewBox (800 x 600), and its largest size on screen.
ART_SIZE = QSize(800, 600)
ART_MAX = QSize(1000, 750)


def illustration_path() -> Path:
    return resources.path("images", "attract.svg")


class Breathing(QWidget):
    """A soft glow behind the illustration, in the theme's light colour, that swells and
    settles once every ``BREATH_MS * BREATH_STEPS`` ms, a step at a time."""

    def __init__(self, colour: str) -> None:
        super().__init__()
        self.setObjectName("attract_glow")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._colour = QColor(colour)
        self.step = 0
        self.picture: pictures.Picture | None = None  # the illustration it glows behind
        self.timer = QTimer(self)
        self.timer.setObjectName("attract_breath")
        self.timer.setInterval(BREATH_MS)
        self.timer.timeout.connect(self._breathe)

    def level(self) -> float:
        """0 (settled) .. 1 (full), along a smooth wave."""
        return (1 - math.cos(2 * math.pi * self.step / BREATH_STEPS)) / 2

    def _breathe(self) -> None:
        self.step = (self.step + 1) % BREATH_STEPS
        self.update()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        picture = self.picture
        if picture is None:
            return
        # The illustration's backdrop is a circle of radius 270 in its 800 x 600 box: the
        # glow is a ring just outside it, a little wider and stronger as the wave rises.
        target = picture.target().translated(picture.pos())
        base = 270 * target.width() / ART_SIZE.width()
        radius = base * (1.04 + 0.08 * self.level())
        colour = QColor(self._colour)
        colour.setAlphaF(0.45 + 0.35 * self.level())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(target.center(), radius, radius)
        painter.end()


class StillPicture(pictures.Picture):
    """A picture drawn once per size and then shown from a pixmap: the glow behind it
    repaints it every step, and an idle kiosk should not redraw the SVG each time."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self._cache = QPixmap()

    def paintEvent(self, event: QPaintEvent) -> None:
        dpr = self.devicePixelRatioF()
        size = self.size() * dpr
        if self._cache.size() != size or self._cache.devicePixelRatio() != dpr:
            self._cache = QPixmap(size)
            self._cache.setDevicePixelRatio(dpr)
            self._cache.fill(Qt.GlobalColor.transparent)
            painter = QPainter(self._cache)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer.render(painter, self.target())
            painter.end()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        painter.end()


def illustration(accessible: str) -> tuple[Breathing, pictures.Picture]:
    """The illustration (objectName attract_picture) in front of its glow."""
    glow = Breathing(pictures.theme["primary_light"])
    stack = QVBoxLayout(glow)
    stack.setContentsMargins(0, 0, 0, 0)
    picture = StillPicture(
        illustration_path(), name="attract_picture", accessible=accessible, max_size=ART_MAX
    )
    stack.addWidget(picture, 0, Qt.AlignmentFlag.AlignCenter)
    glow.picture = picture
    return glow, picture


def logo(path: Path, name: str, dpr: float) -> QWidget:
    """The clinic's logo (objectName attract_logo): an SVG in the theme's colours, or a
    PNG or JPEG scaled to fit ``LOGO_SIZE``."""
    if path.suffix.lower() == ".svg":
        return pictures.Picture(
            path, name="attract_logo", accessible=name, max_size=LOGO_SIZE, min_size=LOGO_SIZE
        )
    box = QLabel()
    box.setObjectName("attract_logo")
    box.setAccessibleName(name)
    pixmap = QPixmap(str(path))
    if not pixmap.isNull():
        pixmap = pixmap.scaled(
            LOGO_SIZE * dpr,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pixmap.setDevicePixelRatio(dpr)
        box.setPixmap(pixmap)
    box.setFixedSize(LOGO_SIZE)
    box.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return box
