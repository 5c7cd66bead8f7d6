"""The caching layer over ``models`` queries.

``scoped_query`` caches a query's result per user scope, arguments and *data stamp*: the
stamp changes whenever any case changes, on this server or another one sharing the database,
so a cached result is never stale for longer than one stamp read. ``clear()`` after a write
empties this server's cache at once. The actor is part of the key: one user's results never
reach another. Identity fields and notes must never be cached (st.cache_data can persist).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
import streamlit as st

from dashboard import runtime
from models.access import Actor
from models.freshness import data_stamp

P = ParamSpec("P")
R = TypeVar("R")

TTL_SECONDS = 600
# The data stamp is read at most once per this many seconds per engine, not once per query:
# a page run asks for it once for each cached query it calls. A write on this server clears
# it at once (``clear()``); a write on another server shows within this delay.
STAMP_SECONDS = 1.0
_stamps: dict[str, tuple[float, tuple[str, int]]] = {}
_clock = time.monotonic
# By query name: a page script that declares a cached query runs on every interaction, and
# must not register a new entry each time.
_cached: dict[str, Callable[..., object]] = {}


def scoped_query(
    query: Callable[..., R],
) -> Callable[..., R]:
    """Wrap ``query(engine, *, actor, **kwargs)`` so pages call ``wrapped(actor=..., **kwargs)``.

    The wrapped query must return plain data (DataFrames, lists, dataclasses), never ORM rows.
    """

    name = f"{query.__module__}.{query.__qualname__}"

    # Every wrapped query shares this one inner function, so Streamlit keys all of them in
    # one cache; the query's name is part of the key so that two queries never share results.
    @st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
    def cached(
        _engine: sa.Engine, name: str, stamp: tuple[str, int], actor: Actor, **kwargs: object
    ) -> R:
        return query(_engine, actor=actor, **kwargs)

    _cached[name] = cached

    @functools.wraps(query)
    def call(*, actor: Actor, **kwargs: object) -> R:
        engine = runtime.engine()
        return cached(engine, name, current_stamp(engine), actor, **kwargs)

    return call


def current_stamp(engine: sa.Engine) -> tuple[str, int]:
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
    """Forget every cached query result on this server; call after every write."""
    _stamps.clear()
    for cached in _cached.values():
        cached.clear()  # type: ignore[attr-defined]
