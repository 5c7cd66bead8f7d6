"""A caseworker in a real browser: updates a permit expiry and sees it after a reload, and
cannot open a case of another organisation by link, by query parameter or by the code box."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.database import make_engine
from models.tables import Case, LegalStatus, User
from tests.e2e.conftest import screenshot, sign_in, wait_ready

NEW_EXPIRY = "2027-06-30"


@pytest.fixture(scope="module")
def codes(server):
    """An open case assigned to ``caseworker`` and a case of another organisation."""
    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        me = connection.execute(
            sa.select(User.id, User.organisation_id).where(User.username == "caseworker")
        ).one()
        own = connection.execute(
            sa.select(Case.code)
            .where(Case.caseworker_id == me.id, Case.status == "open")
            .order_by(Case.code)
            .limit(1)
        ).scalar_one()
        foreign = connection.execute(
            sa.select(Case.code)
            .where(Case.organisation_id != me.organisation_id)
            .order_by(Case.code)
            .limit(1)
        ).scalar_one()
    engine.dispose()
    return {"own": own, "foreign": foreign}


def open_signed_in(page, server, code: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/case?code={code}")
    wait_ready(page)
    sign_in(page, "caseworker")


def date_value(page, label: str) -> str:  # type: ignore[no-untyped-def]
    """The ISO date shown in a Streamlit date input, read from its three segments."""
    parts = [
        int(
            page.get_by_role("spinbutton", name=f"{segment}, {label}").get_attribute(
                "aria-valuenow"
            )
        )
        for segment in ("year", "month", "day")
    ]
    return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"


def not_found(page) -> bool:  # type: ignore[no-untyped-def]
    return page.get_by_text("Case not found.").is_visible()


def test_caseworker_updates_a_permit_expiry_and_sees_it_after_reloading(server, new_page, codes):
    recorded = new_page()
    page = recorded.page
    open_signed_in(page, server, codes["own"])
    assert page.get_by_role("heading", name=codes["own"]).is_visible()
    page.get_by_text("Update legal status and permit").click()
    # Streamlit's date input is a react-aria date field: type into its year segment.
    page.get_by_role("spinbutton", name="year, Permit expires on").click()
    page.keyboard.type(NEW_EXPIRY.replace("-", ""))
    assert date_value(page, "Permit expires on") == NEW_EXPIRY
    page.get_by_role("button", name="Save legal status").click()
    page.get_by_text("Legal status saved.").wait_for(timeout=30_000)
    wait_ready(page)

    page.reload()  # a full reload ends the session (no remember-me cookie): sign in again
    wait_ready(page)
    sign_in(page, "caseworker")
    page.get_by_text("Update legal status and permit").click()
    assert date_value(page, "Permit expires on") == NEW_EXPIRY
    screenshot(page, "case-after-permit-update")
    assert recorded.foreign_requests(server.host) == []

    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.select(LegalStatus.permit_expires_on)
            .join(Case, Case.id == LegalStatus.case_id)
            .where(Case.code == codes["own"])
        ).scalar_one()
    engine.dispose()
    assert str(stored) == NEW_EXPIRY


def test_a_case_of_another_organisation_cannot_be_opened_by_its_link(server, new_page, codes):
    page = new_page().page
    open_signed_in(page, server, codes["foreign"])
    assert not_found(page)
    assert not page.get_by_role("heading", name=codes["foreign"]).is_visible()


def test_changing_the_query_parameter_does_not_open_it(server, new_page, codes):
    page = new_page().page
    open_signed_in(page, server, codes["own"])
    assert page.get_by_role("heading", name=codes["own"]).is_visible()
    for variant in (codes["foreign"], codes["foreign"].lower(), f" {codes['foreign']} "):
        page.goto(f"{server.url}/case?code={variant}")
        wait_ready(page)
        sign_in(page, "caseworker")
        assert not_found(page), variant


def test_typing_its_code_in_the_case_box_does_not_open_it(server, new_page, codes):
    page = new_page().page
    open_signed_in(page, server, codes["own"])
    box = page.get_by_role("textbox", name="Case code")
    box.fill(codes["foreign"])
    box.press("Enter")
    wait_ready(page)
    assert not_found(page)
    assert not page.get_by_role("heading", name=codes["foreign"]).is_visible()
    screenshot(page, "case-of-other-organisation")
