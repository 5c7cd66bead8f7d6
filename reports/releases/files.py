"""Exports of a published release: CSV, Excel, a self-contained HTML report and a PDF.

All read the stored cells only, so every export of a release holds the same numbers; all
are formula-safe (``reports.files``) and each download is audited by the caller through
``record_release_export``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from models.i18n import N_, translate
from models.releases.counts import ReleaseTable
from models.releases.downloads import ReleaseFormat
from models.releases.service import ReleaseView
from reports.files import HtmlSection, html_report, neutralise, to_csv, to_excel
from reports.releases.present import (
    SHEETS,
    TITLES,
    long_frame,
    methodology,
    table_frame,
    title,
)

FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


MIME = {
    ReleaseFormat.CSV: "text/csv",
    ReleaseFormat.EXCEL: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReleaseFormat.HTML: "text/html",
    ReleaseFormat.PDF: "application/pdf",
}


def file_name(view: ReleaseView, export: ReleaseFormat) -> str:
    return f"waypoint-release-{view.quarter}.{export.value}"


def _html(view: ReleaseView, language: str) -> bytes:
    sections = [
        HtmlSection(
            title=translate(TITLES[key], language),
            table=table_frame(view, key, language=language),
        )
        for key in ReleaseTable
    ]
    sections.append(
        HtmlSection(
            title=translate(N_("Methodology"), language),
            note="\n\n".join(methodology(view, language=language)),
        )
    )
    return html_report(
        title=title(view, language), meta=[], sections=sections, language=language
    ).encode("utf-8")


def _moment(view: ReleaseView) -> dt.datetime:
    """When the release was fixed: the date every export carries, so exports repeat."""
    moment = view.published_at or view.prepared_at
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def _stable_zip(data: bytes, moment: dt.datetime) -> bytes:
    """The workbook with the release's date in place of the time of writing (in its
    properties and its zip entries), so that two exports are the same bytes."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(lambda found: found.group(1) + stamp, content)
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return output.getvalue()


def _pdf(view: ReleaseView, language: str) -> bytes:
    """An A4 PDF with DejaVu Sans embedded (Cyrillic); no browser, no outside request."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_moment(view))
    pdf.set_title(title(view, language))
    pdf.set_author("Waypoint")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.multi_cell(0, 9, title(view, language), new_x="LMARGIN", new_y="NEXT")
    for key in ReleaseTable:
        frame = table_frame(view, key, language=language)
        pdf.ln(3)
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 6, translate(TITLES[key], language), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=9)
        with pdf.table(
            col_widths=(3, 1),
            text_align=("LEFT", "RIGHT"),
            headings_style=FontFace(emphasis="", fill_color=(242, 242, 242)),
        ) as grid:
            grid.row([str(c) for c in frame.columns])
            for label, value in frame.itertuples(index=False):
                grid.row([str(label), str(value)])
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, translate(N_("Methodology"), language), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    for paragraph in methodology(view, language=language):
        pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())


def export_release(view: ReleaseView, export: ReleaseFormat, *, language: str) -> bytes:
    """The release in ``export`` form; the same bytes every time for the same release."""
    if export is ReleaseFormat.CSV:
        return to_csv(long_frame(view, language=language))
    if export is ReleaseFormat.EXCEL:
        frames = {
            translate(SHEETS[key], language): table_frame(view, key, language=language)
            for key in ReleaseTable
        }
        note = translate(N_("Methodology"), language)
        frames[note] = _note_frame(view, language)
        return _stable_zip(to_excel(frames), _moment(view))
    if export is ReleaseFormat.HTML:
        return _html(view, language)
    return _pdf(view, language)


def _note_frame(view: ReleaseView, language: str) -> pd.DataFrame:
    heading = translate(N_("Methodology"), language)
    return pd.DataFrame({heading: [neutralise(p) for p in methodology(view, language=language)]})
