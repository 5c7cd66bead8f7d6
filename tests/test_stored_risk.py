"""The stored risk level on ``case_file`` equals the rules of ``models.risk`` evaluated live:
after seeding, after every kind of write, and after ``refresh`` moves the day on (or back).
The comparison reads the live level with the rule expressions and the stored one as a plain
column, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models import cases as writes
from models.access import case_scope
from models.case_queries import CaseListFilters, CasePage, case_list
from models.enums import CaseStatus, DetentionPlace, PermitType, Role, Stage
from models.risk import (
    RiskLevel,
    level_expression,
    reason_columns,
    rules,
    urgency_expression,
    with_legal_status,
)
from models.stored import refresh, refresh_if_due, risk_columns, stored_as_of
from models.stored import risk as stored_risk
from models.tables import Case, RiskRefresh, StageChange, User
from seed_data.generator import seed
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = dt.date(2026, 11, 23)


def _live_and_stored(session: Session, today: dt.date) -> list[tuple]:
    statement = with_legal_status(
        sa.select(
            Case.code,
            level_expression(today).label("level"),
            urgency_expression(today).label("urgency"),
            *reason_columns(today),
            Case.risk_level,
            Case.risk_urgency,
            Case.risk_reasons,
        ).select_from(Case)
    )
    return list(session.execute(statement))


def _mismatches(session: Session, today: dt.date) -> list[str]:
    wrong = []
    for row in _live_and_stored(session, today):
        keys = [r.key for r in rules(today) if row._mapping[f"risk_{r.key}"]]
        reasons = ",".join(keys) if row.level is not None else None
        if (row.level, row.urgency, reasons) != (
            row.risk_level,
            row.risk_urgency,
            row.risk_reasons,
        ):
            wrong.append(row.code)
    return wrong


@pytest.fixture
def seeded(engine: sa.Engine) -> Session:
    with Session(engine) as session:
        seed(session, cases=400, seed=11, today=TODAY, password="a-long-test-password-1")
        session.commit()
    with Session(engine) as session:
        yield session


def test_seeding_stores_every_case_level_as_the_rules_compute_it(seeded):
    session = seeded
    assert stored_as_of(session) == TODAY
    assert _mismatches(session, TODAY) == []
    levels = {row.risk_level for row in _live_and_stored(session, TODAY)}
    assert {int(level) for level in RiskLevel} <= levels  # every level occurs, and NULL (closed)
    assert None in levels


@pytest.mark.parametrize("days", [1, 9, 31, 95, 400])
def test_refresh_moves_the_stored_levels_to_a_later_day(seeded, days):
    session = seeded
    later = TODAY + dt.timedelta(days=days)
    assert _mismatches(session, later) != [] or days == 1  # time alone changes some levels
    recomputed = refresh(session, today=later)
    session.commit()
    open_cases = session.scalar(
        sa.select(sa.func.count()).select_from(Case).where(Case.status == CaseStatus.OPEN)
    )
    assert 0 < recomputed <= open_cases
    if days == 1:
        assert recomputed < open_cases  # only the cases due that day
    assert stored_as_of(session) == later
    assert _mismatches(session, later) == []


def test_bulk_writes_store_the_same_levels_as_case_by_case_ones(engine, monkeypatch):
    # Seeding and refreshes of many cases write in bulk (COPY on PostgreSQL, the driver's
    # executemany on SQLite): every size is written that way here.
    monkeypatch.setattr(stored_risk, "BULK_FROM", 1)
    with Session(engine) as session:
        seed(session, cases=400, seed=11, today=TODAY, password="a-long-test-password-1")
        session.commit()
    with Session(engine) as session:
        assert _mismatches(session, TODAY) == []
        later = TODAY + dt.timedelta(days=31)
        assert refresh(session, today=later) > 0
        assert _mismatches(session, later) == []
        refresh(session, today=TODAY)
        session.commit()
        assert _mismatches(session, TODAY) == []
        changes_on = session.scalar(sa.select(sa.func.min(Case.risk_changes_on)))
        assert isinstance(changes_on, dt.date) and changes_on > TODAY


def test_refresh_day_by_day_stays_equal_and_back_in_time_recomputes_all(seeded):
    session = seeded
    for offset in range(1, 35, 3):
        refresh(session, today=TODAY + dt.timedelta(days=offset))
        assert _mismatches(session, TODAY + dt.timedelta(days=offset)) == []
    refresh(session, today=TODAY)
    assert _mismatches(session, TODAY) == []
    assert refresh_if_due(session, today=TODAY) == 0


def test_readers_use_the_stored_columns_only_for_the_stored_day(seeded):
    session = seeded
    assert risk_columns(session, TODAY).stored
    assert not risk_columns(session, TODAY + dt.timedelta(days=1)).stored


def test_every_write_stores_the_new_level_in_the_same_transaction(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    actor = actor_of(coordinator)
    refresh(session, today=dt.datetime.now(dt.UTC).date())
    case = make_case(session, organisation=org, permit_expires_on=TODAY + dt.timedelta(days=900))
    session.commit()

    def stored() -> int | None:
        return session.execute(sa.select(Case.risk_level).where(Case.id == case.id)).scalar_one()

    def version() -> int:
        return session.execute(sa.select(Case.version).where(Case.id == case.id)).scalar_one()

    assert stored() == RiskLevel.LOW
    writes.update_legal_status(
        session,
        actor=actor,
        case_id=case.id,
        expected_version=version(),
        data=writes.LegalStatusInput(PermitType.NONE, None, None, wanted=True),
    )
    assert stored() == RiskLevel.CRITICAL  # wanted without a permit
    assert _mismatches(session, stored_as_of(session)) == []
    session.rollback()
    assert stored() == RiskLevel.LOW  # rolled back together with the write

    today = stored_as_of(session)
    detention = writes.record_detention(
        session,
        actor=actor,
        case_id=case.id,
        expected_version=version(),
        detained_on=today,
        place=DetentionPlace.DOCUMENT_CHECK,
        today=today,
    )
    assert stored() == RiskLevel.CRITICAL
    writes.record_release(
        session,
        actor=actor,
        case_id=case.id,
        expected_version=version(),
        detention_id=detention.id,
        released_on=today,
        outcome="released",
        today=today,
    )
    assert stored() == RiskLevel.HIGH  # detained in the last 90 days
    writes.add_note(session, actor=actor, case_id=case.id, body="Called back.")
    writes.close_case(
        session,
        actor=actor,
        case_id=case.id,
        expected_version=version(),
        outcome="withdrew",
        today=today,
    )
    assert stored() is None
    assert _mismatches(session, today) == []


def test_intake_stores_the_level_of_the_new_case(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    refresh(session, today=dt.datetime.now(dt.UTC).date())
    created = writes.create_case(
        session,
        actor=actor_of(coordinator),
        data=writes.Intake(
            full_name="Тест Тестов",
            category="activist",
            opened_on=stored_as_of(session),
            wanted=True,
        ),
        today=stored_as_of(session),
    )
    assert created.risk_level == RiskLevel.CRITICAL  # wanted, no permit
    assert created.stage_entered_at is not None
    assert _mismatches(session, stored_as_of(session)) == []


@pytest.mark.parametrize("username", ["coordinator", "admin", "caseworker"])
def test_case_list_critical_filter_and_order_follow_the_stored_level(seeded, username):
    session = seeded
    actor = actor_of(session.exec(select(User).where(User.username == username)).one())
    page = case_list(
        session,
        actor=actor,
        filters=CaseListFilters(risk_level=RiskLevel.CRITICAL),
        today=TODAY,
        page_size=1000,
    )
    live = with_legal_status(sa.select(Case.code).select_from(Case)).where(
        level_expression(TODAY) == int(RiskLevel.CRITICAL)
    )
    expected = set(session.scalars(live.where(case_scope(actor))))
    assert set(page.rows["code"]) == expected
    assert page.total == len(expected)
    everything = case_list(
        session, actor=actor, filters=CaseListFilters(), today=TODAY, page_size=2000
    )
    levels = [-1 if v is None else v for v in everything.rows["risk_level"]]
    assert levels == sorted(levels, reverse=True)


def test_a_move_stores_the_days_spent_in_the_stage_it_leaves(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    today = dt.datetime.now(dt.UTC).date()
    opened = today - dt.timedelta(days=12)
    # Stored without the time it entered its stage: the history tells (intake at 09:00).
    case = make_case(session, organisation=org, opened_on=opened)
    session.commit()
    entered = dt.datetime.combine(opened, dt.time(9), dt.UTC)
    for target in (Stage.NEEDS_ASSESSMENT, Stage.DOCUMENTS):
        version = session.execute(sa.select(Case.version).where(Case.id == case.id)).scalar_one()
        moved_at = dt.datetime.now(dt.UTC)
        writes.move_stage(
            session,
            actor=actor_of(coordinator),
            case_id=case.id,
            expected_version=version,
            to_stage=target,
        )
        session.commit()
        change = session.exec(
            select(StageChange).where(
                StageChange.case_id == case.id, StageChange.to_stage == target
            )
        ).one()
        assert change.stay_days == (moved_at - entered).days
        entered = _aware(session.get(Case, case.id).stage_entered_at)
        assert abs(entered - moved_at) < dt.timedelta(minutes=1)
    stays = session.exec(
        select(StageChange.stay_days)
        .where(StageChange.case_id == case.id)
        .order_by(StageChange.changed_at)
    ).all()
    assert list(stays)[0] is None and list(stays)[2] == 0  # the intake ends no stay


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _live_list(session: Session, **kwargs: Any) -> CasePage:
    """The case list read through the rule expressions: the stored day is moved away (and
    back) so that ``risk_columns`` does not trust the stored columns."""
    day = stored_as_of(session)
    session.execute(sa.update(RiskRefresh).values(as_of=dt.date(2000, 1, 1)))
    try:
        assert not risk_columns(session, TODAY).stored
        return case_list(session, **kwargs)
    finally:
        session.execute(sa.update(RiskRefresh).values(as_of=day))


LIST_FILTERS = {
    "open": CaseListFilters(),
    "any status": CaseListFilters(status=None),
    "closed": CaseListFilters(status=CaseStatus.CLOSED),
    **{f"level {level.name}": CaseListFilters(risk_level=level) for level in RiskLevel},
    "any status, high": CaseListFilters(status=None, risk_level=RiskLevel.HIGH),
    "expiring in 30 days": CaseListFilters(expiring_within_days=30),
    "any status, expiring in 90 days": CaseListFilters(status=None, expiring_within_days=90),
    "stage": CaseListFilters(stage=Stage.DOCUMENTS),
    "code prefix": CaseListFilters(search="WP-2"),
    "lower-case code part": CaseListFilters(status=None, search="wp-"),
}


@pytest.mark.parametrize("username", ["coordinator", "admin", "caseworker"])
def test_the_stored_rank_lists_every_filter_exactly_as_the_rules_do(seeded, username):
    """Every filter, in full and in order, read through the stored rank (an index) and
    through the rule expressions: the same cases in the same order, the same count."""
    session = seeded
    actor = actor_of(session.exec(select(User).where(User.username == username)).one())
    checked = 0
    for name, filters in LIST_FILTERS.items():
        wanted = dict(actor=actor, filters=filters, today=TODAY, page_size=5000)
        stored = case_list(session, **wanted)
        live = _live_list(session, **wanted)
        assert list(stored.rows["code"]) == list(live.rows["code"]), name
        assert (stored.total, stored.capped) == (live.total, False), name
        checked += stored.total
    assert checked > 0


def test_the_count_stops_at_its_limit_and_says_so(seeded):
    session = seeded
    actor = actor_of(session.exec(select(User).where(User.username == "admin")).one())
    everything = case_list(
        session, actor=actor, filters=CaseListFilters(status=None), today=TODAY, page_size=5000
    )
    assert everything.total == 400 and not everything.capped
    capped = case_list(
        session,
        actor=actor,
        filters=CaseListFilters(status=None),
        today=TODAY,
        page_size=10,
        page=99,
        count_limit=25,
    )
    assert (capped.total, capped.capped, capped.pages, capped.page) == (25, True, 3, 3)
    assert list(capped.rows["code"]) == list(everything.rows["code"][20:30])
