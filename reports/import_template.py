"""The import template: the canonical columns, with English or Russian headers, and one
example row (a made-up person) showing how each column is written."""

from __future__ import annotations

import pandas as pd

from models.i18n import Language
from models.imports.columns import COLUMNS, RUSSIAN_HEADERS
from reports.files import to_csv, to_excel

EXAMPLE = {
    "reference": "A-001",
    "full_name": "Пример Иван Петрович",
    "category": "journalist",
    "city": "Almaty",
    "opened_on": "2025-03-01",
    "name_cyrillic": "Пример Иван Петрович",
    "name_latin": "Primer Ivan",
    "other_spellings": "PRIMER IVAN",
    "birth_year": "1990",
    "contact": "Signal",
    "permit_type": "temporary_residence",
    "permit_expires_on": "01.06.2026",
    "wanted": "no",
    "extradition_status": "none",
    "housing_situation": "temporary",
    "employment_situation": "informal",
    "stage": "intake",
    "note": "",
}
EXAMPLE_RU = EXAMPLE | {
    "category": "Журналист",
    "city": "Алматы",
    "opened_on": "01.03.2025",
    "wanted": "нет",
}


def template_frame(language: str) -> pd.DataFrame:
    russian = language == Language.RU
    example = EXAMPLE_RU if russian else EXAMPLE
    headers = [RUSSIAN_HEADERS[c] if russian else c for c in COLUMNS]
    return pd.DataFrame([[example[c] for c in COLUMNS]], columns=headers)


def template_file(language: str, *, excel: bool = True) -> bytes:
    """The template as .xlsx (or UTF-8 CSV), headers in ``language``."""
    frame = template_frame(language)
    return to_excel({"cases": frame}) if excel else to_csv(frame)
