"""Treatment, aftercare and side effects: mostly reading, with real dates."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.flow import Screen
from kiosk.core.timeline import format_date, format_range, plan
from kiosk.ui.context import UiContext
from kiosk.ui.screens.base import PageScreen
from kiosk.ui.widgets import (
    ResponsiveBox,
    bullet_list,
    card,
    label,
)


class TreatmentScreen(PageScreen):
    kind = Screen.TREATMENT

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
    kind = Screen.AFTERCARE

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
        self.timeline_note = label("", "body", name="timeline_note")
        self.timeline_lay.addWidget(self.timeline_note)
        self.page.add(self.timeline)
        self.page.finish()
        self.timeline_labels: list[str] = []
        # Cards are made once and reused: making widgets on every entry cost the screen
        # change about 8 ms. Each is (card, when, title, body).
        self._cards: list[tuple[QFrame, QLabel, QLabel, QLabel]] = []

    def enter(self) -> None:
        pack, session = self.ctx.pack, self.ctx.visit.session
        self.timeline_intro.setText(
            pack.t("aftercare.timeline_intro", date=format_date(pack, session.appointment_date))
        )
        the_plan = plan(
            pack,
            session.appointment_date,
            session.areas,
            session.screening,
            check_up=self.ctx.config.clinic.check_up_visit,
        )
        if the_plan.paused or the_plan.no_areas:
            key = "summary.timeline_paused" if the_plan.paused else "summary.no_timeline"
            self.timeline_note.setText(pack.t(key))
        self.timeline_note.setVisible(the_plan.paused or the_plan.no_areas)
        self.timeline_labels = []
        for i, entry in enumerate(the_plan.entries):
            if i == len(self._cards):
                box, inner = card()
                texts = (label("", "when"), label("", "choice_title"), label(""))
                for text in texts:
                    inner.addWidget(text)
                self.timeline_lay.addWidget(box)
                self._cards.append((box, *texts))
            box, when, title, body = self._cards[i]
            self.timeline_labels.append(format_range(pack, entry))
            when.setText(self.timeline_labels[-1])
            title.setText(entry.title)
            body.setText(pack.fill(entry.body))
            box.show()
        for box, *_ in self._cards[len(the_plan.entries) :]:
            box.hide()

    def wipe(self) -> None:
        """The dates and the chosen areas' entries go with the session."""
        self.timeline_labels = []
        self.timeline_intro.setText("")
        for box, *texts in self._cards:
            for text in texts:
                text.setText("")
            box.hide()


class SideEffectsScreen(PageScreen):
    """When to get help: the same triage block as every summary, then the common effects.

    "Get help now" heads only the urgent levels (the emergency number; a doctor right away);
    the "contact the clinic" level sits apart from it."""

    kind = Screen.SIDE_EFFECTS
    ROLES: ClassVar[dict[str, str]] = {"emergency": "danger", "doctor": "danger", "clinic": "info"}

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("side_effects.title")
        self.page.add(label(pack.t("side_effects.intro"), "subtitle"))
        urgent, urgent_lay = card("danger")
        urgent.setObjectName("help_urgent")
        urgent_lay.addWidget(label(pack.t("summary.help_title"), "h2"))
        for level in pack.help:
            if not level.urgent:
                continue
            block = QWidget()
            block.setObjectName(f"help_{level.level}")
            lay = QVBoxLayout(block)
            lay.setContentsMargins(0, 8, 0, 0)
            lay.setSpacing(10)
            lay.addWidget(label(pack.fill(level.title), "choice_title"))
            lay.addWidget(bullet_list([pack.fill(s.text) for s in level.signs]))
            urgent_lay.addWidget(block)
        urgent_lay.addWidget(label(pack.t("side_effects.serious_note"), "body"))
        self.page.add(urgent)
        for level in pack.help:
            if level.urgent:
                continue
            box, inner = card(self.ROLES[level.level])
            box.setObjectName(f"help_{level.level}")
            inner.addWidget(label(pack.fill(level.title), "choice_title"))
            inner.addWidget(bullet_list([pack.fill(s.text) for s in level.signs]))
            self.page.add(box)
        common, common_lay = card()
        common_lay.addWidget(label(pack.t("side_effects.common_title"), "h2"))
        common_lay.addWidget(bullet_list(pack.items("side_effects.common")))
        common_lay.addWidget(label(pack.t("side_effects.common_note"), "small"))
        self.page.add(common)
        self.page.finish()
