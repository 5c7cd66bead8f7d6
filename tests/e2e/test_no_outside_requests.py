"""Not one request from the browser to any host but the dashboard's own, on any page, for any
role. The tour (tests/e2e/conftest.py) opens every page of every demo role and of a visitor,
recording every request and WebSocket; every other browser test is checked the same way when
it ends."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TOUR_ROLES, is_local, tour_roles


@pytest.mark.parametrize("username", tour_roles())
def test_no_page_of_a_role_asks_any_host_but_the_dashboard(server, tour, username):
    visits = tour[username]
    assert visits, f"the tour of {username} opened no page"
    foreign = {
        visit.name: [url for url in visit.requests if not is_local(url, server.host)]
        for visit in visits
    }
    assert {name: urls for name, urls in foreign.items() if urls} == {}
    assert visits[0].requests, "the first page made no request: nothing was recorded"


DASHBOARDS = ["weekly", "triage", "map", "permits", "pipeline"]
# Where each tour starts, then each page of the role's menu, in menu order: written out by hand.
EXPECTED_TOUR = {
    "visitor": ["sign-in"],
    "admin": [
        "case-with-code",
        *DASHBOARDS,
        "cases",
        "case",
        "new-case",
        "import",
        "duplicates",
        "referrals",
        "services",
        "flows",
        "impact",
        "audit",
        "admin",
        "account",
    ],
    "coordinator": [
        "case-with-code",
        *DASHBOARDS,
        "cases",
        "case",
        "new-case",
        "import",
        "duplicates",
        "referrals",
        "services",
        "flows",
        "impact",
        "audit",
        "account",
    ],
    "caseworker": ["case-with-code", *DASHBOARDS, "cases", "case", "referrals", "account"],
    "caseworker2": ["case-with-code", *DASHBOARDS, "cases", "case", "referrals", "account"],
    "funder": ["home", "impact", "account"],
}


def test_the_tour_covers_every_role():
    assert set(EXPECTED_TOUR) == set(TOUR_ROLES)


@pytest.mark.parametrize("username", tour_roles())
def test_the_tour_covers_every_page_of_a_role(tour, username):
    assert [visit.name for visit in tour[username]] == EXPECTED_TOUR[username]
