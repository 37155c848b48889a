"""The kiosk window: a header with progress, the current screen, and the navigation bar.

The window builds the start screen first and the others after the first paint, one per
turn of the event loop, so the kiosk shows something quickly and later screens change fast.

Without touch (a USB keypad, a switch sending Tab, Space and Enter): Tab and Shift+Tab go
through the controls in reading order, the header, the page, the on-screen keyboard, the
footer (``tab_order``), in a right-to-left page too (the order is the logical one; Qt
mirrors where each control sits); Space or Enter presses the control in focus; a focus
ring (``kiosk.ui.focusring``) shows where the patient is while keys are in use. Every
control has a description in the patient's language (``kiosk.ui.names``).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

# Qt, QClipboard and QCursor are named through their modules, at their use: PySide6 builds a
# class's Python enums when it is first imported by name, and these are not needed until
# after the first paint (about 10 ms of it).
from PySide6 import QtCore, QtGui
from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHBoxLayout,
    QLayout,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import lazy
from kiosk.core.access import Access
from kiosk.core.flow import Page, Screen, Section
from kiosk.ui import names, theme
from kiosk.ui.basics import button, label
from kiosk.ui.context import UiContext
from kiosk.ui.focusring import FocusRing
from kiosk.ui.languages import LanguageChooser, direction
from kiosk.ui.screens import screen_class
from kiosk.ui.screens.base import ScreenBase

if TYPE_CHECKING:  # made after the first paint or on first use: see kiosk.lazy
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.ui import access as access_ui
    from kiosk.ui import idle, keyboard, progress, reader, taps
    from kiosk.ui.access import AccessPanel
    from kiosk.ui.idle import IdleGuard
    from kiosk.ui.keyboard import OnScreenKeyboard
    from kiosk.ui.progress import SectionBar
    from kiosk.ui.reader import PageReader
    from kiosk.ui.staff import StaffAccess
    from kiosk.ui.taps import TapFilter
else:
    access_ui = lazy.load("kiosk.ui.access")
    idle = lazy.load("kiosk.ui.idle")
    keyboard = lazy.load("kiosk.ui.keyboard")
    progress = lazy.load("kiosk.ui.progress")
    reader = lazy.load("kiosk.ui.reader")
    taps = lazy.load("kiosk.ui.taps")

log = logging.getLogger("kiosk.ui")
#: From this width the header is one row: the clinic, the named steps, the page count.
WIDE_HEADER = 1600
#: The keys that press the control in focus, as Space does (Qt's buttons take only Space
#: unless they are a dialog's default; a keypad's and a switch's "select" is often Enter).
PRESS_KEYS = frozenset({QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter})


class MainWindow(QMainWindow):
    screen_changed = Signal(str)
    first_paint = Signal()
    quitting = Signal()  # the kiosk is leaving for good (before anything is shut down)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("kiosk_window")
        self.setWindowTitle(ctx.config.clinic.name)
        self._screens: dict[Page, ScreenBase] = {}
        self._landscape = True
        self._painted = False
        self._language = ctx.pack.language
        #: The summary's address and view in the old language, for the one built in the new
        self._draft: tuple[str, bool, int] | None = None
        self._idle: IdleGuard | None = None
        self.kiosk_mode = False
        self._kiosk_configured = False
        self._quitting = False
        self._staff: StaffAccess | None = None  # the PIN pad and the panel, after first paint
        self.taps: TapFilter | None = None  # see activity_filter()
        self.focus_ring: FocusRing | None = None  # with the activity filter
        #: The parts Tab goes through and their tab stops, until the view changes
        self._tab_parts: tuple[tuple[QWidget | None, ...], list[list[QWidget]]] | None = None

        central = QWidget()
        central.setObjectName("central")
        root = QVBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        # The header: the clinic, the named steps, and "Page 2 of 12" on a paged screen. A
        # wide window has them in one row; a narrow one puts the steps on a row of their own.
        self.header = QWidget()
        self.header.setObjectName("header")
        head = QVBoxLayout(self.header)
        head.setContentsMargins(32, 10, 32, 10)
        head.setSpacing(8)
        self._head_top = QHBoxLayout()
        self._head_top.setSpacing(24)
        self.clinic_name = label(ctx.config.clinic.name, "body", name="clinic_name")
        self._head_top.addWidget(self.clinic_name)
        self._sections: SectionBar | None = None  # on first use: see sections
        self.step_label = label("", "body", name="step_label")
        self.step_label.setWordWrap(False)
        self._head_top.addWidget(self.step_label)
        # The language, on every page in the same place (the header's trailing end): it
        # opens the chooser; a switch keeps the answers and the page.
        self.nav_lang = button(ctx.pack.language_name, name="nav_lang")
        self.nav_lang.clicked.connect(self.choose_language)
        self._head_top.addWidget(self.nav_lang)
        self._reader: PageReader | None = None  # read aloud's bar: see read_aloud
        # Accessibility, on every page and the start screen, always at the very end: the
        # language button beside it may hide, this one never moves.
        self.nav_access = button(ctx.pack.t("access.button"), name="nav_access")
        self.nav_access.clicked.connect(self.open_access)
        self.nav_access.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        end = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignTop
        self._head_top.addWidget(self.nav_access, 0, end)
        self._access_panel: AccessPanel | None = None
        self.language_chooser = LanguageChooser(self)
        self.language_chooser.chosen.connect(self.on_language)
        head.addLayout(self._head_top)
        self._head_rows = head
        self._wide_header = True
        root.addWidget(self.header)

        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)

        self._keyboard: OnScreenKeyboard | None = None
        self._root = root
        ctx.keyboard = self.keyboard

        self.footer = QWidget()
        self.footer.setObjectName("footer")
        foot = QHBoxLayout(self.footer)
        foot.setContentsMargins(40, 16, 40, 16)
        self.nav_back = button("", name="nav_back")
        self.nav_back.clicked.connect(self.on_back)
        self.nav_next = button("", "primary", name="nav_next")
        self.nav_next.clicked.connect(self.on_next)
        foot.addWidget(self.nav_back)
        foot.addStretch(1)
        foot.addWidget(self.nav_next)
        root.addWidget(self.footer)
        self.setCentralWidget(central)
        # The kiosk fills its display: contents fit the window, the window never grows to
        # fit them (it would run off the screen, e.g. while the keyboard comes up).
        main_layout = self.layout()
        if main_layout is not None:
            main_layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

        self.setLayoutDirection(direction(ctx.pack.rtl))
        ctx.visit.listen(self._on_step)
        ctx.visit.session.on_wipe(self._on_wipe)
        ctx.access.listen(self._on_access)
        self._showing: Page | None = None
        self._show(self.ctx.visit.flow.page)

    def keyboard(self) -> OnScreenKeyboard:
        """The on-screen keyboard, under the screen and above the navigation; made on first
        use. While it is up, the navigation bar makes room for it."""
        if self._keyboard is None:
            self._keyboard = keyboard.OnScreenKeyboard(
                self, texts=self._keyboard_texts(), language=self.ctx.pack.language
            )
            # Its keys sit where a keyboard has them, in every language.
            self._keyboard.setLayoutDirection(QtCore.Qt.LayoutDirection.LeftToRight)
            self._root.insertWidget(self._root.indexOf(self.footer), self._keyboard)
            self._keyboard.visibility_changed.connect(self._on_keyboard_shown)
        return self._keyboard

    def _keyboard_texts(self) -> dict[str, str]:
        """The keyboard's words (Done, and its keys' spoken names) in the patient's language."""
        words = self.ctx.pack.texts["keyboard"]
        return {key: text for key, text in words.items() if isinstance(text, str)}

    @Slot(bool)
    def _on_keyboard_shown(self, shown: bool) -> None:
        # While typing, the keyboard takes the room of the header and the navigation bar
        # (its Done key closes it), so the field and its buttons stay in view above it.
        # What is under the finger moves: a repeat of the tap (on Done, say) must not land
        # on Next where Done was.
        self._on_view_changed()
        chrome = not shown and self.ctx.visit.step is not Screen.ATTRACT
        self.header.setVisible(not shown)
        self.footer.setVisible(chrome)
        if shown and self._keyboard is not None:
            self.describe(self._keyboard)

    # --- what tests and scripts use -------------------------------------------------------
    def screen_id(self) -> str:
        """The page on show: ``treatment``, ``health_2`` (the README lists them)."""
        return self.ctx.visit.flow.page.id

    def page_ids(self) -> list[str]:
        """Every page of this journey, in order."""
        return [page.id for page in self.ctx.visit.flow.pages]

    def page(self, which: Page | Screen | str) -> ScreenBase:
        """The screen widget of a page, built on first use (``"health_2"``, a Screen for
        its first page, or a Page)."""
        if not isinstance(which, Page):
            which = next(p for p in self.ctx.visit.flow.pages if which in (p.id, p.screen))
        page = self._screens.get(which)
        if page is None:
            make = screen_class(which.screen)
            page = make(self.ctx, which.number) if which.number else make(self.ctx)
            page.set_landscape(self._landscape)
            page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            if which.screen is Screen.ATTRACT:
                page.start.clicked.connect(self.on_start)  # type: ignore[attr-defined]
                page.language_chosen.connect(self.on_language)  # type: ignore[attr-defined]
            elif which.screen is Screen.DONE:
                page.timed_out.connect(self.on_finish)  # type: ignore[attr-defined]
            page.view_changed.connect(self._on_view_changed)
            self._screens[which] = page
            self.stack.addWidget(page)
            if which.screen is Screen.SUMMARY and self._draft is not None:
                page.take_draft(self._draft)  # type: ignore[attr-defined]
                self._draft = None
        return page

    def build_all(self) -> None:
        for which in self.ctx.visit.flow.pages:
            self.page(which)

    def tab_order(self) -> list[QWidget]:
        """The controls Tab goes through now, in reading order: the header, the page on
        show, the on-screen keyboard, the footer, then an open overlay's; only the language
        chooser's while it is open (an overlay keeps Tab on its card itself:
        ``widgets.Overlay``).

        Only those parts are looked through, not the whole focus chain (every prebuilt
        page, over 800 widgets: about 9 ms a Tab press), and what each holds is kept until the
        view changes (``_on_view_changed``, ``_show``): a press only asks which of them
        show and are enabled now. The keyboard's keys are asked for each time (a field of
        another kind gets other keys)."""
        if self.language_chooser.isVisible():
            roots: tuple[QWidget, ...] = (self.language_chooser,)
        else:
            idle = [self._idle.overlay] if self._idle is not None else []
            shown = [o for o in (*self.overlays(), *idle) if o.isVisible()]
            roots = (self.header, self.stack, self.footer, *shown)
        page = self.stack.currentWidget()
        if self._tab_parts is None or self._tab_parts[0] != (*roots, page):
            stops = [
                self._laid_out_stops(self._head_rows)
                if root is self.header
                else self._tab_stops(page if root is self.stack else root)
                for root in roots
            ]
            self._tab_parts = ((*roots, page), stops)
        parts: list[list[QWidget]] = list(self._tab_parts[1])
        if len(roots) > 1 and self._keyboard is not None and self._keyboard.isVisible():
            parts.insert(2, list(self._keyboard.key_buttons()))  # under the page, over the footer
        return [w for part in parts for w in part if w.isVisible() and w.isEnabled()]

    def _laid_out_stops(self, layout: QLayout) -> list[QWidget]:
        """The tab stops of a layout's widgets in the order it lays them out (the header's
        steps move between its rows: in one row they come before the language and
        accessibility buttons, on a row of their own after them)."""
        found: list[QWidget] = []
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item is None:
                continue
            inner, widget = item.layout(), item.widget()
            if inner is not None:
                found += self._laid_out_stops(inner)
            elif widget is not None:
                tab = QtCore.Qt.FocusPolicy.TabFocus
                found += [widget] if widget.focusPolicy() & tab else []
                found += self._tab_stops(widget)
        return found

    def _tab_stops(self, root: QWidget | None) -> list[QWidget]:
        """The widgets in ``root`` that Tab may stop on, shown or not, in reading order."""
        if root is None:
            return []
        tab = QtCore.Qt.FocusPolicy.TabFocus
        return [w for w in root.findChildren(QWidget) if w.focusPolicy() & tab]

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab, Shift+Tab (and a button's arrow keys): the next control in ``tab_order``,
        round; a control in a page that scrolls is scrolled into view."""
        chain = self.tab_order()
        if not chain:
            return False
        focus = QApplication.focusWidget()
        here = chain.index(focus) if focus in chain else (-1 if next else 0)
        target = chain[(here + (1 if next else -1)) % len(chain)]
        reason = QtCore.Qt.FocusReason
        target.setFocus(reason.TabFocusReason if next else reason.BacktabFocusReason)
        area = keyboard.scroll_area_of(target)
        if area is not None:
            area.ensureWidgetVisible(target, 48, 48)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter presses the button in focus, as Space does; held down, it presses once."""
        focus = QApplication.focusWidget()
        if (
            event.key() in PRESS_KEYS
            and isinstance(focus, QAbstractButton)
            and focus.isEnabled()
            and self.isAncestorOf(focus)
        ):
            if not event.isAutoRepeat():
                focus.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def describe(self, root: QWidget) -> None:
        """What each control in ``root`` does, in the patient's language (``kiosk.ui.names``)."""
        names.describe(root, self.ctx.pack.texts["a11y"])

    @property
    def staff(self) -> StaffAccess | None:
        return self._staff

    @staff.setter
    def staff(self, staff: StaffAccess | None) -> None:
        """The PIN pad and the panel: described each time they cover the window."""
        self._staff = staff
        if staff is not None:
            for overlay in (staff.pad, staff.panel):
                overlay.shown.connect(functools.partial(self.describe, overlay))

    # --- navigation -----------------------------------------------------------------------
    @Slot()
    def on_start(self) -> None:
        self.ctx.visit.start()

    @Slot()
    def on_next(self) -> None:
        self.ctx.visit.next()

    @Slot()
    def on_back(self) -> None:
        self.ctx.visit.back()

    @Slot()
    def on_finish(self) -> None:
        self.ctx.visit.finish()

    @Slot(str)
    def on_section(self, section: str) -> None:
        """A tap on a step already seen, in the progress bar."""
        self.ctx.visit.go_to_section(Section(section))

    @Slot()
    def choose_language(self) -> None:
        """The header's language button: the chooser, over the page."""
        self.language_chooser.open(
            self.ctx.pack.t("attract.language_prompt"),
            {code: pack.language_name for code, pack in self.ctx.packs.items()},
            self.ctx.visit.session.language,
        )
        self.describe(self.language_chooser)
        self._on_view_changed()

    @property
    def access_panel(self) -> AccessPanel:
        """The accessibility settings, made on first use."""
        if self._access_panel is None:
            self._access_panel = access_ui.AccessPanel(self.ctx, self)
        return self._access_panel

    @Slot()
    def open_access(self) -> None:
        """The header's accessibility button: the settings, over the page."""
        self.access_panel.open_panel()
        self._on_view_changed()

    def _on_access(self, old: Access, new: Access) -> None:
        """A setting changed: it shows at once; the answers and the page stay."""
        if (old.text_scale, old.high_contrast) != (new.text_scale, new.high_contrast):
            self._restyle(new)
        # the reader (and its speech child) is made when read aloud is first turned on
        if old.read_aloud != new.read_aloud and (new.read_aloud or self._reader is not None):
            self.read_aloud.set_enabled(new.read_aloud)
        self._on_view_changed()  # what is under the finger moved

    def _restyle(self, now: Access) -> None:
        """The theme and text size: one new style sheet for the application, the keyboard's
        own, and the widgets that paint themselves. Qt restyles every widget of a new
        application style sheet, about 1.7 ms each: the built screens (over 800 widgets,
        1.4 s) are dropped first, as a language switch does, and the page on show is built
        anew in the new style (the others after it, one per turn)."""
        theme.use(now.high_contrast, now.text_scale)
        self._rebuild_screens(prebuild=False)
        # a turn later: the dropped screens are deleted by then, so they are not restyled
        QTimer.singleShot(0, self, self._apply_style)

    @Slot()
    def _apply_style(self) -> None:
        # the dropped screens go now, not when the loop next gets round to them
        QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyleSheet(theme.style_sheet())
        if self._keyboard is not None:
            self._keyboard.restyle()
        for widget in self.findChildren(QWidget):
            restyle = getattr(widget, "restyle", None)
            if callable(restyle) and widget is not self._keyboard:
                restyle()
        self._place_sections(self._wide(self.width()))
        self._show(self.ctx.visit.flow.page)
        if self._painted:
            QTimer.singleShot(0, self, self._prebuild)

    @Slot(str)
    def on_language(self, code: str) -> None:
        """Switch language: rebuild every screen in the new language. The answers are in the
        session, and each screen shows them on ``enter``; the page on show stays."""
        if code not in self.ctx.packs or not self.ctx.visit.choose_language(code):
            return
        self._rebuild_if_language_changed()
        self._show(self.ctx.visit.flow.page)

    def _rebuild_if_language_changed(self) -> None:
        if self.ctx.pack.language == self._language:
            return
        self._language = self.ctx.pack.language
        self.setLayoutDirection(direction(self.ctx.pack.rtl))
        if self._keyboard is not None:
            self._keyboard.set_texts(self._keyboard_texts(), language=self._language)
        self._rebuild_screens()

    def _rebuild_screens(self, prebuild: bool = True) -> None:
        """Drop every screen; the page on show is built again when shown, the others one per
        turn of the event loop. The answers are in the session and the summary's typed
        address and view go to the new one (``take_draft``)."""
        if self._keyboard is not None:
            self._keyboard.detach()  # its field goes with the screens
        summary = next((p for k, p in self._screens.items() if k.screen is Screen.SUMMARY), None)
        on_summary = self.ctx.visit.flow.page.screen is Screen.SUMMARY
        # the address typed and the view on show go to the summary built in the new language
        self._draft = summary.draft() if summary is not None and on_summary else None  # type: ignore[attr-defined]
        for page in self._screens.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self._screens.clear()
        if self._painted and prebuild:  # the others anew, one per turn, as at start-up
            QTimer.singleShot(0, self, self._prebuild)

    def reload(self, config: Config, packs: dict[str, ContentPack]) -> None:
        """Take a reloaded config and content, between sessions only (the start screen): the
        header, the languages, the timeouts and every screen follow them; the services are
        made again on their next use (``UiContext.replace``)."""
        self.ctx.replace(config, packs)
        self.ctx.visit.reconfigure(languages=list(packs), max_copies=config.print.max_copies)
        self.setWindowTitle(config.clinic.name)
        self.clinic_name.setText(config.clinic.name)
        self.nav_lang.setVisible(len(packs) > 1)
        if self._idle is not None:
            kiosk = config.kiosk
            self._idle.set_timeouts(kiosk.idle_timeout_s * 1000, kiosk.idle_warning_s * 1000)
        self._draft = None
        self._language = ""  # every screen is built again, in the new words
        self._rebuild_if_language_changed()
        self._show(self.ctx.visit.flow.page)
        log.info("screens rebuilt with the reloaded settings and content")

    def activity_filter(self) -> TapFilter:
        """The one application-wide event filter (activity, waking the start screen, one tap
        one step, the staff corner, modal warnings; see ``kiosk.ui.taps``), installed on
        first use: after the first paint, or when the first patient starts."""
        if self.taps is None:
            self.taps = taps.TapFilter(self.ctx, self)
            self.taps.settled.connect(self._on_settled)
            self.focus_ring = FocusRing(self)
            self.taps.keyed.connect(self.focus_ring.set_keyed)
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self.taps)
        return self.taps

    @Slot()
    def _on_view_changed(self) -> None:
        self._tab_parts = None  # what Tab goes through may have changed
        if self.taps is not None:
            self.taps.hold_taps()  # a repeat of the tap that changed it must not act on it

    @Slot()
    def _on_settled(self) -> None:
        log.info("screen %s ready for taps", self.screen_id())

    def overlays(self) -> list[QWidget]:
        """The staff PIN pad and panel, and the accessibility settings (the idle warning
        belongs to the idle guard)."""
        mine: list[QWidget] = [self._access_panel] if self._access_panel is not None else []
        return [self.staff.pad, self.staff.panel, *mine] if self.staff is not None else mine

    def idle_guard(self) -> IdleGuard:
        """The idle timeout, made when the first patient starts (the start screen has none)."""
        if self._idle is None:
            kiosk = self.ctx.config.kiosk
            self._idle = idle.IdleGuard(
                self.ctx,
                self,
                self.activity_filter(),
                kiosk.idle_timeout_s * 1000,
                kiosk.idle_warning_s * 1000,
                self.ctx.config.accessibility.more_time_factor,
            )
            self._idle.timed_out.connect(self.on_walked_away)
            self._idle.overlay.shown.connect(functools.partial(self.describe, self._idle.overlay))
        return self._idle

    @Slot()
    def back_to_kiosk(self) -> None:
        """Staff are done: the panel goes, and kiosk mode comes back if it was left."""
        for overlay in self.overlays():
            overlay.hide()
        if self._kiosk_configured and not self.kiosk_mode:
            self.enter_kiosk_mode()

    @Slot()
    def leave_kiosk_mode(self) -> None:
        """Staff: an ordinary window again, with a cursor (for maintenance)."""
        if self.kiosk_mode:
            QGuiApplication.restoreOverrideCursor()
        self.kiosk_mode = False
        self.setWindowFlags(
            self.windowFlags()
            & ~QtCore.Qt.WindowType.FramelessWindowHint
            & ~QtCore.Qt.WindowType.WindowStaysOnTopHint
        )
        self.showNormal()
        self.resize(1366, 800)

    @Slot()
    def on_walked_away(self) -> None:
        self.ctx.visit.walked_away()

    @Slot()
    def reset_session(self) -> None:
        self.ctx.visit.staff_reset()
        # On the start screen no step changes: the next patient's language and direction
        # (the default) still have to be put back.
        self._draft = None
        self._rebuild_if_language_changed()
        self._show(self.ctx.visit.flow.page)

    def _on_step(self, old: Screen, new: Screen) -> None:
        """The visit moved on (its rules, the wipes among them, have run): show where."""
        if new is not Screen.ATTRACT and self._idle is None:
            self.idle_guard().on_activity()  # it listens to the flow from now on
        previous = self._screens.get(self._showing) if self._showing is not None else None
        if previous is not None:
            previous.leave()
        if new is Screen.ATTRACT:
            self._rebuild_if_language_changed()  # the next patient starts in the default
            for overlay in self.overlays():  # never leave the staff panel to a patient
                overlay.hide()
        page = self.ctx.visit.flow.page
        self._show(page)
        log.info("screen %s", page.id)
        self.screen_changed.emit(page.id)

    def _on_wipe(self) -> None:
        self._draft = None  # an address typed in another language goes with the session
        if self._access_panel is not None:
            self._access_panel.hide()
        for page in self._screens.values():
            page.wipe()
            page.reset_view()
        # The next patient finds the kiosk as it was: a new size or theme builds the screens
        # anew (emptied above first, so nothing typed lingers in those about to go).
        self.ctx.access.reset()
        self._draft = None
        # A name or address copied with a physical keyboard must not outlive the session.
        clipboard = QGuiApplication.clipboard()
        clipboard.clear(QtGui.QClipboard.Mode.Clipboard)
        if clipboard.supportsSelection():
            clipboard.clear(QtGui.QClipboard.Mode.Selection)

    def _show(self, which: Page) -> None:
        page = self.page(which)
        self._showing = which
        page.enter()
        # Only the screen on show may set the minimum size: a tall start screen must not
        # push the window past the display when the keyboard is up on another screen.
        ignored, used = QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        for other in self._screens.values():
            if other is not page:
                other.setSizePolicy(ignored, ignored)
        page.setSizePolicy(used, used)
        self.stack.setCurrentWidget(page)
        self.language_chooser.hide()
        pack = self.ctx.pack
        self.nav_lang.setText(pack.language_name)
        self.nav_lang.setAccessibleName(pack.t("attract.language_prompt"))
        self.nav_access.setText(pack.t("access.button"))
        self.nav_access.setAccessibleName(pack.t("access.button"))
        self.nav_access.setAccessibleDescription(pack.t("access.button_detail"))
        flow = self.ctx.visit.flow
        screen = which.screen
        chrome = screen is not Screen.ATTRACT
        if self._keyboard is not None and self._keyboard.isVisible():
            self._keyboard.detach()
        # The header shows on the start screen too, for the accessibility button; the start
        # screen has its own languages and the clinic's name, large.
        self.header.setVisible(True)
        self.footer.setVisible(chrome)
        self.nav_lang.setVisible(chrome and len(self.ctx.packs) > 1)
        self._show_clinic_name()
        self.step_label.setVisible(chrome)
        if self._sections is not None and not chrome:
            self._sections.hide()
        # Done has no Back: the answers were wiped when the patient finished.
        self.nav_back.setVisible(screen is not Screen.DONE)
        if chrome:
            self._show_progress()
            self.sections.setVisible(screen is not Screen.DONE)
        counted = flow.page_of_screen()
        self.step_label.setText(
            pack.t("ui.page_of", n=counted[0], total=counted[1]) if counted else ""
        )
        self.nav_back.setText(pack.t("ui.back"))
        self.nav_back.setAccessibleName(pack.t("ui.back"))
        text = {
            Screen.SUMMARY: pack.t("ui.finish"),
            Screen.DONE: pack.t("done.start_over"),
        }.get(screen, pack.t("ui.next"))
        self.nav_next.setText(text)
        self.nav_next.setAccessibleName(text)
        a11y = pack.texts["a11y"]
        finish = {Screen.SUMMARY: "finish", Screen.DONE: "start_over"}.get(screen, "next")
        names.set_description(self.nav_next, a11y, finish)
        for part in (self.header, page, self.footer):
            self.describe(part)
        self._tab_parts = None  # the header may have new parts (the steps)
        # On the summary, what the patient takes away leads: Finish steps back to an
        # ordinary button.
        role = "finish" if screen is Screen.SUMMARY else "primary"
        if self.nav_next.property("role") != role:
            self.nav_next.setProperty("role", role)
            self.nav_next.style().unpolish(self.nav_next)
            self.nav_next.style().polish(self.nav_next)

    @property
    def sections(self) -> SectionBar:
        """The named steps in the header, made when a patient starts (the start screen has
        no header: not building them before the first paint saves start-up time)."""
        if self._sections is None:
            self._sections = progress.SectionBar()
            self._sections.chosen.connect(self.on_section)
            if self._wide_header:
                self._head_top.insertWidget(1, self._sections, 1)
            else:
                self._head_rows.addWidget(self._sections)
            self._show_progress(self._sections)
        return self._sections

    @property
    def read_aloud(self) -> PageReader:
        """Read aloud (the accessibility panel's switch: ``read_aloud.set_enabled``), its
        bar a row of the header under the language button (beside it, the header's one row
        clipped every button in it); made on first use."""
        if self._reader is None:
            self._reader = reader.PageReader(self.ctx, self, self.stack)
            self._head_rows.insertWidget(1, self._reader.bar)
        return self._reader

    def _show_progress(self, bar: SectionBar | None = None) -> None:
        names = self.ctx.pack.texts["progress"]
        (bar or self.sections).show_states(
            self.ctx.visit.flow.sections(),
            {key: text for key, text in names.items() if isinstance(text, str)},
        )

    def _show_clinic_name(self) -> None:
        """The clinic's name heads every page but the start screen (which has it large); in
        a narrow header with larger text it gives its room to the buttons and the count."""
        chrome = self.ctx.visit.step is not Screen.ATTRACT
        self.clinic_name.setVisible(chrome and (self._wide_header or theme.scale() == 100))

    @staticmethod
    def _wide(width: int) -> bool:
        """Whether the header is one row: larger text needs a wider window for it."""
        return width * 100 >= WIDE_HEADER * theme.scale()

    def _place_sections(self, wide: bool) -> None:
        """One header row in a wide window; the steps on a row of their own in a narrow one."""
        if wide == self._wide_header:
            return
        self._wide_header = wide
        self._tab_parts = None  # the steps come before the buttons or after them now
        bar = self._sections
        if bar is not None and wide:
            self._head_rows.removeWidget(bar)
            self._head_top.insertWidget(1, bar, 1)
        elif bar is not None:
            self._head_top.removeWidget(bar)
            self._head_rows.addWidget(bar)
        self._head_top.setStretch(0, 0 if wide else 1)  # the page count to the right
        self._show_clinic_name()
        # now, not on a later turn: the rest of the window is laid out around its new height
        self._head_rows.activate()
        self.header.updateGeometry()

    # --- events ---------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        idle = [self._idle.overlay] if self._idle is not None else []
        for overlay in (*self.overlays(), *idle, self.language_chooser):
            if overlay.isVisible():
                overlay.setGeometry(0, 0, event.size().width(), event.size().height())
        self._place_sections(self._wide(event.size().width()))
        landscape = event.size().width() >= event.size().height()
        if landscape != self._landscape:
            self._landscape = landscape
            for page in self._screens.values():
                page.set_landscape(landscape)
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            log.info("first paint")
            # What waits for the first paint runs after it reaches the screen, not inside it.
            QTimer.singleShot(0, self, self.first_paint.emit)
            QTimer.singleShot(0, self, self._prebuild)  # dropped if the window goes

    @Slot()
    def _prebuild(self) -> None:
        """Build one more screen per event-loop turn, so later screen changes are quick."""
        missing = [p for p in self.ctx.visit.flow.pages if p not in self._screens]
        if missing:
            self.page(missing[0])
            QTimer.singleShot(0, self, self._prebuild)  # dropped if the window goes

    # --- kiosk mode, recovery and quitting -------------------------------------------------
    def enter_kiosk_mode(self) -> None:
        """Fullscreen, frameless, on top, no cursor; closing (Alt+F4) is refused."""
        self.kiosk_mode = True
        self._kiosk_configured = True
        self.setWindowFlags(
            self.windowFlags()
            | QtCore.Qt.WindowType.FramelessWindowHint
            | QtCore.Qt.WindowType.WindowStaysOnTopHint
        )
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.NoContextMenu)
        QGuiApplication.setOverrideCursor(QtGui.QCursor(QtCore.Qt.CursorShape.BlankCursor))
        # Also size it to the screen ourselves: a bare X session with no window manager
        # ignores the fullscreen request and would leave a small window in a corner.
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(screen.geometry())
        self.showFullScreen()

    @Slot()
    def recover(self) -> None:
        """After an unexpected error: forget the session, rebuild the screens, start over."""
        self.ctx.visit.forget()
        self._language = ""  # force the rebuild: the failed screen may be half-built
        self._rebuild_if_language_changed()
        if self.ctx.visit.step is Screen.ATTRACT:
            self._show(self.ctx.visit.flow.page)
        else:
            self.ctx.visit.finish()

    @Slot()
    def quit_kiosk(self) -> None:
        """Leave for good (staff, or SIGTERM from the service manager): wipe, then quit."""
        self._quitting = True
        self.quitting.emit()
        self.close()
        QApplication.quit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.kiosk_mode and not self._quitting:
            event.ignore()  # Alt+F4, or a stray close: a kiosk stays up
            return
        if self.taps is not None:
            QApplication.instance().removeEventFilter(self.taps)  # type: ignore[union-attr]
        self.ctx.visit.forget()
        self.ctx.shutdown()
        super().closeEvent(event)
