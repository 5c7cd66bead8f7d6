"""Impact report. Funders see the network's published quarterly releases only, never a live
computation; admins also prepare and publish them. A coordinator sees their own
organisation's report, live and suppressed (it is their own data)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from dashboard import data, runtime
from dashboard.auth import guarded_download, signed_in_actor
from dashboard.figures.impact import report_figure
from dashboard.i18n import _, current_language
from dashboard.releases_ui import show_admin, show_published
from models.disclosure import DisclosureError
from models.enums import Role
from models.funder import (
    SHEET_NAMES,
    ExportFormat,
    ImpactReport,
    ReportScope,
    configured_k,
    quarter_columns,
    quarter_label,
    record_export,
)
from models.releases import Quarter
from reports.files import HtmlSection, html_report, to_csv, to_excel
from reports.impact import legend, long_frame, report_frame

KEY_PREFIX = "wp_impact_"


actor = signed_in_actor()
language = current_language()
today = runtime.settings().today()
st.title(_("Impact report"))
if actor.role in (Role.FUNDER, Role.ADMIN):
    show_published(actor, language)
    if actor.role is Role.ADMIN:
        show_admin(actor, language, today_quarter=Quarter.of(today))
    st.stop()

try:
    k = configured_k()
except DisclosureError as error:
    st.error(_("The report cannot be shown: {reason}", reason=str(error)))
    st.stop()

found = data.impact_report(actor=actor, today=today, language=str(language), k=k)
if found is None:
    st.info(_("There are fewer than {k} cases in scope, too few to report on safely.", k=k))
    st.stop()
assert found is not None
report: ImpactReport = found

scope_text = (
    _("The whole network of organisations.")
    if report.scope is ReportScope.NETWORK
    else _("Your organisation only: this is what funders see of its work, within the network.")
)
current_quarter = quarter_label(quarter_columns(today)[-1], language)
meta = [
    scope_text,
    _(
        "Figures to date, by quarter; the latest quarter ({quarter}) is not yet complete.",
        quarter=current_quarter,
    ),
    legend(report.k, language),
]
for line in meta:
    st.caption(line)

count_title = _("People")
all_label = _("All")
sections: list[HtmlSection] = []
for table in report.tables:
    st.subheader(table.title)
    if table.safe is None:
        st.info(table.omitted or "")
        sections.append(HtmlSection(title=table.title, note=table.omitted))
        continue
    figure = report_figure(table, count_title=count_title, all_label=all_label)
    frame = report_frame(table, language=language)
    if figure is not None:
        # No mode bar: its image download would be an export that nobody audits.
        st.plotly_chart(figure, config={"displayModeBar": False}, key=f"{KEY_PREFIX}{table.key}")
    # A static table: st.dataframe would add its own CSV download, unaudited.
    st.table(frame.astype(str).set_index(frame.columns[0]))
    sections.append(HtmlSection(title=table.title, figure=figure, table=frame))

st.subheader(_("Download"))
st.caption(_("Downloads hold the same suppressed tables; every download is recorded."))
title = _("Impact report")
sheets = {_(SHEET_NAMES[table.key]): table for table in report.tables if table.safe is not None}
columns = st.columns(3)
downloads: list[tuple[ExportFormat, str, Callable[[], bytes | str], str]] = [
    (ExportFormat.CSV, _("CSV"), lambda: to_csv(long_frame(report, language=language)), "text/csv"),
    (
        ExportFormat.EXCEL,
        _("Excel"),
        lambda: to_excel({name: report_frame(t, language=language) for name, t in sheets.items()}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        ExportFormat.HTML,
        _("HTML report (prints to PDF)"),
        lambda: html_report(title=title, meta=meta, sections=sections, language=language),
        "text/html",
    ),
]
for column, (export, button_label, build, mime) in zip(columns, downloads, strict=True):
    column.download_button(
        button_label,
        data=guarded_download(
            actor,
            build,
            record=functools.partial(record_export, report=report, export=export),
        ),
        file_name=f"impact-report.{export.value}",
        mime=mime,
        on_click="ignore",
        key=f"{KEY_PREFIX}download_{export.value}",
        icon=":material/download:",
    )
