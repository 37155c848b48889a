"""Treatment, aftercare, the timeline and side effects: mostly reading, each with its pictures.

Each page fits in about one and a half screen heights in both orientations: in landscape
its blocks sit side by side (the steps two by two, do beside don't, the get-help block
beside the common side effects), in portrait they stack and the pictures grow. Running text
is never wider than ``READING_WIDTH``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.content import HelpSign
from kiosk.core.flow import Screen
from kiosk.core.timeline import (
    DatedEntry,
    format_date,
    format_day,
    format_range,
    format_short_range,
    plan,
)
from kiosk.ui.context import UiContext
from kiosk.ui.daypicker import DayPicker
from kiosk.ui.pictures import Picture
from kiosk.ui.screens.base import PageScreen
from kiosk.ui.timeline import ChartEntry, TimelineChart
from kiosk.ui.widgets import (
    bullet_list,
    card,
    label,
    reading_label,
)

#: These pages lay out blocks side by side in landscape: wider than the reading column
#: (each text in them stays within READING_WIDTH).
WIDE_COLUMN = 1600


def _widen(screen: PageScreen) -> None:
    screen.page.set_column_width(WIDE_COLUMN)


class Grid(QWidget):
    """Blocks in ``columns`` columns in landscape and ``portrait`` columns in portrait, in
    reading order (left to right, then down). Rows of box layouts, not a QGridLayout: a
    box layout gives wrapped text the height it needs at the width it gets."""

    def __init__(self, columns: int, portrait: int = 1, spacing: int = 24) -> None:
        super().__init__()
        self._columns = {True: columns, False: portrait}
        self._spacing = spacing
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(spacing)
        self.blocks: list[QWidget] = []
        self._landscape = True

    def add(self, block: QWidget) -> QWidget:
        self.blocks.append(block)
        self._place()
        return block

    def set_landscape(self, landscape: bool) -> None:
        if landscape != self._landscape:
            self._landscape = landscape
            self._place()

    def _place(self) -> None:
        n = self._columns[self._landscape]
        while (item := self.rows.takeAt(0)) is not None:
            row = item.layout()
            if row is not None:
                while row.takeAt(0) is not None:
                    pass
                row.deleteLater()
        for start in range(0, len(self.blocks), n):
            row = QHBoxLayout()
            row.setSpacing(self._spacing)
            chunk = self.blocks[start : start + n]
            for block in chunk:
                row.addWidget(block, 1)
            for _ in range(n - len(chunk)):
                row.addStretch(1)  # a short last row keeps the columns' widths
            self.rows.addLayout(row)


class PictureRow(QWidget):
    """A picture beside its text (a step, a piece of advice: ``reading_label``s, no wider
    than a comfortable line). The picture's size depends on the orientation:
    ``sizes[True]`` in landscape, ``sizes[False]`` in portrait."""

    def __init__(
        self,
        picture: Picture,
        texts: Sequence[QLabel],
        sizes: dict[bool, QSize],
        spacing: int = 20,
    ) -> None:
        super().__init__()
        self.picture = picture
        self._sizes = sizes
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(spacing)
        lay.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(6)
        for text in texts:
            column.addWidget(text)
        column.addStretch(1)
        lay.addLayout(column, 1)
        self.set_landscape(True)

    def set_landscape(self, landscape: bool) -> None:
        size = self._sizes[landscape]
        self.picture.setMinimumSize(size)
        self.picture.setMaximumSize(size)


class InfoScreen(PageScreen):
    """What the info pages share: a wide page, and pictures (sized by orientation, as their
    grids and rows follow it: ScreenBase.set_landscape)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        _widen(self)

    def make_picture(self, name: str, object_name: str, accessible: str) -> Picture:
        return Picture(self.ctx.pack.image(name), name=object_name, accessible=accessible)


class TreatmentScreen(InfoScreen):
    """The injection, step by step: each step a picture and its words."""

    kind = Screen.TREATMENT
    SIZES: ClassVar[dict[bool, QSize]] = {True: QSize(300, 225), False: QSize(420, 315)}

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("treatment.title")
        self.page.add(reading_label(pack.t("treatment.intro"), "subtitle"))
        self.steps = Grid(2, 1)
        self.steps.setObjectName("treatment_steps")
        for n, step in enumerate(pack.steps, start=1):
            box, inner = card()
            box.setObjectName(f"step_{n}")
            pic = self.make_picture(step.image, f"step_picture_{n}", step.title)
            title = reading_label(f"{n}. {step.title}", "choice_title")
            inner.addWidget(PictureRow(pic, [title, reading_label(step.body)], self.SIZES))
            self.steps.add(box)
        notes, notes_lay = card("info")
        notes.setObjectName("treatment_notes")
        notes_lay.addWidget(bullet_list(pack.items("treatment.notes")))
        notes_lay.addStretch(1)
        self.steps.add(notes)
        self.page.add(self.steps)
        self.page.finish()


class AftercareScreen(InfoScreen):
    """Do and don't, each with a small picture: side by side in landscape."""

    kind = Screen.AFTERCARE
    SIZES: ClassVar[dict[bool, QSize]] = {True: QSize(200, 150), False: QSize(280, 210)}

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("aftercare.title")
        self.page.add(reading_label(pack.t("aftercare.intro"), "subtitle"))
        row = Grid(2, 1)
        row.setObjectName("aftercare_columns")
        for kind, items in (("do", pack.do), ("dont", pack.dont)):
            box, lay = card()
            box.setObjectName(f"aftercare_{kind}")
            lay.addWidget(label(pack.t(f"aftercare.{kind}_title"), "h2"))
            for i, advice in enumerate(items, start=1):
                pic = self.make_picture(advice.image, f"{kind}_picture_{i}", pack.fill(advice.text))
                text = reading_label(pack.fill(advice.text))  # the picture marks do or don't
                lay.addWidget(PictureRow(pic, [text], self.SIZES, spacing=16))
            lay.addStretch(1)
            row.add(box)
        self.page.add(row)
        self.page.add(reading_label(pack.t("aftercare.bruising")))
        self.page.add(reading_label(pack.t("aftercare.caveat"), "note"))
        self.page.finish()


