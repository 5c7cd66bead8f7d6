"""Writing and reading a person's sealed identity and a case's sealed notes.

No access checks here: the callers (``models.cases``, ``models.case_queries``) check the
policy first. Nothing here commits, except the key store, which stores a new key at once
(a key must exist before any ciphertext made with it is committed; a key whose case write
is rolled back is left unused, which is harmless).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from models.identity.blind_index import token_rows
from models.identity.crypto import (
    DataCipher,
    Identity,
    KeyDestroyed,
    open_identity,
    open_text,
    seal_identity,
    seal_text,
    vault_for,
)
from models.tables import Person, PersonToken


class IdentityPurged(LookupError):
    """The case has no readable person any more (purged): nothing can be sealed for it."""


def add_person(session: Session, *, case_id: int, identity: Identity) -> Person:
    """Seal ``identity`` for case ``case_id`` under a new data key and index its names."""
    vault = vault_for(session)
    key = vault.create_key()
    person = Person(case_id=case_id, key_id=key.key_id, sealed=seal_identity(key.cipher, identity))
    session.add(person)
    session.flush()
    assert person.id is not None
    tokens = vault.index.of_text(*identity.spellings())
    if tokens:
        session.execute(sa.insert(PersonToken), token_rows(person.id, tokens))
    return person


def _person(session: Session, case_id: int) -> Person | None:
    return session.exec(select(Person).where(Person.case_id == case_id)).first()


def case_cipher(session: Session, *, case_id: int) -> DataCipher | None:
    """The cipher of the case's person; ``None`` when there is no person or the key is gone."""
    person = _person(session, case_id)
    if person is None:
        return None
    try:
        return vault_for(session).cipher(person.key_id)
    except KeyDestroyed:
        return None


def read_identity(session: Session, *, case_id: int) -> Identity | None:
    """The identity of the case's person in clear; ``None`` if there is none or it was purged."""
    person = _person(session, case_id)
    if person is None:
        return None
    try:
        cipher = vault_for(session).cipher(person.key_id)
    except KeyDestroyed:
        return None
    return open_identity(cipher, bytes(person.sealed))


def seal_note(session: Session, *, case_id: int, text: str) -> bytes:
    """``text`` (a note, or any free text about the person: a need, a referral's reason)
    sealed with the case's person's key; ``IdentityPurged`` if there is none."""
    cipher = case_cipher(session, case_id=case_id)
    if cipher is None:
        raise IdentityPurged(case_id)
    return seal_text(cipher, text)


def open_sealed(cipher: DataCipher | None, sealed: bytes | None) -> str | None:
    """One sealed free text in clear; ``None`` when there is none or the key is gone."""
    if cipher is None or sealed is None:
        return None
    return open_text(cipher, bytes(sealed))


def open_notes(cipher: DataCipher | None, sealed: list[bytes]) -> list[str | None]:
    """The notes in clear, in order; ``None`` for each when the key is gone."""
    if cipher is None:
        return [None for _ in sealed]
    return [open_text(cipher, bytes(s)) for s in sealed]
