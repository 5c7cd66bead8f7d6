"""The resettlement pipeline: how far cases got, how long each stage takes, how cases left.

"Reached a stage" means the case's furthest stage is at or beyond it. Cases only move
forward, so the furthest stage is ``case_file.stage``; a history with gaps (a move from
documents straight to visa granted) still counts the skipped stages as passed. The time in a
stage is stored on the move that ends the stay (``stage_change.stay_days``, written by
``models.cases.move_stage`` and the seed), so no query pairs up the history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Actor
from models.dashboards.common import CaseFilters, conditions, stage_position
from models.database import side_by_side
from models.enums import Category, Outcome, Stage
from models.risk import with_legal_status
from models.tables import Case, StageChange


def _joined(statement: sa.Select, filters: CaseFilters) -> sa.Select:
    """The legal status is joined only when a filter needs it: the pipeline counts every case."""
    return with_legal_status(statement) if filters.permit_types or filters.levels else statement


STAGES = list(Stage)


@dataclass(frozen=True)
class ReachedGroup:
    """Cases that share a category, destination, intake month, furthest stage and outcome."""

    category: Category
    destination: str | None
    intake_month: dt.date  # the first day of the month
    furthest: Stage
    outcome: Outcome | None  # None while open
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
    """How many of the groups' cases reached each stage (got as far or further)."""
    furthest = dict.fromkeys(STAGES, 0)
    for group in groups:
        furthest[group.furthest] += group.cases
    counts: dict[Stage, int] = {}
    running = 0
    for stage in reversed(STAGES):
        running += furthest[stage]
        counts[stage] = running
    return {stage: counts[stage] for stage in STAGES}


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


def _per_case(actor: Actor, filters: CaseFilters, today: dt.date) -> sa.Subquery:
    # Cases only move forward, one stage at a time: the current stage is the furthest.
    return (
        _joined(
            sa.select(
                col(Case.category),
                col(Case.destination_country),
                sa.extract("year", col(Case.opened_on)).label("year"),
                sa.extract("month", col(Case.opened_on)).label("month"),
                stage_position(col(Case.stage)).label("furthest"),
                col(Case.outcome),
            ).select_from(Case),
            filters,
        )
        .where(*conditions(actor, filters, today, open_only=False))
        .subquery()
    )


def pipeline(
    session: Session, *, actor: Actor, today: dt.date, filters: CaseFilters
) -> PipelineData:
    """Every case ever opened (after ``filters``), counted by category, destination, intake
    month, furthest stage and outcome; the days each completed stay in a stage lasted; exits
    by outcome."""
    per_case = _per_case(actor, filters, today)
    # One pass over the cases gives the funnel and the exits (a closed case has an outcome).
    funnel = sa.select(*per_case.c, sa.func.count()).group_by(*per_case.c)
    # Each move stores the whole days the case spent in the stage it left (``stay_days``),
    # so the stays are read from the history of the cases in scope, with no self-join.
    stays = (
        _joined(
            sa.select(col(StageChange.from_stage), col(StageChange.stay_days), sa.func.count())
            .select_from(Case)
            .join(StageChange, col(StageChange.case_id) == col(Case.id)),
            filters,
        )
        .where(
            *conditions(actor, filters, today, open_only=False),
            col(StageChange.from_stage).is_not(None),
            col(StageChange.stay_days).is_not(None),
        )
        .group_by(col(StageChange.from_stage), col(StageChange.stay_days))
    )
    # The two scans are independent: an admin's (every case, every move) take 0.15 s each
    # at 100,000 cases, side by side rather than one after the other.
    with side_by_side(session, 2) as submit:
        grouped = submit(lambda own: own.execute(funnel).all())
        stayed = submit(lambda own: own.execute(stays).all())
    groups = [
        ReachedGroup(
            Category(row[0]),
            row[1],
            dt.date(int(row[2]), int(row[3]), 1),
            STAGES[row[4]],
            None if row[5] is None else Outcome(row[5]),
            row[6],
        )
        for row in grouped.result()
    ]
    exits: dict[Outcome, int] = defaultdict(int)
    for group in groups:
        if group.outcome is not None:
            exits[group.outcome] += group.cases
    days_in_stage: dict[Stage, dict[int, int]] = defaultdict(dict)
    for stage, spent, count in stayed.result():
        days_in_stage[Stage(stage)][int(spent)] = int(count)

    return PipelineData(
        groups=groups,
        days_in_stage=dict(days_in_stage),
        exits=dict(exits),
    )
