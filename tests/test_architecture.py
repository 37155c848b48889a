"""The layering rules of DESIGN.md, enforced by checks that fail when broken."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


LINT = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)


def test_import_contracts_hold() -> None:
    """kiosk.core imports no Qt; layers point down; the UI imports no service
    (pyproject.toml [tool.importlinter]).
    In its own process: import-linter reconfigures logging, which would silence the loggers
    of every later test."""
    result = subprocess.run(
        [sys.executable, "-c", LINT], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "code", "broken"),
    [
        ("core/leak.py", "from PySide6 import QtCore  # noqa\n", "kiosk.core.leak -> PySide6"),
        (
            "ui/leak.py",
            "from kiosk.services import jobs  # noqa\n",
            "kiosk.ui.leak -> kiosk.services.jobs",
        ),
        ("services/leak.py", "from kiosk import app  # noqa\n", "kiosk.services.leak -> kiosk.app"),
    ],
    ids=["qt-in-core", "services-in-ui", "upward"],
)
def test_import_contracts_catch_a_broken_rule(
    tmp_path: Path, module: str, code: str, broken: str
) -> None:
    """The contracts really fail when someone adds Qt to the core, a service to the UI, or
    an import that points up (checked on a copy, so the working tree is never touched)."""
    shutil.copytree(
        REPO / "kiosk", tmp_path / "kiosk", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "kiosk" / module).write_text(code)
    result = subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout
    assert broken in result.stdout


def test_core_runs_without_qt() -> None:
    """Loading config, content and a summary touches no Qt module (a headless proof)."""
    code = (
        "import sys\n"
        "from kiosk import app\n"
        "from kiosk.core.summary import SummaryRenderer, build_context, sample_session\n"
        "loaded = app.load()\n"
        "pack = loaded.packs['en']\n"
        "ctx = build_context(sample_session(pack), pack, loaded.config)\n"
        "SummaryRenderer(loaded.template_dirs).html(ctx)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(qt)\n"
        "assert not qt, qt\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_entry_point_is_small() -> None:
    lines = (REPO / "kiosk" / "__main__.py").read_text().strip().splitlines()
    assert len(lines) <= 5


def test_services_use_no_widgets() -> None:
    """Printing and email run without widgets (import-linter cannot name a Qt submodule)."""
    import ast

    for path in (REPO / "kiosk" / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert "QtWidgets" not in name, f"{path.name} imports {name}"
