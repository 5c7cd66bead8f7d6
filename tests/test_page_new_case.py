"""Intake as a coordinator: a valid form creates the case, person, legal status and first
stage; bad input is shown under its field and creates nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models import case_codes
from models.database import make_engine
from models.enums import AuditAction, Category, Role, Stage
from models.identity.store import read_identity
from models.tables import AuditEvent, Case, LegalStatus, StageChange
from tests.factories import actor_of, make_city, make_organisation, make_user

TODAY = "2026-11-23"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
        caseworker = make_user(session, role=Role.CASEWORKER, organisation=org)
        city = make_city(session, key="almaty")
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "org": org,
        "city": city,
        "coordinator": actor_of(coordinator),
        "caseworker": caseworker,
    }
    engine.dispose()


def fill(at, **values):
    for name, value in values.items():
        widget = (
            at.get("text_input")
            + at.get("selectbox")
            + at.get("date_input")
            + at.get("number_input")
            + at.get("checkbox")
        )
        [target] = [w for w in widget if w.key == f"wp_new_{name}"]
        target.set_value(value)
    at.button(key="wp_new_save").click().run()
    return at


def count_cases(world) -> int:
    with Session(world["engine"]) as session:
        return session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()


def test_coordinator_opens_a_case_with_a_fresh_code(page_test, world):
    at = page_test(
        "new_case.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    fill(
        at,
        full_name="Алексей Смирнов",
        name_latin="Aleksei Smirnov",
        category=Category.DESERTER,
        city=world["city"].id,
        caseworker=world["caseworker"].id,
        permit_expires=dt.date(2027, 3, 1),
        wanted=True,
    )
    assert not at.exception
    with Session(world["engine"]) as session:
        case = session.exec(select(Case)).one()
        person = read_identity(session, case_id=case.id)
        status = session.get(LegalStatus, case.id)
        stage = session.exec(select(StageChange)).one()
        audit = session.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).one()
    assert f"Case {case.code} opened." in [s.value for s in at.success]
    assert case_codes.is_valid(case.code) and case.code.startswith("WP-26-")
    assert (case.category, case.caseworker_id) == (
        Category.DESERTER,
        world["caseworker"].id,
    )
    assert case.organisation_id == world["org"].id
    assert (person.full_name, person.name_latin) == ("Алексей Смирнов", "Aleksei Smirnov")
    assert (status.permit_expires_on, status.wanted) == (dt.date(2027, 3, 1), True)
    assert stage.to_stage == Stage.INTAKE
    assert audit.action == AuditAction.CREATE and "Смирнов" not in (audit.fields or "")
    # The form is empty again for the next intake.
    assert at.text_input(key="wp_new_full_name").value == ""


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"full_name": "Я" * 5000}, "Use at most 200 characters (this has 5000)."),
        (
            {"full_name": "<b>Иван</b>"},
            "Remove the angle brackets: text that looks like HTML is not accepted.",
        ),
        (
            {"full_name": "Иван", "contact": '=HYPERLINK("http://evil")'},
            "Text may not start with = + - or @: a spreadsheet would run it as a formula.",
        ),
        ({"full_name": "Иван", "opened_on": dt.date(2026, 12, 1)}, "This date is in the future."),
        ({"full_name": ""}, "This field is required."),
    ],
)
def test_bad_intake_is_explained_and_nothing_is_created(page_test, world, values, message):
    at = page_test(
        "new_case.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    fill(at, **values)
    assert message in [e.value for e in at.error]
    assert count_cases(world) == 0


def test_typing_a_name_shows_possible_duplicates_before_saving(page_test, world):
    from models.duplicates.setting import CROSS_ORG_MATCHING, set_setting
    from tests.factories import make_case
    from tests.import_files import drop_latin_names

    with Session(world["engine"], expire_on_commit=False) as session:
        mine = make_case(session, organisation=world["org"], full_name="Зайцев Дмитрий Олегович")
        other_org = make_organisation(session, "Open Door")
        theirs = make_case(session, organisation=other_org, full_name="Dmitry Zaitsev")
        drop_latin_names(session)
        set_setting(session, name=CROSS_ORG_MATCHING, enabled=True, actor=None)
        session.commit()
    at = page_test(
        "new_case.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    assert not at.warning
    [name] = [w for w in at.text_input if w.key == "wp_new_full_name"]
    name.set_value("ZAYTSEV DMITRIY").run()
    assert not at.exception
    assert "may already have a case" in at.warning[0].value
    shown = [t.value for t in at.text]
    assert any(re.fullmatch(rf"possible duplicate: {mine.code} \(\d\.\d\d\)", t) for t in shown)
    assert any(re.fullmatch(r"possible match at Open Door \(\d\.\d\d\)", t) for t in shown)
    assert not any(theirs.code in t or "Зайцев" in t for t in shown)
    # The user can still open the case.
    fill(at, category=Category.DESERTER, city=world["city"].id)
    assert not at.exception
    assert count_cases(world) == 3


def test_past_the_hourly_limit_of_name_checks_the_form_says_so(page_test, world, monkeypatch):
    """The name check's hourly limit is explained where the user types, and the case can
    still be opened."""
    from models.duplicates import intake

    monkeypatch.setattr(intake, "CHECKS_PER_HOUR", 1)
    at = page_test(
        "new_case.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    [name] = [w for w in at.text_input if w.key == "wp_new_full_name"]
    name.set_value("Иванов Пётр").run()
    assert not at.warning  # the first check ran (and found nobody)
    name.set_value("Петров Иван").run()
    assert not at.exception
    assert "checked 1 names for duplicates in the last hour" in at.warning[0].value
    fill(at, category=Category.DESERTER, city=world["city"].id)
    assert not at.exception
    assert count_cases(world) == 1
