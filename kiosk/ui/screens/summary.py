"""The summary, rendered from the same template as the printed page, with print and email."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import addresses
from kiosk.core.flow import Screen
from kiosk.core.jobs import JobEvent, Kind
from kiosk.core.summary import build_context
from kiosk.core.visit import Email, EmailRefused
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import ScreenBase
from kiosk.ui.widgets import (
    ChoiceButton,
    ScrollPage,
    button,
    enable_kinetic_scrolling,
    label,
    text_field,
)

#: The patient hears within a second: "Sent", or that it will be sent shortly.
EMAIL_ANSWER_MS = 1000


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
        summary_view = QWidget()
        summary_lay = QVBoxLayout(summary_view)
        summary_lay.setContentsMargins(0, 0, 0, 0)
        summary_lay.setSpacing(16)
        self.views.addWidget(summary_view)
        self.preview = QTextBrowser()
        self.preview.setObjectName("summary_preview")
        self.preview.setAccessibleName(pack.t("summary.title"))
        self.preview.setOpenLinks(False)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.preview.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        enable_kinetic_scrolling(self.preview)
        summary_lay.addWidget(self.preview, 1)

        actions = QHBoxLayout()
        actions.setSpacing(20)
        self.print_button = button(pack.t("summary.print"), name="summary_print")
        self.print_button.clicked.connect(self.on_print)
        self.email_button = button(pack.t("summary.email"), name="summary_email")
        self.email_button.clicked.connect(self.on_email)
        for b in (self.print_button, self.email_button):
            b.setMinimumWidth(220)
            actions.addWidget(b)
        self.status = label("", "body", name="summary_status")
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        actions.addWidget(self.status, 1)
        summary_lay.addLayout(actions)
        self.views.addWidget(self._email_form())
        self._email_said: str | None = None
        self._email_timer = QTimer(self)
        self._email_timer.setSingleShot(True)
        self._email_timer.setInterval(EMAIL_ANSWER_MS)
        self._email_timer.timeout.connect(self._on_email_slow)
        self._print_offered = ctx.printer is not None
        self.print_button.setVisible(self._print_offered)
        self.email_button.setVisible(ctx.config.email.enabled)
        if ctx.printer is not None:
            ctx.printer.reported.connect(self.on_print_event)
        if ctx.mailer is not None:
            ctx.mailer.reported.connect(self.on_email_event)
        self._idle_status()

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
            max_length=254,
            max_width=900,
            email=True,
        )
        page.add(self.address)
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().bind(self.address, "email")
        self.consent = ChoiceButton(pack.t("email.consent"), name="email_consent")
        page.add(self.consent)
        self.email_status = label("", "body", name="email_status")
        page.add(self.email_status)
        self.address.textEdited.connect(self._clear_email_status)
        row = QHBoxLayout()
        row.setSpacing(20)
        self.send_button = button(pack.t("email.send"), "primary", name="email_send")
        self.send_button.clicked.connect(self.on_send_email)
        cancel = button(pack.t("email.cancel"), name="email_cancel")
        cancel.clicked.connect(self.on_cancel_email)
        row.addWidget(cancel)
        row.addStretch(1)
        row.addWidget(self.send_button)
        page.body.addLayout(row)
        page.finish()
        return page

    def _idle_status(self) -> None:
        offered = self._print_offered or self.ctx.config.email.enabled
        self.status.setText("" if offered else self.ctx.pack.t("summary.unavailable"))

    def _location(self) -> str:
        location: str = self.ctx.config.print.location
        return location

    def enter(self) -> None:
        context = build_context(self.ctx.visit.session, self.ctx.pack, self.ctx.config, screen=True)
        self.preview.setHtml(self.ctx.renderer().html(context))
        self.preview.verticalScrollBar().setValue(0)

    @Slot()
    def on_print(self) -> None:
        """One print per intent: the button is off while the job runs, and a session prints
        at most ``print.max_copies`` copies (the visit's rules)."""
        printer = self.ctx.printer
        request = self.ctx.visit.print_request()
        if printer is None or request is None:
            return
        self.print_button.setEnabled(False)
        self.status.setText(self.ctx.pack.t("summary.printing"))
        # The child lays the summary out from the answers (as the email job does): on the
        # tap, rendering it here stalled the screen.
        self.ctx.visit.print_submitted(printer.submit(request))

    @Slot(int, object)
    def on_print_event(self, job: int, event: JobEvent) -> None:
        # The visit heard it first (kiosk.ui.context): show it if it was this visit's.
        if self.ctx.visit.print_answer != (job, event) or not event.final:
            return
        pack = self.ctx.pack
        where = self._location()
        if event.kind is not Kind.PRINTED:
            email = self.ctx.config.email.enabled
            key = "summary.print_failed_email" if email else "summary.print_failed"
            self.status.setText(pack.t(key, location=where))
            self.print_button.setEnabled(True)  # a failed job was no copy: the patient may retry
            return
        left = self.ctx.visit.copies_left
        said = pack.t("summary.printed", location=where)
        if left <= 0:
            said += " " + pack.t("summary.print_limit", location=where)
        self.status.setText(said)
        if left > 0:
            self.print_button.setText(pack.t("summary.print_again"))
            self.print_button.setAccessibleName(pack.t("summary.print_again"))
        self.print_button.setEnabled(left > 0)

    # --- email -------------------------------------------------------------------------
    @Slot()
    def _clear_email_status(self, *_: object) -> None:
        self.email_status.setText("")

    @Slot()
    def on_email(self) -> None:
        self.email_status.setText("")
        self.title.hide()
        self.views.setCurrentIndex(1)
        self.view_changed.emit()
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().attach(self.address, "email")

    @Slot()
    def on_cancel_email(self) -> None:
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().detach()
        self._show_summary()

    def _show_summary(self) -> None:
        self.title.show()
        if self.views.currentIndex() != 0:
            self.views.setCurrentIndex(0)
            self.view_changed.emit()

    @Slot()
    def on_send_email(self) -> None:
        mailer = self.ctx.mailer
        if mailer is None:
            return
        pack = self.ctx.pack
        request = self.ctx.visit.email_request(self.address.text(), self.consent.isChecked())
        if request is None:
            return  # one is on its way, or was sent: one email per patient
        if isinstance(request, EmailRefused):
            self.email_status.setText(pack.t(request.value))
            return
        self.send_button.setEnabled(False)
        self.email_status.setText(pack.t("email.sending"))
        self.ctx.visit.email_submitted(mailer.submit(request))
        self._email_said = None
        self._email_timer.start()

    def _tell(self, key: str) -> None:
        """Tell the patient, back on the summary (the job may still be running)."""
        self._email_timer.stop()
        self._email_said = key
        if self.ctx.keyboard is not None:
            self.ctx.keyboard().detach()
        self._show_summary()
        self.status.setText(self.ctx.pack.t(key))
        self.email_button.setEnabled(self.ctx.visit.may_email)  # again after a failure
        self.send_button.setEnabled(True)

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

    def wipe(self) -> None:
        self.print_button.setText(self.ctx.pack.t("summary.print"))
        self.print_button.setAccessibleName(self.ctx.pack.t("summary.print"))
        self.preview.clear()
        self.preview.document().clearUndoRedoStacks()
        self._email_said = None
        self._email_timer.stop()
        self.address.clear()
        self.address.setText("")
        self.consent.setChecked(False)
        self.email_status.setText("")
        self._show_summary()
        self.print_button.setEnabled(True)
        self.send_button.setEnabled(True)
        self.email_button.setEnabled(True)
        self._idle_status()
