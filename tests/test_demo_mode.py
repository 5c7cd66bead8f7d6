"""Demo mode seeds its own file on first start, and never a database someone configured."""

from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from dashboard import runtime
from models.tables import Case, DuplicateSearch, Organisation, User


def _count(engine: sa.Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _fresh_runtime() -> None:
    runtime.settings.clear()
    runtime.engine.clear()
    st.cache_data.clear()


def test_first_start_without_configuration_creates_and_seeds_the_demo_file(tmp_path, monkeypatch):
    demo_file = tmp_path / "var" / "waypoint.db"
    monkeypatch.delenv("WAYPOINT_DATABASE_URL", raising=False)
    monkeypatch.setattr("models.settings.DEMO_DATABASE_PATH", demo_file)
    monkeypatch.setattr("dashboard.runtime.DEMO_DATABASE_PATH", demo_file)
    monkeypatch.setattr("dashboard.runtime.DEMO_CASES", 60)
    _fresh_runtime()
    engine = runtime.engine()
    assert demo_file.exists()
    assert _count(engine, Case) == 60
    with engine.connect() as connection:
        usernames = set(connection.execute(sa.select(User.username)).scalars())
    assert {"admin", "coordinator", "caseworker", "caseworker2", "funder"} <= usernames
    # The duplicates queue was searched for at once: every organisation has its time.
    assert _count(engine, DuplicateSearch) == _count(engine, Organisation) > 0
    _fresh_runtime()
    assert _count(runtime.engine(), Case) == 60  # a second start seeds nothing more
    _fresh_runtime()


def test_a_configured_database_is_never_seeded(sqlite_url, monkeypatch):
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("WAYPOINT_COOKIE_KEY", "k" * 48)
    _fresh_runtime()
    engine = runtime.engine()
    assert _count(engine, Case) == 0
    assert _count(engine, User) == 0
    _fresh_runtime()
