"""Drafting, publishing and withdrawing releases; the only writer of ``release`` rows.

An admin (or the operator at the command line, ``actor=None``) prepares a draft: the exact
counts of a closed quarter are read, noise is drawn once and the noisy cells are stored
with the draft. Publishing makes exactly that draft the release; nothing is recomputed.
Every draft spends its ε from the yearly budget, discarded ones included, so that repeated
drafts cannot be averaged. Published and draft cells are read back from the database only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.access import Action, Actor, PermissionDenied, require
from models.audit import record
from models.enums import AuditAction, ReleaseStatus, Role
from models.errors import Refusal
from models.funder import _region_reference
from models.i18n import N_
from models.releases.counts import COUNT, TOTAL, ReleaseTable, true_tables
from models.releases.privacy import (
    METHOD,
    SMALL_BELOW,
    Budget,
    NoisyTable,
    Sampler,
    margin_95,
    noisy_release,
    opendp_sampler,
    plan,
    privacy_spent,
)
from models.releases.quarters import Quarter, QuarterError
from models.tables import Release, ReleaseCell, id_of, utcnow

ENTITY = "release"


class ReleaseError(Refusal):
    """The request cannot be met; the message says why, and nothing was written."""


_PUBLISHED_ALREADY = N_("{quarter} has already been published; it cannot be published again.")


@dataclass(frozen=True)
class ReleaseView:
    """A stored release as a reader sees it: its facts and its stored noisy tables."""

    id: int
    quarter: Quarter
    status: ReleaseStatus
    epsilon: float
    method: str
    parameters: dict[str, Any]
    prepared_at: dt.datetime
    published_at: dt.datetime | None
    tables: dict[ReleaseTable, NoisyTable]

    @property
    def k(self) -> int:
        return int(self.parameters["k"])

    @property
    def scale(self) -> float:
        return float(self.parameters["scale"])

    @property
    def margin(self) -> int:
        return int(self.parameters["margin_95"])

    def region_names(self) -> dict[str, tuple[str, str]]:
        return {key: (en, ru) for key, (en, ru) in self.parameters["regions"].items()}


def _require_admin(actor: Actor | None) -> None:
    """Admins only; ``None`` is the operator at the command line."""
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied(f"{actor.role} may not prepare or publish releases")


def spent_in_year(session: Session, year: int) -> float:
    """ε of every draft ever prepared for a quarter of ``year`` (any status)."""
    total = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(col(Release.epsilon)), 0.0)).where(
            col(Release.quarter).like(f"{year}Q%")
        )
    ).scalar_one()
    return float(total)


def _published_row(session: Session, quarter: Quarter) -> Release | None:
    return session.exec(
        select(Release).where(col(Release.published_quarter) == str(quarter))
    ).first()


def prepare_draft(
    session: Session,
    *,
    actor: Actor | None,
    quarter: Quarter,
    today: dt.date,
    budget: Budget | None = None,
    sampler: Sampler = opendp_sampler,
) -> Release:
    """A new draft for ``quarter``, its noise drawn now and stored. An older draft of the
    same quarter is discarded (its budget stays spent). Refused, with nothing written,
    for a quarter not yet over, one already published, or one over the yearly cap."""
    _require_admin(actor)
    budget = budget or Budget.configured()
    if not quarter.closed_on(today):
        raise ReleaseError(
            N_("{quarter} is not over yet: only a closed quarter can be released."),
            quarter=quarter,
        )
    if _published_row(session, quarter) is not None:
        raise ReleaseError(_PUBLISHED_ALREADY, quarter=quarter)
    spent = spent_in_year(session, quarter.year)
    if spent + budget.epsilon > budget.yearly_cap + 1e-9:
        raise ReleaseError(
            N_(
                "The privacy budget for {year} would be exceeded: {spent} of {cap} already "
                "spent, and a draft needs {epsilon}."
            ),
            year=quarter.year,
            spent=f"{spent:g}",
            cap=f"{budget.yearly_cap:g}",
            epsilon=f"{budget.epsilon:g}",
        )
    plans = plan(budget.epsilon)
    for table_plan in plans.values():  # OpenDP's own map agrees with the split
        if privacy_spent(table_plan) > table_plan.epsilon * (1 + 1e-9):
            raise ReleaseError(N_("The noise scale does not meet the privacy budget."))
    exact = true_tables(session, quarter)
    noisy = noisy_release(exact, plans, sampler=sampler)
    scale = next(iter(plans.values())).scale
    parameters = {
        "k": SMALL_BELOW,
        "scale": scale,
        "margin_95": margin_95(scale),
        "composition": "basic: the tables' ε add up to the release's ε",
        "unit": "one case (one person)",
        "tables": {
            str(key): {
                "sensitivity": p.sensitivity,
                "epsilon": round(p.epsilon, 6),
                "rows": list(exact[key].rows),
            }
            for key, p in plans.items()
        },
        "regions": {k: list(v) for k, v in _region_reference(session).items()},
    }
    for old in session.exec(
        select(Release).where(
            col(Release.quarter) == str(quarter), col(Release.status) == ReleaseStatus.DRAFT
        )
    ):
        old.status = ReleaseStatus.DISCARDED
        session.add(old)
        record(
            session,
            actor=actor,
            action=AuditAction.RELEASE_WITHDRAWN,
            entity=ENTITY,
            entity_id=old.id,
            detail=f"{quarter} draft discarded",
        )
    release = Release(
        quarter=str(quarter),
        epsilon=budget.epsilon,
        method=METHOD,
        parameters=json.dumps(parameters, ensure_ascii=False, sort_keys=True),
        prepared_by_id=actor.id if actor else None,
        prepared_at=utcnow(),
    )
    session.add(release)
    session.flush()
    assert release.id is not None
    for key, table in noisy.items():
        for row, value in zip(table.rows, table.values, strict=True):
            session.add(
                ReleaseCell(
                    release_id=release.id, table_key=key, row_key=row, column_key=COUNT, value=value
                )
            )
        session.add(
            ReleaseCell(
                release_id=release.id,
                table_key=key,
                row_key=TOTAL,
                column_key=COUNT,
                value=table.total,
            )
        )
    record(
        session,
        actor=actor,
        action=AuditAction.RELEASE_DRAFTED,
        entity=ENTITY,
        entity_id=release.id,
        detail=f"{quarter}, epsilon={budget.epsilon:g}",
    )
    session.flush()
    return release


def publish(session: Session, *, actor: Actor | None, release_id: int) -> Release:
    """Make the draft ``release_id`` the release of its quarter, exactly as drafted."""
    _require_admin(actor)
    release = session.get(Release, release_id)
    if release is None or release.status is not ReleaseStatus.DRAFT:
        raise ReleaseError(N_("Only a current draft can be published."))
    quarter = Quarter.parse(release.quarter)
    if _published_row(session, quarter) is not None:
        raise ReleaseError(_PUBLISHED_ALREADY, quarter=quarter)
    release.status = ReleaseStatus.PUBLISHED
    release.published_quarter = release.quarter
    release.published_by_id = actor.id if actor else None
    release.published_at = utcnow()
    session.add(release)
    record(
        session,
        actor=actor,
        action=AuditAction.RELEASE_PUBLISHED,
        entity=ENTITY,
        entity_id=release.id,
        detail=str(quarter),
    )
    session.flush()
    return release


def publish_quarter(
    session: Session,
    *,
    actor: Actor | None,
    quarter: Quarter,
    today: dt.date,
    budget: Budget | None = None,
    sampler: Sampler = opendp_sampler,
) -> Release:
    """Publish the current draft of ``quarter``, or prepare one and publish it at once."""
    _require_admin(actor)
    if _published_row(session, quarter) is not None:
        raise ReleaseError(_PUBLISHED_ALREADY, quarter=quarter)
    draft = session.exec(
        select(Release).where(
            col(Release.quarter) == str(quarter), col(Release.status) == ReleaseStatus.DRAFT
        )
    ).first()
    if draft is None:
        draft = prepare_draft(
            session, actor=actor, quarter=quarter, today=today, budget=budget, sampler=sampler
        )
    assert draft.id is not None
    return publish(session, actor=actor, release_id=draft.id)


def withdraw(session: Session, *, actor: Actor | None, release_id: int) -> Release:
    """Hide a published release; it stays in the database and the audit trail, and its
    quarter cannot be published again."""
    _require_admin(actor)
    release = session.get(Release, release_id)
    if release is None or release.status is not ReleaseStatus.PUBLISHED:
        raise ReleaseError(N_("Only a published release can be withdrawn."))
    release.status = ReleaseStatus.WITHDRAWN
    release.withdrawn_by_id = actor.id if actor else None
    release.withdrawn_at = utcnow()
    session.add(release)
    record(
        session,
        actor=actor,
        action=AuditAction.RELEASE_WITHDRAWN,
        entity=ENTITY,
        entity_id=release.id,
        detail=release.quarter,
    )
    session.flush()
    return release


def _view(session: Session, release: Release) -> ReleaseView:
    assert release.id is not None
    parameters = json.loads(release.parameters)
    cells = {
        (c.table_key, c.row_key): c.value
        for c in session.exec(select(ReleaseCell).where(col(ReleaseCell.release_id) == release.id))
    }
    tables = {}
    for key in ReleaseTable:
        rows = tuple(parameters["tables"][str(key)]["rows"])
        tables[key] = NoisyTable(
            key=key, rows=rows, values=tuple(cells[(str(key), row)] for row in rows)
        )
        if cells[(str(key), TOTAL)] != tables[key].total:
            raise ReleaseError(
                N_("The stored total of table {table} does not match its parts."), table=key
            )
    return ReleaseView(
        id=release.id,
        quarter=Quarter.parse(release.quarter),
        status=ReleaseStatus(release.status),
        epsilon=release.epsilon,
        method=release.method,
        parameters=parameters,
        prepared_at=release.prepared_at,
        published_at=release.published_at,
        tables=tables,
    )


def published_releases(session: Session, *, actor: Actor | None) -> list[ReleaseView]:
    """Every published release, oldest quarter first; for anyone who may see aggregates."""
    if actor is not None:
        require(actor, Action.VIEW_AGGREGATES)
    rows = session.exec(
        select(Release)
        .where(col(Release.status) == ReleaseStatus.PUBLISHED)
        .order_by(col(Release.quarter))
    )
    return [_view(session, r) for r in rows]


def published_release(
    session: Session, *, actor: Actor | None, quarter: Quarter
) -> ReleaseView | None:
    return next((r for r in published_releases(session, actor=actor) if r.quarter == quarter), None)


def current_drafts(session: Session, *, actor: Actor | None) -> list[ReleaseView]:
    """The drafts awaiting a decision: admins only."""
    _require_admin(actor)
    rows = session.exec(
        select(Release)
        .where(col(Release.status) == ReleaseStatus.DRAFT)
        .order_by(col(Release.quarter))
    )
    return [_view(session, r) for r in rows]


@dataclass(frozen=True)
class LedgerLine:
    """One release row for the list: no counts, only its facts."""

    id: int
    quarter: str
    status: ReleaseStatus
    epsilon: float
    prepared_at: dt.datetime
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


def ledger(session: Session, *, actor: Actor | None) -> list[LedgerLine]:
    """Every release ever drafted, for admins and the command line (the budget's record)."""
    _require_admin(actor)
    return [
        LedgerLine(
            id=id_of(r),
            quarter=r.quarter,
            status=ReleaseStatus(r.status),
            epsilon=r.epsilon,
            prepared_at=r.prepared_at,
            published_at=r.published_at,
            withdrawn_at=r.withdrawn_at,
        )
        for r in session.exec(select(Release).order_by(col(Release.quarter), col(Release.id)))
    ]


def parse_quarter(text: str) -> Quarter:
    """``Quarter.parse`` with this module's error type."""
    try:
        return Quarter.parse(text)
    except QuarterError as error:
        raise ReleaseError(str(error)) from error
