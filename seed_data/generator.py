"""The deterministic demo-data generator behind ``waypoint seed``.

Given a number of cases, a seed and a "today", it always writes the same rows. Its
distributions follow ../shared/DOMAIN.md: most people in Almaty and Astana; deserters wanted
more often and with a higher extradition risk (desertion is a crime in Kazakhstan too);
permits expiring throughout the coming year with some already expired, and wanted people
rarely without any permit (NGOs work hardest to keep them legal), so that a few per cent of
open cases are critical; detentions rare and mostly short; a pipeline with realistic drop-off
whose stage history reaches back two years; housing and employment needs mostly unmet.

Seeding 100,000 cases must take seconds, so rows are built as plain tuples holding the values
the columns store (enum values as strings; on SQLite, dates and UTC timestamps as the ISO text
SQLAlchemy writes and reads back) and handed to the driver in bulk: multi-row ``INSERT`` on
SQLite, ``COPY`` on PostgreSQL, inside the caller's transaction.

Cases are drawn in shards of ``BATCH`` cases (``seed_data.draw``), by spawned worker processes
when there are two shards or more (``MIN_SHARDS_FOR_POOL``), else in this process by the same
code. This process draws, in sequence, what must run through every case in order: the intake
dates, the per-year intake numbers and the case codes (their own generator, unique against
the codes taken). Each shard then draws its cases on a generator of its own: shard 0 goes on
from the seed's generator where the intake dates left it, so a seed under one shard writes
exactly the rows it wrote before shards existed; shard k >= 1 starts from (seed, k). The rows
depend only on the seed and "today", never on how many processes draw them. Workers are
spawned (never forked: the caller may be a multi-threaded server), open no database: they get
the master keys (to wrap each person's fresh data key) and the blind-index key (for the name
tokens), and hand back compact rows (SQLite: one flat list of values per table, as the
multi-row ``INSERT`` takes them; PostgreSQL: the bytes ``COPY`` reads), which this process
writes in shard order while at most one shard per worker is drawn ahead (memory stays flat).
What is left to this process, the critical path, is the database's own work (the writes, the
stored risk, the index builds), the codes and the commit; the wrapped keys go to the key
store from a thread meanwhile, all committed before ``seed`` returns (so before the caller
commits the ciphertext), and the workers exit in the background once the last shard is in.
A worker's error is raised here as it was there, and the pool is shut down whatever
happens, so a failed seed leaves no process and, its transaction rolled back, no rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sqlite3
import sys
import threading
import types
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.accounts import hash_password
from models.audit import record
from models.case_codes import new_code
from models.database import session_scope
from models.duplicates.setting import CROSS_ORG_MATCHING, set_setting
from models.enums import AuditAction, Role
from models.i18n import Language
from models.identity.crypto import vault_for
from models.releases.demo import publish_demo_releases
from models.stored import refresh_statistics, store_all
from models.tables import (
    Case,
    City,
    Organisation,
    Person,
    User,
    id_of,
)
from seed_data.draw import (
    DETENTION_COLUMNS,
    DRIVER_ENCODING,
    SQLITE_ENCODING,
    TARGETS,
    Drawn,
    Plan,
    Shard,
    draw_shard,
    ready,
)
from seed_data.network import seed_network

SEED_DIR = Path(__file__).resolve().parent
CITIES_CSV = SEED_DIR / "cities.csv"
HISTORY_DAYS = 730
BATCH = 5000  # cases per shard
MIN_SHARDS_FOR_POOL = 2  # fewer: drawn in this process (a worker takes ~1 s to start)
SQLITE_ROWS_PER_INSERT = 500
REBUILD_INDEXES_FROM = 10_000  # cases
# PostgreSQL: tables whose primary-key and unique constraints are added after a large load.
KEYS_REBUILT = ("person_token", "person")
SQLITE_CACHE_KIB = 256 * 1024  # while seeding; SQLite takes pages only as it needs them

ORGANISATIONS = [
    "Steppe Human Rights Bureau",
    "Open Door Legal Aid",
    "Harbour Shelter Network",
]

# username, display name, role, index into ORGANISATIONS (None: no organisation)
DEMO_ACCOUNTS: list[tuple[str, str, Role, int | None]] = [
    ("admin", "Demo Administrator", Role.ADMIN, 0),
    ("coordinator", "Demo Coordinator", Role.COORDINATOR, 0),
    ("caseworker", "Demo Caseworker", Role.CASEWORKER, 0),
    ("caseworker2", "Demo Caseworker 2", Role.CASEWORKER, 1),
    ("funder", "Demo Funder", Role.FUNDER, None),
]

CITY_WEIGHTS = {
    "almaty": 40,
    "astana": 22,
    "shymkent": 4,
    "karaganda": 3,
    "aktobe": 2,
    "oral": 2,
    "oskemen": 3,
    "pavlodar": 2,
    "semey": 1.5,
    "kostanay": 1.5,
    "petropavl": 1.5,
    "atyrau": 1,
    "aktau": 1,
    "taraz": 1,
    "kyzylorda": 0.5,
}
ABROAD_WEIGHT = 1.2  # each city outside Kazakhstan: people who moved on


class ExistingCasesError(RuntimeError):
    """The target database already holds cases; seeding would mix demo data into them."""


@dataclass
class SeedReport:
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def load_cities(session: Session) -> list[City]:
    """Insert the reference cities that are missing and return all cities."""
    existing = {city.key for city in session.exec(select(City))}
    with CITIES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["key"] in existing:
                continue
            session.add(
                City(
                    key=row["key"],
                    name_en=row["name_en"],
                    name_ru=row["name_ru"],
                    region_en=row["region_en"],
                    region_ru=row["region_ru"],
                    country=row["country"],
                    lat=float(row["lat"]) if row["lat"] else None,
                    lon=float(row["lon"]) if row["lon"] else None,
                )
            )
    session.flush()
    return list(session.exec(select(City).order_by(col(City.id))))


def _organisations(session: Session) -> list[Organisation]:
    found = []
    for name in ORGANISATIONS:
        org = session.exec(select(Organisation).where(col(Organisation.name) == name)).first()
        if org is None:
            org = Organisation(name=name)
            session.add(org)
            session.flush()
        found.append(org)
    return found


def _staff(
    session: Session, organisations: list[Organisation], password: str, n_cases: int
) -> dict[int, list[int]]:
    """Demo accounts, and enough further caseworkers for the caseload; the ids of each
    organisation's caseworkers (by username), keyed by its id."""
    password_hash = hash_password(password)  # one hash shared by every synthetic account
    wanted: list[tuple[str, str, Role, int | None]] = list(DEMO_ACCOUNTS)
    per_org = max(2, n_cases // (len(organisations) * 60))
    for index, org in enumerate(organisations):
        wanted.append(
            (
                f"coordinator{index + 1}",
                f"Coordinator {org.name.split()[0]}",
                Role.COORDINATOR,
                index,
            )
        )
        for number in range(1, per_org + 1):
            wanted.append(
                (
                    f"cw{index + 1}-{number:03d}",
                    f"Caseworker {index + 1}-{number:03d}",
                    Role.CASEWORKER,
                    index,
                )
            )
    existing = set(session.exec(select(col(User.username))).all())
    # One bulk insert: the ORM's unit of work took 1.2-1.9 s for the 1,700 accounts of
    # 100,000 cases on PostgreSQL. Each row is one account's values over those of an account
    # built once, so the model's defaults apply (building every account took 0.3 s more).
    template = User(
        username="-",
        display_name="-",
        role=Role.CASEWORKER,
        password_hash=password_hash,
        language=Language.EN,
    ).model_dump(exclude={"id"})
    missing = [
        template
        | {
            "username": username,
            "display_name": display,
            "role": role,
            "organisation_id": organisations[org_index].id if org_index is not None else None,
        }
        for username, display, role, org_index in wanted
        if username not in existing
    ]
    if missing:
        session.execute(sa.insert(User), missing)
    caseworkers: dict[int, list[int]] = {org.id: [] for org in organisations if org.id}
    for user_id, organisation_id in session.execute(
        sa.select(col(User.id), col(User.organisation_id))
        .where(col(User.role) == Role.CASEWORKER)
        .order_by(col(User.username))
    ):
        if organisation_id in caseworkers:
            caseworkers[organisation_id].append(user_id)
    return caseworkers


class _Writer:
    """Hands batches of rows to the driver within the session's transaction: multi-row
    ``INSERT`` statements on SQLite, ``COPY`` on PostgreSQL."""

    def __init__(self, session: Session, *, rebuild_indexes: bool) -> None:
        self.connection = session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        driver = self.connection.connection.driver_connection
        assert driver is not None, "a checked-out connection has its driver's connection"
        # sqlite3.Connection or psycopg.Connection, as the dialect says.
        self.driver: Any = driver
        self.encoding = SQLITE_ENCODING if self.sqlite else DRIVER_ENCODING
        self.counts: dict[str, int] = {}
        self.cache_size: int | None = None
        self.threads: int | None = None
        if self.sqlite:
            # The whole seed is one transaction: keep its pages in memory rather than
            # spilling them to the write-ahead log while indexes grow.
            self.cache_size = self.driver.execute("PRAGMA cache_size").fetchone()[0]
            self.driver.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
            self.threads = self.driver.execute("PRAGMA threads").fetchone()[0]
        self.dropped_indexes = self._drop_indexes() if rebuild_indexes else []
        self.dropped_foreign_keys = (
            self._drop_foreign_keys() if rebuild_indexes and not self.sqlite else []
        )
        self.dropped_keys = self._drop_keys() if rebuild_indexes and not self.sqlite else []

    def _drop_foreign_keys(self) -> list[str]:
        """PostgreSQL: drop the foreign keys of the tables written to, returning the statements
        that add them again. PostgreSQL checks a foreign key row by row (a trigger and a
        parent lookup per row and key); added again after the load, each is validated once,
        over all rows, by one join. Inside the transaction, so a rollback restores them."""
        return self._drop_constraints("c.contype = 'f'", [table.name for table, _ in TARGETS])

    def _drop_keys(self) -> list[str]:
        """PostgreSQL, after the foreign keys: drop the primary-key and unique constraints of
        ``KEYS_REBUILT`` that no remaining foreign key relies on, returning the statements
        that add them again. The name tokens arrive in random order: growing their primary
        key's index a row at a time cost about 2.7 s of ``COPY`` at 100,000 cases, against
        one sorted build after the load."""
        return self._drop_constraints(
            "c.contype IN ('p', 'u') AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            list(KEYS_REBUILT),
        )

    def _drop_constraints(self, kind: str, tables: list[str]) -> list[str]:
        """Drop the constraints ``c`` of ``tables`` that match the SQL condition ``kind``;
        return the statements that add them again."""
        # ``kind``: a constant condition written in this class, never input.
        where = f"{kind} AND t.relname IN :names AND pg_table_is_visible(t.oid)"
        query = (
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "  # noqa: S608
            f"JOIN pg_class t ON t.oid = c.conrelid WHERE {where} ORDER BY t.relname, c.conname"
        )
        found = self.connection.execute(
            sa.text(query).bindparams(sa.bindparam("names", expanding=True)), {"names": tables}
        ).all()
        quote = self.connection.dialect.identifier_preparer.quote
        statements = []
        for table, name, definition in found:
            target = f"ALTER TABLE {quote(str(table))}"
            self.connection.exec_driver_sql(f"{target} DROP CONSTRAINT {quote(str(name))}")
            statements.append(f"{target} ADD CONSTRAINT {quote(str(name))} {definition}")
        return statements

    def _drop_indexes(self) -> list[str]:
        """Drop the secondary indexes of the tables written to, returning the statements that
        create them again: one sorted build per index is much cheaper than growing it a row
        at a time (and the stored risk is then written to an unindexed table). Inside the
        transaction, so a rollback restores them."""
        # Detentions keep theirs: few rows, and the stored risk looks them up by case.
        names = [table.name for table, _ in TARGETS if table is not DETENTION_COLUMNS[0]]
        if self.sqlite:
            marks = ", ".join("?" * len(names))
            query = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})"  # noqa: S608
            # Indexes behind UNIQUE and PRIMARY KEY constraints have no SQL and stay.
            found = [(name, sql) for name, sql in self.driver.execute(query, names) if sql]
        else:
            # Indexes that back a constraint (primary key, unique) stay.
            found = [
                (str(name), str(statement))
                for name, statement in self.connection.execute(
                    sa.text(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                        "JOIN pg_class i ON i.oid = x.indexrelid "
                        "JOIN pg_class t ON t.oid = x.indrelid "
                        "WHERE t.relname IN :names AND pg_table_is_visible(t.oid) "
                        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
                    ).bindparams(sa.bindparam("names", expanding=True)),
                    {"names": names},
                )
            ]
        quote = self.connection.dialect.identifier_preparer.quote
        for name, _ in found:
            self.connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
        return [sql for _, sql in found]

    def write(self, drawn: Drawn) -> None:
        preparer = self.connection.dialect.identifier_preparer
        for (table, columns), rows, count in zip(TARGETS, drawn.tables, drawn.counts, strict=True):
            if not count:
                continue
            names = ", ".join(preparer.quote(name) for name in columns)
            target = f"{preparer.format_table(table)} ({names})"
            if self.sqlite:
                self._insert(target, len(columns), rows)
            else:
                with self.driver.cursor() as cursor:
                    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                        copy.write(rows)
            self.counts[table.name] = self.counts.get(table.name, 0) + count

    def _insert(self, target: str, width: int, values: list[Any]) -> None:
        """Many rows per statement: SQLite then checks constraints and moves through the
        statement machinery once per few hundred rows instead of once per row. ``values``:
        the rows' values one after the other."""
        limit = self.driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per_statement = max(1, min(SQLITE_ROWS_PER_INSERT, limit // width))
        step = per_statement * width
        one = "(" + ", ".join("?" * width) + ")"
        full = ", ".join([one] * per_statement)
        with closing(self.driver.cursor()) as cursor:
            for start in range(0, len(values), step):
                chunk = values[start : start + step]
                marks = full if len(chunk) == step else ", ".join([one] * (len(chunk) // width))
                # Names come from the table metadata, quoted by the dialect.
                cursor.execute(f"INSERT INTO {target} VALUES {marks}", chunk)  # noqa: S608

    def finish(self) -> None:
        """After the last batch (and the stored risk): build the dropped indexes again, add
        the dropped key constraints and foreign keys again (each checks every row), and on
        PostgreSQL move the case and person id sequences past the ids given."""
        if self.dropped_indexes and not self.sqlite:
            # Sorts for the index builds in memory rather than in temporary files (this
            # transaction only).
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        if self.dropped_indexes and self.sqlite:
            # SQLite's sorter may use helper threads for the index builds; the drawing
            # processes are done by now (100,000 cases: 2.0 -> 1.6 s on 2 cores).
            self.driver.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
        # The keys before the foreign keys, which need the unique index they point at.
        for statement in self.dropped_indexes + self.dropped_keys + self.dropped_foreign_keys:
            self.connection.exec_driver_sql(statement)
        if self.sqlite:
            return
        for table in (Case, Person):
            self.connection.execute(
                sa.select(
                    sa.func.setval(
                        sa.func.pg_get_serial_sequence(table.__tablename__, "id"),
                        sa.select(sa.func.max(table.id)).scalar_subquery(),
                    )
                )
            )

    def close(self) -> None:
        """Put the connection's page cache and helper threads back as they were, whether
        seeding worked or not."""
        if self.sqlite:
            self.driver.execute(f"PRAGMA cache_size = {int(self.cache_size or 0)}")
            self.driver.execute(f"PRAGMA threads = {int(self.threads or 0)}")


# --- seeding ---------------------------------------------------------------------------------


def seed(
    session: Session,
    *,
    cases: int,
    seed: int,
    today: dt.date,
    password: str,
    allow_existing_cases: bool = False,
    workers: int | None = None,
) -> SeedReport:
    """Write ``cases`` synthetic cases, with the demo organisations, accounts and cities.

    Refuses (``ExistingCasesError``) when the database already holds cases, unless
    ``allow_existing_cases``. The caller commits ``session``. ``workers``: how many processes
    draw the shards (0: this process alone; default: one per CPU, when there are two shards
    or more); the rows written do not depend on it.
    """
    existing = session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
    if existing and not allow_existing_cases:
        raise ExistingCasesError(
            f"This database already holds {existing} cases. Seeding would mix synthetic "
            "cases with them. Use an empty database, or pass --allow-existing-cases if it "
            "holds only demo data."
        )
    shard_count = -(-cases // BATCH)
    if workers is None:
        workers = min(shard_count, os.cpu_count() or 1) if shard_count >= MIN_SHARDS_FOR_POOL else 0
    with _pool(workers) as pool:
        return _seed(
            session,
            cases=cases,
            seed=seed,
            today=today,
            password=password,
            existing=existing,
            pool=pool,
            window=workers + 1,
        )


def _seed(
    session: Session,
    *,
    cases: int,
    seed: int,
    today: dt.date,
    password: str,
    existing: int,
    pool: _Workers | None,
    window: int,
) -> SeedReport:
    rng = random.Random(seed)
    cities = load_cities(session)
    organisations = _organisations(session)
    set_setting(session, name=CROSS_ORG_MATCHING, enabled=True, actor=None)  # on in the demo
    caseworkers = _staff(session, organisations, password, cases)
    creator = session.exec(select(User).where(col(User.username) == "coordinator")).first()
    city_weights = {
        id_of(city): CITY_WEIGHTS.get(city.key, ABROAD_WEIGHT if city.country != "KZ" else 0.5)
        for city in cities
    }
    start = today - dt.timedelta(days=HISTORY_DAYS)
    # Intake dates first, sorted, so that the internal intake counter runs in date order.
    opened = sorted(
        start + dt.timedelta(days=int(HISTORY_DAYS * rng.random() ** 0.9)) for _ in range(cases)
    )
    next_case_id = (session.execute(sa.select(sa.func.max(col(Case.id)))).scalar_one() or 0) + 1
    next_person_id = (session.execute(sa.select(sa.func.max(col(Person.id)))).scalar_one() or 0) + 1
    vault = vault_for(session)
    sequence: dict[int, int] = {}
    for year in {day.year for day in opened}:
        sequence[year] = session.execute(
            sa.select(sa.func.coalesce(sa.func.max(col(Case.intake_seq)), 0)).where(
                col(Case.intake_year) == year
            )
        ).scalar_one()

    # Into an empty database, a large seed builds the indexes once at the end.
    writer = _Writer(session, rebuild_indexes=not existing and cases >= REBUILD_INDEXES_FROM)
    plan = Plan(
        seed=seed,
        today=today,
        sqlite=writer.sqlite,
        organisation_ids=[id_of(org) for org in organisations],
        caseworker_ids=[caseworkers[id_of(org)] for org in organisations],
        pinned=_pinned_caseworkers(session, organisations, cases),
        creator_id=creator.id if creator else None,
        city_weights=city_weights,
        first_case_id=next_case_id,
        first_person_id=next_person_id,
        master_keys=vault.config.master_keys,
        blind_index_key=vault.config.blind_index_key,
    )
    # Shard 0 goes on from where the intake dates left the generator: a seed under one shard
    # writes the rows it wrote before the seeder drew in shards.
    first_state = rng.getstate()

    # Codes from their own generator, so that the rest of a seed's data does not change.
    code_rng = random.Random(f"waypoint case codes {seed}")
    taken_codes: set[str] = set(session.exec(select(col(Case.code))).all()) if existing else set()

    def fresh_code(year: int) -> str:
        code = new_code(year, code_rng)
        while code in taken_codes:
            code = new_code(year, code_rng)
        taken_codes.add(code)
        return code

    def shards() -> Iterator[Shard]:
        # Drawn in order as the window moves on: the codes and intake numbers of shard k
        # follow those of shard k - 1, as they did case by case.
        for index, first in enumerate(range(0, cases, BATCH)):
            days = opened[first : first + BATCH]
            numbers, codes = [], []
            for day in days:
                sequence[day.year] += 1
                numbers.append(sequence[day.year])
                codes.append(fresh_code(day.year))
            state = first_state if index == 0 else None
            yield Shard(index, state, first, days, codes, numbers)

    try:
        # The wrapped keys go to the key store (its own database) from a thread of their own
        # while the shards are written, and are all committed before this function returns:
        # before the caller commits the ciphertext that needs them. A crash between the two
        # leaves unused keys, never ciphertext without its key.
        with ThreadPoolExecutor(1, thread_name_prefix="waypoint-seed-keys") as keeper:
            stored: list[Future[None]] = []
            with closing(_drawn(plan, shards(), pool=pool, window=window)) as drawn:
                for shard in drawn:
                    stored.append(keeper.submit(vault.keystore.put_many, shard.keys))
                    writer.write(shard)
            for keys in stored:
                keys.result()  # a key store's error is raised here, and nothing is committed
        # Before the indexes are built again: a bulk update of an unindexed table.
        store_all(session, today=today, statistics=False)
        writer.finish()
    finally:
        writer.close()
    # After the keys and indexes are back: each referral's texts are sealed with its person's
    # key, found by the case (a scan of every person while their keys are dropped).
    seed_network(
        session,
        organisations=organisations,
        rng=random.Random(seed + 15),
        now=dt.datetime.combine(today, dt.time(12), dt.UTC),
    )
    refresh_statistics(session)
    record(
        session,
        actor=None,
        action=AuditAction.SEED,
        entity="database",
        detail=f"{cases} synthetic cases, seed {seed}",
    )
    session.flush()
    return SeedReport(cases=cases, rows=writer.counts)


@dataclass
class _Workers:
    """The processes drawing the shards, and the thread that lets them exit once the last
    shard is in (a worker takes about 0.25 s to exit: hidden behind the writes that follow)."""

    executor: ProcessPoolExecutor
    stopping: threading.Thread | None = None

    def stop_soon(self) -> None:
        """Nothing more to draw: let the workers exit in the background."""
        if self.stopping is None:
            self.stopping = threading.Thread(
                target=self.executor.shutdown, name="waypoint-seed-workers"
            )
            self.stopping.start()


@contextmanager
def _pool(workers: int) -> Iterator[_Workers | None]:
    """``workers`` spawned processes (none for 0), started at once so that they import
    ``seed_data.draw`` while the caller sets the seed up; shut down on the way out, whatever
    happens: shards not started are cancelled, and the workers waited for."""
    if workers <= 0:
        yield None
        return
    # Spawned, never forked: the caller may be a multi-threaded server.
    pool = _Workers(ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")))
    try:
        with _plain_main():
            for _ in range(workers):  # each submission starts one more process
                pool.executor.submit(ready)
        yield pool
    finally:
        if pool.stopping is not None:
            pool.stopping.join()
        else:
            pool.executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _plain_main() -> Iterator[None]:
    """An empty ``__main__`` while workers start. A spawned process first runs its parent's
    ``__main__`` again; in a Streamlit server or under AppTest that is the last page script
    run, which must not run in a worker (nor need it: the drawing lives in
    ``seed_data.draw``)."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved


def _drawn(
    plan: Plan, shards: Iterator[Shard], *, pool: _Workers | None, window: int
) -> Generator[Drawn, None, None]:
    """The shards' rows, in shard order: drawn here (no ``pool``), or by the pool's workers,
    at most ``window`` shards ahead of the caller so that memory stays flat. A worker's
    exception is raised here as it was raised there; closing the generator (the caller's
    error, or an early stop) cancels the shards not yet started. Once the last shard is
    drawn, the workers are let go."""
    if pool is None:
        for shard in shards:
            yield draw_shard(plan, shard)
        return
    pending: deque[Future[Drawn]] = deque()
    try:
        for shard in shards:
            pending.append(pool.executor.submit(draw_shard, plan, shard))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            drawn = pending.popleft().result()
            if not pending:
                pool.stop_soon()
            yield drawn
    finally:
        for future in pending:
            future.cancel()


def _pinned_caseworkers(
    session: Session, organisations: list[Organisation], cases: int
) -> dict[int, tuple[int, int]]:
    """The newest cases (by number), given to the demo caseworkers so that each has open
    cases to work on whatever the draw: case number -> (organisation index, user id)."""
    pinned: dict[int, tuple[int, int]] = {}
    slot = cases - 1
    for username, _, role, org_index in DEMO_ACCOUNTS:
        if role != Role.CASEWORKER or org_index is None:
            continue
        user = session.exec(select(User).where(col(User.username) == username)).one()
        for _ in range(3):
            if slot >= 0:
                pinned[slot] = (org_index, id_of(user))
                slot -= 1
    return pinned


def seed_demo_database(
    engine: sa.Engine, *, cases: int, random_seed: int, today: dt.date, password: str
) -> bool:
    """Seed an empty database with ``cases`` demo cases and publish its demo releases, in one
    transaction; ``False`` (nothing written) when the database already holds cases."""
    with session_scope(engine) as session:
        if session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one():
            return False
        seed(session, cases=cases, seed=random_seed, today=today, password=password)
        publish_demo_releases(session, today=today)
    return True
