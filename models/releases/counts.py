"""The exact counts behind a release, computed from the data as of the quarter.

Private to this package: the counts leave it only with noise added (``privacy.py``).
Every query is a GROUP BY; no case row is selected. As of the quarter means:
- flows use the stored dates: ``opened_on`` (intakes), ``closed_on`` (exits), the stage
  changes' ``changed_at`` (moves) and the needs' ``updated_on`` (needs met);
- the open caseload at quarter end counts cases opened on or before its last day and not
  closed by then, at the furthest stage their stage changes reached by then.
Approximations (the data keeps no history of these): a case's category, city and outcome
are today's values; a need counts as met in the quarter of its last update, if it is met
today; a case that was closed and reopened counts as open throughout; timestamps are
compared in UTC, so a move made just after midnight local time may fall in the day before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from models.enums import CaseStatus, Category, Outcome, Stage
from models.funder import _region_key, _region_reference
from models.releases.quarters import Quarter
from models.tables import Case, City, EmploymentNeed, HousingNeed, StageChange

TOTAL = "total"
COUNT = "count"


class ReleaseTable(StrEnum):
    INTAKES = "intakes"
    MOVES = "moves"
    EXITS = "exits"
    NEEDS_MET = "needs_met"
    OPEN_BY_STAGE = "open_by_stage"
    OPEN_BY_REGION = "open_by_region"


# How many cells of each table one person can add to (the L1 sensitivity of the table):
# a case is opened once, closed once, reaches one furthest stage in a quarter, stands at
# one stage and lives in one place at quarter end; it has one housing and one employment
# need, each of which can be met, so the needs table can move by 2.
SENSITIVITY: dict[ReleaseTable, int] = {
    ReleaseTable.INTAKES: 1,
    ReleaseTable.MOVES: 1,
    ReleaseTable.EXITS: 1,
    ReleaseTable.NEEDS_MET: 2,
    ReleaseTable.OPEN_BY_STAGE: 1,
    ReleaseTable.OPEN_BY_REGION: 1,
}

Column = sa.ColumnElement[Any] | Mapped[Any]
NEED_ROWS = ("housing", "employment")


@dataclass(frozen=True)
class TrueTable:
    """Exact counts of one table, one per row, in row order (no total)."""

    key: ReleaseTable
    rows: tuple[str, ...]
    counts: tuple[int, ...]


def _position(column: Column) -> sa.ColumnElement[int]:
    return sa.case(*[(column == s.value, s.position) for s in Stage], else_=0)


def _in_quarter(column: Column, quarter: Quarter) -> sa.ColumnElement[bool]:
    return sa.and_(column >= quarter.start, column <= quarter.end)


def _one_way(
    key: ReleaseTable, rows: Sequence[str], found: Mapping[str, int] | Counter[str]
) -> TrueTable:
    return TrueTable(key=key, rows=tuple(rows), counts=tuple(int(found.get(r, 0)) for r in rows))


def _grouped(session: Session, statement: sa.Select) -> dict[str, int]:
    return {str(key): int(n) for key, n in session.execute(statement)}


def _open_at_end(quarter: Quarter) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Case.opened_on) <= quarter.end,
        sa.or_(col(Case.closed_on).is_(None), col(Case.closed_on) > quarter.end),
    )


def true_tables(
    session: Session, quarter: Quarter, *, scope: sa.ColumnElement[bool] | None = None
) -> dict[ReleaseTable, TrueTable]:
    """The exact counts of every table for ``quarter`` over the cases in ``scope`` (default:
    the whole network). Never shown: only ``privacy.noisy_release`` reads them."""
    # A case merged into another as a duplicate (issue 12) is the same person counted twice.
    counted = sa.or_(col(Case.outcome).is_(None), col(Case.outcome) != Outcome.DUPLICATE)
    where = counted if scope is None else sa.and_(scope, counted)
    intakes = _grouped(
        session,
        sa.select(col(Case.category), sa.func.count())
        .where(where, _in_quarter(col(Case.opened_on), quarter))
        .group_by(col(Case.category)),
    )
    exits = _grouped(
        session,
        sa.select(col(Case.outcome), sa.func.count())
        .where(
            where,
            col(Case.status) == CaseStatus.CLOSED,
            _in_quarter(col(Case.closed_on), quarter),
        )
        .group_by(col(Case.outcome)),
    )
    # Moves: each case counted once, at the furthest stage it reached in the quarter.
    reached = _position(col(StageChange.to_stage))
    furthest = (
        sa.select(col(StageChange.case_id), sa.func.max(reached).label("at"))
        .join(Case, col(Case.id) == col(StageChange.case_id))
        .where(
            where,
            col(StageChange.from_stage).is_not(None),
            col(StageChange.changed_at) >= quarter.start_moment(),
            col(StageChange.changed_at) < quarter.end_moment(),
        )
        .group_by(col(StageChange.case_id))
        .subquery()
    )
    moves_by_position = _grouped(
        session, sa.select(furthest.c.at, sa.func.count()).group_by(furthest.c.at)
    )
    stages = list(Stage)
    moves = {stages[int(p)].value: n for p, n in moves_by_position.items()}
    # Open at quarter end, at the furthest stage reached by then.
    stage_then = (
        sa.select(col(StageChange.case_id), sa.func.max(reached).label("at"))
        .where(col(StageChange.changed_at) < quarter.end_moment())
        .group_by(col(StageChange.case_id))
        .subquery()
    )
    at_end = sa.func.coalesce(stage_then.c.at, 0)
    open_by_position = _grouped(
        session,
        sa.select(at_end, sa.func.count())
        .select_from(Case)
        .outerjoin(stage_then, stage_then.c.case_id == col(Case.id))
        .where(where, _open_at_end(quarter))
        .group_by(at_end),
    )
    open_by_stage = {stages[int(p)].value: n for p, n in open_by_position.items()}
    reference = _region_reference(session)
    regions: Counter[str] = Counter()
    for country, region_en, name_en, n in session.execute(
        sa.select(col(City.country), col(City.region_en), col(City.name_en), sa.func.count())
        .select_from(Case)
        .outerjoin(City, col(City.id) == col(Case.city_id))
        .where(where, _open_at_end(quarter))
        .group_by(col(City.country), col(City.region_en), col(City.name_en))
    ):
        regions[_region_key(country, region_en, name_en)] += int(n)
    needs: dict[str, int] = {}
    need_tables: tuple[tuple[str, type[HousingNeed] | type[EmploymentNeed]], ...] = (
        ("housing", HousingNeed),
        ("employment", EmploymentNeed),
    )
    for kind, table in need_tables:
        case_id, met, updated_on = col(table.case_id), col(table.met), col(table.updated_on)
        needs[kind] = session.execute(
            sa.select(sa.func.count())
            .select_from(table)
            .join(Case, col(Case.id) == case_id)
            .where(where, met.is_(True), _in_quarter(updated_on, quarter))
        ).scalar_one()
    return {
        ReleaseTable.INTAKES: _one_way(ReleaseTable.INTAKES, [c.value for c in Category], intakes),
        ReleaseTable.MOVES: _one_way(ReleaseTable.MOVES, [s.value for s in stages[1:]], moves),
        ReleaseTable.EXITS: _one_way(
            ReleaseTable.EXITS, [o.value for o in Outcome if o is not Outcome.DUPLICATE], exits
        ),
        ReleaseTable.NEEDS_MET: _one_way(ReleaseTable.NEEDS_MET, NEED_ROWS, needs),
        ReleaseTable.OPEN_BY_STAGE: _one_way(
            ReleaseTable.OPEN_BY_STAGE, [s.value for s in stages], open_by_stage
        ),
        ReleaseTable.OPEN_BY_REGION: _one_way(
            ReleaseTable.OPEN_BY_REGION, list(reference), regions
        ),
    }
