"""Find every translatable message in the code and report those without a Russian translation.

Run ``python tests/i18n_extract.py`` to print the missing ones as ``.po`` entries to paste into
a catalogue under ``locales/ru/LC_MESSAGES/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("dashboard", "models", "reports", "seed_data")
MARKERS = {"_", "N_"}


def messages() -> dict[str, str]:
    """Every message id marked with ``_()`` or ``N_()``, mapped to where it first appears."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in MARKERS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.setdefault(node.args[0].value, where)
    return found


def missing(language: str = "ru") -> dict[str, str]:
    from models.i18n import catalogue

    catalogue.cache_clear()
    translated = catalogue(language)
    return {message: where for message, where in messages().items() if message not in translated}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


if __name__ == "__main__":
    for message, where in missing().items():
        print(f'#: {where}\nmsgid "{_po_escape(message)}"\nmsgstr ""\n')