class TimelineScreen(InfoScreen):
    """What to expect, and when: the appointment day at the top, then the patient's plan
    drawn on an axis, each entry with its explanation beside it."""

    kind = Screen.TIMELINE

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("aftercare.timeline_title")
        self.page.add(reading_label(pack.t("aftercare.timeline_intro"), "body"))
        self.day = DayPicker(
            {
                key: pack.t(f"aftercare.day_{key}")
                for key in ("earlier", "later", "today", "earlier_name", "later_name", "today_name")
            }
        )
        self.day.moved.connect(self._on_moved)
        self.day.today.connect(self._on_today)
        self.page.add(self.day)
        self.timeline_note = reading_label("", "body", name="timeline_note")
        self.page.add(self.timeline_note)
        self.chart = TimelineChart(pack.t("aftercare.chart_name"))
        self.page.add(self.chart)
        self.page.finish()
        #: The dates shown for each entry, in the order shown (read by tests).
        self.timeline_labels: list[str] = []

    def _on_moved(self, days: int) -> None:
        self.ctx.visit.move_appointment(days)
        self.enter()

    def _on_today(self) -> None:
        self.ctx.visit.set_appointment_date(self.ctx.visit.appointment_range[0])
        self.enter()

    def enter(self) -> None:
        pack, visit = self.ctx.pack, self.ctx.visit
        session = visit.session
        day = session.appointment_date
        first, last = visit.appointment_range
        self.day.show_day(
            pack.t("aftercare.day_label", date=format_date(pack, day)), day, first, last
        )
        the_plan = plan(
            pack,
            day,
            session.areas,
            session.screening,
            check_up=self.ctx.config.clinic.check_up_visit,
        )
        if the_plan.paused or the_plan.no_areas:
            key = "summary.timeline_paused" if the_plan.paused else "summary.no_timeline"
            self.timeline_note.setText(pack.t(key))
        self.timeline_note.setVisible(the_plan.paused or the_plan.no_areas)
        entries = [self._chart_entry(e) for e in the_plan.entries]
        self.chart.set_entries(
            entries, f"{pack.t('aftercare.chart_start')}, {format_day(pack, day)}"
        )
        self.chart.setVisible(bool(entries))
        self.timeline_labels = [format_range(pack, e) for e in the_plan.entries]

    def _chart_entry(self, e: DatedEntry) -> ChartEntry:
        pack = self.ctx.pack
        return ChartEntry(
            e.entry.from_days,
            e.entry.to_days,
            e.title,
            format_short_range(pack, e),
            pack.fill(e.body),
        )

    def wipe(self) -> None:
        """The dates and the chosen areas' entries go with the session."""
        self.timeline_labels = []
        self.day.clear()
        self.chart.set_entries([], "")
        self.chart.hide()


class SideEffectsScreen(InfoScreen):
    """When to get help: the same triage block as every summary, then the common effects.

    "Get help now" heads only the urgent levels (the emergency number; a doctor right away);
    the "contact the clinic" level sits apart from it. Each level has its icon beside its
    title. In landscape the get-help block is on the left, the rest on the right."""

    kind = Screen.SIDE_EFFECTS
    ROLES: ClassVar[dict[str, str]] = {"emergency": "danger", "doctor": "danger", "clinic": "info"}
    ICON = QSize(72, 72)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx)
        pack = ctx.pack
        self.title("side_effects.title")
        self.page.add(reading_label(pack.t("side_effects.intro"), "subtitle"))
        columns = Grid(2, 1)
        columns.setObjectName("side_effects_columns")
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
            self._level(lay, level.level, level.icon, pack.fill(level.title), level.signs)
            urgent_lay.addWidget(block)
        urgent_lay.addWidget(reading_label(pack.t("side_effects.serious_note"), "body"))
        urgent_lay.addStretch(1)
        columns.add(urgent)
        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        right_lay.setSpacing(24)
        for level in pack.help:
            if level.urgent:
                continue
            box, inner = card(self.ROLES[level.level])
            box.setObjectName(f"help_{level.level}")
            self._level(inner, level.level, level.icon, pack.fill(level.title), level.signs)
            right_lay.addWidget(box)
        common, common_lay = card()
        common.setObjectName("common_effects")
        common_lay.addWidget(label(pack.t("side_effects.common_title"), "h2"))
        common_lay.addWidget(bullet_list(pack.items("side_effects.common")))
        common_lay.addWidget(reading_label(pack.t("side_effects.common_note"), "small"))
        right_lay.addWidget(common)
        right_lay.addStretch(1)
        columns.add(right)
        self.page.add(columns)
        self.page.finish()

    def _level(
        self, lay: QVBoxLayout, level: str, icon: str, title: str, signs: Sequence[HelpSign]
    ) -> None:
        """A level's icon beside its title, then its signs."""
        row = QHBoxLayout()
        row.setSpacing(16)
        pic = Picture(self.ctx.pack.image(icon), name=f"icon_{level}", accessible=title)
        pic.setMinimumSize(self.ICON)
        pic.setMaximumSize(self.ICON)
        row.addWidget(pic, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(reading_label(title, "choice_title"), 1)
        lay.addLayout(row)
        lay.addWidget(bullet_list([self.ctx.pack.fill(s.text) for s in signs]))
