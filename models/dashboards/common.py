"""What the dashboard queries share: filters, the scoped base condition, stage positions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, permits, visible_cases
from models.enums import CaseStatus, Category, PermitType, Stage
from models.risk import RiskLevel, level_expression
from models.stored import RiskColumns
from models.tables import Case, LegalStatus, Organisation

URGENT_LEVELS = (RiskLevel.HIGH, RiskLevel.CRITICAL)


@dataclass(frozen=True)
class CaseFilters:
    """Optional narrowing of the cases a dashboard counts; an empty tuple means "all"."""

    categories: tuple[Category, ...] = ()
    stages: tuple[Stage, ...] = ()
    levels: tuple[RiskLevel, ...] = ()
    organisation_ids: tuple[int, ...] = ()
    permit_types: tuple[PermitType, ...] = ()


def visible(actor: Actor) -> sa.ColumnElement[bool]:
    """The cases ``actor`` may count on a dashboard: none without the right to see them."""
    if not permits(actor, Action.VIEW_DASHBOARDS):
        return sa.false()
    return visible_cases(actor)


def conditions(
    actor: Actor,
    filters: CaseFilters,
    today: dt.date,
    *,
    open_only: bool = True,
    risk: RiskColumns | None = None,
) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of a dashboard query over ``case_file`` outer-joined to
    ``legal_status``: the actor's scope, open cases (unless ``open_only`` is off), filters.
    ``risk``: the level to filter on (``models.stored.risk_columns``); the rules by default."""
    where = [visible(actor)]
    if open_only:
        where.append(col(Case.status) == CaseStatus.OPEN)
    if filters.categories:
        where.append(col(Case.category).in_(filters.categories))
    if filters.stages:
        where.append(col(Case.stage).in_(filters.stages))
    if filters.organisation_ids:
        where.append(col(Case.organisation_id).in_(filters.organisation_ids))
    if filters.permit_types:
        where.append(col(LegalStatus.permit_type).in_(filters.permit_types))
    if filters.levels:
        level = risk.level if risk is not None else level_expression(today)
        where.append(level.in_([int(level) for level in filters.levels]))
    return where


def stage_position(column: sa.ColumnExpressionArgument[str]) -> sa.ColumnElement[int]:
    """The position (0 = intake) of a stage column, in SQL."""
    return sa.case({stage.value: stage.position for stage in Stage}, value=column, else_=-1)


def start_of(day: dt.date) -> dt.datetime:
    """Midnight UTC at the start of ``day``, to compare with timestamp columns."""
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: one count per condition in one scan."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def organisations_in_scope(session: Session, *, actor: Actor) -> list[tuple[int, str]]:
    """The organisations (id, name) that lead at least one case ``actor`` may see."""
    statement = (
        sa.select(col(Organisation.id), col(Organisation.name))
        .where(sa.exists().where(col(Case.organisation_id) == col(Organisation.id), visible(actor)))
        .order_by(col(Organisation.name))
    )
    return [(int(row.id), str(row.name)) for row in session.execute(statement)]
