"""Each demo role signs in in a real browser and sees exactly its own pages."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.accounts import create_user
from models.enums import Role
from models.settings import LOCKOUT_DURATION, LOCKOUT_THRESHOLD
from models.tables import User
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    database,
    go_to,
    nav_labels,
    screenshot,
    sign_in,
    wait_ready,
)

EXPECTED_MENUS = {
    "admin": [
        "Weekly review",
        "Risk triage",
        "Caseload map",
        "Permit expiry",
        "Resettlement pipeline",
        "Cases",
        "Case",
        "New case",
        "Import cases",
        "Possible duplicates",
        "Impact report",
        "Audit trail",
        "Organisations and accounts",
        "My account",
    ],
    "coordinator": [
        "Weekly review",
        "Risk triage",
        "Caseload map",
        "Permit expiry",
        "Resettlement pipeline",
        "Cases",
        "Case",
        "New case",
        "Import cases",
        "Possible duplicates",
        "Impact report",
        "Audit trail",
        "My account",
    ],
    "caseworker": [
        "Weekly review",
        "Risk triage",
        "Caseload map",
        "Permit expiry",
        "Resettlement pipeline",
        "Cases",
        "Case",
        "My account",
    ],
    "caseworker2": [
        "Weekly review",
        "Risk triage",
        "Caseload map",
        "Permit expiry",
        "Resettlement pipeline",
        "Cases",
        "Case",
        "My account",
    ],
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
    assert page.get_by_role("textbox", name="Password", exact=True).is_visible()
    sign_in(page, "coordinator")
    assert page.url == f"{server.url}/case?code=WP-25-0001"
    assert "Case" in nav_labels(page)


def test_signing_out_returns_to_the_sign_in_form_and_back_does_not_undo_it(server, new_page):
    page = new_page().page
    page.goto(server.url)
    wait_ready(page)
    sign_in(page, "coordinator")
    go_to(page, "My account")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Password", exact=True).wait_for(timeout=30_000)
    wait_ready(page)
    assert nav_labels(page) == []

    page.go_back()
    wait_ready(page)
    assert page.get_by_role("textbox", name="Password", exact=True).is_visible()
    assert nav_labels(page) == []


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(server, new_page):
    username = "e2e-lock-target"
    with database(server) as session:
        colleague = session.exec(select(User).where(User.username == "caseworker")).one()
        create_user(
            session,
            actor=None,
            username=username,
            display_name="Lock Target",
            role=Role.CASEWORKER,
            organisation_id=colleague.organisation_id,
            password=DEMO_PASSWORD,
        )
    page = new_page().page
    page.goto(server.url)
    wait_ready(page)

    for attempt in range(1, LOCKOUT_THRESHOLD + 1):
        sign_in(page, username, password=f"wrong-password-{attempt}")
        error = page.get_by_test_id("stAlertContentError").inner_text()
        if attempt < LOCKOUT_THRESHOLD:
            assert "not correct" in error
        else:
            assert "locked after too many failed sign-ins" in error
            assert f"{int(LOCKOUT_DURATION.total_seconds() // 60)} minutes" in error

    # The right password no longer opens the account.
    sign_in(page, username)
    assert "locked" in page.get_by_test_id("stAlertContentError").inner_text()
    assert nav_labels(page) == []
    with database(server) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        assert user.locked_until is not None
