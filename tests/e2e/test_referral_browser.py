"""Referrals in a real browser: the demo coordinator refers a case to the shelter network with
a scope that leaves the identity out; the shelter's coordinator sees the case facts and no
identity; the sender revokes; the shelter's coordinator now gets "Case not found."."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.access import Actor
from models.case_queries import case_identity
from models.database import make_engine
from models.network.tables import Referral
from models.tables import Case, Organisation, User
from tests.e2e.conftest import main_text, nav_labels, screenshot, sign_in, wait_ready

SHELTER = "Harbour Shelter Network"
RECEIVER = "coordinator3"  # the shelter network's demo coordinator


@pytest.fixture(scope="module")
def case(server):
    """An open case of the demo coordinator's organisation that was never referred, with the
    person's name read through the identity function (so encryption would apply)."""
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        me = session.execute(sa.select(User).where(User.username == "coordinator")).scalar_one()
        row = session.execute(
            sa.select(Case.id, Case.code)
            .where(
                Case.organisation_id == me.organisation_id,
                Case.status == "open",
                Case.city_id.is_not(None),  # type: ignore[union-attr]
                ~sa.select(Referral.id).where(Referral.case_id == Case.id).exists(),
            )
            .order_by(Case.code)
            .limit(1)
        ).one()
        person = case_identity(session, actor=Actor.of(me), case_id=row.id)
        assert person is not None
        names = [n for n in (person.full_name, person.name_latin, person.contact) if n]
    engine.dispose()
    return {"id": row.id, "code": row.code, "names": names}


def open_case(page, server, code: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/case?code={code}")
    wait_ready(page)
    sign_in(page, username)


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``option`` in the Streamlit select box or multiselect labelled ``label``."""
    box = page.get_by_label(label, exact=True)
    box.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    wait_ready(page)


def test_refer_without_identity_then_revoke(server, new_page, case):
    sender = new_page()
    page = sender.page
    open_case(page, server, case["code"], "coordinator")
    page.get_by_text("Refer this case to another organisation").click()
    choose(page, "To organisation", SHELTER)
    choose(page, "Service", "Emergency shelter")
    page.get_by_role("textbox", name="Reason", exact=True).fill("Evicted, needs a bed this week")
    page.get_by_text("The person agreed to this referral").click()
    choose(page, "Data shared", "Case facts (category, city, legal status)")
    page.keyboard.press("Escape")
    assert page.get_by_text("Case facts (category, city, legal status)").is_visible()
    page.get_by_role("button", name="Send referral").click()
    page.get_by_text("Referral sent.").wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "referral-sent")

    receiver = new_page()
    other = receiver.page
    open_case(other, server, case["code"], RECEIVER)
    assert other.get_by_role("heading", name=case["code"]).is_visible()
    shown = main_text(other)
    assert "Case facts" in shown and "Category:" in shown and "City:" in shown
    for name in case["names"]:
        assert name not in shown
    assert "Show identity" not in shown
    assert any(re.fullmatch(r"Referrals \(\d+\)", label) for label in nav_labels(other))
    screenshot(other, "referral-received-no-identity")

    # The sender revokes: the receiver's access ends at once.
    page.get_by_role("button", name="Revoke referral").click()
    page.get_by_text("Referral revoked.").wait_for(timeout=30_000)
    wait_ready(page)

    other.reload()
    wait_ready(other)
    sign_in(other, RECEIVER)
    assert other.get_by_text("Case not found.").is_visible()
    assert not other.get_by_role("heading", name=case["code"]).is_visible()
    screenshot(other, "referral-revoked-not-found")

    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        state = connection.execute(
            sa.select(Referral.state)
            .join(Organisation, Organisation.id == Referral.to_organisation_id)
            .where(Referral.case_id == case["id"], Organisation.name == SHELTER)
        ).scalar_one()
    engine.dispose()
    assert state == "revoked"
    assert sender.foreign_requests(server.host) == []
    assert receiver.foreign_requests(server.host) == []
