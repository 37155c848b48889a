"""Touch-kiosk rules and layouts at 1920x1080 and 1080x1920: nothing clipped or overlapping,
targets at least 64 px, body text at least 22 px."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontInfo, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QWidget,
)

from kiosk.ui.widgets import ChoiceButton, ScrollPage

from .helpers import walk_to

# Layouts are the same on every Python version: CI checks them once (conftest).
pytestmark = pytest.mark.one_python

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
MIN_TARGET = 64
MIN_TEXT_PX = 22
#: Running text (not labels of a control or a chart) is at least this large at 1080p.
MIN_BODY_PX = 26
BODY_ROLES = frozenset({"body", "small", "note", "subtitle", "choice_detail", "question"})
#: No page taller than this many screens of its own height.
MAX_SCREENS = 1.5
#: "At most about 75 characters" a line, everywhere.
MAX_LINE_CHARS = 78


def visible_widgets(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if w.isVisibleTo(root) and w.isVisible()]


def problems_on_screen(window, screen) -> list[str]:  # type: ignore[no-untyped-def]
    return problems_in(window, [window.page(screen), window.header, window.footer])


def problems_in(window, roots) -> list[str]:  # type: ignore[no-untyped-def]
    """Clipped or cut text, small targets and overlaps among what ``roots`` hold (the first
    root's whole tree is checked for overlaps, the others' direct children)."""
    found: list[str] = []
    page = roots[0]
    for w in visible_widgets(window):
        if not any(root.isAncestorOf(w) for root in roots):
            continue
        name = f"{type(w).__name__}({w.objectName() or getattr(w, 'text', lambda: '')()[:30]!r})"
        parent = w.parentWidget()
        # inside its parent horizontally: nothing runs off the right edge
        if parent is not None and w.geometry().right() > parent.width() + 1:
            found.append(f"{name} runs past its parent's right edge")
        if isinstance(w, QLabel) and w.text():
            px = QFontInfo(w.font()).pixelSize()
            if px < MIN_TEXT_PX:
                found.append(f"{name} text is {px}px")
            if w.wordWrap():
                if w.height() + 1 < w.heightForWidth(w.width()):
                    found.append(f"{name} is clipped: {w.height()} < {w.heightForWidth(w.width())}")
            elif w.width() + 1 < w.sizeHint().width():
                found.append(f"{name} is cut: {w.width()} < {w.sizeHint().width()}")
        # a control that taps pass through (the face map's areas, there for keys and screen
        # readers) is no touch target: the drawing under it is
        tapped = not w.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        if isinstance(w, QAbstractButton | QLineEdit) and tapped:
            if w.height() < MIN_TARGET or w.width() < MIN_TARGET:
                found.append(f"{name} is a small target: {w.width()}x{w.height()}")
            if isinstance(w, ChoiceButton):
                if w.height() + 1 < w.heightForWidth(w.width()):
                    found.append(f"{name} text is clipped")
            elif isinstance(w, QAbstractButton) and w.width() + 1 < w.minimumSizeHint().width():
                found.append(f"{name} text is cut: {w.width()} < {w.minimumSizeHint().width()}")
    # siblings laid out side by side or stacked never overlap
    for w in [*roots, *visible_widgets(page)]:
        if w.layout() is None:
            continue
        kids = [
            c
            for c in w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if c.isVisible() and not c.isWindow()
        ]
        for a, b in itertools.combinations(kids, 2):
            inter: QRect = a.geometry().intersected(b.geometry())
            if inter.width() > 1 and inter.height() > 1:
                names = [x.objectName() or type(x).__name__ for x in (a, b)]
                found.append(f"{names[0]} overlaps {names[1]}")
    return found


def line_lengths(label: QLabel) -> list[int]:
    """The characters on each line of a label as it is laid out at its width."""
    text = label.text()
    if not label.wordWrap():
        return [len(line) for line in text.splitlines()]
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    width = (
        label.contentsRect().width() - 2 * label.margin() - label.indent() * (label.indent() > 0)
    )
    lengths = []
    layout.beginLayout()
    while (line := layout.createLine()).isValid():
        line.setLineWidth(max(1, width))
        lengths.append(len(text[line.textStart() : line.textStart() + line.textLength()].strip()))
    layout.endLayout()
    return lengths


def document_lines(browser: QTextBrowser) -> list[tuple[str, int]]:
    """Each paragraph of a text browser with its longest line, as laid out on screen."""
    document = browser.document()
    document.documentLayout().documentSize()  # lays it out at the browser's width
    found = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        text = block.text()
        if layout is not None and layout.lineCount():
            lines = [layout.lineAt(i) for i in range(layout.lineCount())]
            found.append(
                (
                    text,
                    max(
                        len(text[ln.textStart() : ln.textStart() + ln.textLength()].strip())
                        for ln in lines
                    ),
                )
            )
        block = block.next()
    return found


def reading_problems(window, page_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The rules of one topic a page: it fits in about 1.5 screens, a cue shows while there
    is more below, lines a reader can follow, at most two health questions, and on the
    areas page the whole face in view."""
    found: list[str] = []
    screen = window.page(page_id)
    scroll = getattr(screen, "page", None)
    if isinstance(scroll, ScrollPage):
        view = scroll.viewport().height()
        content = scroll.widget().height()
        if content > MAX_SCREENS * view:
            found.append(f"{content} px tall: over {MAX_SCREENS} x the {view} px it shows")
        overflows = scroll.verticalScrollBar().maximum() > 0
        if overflows != scroll.more_below():
            found.append(
                f"content overflows: {overflows}, but the cue shows: {scroll.more_below()}"
            )
        if overflows and scroll.cue is not None:
            cue = scroll.cue
            inside = scroll.viewport().geometry().contains(cue.geometry())
            if not (cue.isVisible() and inside and cue.label.isVisible()):
                found.append("the scroll cue is not in view")
    for label in visible_widgets(screen):
        if isinstance(label, QLabel) and label.text() and label.property("role") in BODY_ROLES:
            px = QFontInfo(label.font()).pixelSize()
            if px < MIN_BODY_PX:
                found.append(f"body text of {px} px: {label.text()[:40]!r}")
        if isinstance(label, QLabel) and label.text():
            longest = max(line_lengths(label), default=0)
            if longest > MAX_LINE_CHARS:
                found.append(f"a line of {longest} characters: {label.text()[:40]!r}")
        elif isinstance(label, QTextBrowser):  # the summary: its lines as laid out
            for text, longest in document_lines(label):
                if longest > MAX_LINE_CHARS:
                    found.append(f"a summary line of {longest} characters: {text[:40]!r}")
    if page_id.startswith("health_"):
        asked = [w for w in visible_widgets(screen) if w.objectName().startswith("screening_")]
        if not 1 <= len(asked) <= 2:
            found.append(f"{len(asked)} health questions on one page")
    if page_id == "areas":
        face = screen.face
        corner = face.mapTo(scroll.viewport(), face.rect().topLeft())
        where = QRect(corner, face.size())
        if not scroll.viewport().rect().contains(where):
            found.append(f"the face map at {where.getRect()} is not all in view")
    return found


