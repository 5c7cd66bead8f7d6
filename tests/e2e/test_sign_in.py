"""Each demo role signs in in a real browser and sees exactly its own pages."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlmodel import select

from models.access import Actor
from models.accounts import create_user
from models.enums import Role
from models.settings import LOCKOUT_DURATION, LOCKOUT_THRESHOLD
from models.tables import User
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    E2E_TODAY,
    database,
    go_to,
    main_text,
    nav_labels,
    screenshot,
    sign_in,
    wait_ready,
)
from tests.oracle import TODAY, Rows

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
        "Referrals",
        "Services directory",
        "Referral flows",
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
        "Referrals",
        "Services directory",
        "Referral flows",
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
        "Referrals",
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
        "Referrals",
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
    # A count after a title (referrals waiting for an answer) depends on the data: not compared.
    assert [re.sub(r" \(\d+\)$", "", t) for t in nav_labels(page)] == EXPECTED_MENUS[username]
    screenshot(page, f"home-{username}")
    assert recorded.foreign_requests(server.host) == []


def _most_urgent_case_of(server, username: str) -> tuple[str, str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """The code, risk level and reasons of the most urgent open case that ``username`` may
    see, recomputed from the database's raw rows (tests/oracle.py), not by the dashboard."""
    with database(server) as session:
        actor = Actor.of(session.exec(select(User).where(User.username == username)).one())
        rows = Rows.read(session)
    case = rows.most_urgent_first(rows.open_cases(actor))[0]
    level = rows.level(case, today=E2E_TODAY)
    assert level is not None
    return case.code, level.label, rows.reasons(case, today=E2E_TODAY)


def test_a_case_link_opened_signed_out_leads_to_that_case_after_sign_in(server, new_page):
    assert E2E_TODAY == TODAY  # the oracle's day is the server's
    code, level, reasons = _most_urgent_case_of(server, "coordinator")
    assert reasons  # the most urgent case has a reason to show
    page = new_page().page
    page.goto(f"{server.url}/case?code={code}")
    # The sign-in form, not the case; on a loaded machine it can draw after the first run.
    page.get_by_role("textbox", name="Password", exact=True).wait_for(timeout=60_000)
    wait_ready(page)
    sign_in(page, "coordinator")
    assert page.url == f"{server.url}/case?code={code}"
    shown = main_text(page).splitlines()
    assert "Case not found." not in shown
    main = page.get_by_test_id("stMain")
    assert main.locator("h2").all_inner_texts()[:1] == [code]
    assert main.locator("h3").all_inner_texts()[:1] == [level]
    assert [line for line in shown if line.startswith("• ")] == [f"• {r}" for r in reasons]


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


def test_five_wrong_passwords_lock_the_account_without_saying_so(server, new_page):
    """The lock is recorded, but the sign-in form says what it says to any failure: an
    attacker cannot tell a locked account from a wrong password or an unknown user."""
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

    messages = set()
    for attempt in range(1, LOCKOUT_THRESHOLD + 1):
        sign_in(page, username, password=f"wrong-password-{attempt}")
        _wait_until_counted(server, username, attempt)
        with database(server) as session:  # as if the user waited out each slowdown
            user = session.exec(select(User).where(User.username == username)).one()
            user.sign_in_not_before = None
            session.add(user)
        messages.add(page.get_by_test_id("stAlertContentError").inner_text())

    # The right password no longer opens the account, and the message is the same.
    sign_in(page, username)
    messages.add(page.get_by_test_id("stAlertContentError").inner_text())
    assert len(messages) == 1 and "Sign-in failed" in messages.pop()
    assert nav_labels(page) == []
    with database(server) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        assert user.locked_until is not None
        assert _aware(user.locked_until) > dt.datetime.now(dt.UTC) + LOCKOUT_DURATION / 2


def _wait_until_counted(server, username: str, attempt: int) -> None:  # type: ignore[no-untyped-def]
    """The form shows the previous error until the server answers: wait for the database."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with database(server) as session:
            user = session.exec(select(User).where(User.username == username)).one()
            if user.failed_logins >= attempt or user.locked_until is not None:
                return
        time.sleep(0.2)
    raise AssertionError(f"attempt {attempt} was not counted")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
