"""Permit expiry: how many permits run out when, and the permits themselves, page by page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Actor
from models.dashboards.common import CaseFilters, conditions, count_if
from models.enums import PermitType
from models.risk import RiskLevel, with_legal_status
from models.stored import risk_columns
from models.tables import Case, LegalStatus, User

WEEKS_AHEAD = 26


class Band(StrEnum):
    """How soon a permit runs out, counted from today."""

    EXPIRED = "expired"
    DAYS_30 = "days_30"  # today to today + 30
    DAYS_60 = "days_60"  # 31 to 60 days
    DAYS_90 = "days_90"  # 61 to 90 days
    LATER = "later"

    @classmethod
    def of(cls, days_left: int) -> Band:
        if days_left < 0:
            return cls.EXPIRED
        if days_left <= 30:
            return cls.DAYS_30
        if days_left <= 60:
            return cls.DAYS_60
        if days_left <= 90:
            return cls.DAYS_90
        return cls.LATER


BAND_LIMITS = {Band.DAYS_30: (0, 30), Band.DAYS_60: (31, 60), Band.DAYS_90: (61, 90)}


class PermitSort(StrEnum):
    EXPIRY = "expiry"
    EXPIRY_LATEST = "expiry_latest"
    RISK = "risk"
    CODE = "code"


@dataclass(frozen=True)
class ExpirySummary:
    by_band: dict[Band, int]
    no_expiry_date: int  # open cases with no permit or a permit without an end date
    weekly: list[tuple[dt.date, int]]  # first day of each of the next 26 weeks, expiries


@dataclass(frozen=True)
class PermitRow:
    code: str
    permit_type: PermitType
    issued_on: dt.date | None
    expires_on: dt.date
    days_left: int
    level: RiskLevel
    caseworker: str | None

    @property
    def band(self) -> Band:
        return Band.of(self.days_left)


@dataclass(frozen=True)
class PermitPage:
    total: int
    rows: list[PermitRow]


def _within(days: int | None, today: dt.date) -> list[sa.ColumnElement[bool]]:
    expires = col(LegalStatus.permit_expires_on)
    where: list[sa.ColumnElement[bool]] = [expires.is_not(None)]
    if days is not None:
        where.append(expires <= today + dt.timedelta(days=days))
    return where


def expiry_summary(
    session: Session, *, actor: Actor, today: dt.date, filters: CaseFilters
) -> ExpirySummary:
    """Open cases by how soon their permit runs out, and expiries in each of the next 26 weeks
    (week 0 starts today)."""
    expires = col(LegalStatus.permit_expires_on)
    columns = {
        Band.EXPIRED.value: count_if(expires < today),
        Band.LATER.value: count_if(expires > today + dt.timedelta(days=90)),
        "none": count_if(expires.is_(None)),
    }
    for band, (low, high) in BAND_LIMITS.items():
        columns[band.value] = count_if(
            expires.between(today + dt.timedelta(days=low), today + dt.timedelta(days=high))
        )
    week_starts = [today + dt.timedelta(weeks=week) for week in range(WEEKS_AHEAD)]
    for week, first in enumerate(week_starts):
        columns[f"week_{week}"] = count_if(expires.between(first, first + dt.timedelta(days=6)))
    row = (
        session.execute(
            with_legal_status(
                sa.select(*[column.label(name) for name, column in columns.items()]).select_from(
                    Case
                )
            ).where(*conditions(actor, filters, today, risk=risk_columns(session, today)))
        )
        .one()
        ._mapping
    )
    return ExpirySummary(
        by_band={band: int(row[band.value]) for band in Band},
        no_expiry_date=int(row["none"]),
        weekly=[(first, int(row[f"week_{week}"])) for week, first in enumerate(week_starts)],
    )


def permits_page(
    session: Session,
    *,
    actor: Actor,
    today: dt.date,
    filters: CaseFilters,
    within_days: int | None = None,
    sort: PermitSort = PermitSort.EXPIRY,
    limit: int = 50,
    offset: int = 0,
) -> PermitPage:
    """One page of open cases that have a permit end date (expired ones included), ending at
    most ``within_days`` from today, sorted by ``sort``; with the total count."""
    risk = risk_columns(session, today)
    level = risk.level
    expires = col(LegalStatus.permit_expires_on)
    where = [*conditions(actor, filters, today, risk=risk), *_within(within_days, today)]
    orders: dict[PermitSort, list[sa.ColumnExpressionArgument[Any]]] = {
        PermitSort.EXPIRY: [expires, col(Case.code)],
        PermitSort.EXPIRY_LATEST: [expires.desc(), col(Case.code)],
        PermitSort.RISK: [level.desc(), expires, col(Case.code)],
        PermitSort.CODE: [col(Case.code)],
    }
    order = orders[sort]
    total = session.execute(
        with_legal_status(sa.select(sa.func.count()).select_from(Case)).where(*where)
    ).scalar_one()
    statement = (
        with_legal_status(
            sa.select(
                col(Case.code),
                col(LegalStatus.permit_type),
                col(LegalStatus.permit_issued_on),
                expires,
                level.label("level"),
                col(User.display_name),
            ).select_from(Case)
        )
        .outerjoin(User, col(User.id) == col(Case.caseworker_id))
        .where(*where)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    rows = [
        PermitRow(
            code=row.code,
            permit_type=PermitType(row.permit_type),
            issued_on=row.permit_issued_on,
            expires_on=row.permit_expires_on,
            days_left=(row.permit_expires_on - today).days,
            level=RiskLevel(row.level),
            caseworker=row.display_name,
        )
        for row in session.execute(statement)
    ]
    return PermitPage(total=int(total), rows=rows)
