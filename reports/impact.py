"""The impact report as people read it: counts with their "<k" and withheld marks, as
labelled frames for the page, the CSV, the Excel file and the HTML report."""

from __future__ import annotations

import pandas as pd

from models.disclosure import Hidden, Published
from models.funder import ImpactReport, ReportTable
from models.i18n import N_, translate

WITHHELD_MARK = "x"


def shown_value(value: Published, k: int) -> int | str:
    """A published count as a reader sees it: the number, "<k", or the withheld mark."""
    if value is Hidden.BELOW_K:
        return f"<{k}"
    if value is Hidden.WITHHELD:
        return WITHHELD_MARK
    return int(value)


def number_or_none(value: Published) -> int | None:
    """A count for a chart: hidden counts are gaps, never guessed."""
    return None if isinstance(value, Hidden) else int(value)


def legend(k: int, language: str) -> str:
    return translate(
        N_(
            "<{k}: fewer than {k}. {mark}: withheld, so that no small count can be worked out "
            "from the totals."
        ),
        language,
    ).format(k=k, mark=WITHHELD_MARK)


def report_frame(table: ReportTable, *, language: str) -> pd.DataFrame:
    """``table`` as rows of labels and shown values, with its totals; empty when left out."""
    safe = table.safe
    if safe is None:
        return pd.DataFrame()
    total = translate(N_("Total"), language)
    records = []
    for i, label in enumerate(table.row_labels):
        record: dict[str, object] = {table.row_header: label}
        for j, column in enumerate(table.column_labels):
            record[column] = shown_value(safe.cells[i][j], safe.k)
        if safe.row_totals is not None and len(table.column_labels) > 1:
            record[total] = shown_value(safe.row_totals[i], safe.k)
        records.append(record)
    if safe.column_totals is not None:
        record = {table.row_header: total}
        for j, column in enumerate(table.column_labels):
            record[column] = shown_value(safe.column_totals[j], safe.k)
        if safe.row_totals is not None and len(table.column_labels) > 1:
            grand = safe.grand_total
            record[total] = "" if grand is None else shown_value(grand, safe.k)
        records.append(record)
    return pd.DataFrame.from_records(records)


def long_frame(report: ImpactReport, *, language: str) -> pd.DataFrame:
    """Every shown value of the report in one table (table, row, column, value), for CSV."""
    headers = [translate(h, language) for h in (N_("Table"), N_("Row"), N_("Column"), N_("Count"))]
    records = []
    for table in report.tables:
        frame = report_frame(table, language=language)
        for _, line in frame.iterrows():
            for column in frame.columns[1:]:
                records.append((table.title, line.iloc[0], column, line[column]))
    return pd.DataFrame.from_records(records, columns=headers)
