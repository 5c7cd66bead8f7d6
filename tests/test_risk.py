"""The risk rules: each rule sets its level and gives its reason, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.enums import Category, ExtraditionStatus, Outcome, PermitType
from models.risk import (
    RiskLevel,
    level_expression,
    reason_columns,
    reasons_of,
    urgency_expression,
    with_legal_status,
)
from models.tables import Case
from tests.factories import make_case, make_detention, make_organisation

TODAY = dt.date(2026, 11, 23)
FRESH = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)


def risk_of(session, case: Case) -> tuple[RiskLevel | None, list[str], int | None]:
    row = session.execute(
        with_legal_status(
            sa.select(
                level_expression(TODAY).label("level"),
                urgency_expression(TODAY).label("urgency"),
                *reason_columns(TODAY),
            ).select_from(Case)
        ).where(Case.id == case.id)
    ).one()
    level = None if row.level is None else RiskLevel(row.level)
    return level, reasons_of(row, TODAY), row.urgency


def case_with(session, **facts) -> Case:
    org = make_organisation(session)
    facts.setdefault("updated_at", FRESH)
    facts.setdefault("permit_expires_on", TODAY + dt.timedelta(days=300))
    return make_case(session, organisation=org, **facts)


def test_a_case_with_nothing_against_it_is_low_risk(session):
    assert risk_of(session, case_with(session))[:2] == (RiskLevel.LOW, [])


def test_detained_now_is_critical(session):
    case = case_with(session)
    make_detention(session, case=case, detained_on=TODAY - dt.timedelta(days=2))
    level, reasons, _ = risk_of(session, case)
    assert level is RiskLevel.CRITICAL
    assert reasons == ["Detained now", "Detained in the last 90 days"]


def test_a_detention_that_ended_is_high_for_90_days_then_no_longer(session):
    recent = case_with(session)
    make_detention(
        session,
        case=recent,
        detained_on=TODAY - dt.timedelta(days=60),
        released_on=TODAY - dt.timedelta(days=50),
    )
    old = case_with(session)
    make_detention(
        session,
        case=old,
        detained_on=TODAY - dt.timedelta(days=91),
        released_on=TODAY - dt.timedelta(days=80),
    )
    assert risk_of(session, recent)[:2] == (RiskLevel.HIGH, ["Detained in the last 90 days"])
    assert risk_of(session, old)[:2] == (RiskLevel.LOW, [])


@pytest.mark.parametrize("status", [ExtraditionStatus.PROCEEDINGS, ExtraditionStatus.ORDERED])
def test_extradition_proceedings_are_critical(session, status):
    level, reasons, _ = risk_of(session, case_with(session, extradition=status))
    assert level is RiskLevel.CRITICAL
    assert reasons == ["In extradition proceedings"]


def test_an_extradition_request_is_high(session):
    case = case_with(session, extradition=ExtraditionStatus.REQUESTED)
    assert risk_of(session, case)[:2] == (RiskLevel.HIGH, ["Extradition requested"])


def test_wanted_with_an_expired_permit_or_none_is_critical(session):
    expired = case_with(session, wanted=True, permit_expires_on=TODAY - dt.timedelta(days=1))
    without = case_with(session, wanted=True, permit_type=PermitType.NONE, permit_expires_on=None)
    assert risk_of(session, expired)[:2] == (
        RiskLevel.CRITICAL,
        [
            "Wanted, with an expired permit or none",
            "Permit expired",
            "Wanted in the country of origin",
        ],
    )
    assert risk_of(session, without)[0] is RiskLevel.CRITICAL


def test_wanted_with_a_permit_expiring_within_30_days_is_high(session):
    case = case_with(session, wanted=True, permit_expires_on=TODAY + dt.timedelta(days=30))
    assert risk_of(session, case)[:2] == (
        RiskLevel.HIGH,
        [
            "Wanted, and the permit expires within 30 days",
            "Permit expires within 30 days",
            "Wanted in the country of origin",
        ],
    )


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"permit_expires_on": TODAY - dt.timedelta(days=1)}, "Permit expired"),
        ({"permit_expires_on": TODAY}, "Permit expires within 30 days"),
        ({"wanted": True}, "Wanted in the country of origin"),
        (
            {"updated_at": dt.datetime(2026, 11, 8, 23, tzinfo=dt.UTC)},
            "No update for 14 days or more",
        ),
    ],
    ids=["expired", "expires-today", "wanted", "stale"],
)
def test_medium_risk_rules(session, facts, reason):
    assert risk_of(session, case_with(session, **facts))[:2] == (RiskLevel.MEDIUM, [reason])


def test_an_update_13_days_ago_is_not_stale(session):
    case = case_with(session, updated_at=dt.datetime(2026, 11, 10, 0, 1, tzinfo=dt.UTC))
    assert risk_of(session, case)[0] is RiskLevel.LOW


def test_a_wanted_deserter_charged_with_a_crime_here_ranks_one_level_higher(session):
    deserter = case_with(session, category=Category.DESERTER, wanted=True, dual_criminality=True)
    activist = case_with(session, category=Category.ACTIVIST, wanted=True, dual_criminality=True)
    level, reasons, urgency = risk_of(session, deserter)
    assert level is RiskLevel.HIGH
    assert reasons == [
        "Wanted in the country of origin",
        "Deserter charged with an act that is also a crime here",
    ]
    assert risk_of(session, activist)[0] is RiskLevel.MEDIUM
    assert urgency == 25


def test_the_deserter_modifier_never_makes_a_case_critical_but_sorts_it_first(session):
    deserter = case_with(
        session,
        category=Category.DESERTER,
        wanted=True,
        dual_criminality=True,
        extradition=ExtraditionStatus.REQUESTED,
    )
    other = case_with(
        session, category=Category.JOURNALIST, wanted=True, extradition=ExtraditionStatus.REQUESTED
    )
    assert risk_of(session, deserter)[0] is RiskLevel.HIGH
    assert risk_of(session, deserter)[2] > risk_of(session, other)[2]


def test_a_closed_case_has_no_level(session):
    case = case_with(session, wanted=True, outcome=Outcome.WITHDREW)
    assert risk_of(session, case)[0] is None
