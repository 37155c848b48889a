"""A QR code drawn as it scans best: dark squares on white, whole pixels per module, with
the quiet zone around it (kiosk.core.qr makes the matrix)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.core import qr

#: Phones scan a code on a screen from about an arm's length when it is this wide or more.
MIN_SIDE = 360
DARK = QColor("#000000")
LIGHT = QColor("#ffffff")


class QrCode(QWidget):
    """The code of ``text``, at least ``min_side`` px square, each module a whole number of
    pixels (no blurred edges for the scanner)."""

    def __init__(self, text: str, *, name: str, accessible: str, min_side: int = MIN_SIDE) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.text = text
        self._matrix = qr.matrix(text)
        modules = len(self._matrix)
        self.module_px = max(1, -(-min_side // modules))  # rounded up
        side = modules * self.module_px
        self.setFixedSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return self.size()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(self.rect(), LIGHT)
        px = self.module_px
        painter.setPen(Qt.PenStyle.NoPen)
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(QRect(x * px, y * px, px, px), DARK)
        painter.end()
