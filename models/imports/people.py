"""The one place where an import reads and writes a person's identifying fields, and notes.

Everything goes through the identity vault (``models.identity``): a new person gets a data key
of its own, its identity is sealed with it and its names enter the blind index; an updated
person is sealed again under the same key and its tokens replaced; notes are sealed with the
case's key. No clear name, contact or note text is ever written to the case database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace

import sqlalchemy as sa
from sqlmodel import Session, col

from models.identity.blind_index import token_rows
from models.identity.crypto import (
    DataCipher,
    Identity,
    seal_identity,
    seal_text,
    vault_for,
)
from models.identity.store import (
    IdentityPurged,
    case_cipher,
    open_notes,
    read_identity,
    seal_note,
)
from models.tables import Person, PersonToken

PERSON_FIELDS = (
    "full_name",
    "name_cyrillic",
    "name_latin",
    "other_spellings",
    "birth_year",
    "contact",
)


def _identity(values: Mapping[str, object]) -> Identity:
    year = values.get("birth_year")
    return Identity(
        full_name=str(values.get("full_name") or ""),
        name_cyrillic=_text(values.get("name_cyrillic")),
        name_latin=_text(values.get("name_latin")),
        other_spellings=_text(values.get("other_spellings")),
        birth_year=year if isinstance(year, int) else None,
        contact=_text(values.get("contact")),
    )


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def read_people(session: Session, case_ids: Iterable[int]) -> dict[int, dict[str, object]]:
    """The identifying fields of the people behind ``case_ids``, by case id, opened through
    the vault (a purged person is left out). A few queries for any number of cases."""
    wanted = sorted(set(case_ids))
    rows: list[tuple[int, str, bytes]] = []
    for start in range(0, len(wanted), 900):
        rows += session.execute(
            sa.select(col(Person.case_id), col(Person.key_id), col(Person.sealed)).where(
                col(Person.case_id).in_(wanted[start : start + 900])
            )
        ).all()
    opened = vault_for(session).open_identities(rows)
    return {case_id: asdict(identity) for case_id, identity in opened.items()}


def _case_id(person: Mapping[str, object]) -> int:
    case_id = person["case_id"]
    assert isinstance(case_id, int), "people are inserted for saved cases"
    return case_id


def insert_people(
    session: Session, people: Sequence[Mapping[str, object]]
) -> dict[int, DataCipher]:
    """Add one sealed person per mapping (``case_id`` and the fields of ``PERSON_FIELDS``):
    the data keys are stored in the key store first, in one write, then the ciphertexts and
    blind tokens in bulk. Returns each new case's cipher, to seal its notes with."""
    if not people:
        return {}
    vault = vault_for(session)
    keys = [vault.new_key() for _ in people]
    vault.keystore.put_many([(key.key_id, key.wrapped) for key in keys])
    identities = [_identity(person) for person in people]
    ids = session.execute(
        sa.insert(Person).returning(col(Person.id), sort_by_parameter_order=True),
        [
            {
                "case_id": person["case_id"],
                "key_id": key.key_id,
                "sealed": seal_identity(key.cipher, identity),
            }
            for person, key, identity in zip(people, keys, identities, strict=True)
        ],
    ).scalars()
    tokens: list[dict[str, object]] = []
    for person_id, identity in zip(list(ids), identities, strict=True):
        tokens += token_rows(person_id, vault.index.of_text(*identity.spellings()))
    for start in range(0, len(tokens), 5000):
        session.execute(sa.insert(PersonToken), tokens[start : start + 5000])
    return {_case_id(p): k.cipher for p, k in zip(people, keys, strict=True)}


def update_person(session: Session, *, case_id: int, values: Mapping[str, object]) -> None:
    """Set ``values`` (a subset of ``PERSON_FIELDS``) on the person of ``case_id``: sealed
    again under the person's key, blind tokens replaced. ``IdentityPurged`` if the key is
    gone (nothing can be sealed for a purged person). The caller puts the case's duplicate
    pairs in the review queue again (``models.duplicates.queue.requeue_cases``), as the
    import does for every renamed person at once."""
    if not values:
        return
    current = read_identity(session, case_id=case_id)
    cipher = case_cipher(session, case_id=case_id)
    if current is None or cipher is None:
        raise IdentityPurged(case_id)
    merged = _identity(asdict(current) | dict(values))
    merged = replace(merged, full_name=merged.full_name or current.full_name)
    person = session.execute(sa.select(Person).where(col(Person.case_id) == case_id)).scalar_one()
    assert person.id is not None
    person.sealed = seal_identity(cipher, merged)
    session.add(person)
    session.execute(sa.delete(PersonToken).where(col(PersonToken.person_id) == person.id))
    tokens = vault_for(session).index.of_text(*merged.spellings())
    if tokens:
        session.execute(sa.insert(PersonToken), token_rows(person.id, tokens))
    session.flush()


def read_notes(session: Session, case_id: int, sealed: list[bytes]) -> list[str | None]:
    """The case's notes ``sealed`` in clear (``None`` each once purged)."""
    return open_notes(case_cipher(session, case_id=case_id), sealed)


def sealed_note(
    session: Session, *, case_id: int, text: str, cipher: DataCipher | None = None
) -> bytes:
    """``text`` sealed with the case's person's key (``cipher`` when the caller has it)."""
    if cipher is not None:
        return seal_text(cipher, text)
    return seal_note(session, case_id=case_id, text=text)
