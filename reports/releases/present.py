"""A stored release as people read it: labelled tables, trends and the methodology note.

Everything here reads the stored noisy cells of a release (``ReleaseView``); nothing
computes from case data. Counts below k are shown as "<k" (k = 10).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from models.enums import Category, Outcome, Stage
from models.funder import OTHER_KAZAKH_KEY
from models.i18n import N_, format_date, translate
from models.releases.counts import ReleaseTable
from models.releases.privacy import shown
from models.releases.service import ReleaseView

TITLES: dict[ReleaseTable, str] = {
    ReleaseTable.INTAKES: N_("New cases in the quarter, by category"),
    ReleaseTable.MOVES: N_("Cases that moved forward in the quarter, by furthest stage reached"),
    ReleaseTable.EXITS: N_("Cases closed in the quarter, by outcome"),
    ReleaseTable.NEEDS_MET: N_("Housing and employment needs met in the quarter"),
    ReleaseTable.OPEN_BY_STAGE: N_("Open cases at the end of the quarter, by stage"),
    ReleaseTable.OPEN_BY_REGION: N_(
        "Open cases at the end of the quarter, by country or region of Kazakhstan"
    ),
}
SHEETS: dict[ReleaseTable, str] = {
    ReleaseTable.INTAKES: N_("New cases"),
    ReleaseTable.MOVES: N_("Moves"),
    ReleaseTable.EXITS: N_("Closed cases"),
    ReleaseTable.NEEDS_MET: N_("Needs met"),
    ReleaseTable.OPEN_BY_STAGE: N_("Open by stage"),
    ReleaseTable.OPEN_BY_REGION: N_("Open by region"),
}
ROW_HEADERS: dict[ReleaseTable, str] = {
    ReleaseTable.INTAKES: N_("Category"),
    ReleaseTable.MOVES: N_("Stage"),
    ReleaseTable.EXITS: N_("Outcome"),
    ReleaseTable.NEEDS_MET: N_("Need"),
    ReleaseTable.OPEN_BY_STAGE: N_("Stage"),
    ReleaseTable.OPEN_BY_REGION: N_("Country or region"),
}
NEED_LABELS = {"housing": N_("Housing"), "employment": N_("Employment")}


def _row_label(view: ReleaseView, key: ReleaseTable, row: str, language: str) -> str:
    if key is ReleaseTable.INTAKES:
        return translate(Category(row).label, language)
    if key in (ReleaseTable.MOVES, ReleaseTable.OPEN_BY_STAGE):
        return translate(Stage(row).label, language)
    if key is ReleaseTable.EXITS:
        return translate(Outcome(row).label, language)
    if key is ReleaseTable.NEEDS_MET:
        return translate(NEED_LABELS[row], language)
    english, russian = view.region_names()[row]
    if row.startswith("region:") and row != OTHER_KAZAKH_KEY:
        return russian if language == "ru" and russian else english
    return translate(english, language)


def table_frame(view: ReleaseView, key: ReleaseTable, *, language: str) -> pd.DataFrame:
    """One table of the release: a label column and the published counts, then the total."""
    table = view.tables[key]
    header = translate(ROW_HEADERS[key], language)
    count = translate(N_("Count"), language)
    records: list[dict[str, object]] = [
        {header: _row_label(view, key, row, language), count: shown(value, view.k)}
        for row, value in zip(table.rows, table.values, strict=True)
    ]
    records.append({header: translate(N_("Total"), language), count: shown(table.total, view.k)})
    return pd.DataFrame.from_records(records, columns=[header, count])


def long_frame(view: ReleaseView, *, language: str) -> pd.DataFrame:
    """Every published value of the release in one table, for CSV; the quarter as the
    pages write it («3 кв. 2026»)."""
    headers = [translate(h, language) for h in (N_("Quarter"), N_("Table"), N_("Row"), N_("Count"))]
    quarter = view.quarter.label(language)
    records = []
    for key in ReleaseTable:
        frame = table_frame(view, key, language=language)
        for label, value in frame.itertuples(index=False):
            records.append((quarter, translate(TITLES[key], language), label, value))
    return pd.DataFrame.from_records(records, columns=headers)


def title(view: ReleaseView, language: str) -> str:
    return translate(N_("Network release for {quarter}"), language).format(
        quarter=view.quarter.label(language)
    )


def methodology(view: ReleaseView, *, language: str) -> list[str]:
    """The methodology note, paragraph by paragraph, in plain words."""
    published = format_date(view.published_at, language) if view.published_at else "-"
    values = {
        "quarter": view.quarter.label(language),
        "published": published,
        "epsilon": f"{view.epsilon:g}",
        "scale": f"{view.scale:g}",
        "margin": view.margin,
        "k": view.k,
    }
    paragraphs = [
        N_(
            "This is a frozen release of the network's figures for {quarter}, published on "
            "{published}. Its numbers were fixed when it was prepared and never change; they "
            "are not recomputed from the case files."
        ),
        N_(
            "To protect the people counted, every number had a small random amount added or "
            "taken away once, when the release was prepared (the discrete Laplace mechanism "
            "of the OpenDP library, privacy budget ε = {epsilon} for the whole release, noise "
            "scale {scale}). Whether or not any one person is counted changes the chances of "
            "every published figure only slightly, so the release reveals very little about "
            "anyone, even to someone who knows the other cases."
        ),
        N_(
            "A published count is within {margin} of the true count 19 times out of 20. "
            "Small differences between quarters may be noise alone; look at the trend over "
            "several quarters."
        ),
        N_(
            '"<{k}" means the count after noise was below {k}: the true number may be zero '
            "or somewhat above {k}. Negative counts after noise are shown as zero, and "
            "each total is the sum of the numbers above it."
        ),
        N_(
            "A case's category, place and outcome are as recorded today; a need counts as "
            "met in the quarter of its last update."
        ),
    ]
    return [translate(p, language).format(**values) for p in paragraphs]


TREND_SERIES = {
    ReleaseTable.INTAKES: N_("New cases"),
    ReleaseTable.EXITS: N_("Cases closed"),
    ReleaseTable.OPEN_BY_STAGE: N_("Open at quarter end"),
}


def trends(views: Sequence[ReleaseView], *, language: str) -> pd.DataFrame:
    """Totals of every published release side by side, one row per quarter, oldest first."""
    quarter = translate(N_("Quarter"), language)
    records = []
    for view in sorted(views, key=lambda v: v.quarter):
        record: dict[str, object] = {quarter: view.quarter.label(language)}
        for key, name in TREND_SERIES.items():
            record[translate(name, language)] = view.tables[key].total
        records.append(record)
    columns = [quarter, *(translate(n, language) for n in TREND_SERIES.values())]
    return pd.DataFrame.from_records(records, columns=columns)
