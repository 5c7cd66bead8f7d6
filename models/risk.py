"""Risk triage: an explainable rule set, written once and evaluated in SQL.

Each rule is a condition on a case's facts with the level it sets and the reason shown to
the user. A case's level is the highest level among its matching rules. Then one modifier:
a deserter who is wanted for an act that is also a crime in Kazakhstan (dual criminality, so
extradition can be granted) moves up one level, to at most "high"; critical is reserved for
acute events. Closed cases carry no risk level.

Every expression here is SQL, so that dashboards count and sort 100,000 cases in the
database, and the case page shows exactly the reasons the counts were made from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

import sqlalchemy as sa
from sqlmodel import col

from models.enums import CaseStatus, Category, ExtraditionStatus, PermitType
from models.i18n import N_
from models.tables import Case, Detention, LegalStatus

EXPIRY_SOON_DAYS = 30
RECENT_DETENTION_DAYS = 90
STALE_DAYS = 14


class RiskLevel(IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    RiskLevel.LOW: N_("Low risk"),
    RiskLevel.MEDIUM: N_("Medium risk"),
    RiskLevel.HIGH: N_("High risk"),
    RiskLevel.CRITICAL: N_("Critical risk"),
}


@dataclass(frozen=True)
class Rule:
    key: str
    level: RiskLevel | None  # None: the modifier, which raises the level instead of setting it
    reason: str  # English message id
    condition: sa.ColumnElement[bool]


def _not_null(column: sa.ColumnExpressionArgument[bool | None]) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(column, sa.false())


def rules(today: dt.date) -> list[Rule]:
    """The rules, in the order their reasons are listed. Expressions assume ``case_file``
    outer-joined to ``legal_status`` (see ``with_legal_status``)."""
    soon = today + dt.timedelta(days=EXPIRY_SOON_DAYS)
    wanted = _not_null(col(LegalStatus.wanted))
    expired = col(LegalStatus.permit_expires_on) < today
    no_permit = sa.or_(
        col(LegalStatus.permit_type).is_(None),
        col(LegalStatus.permit_type) == PermitType.NONE,
    )
    expiring = col(LegalStatus.permit_expires_on).between(today, soon)
    detained_now = (
        sa.select(col(Detention.id))
        .where(
            col(Detention.case_id) == col(Case.id),
            col(Detention.detained_on) <= today,
            sa.or_(col(Detention.released_on).is_(None), col(Detention.released_on) > today),
        )
        .exists()
    )
    detained_recently = (
        sa.select(col(Detention.id))
        .where(
            col(Detention.case_id) == col(Case.id),
            col(Detention.detained_on) >= today - dt.timedelta(days=RECENT_DETENTION_DAYS),
            col(Detention.detained_on) <= today,
        )
        .exists()
    )
    extradition = col(LegalStatus.extradition_status)
    stale = col(Case.updated_at) < dt.datetime.combine(
        today - dt.timedelta(days=STALE_DAYS), dt.time(), dt.UTC
    )
    return [
        Rule("detained", RiskLevel.CRITICAL, N_("Detained now"), detained_now),
        Rule(
            "extradition_proceedings",
            RiskLevel.CRITICAL,
            N_("In extradition proceedings"),
            extradition.in_([ExtraditionStatus.PROCEEDINGS, ExtraditionStatus.ORDERED]),
        ),
        Rule(
            "wanted_without_permit",
            RiskLevel.CRITICAL,
            N_("Wanted, with an expired permit or none"),
            sa.and_(wanted, sa.or_(expired, no_permit)),
        ),
        Rule(
            "wanted_permit_expiring",
            RiskLevel.HIGH,
            N_("Wanted, and the permit expires within 30 days"),
            sa.and_(wanted, expiring),
        ),
        Rule(
            "detained_recently",
            RiskLevel.HIGH,
            N_("Detained in the last 90 days"),
            detained_recently,
        ),
        Rule(
            "extradition_requested",
            RiskLevel.HIGH,
            N_("Extradition requested"),
            extradition == ExtraditionStatus.REQUESTED,
        ),
        Rule("permit_expired", RiskLevel.MEDIUM, N_("Permit expired"), expired),
        Rule(
            "permit_expiring",
            RiskLevel.MEDIUM,
            N_("Permit expires within 30 days"),
            expiring,
        ),
        Rule("wanted", RiskLevel.MEDIUM, N_("Wanted in the country of origin"), wanted),
        Rule("stale", RiskLevel.MEDIUM, N_("No update for 14 days or more"), stale),
        Rule(
            "deserter_dual_criminality",
            None,
            N_("Deserter charged with an act that is also a crime here"),
            sa.and_(
                col(Case.category) == Category.DESERTER,
                wanted,
                _not_null(col(LegalStatus.dual_criminality)),
            ),
        ),
    ]


def with_legal_status(statement: sa.Select) -> sa.Select:
    """``statement`` (selecting from ``case_file``) outer-joined to the legal status."""
    return statement.outerjoin(LegalStatus, col(LegalStatus.case_id) == col(Case.id))


def level_expression(today: dt.date) -> sa.ColumnElement[int]:
    """A case's risk level as an integer (``RiskLevel``); NULL for a closed case."""
    all_rules = rules(today)
    base = sa.case(
        *[
            (sa.or_(*[r.condition for r in all_rules if r.level is level]), int(level))
            for level in (RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM)
        ],
        else_=int(RiskLevel.LOW),
    )
    modifier = next(r for r in all_rules if r.level is None).condition
    raised = sa.case(
        (sa.and_(modifier, base < int(RiskLevel.HIGH)), base + 1),
        else_=base,
    )
    return sa.case((col(Case.status) == CaseStatus.OPEN, raised), else_=sa.null())


def urgency_expression(today: dt.date) -> sa.ColumnElement[int]:
    """A sort key, higher is more urgent: the level first, then the dual-criminality
    modifier, so that such deserters rank above others of the same level."""
    modifier = next(r for r in rules(today) if r.level is None).condition
    return level_expression(today) * 10 + sa.case((modifier, 5), else_=0)


def reason_columns(today: dt.date) -> list[sa.Label]:
    """One boolean column per rule, labelled ``risk_<key>``, to select beside a case."""
    return [rule.condition.label(f"risk_{rule.key}") for rule in rules(today)]


def reasons_of(row: sa.Row, today: dt.date) -> list[str]:
    """The English reasons (message ids) of a row selected with ``reason_columns``."""
    mapping = row._mapping
    return [rule.reason for rule in rules(today) if mapping[f"risk_{rule.key}"]]
