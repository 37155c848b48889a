"""The eight screens of the patient journey.

Each screen reads the session when it is entered and writes every answer straight back to
it; ``wipe`` clears whatever a patient typed or chose. Navigation is the window's job.
"""

from __future__ import annotations

import functools
from typing import ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.flow import Screen
from kiosk.core.timeline import dated_timeline, format_date, format_range
from kiosk.ui.context import UiContext
from kiosk.ui.facemap import REGIONS, FaceMap
from kiosk.ui.widgets import (
    AnswerButtons,
    ChoiceButton,
    ResponsiveBox,
    ScrollPage,
    bullet_list,
    button,
    card,
    enable_kinetic_scrolling,
    label,
)


class ScreenBase(QWidget):
    screen: ClassVar[Screen]

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"screen_{self.screen.value}")
        self.setAccessibleName(self.screen.value.replace("_", " "))

    def enter(self) -> None:
        """Show what the session holds now."""

    def wipe(self) -> None:
        """Forget everything the patient typed or chose."""

    def set_landscape(self, landscape: bool) -> None:
        for box in self.findChildren(ResponsiveBox):
            box.set_landscape(landscape)


class PageScreen(ScreenBase):
    """A screen whose content scrolls under a fixed title."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.page = ScrollPage()
        lay.addWidget(self.page)

    def title(self, key: str) -> None:
        self.page.add(label(self.ctx.pack.t(key), "title"))


class AttractScreen(ScreenBase):
    screen = Screen.ATTRACT
    language_chosen = Signal(str)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.addStretch(2)
        clinic = label(ctx.config.clinic.name, "subtitle", name="attract_clinic")
        clinic.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(clinic)
        title = label(pack.t("attract.title"), "hero")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(title)
        subtitle = label(pack.t("attract.subtitle"), "subtitle")
        subtitle.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(subtitle)
        lay.addSpacing(48)
        self.start = button(pack.t("attract.start"), "start", name="nav_start")
        lay.addWidget(self.start, 0, Qt.AlignmentFlag.AlignHCenter)
        if len(ctx.packs) > 1:
            lay.addSpacing(40)
            prompt = label(pack.t("attract.language_prompt"), "body")
            prompt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            lay.addWidget(prompt)
            row = QHBoxLayout()
            row.addStretch(1)
            for code, other in ctx.packs.items():
                btn = button(other.language_name, "answer", name=f"lang_{code}", checkable=True)
                btn.setChecked(code == ctx.session.language)
                btn.clicked.connect(functools.partial(self.language_chosen.emit, code))
                row.addWidget(btn)
            row.addStretch(1)
            lay.addLayout(row)
        lay.addStretch(3)


class PrivacyScreen(PageScreen):
    screen = Screen.PRIVACY

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("privacy.title")
        box, inner = card("info")
        for para in pack.items("privacy.body"):
            inner.addWidget(label(para))
        self.page.add(box)
        self.page.add(label(pack.t("privacy.name_label"), "h2"))
        self.name = QLineEdit()
        self.name.setObjectName("first_name")
        self.name.setAccessibleName(pack.t("privacy.name_label"))
        self.name.setPlaceholderText(pack.t("privacy.name_placeholder"))
        self.name.setMaxLength(80)
        self.name.setMaximumWidth(720)
        self.name.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.name.setInputMethodHints(
            Qt.InputMethodHint.ImhNoPredictiveText | Qt.InputMethodHint.ImhSensitiveData
        )
        self.name.textEdited.connect(self._on_name_edited)
        self.page.add(self.name)
        self.page.add(label(pack.t("privacy.name_hint"), "small"))
        self.page.finish()

    def _on_name_edited(self, text: str) -> None:
        self.ctx.session.first_name = text

    def enter(self) -> None:
        if self.name.text() != self.ctx.session.first_name:
            self.name.setText(self.ctx.session.first_name)

    def wipe(self) -> None:
        self.name.clear()
        self.name.setText("")  # also leaves nothing in the line edit's undo history
        self.name.setModified(False)


class ConsultationScreen(PageScreen):
    screen = Screen.CONSULTATION

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("consultation.title")
        self.page.add(label(pack.t("consultation.intro"), "subtitle"))
        box, inner = card()
        inner.addWidget(bullet_list(pack.items("consultation.what_happens")))
        self.page.add(box)

        # Treatment areas: the face map and, beside it, the same areas as buttons.
        self.page.add(label(pack.t("consultation.map_title"), "h2"))
        self.page.add(label(pack.t("consultation.map_hint"), "small"))
        names = {a.id: a.name for a in pack.areas}
        self.face = FaceMap(ctx.face_svg, names)
        self.face.toggled.connect(self._on_area_toggled)
        self.area_buttons: dict[str, ChoiceButton] = {}
        row = ResponsiveBox()
        row.box.addWidget(self.face, 1)
        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(14)
        for area in pack.areas:
            if area.id not in REGIONS:
                continue
            btn = ChoiceButton(area.name, area.detail, name=f"area_{area.id}")
            btn.clicked.connect(functools.partial(self._on_area_toggled, area.id))
            self.area_buttons[area.id] = btn
            col.addWidget(btn)
        col.addStretch(1)
        row.box.addWidget(column, 1)
        self.page.add(row)

        other, other_lay = card("info")
        other_lay.addWidget(label(pack.t("consultation.other_uses_title"), "h2"))
        other_lay.addWidget(label(pack.t("consultation.other_uses_note"), "small"))
        for area in pack.areas:
            if area.id in REGIONS:
                continue
            btn = ChoiceButton(area.name, area.detail, name=f"area_{area.id}")
            btn.clicked.connect(functools.partial(self._on_area_toggled, area.id))
            self.area_buttons[area.id] = btn
            other_lay.addWidget(btn)
        self.page.add(other)

        # Health questions: answered, never judged.
        self.page.add(label(pack.t("consultation.screening_title"), "h2"))
        self.page.add(label(pack.t("consultation.screening_intro"), "small"))
        answers = {
            "yes": pack.t("consultation.answer_yes"),
            "no": pack.t("consultation.answer_no"),
            "unsure": pack.t("consultation.answer_unsure"),
        }
        self.answer_rows: dict[str, AnswerButtons] = {}
        for q in pack.screening:
            qcard, qlay = card()
            qlay.addWidget(label(q.question, "choice_title"))
            qlay.addWidget(label(q.why, "small"))
            answer = AnswerButtons(answers, q.question)
            answer.setObjectName(f"screening_{q.id}")
            answer.changed.connect(functools.partial(self._on_answer, q.id))
            self.answer_rows[q.id] = answer
            qlay.addWidget(answer)
            self.page.add(qcard)

        # Questions the patient may want to ask.
        self.page.add(label(pack.t("consultation.questions_title"), "h2"))
        self.page.add(label(pack.t("consultation.questions_intro"), "small"))
        self.question_buttons: dict[str, ChoiceButton] = {}
        for pq in pack.questions:
            btn = ChoiceButton(pq.text, name=f"question_{pq.id}")
            btn.toggled.connect(functools.partial(self._on_question, pq.id))
            self.question_buttons[pq.id] = btn
            self.page.add(btn)
        self.page.finish()

    def _on_area_toggled(self, area_id: str, *_: object) -> None:
        self.ctx.session.toggle_area(area_id)
        self._show_areas()

    def _on_answer(self, question_id: str, value: object) -> None:
        self.ctx.session.answer(question_id, value if isinstance(value, str) else None)  # type: ignore[arg-type]

    def _on_question(self, question_id: str, checked: bool) -> None:
        self.ctx.session.set_question(question_id, checked)

    def _show_areas(self) -> None:
        chosen = self.ctx.session.areas
        self.face.set_selected(chosen)
        for area_id, btn in self.area_buttons.items():
            btn.setChecked(area_id in chosen)

    def enter(self) -> None:
        self._show_areas()
        for qid, row in self.answer_rows.items():
            row.set_value(self.ctx.session.screening.get(qid))
        for qid, btn in self.question_buttons.items():
            btn.blockSignals(True)
            btn.setChecked(qid in self.ctx.session.questions)
            btn.blockSignals(False)
            btn._on_toggled(btn.isChecked())

    def wipe(self) -> None:
        self.enter()
        self.page.verticalScrollBar().setValue(0)


class TreatmentScreen(PageScreen):
    screen = Screen.TREATMENT

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("treatment.title")
        self.page.add(label(pack.t("treatment.intro"), "subtitle"))
        for n, step in enumerate(pack.steps, start=1):
            box, inner = card()
            row = QHBoxLayout()
            row.setSpacing(20)
            num = label(str(n), "number")
            num.setWordWrap(False)
            num.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(num, 0, Qt.AlignmentFlag.AlignTop)
            text = QVBoxLayout()
            text.addWidget(label(step.title, "choice_title"))
            text.addWidget(label(step.body))
            row.addLayout(text, 1)
            inner.addLayout(row)
            self.page.add(box)
        notes, notes_lay = card("info")
        notes_lay.addWidget(bullet_list(pack.items("treatment.notes")))
        self.page.add(notes)
        self.page.finish()


class AftercareScreen(PageScreen):
    screen = Screen.AFTERCARE

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("aftercare.title")
        self.page.add(label(pack.t("aftercare.intro"), "subtitle"))
        row = ResponsiveBox(24)
        do, do_lay = card()
        do_lay.addWidget(label(pack.t("aftercare.do_title"), "h2"))
        do_lay.addWidget(bullet_list(pack.items("aftercare.do"), "✓"))
        do_lay.addStretch(1)
        dont, dont_lay = card()
        dont_lay.addWidget(label(pack.t("aftercare.dont_title"), "h2"))
        dont_lay.addWidget(bullet_list(pack.items("aftercare.dont"), "✗"))
        dont_lay.addStretch(1)
        row.box.addWidget(do, 1)
        row.box.addWidget(dont, 1)
        self.page.add(row)
        self.page.add(label(pack.t("aftercare.bruising")))
        self.page.add(label(pack.t("aftercare.caveat"), "note"))
        self.page.add(label(pack.t("aftercare.timeline_title"), "h2"))
        self.timeline_intro = label("", "body")
        self.page.add(self.timeline_intro)
        self.timeline = QWidget()
        self.timeline.setObjectName("timeline")
        self.timeline_lay = QVBoxLayout(self.timeline)
        self.timeline_lay.setContentsMargins(0, 0, 0, 0)
        self.timeline_lay.setSpacing(12)
        self.page.add(self.timeline)
        self.page.finish()
        self.timeline_labels: list[str] = []

    def enter(self) -> None:
        pack, session = self.ctx.pack, self.ctx.session
        self.timeline_intro.setText(
            pack.t("aftercare.timeline_intro", date=format_date(pack, session.appointment_date))
        )
        while (item := self.timeline_lay.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.deleteLater()
        self.timeline_labels = []
        for entry in dated_timeline(pack, session.appointment_date, session.areas):
            box, inner = card()
            when = format_range(pack, entry)
            self.timeline_labels.append(when)
            inner.addWidget(label(when, "when"))
            inner.addWidget(label(entry.title, "choice_title"))
            inner.addWidget(label(entry.body))
            self.timeline_lay.addWidget(box)


class SideEffectsScreen(PageScreen):
    screen = Screen.SIDE_EFFECTS
    ROLES: ClassVar[dict[str, str]] = {"emergency": "danger", "doctor": "warn", "clinic": "info"}

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("side_effects.title")
        self.page.add(label(pack.t("side_effects.intro"), "subtitle"))
        for level in pack.help:
            box, inner = card(self.ROLES[level.level])
            box.setObjectName(f"help_{level.level}")
            inner.addWidget(label(pack.fill(level.title), "h2"))
            inner.addWidget(bullet_list(list(level.signs)))
            self.page.add(box)
        common, common_lay = card()
        common_lay.addWidget(label(pack.t("side_effects.common_title"), "h2"))
        common_lay.addWidget(bullet_list(pack.items("side_effects.common")))
        common_lay.addWidget(label(pack.t("side_effects.common_note"), "small"))
        self.page.add(common)
        self.page.finish()


class SummaryScreen(ScreenBase):
    screen = Screen.SUMMARY

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 28, 48, 20)
        lay.setSpacing(16)
        lay.addWidget(label(pack.t("summary.title"), "title"))
        self.preview = QTextBrowser()
        self.preview.setObjectName("summary_preview")
        self.preview.setAccessibleName(pack.t("summary.title"))
        self.preview.setOpenLinks(False)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.preview.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        enable_kinetic_scrolling(self.preview)
        lay.addWidget(self.preview, 1)
        actions = QHBoxLayout()
        actions.setSpacing(20)
        self.print_button = button(pack.t("summary.print"), name="summary_print")
        self.email_button = button(pack.t("summary.email"), name="summary_email")
        for b in (self.print_button, self.email_button):
            b.setEnabled(False)  # printing and email arrive in the next releases
            b.setMinimumWidth(220)
            actions.addWidget(b)
        note = label(pack.t("summary.unavailable"), "small")
        note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        actions.addWidget(note, 1)
        lay.addLayout(actions)

    def enter(self) -> None:
        from kiosk.core.summary import build_context

        context = build_context(self.ctx.session, self.ctx.pack, self.ctx.config, screen=True)
        self.preview.setHtml(self.ctx.renderer().html(context))
        self.preview.verticalScrollBar().setValue(0)

    def wipe(self) -> None:
        self.preview.clear()
        self.preview.document().clearUndoRedoStacks()


class DoneScreen(ScreenBase):
    screen = Screen.DONE
    timed_out = Signal()

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        lay = QVBoxLayout(self)
        lay.setContentsMargins(80, 60, 80, 60)
        lay.addStretch(2)
        title = label(pack.t("done.title"), "hero")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(title)
        body = label(pack.t("done.body"), "subtitle")
        body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(body)
        lay.addSpacing(30)
        self.countdown = label("", "body", name="done_countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.countdown)
        lay.addStretch(3)
        self._left = 0
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def enter(self) -> None:
        self._left = self.ctx.config.kiosk.done_return_s
        self._show_left()
        self.timer.start()

    def leave(self) -> None:
        self.timer.stop()

    def _show_left(self) -> None:
        self.countdown.setText(self.ctx.pack.t("done.returning", seconds=self._left))

    def _tick(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.timer.stop()
            self.timed_out.emit()
        else:
            self._show_left()


SCREENS: dict[Screen, type[ScreenBase]] = {
    cls.screen: cls
    for cls in (
        AttractScreen,
        PrivacyScreen,
        ConsultationScreen,
        TreatmentScreen,
        AftercareScreen,
        SideEffectsScreen,
        SummaryScreen,
        DoneScreen,
    )
}
