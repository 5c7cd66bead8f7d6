"""Exports: formula injection neutralised in CSV and Excel, and a self-contained HTML report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from sqlmodel import Session

from models.enums import Role
from models.funder import impact_report
from reports.files import HtmlSection, html_report, neutralise, neutralise_frame, to_csv, to_excel
from reports.impact import long_frame, report_frame
from tests.factories import actor_of, make_case, make_city, make_organisation, make_user

TODAY = dt.date(2026, 11, 23)
DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTab first",
    "\rCarriage return first",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Plain note", "Иван Петров", "", 42, -3, 2.5, None])
def test_harmless_text_and_numbers_are_left_alone(value):
    assert neutralise(value) == value


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"name": DANGEROUS, "note": [f"note {t}" for t in DANGEROUS], "count": range(6)}
    ).rename(columns={"note": "=note"})


def test_a_csv_export_neutralises_names_notes_and_headers():
    rows = list(csv.reader(io.StringIO(to_csv(_frame()).decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(DANGEROUS)
    assert rows[0] == ["name", "'=note", "count"]
    for row, text in zip(rows[1:], DANGEROUS, strict=True):
        assert row[0] == "'" + text
        assert row[1] == f"note {text}"


# Text whose separator or line break starts a cell for a reader splitting on another
# separator than the file's comma (Excel in ru-RU splits on ";").
HIDDEN_FORMULAS = [
    "Ivan;=cmd|' /C calc'!A0",
    "Ivan\t=cmd|' /C calc'!A0",
    "Ivan,=cmd|' /C calc'!A0",
    "Ivan\r\n@SUM(A1:A2)",
    "Ivan; \"+cmd|' /C calc'!A0\"",
    "Ivan;-2+3",
]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_no_separator_a_reader_splits_on_starts_a_cell_with_a_formula(separator):
    frame = pd.DataFrame({"name": HIDDEN_FORMULAS, "note": HIDDEN_FORMULAS})
    text = to_csv(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    for cell in [cell for row in rows for cell in row]:
        assert not cell.lstrip(' \t\r\n"').startswith(("=", "+", "-", "@")), cell


def test_a_reader_splitting_on_the_comma_gets_each_value_whole_in_its_own_cell():
    frame = pd.DataFrame({"name": HIDDEN_FORMULAS, "note": "Almaty, -5 °C; Astana"})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["Ivan;'=cmd|' /C calc'!A0", "Almaty, '-5 °C; Astana"]
    assert [row[0] for row in rows[1:]] == [
        "Ivan;'=cmd|' /C calc'!A0",
        "Ivan\t'=cmd|' /C calc'!A0",
        "Ivan,'=cmd|' /C calc'!A0",
        "Ivan\r\n'@SUM(A1:A2)",
        "Ivan; \"'+cmd|' /C calc'!A0\"",
        "Ivan;'-2+3",
    ]


def test_a_csv_export_starts_with_a_byte_order_mark_for_excel():
    assert to_csv(pd.DataFrame({"a": ["б"]})).startswith(b"\xef\xbb\xbf")


def test_an_excel_export_stores_dangerous_text_as_text_never_as_a_formula():
    workbook = openpyxl.load_workbook(io.BytesIO(to_excel({"Cases": _frame()})))
    sheet = workbook["Cases"]
    assert sheet.cell(1, 2).value == "'=note"
    for row, text in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row, 1)
        # the xlsx format stores a lone CR as a line feed
        assert cell.data_type == "s" and cell.value == "'" + text.replace("\r", "\n")
        assert sheet.cell(row, 3).data_type == "n"


def test_neutralise_frame_leaves_the_original_frame_unchanged():
    frame = _frame()
    neutralise_frame(frame)
    assert frame.iloc[0, 0] == DANGEROUS[0]


def _figure() -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b"], y=[10, 20]))


def test_the_html_report_embeds_plotly_once_and_fetches_nothing_from_anywhere():
    document = html_report(
        title="Report",
        meta=["about"],
        sections=[
            HtmlSection("One", _figure(), pd.DataFrame({"x": [1]})),
            HtmlSection("Two", _figure(), None, note="left out"),
        ],
    )
    assert document.count("plotly.js v") >= 1
    assert len(re.findall(r"<script[^>]*>\s*/\*\*\s*\n?\s*\* plotly\.js", document)) <= 1
    # Outside the embedded script nothing refers to another host.
    markup = re.sub(r"<script\b.*?</script>", "", document, flags=re.DOTALL)
    assert not re.search(r"https?://", markup)
    assert not re.search(r"\b(src|href)\s*=", markup)
    assert "<link" not in markup and "@import" not in markup and "url(" not in markup
    # The scripts load nothing by address either.
    assert not re.search(r"<script[^>]*\bsrc=", document)
    assert "cdn.plot.ly/plotly" not in document.split("</script>", 1)[1]


def test_the_html_report_escapes_every_text_and_prints_cleanly():
    document = html_report(
        title="<script>alert(1)</script>",
        meta=["<b>meta</b>"],
        sections=[HtmlSection("<i>t</i>", None, pd.DataFrame({"<th>": ["<td>"]}), "<n>")],
    )
    assert "<script>alert(1)" not in document and "&lt;script&gt;" in document
    assert "<b>meta" not in document and "<i>t" not in document and "<td><td>" not in document
    assert "@media print" in document and "break-inside: avoid" in document


def test_the_report_exports_neutralise_a_region_name_that_looks_like_a_formula(
    session: Session,
):
    organisation = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=organisation)
    city = make_city(session, key="weird", region='=HYPERLINK("x")')
    for _ in range(25):
        make_case(session, organisation=organisation, city=city)
    session.commit()
    report = impact_report(session, actor=actor_of(coordinator), today=TODAY)
    text = to_csv(long_frame(report, language="en")).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and "\n=HYPERLINK" not in text
    frames = {t.key.value: report_frame(t, language="en") for t in report.tables if t.safe}
    workbook = openpyxl.load_workbook(io.BytesIO(to_excel(frames)))
    values = [c.value for row in workbook["regions"].iter_rows() for c in row]
    assert '\'=HYPERLINK("x")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
