"""The weekly review page, its numbers checked against plain Python over the seeded rows."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict

import pandas as pd
import pytest
from sqlmodel import Session, select

from dashboard.links import case_url
from models.dashboards import weekly
from models.dashboards.weekly import Tile
from models.database import make_engine
from models.enums import Role
from models.risk import RiskLevel
from models.tables import User
from tests.factories import (
    actor_of,
    idle_caseworker,
    make_organisation,
    make_user,
    open_dashboard,
    seeded_world,
)
from tests.oracle import TODAY, URGENT

TILE_LABELS = {
    Tile.OPEN: "Open cases",
    Tile.INTAKES: "New intakes (7 days)",
    Tile.DETAINED: "In detention now",
    Tile.EXTRADITION: "Extradition proceedings",
    Tile.EXPIRING: "Permits expiring within 30 days",
    Tile.EXPIRED: "Permits expired",
    Tile.STALE: "No update for 14 days or more",
}


@pytest.fixture
def world(database_url):
    return seeded_world(database_url)


def open_page(page_test, database_url, actor, **options):
    return open_dashboard(page_test, "weekly.py", database_url, actor, **options)


@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_tiles_and_urgent_list_show_the_numbers_of_the_users_cases(
    page_test, database_url, world, username
):
    rows, actors = world
    actor = actors[username]
    at = open_page(page_test, database_url, actor)
    metrics = {m.label: m for m in at.metric}
    open_now = rows.open_cases(actor)
    assert metrics[TILE_LABELS[Tile.OPEN]].value == str(len(open_now))
    last_week = TODAY - dt.timedelta(days=7)
    open_then = [
        c
        for c in rows.visible(actor)
        if c.opened_on <= last_week and (c.closed_on is None or c.closed_on > last_week)
    ]
    assert metrics[TILE_LABELS[Tile.OPEN]].proto.delta == str(len(open_now) - len(open_then))
    assert metrics[TILE_LABELS[Tile.STALE]].value == str(
        sum(rows.facts(c)["stale"] for c in open_now)
    )
    assert metrics[TILE_LABELS[Tile.EXTRADITION]].proto.delta == ""

    urgent = rows.most_urgent_first([c for c in open_now if rows.level(c) in URGENT])
    table = at.dataframe[0].value
    assert list(table["case"]) == [case_url(c.code) for c in urgent[:50]]
    first = urgent[0]
    assert table["reasons"][0] == "; ".join(rows.reasons(first))
    shown_days = [None if pd.isna(d) else int(d) for d in table["days_left"]]
    expected_days = [
        None if (e := rows.legal[c.id].permit_expires_on) is None else (e - TODAY).days
        for c in urgent[:50]
    ]
    assert shown_days == expected_days


def test_caseload_chart_and_its_numbers_match_each_caseworkers_open_cases(
    page_test, database_url, world
):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_page(page_test, database_url, actor)
    expected: dict = defaultdict(lambda: [0, 0])
    for case in rows.open_cases(actor):
        user = rows.users.get(case.caseworker_id)
        counts = expected[user.display_name if user else "Not assigned"]
        counts[0] += 1
        counts[1] += rows.level(case) == RiskLevel.CRITICAL
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    critical, high, other = figure["data"]
    assert {
        name: [c + h + o, c]
        for name, c, h, o in zip(critical["y"], critical["x"], high["x"], other["x"], strict=True)
    } == expected
    numbers = at.dataframe[1].value
    assert dict(zip(numbers["Caseworker"], numbers["Open cases"], strict=True)) == {
        name: counts[0] for name, counts in expected.items()
    }


def test_an_empty_database_shows_zeros_and_says_there_is_nothing_urgent(page_test, database_url):
    engine = make_engine(database_url)
    with Session(engine) as session:
        coordinator = make_user(
            session, role=Role.COORDINATOR, organisation=make_organisation(session)
        )
        session.commit()
        actor = actor_of(coordinator)
    engine.dispose()
    at = open_page(page_test, database_url, actor)
    assert {m.value for m in at.metric} == {"0"}
    assert at.success[0].value == "No open case is at high or critical risk."
    assert at.info[0].value == "There are no open cases."


def test_a_caseworker_without_cases_sees_empty_tiles(page_test, database_url, world):
    at = open_page(page_test, database_url, idle_caseworker(database_url))
    assert {m.value for m in at.metric} == {"0"}


def test_the_page_speaks_russian(page_test, database_url, world):
    _rows, actors = world
    at = open_page(page_test, database_url, actors["coordinator"], language="ru")
    assert at.title[0].value == "Недельный обзор"
    assert "Открытые дела" in [m.label for m in at.metric]
    assert "с 17.11.2026 по 23.11.2026" in at.caption[0].value  # the seven days up to today


LIMIT = 5  # the seeded world has fewer caseworkers than a network: fewer bars to show it


def test_the_admins_caseload_chart_keeps_the_largest_caseloads_and_sums_the_rest(
    page_test, database_url, world, monkeypatch
):
    monkeypatch.setattr(weekly, "CHART_CASEWORKERS", LIMIT)
    rows, _actors = world
    engine = make_engine(database_url)
    with Session(engine) as session:
        admin = actor_of(session.exec(select(User).where(User.username == "admin")).one())
    engine.dispose()
    at = open_page(page_test, database_url, admin)
    per_caseworker: Counter = Counter()
    for case in rows.open_cases(admin):
        user = rows.users.get(case.caseworker_id)
        per_caseworker[user.display_name if user else "Not assigned"] += 1
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    critical, high, other = figure["data"]
    bars = {
        name: c + h + o
        for name, c, h, o in zip(critical["y"], critical["x"], high["x"], other["x"], strict=True)
    }
    assigned = [n for n in per_caseworker if n != "Not assigned"]
    assert len(assigned) > LIMIT  # the network has more caseworkers than bars
    assert len(bars) <= LIMIT + 2
    assert sum(bars.values()) == sum(per_caseworker.values())
    loads = sorted((per_caseworker[n] for n in assigned), reverse=True)
    shown = [bars[n] for n in bars if n in assigned]
    assert len(shown) == LIMIT
    assert all(bars[n] == per_caseworker[n] for n in bars if n in per_caseworker)
    assert sorted(shown, reverse=True) == loads[:LIMIT]
    rest = f"{len(assigned) - LIMIT} other caseworkers"
    assert bars[rest] == sum(loads[LIMIT:])
    numbers = at.dataframe[1].value  # the table still lists every caseworker
    assert dict(zip(numbers["Caseworker"], numbers["Open cases"], strict=True)) == dict(
        per_caseworker
    )
