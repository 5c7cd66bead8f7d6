"""The purge section of the case page and the retention section of the admin page, driven as
each role; the database is checked afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from models.database import make_engine
from models.enums import AuditAction, Outcome, PurgeReason, Role
from models.identity.store import read_identity
from models.tables import AuditEvent, Case, Organisation
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = "2026-11-23"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        caseworker = make_user(session, role=Role.CASEWORKER, organisation=org)
        coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
        admin = make_user(session, role=Role.ADMIN)
        case = make_case(session, organisation=org, caseworker=caseworker, full_name="Анна Тест")
        closed = make_case(
            session, organisation=org, opened_on=dt.date(2024, 2, 1), outcome=Outcome.WITHDREW
        )
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "org": org,
        "case": case,
        "closed": closed,
        "caseworker": actor_of(caseworker),
        "coordinator": actor_of(coordinator),
        "admin": actor_of(admin),
    }
    engine.dispose()


def open_case(page_test, world, actor):
    at = page_test("case_page.py", database_url=world["url"], actor=actor, today=TODAY)
    at.query_params["code"] = world["case"].code
    return at.run()


def identity_of(world, case):
    with Session(world["engine"]) as session:
        return read_identity(session, case_id=case.id)


def test_caseworkers_are_not_offered_the_purge(page_test, world):
    at = open_case(page_test, world, world["caseworker"])
    assert not at.exception
    assert [b for b in at.button if b.key == "wp_purge_submit"] == []


def test_a_wrong_code_purges_nothing_and_says_why(page_test, world):
    at = open_case(page_test, world, world["coordinator"])
    at.text_input(key="wp_purge_confirm").set_value("WP-99-9999")
    at.button(key="wp_purge_submit").click().run()
    assert "Type the case code exactly to confirm." in [e.value for e in at.error]
    assert identity_of(world, world["case"]) is not None


def test_coordinator_purges_the_identity_and_the_page_says_so(page_test, world):
    at = open_case(page_test, world, world["coordinator"])
    at.text_input(key="wp_purge_confirm").set_value(world["case"].code)
    at.selectbox(key="wp_purge_reason").set_value(PurgeReason.PERSON_ASKED)
    at.button(key="wp_purge_submit").click().run()
    assert not at.exception
    assert any("was purged" in s.value for s in at.success)
    assert identity_of(world, world["case"]) is None
    with Session(world["engine"]) as session:
        assert session.get(Case, world["case"].id) is not None
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.PURGE)
        ).all()
    assert event.detail == PurgeReason.PERSON_ASKED.value
    at.toggle(key="wp_case_show_identity").set_value(True).run()
    assert "No identity is held for this case: it was purged." in [c.value for c in at.caption]


def test_admin_sees_what_retention_will_purge_and_purges_it(page_test, world):
    at = page_test("admin.py", database_url=world["url"], actor=world["admin"], today=TODAY)
    at.run()
    assert not at.exception
    [due] = [df.value for df in at.dataframe if "Purge due on" in df.value.columns]
    assert list(due["Case"]) == [world["closed"].code]
    at.button(key="wp_retention_apply").click().run()
    assert "1 identity purged." in [s.value for s in at.success]
    assert identity_of(world, world["closed"]) is None
    assert identity_of(world, world["case"]) is not None


def test_admin_sets_an_organisation_retention_period(page_test, world):
    at = page_test("admin.py", database_url=world["url"], actor=world["admin"], today=TODAY)
    at.run()
    at.selectbox(key="wp_retention_organisation").set_value(world["org"].id)
    at.number_input(key="wp_retention_months_value").set_value(48)
    at.button(key="wp_retention_months_save").click().run()
    assert not at.exception
    with Session(world["engine"]) as session:
        assert session.get(Organisation, world["org"].id).identity_retention_months == 48
