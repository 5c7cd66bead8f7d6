"""The database engine, the schema check and migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL is selected
with a ``postgresql+psycopg://`` URL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "waypoint db upgrade"
T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message says which one, without credentials."""


class SchemaOutOfDate(RuntimeError):
    """The database's schema is older (or newer) than this code."""


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, not left in free pages (purge, issue 11).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # Lower case for every alphabet (SQLite's ``lower`` folds ASCII only): account search.
    dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_sqlite_file(path: Path) -> None:
    """Make the SQLite file at ``path`` readable by this account only: its folder created
    0700 when missing, the file created 0600 before SQLite opens it (SQLite gives its -wal
    and -shm files the same mode), and an existing file (or journal) narrowed to 0600."""
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        path.parent.chmod(PRIVATE_FOLDER)  # mkdir's mode is narrowed by the umask only
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if companion.exists() and companion.stat().st_mode & 0o077:
            companion.chmod(PRIVATE_FILE)


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; for SQLite, creates the parent folder of the file (0700) and the
    file itself (0600), see ``private_sqlite_file``.

    ``hide_parameters``: a database error never quotes the values it was given (names)."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            private_sqlite_file(Path(path))
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # PostgreSQL's JIT compiles any query its planner thinks costly: each dashboard count over
    # 100,000 cases paid 0.27 s of compiling to save a few milliseconds of running.
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        hide_parameters=True,
        connect_args={"options": "-c jit=off"},
    )


def describe(engine: sa.Engine) -> str:
    """The engine's URL with any password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)


def alembic_config(engine: sa.Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at; ``None`` for an empty database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa.exc.OperationalError as error:
        raise DatabaseUnavailable(
            f"Cannot reach the database at {describe(engine)}: {error.orig}"
        ) from error


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest schema by default)."""
    command.upgrade(alembic_config(engine), revision)


def check_schema(engine: sa.Engine) -> None:
    """Raise ``SchemaOutOfDate`` unless the database is at this code's newest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutOfDate(
            f"The database at {describe(engine)} has no Waypoint schema. "
            f"Run `{UPGRADE_COMMAND}` to create it."
        )
    raise SchemaOutOfDate(
        f"The database at {describe(engine)} is at schema revision {current}, but this "
        f"version of Waypoint needs {head}. Run `{UPGRADE_COMMAND}` to bring it up to date."
    )


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


Query = Callable[[Session], T]


@contextmanager
def side_by_side(session: Session, workers: int) -> Iterator[Callable[[Query[T]], Future[T]]]:
    """Read-only queries run at once, each in its own session on ``session``'s engine:
    ``submit(query)`` returns a future of ``query(own_session)``, and every one has finished
    when the block ends. Both drivers leave the interpreter while the database works, so a
    page's independent scans cost about as much as the slowest of them. Each sees what was
    committed when it started, never ``session``'s pending writes."""
    bind = session.get_bind()

    def run(query: Query[T]) -> T:
        with Session(bind) as own:
            return query(own)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield lambda query: pool.submit(run, query)
