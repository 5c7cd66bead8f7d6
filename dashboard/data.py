"""The one way from the dashboard to the database: pages and widgets call ``models``
functions through ``read``, ``write`` or a query declared ``cached`` here, and never open a
session themselves.

- ``read(query, *args, **kwargs)``: ``query(session, *args, **kwargs)`` in one session,
  committed (a read may record an audit row, e.g. that a case was opened).
- ``write(command, *args, **kwargs)``: one transaction, then every cached result on this
  server is forgotten (``clear``).
- ``write_in_steps(command, *args, **kwargs)``: a command that commits in steps of its own
  (it takes the engine, as the purge does), then ``clear``.
- ``cached(query)``: the one caching decorator. A result is kept per query (its qualified
  name), per arguments (the actor's scope included) and per *data stamp*: the stamp changes
  whenever any case changes, on this server or another one sharing the database, so a cached
  result is never stale for longer than one stamp read. Identity fields and notes are never
  cached (a test checks every query declared here).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar, cast

import sqlalchemy as sa
import streamlit as st
from sqlmodel import Session as Session  # re-exported: the type a command is handed

from dashboard import runtime
from models.access import Actor
from models.dashboards import caseload_map, common, guidance, permits, pipeline, triage, weekly
from models.database import session_scope
from models.duplicates.review import review_overview
from models.freshness import Stamp, data_stamp
from models.funder import impact_report as funder_impact_report
from models.stored import refresh_if_due

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# A write as a form hands it over: everything but the session already given.
Command: TypeAlias = Callable[[Session], T]


def read(query: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``query(session, *args, **kwargs)`` in one session, committed; its result, never cached."""
    with session_scope(runtime.engine()) as session:
        return query(session, *args, **kwargs)


def write(command: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``command(session, *args, **kwargs)`` in one transaction (rolled back on any error);
    after a commit, every cached result on this server is forgotten."""
    with session_scope(runtime.engine()) as session:
        result = command(session, *args, **kwargs)
    clear()
    return result


def write_in_steps(
    command: Callable[Concatenate[sa.Engine, P], R], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """``command(engine, *args, **kwargs)`` for a command that commits in steps of its own
    (the purge destroys a key before it deletes rows); then ``clear``, as ``write`` does."""
    result = command(runtime.engine(), *args, **kwargs)
    clear()
    return result


# --- The cache ---------------------------------------------------------------------------------

TTL_SECONDS = 600
# The data stamp is read at most once per this many seconds per engine, not once per query:
# a page run asks for it once for each cached query it calls. A write on this server clears
# it at once (``clear()``); a write on another server shows within this delay.
STAMP_SECONDS = 1.0
_stamps: dict[str, tuple[float, Stamp]] = {}
_clock = time.monotonic
_queries: dict[str, Callable[..., object]] = {}


# Every cached query shares this one function, so Streamlit keys all of them in one cache
# (at most ``max_entries`` results in all); the query's name is part of the key, so that two
# queries called alike never share a result.
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def _result(
    _engine: sa.Engine, query_name: str, stamp: Stamp, *args: object, **kwargs: object
) -> object:
    with Session(_engine) as session:
        return _queries[query_name](session, *args, **kwargs)


def cached(query: Callable[Concatenate[Session, P], R]) -> Callable[P, R]:
    """``query`` with its result cached, called without the session. The query must take
    ``actor=`` (its result is kept per actor, never shown to another user) and return plain
    data (DataFrames, lists, dataclasses), never ORM rows."""
    name = f"{query.__module__}.{query.__qualname__}"
    _queries[name] = query

    @functools.wraps(query)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if not isinstance(kwargs.get("actor"), Actor):
            raise TypeError(f"{name} is cached per user: call it with actor=...")
        engine = runtime.engine()
        return cast(R, _result(engine, name, current_stamp(engine), *args, **kwargs))

    return call


def current_stamp(engine: sa.Engine) -> Stamp:
    """The data stamp of ``engine``, read again when the last read is ``STAMP_SECONDS`` old."""
    now = _clock()
    key = str(engine.url)
    remembered = _stamps.get(key)
    if remembered is not None and now - remembered[0] < STAMP_SECONDS:
        return remembered[1]
    stamp = data_stamp(engine)
    _stamps[key] = (now, stamp)
    return stamp


def clear() -> None:
    """Forget every cached query result on this server; ``write`` calls it after each write."""
    _stamps.clear()
    _result.clear()


# --- The cached queries: every one is declared here, once ----------------------------------------

weekly_tiles = cached(weekly.tiles)
urgent_cases = cached(weekly.urgent_cases)
caseloads = cached(weekly.caseloads)
week_changes = cached(weekly.week_changes)
triage_summary = cached(triage.summary)
triage_cases = cached(triage.cases)
cases_per_city = cached(caseload_map.cases_per_city)
expiry_summary = cached(permits.expiry_summary)
permits_page = cached(permits.permits_page)
pipeline_data = cached(pipeline.pipeline)
organisations_in_scope = cached(common.organisations_in_scope)
caseload_is_empty = cached(guidance.caseload_is_empty)
impact_report = cached(funder_impact_report)
# Fresh after a decision or a search too: the data stamp counts them (models.freshness).
duplicates_review = cached(review_overview)


# --- The stored risk ---------------------------------------------------------------------------

_risk_day: list[dt.date] = []  # the day this server last brought the stored risk to
_risk_lock = threading.Lock()


def refresh_stored_risk() -> None:
    """On the first page run of each day (per server), move the stored risk levels to today
    (``waypoint refresh`` does the same from cron); later runs that day cost nothing."""
    today = runtime.settings().today()
    if _risk_day and _risk_day[0] == today:
        return
    with _risk_lock:
        if _risk_day and _risk_day[0] == today:
            return
        refreshed = write(refresh_if_due, today=today)
        if refreshed:
            runtime.log.info("Stored risk moved to %s: %d cases recomputed", today, refreshed)
        _risk_day[:] = [today]
