"""Each case's risk level, stored on ``case_file`` and kept equal to ``models.risk``.

The rules stay written once, in ``models.risk``: this module evaluates them for a set of
cases and writes the result (level, sort key, matching rule keys) together with the first
day on which the level may change by time alone (``risk_changes_on``). The one row of
``risk_refresh`` holds the day the stored levels are computed for.

- Every write to a case stores its risk again in the same transaction (``store_case``,
  called by ``models.cases``, the intake and the seed generator).
- ``refresh(today)`` moves the stored day on, recomputing only the cases whose
  ``risk_changes_on`` has come (``waypoint refresh`` from cron; the first page run of a day).
- Readers ask ``risk_columns(session, today)``: the stored columns when they are computed for
  ``today``, otherwise the rule expressions themselves, so a reader is never wrong, only
  slower.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from models import risk
from models.enums import CaseStatus
from models.tables import Case, Detention, LegalStatus, RiskRefresh, table_of

# Rows per UPDATE batch, so a full refresh of 100,000 cases holds little in memory.
BATCH = 5000


# A computed expression, or a stored column of ``case_file`` (as ``col()`` returns it).
RiskColumn: TypeAlias = sa.ColumnElement[int] | Mapped[int | None]


@dataclass(frozen=True)
class RiskColumns:
    """The level and the sort key (higher is more urgent) of a case, as SQL expressions."""

    level: RiskColumn
    urgency: RiskColumn
    stored: bool


def stored_as_of(
    session: Session, *, lock: bool = False, exclusive: bool = False
) -> dt.date | None:
    """The day the stored risk levels are computed for; ``None`` before the first refresh.
    ``lock`` (a write to a case) holds off a refresh until this transaction ends; a refresh
    takes it ``exclusive``ly, so that two refreshes queue rather than deadlock (PostgreSQL;
    SQLite has one writer at a time anyway)."""
    statement = sa.select(col(RiskRefresh.as_of)).where(col(RiskRefresh.id) == 1)
    if lock or exclusive:
        statement = statement.with_for_update(read=not exclusive)
    value = session.execute(statement).scalar_one_or_none()
    return _as_date(value)


def risk_columns(session: Session, today: dt.date) -> RiskColumns:
    """What a query should read for ``today``: the stored columns if they are up to date."""
    if stored_as_of(session) == today:
        return RiskColumns(col(Case.risk_level), col(Case.risk_urgency), stored=True)
    return RiskColumns(risk.level_expression(today), risk.urgency_expression(today), stored=False)


NO_EXPIRY = 99_999
_EPOCH = dt.date(1970, 1, 1).toordinal()
_BUCKET = 100_000  # list_rank = bucket * _BUCKET + expiry day
CLOSED_BUCKET = 4  # the buckets of open cases come first (0-3), then closed cases


def _bucket(level: int | None) -> int:
    """Critical 0, high 1, medium 2, low 3; closed cases (no level) 4."""
    return 3 - level if level is not None else CLOSED_BUCKET


def _expiry_day(expires: dt.date | None) -> int:
    """Days from 1970 to the permit's expiry (clamped to the bucket); ``NO_EXPIRY`` for none."""
    if expires is None:
        return NO_EXPIRY
    return min(max(expires.toordinal() - _EPOCH, 0), NO_EXPIRY - 1)


def list_rank(level: int | None, expires: dt.date | None) -> int:
    """The case list's sort key: higher level first (closed cases, with no level, last), then
    the soonest permit expiry, no expiry last. Ties are broken by the code."""
    return _bucket(level) * _BUCKET + _expiry_day(expires)


def rank_range(level: int) -> tuple[int, int]:
    """The ``list_rank`` values of the cases at ``level`` (an index range)."""
    low = _bucket(level) * _BUCKET
    return low, low + NO_EXPIRY


