"""What every screen is given: the session, the flow, the words and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.core.flow import Flow
    from kiosk.core.session import Session
    from kiosk.core.summary import SummaryRenderer
    from kiosk.services.printing import PrintJobs


@dataclass
class UiContext:
    config: Config
    packs: dict[str, ContentPack]
    session: Session
    flow: Flow
    renderer: Callable[[], SummaryRenderer]
    face_svg: Path
    make_printer: Callable[[], PrintJobs | None] = lambda: None
    _printer: list[PrintJobs | None] = field(default_factory=list, repr=False)

    def shutdown(self) -> None:
        """Stop the services' threads (finishing the job in hand)."""
        for service in self._printer:
            if service is not None:
                service.shutdown()
        self._printer.clear()

    @property
    def printer(self) -> PrintJobs | None:
        """The print service, made on first use (printing support loads after start-up)."""
        if not self._printer:
            self._printer.append(self.make_printer())
        return self._printer[0]

    @property
    def pack(self) -> ContentPack:
        return self.packs.get(self.session.language) or next(iter(self.packs.values()))
