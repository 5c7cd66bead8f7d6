"""The weekly review: tiles (this week against last week), the urgent list, the caseload of
each caseworker and what changed this week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Actor
from models.dashboards import triage
from models.dashboards.common import (
    URGENT_LEVELS,
    CaseFilters,
    conditions,
    count_if,
    start_of,
    visible,
)
from models.enums import ExtraditionStatus, Outcome, Stage
from models.risk import (
    EXPIRY_SOON_DAYS,
    STALE_DAYS,
    RiskLevel,
    with_legal_status,
)
from models.stored import risk_columns
from models.tables import Case, Detention, LegalStatus, StageChange, User

WEEK = dt.timedelta(days=7)


class Tile(StrEnum):
    OPEN = "open"
    INTAKES = "intakes"
    DETAINED = "detained"
    EXTRADITION = "extradition"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    STALE = "stale"


@dataclass(frozen=True)
class TileValue:
    tile: Tile
    now: int
    last_week: int | None  # None: the data keep no history to compare with


@dataclass(frozen=True)
class CaseloadRow:
    caseworker: str | None  # None: not assigned yet
    open_cases: int
    urgent: int
    critical: int


@dataclass(frozen=True)
class CaseloadChart:
    """What the caseload chart draws, whatever the number of caseworkers: the largest
    caseloads, the unassigned cases, and the rest summed in one bar."""

    largest: list[CaseloadRow]
    unassigned: CaseloadRow | None
    rest: CaseloadRow | None  # the other caseworkers' cases together; None if there are none
    rest_caseworkers: int


CHART_CASEWORKERS = 15


def caseload_chart_rows(loads: list[CaseloadRow], *, limit: int | None = None) -> CaseloadChart:
    """The ``limit`` largest caseloads of ``loads`` (as ``caseloads`` orders them), the
    unassigned cases, and the others summed: a network's thousands of caseworkers still
    make a chart of at most ``limit + 2`` bars (``CHART_CASEWORKERS`` by default); the table
    beside it lists every one."""
    limit = CHART_CASEWORKERS if limit is None else limit
    assigned = [row for row in loads if row.caseworker is not None]
    unassigned = next((row for row in loads if row.caseworker is None), None)
    others = assigned[limit:]
    rest = (
        CaseloadRow(
            None,
            sum(r.open_cases for r in others),
            sum(r.urgent for r in others),
            sum(r.critical for r in others),
        )
        if others
        else None
    )
    return CaseloadChart(assigned[:limit], unassigned, rest, len(others))


@dataclass(frozen=True)
class WeekChanges:
    stage_moves: dict[Stage, int]
    detentions: int
    releases: int
    closures: dict[Outcome, int]


def week_start(today: dt.date) -> dt.date:
    """The first day of the week that ends today: the seven days ``today - 6`` to ``today``."""
    return today - dt.timedelta(days=6)


def _open_on(day: dt.date) -> sa.ColumnElement[bool]:
    """The case was open at the end of ``day``."""
    return sa.and_(
        col(Case.opened_on) <= day,
        sa.or_(col(Case.closed_on).is_(None), col(Case.closed_on) > day),
    )


def _detained_on(day: dt.date) -> sa.ColumnElement[bool]:
    """The case was held at the end of ``day``. The tiles test every case in scope: the
    cases held that day (few) are listed once, and each case looked up in that list, rather
    than the detentions searched again for every case (two searches per case, 2 s for the
    admin at 1,000,000 cases on PostgreSQL)."""
    held = sa.select(col(Detention.case_id)).where(
        col(Detention.detained_on) <= day,
        sa.or_(col(Detention.released_on).is_(None), col(Detention.released_on) > day),
    )
    return col(Case.id).in_(held)


def _expiring_on(day: dt.date) -> sa.ColumnElement[bool]:
    return col(LegalStatus.permit_expires_on).between(
        day, day + dt.timedelta(days=EXPIRY_SOON_DAYS)
    )


def tiles(session: Session, *, actor: Actor, today: dt.date) -> list[TileValue]:
    """The seven tiles, each counted at the end of today and at the end of the same day a
    week ago (intakes: in the seven days ending today against the seven days before).
    Extradition proceedings and staleness keep no history, so they have no comparison."""
    before = today - WEEK
    columns: dict[str, sa.ColumnElement[int]] = {}
    for suffix, day in (("now", today), ("before", before)):
        columns[f"open_{suffix}"] = count_if(_open_on(day))
        columns[f"intakes_{suffix}"] = count_if(col(Case.opened_on).between(week_start(day), day))
        columns[f"detained_{suffix}"] = count_if(sa.and_(_open_on(day), _detained_on(day)))
        columns[f"expiring_{suffix}"] = count_if(sa.and_(_open_on(day), _expiring_on(day)))
        columns[f"expired_{suffix}"] = count_if(
            sa.and_(_open_on(day), col(LegalStatus.permit_expires_on) < day)
        )
    columns["extradition_now"] = count_if(
        sa.and_(
            _open_on(today),
            col(LegalStatus.extradition_status).in_(
                [ExtraditionStatus.PROCEEDINGS, ExtraditionStatus.ORDERED]
            ),
        )
    )
    columns["stale_now"] = count_if(
        sa.and_(
            _open_on(today),
            col(Case.updated_at) < start_of(today - dt.timedelta(days=STALE_DAYS)),
        )
    )
    # Only a case open at the end of one of the two days, or taken in during the fortnight,
    # can count; most closed cases are neither, and are skipped before any tile is tested.
    counted = sa.or_(
        col(Case.closed_on).is_(None),
        col(Case.closed_on) > before,
        col(Case.opened_on) >= week_start(before),
    )
    statement = with_legal_status(
        sa.select(*[column.label(name) for name, column in columns.items()]).select_from(Case)
    ).where(visible(actor), counted)
    row = session.execute(statement).one()._mapping
    return [
        TileValue(
            tile,
            int(row[f"{tile.value}_now"]),
            int(row[f"{tile.value}_before"]) if f"{tile.value}_before" in row else None,
        )
        for tile in Tile
    ]


def urgent_cases(
    session: Session, *, actor: Actor, today: dt.date, limit: int = 50, offset: int = 0
) -> triage.TriagePage:
    """Open cases at high or critical risk, most urgent first (then the permit that runs out
    soonest), one page of ``limit`` rows, with the total count: the triage list narrowed to
    the urgent levels."""
    return triage.cases(
        session,
        actor=actor,
        today=today,
        filters=CaseFilters(levels=URGENT_LEVELS),
        limit=limit,
        offset=offset,
    )


def caseloads(session: Session, *, actor: Actor, today: dt.date) -> list[CaseloadRow]:
    """Open cases of each caseworker, with how many of them are urgent and critical; the
    largest caseload first, unassigned cases last."""
    risk = risk_columns(session, today)
    level = risk.level
    statement = (
        with_legal_status(
            sa.select(
                col(Case.caseworker_id),
                col(User.display_name),
                sa.func.count().label("open_cases"),
                count_if(level >= int(RiskLevel.HIGH)).label("urgent"),
                count_if(level == int(RiskLevel.CRITICAL)).label("critical"),
            ).select_from(Case)
        )
        .outerjoin(User, col(User.id) == col(Case.caseworker_id))
        .where(*conditions(actor, CaseFilters(), today, risk=risk))
        .group_by(col(Case.caseworker_id), col(User.display_name))
    )
    rows = [
        CaseloadRow(row.display_name, int(row.open_cases), int(row.urgent), int(row.critical))
        for row in session.execute(statement)
    ]
    return sorted(rows, key=lambda r: (r.caseworker is None, -r.open_cases, r.caseworker or ""))


def week_changes(session: Session, *, actor: Actor, today: dt.date) -> WeekChanges:
    """What happened in the seven days ending today: stage moves by the stage reached,
    detentions, releases and closures by outcome."""
    first = week_start(today)
    moves = session.execute(
        sa.select(col(StageChange.to_stage), sa.func.count())
        .join(Case, col(Case.id) == col(StageChange.case_id))
        .where(
            visible(actor),
            col(StageChange.from_stage).is_not(None),
            col(StageChange.changed_at) >= start_of(first),
            col(StageChange.changed_at) < start_of(today + dt.timedelta(days=1)),
        )
        .group_by(col(StageChange.to_stage))
    ).all()
    detentions = session.execute(
        sa.select(
            count_if(col(Detention.detained_on).between(first, today)),
            count_if(col(Detention.released_on).between(first, today)),
        )
        .join(Case, col(Case.id) == col(Detention.case_id))
        .where(visible(actor))
    ).one()
    closures = session.execute(
        sa.select(col(Case.outcome), sa.func.count())
        .where(visible(actor), col(Case.closed_on).between(first, today))
        .group_by(col(Case.outcome))
    ).all()
    return WeekChanges(
        stage_moves={Stage(stage): int(n) for stage, n in moves},
        detentions=int(detentions[0]),
        releases=int(detentions[1]),
        closures={Outcome(outcome): int(n) for outcome, n in closures},
    )
