"""Small building blocks shared by the screens.

Nothing on the start screen's path touches ``QtCore.Qt`` (building that namespace's enums
costs about 17 ms at start-up): label formats and alignment come from the style sheet, and
the rest reads ``QtCore.Qt`` only when a later screen is built.
"""

from __future__ import annotations

import contextlib
import functools

from PySide6 import QtCore
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui import theme
from kiosk.ui.basics import button, label

__all__ = ["button", "label"]  # re-exported: the screens take everything from here

#: Width of the reading column: running text at 26 px, about 75 characters a line (longer
#: lines are hard to follow).
COLUMN_MAX = 980
#: A scrolling page's margin around its content.
PAGE_MARGIN = 32
#: A page of several columns side by side (the areas: face, buttons, health uses).
COLUMN_WIDE = 1740
#: Running text at 26 px is at most this wide: about 75 characters a line.
READING_WIDTH = COLUMN_MAX


class ReadingLabel(QLabel):
    """Running text capped at a comfortable line in a wider column. Qt's box layouts ask a
    label for its height at the column's width, not at the narrower width it will get, and
    a capped label's last lines were cut off; this one answers for the width it gets."""

    def heightForWidth(self, width: int) -> int:
        return super().heightForWidth(min(width, self.maximumWidth()))


def reading_label(text: str, role: str = "body", *, name: str = "", center: bool = False) -> QLabel:
    """A wrapping label of running text, at most ``READING_WIDTH`` wide."""
    lbl = ReadingLabel(text)
    lbl.setProperty("role", role)
    if center:
        lbl.setProperty("center", True)
    lbl.setWordWrap(True)
    lbl.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    lbl.setMaximumWidth(READING_WIDTH)
    if name:
        lbl.setObjectName(name)
    return lbl


def bullet_list(items: list[str], marker: str = "•", role: str = "body") -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(8)
    for item in items:
        row = QHBoxLayout()
        row.setSpacing(14)
        m = label(marker, role)
        m.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        m.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        row.addWidget(m)
        row.addWidget(label(item, role), 1)
        lay.addLayout(row)
    return box


def card(role: str = "card") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", role)
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(28, 22, 28, 24)
    lay.setSpacing(12)
    return frame, lay


