"""An installed wheel carries every package and the resources."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from .helpers import REPO


def test_pyproject_lists_every_package() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "kiosk").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert "kiosk_resources" in listed


def test_pyproject_ships_every_resources_folder_without_a_warning() -> None:
    """Each folder of resources/ that holds files is a listed package with its files as
    package data: setuptools then ships it without a BuildBackendWarning per folder (a
    first install printed about 230 lines of them), and a new language folder is not
    forgotten."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    data = config["tool"]["setuptools"]["package-data"]
    root = REPO / "resources"
    folders = {
        ".".join(("kiosk_resources", *p.relative_to(root).parts))
        for p in root.rglob("*")
        if p.is_dir() and p.name != "__pycache__"
    }
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"
    with_files = {
        ".".join(("kiosk_resources", *p.relative_to(root).parts))
        for p in root.rglob("*")
        if p.is_dir() and p.name != "__pycache__" and any(f.is_file() for f in p.iterdir())
    }
    missing = sorted(name for name in with_files if data.get(name) != ["*"])
    assert not missing, f'add to [tool.setuptools.package-data]: {missing} = ["*"]'


def test_built_wheel_has_every_package_and_the_resources(tmp_path: Path) -> None:
    """What `pip install .` installs finds its resources (kiosk_resources), not only a checkout."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("botox_kiosk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "kiosk_resources/__init__.py",
        "kiosk_resources/content/en/content.toml",
        "kiosk_resources/templates/summary.html.j2",
        "kiosk_resources/templates/summary.txt.j2",
        "kiosk_resources/images/face_map.svg",
        "kiosk_resources/style/kiosk.qss",
        "kiosk_resources/demo/config.toml",
        "kiosk/ui/screens/consultation.py",
    ):
        assert needed in names, needed
