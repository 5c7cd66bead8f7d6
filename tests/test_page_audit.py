"""The audit page as a coordinator: their organisation's rows, filters, an audited CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from models.audit import record
from models.database import make_engine
from models.enums import AuditAction, Role
from models.tables import AuditEvent
from tests.factories import actor_of, make_organisation, make_user


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org, other = make_organisation(session), make_organisation(session)
        coordinator = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
        member = actor_of(make_user(session, role=Role.CASEWORKER, organisation=org))
        outsider = actor_of(make_user(session, role=Role.CASEWORKER, organisation=other))
        admin = actor_of(make_user(session, role=Role.ADMIN, organisation=org))
        for actor in (member, member, outsider):
            record(
                session, actor=actor, action=AuditAction.SIGN_IN, entity="user", entity_id=actor.id
            )
        record(
            session,
            actor=member,
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            detail="=cmd|' /C calc'!A0",
        )
        record(
            session,
            actor=member,
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            entity_id=member.id,
            detail="wrong password",
        )
        seeded = record(
            session,
            actor=None,
            action=AuditAction.SEED,
            entity="database",
            detail="300 synthetic cases, seed 7",
        )
        seeded.at = dt.datetime(2026, 11, 28, 20, 30, 11, 871563, tzinfo=dt.UTC)
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "coordinator": coordinator,
        "member": member,
        "outsider": outsider,
        "admin": admin,
    }
    engine.dispose()


def test_coordinator_sees_own_rows_filters_and_exports(page_test, world):
    at = page_test("audit_log.py", database_url=world["url"], actor=world["coordinator"]).run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 4
    assert world["outsider"].username not in frame.to_string()
    at.selectbox(key="wp_audit_action").set_value(AuditAction.SIGN_IN_FAILED).run()
    assert len(at.dataframe[0].value) == 2
    at.button(key="wp_audit_prepare").click().run()
    with Session(world["engine"]) as session:
        exports = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
        ).all()
    assert [e.username for e in exports] == [world["coordinator"].username]
    assert at.get("download_button")
    csv = at.session_state["wp_audit_export"].decode("utf-8-sig")
    assert "'=cmd" in csv and "\n=cmd" not in csv


def test_a_russian_reader_sees_local_times_records_details_and_the_system_in_words(
    page_test, world
):
    at = page_test("audit_log.py", database_url=world["url"], actor=world["admin"], language="ru")
    at.run()
    assert not at.exception
    frame = at.dataframe[0].value
    seeded = frame[frame["Подробности"].str.startswith("Синтетических")].iloc[0]
    assert seeded["Когда"] == "29.11.2026 01:30"  # 20:30 UTC is past midnight in Almaty
    assert seeded["Пользователь"] == "Система"
    assert seeded["Запись"] == "База данных"
    assert seeded["Подробности"] == "Синтетических дел: 300 (зерно генератора 7)"
    assert "Неверный пароль" in set(frame["Подробности"])
    assert set(frame["Запись"]) == {"Учётная запись", "База данных"}
    at.button(key="wp_audit_prepare").click().run()
    csv = at.session_state["wp_audit_export"].decode("utf-8-sig")
    assert '"29.11.2026 01:30","Система",' in csv and "Неверный пароль" in csv  # every field quoted
    assert "'=cmd" in csv and "\n=cmd" not in csv
