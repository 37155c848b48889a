"""The consultation, one topic a page: what happens at it, the areas, the patient's health
(two questions a page) and the questions they may want to ask."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.content import Area
from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext
from kiosk.ui.facemap import REGIONS, FaceMap
from kiosk.ui.screens.base import PageScreen
from kiosk.ui.widgets import (
    COLUMN_WIDE,
    PAGE_MARGIN,
    READING_WIDTH,
    AnswerButtons,
    ChoiceButton,
    ResponsiveBox,
    bullet_list,
    card,
    label,
    reading_label,
)


class ConsultationScreen(PageScreen):
    """What happens at the consultation, and what the treatment can and cannot do."""

    kind = Screen.CONSULTATION

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.page.set_column_width(COLUMN_WIDE)
        self.headline("consultation.title", "consultation.intro", "consultation")
        happens, happens_lay = card()
        happens.setObjectName("what_happens")
        happens_lay.addWidget(bullet_list(pack.items("consultation.what_happens")))
        happens_lay.addStretch(1)
        benefits, benefits_lay = card("info")
        benefits.setObjectName("benefits")
        benefits_lay.addWidget(label(pack.t("benefits.title"), "h2"))
        benefits_lay.addWidget(bullet_list(pack.items("benefits.points")))
        benefits_lay.addWidget(label(pack.t("benefits.approved")))
        benefits_lay.addWidget(label(pack.t("benefits.off_label")))
        row = ResponsiveBox(28)  # side by side in landscape, stacked in portrait
        row.box.addWidget(happens, 1)
        row.box.addWidget(benefits, 1)
        self.page.add(row)
        self.page.finish()


class AreasScreen(PageScreen):
    """The face map and, beside it, the same areas as buttons; the health uses apart.

    The whole face shows without scrolling: its height follows the room the page has."""

    kind = Screen.AREAS

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.page.set_column_width(COLUMN_WIDE)
        # a wide page, but lines a reader can follow
        self.heading = [reading_label(pack.t("consultation.map_title"), "title")]
        self.heading.append(reading_label(pack.t("consultation.map_hint"), "small"))
        for text in self.heading:
            self.page.add(text)
        names = {a.id: a.name for a in pack.areas}
        self.face = FaceMap(ctx.face_svg, names, accessible=pack.t("consultation.map_title"))
        self.face.toggled.connect(self._on_area_toggled)
        self.area_buttons: dict[str, ChoiceButton] = {}

        face_row = QWidget()
        face_lay = QHBoxLayout(face_row)
        face_lay.setContentsMargins(0, 0, 0, 0)
        face_lay.setSpacing(28)
        face_lay.addWidget(self.face, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(14)
        for area in pack.areas:
            if area.id in REGIONS:
                column.addWidget(self._area_button(area))
        column.addStretch(1)
        face_lay.addLayout(column, 1)

        other, other_lay = card("info")
        other.setObjectName("other_uses")
        other_lay.addWidget(label(pack.t("consultation.other_uses_title"), "h2"))
        other_lay.addWidget(label(pack.t("consultation.other_uses_note"), "small"))
        for area in pack.areas:
            if area.id not in REGIONS:
                other_lay.addWidget(self._area_button(area))
        other_lay.addStretch(1)

        row = ResponsiveBox(32)
        row.box.addWidget(face_row, 3)
        row.box.addWidget(other, 2, Qt.AlignmentFlag.AlignTop)
        self.page.add(row)
        self.page.finish()

    def _area_button(self, area: Area) -> ChoiceButton:
        btn = ChoiceButton(area.name, area.detail, name=f"area_{area.id}")
        btn.clicked.connect(functools.partial(self._on_area_toggled, area.id))
        self.area_buttons[area.id] = btn
        return btn

    def _on_area_toggled(self, area_id: str, *_: object) -> None:
        self.ctx.visit.session.toggle_area(area_id)
        self._show_areas()

    def _show_areas(self) -> None:
        chosen = self.ctx.visit.session.areas
        self.face.set_selected(chosen)
        for area_id, btn in self.area_buttons.items():
            btn.setChecked(area_id in chosen)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The whole face fits below the title and the hint, inside the visible page.
        width = min(READING_WIDTH, event.size().width() - 2 * PAGE_MARGIN)
        above = sum(text.heightForWidth(width) + self.page.body.spacing() for text in self.heading)
        self.face.fit_height(event.size().height() - above - 2 * PAGE_MARGIN - 8)
        super().resizeEvent(event)

    def enter(self) -> None:
        self._show_areas()

    def wipe(self) -> None:
        self._show_areas()


class HealthScreen(PageScreen):
    """One page of the health questions: at most two, each with large Yes / No / Not sure."""

    kind = Screen.HEALTH

    def __init__(self, ctx: UiContext, number: int = 1) -> None:
        super().__init__(ctx, number)
        pack = ctx.pack
        pages = pack.health_pages()
        self.picture("health")
        self.title("consultation.screening_title")
        if number == 1:
            self.page.add(label(pack.t("consultation.screening_intro"), "small"))
        answers = {
            "yes": pack.t("consultation.answer_yes"),
            "no": pack.t("consultation.answer_no"),
            "unsure": pack.t("consultation.answer_unsure"),
        }
        self.answer_rows: dict[str, AnswerButtons] = {}
        for q in pages[number - 1] if 0 < number <= len(pages) else ():
            qcard, qlay = card()
            qcard.setObjectName(f"question_card_{q.id}")
            qlay.setSpacing(14)
            qlay.addWidget(label(q.question, "question"))
            qlay.addWidget(label(q.why, "small"))
            answer = AnswerButtons(answers, q.question)
            answer.setObjectName(f"screening_{q.id}")
            answer.changed.connect(functools.partial(self._on_answer, q.id))
            self.answer_rows[q.id] = answer
            qlay.addWidget(answer)
            self.page.add(qcard)
        self.page.finish()

    def _on_answer(self, question_id: str, value: object) -> None:
        answer = value if isinstance(value, str) else None
        self.ctx.visit.session.answer(question_id, answer)  # type: ignore[arg-type]

    def enter(self) -> None:
        for qid, row in self.answer_rows.items():
            row.set_value(self.ctx.visit.session.screening.get(qid))

    def wipe(self) -> None:
        self.enter()


class QuestionsScreen(PageScreen):
    """Questions the patient may want to ask: the chosen ones go on the summary."""

    kind = Screen.QUESTIONS

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.picture("questions")
        self.title("consultation.questions_title")
        self.page.add(label(pack.t("consultation.questions_intro"), "small"))
        self.question_buttons: dict[str, ChoiceButton] = {}
        for pq in pack.questions:
            btn = ChoiceButton(pq.text, name=f"question_{pq.id}")
            btn.toggled.connect(functools.partial(self._on_question, pq.id))
            self.question_buttons[pq.id] = btn
            self.page.add(btn)
        self.page.finish()

    def _on_question(self, question_id: str, *_: object) -> None:
        checked = self.question_buttons[question_id].isChecked()
        self.ctx.visit.session.set_question(question_id, checked)

    def enter(self) -> None:
        for qid, btn in self.question_buttons.items():
            btn.blockSignals(True)
            btn.setChecked(qid in self.ctx.visit.session.questions)
            btn.blockSignals(False)
            btn._on_toggled(btn.isChecked())

    def wipe(self) -> None:
        self.enter()
