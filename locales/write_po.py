"""Write or extend a Russian catalogue from a Python dict: ``write_po(name, {msgid: msgstr})``.

Catalogues are plain gettext ``.po`` files, one per feature, merged at run time by
``models.i18n.catalogue``; this helper only saves typing the escapes.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

FOLDER = Path(__file__).resolve().parent / "ru" / "LC_MESSAGES"


def save(name: str, translations: dict[str, str]) -> Path:
    path = FOLDER / f"{name}.po"
    catalog = Catalog(locale="ru", project="Waypoint")
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="ru")
    for message_id, message in translations.items():
        catalog.add(message_id, message)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    return path
