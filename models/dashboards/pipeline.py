"""The resettlement pipeline: how far cases got, how long each stage takes, how cases left.

"Reached a stage" means the case's furthest stage is at or beyond it. The furthest stage is
the later of the current stage and the furthest stage in the history, so a history with gaps
(a move from documents straight to visa granted) still counts the skipped stages as passed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models.access import Actor
from models.dashboards.common import CaseFilters, conditions, stage_position
from models.enums import CaseStatus, Category, Outcome, Stage
from models.risk import with_legal_status
from models.tables import Case, StageChange


def _joined(statement: sa.Select, filters: CaseFilters) -> sa.Select:  # type: ignore[type-arg]
    """The legal status is joined only when a filter needs it: the pipeline counts every case."""
    return with_legal_status(statement) if filters.permit_types or filters.levels else statement


STAGES = list(Stage)


@dataclass(frozen=True)
class ReachedGroup:
    """Cases that share a category, destination, intake month and furthest stage."""

    category: Category
    destination: str | None
    intake_month: dt.date  # the first day of the month
    furthest: Stage
    cases: int


@dataclass(frozen=True)
class PipelineData:
    groups: list[ReachedGroup]
    days_in_stage: dict[Stage, dict[int, int]]  # stage -> {whole days spent: stays}
    exits: dict[Outcome, int]

    def funnel(self, where: Callable[[ReachedGroup], bool] = lambda g: True) -> dict[Stage, int]:
        """How many cases reached each stage."""
        return reached_counts(g for g in self.groups if where(g))

    def split(self, key: Callable[[ReachedGroup], Hashable]) -> dict[Hashable, dict[Stage, int]]:
        """The funnel of each value of ``key`` (category, destination, intake month)."""
        grouped: dict[Hashable, list[ReachedGroup]] = defaultdict(list)
        for group in self.groups:
            grouped[key(group)].append(group)
        return {value: reached_counts(groups) for value, groups in grouped.items()}

    def median_days(self) -> dict[Stage, float | None]:
        """The median whole days a completed stay in each stage lasted; None without stays."""
        return {stage: median_of(self.days_in_stage.get(stage, {})) for stage in STAGES}


def reached_counts(groups: Iterable[ReachedGroup]) -> dict[Stage, int]:
    counts = dict.fromkeys(STAGES, 0)
    for group in groups:
        for stage in STAGES[: group.furthest.position + 1]:
            counts[stage] += group.cases
    return counts


def conversion(funnel: dict[Stage, int]) -> dict[Stage, float | None]:
    """The share of the cases that reached the previous stage that also reached this one."""
    shares: dict[Stage, float | None] = {STAGES[0]: None}
    for previous, stage in zip(STAGES, STAGES[1:], strict=False):
        shares[stage] = funnel[stage] / funnel[previous] if funnel[previous] else None
    return shares


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how often}."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = {(total - 1) // 2, total // 2}
    picked: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        picked += [value for index in sorted(middle) if seen <= index < seen + count]
        seen += count
    return sum(picked) / len(picked)


def _furthest_per_case(actor: Actor, filters: CaseFilters, today: dt.date) -> sa.Subquery:
    # Correlated, so the history is read only for the cases in scope (by the case_id index),
    # not grouped over every stage change of the network first.
    reached = (
        sa.select(sa.func.max(stage_position(StageChange.to_stage)))  # type: ignore[arg-type]
        .where(StageChange.case_id == Case.id)
        .scalar_subquery()
    )
    current = stage_position(Case.stage)  # type: ignore[arg-type]
    furthest = sa.case((sa.func.coalesce(reached, -1) > current, reached), else_=current)
    return (
        _joined(
            sa.select(
                Case.category,
                Case.destination_country,
                sa.extract("year", Case.opened_on).label("year"),
                sa.extract("month", Case.opened_on).label("month"),
                furthest.label("furthest"),
            ).select_from(Case),
            filters,
        )
        .where(*conditions(actor, filters, today, open_only=False))
        .subquery()
    )


def _days_between(
    dialect: str, start: sa.ColumnElement, end: sa.ColumnElement
) -> sa.ColumnElement[int]:  # type: ignore[type-arg]
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(end) - sa.func.julianday(start), sa.Integer)
    return sa.cast(sa.func.floor(sa.extract("epoch", end - start) / 86400), sa.Integer)


def pipeline(
    session: Session, *, actor: Actor, today: dt.date, filters: CaseFilters
) -> PipelineData:
    """Every case ever opened (after ``filters``), counted by category, destination, intake
    month and furthest stage; the days each completed stay in a stage lasted; exits by
    outcome."""
    per_case = _furthest_per_case(actor, filters, today)
    grouped = session.execute(
        sa.select(
            per_case.c.category,
            per_case.c.destination_country,
            per_case.c.year,
            per_case.c.month,
            per_case.c.furthest,
            sa.func.count(),
        ).group_by(*per_case.c)
    ).all()
    groups = [
        ReachedGroup(
            Category(row[0]), row[1], dt.date(int(row[2]), int(row[3]), 1), STAGES[row[4]], row[5]
        )
        for row in grouped
    ]

    entering = aliased(StageChange)
    leaving = aliased(StageChange)
    days = _days_between(
        session.get_bind().dialect.name,
        entering.changed_at,
        leaving.changed_at,  # type: ignore[arg-type]
    )
    # A stay runs from the change that entered a stage to the change that left it (whose
    # from_stage is that stage), so a move that skips stages still ends the stay.
    stays = (
        _joined(
            sa.select(entering.to_stage, days.label("days"), sa.func.count())
            .select_from(Case)
            .join(entering, entering.case_id == Case.id)  # type: ignore[arg-type]
            .join(
                leaving,
                sa.and_(
                    leaving.case_id == entering.case_id,  # type: ignore[arg-type]
                    leaving.from_stage == entering.to_stage,  # type: ignore[arg-type]
                    leaving.changed_at >= entering.changed_at,  # type: ignore[arg-type]
                ),
            ),
            filters,
        )
        .where(*conditions(actor, filters, today, open_only=False))
        .group_by(entering.to_stage, days)
    )
    days_in_stage: dict[Stage, dict[int, int]] = defaultdict(dict)
    for stage, spent, count in session.execute(stays):
        days_in_stage[Stage(stage)][int(spent)] = int(count)

    exits = session.execute(
        _joined(sa.select(Case.outcome, sa.func.count()).select_from(Case), filters)
        .where(
            *conditions(actor, filters, today, open_only=False),
            Case.status == CaseStatus.CLOSED,  # type: ignore[arg-type]
        )
        .group_by(Case.outcome)
    ).all()
    return PipelineData(
        groups=groups,
        days_in_stage=dict(days_in_stage),
        exits={Outcome(outcome): int(n) for outcome, n in exits},
    )
