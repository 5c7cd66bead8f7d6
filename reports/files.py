"""Safe exports: every cell that a spreadsheet would read as a formula is neutralised, and
HTML reports that carry everything they need (no request to any other host)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell starting with ``= + - @``, a tab or a carriage return gets a leading
    apostrophe, so that Excel, LibreOffice and Sheets show it as text (OWASP's advice on CSV
    injection). Numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# A separator or line break inside a value, then (past any spaces or quotes) a formula sign.
_CELL_START_INSIDE_VALUE = re.compile(r"""([,;\t\r\n][\s"]*)(?=[=+\-@])""")


def neutralise_for_csv(value: object) -> object:
    """``neutralise``, and an apostrophe before every ``= + - @`` that follows a comma,
    semicolon, tab or line break inside the text.

    A CSV file does not say which separator it uses: Excel splits it on the reader's list
    separator (``;`` in ru-RU). Such a reader does not see this file's quoting either: after
    the first field its quotes no longer pair up, so any of those characters inside a value
    can start a cell (or a row) for it, and ``Ivan;=cmd|' /C calc'!A0`` would put a formula
    in one. Covered are the separators a spreadsheet picks without being asked (comma,
    semicolon, tab); a reader told to split on another character is not."""
    value = neutralise(value)
    if isinstance(value, str):
        return _CELL_START_INSIDE_VALUE.sub(r"\1'", value)
    return value


def neutralise_frame(
    frame: pd.DataFrame, cell: Callable[[object], object] = neutralise
) -> pd.DataFrame:
    """A copy of ``frame`` with every cell and column name passed through ``cell``."""
    safe = frame.map(cell)
    safe.columns = [cell(str(c)) for c in frame.columns]
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV, every cell neutralised for any reader's separator, every field
    quoted, lines ending in CRLF (RFC 4180). Every CSV file Waypoint writes is made here.

    With every field quoted, a reader splitting on this file's comma keeps each value whole
    whatever it holds, and so does a reader splitting on another separator for the first
    field of a line; past it, that reader loses track of the quotes, which is what
    ``neutralise_for_csv`` is for."""
    safe = neutralise_frame(frame, neutralise_for_csv)
    return safe.to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_ALL)


def to_csv(frame: pd.DataFrame) -> bytes:
    """``csv_text`` in UTF-8 with a byte-order mark, so that Excel reads Cyrillic correctly."""
    return csv_text(frame).encode("utf-8-sig")


def to_excel(frames: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook, one sheet per frame, every cell neutralised and stored as data."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in frames.items():
            neutralise_frame(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


@dataclass(frozen=True)
class HtmlSection:
    """One part of an HTML report: a heading, an optional chart, its table, a note."""

    title: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    note: str | None = None


PRINT_CSS = """
body { font-family: "Source Sans Pro", "Helvetica Neue", Arial, sans-serif; color: #262730;
       max-width: 960px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22pt; margin-bottom: 4px; }
h2 { font-size: 14pt; margin: 28px 0 8px; }
p.meta, p.note { color: #555; font-size: 10pt; }
table { border-collapse: collapse; font-size: 10pt; margin: 8px 0 4px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
section { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; }
  .modebar-container { display: none !important; }
  h2 { break-after: avoid; }
}
"""

PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}


def html_report(
    *, title: str, meta: Sequence[str], sections: Sequence[HtmlSection], language: str = "en"
) -> str:
    """A self-contained HTML document: plotly.js embedded once, inline; no link, font, image
    or script from anywhere else; every text escaped; print CSS for a clean PDF."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(language)}"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{PRINT_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *[f'<p class="meta">{html.escape(line)}</p>' for line in meta],
    ]
    plotly_included = False
    for section in sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.figure is not None:
            parts.append(
                section.figure.to_html(
                    full_html=False,
                    include_plotlyjs=not plotly_included,
                    include_mathjax=False,
                    config=PLOTLY_CONFIG,
                    default_width="100%",
                )
            )
            plotly_included = True
        if section.table is not None and not section.table.empty:
            parts.append(section.table.to_html(index=False, escape=True, border=0, na_rep=""))
        if section.note:
            parts.append(f'<p class="note">{html.escape(section.note)}</p>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
