"""The caseload map page: bubbles, counts and the places not on the map."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest
from sqlmodel import Session

from models.database import make_engine
from models.enums import Stage
from models.i18n import translate
from models.risk import RiskLevel
from models.tables import Organisation
from tests.factories import (
    actor_named,
    idle_caseworker,
    make_case,
    make_city,
    seeded,
)
from tests.oracle import TODAY, URGENT, Rows

EARLY = dt.date(2021, 5, 1)  # before the seeded history: no clash of intake numbers


@pytest.fixture
def world(database_url):
    """300 seeded cases, and two more of the coordinator's organisation: one in a city without
    coordinates, one with no city at all."""
    engine = make_engine(database_url)
    seeded(engine)
    with Session(engine) as session:
        coordinator = actor_named(session, "coordinator")
        nowhere = make_city(session, key="nowhere", lat=None, lon=None)
        org = session.get(Organisation, coordinator.organisation_id)
        make_case(session, organisation=org, city=nowhere, opened_on=EARLY)
        make_case(session, organisation=org, city=None, opened_on=EARLY)
        session.commit()
        rows = Rows.read(session)
        actors = {"coordinator": coordinator, "caseworker": actor_named(session, "caseworker")}
    engine.dispose()
    return rows, actors


def open_page(page_test, database_url, actor):
    at = page_test(
        "caseload_map.py", database_url=database_url, actor=actor, today=TODAY.isoformat()
    ).run()
    assert not at.exception
    return at


def expected_cities(rows: Rows, cases: list) -> dict:
    counts: dict = defaultdict(lambda: [0, 0])
    for case in cases:
        city = rows.cities.get(case.city_id)
        key = city.name_en if city else "No city recorded"
        counts[key][0] += 1
        counts[key][1] += rows.level(case) in URGENT
    return counts


def drawn_bubbles(at) -> dict:
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    bubbles = figure["data"][-1]
    return {name: [open_, urgent] for name, open_, urgent, _share in bubbles["customdata"]}


def split(rows: Rows, counts: dict) -> tuple[dict, dict]:
    placed = {c.name_en for c in rows.cities.values() if c.lat is not None}
    return (
        {k: v for k, v in counts.items() if k in placed},
        {k: v for k, v in counts.items() if k not in placed},
    )


@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_bubbles_count_open_and_urgent_cases_per_city(page_test, database_url, world, username):
    rows, actors = world
    actor = actors[username]
    at = open_page(page_test, database_url, actor)
    cases = rows.open_cases(actor)
    on_map, off_map = split(rows, expected_cities(rows, cases))
    assert drawn_bubbles(at) == on_map
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["data"][-1]["marker"]["color"] == [
        urgent / open_ for open_, urgent in drawn_bubbles(at).values()
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Open cases"] == str(len(cases))
    assert metrics["High or critical risk"] == str(sum(rows.level(c) in URGENT for c in cases))
    if off_map:
        table = at.dataframe[-1].value
        assert dict(zip(table["City"], table["Open cases"], strict=True)) == {
            k: v[0] for k, v in off_map.items()
        }


def test_the_coordinator_sees_places_without_coordinates_under_the_map(
    page_test, database_url, world
):
    rows, actors = world
    at = open_page(page_test, database_url, actors["coordinator"])
    assert at.subheader[0].value == "Not on the map"
    table = at.dataframe[-1].value
    assert set(table["City"]) == {"Nowhere", "No city recorded"}
    assert "Nowhere" not in drawn_bubbles(at)


def test_the_map_outlines_kazakhstan_and_its_neighbours_without_a_geo_base_map(
    page_test, database_url, world
):
    _rows, actors = world
    figure = json.loads(
        open_page(page_test, database_url, actors["coordinator"]).get("plotly_chart")[0].proto.spec
    )
    kinds = {trace["type"] for trace in figure["data"]}
    assert kinds == {"scatter"}  # no scattergeo: nothing to fetch from a CDN
    assert figure["data"][1]["name"] == "KZ" and len(figure["data"][1]["x"]) > 100
    assert "geo" not in figure["layout"]
    hover = figure["data"][-1]["hovertemplate"]
    assert "customdata[1]" in hover and "customdata[0]" in hover


def test_filters_by_stage_and_level_narrow_the_bubbles(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_page(page_test, database_url, actor)
    at.multiselect(key="map_filter_stage").set_value([Stage.INTAKE, Stage.DOCUMENTS])
    at.multiselect(key="map_filter_level").set_value([RiskLevel.CRITICAL]).run()
    assert not at.exception
    cases = [
        c
        for c in rows.open_cases(actor)
        if c.stage in ("intake", "documents") and rows.level(c) == RiskLevel.CRITICAL
    ]
    on_map, _off = split(rows, expected_cities(rows, cases))
    assert drawn_bubbles(at) == on_map


def test_a_caseworker_without_cases_sees_an_empty_map_message(page_test, database_url, world):
    at = open_page(page_test, database_url, idle_caseworker(database_url))
    assert not at.get("plotly_chart")
    assert at.info[0].value == "No open case matches these filters."


def test_a_russian_reader_sees_country_names_in_the_numbers(page_test, database_url, world):
    _rows, actors = world
    at = page_test(
        "caseload_map.py",
        database_url=database_url,
        actor=actors["coordinator"],
        today=TODAY.isoformat(),
        language="ru",
    ).run()
    table = at.dataframe[0].value
    assert "Казахстан" in set(table[translate("Country", "ru")])
    assert "KZ" not in set(table[translate("Country", "ru")])
