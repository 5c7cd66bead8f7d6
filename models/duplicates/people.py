"""Where matching reads people from: the one place that touches identifying fields.

When the identity vault (issue 11) encrypts names, these functions decrypt the candidates
that blocking found, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlmodel import Session, col

from models.duplicates.matching import NameRecord
from models.enums import CaseStatus
from models.tables import Case, Person


def record_of(key: object, values: Mapping[str, object]) -> NameRecord:
    """The matching view of a person given as field values (an import row, a form)."""
    names = [values.get(f) for f in ("full_name", "name_cyrillic", "name_latin")]
    spellings = str(values.get("other_spellings") or "")
    names += [s for s in spellings.replace(";", ",").split(",") if s.strip()]
    year = values.get("birth_year")
    return NameRecord(
        key=key,
        names=tuple(str(n) for n in names if n),
        birth_year=year if isinstance(year, int) else None,
    )


def open_case_records(session: Session, *, condition: sa.ColumnElement[bool]) -> list[NameRecord]:
    """Matching views of the people of the open cases meeting ``condition``, keyed by
    ``("case", code, case id, organisation id)``."""
    rows = session.execute(
        sa.select(
            Case.code,
            Case.id,
            Case.organisation_id,
            Person.full_name,
            Person.name_cyrillic,
            Person.name_latin,
            Person.other_spellings,
            Person.birth_year,
        )
        .join(Person, col(Person.case_id) == col(Case.id))
        .where(col(Case.status) == CaseStatus.OPEN, condition)
    ).all()
    return [
        record_of(
            ("case", code, case_id, organisation_id),
            {
                "full_name": full_name,
                "name_cyrillic": cyrillic,
                "name_latin": latin,
                "other_spellings": spellings,
                "birth_year": year,
            },
        )
        for code, case_id, organisation_id, full_name, cyrillic, latin, spellings, year in rows
    ]


def organisation_records(session: Session, *, organisation_id: int) -> list[NameRecord]:
    """The people of an organisation's open cases."""
    return open_case_records(session, condition=col(Case.organisation_id) == organisation_id)
