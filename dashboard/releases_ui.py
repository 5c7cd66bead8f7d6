"""The funder's and the admin's view of quarterly releases (``models/releases``).

Funders see published releases only: stored noisy numbers, never a live computation.
Admins also prepare drafts (seen by admins only), publish and withdraw them.
"""

from __future__ import annotations

import functools

import streamlit as st

from dashboard import data, runtime
from dashboard.auth import guarded_download
from dashboard.figures.impact import trend_figure
from dashboard.i18n import _
from models.access import Actor
from models.errors import Refusal
from models.releases import (
    Budget,
    BudgetError,
    Quarter,
    ReleaseError,
    ReleaseView,
    current_drafts,
    last_closed,
    ledger,
    prepare_draft,
    publish,
    published_releases,
    spent_in_year,
    withdraw,
)
from models.releases.downloads import ReleaseFormat, record_release_export
from reports.releases.files import MIME, export_release, file_name
from reports.releases.present import TITLES, methodology, table_frame, title, trends

KEY = "wp_release_"
QUARTERS_OFFERED = 8


def _tables(view: ReleaseView, language: str) -> None:
    for key in TITLES:
        st.markdown(f"**{_(TITLES[key])}**")
        frame = table_frame(view, key, language=language)
        # A static table: st.dataframe would add its own CSV download, unaudited.
        st.table(frame.astype(str).set_index(frame.columns[0]))


def _downloads(actor: Actor, view: ReleaseView, language: str) -> None:
    st.caption(_("Every download holds the same stored numbers and is recorded."))
    labels = {
        ReleaseFormat.CSV: _("CSV"),
        ReleaseFormat.EXCEL: _("Excel"),
        ReleaseFormat.HTML: _("HTML report"),
        ReleaseFormat.PDF: _("PDF"),
    }
    for column, (export, text) in zip(st.columns(len(labels)), labels.items(), strict=True):
        column.download_button(
            text,
            data=guarded_download(
                actor,
                functools.partial(export_release, view, export, language=language),
                record=functools.partial(record_release_export, view=view, export=export),
            ),
            file_name=file_name(view, export),
            mime=MIME[export],
            on_click="ignore",
            key=f"{KEY}download_{view.id}_{export.value}",
            icon=":material/download:",
        )


def show_published(actor: Actor, language: str) -> None:
    """The list of published releases, their trends, and the chosen release in full."""
    st.caption(
        _(
            "Frozen quarterly releases of the whole network. Each number carries a little "
            "random noise so that nobody can be singled out; the note under each release "
            "explains how far a number may be from the truth."
        )
    )
    views = data.read(published_releases, actor=actor)
    if not views:
        st.info(_("No release has been published yet."))
        return
    frame = trends(views, language=language)
    if len(views) > 1:
        series = {str(c): list(frame[c]) for c in frame.columns[1:]}
        figure = trend_figure(
            quarters=list(frame.iloc[:, 0]),
            series=series,
            title=_("Totals by quarter, from the published releases"),
            y_title=_("Cases"),
        )
        st.plotly_chart(figure, config={"displayModeBar": False}, key=f"{KEY}trend")
    st.table(frame.astype(str).set_index(frame.columns[0]))
    labels = {view.quarter.label(language): view for view in reversed(views)}
    chosen = labels[st.selectbox(_("Release"), list(labels), key=f"{KEY}chosen")]
    st.subheader(title(chosen, language))
    for paragraph in methodology(chosen, language=language):
        st.caption(paragraph)
    _tables(chosen, language)
    _downloads(actor, chosen, language)


def refusal_text(error: Refusal, language: str) -> str:
    """The refusal's message in the reader's language, a quarter named as the page names it."""
    params = {
        name: value.label(language) if isinstance(value, Quarter) else value
        for name, value in error.params.items()
    }
    return _(error.message, **params)


def _act(action: data.Command[object], success: str, language: str) -> None:
    try:
        data.write(action)
    except (ReleaseError, BudgetError) as error:
        st.error(refusal_text(error, language))
    else:
        st.success(success)


def show_admin(actor: Actor, language: str, *, today_quarter: Quarter) -> None:
    """Prepare, view, publish and withdraw releases: admins only."""
    st.header(_("Prepare and publish releases"))
    try:
        budget = Budget.configured()
    except BudgetError as error:
        st.error(refusal_text(error, language))
        return
    closed = last_closed(today_quarter.start)
    lines = data.read(ledger, actor=actor)
    spent = data.read(spent_in_year, closed.year)
    published = {line.quarter for line in lines if line.status.value in ("published", "withdrawn")}
    st.caption(
        _(
            "Each draft spends ε = {epsilon} of the yearly budget of {cap}, even if it is "
            "discarded. Spent for {year}: {spent}.",
            epsilon=f"{budget.epsilon:g}",
            cap=f"{budget.yearly_cap:g}",
            year=closed.year,
            spent=f"{spent:g}",
        )
    )
    offered, quarter = [], closed
    for _n in range(QUARTERS_OFFERED):
        if str(quarter) not in published:
            offered.append(quarter)
        quarter = quarter.previous()
    if offered:
        names = {q.label(language): q for q in offered}
        pick = names[st.selectbox(_("Quarter"), list(names), key=f"{KEY}quarter")]
        if st.button(_("Prepare a draft"), key=f"{KEY}prepare"):
            _act(
                lambda s: prepare_draft(
                    s, actor=actor, quarter=pick, today=runtime.settings().today(), budget=budget
                ),
                _("A draft for {quarter} is ready below.", quarter=pick.label(language)),
                language,
            )
    drafts = data.read(current_drafts, actor=actor)
    shown = data.read(published_releases, actor=actor)
    for draft in drafts:
        st.subheader(_("Draft for {quarter} (admins only)", quarter=draft.quarter.label(language)))
        _tables(draft, language)
        if st.button(_("Publish this draft"), key=f"{KEY}publish_{draft.id}"):
            _act(
                functools.partial(publish, actor=actor, release_id=draft.id),
                _("Published."),
                language,
            )
    for view in shown:
        confirm = st.checkbox(
            _("Withdraw the release for {quarter}", quarter=view.quarter.label(language)),
            key=f"{KEY}confirm_{view.id}",
        )
        if confirm and st.button(_("Withdraw"), key=f"{KEY}withdraw_{view.id}"):
            _act(
                functools.partial(withdraw, actor=actor, release_id=view.id),
                _("Withdrawn."),
                language,
            )
