"""What the dashboard queries share: filters, the scoped base condition, stage positions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from models.access import Action, Actor, case_scope, permits
from models.enums import CaseStatus, Category, PermitType, Stage
from models.risk import RiskLevel, level_expression
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
    return case_scope(actor)


def conditions(
    actor: Actor, filters: CaseFilters, today: dt.date, *, open_only: bool = True
) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of a dashboard query over ``case_file`` outer-joined to
    ``legal_status``: the actor's scope, open cases (unless ``open_only`` is off), filters."""
    where = [visible(actor)]
    if open_only:
        where.append(Case.status == CaseStatus.OPEN)  # type: ignore[arg-type]
    if filters.categories:
        where.append(Case.category.in_(filters.categories))  # type: ignore[attr-defined]
    if filters.stages:
        where.append(Case.stage.in_(filters.stages))  # type: ignore[attr-defined]
    if filters.organisation_ids:
        where.append(Case.organisation_id.in_(filters.organisation_ids))  # type: ignore[attr-defined]
    if filters.permit_types:
        where.append(LegalStatus.permit_type.in_(filters.permit_types))  # type: ignore[attr-defined]
    if filters.levels:
        where.append(level_expression(today).in_([int(level) for level in filters.levels]))
    return where


def stage_position(column: sa.ColumnElement[str]) -> sa.ColumnElement[int]:
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
        sa.select(Organisation.id, Organisation.name)
        .where(
            sa.exists().where(Case.organisation_id == Organisation.id, visible(actor))  # type: ignore[arg-type]
        )
        .order_by(Organisation.name)
    )
    return [(int(row.id), str(row.name)) for row in session.execute(statement)]