def text_field(
    name: str, accessible: str, placeholder: str, *, max_length: int, max_width: int, email: bool
) -> QLineEdit:
    """A patient's text field: no context menu (no copy/paste of what others typed), no
    predictive text, marked sensitive for input methods."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    field.setMaxLength(max_length)
    field.setMaximumWidth(max_width)
    field.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.NoContextMenu)
    hints = QtCore.Qt.InputMethodHint
    flags = hints.ImhNoPredictiveText | hints.ImhSensitiveData
    field.setInputMethodHints(flags | hints.ImhEmailCharactersOnly if email else flags)
    if email:  # an address reads left to right, in an Arabic page too
        field.setLayoutDirection(QtCore.Qt.LayoutDirection.LeftToRight)
    return field


class Overlay(QWidget):
    """A card over the whole window (the idle warning, the staff pad and panel).

    Modal and private: an opaque backdrop hides the patient's screen, its taps stop here
    (nothing beneath can be activated), and it takes the keyboard focus from the field
    behind it: its first control has it (a keypad's Enter answers at once), or the overlay
    itself when it has none (Tab never stops on the backdrop: it is not a control); when it
    goes, the focus goes back to the control that had it (a keypad user carries on from
    there). The card is as wide as the window allows, up to ``max_width``.
    """

    #: Emitted each time it covers the window.
    shown = Signal()

    def __init__(self, parent: QWidget, name: str, max_width: int = 1000) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoMousePropagation, True)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)  # focus goes to its controls
        self.setProperty("overlay", True)  # kiosk.qss: the theme's opaque backdrop
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        self.box, self.body = card()
        self.box.setMaximumWidth(max_width)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.box, 1000)  # the sides only get what is left over max_width
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self._return_to: QWidget | None = None  # the focus before it covered the window
        self.hide()

    @property
    def backdrop(self) -> str:
        """The backdrop's colour: opaque, so no name or answer shows around the card."""
        return theme.colour("backdrop")

    def cover(self) -> None:
        before = QApplication.focusWidget()
        if before is not None and not self.isAncestorOf(before):
            self._return_to = before
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()
        chain = self.tab_order()
        first = chain[0] if chain else self
        first.setFocus(QtCore.Qt.FocusReason.PopupFocusReason)
        self.shown.emit()

    def tab_order(self) -> list[QWidget]:
        """The card's controls on show, in the order Tab takes them."""
        return [
            w
            for w in self.findChildren(QWidget)
            if w.isVisible() and w.isEnabled() and w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
        ]

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab stay on the card: never on to a button beneath it (a part of
        the card that scrolls, a QScrollArea, scrolls the control into view itself)."""
        chain = self.tab_order()
        if chain:
            focus = self.focusWidget()
            here = chain.index(focus) if focus in chain else -1
            step = 1 if next else -1
            chain[(here + step) % len(chain)].setFocus(QtCore.Qt.FocusReason.TabFocusReason)
        return True

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        back, self._return_to = self._return_to, None
        if back is not None and not event.spontaneous():
            with contextlib.suppress(RuntimeError):  # gone with a screen rebuilt meanwhile
                if back.isVisible():
                    back.setFocus(QtCore.Qt.FocusReason.PopupFocusReason)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # a tap on the backdrop is the overlay's, not the screen's beneath

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        event.accept()


def enable_kinetic_scrolling(area: QAbstractScrollArea) -> None:
    """Drag to scroll by touch. LeftMouseButtonGesture, because TouchGesture would fire a
    button's click at the end of a drag; no overshoot bounce."""
    viewport = area.viewport()
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(viewport)
    props = scroller.scrollerProperties()
    off = QScrollerProperties.OvershootPolicy.OvershootAlwaysOff
    props.setScrollMetric(QScrollerProperties.ScrollMetric.VerticalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.OvershootDragResistanceFactor, 0.0)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.OvershootScrollDistanceFactor, 0.0)
    # Deliver a press to the button under the finger at once (Qt delays it 0.25 s by default
    # to see whether a drag follows, which makes every tap feel slow).
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    scroller.setScrollerProperties(props)


class ResponsiveBox(QWidget):
    """Side by side when the window is landscape, stacked when it is portrait.

    With ``aside_first`` the first widget added is an aside (a picture): on the right of
    the rest in landscape, above it in portrait.
    """

    def __init__(self, spacing: int = 32, *, aside_first: bool = False) -> None:
        super().__init__()
        self._aside_first = aside_first
        self.box = QBoxLayout(self._direction(True), self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)

    def _direction(self, landscape: bool) -> QBoxLayout.Direction:
        if not landscape:
            return QBoxLayout.Direction.TopToBottom
        if self._aside_first:
            return QBoxLayout.Direction.RightToLeft
        return QBoxLayout.Direction.LeftToRight

    def set_landscape(self, landscape: bool) -> None:
        direction = self._direction(landscape)
        if self.box.direction() != direction:
            self.box.setDirection(direction)


class FitRow(QWidget):
    """Buttons side by side while their words fit, one above the other when larger text
    would cut them (Yes / No / Not sure, the text sizes, the day picker's buttons)."""

    def __init__(self, spacing: int = 20, *, widest_text: str = "") -> None:
        super().__init__()
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(spacing)
        #: Room kept for words a button may gain (a tick when chosen).
        self._extra = widest_text

    def _needed(self) -> int:
        shown = [
            item.widget()
            for i in range(self.box.count())
            if (item := self.box.itemAt(i)) is not None and item.widget() is not None
        ]
        widths = [
            w.minimumSizeHint().width() + w.fontMetrics().horizontalAdvance(self._extra)
            for w in shown
            if w is not None and not w.isHidden()
        ]
        return sum(widths) + self.box.spacing() * max(0, len(widths) - 1)

    def fit(self) -> None:
        flat = self.width() >= self._needed()
        direction = QBoxLayout.Direction.LeftToRight if flat else QBoxLayout.Direction.TopToBottom
        if self.box.direction() != direction:
            self.box.setDirection(direction)

    def restyle(self) -> None:
        self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()


