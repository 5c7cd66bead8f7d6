"""``waypoint import``: the dry run or the import of one file, with a result CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlmodel import select

from models.database import session_scope
from models.imports.columns import guess_mapping
from models.imports.reading import ImportRefused, read_table
from models.imports.service import (
    RESULT_COLUMNS,
    MappingIncomplete,
    RowStatus,
    apply_import,
    plan_import,
    remembered_mapping,
    result_rows,
)
from models.tables import Organisation
from reports.files import to_csv


def result_csv(rows: list[dict[str, object]]) -> bytes:
    """The result file: ``row, reference, status, case_code, errors`` (UTF-8 with BOM)."""
    return to_csv(pd.DataFrame(rows, columns=list(RESULT_COLUMNS)))


def run_import(
    engine: sa.Engine,
    *,
    path: Path,
    organisation: str,
    dry_run: bool,
    result: Path | None,
    today: dt.date,
) -> tuple[int, list[str]]:
    """Exit code and the lines to print. Nothing is written unless every row is valid."""
    try:
        table = read_table(path.read_bytes(), path.name)
    except ImportRefused as refused:
        return 2, [f"{path.name}: refused: {refused}; nothing was written"]
    except OSError as error:
        return 2, [f"{path.name}: {error.strerror}"]
    with session_scope(engine) as session:
        org = session.exec(
            select(Organisation).where(Organisation.name == organisation.strip())
        ).first()
        if org is None or org.id is None:
            return 2, [f"no organisation named {organisation!r}"]
        mapping = guess_mapping(table.headers, remembered_mapping(session, organisation_id=org.id))
        try:
            if dry_run:
                plan = plan_import(
                    session,
                    actor=None,
                    organisation_id=org.id,
                    table=table,
                    mapping=mapping,
                    today=today,
                )
                written = False
            else:
                outcome = apply_import(
                    session,
                    actor=None,
                    organisation_id=org.id,
                    table=table,
                    mapping=mapping,
                    today=today,
                )
                plan, written = outcome.plan, outcome.written
        except MappingIncomplete as missing:
            return 2, [f"{path.name}: no column found for: {', '.join(missing.missing)}"]
    rows = result_rows(plan)
    if result is not None:
        result.write_bytes(result_csv(rows))
    counts = ", ".join(f"{n} {s.value}" for s in RowStatus if (n := plan.count(s)))
    lines = [f"{path.name}: {len(plan.rows)} rows: {counts}"]
    lines += [f"line {r['row']}: {r['errors']}" for r in rows if r["status"] == "error"][:50]
    if dry_run:
        lines.append("dry run: nothing was written")
    elif not written:
        lines.append("nothing was written: fix the rows with errors and import again")
    else:
        lines.append("imported")
    return (0 if not plan.count(RowStatus.ERROR) else 1), lines
