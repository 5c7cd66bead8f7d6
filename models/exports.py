"""Safe exports: every cell that a spreadsheet would read as a formula is neutralised."""

from __future__ import annotations

import io

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell starting with ``= + - @``, a tab or a carriage return gets a leading
    apostrophe, so that Excel, LibreOffice and Sheets show it as text (OWASP's advice on CSV
    injection). Numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every cell and column name neutralised."""
    safe = frame.map(neutralise)
    safe.columns = [neutralise(str(c)) for c in frame.columns]
    return safe


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so that Excel reads Cyrillic correctly."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook, one sheet per frame, every cell neutralised and stored as data."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in frames.items():
            neutralise_frame(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
