"""No lost updates: two real sessions edit the same case, and the second save is refused with
the current values; concurrent intakes get distinct codes. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlmodel import Session, select

from models import case_codes, cases
from models.database import make_engine, session_scope
from models.enums import Category, PermitType, Role
from models.tables import Case, LegalStatus
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def shared(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_organisation(session)
        caseworker = make_user(session, role=Role.CASEWORKER, organisation=org)
        coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
        case = make_case(session, organisation=org, caseworker=caseworker)
        session.commit()
    yield {
        "engine": engine,
        "case_id": case.id,
        "caseworker": actor_of(caseworker),
        "coordinator": actor_of(coordinator),
        "url": database_url,
    }
    engine.dispose()


def expiry(day: dt.date) -> cases.LegalStatusInput:
    return cases.LegalStatusInput(PermitType.TEMPORARY_RESIDENCE, dt.date(2026, 1, 1), day)


def test_second_save_from_the_same_version_is_refused_with_the_current_values(shared):
    first_engine, second_engine = shared["engine"], make_engine(shared["url"])
    case_id, actor = shared["case_id"], shared["caseworker"]
    # Both people load the case at version 1.
    with session_scope(first_engine) as first, session_scope(second_engine) as second:
        seen_first = first.get(Case, case_id).version
        seen_second = second.get(Case, case_id).version
    with session_scope(first_engine) as first:
        cases.update_legal_status(
            first,
            actor=actor,
            case_id=case_id,
            expected_version=seen_first,
            data=expiry(dt.date(2027, 5, 1)),
        )
    with pytest.raises(cases.StaleCase) as stale, session_scope(second_engine) as second:
        cases.update_legal_status(
            second,
            actor=actor,
            case_id=case_id,
            expected_version=seen_second,
            data=expiry(dt.date(2027, 9, 9)),
        )
    assert stale.value.version == 2
    assert stale.value.current["permit_expires_on"] == dt.date(2027, 5, 1)
    with session_scope(second_engine) as check:
        assert check.get(LegalStatus, case_id).permit_expires_on == dt.date(2027, 5, 1)
        assert check.get(Case, case_id).version == 2
    second_engine.dispose()


def test_a_save_waiting_on_an_open_transaction_is_refused_when_that_one_commits(shared):
    other_engine = make_engine(shared["url"])
    case_id, actor = shared["case_id"], shared["caseworker"]
    outcome: dict[str, object] = {}

    def second_save() -> None:
        try:
            with session_scope(other_engine) as second:
                cases.update_legal_status(
                    second,
                    actor=actor,
                    case_id=case_id,
                    expected_version=1,
                    data=expiry(dt.date(2027, 9, 9)),
                )
            outcome["result"] = "saved"
        except cases.StaleCase as error:
            outcome["result"] = error

    with session_scope(shared["engine"]) as first:
        cases.update_legal_status(
            first,
            actor=actor,
            case_id=case_id,
            expected_version=1,
            data=expiry(dt.date(2027, 5, 1)),
        )
        thread = threading.Thread(target=second_save)
        thread.start()
        time.sleep(0.5)  # the second save is now blocked on the first one's lock
    thread.join(timeout=60)
    assert isinstance(outcome["result"], cases.StaleCase)
    with session_scope(shared["engine"]) as check:
        assert check.get(LegalStatus, case_id).permit_expires_on == dt.date(2027, 5, 1)
        assert check.get(Case, case_id).version == 2
    other_engine.dispose()


def test_concurrent_intakes_get_distinct_consecutive_codes(shared):
    engines = [make_engine(shared["url"]) for _ in range(6)]
    barrier = threading.Barrier(len(engines))
    codes: list[str] = []
    errors: list[BaseException] = []

    def take_in(engine) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            with session_scope(engine) as session:
                case = cases.create_case(
                    session,
                    actor=shared["coordinator"],
                    today=TODAY,
                    data=cases.Intake(
                        full_name="Анна Смирнова",
                        category=Category.JOURNALIST,
                        opened_on=dt.date(2026, 6, 1),
                    ),
                )
                codes.append(case.code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=take_in, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(set(codes)) == 6 and all(case_codes.is_valid(code) for code in codes)
    with session_scope(shared["engine"]) as check:
        stored = check.exec(select(Case.code).where(Case.intake_year == 2026)).all()
    assert sorted(stored) == sorted(codes)
    for engine in engines:
        engine.dispose()
