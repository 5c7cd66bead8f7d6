"""What the dashboard queries share: filters, the scoped base condition, stage positions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, permits, visible_cases
from models.enums import CaseStatus, Category, PermitType, Stage
from models.risk import RiskLevel, level_expression, urgency_expression, with_legal_status
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
