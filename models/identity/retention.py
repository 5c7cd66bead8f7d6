"""Retention: the identity of a closed case is purged N months after it closed.

N is the organisation's ``identity_retention_months`` (default 12). The case facts stay (they
feed the aggregates); only the person, notes and name tokens go, as in an urgent purge, with
``AuditAction.RETENTION_PURGE``. ``waypoint retention --dry-run | --apply`` runs it from cron;
the admin page shows what is due.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, case_scope, require
from models.audit import record
from models.database import session_scope
from models.enums import AuditAction, CaseStatus, PurgeReason
from models.errors import ValidationError
from models.i18n import N_
from models.identity.purge import purge_case, scrub
from models.tables import DEFAULT_RETENTION_MONTHS as DEFAULT_RETENTION_MONTHS  # for the forms
from models.tables import Case, Organisation, Person


@dataclass(frozen=True)
class Due:
    """A closed case whose identity is (or soon will be) due for purging."""

    case_code: str
    organisation: str
    closed_on: dt.date
    due_on: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _periods(session: Session) -> list[tuple[int, int]]:
    """(organisation id, retention months) of every organisation."""
    rows = session.execute(
        sa.select(col(Organisation.id), col(Organisation.identity_retention_months))
    ).all()
    return [(int(organisation_id), int(months)) for organisation_id, months in rows]


def _closed_with_identity(actor: Actor | None) -> sa.Select:
    """Closed cases that still have an identity (in ``actor``'s scope when given), with their
    organisation's name and retention period."""
    query = (
        sa.select(
            col(Case.code),
            col(Organisation.name),
            col(Case.closed_on),
            col(Organisation.identity_retention_months),
        )
        .join(Organisation, col(Organisation.id) == col(Case.organisation_id))
        .join(Person, col(Person.case_id) == col(Case.id))
        .where(col(Case.status) == CaseStatus.CLOSED)
    )
    return query.where(case_scope(actor)) if actor is not None else query


def _due_by(periods: list[tuple[int, int]], limit: dt.date) -> sa.ColumnElement[bool]:
    """Cases whose retention ends by ``limit``: each organisation's latest closing day that is
    due, so the filter runs in SQL (an index range per organisation)."""
    return sa.or_(
        sa.false(),
        *[
            sa.and_(
                col(Case.organisation_id) == organisation_id,
                col(Case.closed_on) <= last_closing_day_due(limit, months),
            )
            for organisation_id, months in periods
        ],
    )


def _as_due(rows: Sequence[sa.Row]) -> list[Due]:
    return [
        Due(code, name, closed_on, add_months(closed_on, months))
        for code, name, closed_on, months in rows
    ]


def identities_due(
    session: Session, *, today: dt.date, actor: Actor | None = None, within_days: int = 0
) -> list[Due]:
    """Closed cases that still have an identity and whose retention ends by ``today`` (plus
    ``within_days``), soonest first; limited to ``actor``'s scope when given."""
    limit = today + dt.timedelta(days=within_days)
    query = _closed_with_identity(actor).where(_due_by(_periods(session), limit))
    due = _as_due(session.execute(query).all())
    return sorted(due, key=lambda d: (d.due_on, d.case_code))


@dataclass(frozen=True)
class RetentionOverview:
    """What the admin page shows of retention: how many identities are due now and soon,
    and the soonest of them."""

    due_now: int
    due_soon: int  # due within the given days, not yet now
    soonest: list[Due]  # at most the given number, soonest first (then by code)


def retention_overview(
    session: Session, *, today: dt.date, actor: Actor, within_days: int, shown: int = 100
) -> RetentionOverview:
    """``identities_due`` counted in SQL, with only its first ``shown`` rows read: the admin
    page's summary at any caseload (a network's closed cases are tens of thousands)."""
    periods = _periods(session)
    limit = today + dt.timedelta(days=within_days)

    # Both counts in one pass: one index range (status, organisation, closing day) per
    # organisation, up to the later limit, in a union; each row says whether it is due today.
    arms = [
        sa.select((col(Case.closed_on) <= last_closing_day_due(today, months)).label("due_now"))
        .join(Person, col(Person.case_id) == col(Case.id))
        .where(
            col(Case.status) == CaseStatus.CLOSED,
            col(Case.organisation_id) == organisation_id,
            col(Case.closed_on) <= last_closing_day_due(limit, months),
            case_scope(actor),
        )
        .select_from(Case)
        for organisation_id, months in periods
    ]
    due_now = due_by_limit = 0
    if arms:
        due = sa.union_all(*arms).subquery()
        counted = session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(due.c.due_now)).select_from(due)
        ).one()
        due_by_limit, due_now = int(counted[0]), int(counted[1])
    soonest: list[Due] = []
    for organisation_id, months in periods:
        # The due day grows with the closing day, so an organisation's first ``shown`` by
        # closing day are its soonest; those due the same day as the last of them follow.
        mine = _closed_with_identity(actor).where(
            col(Case.organisation_id) == organisation_id,
            col(Case.closed_on) <= last_closing_day_due(limit, months),
        )
        first = _as_due(
            session.execute(mine.order_by(col(Case.closed_on), col(Case.code)).limit(shown)).all()
        )
        if len(first) == shown:
            last = first[-1]
            first += _as_due(
                session.execute(
                    mine.where(
                        col(Case.closed_on) > last.closed_on,
                        col(Case.closed_on) <= last_closing_day_due(last.due_on, months),
                    )
                ).all()
            )
        soonest += first
    soonest.sort(key=lambda d: (d.due_on, d.case_code))
    return RetentionOverview(due_now, due_by_limit - due_now, soonest[:shown])


def last_closing_day_due(limit: dt.date, months: int) -> dt.date:
    """The latest closing day whose retention of ``months`` ends by ``limit``
    (``add_months`` never decreases, so every earlier day is due too)."""
    day = add_months(limit, -months)
    while add_months(day + dt.timedelta(days=1), months) <= limit:
        day += dt.timedelta(days=1)  # month ends: Jan 29-31 plus one month all end Feb 28
    return day


def apply_retention(engine: sa.Engine, *, today: dt.date, actor: Actor | None = None) -> list[str]:
    """Purge every identity due by ``today`` (within ``actor``'s scope when given: an admin's
    is every case), in one transaction; returns the case codes. ``None``: the system (cron)."""
    if actor is not None:
        require(actor, Action.MANAGE_USERS)
    with session_scope(engine) as session:
        codes = [d.case_code for d in identities_due(session, today=today, actor=actor)]
        for code in codes:
            purge_case(
                session,
                actor=actor,
                code=code,
                confirmation=code,
                reason=PurgeReason.RETENTION,
                action=AuditAction.RETENTION_PURGE,
            )
    scrub(engine)
    return codes


MAX_RETENTION_MONTHS = 120


def set_retention_months(
    session: Session, *, actor: Actor, organisation_id: int, months: int
) -> Organisation:
    """Set how many months after closing an organisation's identities are kept (admins)."""
    require(actor, Action.MANAGE_USERS)
    if not 1 <= months <= MAX_RETENTION_MONTHS:
        raise ValidationError(
            "months", N_("Enter a number of months from 1 to {limit}."), limit=MAX_RETENTION_MONTHS
        )
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationError("organisation", N_("Choose one of the listed values."))
    organisation.identity_retention_months = months
    session.add(organisation)
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="organisation",
        entity_id=organisation_id,
        fields=("identity_retention_months",),
    )
    return organisation
