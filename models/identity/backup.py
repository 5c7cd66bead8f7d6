"""Backups, restores and master-key rotation.

``backup(engine, path)``: a consistent copy of a SQLite case database made with SQLite's online
backup API while the app keeps running. It holds ciphertext only; the key store is backed up
on its own (see the README), and should be kept apart from the database backups.

``restore(engine, path)``: copies a backup over the live SQLite database, brings its schema up
to date, then re-applies every purge (the live ledger read before the restore, the restored
ledger, and the key store's destroyed keys) before anything is served again.

PostgreSQL: ``pg_dump``/``pg_restore`` (README), then ``waypoint restore --reapply-only``.

``rotate_master_key(engine)``: re-wraps every data key under the first master key listed, so
that the older master keys can be removed from the configuration afterwards.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import col, select

from models.access import Actor
from models.audit import record
from models.database import current_revision, session_scope, upgrade
from models.enums import AuditAction
from models.identity.blind_index import token_rows
from models.identity.crypto import Identity, vault_for
from models.identity.purge import Reapplied, reapply_purges, scrub
from models.tables import Person, PersonToken, PurgeLedger

REINDEX_BATCH = 2000


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


PG_HINT = (
    "For PostgreSQL use pg_dump and pg_restore (see the README, 'Identity vault and keys'), "
    "then run `waypoint restore --reapply-only`."
)


def _sqlite_only(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        raise BackupError(f"`waypoint backup` and `restore` copy SQLite files. {PG_HINT}")


def backup(engine: sa.Engine, path: Path, *, actor: Actor | None = None) -> None:
    """Write a consistent copy of the live SQLite database to ``path`` (which must not exist)."""
    _sqlite_only(engine)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as session:
        record(session, actor=actor, action=AuditAction.BACKUP, entity="database")
    scrub(engine)
    raw = engine.raw_connection()
    try:
        with closing(sqlite3.connect(path)) as target:
            _sqlite_connection(raw).backup(target)
    finally:
        raw.close()
    path.chmod(0o600)


def _sqlite_connection(raw: PoolProxiedConnection) -> sqlite3.Connection:
    """The sqlite3 connection under a pooled connection of a SQLite engine."""
    driver = raw.driver_connection
    assert isinstance(driver, sqlite3.Connection), driver
    return driver


@dataclass(frozen=True)
class Restored:
    reapplied: Reapplied


def restore(engine: sa.Engine, path: Path, *, actor: Actor | None = None) -> Restored:
    """Replace the live SQLite database by the backup at ``path``, then purge again."""
    _sqlite_only(engine)
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
        try:
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a SQLite database.") from error
        ledger: list[PurgeLedger] = []
        if current_revision(engine) is not None:
            with session_scope(engine) as session:
                ledger = list(session.exec(select(PurgeLedger)).all())
        raw = engine.raw_connection()
        try:
            source.backup(_sqlite_connection(raw))
        finally:
            raw.close()
    engine.dispose()  # connections opened before the restore may cache the old schema
    upgrade(engine)
    reapplied = reapply_purges(engine, ledger=ledger)
    with session_scope(engine) as session:
        record(
            session,
            actor=actor,
            action=AuditAction.RESTORE,
            entity="database",
            detail=f"{reapplied.identities} identities purged again",
        )
    return Restored(reapplied)


def rotate_master_key(engine: sa.Engine, *, actor: Actor | None = None) -> int:
    """Re-wrap every data key under the first master key; returns how many keys."""
    with session_scope(engine) as session:
        vault = vault_for(session)
        rewrapped = [
            (key_id, vault.rewrap(wrapped))
            for batch in vault.keystore.iter_wrapped()
            for key_id, wrapped in batch
        ]
        vault.keystore.replace_wrapped(rewrapped)
        record(
            session,
            actor=actor,
            action=AuditAction.KEYS_ROTATED,
            entity="key_store",
            detail=f"{len(rewrapped)} data keys re-wrapped",
        )
    return len(rewrapped)


def rebuild_name_index(engine: sa.Engine, *, actor: Actor | None = None) -> int:
    """Every person's blind tokens (name search and duplicate blocking) computed again under
    the configured blind-index key, replacing the old ones in one transaction; returns how
    many people were indexed. Run after the key changed: rotated because it may have leaked,
    or replaced because it was lost. A purged person (key gone) keeps no tokens."""
    indexed = 0
    with session_scope(engine) as session:
        vault = vault_for(session)
        session.execute(sa.delete(PersonToken))
        after = 0
        while batch := session.execute(
            sa.select(col(Person.id), col(Person.key_id), col(Person.sealed))
            .where(col(Person.id) > after)
            .order_by(col(Person.id))
            .limit(REINDEX_BATCH)
        ).all():
            after = batch[-1][0]
            opened: dict[int, Identity] = vault.open_identities(
                (person_id, key_id, sealed) for person_id, key_id, sealed in batch
            )
            rows = [
                row
                for person_id, identity in opened.items()
                for row in token_rows(person_id, vault.index.of_text(*identity.spellings()))
            ]
            if rows:
                session.execute(sa.insert(PersonToken), rows)
            indexed += len(opened)
        record(
            session,
            actor=actor,
            action=AuditAction.KEYS_ROTATED,
            entity="name_index",
            detail=f"name index rebuilt for {indexed} people under the current blind-index key",
        )
    return indexed
