"""Each demo role signs in in a real browser and sees exactly its own pages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import nav_labels, screenshot, sign_in, wait_ready

EXPECTED_MENUS = {
    "admin": ["Weekly review", "Risk triage", "Caseload map", "Permit expiry",
              "Resettlement pipeline", "Cases", "Case", "New case", "Impact report",
              "Audit trail", "Organisations and accounts", "My account"],
    "coordinator": ["Weekly review", "Risk triage", "Caseload map", "Permit expiry",
                    "Resettlement pipeline", "Cases", "Case", "New case", "Impact report",
                    "Audit trail", "My account"],
    "caseworker": ["Weekly review", "Risk triage", "Caseload map", "Permit expiry",
                   "Resettlement pipeline", "Cases", "Case", "My account"],
    "caseworker2": ["Weekly review", "Risk triage", "Caseload map", "Permit expiry",
                    "Resettlement pipeline", "Cases", "Case", "My account"],
    "funder": ["Impact report", "My account"],
}


@pytest.mark.parametrize("username", list(EXPECTED_MENUS))
def test_demo_user_signs_in_and_sees_only_their_pages(server, new_page, username):
    recorded = new_page()
    page = recorded.page
    page.goto(server.url)
    wait_ready(page)
    sign_in(page, username)
    assert nav_labels(page) == EXPECTED_MENUS[username]
    screenshot(page, f"home-{username}")
    assert recorded.foreign_requests(server.host) == []


def test_a_case_link_opened_signed_out_leads_to_that_case_after_sign_in(server, new_page):
    page = new_page().page
    page.goto(f"{server.url}/case?code=WP-25-0001")
    wait_ready(page)
    assert page.get_by_role("textbox", name="Password").is_visible()
    sign_in(page, "coordinator")
    assert page.url == f"{server.url}/case?code=WP-25-0001"
    assert "Case" in nav_labels(page)
