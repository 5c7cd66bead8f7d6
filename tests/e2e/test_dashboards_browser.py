"""The five coordinator dashboards in a real browser: each draws its charts, the map draws
its outlines and bubbles, and the browser asks no host but the dashboard. Screenshots at
1280 px go to the git-ignored screenshots/ folder."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_menu_link, screenshot, sign_in, wait_drawn, wait_ready

DASHBOARDS = [
    ("weekly", "Weekly review", 1),
    ("triage", "Risk triage", 2),
    ("map", "Caseload map", 1),
    ("permits", "Permit expiry", 2),
    ("pipeline", "Resettlement pipeline", 6),
]
CHART = '[data-testid="stPlotlyChart"]'


def open_from_menu(page, title: str) -> None:  # type: ignore[no-untyped-def]
    open_menu_link(
        page,
        page.get_by_test_id("stSidebarNavLink")
        .filter(has=page.get_by_text(title, exact=True))
        .first,
    )
    wait_drawn(page)  # plotly finishes drawing after the script run


def photograph(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The whole page: Streamlit scrolls inside its main area, so stretch the window first."""
    height = int(page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight"))
    page.set_viewport_size({"width": 1280, "height": min(max(height, 800) + 40, 12_000)})
    wait_drawn(page)  # the charts redraw at the new size
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def coordinator_page(server, new_page):  # type: ignore[no-untyped-def]
    recorded = new_page()
    recorded.page.goto(server.url)
    wait_ready(recorded.page)
    sign_in(recorded.page, "coordinator")
    return recorded


def test_each_dashboard_draws_its_charts_without_outside_requests(server, coordinator_page):
    page = coordinator_page.page
    drawn = {}
    for path, title, charts in DASHBOARDS:
        open_from_menu(page, title)  # the menu keeps the session: one sign-in for all five
        page.wait_for_selector(f"{CHART} .main-svg", timeout=30_000)
        drawn[path] = {
            "title": page.locator("h1").first.inner_text().strip(),
            "errors": page.get_by_test_id("stException").count(),
            "enough charts": page.locator(CHART).count() >= charts,
            "all drawn": page.locator(f"{CHART} .main-svg").count() >= charts,
        }
        photograph(page, f"dashboard-{path}")
    assert drawn == {
        path: {"title": title, "errors": 0, "enough charts": True, "all drawn": True}
        for path, title, _ in DASHBOARDS
    }
    assert coordinator_page.foreign_requests(server.host) == []


def test_the_map_draws_outlines_and_one_bubble_per_city(server, coordinator_page):
    page = coordinator_page.page
    open_from_menu(page, "Caseload map")
    page.wait_for_selector(f"{CHART} .scatterlayer .trace", timeout=30_000)
    traces = page.locator(f"{CHART} .scatterlayer .trace")
    assert traces.count() == 3  # neighbours, Kazakhstan, cities
    outline = (
        traces.nth(1)
        .locator("path")
        .evaluate_all(
            "paths => paths.map(p => (p.getAttribute('d') || '').length).reduce((a, b) => a + b, 0)"
        )
    )
    assert outline > 1000  # Kazakhstan's outline was drawn, not an empty path
    bubbles = traces.nth(2).locator("path.point")
    cities = int(page.get_by_test_id("stMetricValue").nth(2).inner_text())
    assert cities > 3
    # Plotly may still be drawing on a slow machine: wait for every bubble.
    expect(bubbles).to_have_count(cities, timeout=30_000)
    assert coordinator_page.foreign_requests(server.host) == []
