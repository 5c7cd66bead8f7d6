"""The query cache of ``dashboard.data``: per query, per user, and fresh after any change to a
case; and its writes, which forget every cached result."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import streamlit as st
from sqlmodel import Session

from dashboard import data, runtime
from models.access import Actor
from models.enums import Role
from models.tables import Case, Organisation
from tests.factories import actor_of, make_case, make_organisation, make_user

calls: list[str] = []


def _count_cases(session: Session, *, actor: Actor, status: str) -> int:
    calls.append("count")
    return session.execute(
        sa.select(sa.func.count()).select_from(Case).where(Case.status == status)
    ).scalar_one()


def _codes(session: Session, *, actor: Actor, status: str) -> list[str]:
    calls.append("codes")
    return list(session.execute(sa.select(Case.code).where(Case.status == status)).scalars())


def _status_count(session: Session, status: str) -> int:
    """A query without ``actor=``: the cache refuses it, it could leak across users."""
    return 0


count_cases = data.cached(_count_cases)
codes = data.cached(_codes)
unscoped = data.cached(_status_count)


def test_two_queries_with_the_same_arguments_never_share_a_result(sqlite_url, configure_app):
    configure_app(sqlite_url)
    with Session(runtime.engine()) as session:
        org = make_organisation(session)
        actor = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
        make_case(session, organisation=org, code="WP-25-0001")
        session.commit()
    assert count_cases(actor=actor, status="open") == 1
    assert codes(actor=actor, status="open") == ["WP-25-0001"]


def test_a_query_without_the_actor_is_never_cached(sqlite_url, configure_app):
    configure_app(sqlite_url)
    with pytest.raises(TypeError, match="actor"):
        unscoped("open")


def _one_case_and_its_coordinator() -> tuple[Organisation, Actor]:
    with Session(runtime.engine(), expire_on_commit=False) as session:
        org = make_organisation(session)
        actor = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
        make_case(session, organisation=org)
        session.commit()
    return org, actor


def _another_case(org: Organisation) -> None:
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
    later = data._clock() + data.STAMP_SECONDS
    monkeypatch.setattr(data, "_clock", lambda: later)
    assert count_cases(actor=actor, status="open") == 2
    assert calls == ["count", "count"]
    st.cache_data.clear()


def test_a_write_on_this_server_shows_at_once(sqlite_url, configure_app):
    configure_app(sqlite_url)
    org, actor = _one_case_and_its_coordinator()
    assert count_cases(actor=actor, status="open") == 1
    data.write(lambda session: make_case(session, organisation=session.merge(org)))
    assert count_cases(actor=actor, status="open") == 2
    st.cache_data.clear()


def test_a_read_is_committed_and_keeps_the_cache(sqlite_url, configure_app, monkeypatch):
    configure_app(sqlite_url)
    monkeypatch.setattr(data, "_clock", lambda: 0.0)  # the stamp is not read again
    data.clear()
    org, actor = _one_case_and_its_coordinator()
    assert count_cases(actor=actor, status="open") == 1
    data.read(lambda session: make_case(session, organisation=session.merge(org)))
    # Committed: a fresh session sees two cases; the cache still answers one until its stamp
    # is read again (a read is for calls that change no case).
    with Session(runtime.engine()) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one() == 2
    assert count_cases(actor=actor, status="open") == 1
    data.clear()
    assert count_cases(actor=actor, status="open") == 2
    st.cache_data.clear()
