"""Data steps of migrations 0005 and 0017: seal the clear identities, notes and free texts of
an existing database (and, on downgrade, open them again). Written in plain SQL against the
columns of that moment, so it does not depend on the current table classes."""

from __future__ import annotations

import sqlalchemy as sa

from models.identity.crypto import (
    DataCipher,
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


# Migration 0017: the free texts about a person, sealed like the notes. (table, clear column,
# sealed column); the referral's reason was required while it was clear.
FREE_TEXTS = (
    ("housing_need", "need", "sealed_need"),
    ("employment_need", "need", "sealed_need"),
    ("referral", "reason", "sealed_reason"),
    ("referral", "decline_reason", "sealed_decline_reason"),
    ("referral", "service_delivered", "sealed_service_delivered"),
)


def _ciphers(connection: sa.Connection) -> dict[int, DataCipher | None]:
    """Each case's person's cipher, by case id; ``None`` where the key was destroyed."""
    vault = _vault_for(connection)
    found: dict[int, DataCipher | None] = {}
    for case_id, key_id in connection.execute(sa.text("SELECT case_id, key_id FROM person")):
        try:
            found[case_id] = vault.cipher(key_id)
        except LookupError:
            found[case_id] = None
    return found


def _key(table: str) -> str:
    return "case_id" if table.endswith("_need") else "id"


def seal_free_texts(connection: sa.Connection) -> None:
    """Seal every clear free text of ``FREE_TEXTS`` with its case's person's key. A text
    whose person is gone (purged) is dropped, as its notes were: it cannot be read again."""
    ciphers = _ciphers(connection)
    for table, clear, sealed in FREE_TEXTS:
        key = _key(table)
        rows = connection.execute(
            sa.text(f"SELECT {key}, case_id, {clear} FROM {table} WHERE {clear} IS NOT NULL")  # noqa: S608
        ).all()
        for row_id, case_id, text in rows:
            cipher = ciphers.get(case_id)
            connection.execute(
                sa.text(f"UPDATE {table} SET {sealed} = :s WHERE {key} = :k"),  # noqa: S608
                {"s": None if cipher is None else seal_text(cipher, text), "k": row_id},
            )


def open_free_texts(connection: sa.Connection) -> None:
    """The reverse of ``seal_free_texts``; a text whose key is gone comes back empty (the
    referral's reason, required in clear) or as nothing."""
    ciphers = _ciphers(connection)
    for table, clear, sealed in FREE_TEXTS:
        key = _key(table)
        rows = connection.execute(
            sa.text(f"SELECT {key}, case_id, {sealed} FROM {table}")  # noqa: S608
        ).all()
        for row_id, case_id, value in rows:
            cipher = ciphers.get(case_id)
            text = None if value is None or cipher is None else open_text(cipher, bytes(value))
            if text is None and clear == "reason":
                text = ""
            connection.execute(
                sa.text(f"UPDATE {table} SET {clear} = :t WHERE {key} = :k"),  # noqa: S608
                {"t": text, "k": row_id},
            )
