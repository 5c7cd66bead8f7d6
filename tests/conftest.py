"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL.

``WAYPOINT_TEST_DATABASE_URL`` (``postgresql+psycopg://...``) turns the PostgreSQL runs on;
CI always sets it. With ``CI`` set and no URL, the PostgreSQL tests fail instead of skipping.
Each xdist worker gets its own PostgreSQL database; each test starts from empty tables.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from sqlmodel import Session, SQLModel
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.testing.v1 import AppTest

from dashboard import state
from models.access import Actor
from models.database import make_engine, upgrade
from models.i18n import Language
from models.network import tables as _network_tables  # noqa: F401  (their tables, emptied too)

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
VIEWS = ROOT / "dashboard" / "views"

PG_URL = os.environ.get("WAYPOINT_TEST_DATABASE_URL")

# The identity vault's keys for every test, and for the dashboards the e2e harness starts
# (they inherit the environment). Fixed test values: never use them anywhere else.
TEST_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LW5vdC1mb3ItdXNlLTAwMDA="
TEST_BLIND_INDEX_KEY = "test-blind-index-key-" + "y" * 40
os.environ.setdefault("WAYPOINT_MASTER_KEYS", TEST_MASTER_KEY)
os.environ.setdefault("WAYPOINT_BLIND_INDEX_KEY", TEST_BLIND_INDEX_KEY)
BACKENDS = ["sqlite", "postgresql"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep ``xdist_group`` working. Under ``--dist loadgroup`` each xdist worker marks a
    grouped test by appending ``@group`` to its node id, and the scheduler keeps tests with
    the same suffix on one worker. pytest-xdist 3.8 writes that suffix to ``item._nodeid``,
    which pytest 9.2 no longer reads (pytest-xdist issue #1386): every group was ignored,
    and the tour ran on both workers. Write it where pytest 9.2 reads node ids."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers only
        return
    try:
        from _pytest.nodeid import NodeId  # pytest >= 9.2; earlier, xdist's own suffix works
    except ImportError:
        return
    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(groups))
        if groups and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "waypoint.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@contextmanager
def scratch_pg_database(prefix: str) -> Iterator[str]:
    """The URL of a PostgreSQL database of its own, named for this xdist worker and process
    (concurrent test runs never collide), created empty and dropped afterwards. Skips (fails
    in CI) without ``WAYPOINT_TEST_DATABASE_URL``."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set WAYPOINT_TEST_DATABASE_URL to run the PostgreSQL tests")
        pytest.skip("WAYPOINT_TEST_DATABASE_URL is not set")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{prefix}_{worker}_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        # A throwaway test database: commits need not wait for the disk.
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated PostgreSQL database of this xdist worker."""
    with scratch_pg_database("waypoint_test") as url:
        # A PostgreSQL case database needs its key store named: a file of this test session
        # (tests through ``database_url`` get one of their own).
        keys = tmp_path_factory.mktemp("keystore") / "keys.db"
        os.environ["WAYPOINT_KEYSTORE_URL"] = f"sqlite:///{keys}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


# Every id sequence owned by a column of the given tables, back to its start value.
_RESTART_OWNED_SEQUENCES = sa.text(
    """
    SELECT setval(sequence.oid::regclass, settings.seqstart, false)
    FROM pg_class AS sequence
    JOIN pg_sequence AS settings ON settings.seqrelid = sequence.oid
    JOIN pg_depend AS owner ON owner.objid = sequence.oid
        AND owner.classid = 'pg_class'::regclass AND owner.refclassid = 'pg_class'::regclass
        AND owner.deptype IN ('a', 'i')
    JOIN pg_class AS owning_table ON owning_table.oid = owner.refobjid
    WHERE sequence.relkind = 'S' AND owning_table.relname = ANY(:tables)
    """
)


def _empty_pg(engine: sa.Engine) -> None:
    """Every table empty and every id sequence restarted, as ``TRUNCATE ... RESTART
    IDENTITY`` would leave them. Not TRUNCATE: it gives each table and index new files and
    fsyncs every rebuilt index, 0.4-1.2 s per test on a loaded machine (these DELETEs take
    0.02 s), and the tens of thousands of files it leaves behind make PostgreSQL's
    checkpoints crawl: a DROP DATABASE, which waits for one, once waited 90 s."""
    names = [table.name for table in SQLModel.metadata.sorted_tables]
    with engine.begin() as connection:
        for name in reversed(names):  # rows that refer to others first
            connection.exec_driver_sql(f'DELETE FROM "{name}"')
        connection.execute(_RESTART_OWNED_SEQUENCES, {"tables": names})


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database, once per backend."""
    monkeypatch = request.getfixturevalue("monkeypatch")
    if request.param == "sqlite":
        # The key store beside the case file (``waypoint-keys.db``), as in production.
        monkeypatch.delenv("WAYPOINT_KEYSTORE_URL", raising=False)
        path = tmp_path / "waypoint.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        engine = make_engine(url)
        _empty_pg(engine)
        engine.dispose()
        # A PostgreSQL case database needs its key store named; here a file of this test.
        monkeypatch.setenv("WAYPOINT_KEYSTORE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
        yield url


@pytest.fixture
def empty_pg_url(pg_url: str) -> str:
    """The worker's PostgreSQL database, emptied (for tests of PostgreSQL alone)."""
    engine = make_engine(pg_url)
    _empty_pg(engine)
    engine.dispose()
    return pg_url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty, migrated SQLite database, for tests that need only one backend."""
    monkeypatch.delenv("WAYPOINT_KEYSTORE_URL", raising=False)
    path = tmp_path / "waypoint.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    created = make_engine(database_url)
    yield created
    created.dispose()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as opened:
        yield opened


COOKIE_KEY = "test-cookie-key-" + "x" * 40


@pytest.fixture
def configure_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point the dashboard at a database (not demo mode) and clear its process caches."""

    def configure(database_url: str, *, today: str | None = None) -> None:
        from dashboard import runtime

        monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
        monkeypatch.setenv("WAYPOINT_COOKIE_KEY", COOKIE_KEY)
        if today:
            monkeypatch.setenv("WAYPOINT_TODAY", today)
        else:
            monkeypatch.delenv("WAYPOINT_TODAY", raising=False)
        runtime.settings.clear()
        runtime.engine.clear()
        st.cache_data.clear()

    return configure


@functools.cache
def _components() -> BidiComponentManager:
    """The Streamlit component registry, discovered once per test process.

    A new AppTest scans every installed package for components on its first run (0.1 s or
    more, most of a small page's run), where a server does it once at start; every page
    test's AppTest is handed this one, through AppTest's private attribute."""
    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


@pytest.fixture
def page_test(configure_app: Callable[..., None]) -> Callable[..., AppTest]:
    """An AppTest of one page file, started as ``actor`` (signed in) against ``database_url``.

    ``page`` is a file name under ``dashboard/views`` or ``"app"`` for the entry script."""

    def start(
        page: str,
        *,
        database_url: str,
        actor: Actor | None,
        language: str = "en",
        today: str | None = None,
    ) -> AppTest:
        configure_app(database_url, today=today)
        path = APP if page == "app" else VIEWS / page
        at = AppTest.from_file(str(path), default_timeout=60)
        at._bidi_component_manager = _components()
        at.session_state[state.LANGUAGE] = Language(language)
        if actor is not None:
            at.session_state[state.ACTOR] = actor
            at.session_state[state.AUTH_STATUS] = True
            at.session_state["username"] = actor.username
            at.session_state[state.LAST_SEEN] = time.time()
        return at

    return start


@pytest.fixture(autouse=True)
def _fresh_vaults() -> Iterator[None]:
    """Each test builds its own vault (and key store) and closes it afterwards."""
    from models.identity.crypto import reset

    reset()
    yield
    reset()


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt's cost 12 is right for people and slow for tests; the rules are the same."""
    monkeypatch.setattr("models.accounts.BCRYPT_ROUNDS", 4)
