"""Pseudo-translated content packs: the English pack with every text rewritten, so that any
English a patient could take away (a summary, a PDF, an email, a calendar) can only have
come from code or a template, not from the pack.

"es" accents every vowel (a → á, y → ý) and starts each text with «ES»: no English word with
a vowel survives. "ar" writes every Latin letter as an Arabic one, so the text is right to
left and must be shaped. Placeholders such as {clinic_name} are kept.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import resources

#: Keys whose values are ids, file names or settings, not texts a patient reads.
NOT_TEXT = frozenset(
    {
        "id",
        "flag",
        "pauses_treatment",
        "product",
        "level",
        "icon",
        "image",
        "language",
        "version",
        "reviewed_by",
        "reviewed_on",
        "translated_by",
    }
)
PLACEHOLDER = re.compile(r"(\{[a-z_]+\})")
ACCENTED = str.maketrans("aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ")
ARABIC = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ابتثجحخدذرزسشصضطظعغفقكلمنه" * 2,
)
NAMES = {"es": "Español", "ar": "العربية"}


def _spanish(text: str) -> str:
    return text.translate(ACCENTED)


def _arabic(text: str) -> str:
    return text.translate(ARABIC)


PSEUDO: dict[str, Callable[[str], str]] = {"es": _spanish, "ar": _arabic}


def pseudo(language: str, text: str) -> str:
    """``text`` pseudo-translated into ``language``, its placeholders kept."""
    rewrite = PSEUDO[language]
    out = "".join(
        part if PLACEHOLDER.fullmatch(part) else rewrite(part) for part in PLACEHOLDER.split(text)
    )
    return f"«ES» {out}" if language == "es" else out


def _is_text(key: str, value: str) -> bool:
    if key in NOT_TEXT or not value or value.endswith(".svg"):
        return False
    return not (key == "areas" and re.fullmatch(r"[a-z_]+", value))


def _rewrite(language: str, key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rewrite(language, k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(language, key, v) for v in value]
    if isinstance(value, str) and _is_text(key, value):
        return pseudo(language, value)
    return value


def _toml(table: dict[str, Any], prefix: str = "") -> list[str]:
    """``table`` as TOML (strings, lists of strings or tables, numbers, booleans only)."""
    lines: list[str] = []
    scalars = {
        k: v
        for k, v in table.items()
        if not isinstance(v, dict | list)
        or (isinstance(v, list) and not (v and isinstance(v[0], dict)))
    }
    for key, value in scalars.items():
        lines.append(f"{key} = {_value(value)}")
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines += ["", f"[{name}]", *_toml(value, f"{name}.")]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines += ["", f"[[{name}]]", *_toml(item, f"{name}.")]
    return lines


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return "[" + ", ".join(_value(v) for v in value) + "]"


def english() -> dict[str, Any]:
    with (resources.content_dir() / "en" / "content.toml").open("rb") as f:
        return tomllib.load(f)


def write_packs(content_dir: Path, languages: list[str]) -> Path:
    """``content_dir`` with the English pack and a pseudo pack per language in it."""
    shutil.copytree(resources.content_dir() / "en", content_dir / "en")
    source = english()
    for language in languages:
        pack = _rewrite(language, "", source)
        pack["meta"] |= {"language": language, "language_name": NAMES[language]}
        folder = content_dir / language
        folder.mkdir(parents=True)
        (folder / "content.toml").write_text("\n".join(_toml(pack)) + "\n", encoding="utf-8")
    return content_dir


def english_texts(source: Any = None, key: str = "") -> list[str]:
    """Every text of the English pack (not ids, file names or settings)."""
    source = english() if source is None else source
    if isinstance(source, dict):
        return [t for k, v in source.items() for t in english_texts(v, k)]
    if isinstance(source, list):
        return [t for v in source for t in english_texts(v, key)]
    return [source] if isinstance(source, str) and _is_text(key, source) else []
