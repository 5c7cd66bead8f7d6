"""Every action checks the session first (``auth.current_actor``): a deactivated user, or one
whose session went idle, clicking a form button or a download on a page already open gets
nothing done and nothing audited as done."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from dashboard import state
from models.database import make_engine
from models.enums import AuditAction, Role
from models.tables import AuditEvent, CaseNote, Organisation, User
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = "2026-11-23"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        worker = make_user(session, role=Role.CASEWORKER, organisation=org)
        admin = make_user(session, role=Role.ADMIN, organisation=org)
        case = make_case(session, organisation=org, caseworker=worker)
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "worker": actor_of(worker),
        "admin": actor_of(admin),
        "case": case,
    }
    engine.dispose()


def deactivate(world, username: str) -> None:  # type: ignore[no-untyped-def]
    with world["engine"].begin() as connection:
        connection.execute(sa.update(User).where(User.username == username).values(active=False))


def actions(world) -> list[AuditAction]:  # type: ignore[no-untyped-def]
    with Session(world["engine"]) as session:
        # In the order written: without an ORDER BY, SQLite may read a covering index.
        return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("ended", ["deactivated", "idle"])
def test_a_note_submitted_after_the_session_ended_is_not_saved(page_test, world, ended):
    at = page_test("case_page.py", database_url=world["url"], actor=world["worker"], today=TODAY)
    at.query_params["code"] = world["case"].code
    at.run()
    assert not at.exception
    before = actions(world)
    if ended == "deactivated":
        deactivate(world, world["worker"].username)
    else:
        at.session_state[state.LAST_SEEN] = time.time() - 31 * 60
    at.text_area(key="wp_cf_note_body_v1").set_value("written after the end")
    at.button(key="wp_cf_note_save_v1").click().run()
    with Session(world["engine"]) as session:
        assert session.exec(select(CaseNote)).all() == []
    # Only the end of the session, or a refusal, may be recorded: nothing done.
    refusals = {AuditAction.SESSION_EXPIRED, AuditAction.ACCESS_DENIED}
    assert set(actions(world)[len(before) :]) <= refusals
    if ended == "idle":  # a deactivated account's case is already hidden by the gate
        assert not at.session_state[state.AUTH_STATUS]


def test_an_admin_deactivated_mid_page_creates_no_organisation(page_test, world):
    at = page_test("admin.py", database_url=world["url"], actor=world["admin"]).run()
    deactivate(world, world["admin"].username)
    at.text_input(key="wp_admin_org_name").set_value("Made After Deactivation")
    at.button(key="wp_admin_org_save").click().run()
    with Session(world["engine"]) as session:
        names = session.exec(select(Organisation.name)).all()
    assert "Made After Deactivation" not in names
    assert AuditAction.CREATE not in actions(world)


def test_a_language_change_after_deactivation_is_not_remembered(page_test, world):
    at = page_test("app", database_url=world["url"], actor=world["worker"]).run()
    deactivate(world, world["worker"].username)
    at.sidebar.selectbox(key="wp_sidebar_language").set_value("ru").run()
    with Session(world["engine"]) as session:
        user = session.exec(select(User).where(User.username == world["worker"].username)).one()
    assert user.language == "en"
    assert [t.label for t in at.text_input] == ["Username", "Password"]
