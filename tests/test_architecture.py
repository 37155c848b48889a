"""The layering rules of DESIGN.md, enforced by checks that fail when broken."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import lazy

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


def qt_loaded_by(code: str) -> str:
    """Run ``code`` in a fresh interpreter and return what it printed, ending with the Qt
    modules it loaded (it fails when it loaded any)."""
    probe = (
        f"{code}"
        "import sys\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(qt)\n"
        "assert not qt, qt\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_core_runs_without_qt() -> None:
    """Loading config, content and a summary touches no Qt module (a headless proof)."""
    code = (
        "from kiosk import app\n"
        "from kiosk.core.summary import SummaryRenderer, build_context, sample_session\n"
        "loaded = app.load()\n"
        "pack = loaded.packs['en']\n"
        "ctx = build_context(sample_session(pack), pack, loaded.config)\n"
        "SummaryRenderer(loaded.template_dirs).html(ctx)\n"
    )
    assert qt_loaded_by(code) == "[]"


def test_entry_point_is_small() -> None:
    lines = (REPO / "kiosk" / "__main__.py").read_text().strip().splitlines()
    assert len(lines) <= 5


def test_services_use_no_widgets() -> None:
    """Printing and email run without widgets (import-linter cannot name a Qt submodule)."""
    for path in (REPO / "kiosk" / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert "QtWidgets" not in name, f"{path.name} imports {name}"


#: The one import that must sit in a function: probing for the installed resources package.
PROBES = {"resources.py"}


def _lazy_loads(tree: ast.AST) -> list[str]:
    """The module names given to ``lazy.load("…")`` in a parsed module."""
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "load"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "lazy"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def test_imports_sit_at_the_top() -> None:
    """No import inside a function anywhere in kiosk/: what must wait for its first use is
    deferred at the top of its module, through kiosk.lazy."""
    for path in sorted((REPO / "kiosk").rglob("*.py")):
        name = path.relative_to(REPO / "kiosk").as_posix()
        if name in PROBES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            inner = [n for n in ast.walk(func) if isinstance(n, ast.Import | ast.ImportFrom)]
            assert not inner, f"kiosk/{name}: {func.name}() imports at line {inner[0].lineno}"


def test_every_deferred_module_is_named_in_kiosk_lazy() -> None:
    """Each ``lazy.load`` names a module of ``kiosk.lazy.DEFERRED``, and each of those is
    deferred somewhere and exists."""
    used = set()
    for path in (REPO / "kiosk").rglob("*.py"):
        used.update(_lazy_loads(ast.parse(path.read_text(encoding="utf-8"))))
    assert used == set(lazy.DEFERRED)
    for name in lazy.DEFERRED:
        assert importlib.util.find_spec(name) is not None, name


def test_a_deferred_module_loads_on_first_use(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "kiosk_probe_module.py").write_text("ANSWER = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = lazy.Deferred("kiosk_probe_module")
    assert "kiosk_probe_module" not in sys.modules
    assert probe.ANSWER == 42
    assert "kiosk_probe_module" in sys.modules
    monkeypatch.delitem(sys.modules, "kiosk_probe_module")
    with pytest.raises(ValueError, match=r"not in kiosk\.lazy\.DEFERRED"):
        lazy.load("kiosk_probe_module")


def test_commands_without_a_window_load_no_qt() -> None:
    """Importing the command line and checking a config load no Qt: Qt waits for the
    window, the PDF and the printer (kiosk.lazy)."""
    code = "from kiosk import cli\nassert cli.main(['check-config']) == 0\n"
    assert qt_loaded_by(code).splitlines()[-1] == "[]"