#: The patient's text sizes (the accessibility panel), in percent.
TEXT_SCALES = [100, 150, 200]


def at_scale(window, scale: int) -> None:  # type: ignore[no-untyped-def]
    """The text size as the accessibility panel sets it; back to 100 % with the session."""
    window.ctx.access.set(text_scale=scale)
    QApplication.processEvents()


@pytest.mark.parametrize("scale", TEXT_SCALES)
@pytest.mark.parametrize("orientation", list(SIZES))
def test_every_page_fits(qtbot, window, orientation, scale) -> None:
    """Walk every page of the journey at the panel's size and each text size: nothing
    clipped or overlapping, large targets; at 100 % also the rules of one topic a page
    (reading_problems). Those rules stay at 100 %: larger text makes a page taller (it
    scrolls, which is fine) and a line shorter in characters, so the 1.5-screens rule would
    fail by design and the 78-characters rule could only pass."""
    at_scale(window, scale)
    window.ctx.visit.session.first_name = "Bartholomew-Alexandre"
    for area in ("forehead_lines", "crows_feet", "underarm_sweating", "chronic_migraine"):
        window.ctx.visit.session.toggle_area(area)
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().width() == SIZES[orientation][0])
    problems = {}
    pages = window.page_ids()
    for n, page_id in enumerate(pages):
        if n:
            window.ctx.visit.next()
        # Larger text can put the header's steps on two or three rows: the bar, then the
        # header, then the window are laid out again, a turn of the event loop each (all
        # before the next paint).
        for _ in range(3):
            QApplication.processEvents()
        assert window.screen_id() == page_id
        found = problems_on_screen(window, page_id)
        if scale == 100:
            found += reading_problems(window, page_id)
        if found:
            problems[page_id] = found
    assert problems == {}
    assert sum(p.startswith("health_") for p in pages) == len(window.ctx.pack.health_pages())


