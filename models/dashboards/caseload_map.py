"""The caseload map: open cases per city, with the share that is urgent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Actor
from models.dashboards.common import CaseFilters, conditions, count_if
from models.risk import RiskLevel, with_legal_status
from models.stored import risk_columns
from models.tables import Case, City


@dataclass(frozen=True)
class CityCount:
    city_key: str | None  # None: cases with no city recorded
    name_en: str | None
    name_ru: str | None
    country: str | None
    lat: float | None
    lon: float | None
    open_cases: int
    urgent: int

    @property
    def on_map(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def urgent_share(self) -> float:
        return self.urgent / self.open_cases if self.open_cases else 0.0


def cases_per_city(
    session: Session, *, actor: Actor, today: dt.date, filters: CaseFilters
) -> list[CityCount]:
    """Open cases (after ``filters``) per city, with how many are at high or critical risk;
    the largest first. Cities with no open cases are left out."""
    risk = risk_columns(session, today)
    per_city = (
        with_legal_status(
            sa.select(
                col(Case.city_id),
                sa.func.count().label("open_cases"),
                count_if(risk.level >= int(RiskLevel.HIGH)).label("urgent"),
            ).select_from(Case)
        )
        .where(*conditions(actor, filters, today, risk=risk))
        .group_by(col(Case.city_id))
        .subquery()
    )
    statement = (
        sa.select(
            col(City.key),
            col(City.name_en),
            col(City.name_ru),
            col(City.country),
            col(City.lat),
            col(City.lon),
            per_city.c.open_cases,
            per_city.c.urgent,
        )
        .select_from(per_city)
        .outerjoin(City, col(City.id) == per_city.c.city_id)
    )
    rows = [
        CityCount(
            row.key,
            row.name_en,
            row.name_ru,
            row.country,
            row.lat,
            row.lon,
            int(row.open_cases),
            int(row.urgent),
        )
        for row in session.execute(statement)
    ]
    return sorted(rows, key=lambda r: (-r.open_cases, r.city_key or "~"))
