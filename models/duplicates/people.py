"""Where matching reads people from: the one place that touches identifying fields.

Identities are sealed (``models.identity``): they are opened here, in memory, and blocking
and scoring (``matching``) run over them in memory; the blind index is not used for
blocking yet (its tokens are per-word HMACs, so the same pairs could be blocked in SQL with
``candidate_people``, a later optimisation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import sqlalchemy as sa
from sqlmodel import Session, col

from models.duplicates.matching import NameRecord
from models.enums import CaseStatus
from models.identity.crypto import KeyDestroyed, open_identity, vault_for
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
    ``("case", code, case id, organisation id)``: each identity opened through the vault in
    memory (a purged one is left out); nothing clear is written anywhere."""
    rows = session.execute(
        sa.select(Case.code, Case.id, Case.organisation_id, Person.key_id, Person.sealed)
        .join(Person, col(Person.case_id) == col(Case.id))
        .where(col(Case.status) == CaseStatus.OPEN, condition)
    ).all()
    vault = vault_for(session)
    records = []
    for code, case_id, organisation_id, key_id, sealed in rows:
        try:
            identity = open_identity(vault.cipher(key_id), bytes(sealed))
        except KeyDestroyed:
            continue
        records.append(record_of(("case", code, case_id, organisation_id), asdict(identity)))
    return records


def organisation_records(session: Session, *, organisation_id: int) -> list[NameRecord]:
    """The people of an organisation's open cases."""
    return open_case_records(session, condition=col(Case.organisation_id) == organisation_id)
