"""Summary HTML to PDF with QTextDocument and QPdfWriter (QtGui only, no widgets)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

PAPER = {
    "A4": QPageSize(QPageSize.PageSizeId.A4),
    "Letter": QPageSize(QPageSize.PageSizeId.Letter),
    # An 80 mm receipt roll: 72 mm printable width, a long page the printer cuts.
    "receipt80": QPageSize(QSizeF(80, 297), QPageSize.Unit.Millimeter, "Receipt 80 mm"),
}


def write_pdf(html: str, out: Path, *, paper: str = "A4", title: str = "") -> None:
    """Lay out ``html`` and write it to ``out`` as a PDF."""
    writer = QPdfWriter(str(out))
    writer.setTitle(title)
    writer.setCreator("botox-kiosk")
    margins = QMarginsF(4, 4, 4, 4) if paper == "receipt80" else QMarginsF(15, 15, 15, 15)
    writer.setPageLayout(
        QPageLayout(
            PAPER[paper], QPageLayout.Orientation.Portrait, margins, QPageLayout.Unit.Millimeter
        )
    )
    writer.setResolution(300)
    doc = QTextDocument()
    doc.setHtml(html)
    doc.print_(writer)