def test_primary_action_stays_in_one_place(qtbot, window) -> None:
    window.ctx.visit.flow.next()
    places = set()
    for _ in range(len(window.page_ids()) - 2):
        QApplication.processEvents()
        places.add(
            (
                window.nav_next.mapTo(window, window.nav_next.rect().topLeft()).toTuple(),
                window.nav_next.size().toTuple(),
            )
        )
        window.ctx.visit.flow.next()
    assert len(places) == 1, places


@pytest.mark.parametrize("scale", TEXT_SCALES)
@pytest.mark.parametrize("orientation", list(SIZES))
def test_email_form_with_keyboard_fits(qtbot, window, orientation, scale) -> None:
    """The keyboard comes up under the form: the window keeps its size, the field and the
    Send button stay in view above the keys, and nothing is clipped, at each text size."""
    from kiosk.core.flow import Screen

    at_scale(window, scale)
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().width() == SIZES[orientation][0])
    walk_to(window, "summary")
    summary = window.page(Screen.SUMMARY)
    summary.on_email()
    QApplication.processEvents()
    keyboard = window.keyboard()
    assert keyboard.isVisible()
    assert window.size().toTuple() == SIZES[orientation]
    kb_rect = QRect(keyboard.mapTo(window, keyboard.rect().topLeft()), keyboard.size())
    # At 200 % in landscape the field, the consent's four lines and Send are taller than the
    # room above the keys: the field stays in view, the rest is a scroll (or Done) away.
    kept = ("email_address",) if scale == 200 and orientation == "landscape" else ()
    for name in kept or ("email_address", "email_send", "email_consent"):
        w = window.findChild(QWidget, name)
        rect = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
        assert not rect.intersects(kb_rect), name
        assert window.rect().contains(rect), name
    assert problems_on_screen(window, Screen.SUMMARY) == []


@pytest.mark.parametrize("scale", TEXT_SCALES)
@pytest.mark.parametrize("orientation", list(SIZES))
def test_every_overlay_fits(qtbot, window, orientation, scale) -> None:
    """The idle warning, the PIN pad, the staff panel (with an action armed) and the
    accessibility panel fit the window in both orientations at each text size with nothing
    clipped, over the summary they hide."""

    from .helpers import settle

    settle(qtbot, window)
    at_scale(window, scale)
    window.resize(*SIZES[orientation])
    qtbot.waitUntil(lambda: window.size().width() == SIZES[orientation][0])
    window.ctx.visit.session.first_name = "Bartholomew-Alexandre"
    walk_to(window, "summary")
    guard = window.idle_guard()
    guard.set_timeouts(60_000, 60_000)
    pad, panel = window.staff.pad, window.staff.panel

    def armed_panel() -> None:
        panel.open_panel()
        panel.findChild(QAbstractButton, "staff_leave").click()  # "Tap again to leave …"

    access = window.access_panel
    shows = {
        "idle warning": guard._warn,
        "PIN pad": pad.open_pad,
        "staff panel": armed_panel,
        "accessibility": access.open_panel,
    }
    problems = {}
    for name, show in shows.items():
        show()
        QApplication.processEvents()
        overlay = {
            "idle warning": guard.overlay,
            "PIN pad": pad,
            "staff panel": panel,
            "accessibility": access,
        }[name]
        assert overlay.geometry() == window.rect(), name
        found = problems_in(window, [overlay])
        card = QRect(overlay.box.mapTo(window, overlay.box.rect().topLeft()), overlay.box.size())
        if not window.rect().contains(card):
            found.append(f"the card runs off the window: {card}")
        if found:
            problems[name] = found
        overlay.hide()
    assert problems == {}