def rank_ranges_expiring(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """The ``list_rank`` ranges of the cases whose permit expires from ``start`` to ``end``,
    one per bucket (open cases at each level, then closed ones: ``CLOSED_BUCKET``)."""
    first, last = _expiry_day(start), _expiry_day(end)
    return [
        (bucket * _BUCKET + first, bucket * _BUCKET + last) for bucket in range(CLOSED_BUCKET + 1)
    ]


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _first_change(today: dt.date, facts: sa.Row) -> dt.date | None:
    """The first day after ``today`` on which one of the time conditions of the rules can
    flip, from the facts selected by ``_store``; may be early (then a refresh recomputes the
    same level), never late."""
    days: list[dt.date] = []
    expires = facts.expires
    if expires is not None:
        days += [expires - dt.timedelta(days=risk.EXPIRY_SOON_DAYS), expires + dt.timedelta(1)]
    if facts.updated_at is not None:
        updated = facts.updated_at
        if isinstance(updated, str):
            updated = dt.datetime.fromisoformat(updated)
        if updated.tzinfo is not None:
            updated = updated.astimezone(dt.UTC)
        days.append(updated.date() + dt.timedelta(days=risk.STALE_DAYS + 1))
    if facts.recent_detention is not None:
        detained = facts.recent_detention
        days += [detained, detained + dt.timedelta(days=risk.RECENT_DETENTION_DAYS + 1)]
    if facts.next_release is not None:
        days.append(facts.next_release)
    later = [day for day in days if day > today]
    return min(later) if later else None


def _store(session: Session, today: dt.date, where: Sequence[sa.ColumnElement[bool]]) -> int:
    """Compute and write the stored risk of the cases matching ``where`` for ``today``."""
    rules = risk.rules(today)
    recent = (
        sa.select(sa.func.min(col(Detention.detained_on)))
        .where(
            col(Detention.case_id) == col(Case.id),
            col(Detention.detained_on) >= today - dt.timedelta(days=risk.RECENT_DETENTION_DAYS),
        )
        .scalar_subquery()
    )
    release = (
        sa.select(sa.func.min(col(Detention.released_on)))
        .where(col(Detention.case_id) == col(Case.id), col(Detention.released_on) > today)
        .scalar_subquery()
    )
    statement = risk.with_legal_status(
        sa.select(
            col(Case.id),
            col(Case.status),
            risk.level_expression(today).label("level"),
            risk.urgency_expression(today).label("urgency"),
            col(LegalStatus.permit_expires_on).label("expires"),
            col(Case.updated_at),
            recent.label("recent_detention"),
            release.label("next_release"),
            *risk.reason_columns(today),
        ).select_from(Case)
    ).where(*where)
    written = 0
    # Core rows (cheaper than the ORM's), all read before the first write: an update must
    # not move rows under a scan still reading the same table or index.
    rows = session.connection().execute(statement).all()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        values: list[StoredRow] = []
        for row in chunk:
            is_open = row.status == CaseStatus.OPEN
            mapping = row._mapping
            values.append(
                (
                    row.level,
                    row.urgency,
                    ",".join(r.key for r in rules if mapping[f"risk_{r.key}"]) if is_open else None,
                    _first_change(today, row) if is_open else None,
                    list_rank(row.level, _as_date(row.expires)),
                    row.id,
                )
            )
        _write(session, values)
        written += len(values)
    return written


# The stored columns, in the order of the tuples ``_store`` makes (the case id last).
_STORED = ("risk_level", "risk_urgency", "risk_reasons", "risk_changes_on", "list_rank")
StoredRow: TypeAlias = tuple[int | None, int | None, str | None, dt.date | None, int, int]
# From this many rows on, the values go to the database in bulk (a bulk load, a refresh).
BULK_FROM = 1000


def _write(session: Session, values: list[StoredRow]) -> None:
    """Write the stored columns of ``values`` (``_STORED`` values, then the case id)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if len(values) >= BULK_FROM and dialect == "sqlite":
        # Straight to the driver: its executemany is a loop in C, with no per-row mapping.
        sets = ", ".join(f"{name} = ?" for name in _STORED)
        dated = [(*v[:3], v[3] and v[3].isoformat(), *v[4:]) for v in values]
        connection.exec_driver_sql(f"UPDATE case_file SET {sets} WHERE id = ?", dated)  # noqa: S608
        return
    if len(values) >= BULK_FROM and dialect == "postgresql":
        _write_by_arrays(connection, values)
        return
    table = table_of(Case)
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name in _STORED})
    )
    names = [f"b_{name}" for name in _STORED] + ["b_id"]
    connection.execute(update, [dict(zip(names, v, strict=True)) for v in values])


def _write_by_arrays(connection: sa.Connection, values: list[StoredRow]) -> None:
    """PostgreSQL: one ``UPDATE ... FROM unnest(arrays)`` instead of a statement per case
    (and no temporary table, which a database user may not be allowed to create)."""
    columns = list(zip(*values, strict=True))
    types = ("integer", "integer", "varchar", "date", "integer", "integer")
    arrays = ", ".join(f"%s::{name}[]" for name in types)
    sets = ", ".join(f"{name} = l.{name}" for name in _STORED)
    # Column names and types from constants of this module; the values are parameters.
    update = (
        f"UPDATE case_file SET {sets} FROM unnest({arrays}) "  # noqa: S608
        f"AS l({', '.join(_STORED)}, id) WHERE case_file.id = l.id"
    )
    driver = connection.connection.driver_connection
    assert driver is not None, "a checked-out connection has its driver's connection"
    with driver.cursor() as cursor:
        cursor.execute(update, [list(column) for column in columns])


def store_case(session: Session, *, case_id: int) -> None:
    """Store one case's risk again, for the stored day: call after every write to the case,
    in the same transaction."""
    session.flush()
    today = stored_as_of(session, lock=True) or dt.datetime.now(dt.UTC).date()
    _store(session, today, [col(Case.id) == case_id])


def store_cases(session: Session, *, case_ids: Sequence[int]) -> None:
    """``store_case`` for many cases at once (an import): same transaction, a few queries."""
    session.flush()
    today = stored_as_of(session, lock=True) or dt.datetime.now(dt.UTC).date()
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        _store(session, today, [col(Case.id).in_(ids[start : start + 500])])


def store_all(session: Session, *, today: dt.date, statistics: bool = True) -> int:
    """Compute every case for ``today`` and make it the stored day (after a bulk load).
    ``statistics=False`` leaves ``refresh_statistics`` to the caller (a bulk load that
    builds its indexes after this)."""
    _set_day(session, today)
    written = _store(session, today, [])
    if statistics:
        refresh_statistics(session)
    return written


# The tables whose sizes the planner must know after a bulk load (PostgreSQL).
_ANALYZED = ("case_file", "legal_status", "person", "person_token", "stage_change")


def refresh_statistics(session: Session) -> None:
    """Planner statistics, after a bulk load and once a day. SQLite has none until ``ANALYZE``
    runs: it then picks, say, the organisation's index for a caseworker's 30 cases (a sampled
    ANALYZE takes milliseconds). PostgreSQL's autovacuum catches up only later: right after a
    bulk load it still believes the tables nearly empty and plans a duplicate scan as nested
    loops over every open case (minutes, not a second)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(sa.text("PRAGMA analysis_limit=400"))
        session.execute(sa.text("ANALYZE"))
    elif dialect == "postgresql":
        session.execute(sa.text("ANALYZE " + ", ".join(_ANALYZED)))


def vacuum_after_load(engine: sa.Engine) -> None:
    """After a bulk load is committed, on PostgreSQL: ``VACUUM (ANALYZE)`` the big tables.
    Until a table is vacuumed its visibility map is empty, so PostgreSQL cannot answer from an
    index alone and plans around it: right after seeding 100,000 cases a name search read
    every person's row (a sequential scan) where the vacuumed tables answer from three indexes
    (136 -> 67 ms). Autovacuum would get there later; a seed or import should not wait for
    it. It cannot run inside a transaction, hence the engine. SQLite: nothing to do."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE) " + ", ".join(_ANALYZED))


def _set_day(session: Session, today: dt.date) -> dt.date | None:
    before = stored_as_of(session, exclusive=True)
    if before is None:
        session.add(RiskRefresh(id=1, as_of=today))
    else:
        session.execute(sa.update(RiskRefresh).where(col(RiskRefresh.id) == 1).values(as_of=today))
    session.flush()
    return before


def refresh(session: Session, *, today: dt.date) -> int:
    """Move the stored levels to ``today``: recompute the open cases whose level may have
    changed since the stored day (every case if there is none, or if ``today`` is earlier).
    Returns how many cases were recomputed. The caller commits."""
    before = _set_day(session, today)
    if before == today:
        return 0
    refresh_statistics(session)  # once a day
    if before is None or today < before:
        return _store(session, today, [])
    return _store(
        session,
        today,
        [
            col(Case.status) == CaseStatus.OPEN,
            sa.or_(col(Case.risk_changes_on) <= today, col(Case.risk_level).is_(None)),
        ],
    )


def refresh_if_due(session: Session, *, today: dt.date) -> int:
    """``refresh`` unless the stored levels are already for ``today`` (a page run's check:
    one indexed read when nothing is due)."""
    if stored_as_of(session) == today:
        return 0
    return refresh(session, today=today)
