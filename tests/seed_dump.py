"""A canonical dump of everything ``seed()`` writes, for comparing seeds across runs, worker
counts and versions of the generator.

Every table of the case database, each row as sorted (column, value) pairs, rows sorted.
Values that are random on every run are replaced: sealed identities, notes and free texts
by their plain text (opened with the key in the key store, which so also checks that every key
decrypts), data-key ids by the person they belong to, password hashes (a random salt) and
and the moments rows were written (audit, accounts, organisations, services: the
clock, not the seed) left out. Blind tokens are deterministic (an HMAC under
the test key) and kept. Ids drawn from sequences stay as they are: the dumps compared come
from fresh databases.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from models.identity.crypto import DataCipher, open_identity, open_text, vault_for

# (table, column) pairs whose values differ on every run and mean nothing for the data.
VOLATILE = {
    ("app_user", "password_hash"),
    ("app_user", "created_at"),
    ("organisation", "created_at"),
    ("network_setting", "updated_at"),
    ("service_offer", "updated_at"),
    ("audit_event", "at"),
}


def _canonical(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float):
        return round(value, 9)
    return value


def dump(session: Session) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    """Every table's rows, canonical (see the module docstring)."""
    vault = vault_for(session)
    people = session.execute(sa.text("SELECT id, case_id, key_id FROM person")).all()
    wrapped = vault.keystore.get_many(key_id for _, _, key_id in people)
    assert len(wrapped) == len(people), "every person's data key is in the key store"
    cipher_of_case = {
        case_id: DataCipher(vault.master.decrypt(wrapped[key_id])) for _, case_id, key_id in people
    }
    person_of_key = {key_id: person_id for person_id, _, key_id in people}
    result: dict[str, list[tuple[tuple[str, Any], ...]]] = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = []
        for row in session.execute(sa.select(table)).mappings():
            values = dict(row)
            if table.name == "person":
                identity = open_identity(cipher_of_case[values["case_id"]], bytes(values["sealed"]))
                values["sealed"] = repr(identity)
                values["key_id"] = person_of_key[values["key_id"]]
            else:
                # Notes and the other free texts about the person, opened with their key.
                for name, value in values.items():
                    if name.startswith("sealed") and value is not None:
                        cipher = cipher_of_case[values["case_id"]]
                        values[name] = open_text(cipher, bytes(value))
            for name in list(values):
                if (table.name, name) in VOLATILE:
                    del values[name]
            rows.append(tuple(sorted((k, _canonical(v)) for k, v in values.items())))
        result[table.name] = sorted(rows, key=repr)
    return result


def digest(session: Session) -> str:
    """A SHA-256 of ``dump(session)``, tables with rows only."""
    hashed = hashlib.sha256()
    for name, rows in sorted(dump(session).items()):
        if rows:
            hashed.update(repr((name, rows)).encode())
    return hashed.hexdigest()
