"""``waypoint duplicates``: every undecided pair at or above the "likely" threshold, as CSV."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from sqlmodel import select

from models.database import session_scope
from models.duplicates.scan import scan
from models.tables import Organisation

COLUMNS = ("case_code_a", "case_code_b", "score", "reasons")


def duplicates_csv(engine: sa.Engine, *, organisation: str | None) -> tuple[int, str]:
    """Exit code and the CSV text (or the error message)."""
    with session_scope(engine) as session:
        organisation_id = None
        if organisation:
            org = session.exec(
                select(Organisation).where(Organisation.name == organisation.strip())
            ).first()
            if org is None:
                return 2, f"waypoint: no organisation named {organisation!r}\n"
            organisation_id = org.id
        pairs = scan(session, organisation_id=organisation_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for pair in pairs:
        writer.writerow([pair.code_a, pair.code_b, f"{pair.score:.2f}", "; ".join(pair.reasons)])
    return 0, buffer.getvalue()
