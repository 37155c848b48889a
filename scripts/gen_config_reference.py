#!/usr/bin/env python3
"""Regenerate the README's config reference from the schema in kiosk/core/config.py.

    .venv/bin/python scripts/gen_config_reference.py

The test suite fails when the README and the schema disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from kiosk.core.config import reference_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.S)
    if not pattern.search(text):
        print(f"{README}: markers {START} … {END} not found", file=sys.stderr)
        return 2
    new = pattern.sub(lambda _: f"{START}\n{reference_markdown()}\n{END}", text)
    README.write_text(new, encoding="utf-8")
    print(f"{README}: config reference {'updated' if new != text else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
