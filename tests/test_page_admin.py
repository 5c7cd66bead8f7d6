"""The admin page: organisations and accounts are created and changed, and checked in the
database afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from models.accounts import check_password
from models.database import make_engine
from models.enums import AuditAction, Role
from models.tables import AuditEvent, Organisation, User, utcnow
from tests.factories import actor_of, make_organisation, make_user

NEW_PASSWORD = "steppe-wind-harbour-42"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session, "Steppe Bureau")
        admin = make_user(session, role=Role.ADMIN, organisation=org, username="boss")
        worker = make_user(session, role=Role.CASEWORKER, organisation=org, username="worker")
        worker.locked_until = utcnow() + dt.timedelta(minutes=10)
        session.add(worker)
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "org": org,
        "admin": actor_of(admin),
        "worker": worker,
    }
    engine.dispose()


def start(page_test, world):
    return page_test("admin.py", database_url=world["url"], actor=world["admin"]).run()


def reload_worker(world) -> User:
    with Session(world["engine"]) as session:
        return session.get(User, world["worker"].id)


def test_admin_adds_an_organisation_and_a_duplicate_is_refused(page_test, world):
    at = start(page_test, world)
    at.text_input(key="wp_admin_org_name").set_value("Открытая дверь")
    at.button(key="wp_admin_org_save").click().run()
    assert "Organisation added." in [s.value for s in at.success]
    at.text_input(key="wp_admin_org_name").set_value("steppe bureau")
    at.button(key="wp_admin_org_save").click().run()
    assert "An organisation with this name exists." in [e.value for e in at.error]
    with Session(world["engine"]) as session:
        names = sorted(session.exec(select(Organisation.name)).all())
    assert names == ["Steppe Bureau", "Открытая дверь"]


def test_admin_creates_an_account(page_test, world):
    at = start(page_test, world)
    at.text_input(key="wp_admin_new_username").set_value("new.worker")
    at.text_input(key="wp_admin_new_display").set_value("Новый сотрудник")
    at.selectbox(key="wp_admin_new_org").set_value(world["org"].id)
    at.text_input(key="wp_admin_new_password").set_value(NEW_PASSWORD)
    at.button(key="wp_admin_new_save").click().run()
    assert not at.exception
    with Session(world["engine"]) as session:
        user = session.exec(select(User).where(User.username == "new.worker")).one()
    assert (user.role, user.organisation_id) == (Role.CASEWORKER, world["org"].id)
    assert check_password(NEW_PASSWORD, user.password_hash)


def test_admin_deactivates_unlocks_changes_role_and_resets_password(page_test, world):
    at = start(page_test, world)
    worker_id = world["worker"].id
    at.selectbox(key="wp_admin_user").set_value(worker_id).run()
    at.button(key="wp_admin_unlock").click().run()
    assert reload_worker(world).locked_until is None
    at.button(key="wp_admin_deactivate").click().run()
    assert reload_worker(world).active is False
    at.button(key="wp_admin_reactivate").click().run()
    assert reload_worker(world).active is True
    at.selectbox(key=f"wp_admin_role_value_{worker_id}").set_value(Role.COORDINATOR)
    at.button(key=f"wp_admin_role_save_{worker_id}").click().run()
    assert reload_worker(world).role == Role.COORDINATOR
    at.text_input(key=f"wp_admin_reset_value_{worker_id}").set_value("short")
    at.button(key=f"wp_admin_reset_save_{worker_id}").click().run()
    assert "Use at least 12 characters." in [e.value for e in at.error]
    at.text_input(key=f"wp_admin_reset_value_{worker_id}").set_value(NEW_PASSWORD)
    at.button(key=f"wp_admin_reset_save_{worker_id}").click().run()
    assert check_password(NEW_PASSWORD, reload_worker(world).password_hash)
    with Session(world["engine"]) as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(worker_id))
        ).all()
    assert {AuditAction.ACCOUNT_UNLOCKED, AuditAction.UPDATE, AuditAction.PASSWORD_RESET} <= set(
        actions
    )


def test_an_admin_cannot_deactivate_themselves(page_test, world):
    at = start(page_test, world)
    at.selectbox(key="wp_admin_user").set_value(world["admin"].id).run()
    at.button(key="wp_admin_deactivate").click().run()
    assert "You cannot deactivate your own account." in [e.value for e in at.error]
    with Session(world["engine"]) as session:
        assert session.get(User, world["admin"].id).active is True


def test_admin_searches_filters_and_pages_the_accounts(page_test, world):
    """Only one page of accounts is shown; the search (any case) and the role filter narrow
    it, and an account is chosen among those listed."""
    with Session(world["engine"]) as session:
        org = session.get(Organisation, world["org"].id)
        for number in range(60):
            make_user(
                session, role=Role.CASEWORKER, organisation=org, username=f"staff{number:02d}"
            )
        session.commit()
    at = start(page_test, world)
    assert "62 accounts match." in [c.value for c in at.caption]
    assert len(at.dataframe[-1].value) == 50
    assert "Page 1 of 2" in [c.value for c in at.caption]
    at.number_input(key="wp_admin_page").set_value(2).run()
    second = [f"staff{n}" for n in range(49, 60)] + ["worker"]  # after boss, staff00-48
    assert list(at.dataframe[-1].value["Username"]) == second
    at.text_input(key="wp_admin_search").set_value("STAFF0").run()
    assert list(at.dataframe[-1].value["Username"]) == [f"staff0{n}" for n in range(10)]
    assert at.number_input(key="wp_admin_page").value == 1
    at.text_input(key="wp_admin_search").set_value("").run()
    at.selectbox(key="wp_admin_role_filter").set_value(Role.ADMIN).run()
    assert list(at.dataframe[-1].value["Username"]) == ["boss"]
    assert at.selectbox(key="wp_admin_user").options == ["—", "boss"]
