"""Lay out summary HTML on pages, with a footer and page numbers, for PDF and printers.

QtGui only (no widgets), so it runs without a window: in the ``print-job`` and ``email-job``
child processes and the command line. Each call builds its own QTextDocument and paints on
its own device.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrame,
    QTextTable,
)

from kiosk.services import files, fonts

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

MM_PER_INCH = 25.4
#: Paper sizes by config name. The receipt roll's length is fitted to the summary.
PAPER_IDS = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
RECEIPT_WIDTH_MM = 80.0
MARGINS_MM = {"A4": 15.0, "Letter": 15.0, "receipt80": 4.0}
FOOTER_PT = 10  # at least 9 pt: page numbers a 65-year-old can read
BODY_PT = 12


class RenderError(Exception):
    """The document could not be painted on the device (printer refused, disk full)."""


def page_layout(paper: str, length_mm: float = 297.0) -> QPageLayout:
    margin = MARGINS_MM[paper]
    if paper == "receipt80":
        size = QPageSize(
            QSizeF(RECEIPT_WIDTH_MM, length_mm), QPageSize.Unit.Millimeter, "Receipt 80 mm"
        )
    else:
        size = QPageSize(PAPER_IDS[paper])
    return QPageLayout(
        size,
        QPageLayout.Orientation.Portrait,
        QMarginsF(margin, margin, margin, margin),
        QPageLayout.Unit.Millimeter,
    )


def _document(html: str, device: QPdfWriter | QPrinter, width_px: float) -> QTextDocument:
    fonts.register()
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)  # point sizes follow the device's resolution
    doc.setDefaultFont(QFont(fonts.FAMILY, BODY_PT))
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    doc.setTextWidth(width_px)
    return doc


BREAK_BEFORE = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
#: A box (a table: the get-help box, the picture and its areas, the timeline, the notes) no
#: taller than this share of a page is moved whole to the next page rather than split.
KEEP_TOGETHER = 0.6


def _tables(frame: QTextFrame) -> list[QTextTable]:
    out = []
    for child in frame.childFrames():
        if isinstance(child, QTextTable):
            out.append(child)
        out += _tables(child)
    return out


def _first_line_bottom(doc: QTextDocument, block: QTextBlock) -> float:
    rect = doc.documentLayout().blockBoundingRect(block)
    layout = block.layout()
    if layout is None or layout.lineCount() == 0:
        return rect.bottom()
    line = layout.lineAt(0)
    return rect.top() + line.y() + line.height()


def _break_before(doc: QTextDocument, block: QTextBlock) -> bool:
    """Start ``block`` (or the box it opens) on a new page; False if it already does."""
    table = QTextCursor(block).currentTable()
    if table is not None and table.firstCursorPosition().block() == block:
        frame_format = table.frameFormat()
        if frame_format.pageBreakPolicy() & BREAK_BEFORE:
            return False
        frame_format.setPageBreakPolicy(BREAK_BEFORE)
        table.setFrameFormat(frame_format)
        return True
    block_format = block.blockFormat()
    if block_format.pageBreakPolicy() & BREAK_BEFORE:
        return False
    block_format.setPageBreakPolicy(BREAK_BEFORE)
    QTextCursor(block).setBlockFormat(block_format)
    return True


def keep_together(doc: QTextDocument, page_h: float) -> int:
    """Paginate for readers: no heading left alone at the foot of a page, and no small box
    split across two pages. Returns how many page breaks it added.

    ``doc`` must have its page size set. Each pass moves one thing, then Qt lays the
    document out again; a heading whose next line is on the next page moves with it."""
    layout = doc.documentLayout()

    def page(y: float) -> int:
        return int(y // page_h)

    added = 0
    for _ in range(60):  # a few per page at most; bounded whatever the HTML
        moved = False
        for table in _tables(doc.rootFrame()):
            rect = layout.frameBoundingRect(table)
            if rect.height() <= page_h * KEEP_TOGETHER and page(rect.top()) != page(
                rect.bottom() - 1
            ):
                # the heading just before the box goes with it
                first = table.firstCursorPosition().block()
                before = first.previous()
                heading = before.isValid() and before.blockFormat().headingLevel() > 0
                target = before if heading else first
                if _break_before(doc, target):
                    moved = True
                    break
        if not moved:
            block = doc.begin()
            while block.isValid():
                following = block.next()
                if (
                    block.blockFormat().headingLevel() > 0
                    and following.isValid()
                    and page(layout.blockBoundingRect(block).top())
                    != page(_first_line_bottom(doc, following) - 1)
                    and _break_before(doc, block)
                ):
                    moved = True
                    break
                block = following
        if not moved:
            return added
        added += 1
    return added


def paint(
    device: QPdfWriter | QPrinter, html: str, *, paper: str, footer: str, title: str = ""
) -> int:
    """Paint ``html`` on ``device`` page by page; returns the number of pages.

    Every page ends with ``footer`` and "n / N". Raises RenderError when the device refuses.
    """
    res = device.resolution()
    device.setPageLayout(page_layout(paper))
    width = device.pageLayout().paintRectPixels(res).width()
    doc = _document(html, device, width)
    footer_font = QFont(fonts.FAMILY, FOOTER_PT)
    footer_h = FOOTER_PT * res / 72 * 2.2
    if paper == "receipt80":  # one long page, as long as the summary
        # +10 mm: page sizes are rounded to points, and the last line must not spill over
        length_mm = (
            (doc.size().height() + footer_h) / res * MM_PER_INCH + 2 * MARGINS_MM[paper] + 10
        )
        device.setPageLayout(page_layout(paper, length_mm))
    rect = device.pageLayout().paintRectPixels(res)
    body_h = rect.height() - footer_h
    doc.setPageSize(QSizeF(rect.width(), body_h))
    if paper != "receipt80":  # one long strip has no page to keep things on
        keep_together(doc, body_h)
    pages = doc.pageCount()
    # Right to left (the summary's dir="rtl"): the footer's text starts at the right, as the
    # body's; the page number goes to the left.
    rtl = doc.begin().blockFormat().layoutDirection() == Qt.LayoutDirection.RightToLeft
    start, end = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
    if rtl:
        start, end = end, start
    painter = QPainter()
    if not painter.begin(device):
        raise RenderError("the printer or file did not accept the document")
    try:
        for page in range(pages):
            if page and not device.newPage():
                raise RenderError("the printer did not accept a new page")
            painter.save()
            painter.translate(0, -page * body_h)
            doc.drawContents(painter, QRectF(0, page * body_h, rect.width(), body_h))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(Qt.GlobalColor.darkGray)
            footer_rect = QRectF(
                QPointF(0, body_h + footer_h * 0.3), QSizeF(rect.width(), footer_h * 0.7)
            )
            painter.drawText(footer_rect, start | Qt.AlignmentFlag.AlignVCenter, footer)
            painter.drawText(
                footer_rect, end | Qt.AlignmentFlag.AlignVCenter, f"{page + 1} / {pages}"
            )
    finally:
        if not painter.end():
            raise RenderError("the printer or file did not finish the document")
    return pages


def _pdf(html: str, *, paper: str, title: str, footer: str) -> tuple[bytes, int]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("botox-kiosk")
    writer.setResolution(300)
    pages = paint(writer, html, paper=paper, footer=footer, title=title)
    del writer  # finishes the document
    data = bytes(buffer.data().data())
    buffer.close()
    return data, pages


def pdf_bytes(html: str, *, paper: str = "A4", title: str = "", footer: str = "") -> bytes:
    """The PDF in memory (for an email attachment: never written to disk)."""
    return _pdf(html, paper=paper, title=title, footer=footer)[0]


def write_pdf(
    html: str,
    out: Path,
    *,
    paper: str = "A4",
    title: str = "",
    footer: str = "",
    mode: int = 0o600,
) -> int:
    """Write ``html`` to the PDF file ``out``; returns the number of pages.

    Laid out in memory, then written in one step (``kiosk.services.files.atomic_write``): a
    full disk leaves no half-written summary, and the file is its owner's alone (``mode``).
    """
    data, pages = _pdf(html, paper=paper, title=title, footer=footer)
    try:
        files.atomic_write(out, data, mode=mode)
    except OSError as exc:
        raise RenderError(f"{out} was not written: {exc.strerror or exc}") from None
    return pages
