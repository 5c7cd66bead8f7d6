"""Where matching reads people from: the one place that touches identifying fields.

Candidates come from the blind index, never from a pass over every identity: each person
has *blocking tokens* (HMACs of ``matching.blocking_keys``, see
``models.identity.blind_index``), and two people are compared only when they share one.
Only the people of some candidate pair are then opened through the vault, in memory, and
scored (``matching.score_pair``); nothing clear is written anywhere.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.duplicates.matching import MAX_BLOCK, NameRecord
from models.enums import CaseStatus
from models.identity.blind_index import IS_BLOCKING_TOKEN
from models.identity.crypto import vault_for
from models.tables import Case, Person, PersonToken

CHUNK = 900  # ids per IN (...): under SQLite's bound-parameter limit


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


def spellings_of(values: Mapping[str, object]) -> tuple[str, ...]:
    """The spellings of a person given as field values, as the blind index takes them."""
    return record_of(None, values).names


@dataclass(frozen=True)
class CaseKey:
    """Which open case a matching record is the person of."""

    code: str
    case_id: int
    organisation_id: int


OPEN = col(Case.status) == CaseStatus.OPEN


def open_records(session: Session, person_ids: Collection[int]) -> dict[int, NameRecord]:
    """The people ``person_ids`` of open cases, opened through the vault, keyed by person id;
    each record's key is its ``CaseKey``. A purged person is left out."""
    wanted = sorted(set(person_ids))
    rows: list[tuple[int, str, int, int, CaseStatus, str, bytes]] = []
    for start in range(0, len(wanted), CHUNK):
        # The status is checked here, not in SQL: on a case_file condition, SQLite (without
        # statistics) would walk every open case instead of looking the people up by id.
        rows += session.execute(
            sa.select(
                col(Person.id),
                col(Case.code),
                col(Case.id),
                col(Case.organisation_id),
                col(Case.status),
                col(Person.key_id),
                col(Person.sealed),
            )
            .join(Case, col(Case.id) == col(Person.case_id))
            .where(col(Person.id).in_(wanted[start : start + CHUNK]))
        ).all()
    rows = [row for row in rows if row[4] == CaseStatus.OPEN]
    opened = vault_for(session).open_identities((row[0], row[5], row[6]) for row in rows)
    return {
        person_id: record_of(CaseKey(code, case_id, organisation_id), vars(opened[person_id]))
        for person_id, code, case_id, organisation_id, _status, _key, _sealed in rows
        if person_id in opened  # (vars, not asdict, which deep-copies: slow)
    }


def blocks(
    session: Session,
    *,
    condition: sa.ColumnElement[bool],
    touching: int | None = None,
    of_cases: Collection[int] | None = None,
) -> list[list[int]]:
    """The blocks (person ids sharing one blocking token) of two to ``MAX_BLOCK`` people of
    open cases meeting ``condition``; with ``touching``, only the blocks holding someone of
    that organisation; with ``of_cases``, only the blocks holding the person of one of those
    cases. Reads blind tokens only: nobody is decrypted here."""
    if of_cases is not None:
        wanted = sorted(set(of_cases))
        found: dict[bytes, list[int]] = {}
        for start in range(0, len(wanted), CHUNK):
            # The cases' own tokens, as a table to walk, each looked up in the token index.
            tokens = (
                sa.select(col(PersonToken.token))
                .join(Person, col(Person.id) == col(PersonToken.person_id))
                .where(col(Person.case_id).in_(wanted[start : start + CHUNK]), IS_BLOCKING_TOKEN)
                .distinct()
                .subquery("theirs")
            )
            found |= _members(session, condition, tokens)
        return [block for block in found.values() if 1 < len(block) <= MAX_BLOCK]
    theirs: sa.Subquery | None = None
    if touching is not None:
        # Only the blocks the organisation's people are in (whole: their size counts). The
        # organisation's tokens come first, as a table to walk: each is then looked up in
        # the token index. (As an IN (...) list, SQLite walked every open case and tried
        # every listed token on each: minutes at 100,000 people.)
        theirs = (
            sa.select(col(PersonToken.token))
            .join(Person, col(Person.id) == col(PersonToken.person_id))
            .join(Case, col(Case.id) == col(Person.case_id))
            .where(OPEN, IS_BLOCKING_TOKEN, col(Case.organisation_id) == touching)
            .distinct()
            .subquery("theirs")
        )
    found = _members(session, condition, theirs)
    return [block for block in found.values() if 1 < len(block) <= MAX_BLOCK]


def _members(
    session: Session, condition: sa.ColumnElement[bool], theirs: sa.Subquery | None
) -> dict[bytes, list[int]]:
    """Person ids of open cases meeting ``condition`` by blocking token (only the tokens
    of ``theirs`` when given)."""
    query = sa.select(col(PersonToken.person_id), col(PersonToken.token))
    if theirs is not None:
        query = query.select_from(theirs).join(
            PersonToken, col(PersonToken.token) == theirs.c.token
        )
    query = (
        query.join(Person, col(Person.id) == col(PersonToken.person_id))
        .join(Case, col(Case.id) == col(Person.case_id))
        .where(OPEN, IS_BLOCKING_TOKEN, condition)
    )
    found: dict[bytes, list[int]] = {}
    for person_id, token in session.execute(query):
        found.setdefault(bytes(token), []).append(person_id)
    return found


def people_sharing_blocks(
    session: Session, *, tokens: Iterable[bytes], organisation_id: int | None
) -> list[int]:
    """Person ids of open cases (of ``organisation_id``, or of any organisation when
    ``None``) that share a blocking token with ``tokens`` (the blocking tokens of a name
    being typed or imported). Blocks over ``MAX_BLOCK`` people are left out."""
    wanted = sorted(set(tokens))
    members: dict[bytes, list[tuple[int, int, CaseStatus]]] = {}
    for start in range(0, len(wanted), CHUNK):
        # Looked up by token (the index); the case's status and organisation checked here.
        rows = session.execute(
            sa.select(
                col(PersonToken.token),
                col(PersonToken.person_id),
                col(Case.organisation_id),
                col(Case.status),
            )
            .join(Person, col(Person.id) == col(PersonToken.person_id))
            .join(Case, col(Case.id) == col(Person.case_id))
            .where(col(PersonToken.token).in_(wanted[start : start + CHUNK]))
        ).all()
        for token, person_id, organisation, status in rows:
            members.setdefault(bytes(token), []).append((person_id, organisation, status))
    found = {
        person_id
        for block in members.values()
        if len(block) <= MAX_BLOCK
        for person_id, organisation, status in block
        if status == CaseStatus.OPEN and organisation_id in (None, organisation)
    }
    return sorted(found)
