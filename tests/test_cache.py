"""The query cache: per query, per user, and fresh after any change to a case."""

from __future__ import annotations

import sqlalchemy as sa
import streamlit as st
from sqlmodel import Session

from dashboard import cache, runtime
from models.enums import Role
from models.tables import Case
from tests.factories import actor_of, make_case, make_organisation, make_user

calls: list[str] = []


def _count_cases(engine: sa.Engine, *, actor, status: str) -> int:  # type: ignore[no-untyped-def]
    calls.append("count")
    with engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(Case).where(Case.status == status)
        ).scalar_one()


def _codes(engine: sa.Engine, *, actor, status: str) -> list[str]:  # type: ignore[no-untyped-def]
    calls.append("codes")
    with engine.connect() as connection:
        return list(connection.execute(sa.select(Case.code).where(Case.status == status)).scalars())


count_cases = cache.scoped_query(_count_cases)
codes = cache.scoped_query(_codes)


def test_two_queries_with_the_same_arguments_never_share_a_result(sqlite_url, configure_app):
    configure_app(sqlite_url)
    with Session(runtime.engine()) as session:
        org = make_organisation(session)
        actor = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
        make_case(session, organisation=org, code="WP-25-0001")
        session.commit()
    assert count_cases(actor=actor, status="open") == 1
    assert codes(actor=actor, status="open") == ["WP-25-0001"]


def _one_case_and_its_coordinator():  # type: ignore[no-untyped-def]
    with Session(runtime.engine(), expire_on_commit=False) as session:
        org = make_organisation(session)
        actor = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
        make_case(session, organisation=org)
        session.commit()
    return org, actor


def _another_case(org) -> None:  # type: ignore[no-untyped-def]
    """A write from elsewhere (another app server, or this one)."""
    with Session(runtime.engine()) as session:
        make_case(session, organisation=session.merge(org))
        session.commit()


def test_a_result_is_reused_until_a_case_changes(sqlite_url, configure_app, monkeypatch):
    configure_app(sqlite_url)
    org, actor = _one_case_and_its_coordinator()
    calls.clear()
    assert count_cases(actor=actor, status="open") == 1
    assert count_cases(actor=actor, status="open") == 1
    assert calls == ["count"]
    _another_case(org)  # on another app server: it changes the data stamp
    # Within the stamp's lifetime this server still answers from its cache...
    assert count_cases(actor=actor, status="open") == 1
    # ... and once it has passed, it reads the stamp again and sees the other server's write.
    later = cache._clock() + cache.STAMP_SECONDS
    monkeypatch.setattr(cache, "_clock", lambda: later)
    assert count_cases(actor=actor, status="open") == 2
    assert calls == ["count", "count"]
    st.cache_data.clear()


def test_a_write_on_this_server_shows_at_once(sqlite_url, configure_app):
    configure_app(sqlite_url)
    org, actor = _one_case_and_its_coordinator()
    assert count_cases(actor=actor, status="open") == 1
    _another_case(org)
    cache.clear()  # what every page does after a write
    assert count_cases(actor=actor, status="open") == 2
    st.cache_data.clear()
