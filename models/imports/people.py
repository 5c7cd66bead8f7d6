"""The one place where an import reads and writes a person's identifying fields.

The identity vault (issue 11) will encrypt these fields per person; routing every import
write through ``insert_people`` / ``update_person`` keeps that change to this file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from models.tables import Person

PERSON_FIELDS = (
    "full_name",
    "name_cyrillic",
    "name_latin",
    "other_spellings",
    "birth_year",
    "contact",
)


def read_people(session: Session, case_ids: Iterable[int]) -> dict[int, dict[str, object]]:
    """The identifying fields of the people behind ``case_ids``, by case id."""
    found: dict[int, dict[str, object]] = {}
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(Person.case_id, *[getattr(Person, f) for f in PERSON_FIELDS]).where(
                col(Person.case_id).in_(ids[start : start + 500])
            )
        ).all()
        for row in rows:
            found[row[0]] = dict(zip(PERSON_FIELDS, row[1:], strict=True))
    return found


def insert_people(session: Session, people: Sequence[Mapping[str, object]]) -> None:
    """Add one person per mapping (``case_id`` and the fields of ``PERSON_FIELDS``)."""
    if people:
        session.execute(sa.insert(Person), [dict(person) for person in people])


def update_person(session: Session, *, case_id: int, values: Mapping[str, object]) -> None:
    """Set ``values`` (a subset of ``PERSON_FIELDS``) on the person of ``case_id``."""
    if values:
        session.execute(sa.update(Person).where(col(Person.case_id) == case_id).values(**values))
