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
PLURAL_MARKERS = {"_n"}


def _marked(markers: set[str], strings: int) -> dict[tuple[str, ...], str]:
    """The first ``strings`` constant arguments of every call to one of ``markers``."""
    found: dict[tuple[str, ...], str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in markers
                    and len(node.args) >= strings
                    and all(
                        isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        for arg in node.args[:strings]
                    )
                ):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    ids = tuple(arg.value for arg in node.args[:strings])  # type: ignore[attr-defined]
                    found.setdefault(ids, where)
    return found


def messages() -> dict[str, str]:
    """Every message id marked with ``_()`` or ``N_()``, mapped to where it first appears."""
    return {ids[0]: where for ids, where in _marked(MARKERS, 1).items()}


def plural_messages() -> dict[tuple[str, str], str]:
    """Every (singular, plural) message id marked with ``_n()``, mapped to where it first appears."""
    return {(ids[0], ids[1]): where for ids, where in _marked(PLURAL_MARKERS, 2).items()}


def missing(language: str = "ru") -> dict[str, str]:
    from models.i18n import catalogue

    catalogue.cache_clear()
    translated = catalogue(language)
    return {message: where for message, where in messages().items() if message not in translated}


def missing_plurals(language: str = "ru") -> dict[tuple[str, str], str]:
    from models.i18n import plural_catalogue

    plural_catalogue.cache_clear()
    translated = plural_catalogue(language).forms
    return {ids: where for ids, where in plural_messages().items() if ids not in translated}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


if __name__ == "__main__":
    for message, where in missing().items():
        print(f'#: {where}\nmsgid "{_po_escape(message)}"\nmsgstr ""\n')
    for (singular, plural), where in missing_plurals().items():
        print(
            f'#: {where}\nmsgid "{_po_escape(singular)}"\nmsgid_plural "{_po_escape(plural)}"\n'
            'msgstr[0] ""\nmsgstr[1] ""\nmsgstr[2] ""\n'
        )
