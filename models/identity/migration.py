"""Data steps of migration 0005: seal the clear identities and notes of an existing database
(and, on downgrade, open them again). Written in plain SQL against the columns of that moment,
so it does not depend on the current table classes."""

from __future__ import annotations

import sqlalchemy as sa

from models.identity.crypto import (
    DataKey,
    Identity,
    open_identity,
    open_text,
    seal_identity,
    seal_text,
)
from models.identity.crypto import vault_for as _vault_for

FIELDS = ("full_name", "name_cyrillic", "name_latin", "other_spellings", "birth_year", "contact")


def seal_clear_rows(connection: sa.Connection) -> list[dict[str, object]]:
    """Give each person a data key, seal their identity and notes; returns the blind-index
    rows of their names (inserted by the migration once the person table is rebuilt)."""
    people = connection.execute(
        sa.text(f"SELECT id, case_id, {', '.join(FIELDS)} FROM person")  # noqa: S608
    ).all()
    if not people:
        return []
    vault = _vault_for(connection)
    token_rows: list[dict[str, object]] = []
    key_of_case: dict[int, DataKey] = {}
    keys = []
    for row in people:
        key = vault.new_key()
        keys.append((key.key_id, key.wrapped))
        key_of_case[row.case_id] = key
        identity = Identity(**{name: getattr(row, name) for name in FIELDS})
        connection.execute(
            sa.text("UPDATE person SET key_id = :k, sealed = :s WHERE id = :id"),
            {"k": key.key_id, "s": seal_identity(key.cipher, identity), "id": row.id},
        )
        token_rows += [{"t": t, "p": row.id} for t in vault.index.of_text(*identity.spellings())]
    vault.keystore.put_many(keys)
    for note in connection.execute(sa.text("SELECT id, case_id, body FROM case_note")).all():
        found = key_of_case.get(note.case_id)
        if found is None:  # a note without a person: nothing to tie it to, so it is dropped
            connection.execute(sa.text("DELETE FROM case_note WHERE id = :id"), {"id": note.id})
            continue
        connection.execute(
            sa.text("UPDATE case_note SET sealed_body = :s WHERE id = :id"),
            {"s": seal_text(found.cipher, note.body), "id": note.id},
        )
    return token_rows


def open_sealed_rows(connection: sa.Connection) -> None:
    """The reverse of ``seal_clear_rows``; people whose key was destroyed are deleted."""
    people = connection.execute(sa.text("SELECT id, case_id, key_id, sealed FROM person")).all()
    if not people:
        return
    vault = _vault_for(connection)
    for row in people:
        try:
            cipher = vault.cipher(row.key_id)
        except LookupError:
            connection.execute(sa.text("DELETE FROM person WHERE id = :id"), {"id": row.id})
            connection.execute(
                sa.text("DELETE FROM case_note WHERE case_id = :c"), {"c": row.case_id}
            )
            continue
        identity = open_identity(cipher, bytes(row.sealed))
        values = {name: getattr(identity, name) for name in FIELDS}
        connection.execute(
            sa.text(
                "UPDATE person SET "  # noqa: S608
                + ", ".join(f"{name} = :{name}" for name in FIELDS)
                + " WHERE id = :id"
            ),
            {**values, "id": row.id},
        )
        for note in connection.execute(
            sa.text("SELECT id, sealed_body FROM case_note WHERE case_id = :c"), {"c": row.case_id}
        ).all():
            connection.execute(
                sa.text("UPDATE case_note SET body = :b WHERE id = :id"),
                {"b": open_text(cipher, bytes(note.sealed_body)), "id": note.id},
            )
