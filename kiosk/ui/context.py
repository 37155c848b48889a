"""What every screen is given: the session, the flow, the words and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.core.config import Config
    from kiosk.core.content import ContentPack
    from kiosk.core.flow import Flow
    from kiosk.core.session import Session
    from kiosk.core.summary import SummaryRenderer


@dataclass
class UiContext:
    config: Config
    packs: dict[str, ContentPack]
    session: Session
    flow: Flow
    renderer: Callable[[], SummaryRenderer]
    face_svg: Path

    @property
    def pack(self) -> ContentPack:
        return self.packs.get(self.session.language) or next(iter(self.packs.values()))