class ScrollCue(QWidget):
    """ "More below": a fade over the last lines of a page and an arrow, until the patient
    has seen its end. Taps go through it to what is beneath."""

    HEIGHT = 120  # at 100 %: it grows with the text size

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("scroll_cue")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAccessibleName(text)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 10)
        lay.addStretch(1)
        self.label = label(f"{text}  ↓", "cue", name="scroll_cue_text", center=True)
        self.label.setWordWrap(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.label)
        row.addStretch(1)
        lay.addLayout(row)
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        fade = QLinearGradient(0, 0, 0, self.height())
        ground = QColor(theme.colour("background"))
        for at, alpha in ((0.0, 0), (0.6, 235), (1.0, 255)):
            ground.setAlpha(alpha)
            fade.setColorAt(at, ground)
        painter.fillRect(self.rect(), fade)
        painter.end()


class ScrollPage(QScrollArea):
    """A vertically scrolling page: a reading column, with an aside (a picture) beside it
    in landscape and above it in portrait. While there is more below than shows, a cue
    says so, until the patient has scrolled to the end."""

    def __init__(self, parent: QWidget | None = None, *, cue: str = "") -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        outer = QHBoxLayout(inner)
        outer.setContentsMargins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        # The page is as tall as its content at the page's width, no taller: left to their
        # defaults, the layout's minimum (wrapped text at its narrowest) set the height and
        # every page ended in a screen of blank space.
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        inner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.row = ResponsiveBox(48, aside_first=True)
        self.row.setMaximumWidth(COLUMN_MAX + 560)
        self.aside = QVBoxLayout()
        self.aside.setContentsMargins(0, 0, 0, 0)
        self.row.box.addLayout(self.aside)
        self.column = QWidget()
        self.column.setObjectName("reading_column")
        self.column.setMaximumWidth(COLUMN_MAX)
        self.body = QVBoxLayout(self.column)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(18)
        self.row.box.addWidget(self.column, 1)
        outer.addStretch(1)
        outer.addWidget(self.row, 100)
        outer.addStretch(1)
        self.setWidget(inner)
        enable_kinetic_scrolling(self)
        self.cue = ScrollCue(cue, self) if cue else None
        self._seen_to = 0  # px of the content seen, from its top
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._update_cue)
        bar.rangeChanged.connect(self._update_cue)

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        self.body.addWidget(widget, stretch)
        return widget

    def add_aside(self, widget: QWidget) -> QWidget:
        align = QtCore.Qt.AlignmentFlag
        self.aside.addWidget(widget, 0, align.AlignTop | align.AlignHCenter)
        return widget

    def finish(self) -> None:
        self.body.addStretch(1)

    def set_column_width(self, width: int) -> None:
        """A page of columns side by side may be wider than the reading column."""
        self.column.setMaximumWidth(width)
        self.row.setMaximumWidth(max(width, COLUMN_MAX + 560))

    def to_top(self) -> None:
        """Back to the top, the cue shown again (a page entered afresh)."""
        self._seen_to = 0
        self.verticalScrollBar().setValue(0)
        self._update_cue()

    def more_below(self) -> bool:
        """Whether the cue shows: content runs past the viewport and its end is unseen."""
        return self.cue is not None and self.cue.isVisibleTo(self)

    def _update_cue(self, *_: object) -> None:
        if self.cue is None:
            return
        bar = self.verticalScrollBar()
        # how far down the patient has seen; content that grows has an unseen end again
        self._seen_to = max(self._seen_to, bar.value() + bar.pageStep())
        show = bar.maximum() > 0 and self._seen_to < bar.maximum() + bar.pageStep()
        if show != self.cue.isVisibleTo(self):
            self.cue.setVisible(show)
        if show:
            self._place_cue()

    def _place_cue(self) -> None:
        if self.cue is not None:
            view = self.viewport().geometry()
            height = min(theme.px(ScrollCue.HEIGHT), view.height() // 3)
            self.cue.setGeometry(view.x(), view.bottom() + 1 - height, view.width(), height)
            self.cue.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.verticalScrollBar().value() == 0:
            # not scrolled yet: what was seen is what shows now (a taller header, larger
            # text or a rotation can leave less in view than before)
            self._seen_to = 0
        self._place_cue()
        self._update_cue()


class AnswerButtons(FitRow):
    """Yes / No / Not sure, large and side by side; tapping the chosen answer again clears
    it. The chosen one shows a tick and a heavy outline on a light fill: never the filled
    look of the primary Next button."""

    changed = Signal(object)  # the answer id, or None when cleared
    TICK = "✓ "

    def __init__(self, labels: dict[str, str], accessible_prefix: str) -> None:
        super().__init__(20, widest_text=self.TICK)
        lay = self.box
        self._labels = labels
        self.buttons: dict[str, QPushButton] = {}
        for value, text in labels.items():
            btn = button(text, "answer", checkable=True)
            btn.setAccessibleName(f"{accessible_prefix}: {text}")
            btn.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            btn.clicked.connect(functools.partial(self._on_clicked, value))
            self.buttons[value] = btn
            lay.addWidget(btn, 1)

    def _on_clicked(self, value: str, *_: object) -> None:
        # PySide may call a partial slot without the signal's argument: read the state.
        self.set_value(value if self.buttons[value].isChecked() else None)
        self.changed.emit(self.value())

    def value(self) -> str | None:
        return next((v for v, b in self.buttons.items() if b.isChecked()), None)

    def set_value(self, value: str | None) -> None:
        for v, b in self.buttons.items():
            chosen = v == value
            b.setChecked(chosen)
            text = self.TICK + self._labels[v] if chosen else self._labels[v]
            if b.text() != text:
                b.setText(text)


class ChoiceButton(QPushButton):
    """A checkable button whose title and detail wrap over several lines, with a tick box
    that shows it can be chosen (and that it is)."""

    BOXES = ("☐", "☑")

    def __init__(self, title: str, detail: str = "", *, name: str = "") -> None:
        super().__init__()
        self.setProperty("role", "choice")
        self.setCheckable(True)
        self.setAccessibleName(title)
        if detail:
            self.setAccessibleDescription(detail)
        if name:
            self.setObjectName(name)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.NoContextMenu)
        lay = self._lay = QHBoxLayout(self)
        lay.setContentsMargins(22, 14, 26, 14)
        lay.setSpacing(16)
        self._box = label(self.BOXES[0], "choice_box")
        self._box.setWordWrap(False)
        self._box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        lay.addWidget(self._box, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        lay.addLayout(text, 1)
        self._title = label(title, "choice_title")
        self._detail = label(detail, "choice_detail")
        self._labels = [self._box, self._title, self._detail]
        for lbl in self._labels:
            lbl.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        for lbl in self._labels[1:]:
            text.addWidget(lbl)
        # shown once it has a parent: shown before, a label is a window of its own, which
        # takes the keypad's focus from the kiosk's window
        self._detail.setVisible(bool(detail))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.toggled.connect(self._on_toggled)

    def set_texts(self, title: str, detail: str) -> None:
        """New words (another language): the title is its accessible name, the detail its
        description."""
        self._title.setText(title)
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)

    def _on_toggled(self, checked: bool) -> None:
        # Only the tick changes here. The button's own `:checked` style (a tinted card with a
        # heavy border) is restyled by Qt; the labels keep their colours, so nothing is
        # re-polished on a tap (re-polishing every label cost time on each toggle).
        self._box.setText(self.BOXES[checked])

    def sizeHint(self) -> QSize:
        return self._lay.sizeHint().expandedTo(QSize(72, 76))

    def minimumSizeHint(self) -> QSize:
        return self._lay.minimumSize().expandedTo(QSize(72, 76))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(76, self._lay.totalHeightForWidth(width))
