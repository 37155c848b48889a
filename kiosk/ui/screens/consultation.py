"""The consultation: treatment areas, health questions, questions to ask."""

from __future__ import annotations

import functools

from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from kiosk.core.content import Area
from kiosk.core.flow import Screen
from kiosk.ui.context import UiContext
from kiosk.ui.facemap import REGIONS, FaceMap
from kiosk.ui.screens.base import PageScreen
from kiosk.ui.widgets import (
    AnswerButtons,
    ChoiceButton,
    ResponsiveBox,
    bullet_list,
    card,
    label,
)


class ConsultationScreen(PageScreen):
    kind = Screen.CONSULTATION

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("consultation.title")
        self.page.add(label(pack.t("consultation.intro"), "subtitle"))
        box, inner = card()
        inner.addWidget(bullet_list(pack.items("consultation.what_happens")))
        self.page.add(box)

        # What it can and cannot do, before anyone chooses an area.
        benefits, benefits_lay = card("info")
        benefits.setObjectName("benefits")
        benefits_lay.addWidget(label(pack.t("benefits.title"), "h2"))
        benefits_lay.addWidget(bullet_list(pack.items("benefits.points")))
        benefits_lay.addWidget(label(pack.t("benefits.approved")))
        benefits_lay.addWidget(label(pack.t("benefits.off_label")))
        self.page.add(benefits)

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
            if area.id in REGIONS:
                col.addWidget(self._area_button(area))
        col.addStretch(1)
        row.box.addWidget(column, 1)
        self.page.add(row)

        other, other_lay = card("info")
        other_lay.addWidget(label(pack.t("consultation.other_uses_title"), "h2"))
        other_lay.addWidget(label(pack.t("consultation.other_uses_note"), "small"))
        for area in pack.areas:
            if area.id not in REGIONS:
                other_lay.addWidget(self._area_button(area))
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

    def _area_button(self, area: Area) -> ChoiceButton:
        btn = ChoiceButton(area.name, area.detail, name=f"area_{area.id}")
        btn.clicked.connect(functools.partial(self._on_area_toggled, area.id))
        self.area_buttons[area.id] = btn
        return btn

    def _on_area_toggled(self, area_id: str, *_: object) -> None:
        self.ctx.visit.session.toggle_area(area_id)
        self._show_areas()

    def _on_answer(self, question_id: str, value: object) -> None:
        self.ctx.visit.session.answer(question_id, value if isinstance(value, str) else None)  # type: ignore[arg-type]

    def _on_question(self, question_id: str, *_: object) -> None:
        checked = self.question_buttons[question_id].isChecked()
        self.ctx.visit.session.set_question(question_id, checked)

    def _show_areas(self) -> None:
        chosen = self.ctx.visit.session.areas
        self.face.set_selected(chosen)
        for area_id, btn in self.area_buttons.items():
            btn.setChecked(area_id in chosen)

    def enter(self) -> None:
        self._show_areas()
        for qid, row in self.answer_rows.items():
            row.set_value(self.ctx.visit.session.screening.get(qid))
        for qid, btn in self.question_buttons.items():
            btn.blockSignals(True)
            btn.setChecked(qid in self.ctx.visit.session.questions)
            btn.blockSignals(False)
            btn._on_toggled(btn.isChecked())

    def wipe(self) -> None:
        self.enter()
        self.page.verticalScrollBar().setValue(0)
