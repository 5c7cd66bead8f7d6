"""The dashboard queries of ``models.dashboards``, cached per user scope with ``scoped_query``.

Declared once here, not in the page scripts, because a page script runs again on every
interaction and would register a new cached function each time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from dashboard.cache import scoped_query
from models.access import Actor
from models.dashboards import caseload_map, common, guidance, permits, pipeline, triage, weekly

R = TypeVar("R")


def _cached(query: Callable[..., R]) -> Callable[..., R]:
    name = f"{query.__module__}.{query.__qualname__}"

    def run(engine: sa.Engine, *, actor: Actor, query_name: str, **kwargs: object) -> R:
        with Session(engine) as session:
            return query(session, actor=actor, **kwargs)

    cached = scoped_query(run)

    # scoped_query keys its cache on the arguments only, not on the query, so the name of
    # the query goes in as an argument: two queries called alike never share an entry.
    @functools.wraps(query)
    def call(*, actor: Actor, **kwargs: object) -> R:
        return cached(actor=actor, query_name=name, **kwargs)

    return call


weekly_tiles = _cached(weekly.tiles)
urgent_cases = _cached(weekly.urgent_cases)
caseloads = _cached(weekly.caseloads)
week_changes = _cached(weekly.week_changes)
triage_summary = _cached(triage.summary)
triage_cases = _cached(triage.cases)
cases_per_city = _cached(caseload_map.cases_per_city)
expiry_summary = _cached(permits.expiry_summary)
permits_page = _cached(permits.permits_page)
pipeline_data = _cached(pipeline.pipeline)
organisations_in_scope = _cached(common.organisations_in_scope)
caseload_is_empty = _cached(guidance.caseload_is_empty)
