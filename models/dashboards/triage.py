"""Risk triage: open cases by level and by reason, and the cases themselves, most urgent
first, each with the reasons that set its level."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Actor
from models.dashboards.common import (
    CaseFilters,
    conditions,
    count_if,
)
from models.enums import Category, Stage
from models.risk import (
    RiskLevel,
    reason_columns,
    reasons_of,
    rules,
    urgency_expression,
    with_legal_status,
)
from models.stored import RiskColumns, risk_columns
from models.tables import Case, LegalStatus, User


@dataclass(frozen=True)
class TriageSummary:
    by_level_and_category: dict[tuple[RiskLevel, Category], int]
    by_reason: dict[str, int]  # English reason message id -> open cases it applies to

    def by_level(self) -> dict[RiskLevel, int]:
        counts = dict.fromkeys(RiskLevel, 0)
        for (level, _), n in self.by_level_and_category.items():
            counts[level] += n
        return counts


@dataclass(frozen=True)
class TriageCase:
    code: str
    level: RiskLevel
    reasons: tuple[str, ...]
    category: Category
    stage: Stage
    caseworker: str | None
    permit_days_left: int | None


@dataclass(frozen=True)
class TriagePage:
    total: int
    rows: list[TriageCase]


def most_urgent_page(
    where: list[sa.ColumnElement[bool]],
    today: dt.date,
    *,
    limit: int,
    offset: int,
    risk: RiskColumns | None = None,
) -> tuple[sa.Subquery, sa.ColumnElement[int]]:
    """One page of case ids matching ``where``, most urgent first (then the permit that runs
    out soonest, then the code), with the total number of matches in each row. Selecting only
    ids and sort keys keeps the per-case reasons to the rows of the page."""
    expires = col(LegalStatus.permit_expires_on)
    total = sa.func.count().over().label("total")
    page = (
        with_legal_status(
            sa.select(
                col(Case.id).label("case_id"),
                (risk.urgency if risk is not None else urgency_expression(today)).label("urgency"),
                expires.is_(None).label("no_permit"),
                expires.label("expires"),
                col(Case.code).label("code"),
                total,
            ).select_from(Case)
        )
        .where(*where)
        .order_by(sa.desc("urgency"), "no_permit", "expires", "code")
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    return page, page.c.total


def page_order(page: sa.Subquery) -> list[sa.ColumnElement]:
    return [page.c.urgency.desc(), page.c.no_permit, page.c.expires, page.c.code]


def total_of(session: Session, where: list[sa.ColumnElement[bool]], page: Sequence[sa.Row]) -> int:
    """The total carried by the rows of a page; counted again only for a page past the end."""
    if page:
        return int(page[0].total)
    return int(
        session.execute(
            with_legal_status(sa.select(sa.func.count()).select_from(Case)).where(*where)
        ).scalar_one()
    )


def summary(
    session: Session, *, actor: Actor, today: dt.date, filters: CaseFilters
) -> TriageSummary:
    """Open cases counted by level and category, and by each rule that applies to them."""
    risk = risk_columns(session, today)
    level = risk.level
    where = conditions(actor, filters, today, risk=risk)
    grouped = session.execute(
        with_legal_status(
            sa.select(level.label("level"), col(Case.category), sa.func.count()).select_from(Case)
        )
        .where(*where)
        .group_by(level, col(Case.category))
    ).all()
    reason_sums = (
        session.execute(
            with_legal_status(
                sa.select(
                    *[count_if(rule.condition).label(rule.key) for rule in rules(today)]
                ).select_from(Case)
            ).where(*where)
        )
        .one()
        ._mapping
    )
    return TriageSummary(
        by_level_and_category={
            (RiskLevel(row.level), Category(row.category)): int(row[2]) for row in grouped
        },
        by_reason={rule.reason: int(reason_sums[rule.key]) for rule in rules(today)},
    )


def cases(
    session: Session,
    *,
    actor: Actor,
    today: dt.date,
    filters: CaseFilters,
    limit: int = 50,
    offset: int = 0,
) -> TriagePage:
    """One page of open cases, most urgent first, with level and reasons."""
    risk = risk_columns(session, today)
    where = conditions(actor, filters, today, risk=risk)
    page, total = most_urgent_page(where, today, limit=limit, offset=offset, risk=risk)
    statement = (
        with_legal_status(
            sa.select(
                col(Case.code),
                col(Case.category),
                col(Case.stage),
                risk.level.label("level"),
                col(User.display_name),
                col(LegalStatus.permit_expires_on),
                total,
                *reason_columns(today),
            )
            .select_from(page)
            .join(Case, col(Case.id) == page.c.case_id)
        )
        .outerjoin(User, col(User.id) == col(Case.caseworker_id))
        .order_by(*page_order(page))
    )
    found = session.execute(statement).all()
    rows = [
        TriageCase(
            code=row.code,
            level=RiskLevel(row.level),
            reasons=tuple(reasons_of(row, today)),
            category=Category(row.category),
            stage=Stage(row.stage),
            caseworker=row.display_name,
            permit_days_left=(row.permit_expires_on - today).days
            if row.permit_expires_on
            else None,
        )
        for row in found
    ]
    return TriagePage(total=total_of(session, where, found), rows=rows)
