"""The summary, rendered from the same template as the printed page, and what the patient
takes away: three large choices, Print, Email and "Take it on your phone", each showing its
own state in its card.

Landscape: the summary on the left (a reading column, about 75 characters a line), the
choices stacked on the right; portrait: the summary on top, the choices below.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QImage, QPainter, QTextDocument
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import addresses
from kiosk.core.flow import Screen
from kiosk.core.jobs import JobEvent, Kind
from kiosk.core.session import EMAIL_MAX
from kiosk.core.summary import build_context
from kiosk.core.visit import Email, EmailRefused
from kiosk.ui import theme
from kiosk.ui.context import UiContext
from kiosk.ui.qrcode import QrCode
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import (
    READING_WIDTH,
    ChoiceButton,
    ResponsiveBox,
    ScrollPage,
    button,
    enable_kinetic_scrolling,
    label,
    reading_label,
    text_field,
)

#: The patient hears within a second: "Sent", or that it will be sent shortly.
EMAIL_ANSWER_MS = 1000
#: A take-away card is a large target, well over the 72 px minimum.
CARD_MIN_HEIGHT = 120
#: The preview's frame, padding and scroll bar around its reading column.
PREVIEW_CHROME = 60
#: The choices' column in landscape.
CHOICES_WIDTH = (520, 680)
QWIDGETSIZE_MAX = (1 << 24) - 1
#: The views of the screen's stack.
SUMMARY, EMAIL_FORM, EMAIL_CONFIRM, PHONE = range(4)
#: Where a line of the address on the confirm view may break (nothing shows there).
_BREAK_AFTER = "@._-+"


class TakeAwayCard(QPushButton):
    """One large choice: a title, a short hint, and below them what became of it (printing,
    sent to a***@example.com, …), in the card the patient tapped."""

    def __init__(self, title: str, hint: str, *, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "takeaway")
        self.setAccessibleName(title)
        self.setAccessibleDescription(hint)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        lay = self._lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 18, 28, 18)
        lay.setSpacing(6)
        self._title = label(title, "takeaway_title", name=f"{name}_title")
        self._hint = label(hint, "takeaway_hint", name=f"{name}_hint")
        self.state = label("", "takeaway_state", name=f"{name}_state")
        self.state.hide()
        for lbl in (self._title, self._hint, self.state):
            lbl.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            lay.addWidget(lbl)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def title(self) -> str:
        return self._title.text()

    def set_title(self, title: str) -> None:
        self._title.setText(title)
        self.setAccessibleName(title)

    def set_state(self, text: str) -> None:
        """What became of this choice; "" hides the line (and shows the hint again)."""
        self.state.setText(text)
        self.state.setVisible(bool(text))
        self._hint.setVisible(not text)
        self.setAccessibleDescription(text or self._hint.text())

    def sizeHint(self) -> QSize:
        return self._lay.sizeHint().expandedTo(QSize(300, CARD_MIN_HEIGHT))

    def minimumSizeHint(self) -> QSize:
        return self._lay.minimumSize().expandedTo(QSize(300, CARD_MIN_HEIGHT))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(CARD_MIN_HEIGHT, self._lay.totalHeightForWidth(width))


def breakable(address: str) -> str:
    """The address as it is, with invisible break points after @ . _ - + (a long address
    wraps there instead of running off the screen)."""
    return "".join(c + "\u200b" if c in _BREAK_AFTER else c for c in address)


def back_and_go(back: QPushButton, go: QPushButton) -> QHBoxLayout:
    """A form's two actions: the way back on the left, the primary one on the right (where
    Next is on every screen)."""
    row = QHBoxLayout()
    row.setSpacing(20)
    row.addWidget(back)
    row.addStretch(1)
    row.addWidget(go)
    return row


class SummaryScreen(ScreenBase):
    kind = Screen.SUMMARY

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        addresses.preload()  # now, not on the patient's tap on Send
        pack = ctx.pack
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 28, 48, 20)
        lay.setSpacing(16)
        self.title = label(pack.t("summary.title"), "title")
        lay.addWidget(self.title)
        self.views = QStackedWidget()
        lay.addWidget(self.views, 1)

        columns = ResponsiveBox(spacing=32)
        columns.setObjectName("summary_columns")
        self.views.addWidget(columns)
        self.preview = QTextBrowser()
        self.preview.setObjectName("summary_preview")
        self.preview.setAccessibleName(pack.t("summary.title"))
        self.preview.setOpenLinks(False)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.preview.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # about 75 characters a line: the column is never wider than the reading width
        self.preview.setMaximumWidth(READING_WIDTH + PREVIEW_CHROME)
        enable_kinetic_scrolling(self.preview)
        columns.box.addWidget(self.preview, 3)
        # the choices scroll when larger text makes them taller than the screen
        self.choices_area = QScrollArea()
        self.choices_area.setObjectName("summary_choices_area")
        self.choices_area.setWidgetResizable(True)
        self.choices_area.setFrameShape(QFrame.Shape.NoFrame)
        self.choices_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.choices_area.setWidget(self._choices())
        self.choices_area.setMinimumWidth(CHOICES_WIDTH[0])
        self.choices_area.setMaximumWidth(CHOICES_WIDTH[1])
        enable_kinetic_scrolling(self.choices_area)
        columns.box.addWidget(self.choices_area, 2)

        self.views.addWidget(self._email_form())
        self.views.addWidget(self._email_confirm())
        self.views.addWidget(self._phone_view())
        self._email_said: str | None = None
        self._face_drawn = ""
        self._face_image = QImage()
        self._email_timer = QTimer(self)
        self._email_timer.setSingleShot(True)
        self._email_timer.setInterval(EMAIL_ANSWER_MS)
        self._email_timer.timeout.connect(self._on_email_slow)
        if ctx.printer is not None:
            ctx.printer.reported.connect(self.on_print_event)
        self._print_unavailable = False
        if ctx.printer_check is not None:
            ctx.printer_check.changed.connect(self._offer_print)
        if ctx.mailer is not None:
            ctx.mailer.reported.connect(self.on_email_event)

    # --- building -------------------------------------------------------------------------
    def _choices(self) -> QWidget:
        """Print, Email, Take it on your phone: only those this kiosk offers."""
        pack = self.ctx.pack
        box = self.choices = QWidget()
        box.setObjectName("summary_choices")
        box.setMinimumWidth(CHOICES_WIDTH[0])
        box.setMaximumWidth(CHOICES_WIDTH[1])
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(20)
        heading = label(pack.t("summary.choices_title"), "h2", name="summary_choices_title")
        lay.addWidget(heading)
        self.print_button = TakeAwayCard(
            pack.t("summary.print"), pack.t("summary.print_hint"), name="summary_print"
        )
        self.print_button.clicked.connect(self.on_print)
        self.email_button = TakeAwayCard(
            pack.t("summary.email"), pack.t("summary.email_hint"), name="summary_email"
        )
        self.email_button.clicked.connect(self.on_email)
        self.phone_button = TakeAwayCard(
            pack.t("summary.phone"), pack.t("summary.phone_hint"), name="summary_phone"
        )
        self.phone_button.clicked.connect(self.on_phone)
        for card in (self.print_button, self.email_button, self.phone_button):
            lay.addWidget(card)
        self.unavailable = label(pack.t("summary.unavailable"), "body", name="summary_unavailable")
        lay.addWidget(self.unavailable)
        lay.addStretch(1)
        self._print_offered = self.ctx.printer is not None
        self._email_offered = self.ctx.config.email.enabled
        self._phone_offered = bool(self.ctx.config.clinic.aftercare_url)
        self.print_button.setVisible(self._print_offered)
        self.email_button.setVisible(self._email_offered)
        self.phone_button.setVisible(self._phone_offered)
        heading.setVisible(self._print_offered or self._email_offered or self._phone_offered)
        self.unavailable.setVisible(not (self._print_offered or self._email_offered))
        return box

    def _email_form(self) -> QWidget:
        """Address, consent, send: the on-screen keyboard comes up under it."""
        pack = self.ctx.pack
        page = ScrollPage()
        page.setObjectName("email_form")
        page.add(label(pack.t("email.title"), "h2"))
        page.add(label(pack.t("email.intro"), "small"))
        self.address = text_field(
            "email_address",
            pack.t("email.address_label"),
            pack.t("email.address_placeholder"),
            max_length=EMAIL_MAX,
            max_width=900,
            email=True,
        )
        # The field and what the patient taps next, kept in view together above the keyboard.
        self.form_block = QWidget()
        self.form_block.setObjectName("email_form_block")
        block = QVBoxLayout(self.form_block)
        block.setContentsMargins(0, 0, 0, 0)
        block.setSpacing(18)
        block.addWidget(self.address)
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().bind(self.address, "email")
        self.consent = ChoiceButton(pack.t("email.consent"), name="email_consent")
        block.addWidget(self.consent)
        self.email_status = label("", "body", name="email_status")
        block.addWidget(self.email_status)
        self.address.textEdited.connect(self._clear_email_status)
        cancel = button(pack.t("email.cancel"), name="email_cancel")
        cancel.clicked.connect(self.on_cancel_email)
        self.send_button = button(pack.t("email.send"), "primary", name="email_send")
        self.send_button.clicked.connect(self.on_send_email)
        block.addLayout(back_and_go(cancel, self.send_button))
        page.add(self.form_block)
        page.finish()
        return page

    def _email_confirm(self) -> QWidget:
        """The address shown back in large type: send it, or change it."""
        pack = self.ctx.pack
        page = ScrollPage()
        page.setObjectName("email_confirm_view")
        page.add(label(pack.t("email.confirm_title"), "h2"))
        page.add(label(pack.t("email.confirm_hint"), "body"))
        self.confirm_address = reading_label("", "confirm_address", name="email_confirm_address")
        self.confirm_address.setTextFormat(Qt.TextFormat.PlainText)  # shown as typed, literally
        self.confirm_address.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # an address
        # Keys reach it, so a keypad user with read aloud on can hear the address they
        # typed (going to it is asking for it: kiosk.ui.reader); a screen reader reads it.
        self.confirm_address.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.confirm_address.setAccessibleDescription(pack.t("read_aloud.address_hint"))
        page.add(self.confirm_address)
        change = button(pack.t("email.change"), name="email_change")
        change.clicked.connect(self.on_change_email)
        self.confirm_button = button(pack.t("email.confirm"), "primary", name="email_confirm")
        self.confirm_button.clicked.connect(self.on_confirm_email)
        page.body.addLayout(back_and_go(change, self.confirm_button))
        page.finish()
        return page

    def _phone_view(self) -> QWidget:
        """The aftercare page's QR code, large enough to scan, and the way back."""
        pack = self.ctx.pack
        view = QWidget()
        view.setObjectName("phone_view")
        lay = QVBoxLayout(view)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(20)
        lay.addStretch(1)
        lay.addWidget(label(pack.t("summary.phone_title"), "h2", center=True))
        url = self.ctx.config.clinic.aftercare_url
        self.qr: QrCode | None = None
        if url:
            self.qr = QrCode(url, name="summary_qr", accessible=pack.t("summary.phone_title"))
            lay.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        scan = reading_label(
            pack.t("summary.phone_scan"), "body", center=True, name="summary_qr_text"
        )
        row = QHBoxLayout()  # centred, and as wide as the reading column allows
        row.addStretch(1)
        row.addWidget(scan, 1000)
        row.addStretch(1)
        lay.addLayout(row)
        back = button(pack.t("summary.phone_back"), "primary", name="summary_phone_back")
        back.clicked.connect(self.on_phone_back)
        lay.addWidget(back, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)
        return view

    # --- showing --------------------------------------------------------------------------
    def set_landscape(self, landscape: bool) -> None:
        """Landscape: the choices a column beside the text; portrait: the width below it."""
        super().set_landscape(landscape)
        self.choices.setMaximumWidth(CHOICES_WIDTH[1] if landscape else QWIDGETSIZE_MAX)
        self.choices_area.setMaximumWidth(CHOICES_WIDTH[1] if landscape else QWIDGETSIZE_MAX)

    def _location(self) -> str:
        config = self.ctx.config
        return config.print.location_for(
            self.ctx.pack.language, config.kiosk.languages[0], self.ctx.pack.t("summary.front_desk")
        )

    def enter(self) -> None:
        self._show_preview()
        self.preview.verticalScrollBar().setValue(0)
        self._restore_cards()
        self._offer_print()

    def _show_preview(self) -> None:
        """The summary as it will print, its words at the patient's text size."""
        context = build_context(self.ctx.visit.session, self.ctx.pack, self.ctx.config, screen=True)
        scale = theme.scale() / 100
        context["size"] = {
            key: size if key == "map" else round(size * scale, 1)
            for key, size in context["size"].items()
        }
        self.preview.setHtml(theme.document(self.ctx.renderer().html(context)))
        if context["face_map"] and context["face_map"] != self._face_drawn:
            self._draw_face(context["face_map"], context["size"]["map"])
            self._face_drawn = context["face_map"]  # back and forth: drawn once a visit

    def restyle(self) -> None:
        """The text size or the theme changed (the window calls this): the preview's words
        follow."""
        if self.isVisible():
            self._show_preview()

    def _restore_cards(self) -> None:
        """Each card as the visit stands: after a language switch (the screens are built
        anew in the new language) the patient still sees what became of the print, the
        email and the code."""
        visit, pack = self.ctx.visit, self.ctx.pack
        if visit.print_job is not None:
            self.print_button.setEnabled(False)
            self.print_button.set_state(pack.t("summary.printing"))
        elif visit.copies:
            self._show_printed()
        key = {
            Email.SENDING: "email.sending",
            Email.QUEUED: "email.queued",
            Email.SENT: "email.sent",
            Email.FAILED: "email.failed",
        }.get(visit.email)
        if key is not None:
            self.email_button.set_state(pack.t(key, address=addresses.masked(visit.session.email)))
            self.email_button.setEnabled(visit.may_email)
        if visit.code_shown:
            self.phone_button.set_state(pack.t("summary.phone_shown"))

    def draft(self) -> tuple[str, bool, int]:
        """What the patient has on the go here and no session holds yet: the address typed,
        the consent ticked, the view on show (for the screen built in another language)."""
        return self.address.text(), self.consent.isChecked(), self.views.currentIndex()

    def take_draft(self, draft: tuple[str, bool, int]) -> None:
        address, consent, view = draft
        self.address.setText(address)
        self.consent.setChecked(consent)
        if view == EMAIL_CONFIRM and address:
            self.confirm_address.setText(breakable(address.strip()))
            self.confirm_address.setAccessibleName(address.strip())
        if view in (EMAIL_FORM, EMAIL_CONFIRM, PHONE):
            self._show(view)

    def _draw_face(self, uri: str, width: int) -> None:
        """The marked face, drawn at the size the preview shows it, into one image kept for
        every visit. Left to the document, it is decoded at the picture's own size (600 x
        800) for each new set of areas, and with the face at the top of the summary the
        kiosk's memory grew by steps over a day (tests/test_soak.py)."""
        svg = QSvgRenderer(QByteArray.fromBase64(QByteArray(uri.split(",", 1)[1].encode())))
        ratio = self.devicePixelRatioF()
        size = QSize(width, width * 4 // 3) * ratio
        if self._face_image.size() != size:
            self._face_image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        self._face_image.setDevicePixelRatio(ratio)
        self._face_image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(self._face_image)
        svg.render(painter)
        painter.end()
        self.preview.document().addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(uri), self._face_image
        )

    def _show(self, view: int) -> None:
        """One of the screen's views; the title stays over the summary and the code."""
        self.title.setVisible(view in (SUMMARY, PHONE))
        if self.views.currentIndex() != view:
            self.views.setCurrentIndex(view)
            self.view_changed.emit()

    def _show_summary(self) -> None:
        self._show(SUMMARY)

    # --- print ----------------------------------------------------------------------------
    def _print_failed(self) -> str:
        key = "summary.print_failed_email" if self._email_offered else "summary.print_failed"
        return self.ctx.pack.t(key, location=self._location())

    @Slot()
    def _offer_print(self) -> None:
        """Print is offered while the printer takes jobs, as last checked (kiosk.core.visit
        asks when the session starts and when the summary is reached). When it does not,
        the card says so and where to ask instead; a print under way keeps its card."""
        check = self.ctx.printer_check
        if check is None or self.ctx.visit.print_job is not None:
            return
        if check.ready is False:
            self._print_unavailable = True
            if self.ctx.visit.copies == 0:  # a patient whose copy printed keeps "collect it"
                self.print_button.set_state(self._print_failed())
            self.print_button.setEnabled(False)
        elif self._print_unavailable:
            self._print_unavailable = False
            if self.ctx.visit.copies == 0:
                self.print_button.set_state("")
            self.print_button.setEnabled(self.ctx.visit.copies_left > 0)

    @Slot()
    def on_print(self) -> None:
        """One print per intent: the card is off while the job runs, and a session prints
        at most ``print.max_copies`` copies (the visit's rules)."""
        printer = self.ctx.printer
        request = self.ctx.visit.print_request()
        if printer is None or request is None or self._print_unavailable:
            return
        self.print_button.setEnabled(False)
        self.print_button.set_state(self.ctx.pack.t("summary.printing"))
        # The child lays the summary out from the answers (as the email job does): on the
        # tap, rendering it here stalled the screen.
        self.ctx.visit.print_submitted(printer.submit(request))

    @Slot(int, object)
    def on_print_event(self, job: int, event: JobEvent) -> None:
        # The visit heard it first (kiosk.ui.context): show it if it was this visit's.
        if self.ctx.visit.print_answer != (job, event) or not event.final:
            return
        if event.kind is not Kind.PRINTED:
            self.print_button.set_state(self._print_failed())
            self.print_button.setEnabled(True)  # a failed job was no copy: the patient may retry
            self.ctx.check_printer()  # is the printer still taking jobs? (the card follows)
            return
        self._show_printed()

    def _show_printed(self) -> None:
        """The Print card once a copy has printed: where to collect it, and another copy
        while the visit allows one."""
        pack, where, left = self.ctx.pack, self._location(), self.ctx.visit.copies_left
        said = pack.t("summary.printed", location=where)
        if left <= 0:
            said += " " + pack.t("summary.print_limit", location=where)
        self.print_button.set_state(said)
        if left > 0:
            self.print_button.set_title(pack.t("summary.print_again"))
        self.print_button.setEnabled(left > 0)

    # --- email ----------------------------------------------------------------------------
    @Slot()
    def _clear_email_status(self, *_: object) -> None:
        self.email_status.setText("")

    @Slot()
    def on_email(self) -> None:
        self.email_status.setText("")
        self._open_form()

    def _open_form(self) -> None:
        self._show(EMAIL_FORM)
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().attach(self.address, "email", reveal=self.form_block)

    def _close_keyboard(self) -> None:
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().detach()

    @Slot()
    def on_cancel_email(self) -> None:
        self._close_keyboard()
        self._show_summary()

    @Slot()
    def on_send_email(self) -> None:
        """Send on the form: a usable address and consent lead to the address shown back."""
        if self.ctx.mailer is None or not self.ctx.visit.may_email:
            return
        refused = self.ctx.visit.email_refused(self.address.text(), self.consent.isChecked())
        if refused is not None:
            self.email_status.setText(self.ctx.pack.t(refused.value))
            return
        self.confirm_address.setText(breakable(self.address.text().strip()))
        self.confirm_address.setAccessibleName(self.address.text().strip())
        self._close_keyboard()
        self._show(EMAIL_CONFIRM)

    @Slot()
    def on_change_email(self) -> None:
        """Back to the form, the address as it was, to correct it."""
        self.confirm_address.clear()
        self._open_form()

    @Slot()
    def on_confirm_email(self) -> None:
        mailer = self.ctx.mailer
        if mailer is None:
            return
        pack = self.ctx.pack
        request = self.ctx.visit.email_request(self.address.text(), self.consent.isChecked())
        self.confirm_address.clear()
        if request is None:
            self._show_summary()  # one is on its way, or was sent: one email per patient
            return
        if isinstance(request, EmailRefused):  # not after Send's check; kept as a guard
            self.email_status.setText(pack.t(request.value))
            self._open_form()
            return
        self.ctx.visit.email_submitted(mailer.submit(request))
        self.email_button.setEnabled(False)
        self.email_button.set_state(pack.t("email.sending"))
        self._show_summary()
        self._email_said = None
        self._email_timer.start()

    def _tell(self, key: str) -> None:
        """Tell the patient, in the Email card (the job may still be running)."""
        self._email_timer.stop()
        self._email_said = key
        if self.views.currentIndex() in (EMAIL_FORM, EMAIL_CONFIRM):
            self._close_keyboard()
            self._show_summary()
        to = addresses.masked(self.ctx.visit.session.email)
        self.email_button.set_state(self.ctx.pack.t(key, address=to))
        self.email_button.setEnabled(self.ctx.visit.may_email)  # again after a failure

    @Slot()
    def _on_email_slow(self) -> None:
        # A second without "sent": it is queued, or about to be. The job is still watched,
        # and a later "sent" or failure replaces this message.
        if self.ctx.visit.email_job is not None and self._email_said is None:
            self._tell("email.queued")

    @Slot(int, object)
    def on_email_event(self, job: int, event: JobEvent) -> None:
        if self.ctx.visit.email_answer != (job, event):
            return  # a job of a session that has since been wiped (the visit heard it first)
        state = self.ctx.visit.email
        if state is Email.SENT:
            self._tell("email.sent")
        elif state is Email.FAILED:
            self._tell("email.failed")
        elif event.final and self._email_said is None:
            self._tell("email.queued")  # it waits in the outbox: delivered later

    # --- phone ----------------------------------------------------------------------------
    @Slot()
    def on_phone(self) -> None:
        if self.qr is None:
            return
        self.ctx.visit.code_shown = True
        self.phone_button.set_state(self.ctx.pack.t("summary.phone_shown"))
        self._show(PHONE)

    @Slot()
    def on_phone_back(self) -> None:
        self._show_summary()

    # --- forgetting -----------------------------------------------------------------------
    def wipe(self) -> None:
        self._print_unavailable = False
        self.print_button.set_title(self.ctx.pack.t("summary.print"))
        for card in (self.print_button, self.email_button, self.phone_button):
            card.set_state("")
            card.setEnabled(True)
        self.preview.clear()
        self.preview.document().clear()  # its pictures too (QTextEdit.clear keeps them)
        self.preview.document().clearUndoRedoStacks()
        self._face_drawn = ""
        self._face_image.fill(Qt.GlobalColor.transparent)  # the buffer stays, the face goes
        self._email_said = None
        self._email_timer.stop()
        self.address.clear()
        self.address.setText("")
        self.confirm_address.clear()
        self.confirm_address.setAccessibleName("")
        self.consent.setChecked(False)
        self.email_status.setText("")
        self._show_summary()
        self.send_button.setEnabled(True)
