"""The database itself refuses rows that break the model's rules, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.enums import Outcome
from models.tables import Case, Detention, LegalStatus, Person
from tests.factories import make_case, make_organisation


@pytest.fixture
def case(session: Session) -> Case:
    made = make_case(session, organisation=make_organisation(session))
    session.commit()
    return made


def _refused(session: Session, statement: sa.Executable, params: dict | None = None) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(statement, params or {})
        session.flush()
    session.rollback()


def test_case_codes_are_unique(session, case):
    other = make_case(session, organisation=make_organisation(session))
    _refused(session, sa.update(Case).where(Case.id == other.id).values(code=case.code))


def test_a_closed_case_needs_an_outcome_and_an_open_case_has_none(session, case):
    _refused(session, sa.update(Case).values(status="closed", closed_on=dt.date(2026, 1, 1)))
    _refused(session, sa.update(Case).values(outcome=Outcome.WITHDREW))


def test_enum_columns_refuse_unknown_values(session, case):
    _refused(session, sa.text("UPDATE case_file SET stage = 'teleported'"))
    _refused(session, sa.text("UPDATE case_file SET category = 'spy'"))


def test_permit_cannot_expire_before_it_was_issued(session, case):
    _refused(
        session,
        sa.update(LegalStatus).values(
            permit_issued_on=dt.date(2026, 5, 1), permit_expires_on=dt.date(2026, 4, 1)
        ),
    )


def test_release_cannot_come_before_detention(session, case):
    session.add(
        Detention(
            case_id=case.id,
            detained_on=dt.date(2026, 5, 2),
            released_on=dt.date(2026, 5, 1),
            place="airport",
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_one_person_per_case(session, case):
    session.add(Person(case_id=case.id, key_id="second-key", sealed=b"sealed"))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_rows_must_point_at_existing_cases(session, case):
    session.add(Detention(case_id=999_999, detained_on=dt.date(2026, 5, 2), place="airport"))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_implausible_sentence_is_refused(session, case):
    # The birth year is sealed now: ``models.cases`` validates it before sealing.
    _refused(session, sa.update(LegalStatus).values(charge_max_years=99))


def test_timestamps_come_back_timezone_aware(session, case):
    session.expire_all()
    fresh = session.get(Case, case.id)
    assert fresh is not None and fresh.updated_at.tzinfo is not None
