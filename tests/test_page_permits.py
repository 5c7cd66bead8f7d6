"""The permit expiry page: bands, the weekly count, the timeline and the table."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dashboard.links import case_url
from models.enums import PermitType
from tests.factories import (
    idle_caseworker,
    open_dashboard,
    seeded_world,
)
from tests.oracle import TODAY, Rows


@pytest.fixture
def world(database_url):
    return seeded_world(database_url)


def open_page(page_test, database_url, actor):
    return open_dashboard(page_test, "permits.py", database_url, actor)


def days_left(rows: Rows, cases: list) -> list[int]:
    return [
        (rows.legal[c.id].permit_expires_on - TODAY).days
        for c in cases
        if rows.legal[c.id].permit_expires_on is not None
    ]


def check_summary(at, rows: Rows, cases: list) -> None:
    days = days_left(rows, cases)
    assert {m.label: m.value for m in at.metric} == {
        "Expired": str(sum(d < 0 for d in days)),
        "Within 30 days": str(sum(0 <= d <= 30 for d in days)),
        "In 31–60 days": str(sum(31 <= d <= 60 for d in days)),
        "In 61–90 days": str(sum(61 <= d <= 90 for d in days)),
        "Later": str(sum(d > 90 for d in days)),
        "No end date": str(len(cases) - len(days)),
    }
    weekly = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert weekly["x"] == [(TODAY + dt.timedelta(weeks=w)).isoformat() for w in range(26)]
    assert weekly["y"] == [sum(7 * w <= d <= 7 * w + 6 for d in days) for w in range(26)]


def soonest_first(rows: Rows, cases: list, within: int | None) -> list:
    chosen = [
        c
        for c in cases
        if (e := rows.legal[c.id].permit_expires_on) is not None
        and (within is None or (e - TODAY).days <= within)
    ]
    return sorted(chosen, key=lambda c: (rows.legal[c.id].permit_expires_on, c.code))


@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_bands_weeks_timeline_and_table_match_the_users_permits(
    page_test, database_url, world, username
):
    rows, actors = world
    actor = actors[username]
    at = open_page(page_test, database_url, actor)
    cases = rows.open_cases(actor)
    check_summary(at, rows, cases)
    expected = soonest_first(rows, cases, 90)[:50]
    table = at.dataframe[-1].value
    assert list(table["case"]) == [case_url(c.code) for c in expected]
    assert list(table["days_left"]) == days_left(rows, expected)
    timeline = json.loads(at.get("plotly_chart")[1].proto.spec)
    drawn = [code for trace in timeline["data"] for code in trace["y"]]
    assert sorted(drawn) == sorted(c.code for c in expected)
    expired = next(t for t in timeline["data"] if t["name"] == "Expired")
    assert expired["marker"]["color"] == "#D55E00"
    assert set(expired["y"]) == {c.code for c in expected if days_left(rows, [c])[0] < 0}


def test_filter_window_and_sort_change_the_table(page_test, database_url, world):
    rows, actors = world
    actor = actors["coordinator"]
    at = open_page(page_test, database_url, actor)
    at.multiselect(key="permits_filter_permit").set_value([PermitType.VISA_FREE])
    at.selectbox(key="permits_window").set_value(None)
    at.selectbox(key="permits_sort").set_value("expiry_latest").run()
    assert not at.exception
    visa_free = [c for c in rows.open_cases(actor) if rows.legal[c.id].permit_type == "visa_free"]
    check_summary(at, rows, visa_free)
    latest = sorted(
        soonest_first(rows, visa_free, None),
        key=lambda c: (-rows.legal[c.id].permit_expires_on.toordinal(), c.code),
    )
    assert list(at.dataframe[-1].value["case"]) == [case_url(c.code) for c in latest[:50]]


def test_a_caseworker_without_cases_sees_zeros(page_test, database_url, world):
    at = open_page(page_test, database_url, idle_caseworker(database_url))
    assert {m.value for m in at.metric} == {"0"}
    assert at.info[0].value == "No open case matches these filters."


def test_a_russian_reader_sees_dates_as_dd_mm_yyyy_and_how_long_ago_a_permit_expired(
    page_test, database_url, world
):
    rows, actors = world
    at = open_dashboard(page_test, "permits.py", database_url, actors["coordinator"], language="ru")
    assert "(23.11.2026)" in at.caption[0].value
    assert at.dataframe[0].value.iloc[0, 0] == "23.11.2026"  # the first week starts today
    timeline = json.loads(at.get("plotly_chart")[1].proto.spec)
    expired = timeline["data"][0]  # the bands in order, the expired first
    code, [hover] = expired["y"][0], expired["customdata"][0]
    expires_on = next(rows.legal[c.id].permit_expires_on for c in rows.cases if c.code == code)
    assert f"истекло {expires_on:%d.%m.%Y}, {(TODAY - expires_on).days} дн. назад" in hover
