"""Pure-Python core: no Qt import here (an import-linter contract enforces it)."""
