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

Cases are drawn in shards of ``BATCH`` cases, by worker processes when there are two shards or
more. This process draws, in sequence, what must run through every case in order: the intake
dates, the per-year intake numbers and the case codes (their own generator, unique against
the codes taken). Each shard then draws its cases on a generator of its own: shard 0 goes on
from the seed's generator where the intake dates left it, so a seed under one shard writes
exactly the rows it wrote before shards existed; shard k >= 1 starts from (seed, k). The rows
depend only on the seed and "today", never on how many processes draw them. Workers are
spawned (never forked: the caller may be a multi-threaded server), open no database: they get
the master keys (to wrap each person's fresh data key) and the blind-index key (for the name
tokens), and hand back compact rows, which this process writes in shard order while at most
one shard per worker is drawn ahead. A worker's error is raised here as it was there, and the
pool is shut down whatever happens, so a failed seed leaves no process and, its transaction
rolled back, no rows. Each shard's wrapped keys are committed to the key store before its
ciphertext is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import random
import sqlite3
from bisect import bisect
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import accumulate, chain
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from models.accounts import hash_password
from models.audit import record
from models.case_codes import ALPHABET, RANDOM_CHARS
from models.database import session_scope
from models.duplicates.setting import CROSS_ORG_MATCHING, set_setting
from models.enums import (
    AsylumStatus,
    AuditAction,
    CaseStatus,
    Category,
    DetentionOutcome,
    DetentionPlace,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    Outcome,
    PermitType,
    Role,
    Stage,
    Urgency,
)
from models.i18n import Language
from models.identity import keystore
from models.identity.blind_index import BlindIndex
from models.identity.crypto import (
    DataCipher,
    Identity,
    KeyMaker,
    seal_identity,
    seal_text,
    vault_for,
)
from models.releases.demo import publish_demo_releases
from models.stored import refresh_statistics, store_all
from models.tables import (
    Case,
    CaseNote,
    City,
    Detention,
    EmploymentNeed,
    HousingNeed,
    LegalStatus,
    Organisation,
    Person,
    PersonToken,
    StageChange,
    User,
    id_of,
    table_of,
)
from seed_data.names import synthetic_person
from seed_data.network import seed_network

SEED_DIR = Path(__file__).resolve().parent
CITIES_CSV = SEED_DIR / "cities.csv"
HISTORY_DAYS = 730
BATCH = 5000  # cases per shard
MIN_SHARDS_FOR_POOL = 2  # fewer: drawn in this process (starting workers costs ~1 s)
SQLITE_ROWS_PER_INSERT = 500
REBUILD_INDEXES_FROM = 10_000  # cases
SQLITE_CACHE_KIB = 256 * 1024  # while seeding; SQLite takes pages only as it needs them

ORGANISATIONS = [
    "Steppe Human Rights Bureau",
    "Open Door Legal Aid",
    "Harbour Shelter Network",
]
ORGANISATION_WEIGHTS = [45, 35, 20]

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

CATEGORY_WEIGHTS = {
    Category.JOURNALIST: 15,
    Category.ACTIVIST: 30,
    Category.DESERTER: 22,
    Category.MOBILISATION_EVADER: 26,
    Category.OTHER: 7,
}
WANTED_SHARE: dict[str, float] = {
    Category.JOURNALIST: 0.45,
    Category.ACTIVIST: 0.40,
    Category.DESERTER: 0.75,
    Category.MOBILISATION_EVADER: 0.35,
    Category.OTHER: 0.15,
}
# Russian Criminal Code articles with their maximum sentence in years.
CHARGES: dict[str, list[tuple[str, int]]] = {
    Category.JOURNALIST: [("207.3", 15), ("280.3", 7), ("284.1", 6)],
    Category.ACTIVIST: [("207.3", 15), ("280.3", 7), ("282.2", 10), ("280.4", 7)],
    Category.DESERTER: [("338", 15), ("337", 10), ("332", 3)],
    Category.MOBILISATION_EVADER: [("328", 2), ("339", 5)],
    Category.OTHER: [("282.2", 10), ("280", 5)],
}
DESTINATIONS = {"DE": 30, "FR": 18, "LT": 12, "NL": 10, "CA": 8, "PL": 7, "FI": 5, "US": 5, "CZ": 5}

# Probability of moving on from each stage, and the days it takes (low, high).
ADVANCE = {
    Stage.INTAKE: (0.97, 5, 30),
    Stage.NEEDS_ASSESSMENT: (0.92, 15, 60),
    Stage.DOCUMENTS: (0.80, 30, 180),
    Stage.VISA_APPLICATION: (0.65, 60, 300),
    Stage.VISA_GRANTED: (0.95, 10, 60),
    Stage.TRAVEL_ARRANGED: (0.98, 5, 30),
}
EXIT_OUTCOMES = {
    Outcome.SETTLED_LOCALLY: 35,
    Outcome.WITHDREW: 15,
    Outcome.LOST_CONTACT: 35,
    Outcome.DEPORTED: 6,
    Outcome.EXTRADITED: 2,
}
PERMITS = {
    PermitType.TEMPORARY_RESIDENCE: 40,
    PermitType.VISA_FREE: 22,
    PermitType.NONE: 12,
    PermitType.ASYLUM_PENDING: 10,
    PermitType.PERMANENT_RESIDENCE: 3,
    PermitType.REFUGEE_STATUS: 2,
    PermitType.OTHER: 11,
}
# Wanted people are the ones NGOs work hardest to keep legal: few have no permit at all,
# and fewer let one lapse.
PERMITS_WHEN_WANTED = {**PERMITS, PermitType.NONE: 1.5}
# Days from today to a permit's expiry (low, high): about one in six already past.
PERMIT_EXPIRY_DAYS = (-75, 365)
PERMIT_EXPIRY_DAYS_WHEN_WANTED = (-20, 365)
VISA_FREE_EXPIRY_DAYS = (-30, 90)
VISA_FREE_EXPIRY_DAYS_WHEN_WANTED = (-6, 90)
ASYLUM = {
    AsylumStatus.NOT_APPLIED: 70,
    AsylumStatus.PENDING: 14,
    AsylumStatus.REFUSED: 10,
    AsylumStatus.APPEAL: 4,
    AsylumStatus.GRANTED: 2,
}
DETENTION_PLACES = {
    DetentionPlace.DOCUMENT_CHECK: 50,
    DetentionPlace.AIRPORT: 25,
    DetentionPlace.BORDER: 10,
    DetentionPlace.HOME: 10,
    DetentionPlace.OTHER: 5,
}
HOUSING = {
    HousingSituation.STABLE: 22,
    HousingSituation.TEMPORARY: 40,
    HousingSituation.SHELTER: 15,
    HousingSituation.AT_RISK: 17,
    HousingSituation.HOMELESS: 6,
}
EMPLOYMENT = {
    EmploymentSituation.FORMAL: 8,
    EmploymentSituation.INFORMAL: 45,
    EmploymentSituation.REMOTE: 15,
    EmploymentSituation.UNEMPLOYED: 32,
}
NOTES_PER_CASE = {0: 30, 1: 35, 2: 25, 3: 10}
NOTE_TEMPLATES = [
    "Called to check in; no change since the last contact.",
    "Accompanied to the migration service; documents submitted.",
    "Needs help finding housing before the end of the month.",
    "Lawyer consulted about the extradition request.",
    "Referred to psychosocial support.",
    "Embassy appointment confirmed.",
    "Asked for help with translation of court documents.",
    "Reports being followed after a document check; advised on safety.",
    "Evidence file for the visa application is complete.",
    "Informal job found; income still unstable.",
]


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
) -> dict[int, list[User]]:
    """Demo accounts, and enough further caseworkers for the caseload; the caseworkers of
    each organisation, keyed by its id."""
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
    existing = {u.username: u for u in session.exec(select(User))}
    for username, display, role, org_index in wanted:
        if username in existing:
            continue
        user = User(
            username=username,
            display_name=display,
            role=role,
            organisation_id=organisations[org_index].id if org_index is not None else None,
            password_hash=password_hash,
            language=Language.EN,
        )
        session.add(user)
        existing[username] = user
    session.flush()
    caseworkers: dict[int, list[User]] = {org.id: [] for org in organisations if org.id}
    for user in existing.values():
        if user.role == Role.CASEWORKER and user.organisation_id in caseworkers:
            caseworkers[user.organisation_id].append(user)
    for users in caseworkers.values():
        users.sort(key=lambda u: u.username)
    return caseworkers


T = TypeVar("T")
Row = tuple[object, ...]


class _Choice(Generic[T]):
    """A weighted choice among fixed options: one random number and a binary search
    (``random.choices`` rebuilds its cumulative weights on every call)."""

    __slots__ = ("bounds", "options", "total")

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.options = list(weights)
        cumulative = list(accumulate(weights.values()))
        self.bounds = cumulative[:-1]
        self.total = cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.options[bisect(self.bounds, rng.random() * self.total)]


def _values(weights: Mapping[T, float]) -> _Choice[str]:
    """A choice among enum members that yields their plain string values, as stored."""
    return _Choice({str(member): weight for member, weight in weights.items()})


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` inclusive (cheaper than ``randint``)."""
    return low + int(rng.random() * (high - low + 1))


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in working hours on ``day``, as a naive UTC datetime."""
    return dt.datetime(
        day.year, day.month, day.day, 7 + int(rng.random() * 13), int(rng.random() * 60)
    )


# --- how values reach the driver ------------------------------------------------------------


@dataclass(frozen=True)
class _Encoding:
    """Converts dates and (naive UTC) timestamps into what the driver is handed."""

    day: Callable[[dt.date], object]
    moment: Callable[[dt.datetime], object]


def _sqlite_moment(moment: dt.datetime) -> str:
    # The text SQLAlchemy's SQLite DATETIME writes, read back as an aware UTC datetime.
    return moment.isoformat(" ", "microseconds")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)


def _unchanged(day: dt.date) -> dt.date:
    return day


SQLITE_ENCODING = _Encoding(day=dt.date.isoformat, moment=_sqlite_moment)
DRIVER_ENCODING = _Encoding(day=_unchanged, moment=_utc)


def _columns(model: type[SQLModel], *names: str) -> tuple[sa.Table, tuple[str, ...]]:
    table = table_of(model)
    assert set(names) <= set(table.columns.keys()), names
    return table, names


CASE_COLUMNS = _columns(
    Case,
    "id", "code", "intake_year", "intake_seq", "category", "city_id", "organisation_id",
    "caseworker_id", "stage", "destination_country", "status", "outcome", "opened_on",
    "closed_on", "created_at", "updated_at", "version", "stage_entered_at",
)  # fmt: skip
STAGE_CHANGE_COLUMNS = _columns(
    StageChange,
    "case_id", "from_stage", "to_stage", "changed_at", "changed_by_id", "stay_days",
)  # fmt: skip
PERSON_COLUMNS = _columns(
    Person,
    "id", "case_id", "key_id", "sealed",
)  # fmt: skip
PERSON_TOKEN_COLUMNS = _columns(
    PersonToken,
    "token", "person_id",
)  # fmt: skip
LEGAL_STATUS_COLUMNS = _columns(
    LegalStatus,
    "case_id", "permit_type", "permit_issued_on", "permit_expires_on", "extension_refused",
    "wanted", "charge_article", "charge_max_years", "dual_criminality", "extradition_status",
    "asylum_status", "passport_held", "passport_expires_on", "updated_at",
)  # fmt: skip
DETENTION_COLUMNS = _columns(
    Detention,
    "case_id", "detained_on", "place", "released_on", "outcome", "created_at",
)  # fmt: skip
HOUSING_COLUMNS = _columns(
    HousingNeed,
    "case_id", "situation", "need", "urgency", "met", "updated_on",
)  # fmt: skip
EMPLOYMENT_COLUMNS = _columns(
    EmploymentNeed,
    "case_id", "situation", "need", "urgency", "met", "updated_on",
)  # fmt: skip
NOTE_COLUMNS = _columns(
    CaseNote,
    "case_id", "author_id", "sealed_body", "created_at",
)  # fmt: skip
# In foreign-key order: cases first.
TARGETS = [
    CASE_COLUMNS,
    STAGE_CHANGE_COLUMNS,
    PERSON_COLUMNS,
    PERSON_TOKEN_COLUMNS,
    LEGAL_STATUS_COLUMNS,
    DETENTION_COLUMNS,
    HOUSING_COLUMNS,
    EMPLOYMENT_COLUMNS,
    NOTE_COLUMNS,
]


Rows = dict[sa.Table, list[Row]]


def _no_rows() -> Rows:
    # The wrapped data keys ride along under the key store's table; they go to the key store.
    return {table: [] for table in [*(table for table, _ in TARGETS), keystore.data_key]}


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
        if self.sqlite:
            # The whole seed is one transaction: keep its pages in memory rather than
            # spilling them to the write-ahead log while indexes grow.
            self.cache_size = self.driver.execute("PRAGMA cache_size").fetchone()[0]
            self.driver.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        self.dropped_indexes = self._drop_indexes() if rebuild_indexes else []
        self.dropped_foreign_keys = (
            self._drop_foreign_keys() if rebuild_indexes and not self.sqlite else []
        )

    def _drop_foreign_keys(self) -> list[str]:
        """PostgreSQL: drop the foreign keys of the tables written to, returning the statements
        that add them again. PostgreSQL checks a foreign key row by row (a trigger and a
        parent lookup per row and key); added again after the load, each is validated once,
        over all rows, by one join. Inside the transaction, so a rollback restores them."""
        names = [table.name for table, _ in TARGETS]
        found = self.connection.execute(
            sa.text(
                "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE c.contype = 'f' AND t.relname IN :names AND pg_table_is_visible(t.oid) "
                "ORDER BY t.relname, c.conname"
            ).bindparams(sa.bindparam("names", expanding=True)),
            {"names": names},
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

    def write(self, drawn: _Drawn) -> None:
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
        the dropped foreign keys again (each checks every row), and on PostgreSQL move the
        case and person id sequences past the ids given."""
        if self.dropped_indexes and not self.sqlite:
            # Sorts for the index builds in memory rather than in temporary files (this
            # transaction only).
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in self.dropped_indexes + self.dropped_foreign_keys:
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
        """Put the connection's page cache back as it was, whether seeding worked or not."""
        if self.sqlite:
            self.driver.execute(f"PRAGMA cache_size = {int(self.cache_size or 0)}")


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
    pool: ProcessPoolExecutor | None,
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
    plan = _Plan(
        seed=seed,
        today=today,
        sqlite=writer.sqlite,
        organisation_ids=[id_of(org) for org in organisations],
        caseworker_ids=[[id_of(user) for user in caseworkers[id_of(org)]] for org in organisations],
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
    taken_codes: set[str] = set(session.exec(select(col(Case.code))).all()) if existing else set()
    fresh_code = _CodeMaker(random.Random(f"waypoint case codes {seed}"), taken_codes)

    def shards() -> Iterator[_Shard]:
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
            yield _Shard(index, state, first, days, codes, numbers)

    try:
        with closing(_drawn(plan, shards(), pool=pool, window=window)) as drawn:
            for shard in drawn:
                # Committed before the ciphertext that needs them: a crash between the two
                # leaves unused keys, never ciphertext without its key.
                vault.keystore.put_many(shard.keys)
                writer.write(shard)
        seed_network(
            session,
            organisations=organisations,
            rng=random.Random(seed + 15),
            now=dt.datetime.combine(today, dt.time(12), dt.UTC),
        )
        # Before the indexes are built again: a bulk update of an unindexed table.
        store_all(session, today=today, statistics=False)
        writer.finish()
    finally:
        writer.close()
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


# --- drawing shards, here or in worker processes --------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What drawing any shard needs besides its own cases; sent to the workers as it is. No
    database connection, no key store: the master keys wrap the data keys, the blind-index
    key makes the tokens."""

    seed: int
    today: dt.date
    sqlite: bool  # SQLite's text for dates and timestamps, or the driver's objects
    organisation_ids: list[int]
    caseworker_ids: list[list[int]]  # by organisation index
    pinned: dict[int, tuple[int, int]]  # case number -> (organisation index, user id)
    creator_id: int | None
    city_weights: dict[int, float]
    first_case_id: int
    first_person_id: int
    master_keys: tuple[bytes, ...]
    blind_index_key: bytes


@dataclass(frozen=True)
class _Shard:
    """Up to ``BATCH`` consecutive cases (by number), with what the main process drew for
    them in sequence: intake dates, codes and intake numbers."""

    index: int
    rng_state: tuple[Any, ...] | None  # shard 0 only: the seed's generator after the dates
    first: int  # the number of its first case
    opened: list[dt.date]
    codes: list[str]
    numbers: list[int]


@dataclass(frozen=True)
class _Drawn:
    """A shard's rows, compact: the (key id, wrapped key) pairs, and for each of ``TARGETS``
    its rows: on SQLite flattened into one list of values (cheaper to pickle, and what the
    multi-row ``INSERT`` takes), on PostgreSQL as the bytes ``COPY`` reads."""

    keys: list[tuple[str, bytes]]
    tables: list[Any]  # list[object] (SQLite) or bytes (PostgreSQL), for each of TARGETS
    counts: list[int]  # rows, for each of TARGETS


class _Sealer:
    """Seals the people drawn in one process: data keys, blind index, the tokens of each
    spelling seen (synthetic names repeat)."""

    def __init__(self, master_keys: tuple[bytes, ...], blind_index_key: bytes) -> None:
        self.keys = KeyMaker(master_keys)
        self.index = BlindIndex(blind_index_key)
        self.tokens: dict[tuple[str, ...], tuple[bytes, ...]] = {}


@functools.lru_cache(maxsize=2)
def _sealer(master_keys: tuple[bytes, ...], blind_index_key: bytes) -> _Sealer:
    return _Sealer(master_keys, blind_index_key)


def _shard_rng(plan: _Plan, shard: _Shard) -> random.Random:
    """Shard 0 goes on from the seed's generator; each later shard has its own, from the seed
    and its index (a string seed: the same in every process and on every run)."""
    if shard.index == 0:
        assert shard.rng_state is not None, "shard 0 goes on from the seed's generator"
        rng = random.Random()
        rng.setstate(shard.rng_state)
        return rng
    return random.Random(f"waypoint seed {plan.seed} shard {shard.index}")


def _draw(plan: _Plan, shard: _Shard) -> _Drawn:
    """Draw one shard's cases (in a worker process, or inline: the same rows either way)."""
    rng = _shard_rng(plan, shard)
    maker = _CaseMaker(
        rng,
        SQLITE_ENCODING if plan.sqlite else DRIVER_ENCODING,
        today=plan.today,
        organisation_ids=plan.organisation_ids,
        caseworker_ids=plan.caseworker_ids,
        pinned=plan.pinned,
        creator_id=plan.creator_id,
        sealer=_sealer(plan.master_keys, plan.blind_index_key),
    )
    pick_city = _Choice(plan.city_weights)
    for offset, (opened_on, code, number) in enumerate(
        zip(shard.opened, shard.codes, shard.numbers, strict=True)
    ):
        case_number = shard.first + offset
        maker.case(
            case_id=plan.first_case_id + case_number,
            person_id=plan.first_person_id + case_number,
            number=case_number,
            opened_on=opened_on,
            code=code,
            seq=number,
            city_id=pick_city(rng),
        )
    rows = maker.take()
    # In primary-key order (token, person): the shard goes into the key's b-tree in one
    # sweep instead of at random places (the 824,000 tokens of 100,000 cases: 2.4-3.0 CPU s
    # on SQLite instead of 5.3-6.6).
    rows[PERSON_TOKEN_COLUMNS[0]].sort()
    keys = cast(list[tuple[str, bytes]], rows[keystore.data_key])
    tables = [rows[table] for table, _ in TARGETS]
    counts = [len(table_rows) for table_rows in tables]
    if plan.sqlite:
        return _Drawn(keys, [list(chain.from_iterable(t)) for t in tables], counts)
    return _Drawn(keys, [_copy_text(t) for t in tables], counts)


def _copy_text(rows: list[Row]) -> bytes:
    """``rows`` in the text format of PostgreSQL's ``COPY`` (what psycopg's ``write_row``
    sends; built here, in the worker, it costs the writing process nothing)."""
    text = _COPY_TEXT
    return "".join(
        ["\t".join([text[type(value)](value) for value in row]) + "\n" for row in rows]
    ).encode()


# Backslash, tab, newline and carriage return escaped, as COPY's text format wants them.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# How each type of value the drawing makes is written in COPY's text format.
_COPY_TEXT: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    str: lambda value: value.translate(_COPY_ESCAPES),
    bytes: lambda value: "\\\\x" + value.hex(),  # bytea's hex form, its backslash escaped
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,  # aware (UTC): with its offset
}


@contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """``workers`` spawned processes (none for 0), started at once so that they import this
    module while the caller sets the seed up; shut down on the way out, whatever happens:
    shards not started are cancelled, and the workers waited for."""
    if workers <= 0:
        yield None
        return
    # Spawned, never forked: the caller may be a multi-threaded server.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        for _ in range(workers):  # each submission starts one more process
            pool.submit(_ready)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ready() -> None:
    """Nothing: a worker that runs it has started and imported this module."""


def _drawn(
    plan: _Plan, shards: Iterator[_Shard], *, pool: ProcessPoolExecutor | None, window: int
) -> Generator[_Drawn, None, None]:
    """The shards' rows, in shard order: drawn here (no ``pool``), or by the pool's workers,
    at most ``window`` shards ahead of the caller so that memory stays flat. A worker's
    exception is raised here as it was raised there; closing the generator (the caller's
    error, or an early stop) cancels the shards not yet started."""
    if pool is None:
        for shard in shards:
            yield _draw(plan, shard)
        return
    pending: deque[Future[_Drawn]] = deque()
    try:
        for shard in shards:
            pending.append(pool.submit(_draw, plan, shard))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


class _CodeMaker:
    """Fresh case codes from ``rng``, unique against ``taken`` (and each other): exactly the
    codes of ``models.case_codes.new_code(year, rng)`` retried on a collision, at a third of
    its cost (100,000 codes: 1.0-1.7 s of the writing process's time, on its critical path)."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.random = rng.random
        self.taken = taken

    def __call__(self, year: int) -> str:
        random_, taken = self.random, self.taken
        digits = f"{year % 100:02d}"
        year_sum = int(digits[0]) + 2 * int(digits[1])  # the weights 1 and 2 of its digits
        while True:
            while True:
                # What rng.choices(ALPHABET, k=5) draws: floor(random() * 29), five times.
                a, b, c, d, e = [int(random_() * _SYMBOLS) for _ in range(RANDOM_CHARS)]
                if max(a, b, c, d, e) >= _DIGITS:  # not all digits: new_code's rule
                    break
            partial = year_sum + 3 * a + 4 * b + 5 * c + 6 * d + 7 * e
            check = ALPHABET[(-partial * _CHECK_INVERSE) % _SYMBOLS]
            code = f"WP-{digits}-{ALPHABET[a]}{ALPHABET[b]}{ALPHABET[c]}{ALPHABET[d]}{ALPHABET[e]}{check}"
            if code not in taken:
                taken.add(code)
                return code


_SYMBOLS = len(ALPHABET)  # 29, a prime
_DIGITS = sum(symbol.isdigit() for symbol in ALPHABET)  # the digits come first
assert ALPHABET[:_DIGITS].isdigit() and RANDOM_CHARS == 5, "what _CodeMaker assumes"
# The check character's weight is its position: after two year digits and five symbols.
_CHECK_INVERSE = pow(2 + RANDOM_CHARS + 1, -1, _SYMBOLS)


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


STAGES = list(Stage)
STAGE_VALUES = [str(stage) for stage in STAGES]
RELOCATED_AT = Stage.RELOCATED.position
VISA_APPLICATION_AT = Stage.VISA_APPLICATION.position
ADVANCE_AT = [ADVANCE[stage] for stage in STAGES[:-1]]
LONG_PERMITS = {PermitType.TEMPORARY_RESIDENCE, PermitType.OTHER, PermitType.ASYLUM_PENDING}
LASTING_PERMITS = {PermitType.PERMANENT_RESIDENCE, PermitType.REFUGEE_STATUS}
HOUSING_NEED = "Affordable rental or shelter place"
EMPLOYMENT_NEED = "Legal work or income support"


class _CaseMaker:
    """Draws one case at a time and collects its rows until they are taken."""

    def __init__(
        self,
        rng: random.Random,
        encoding: _Encoding,
        *,
        today: dt.date,
        organisation_ids: list[int],
        caseworker_ids: list[list[int]],
        pinned: dict[int, tuple[int, int]],
        creator_id: int | None,
        sealer: _Sealer,
    ) -> None:
        self.rng = rng
        self.sealer = sealer
        self.rows = _no_rows()
        self.day = encoding.day
        self.moment = encoding.moment
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(23, 59))
        self.organisation_ids = organisation_ids
        self.caseworker_ids = caseworker_ids
        self.pinned = pinned
        self.creator_id = creator_id
        self.category = _values(CATEGORY_WEIGHTS)
        self.organisation = _Choice(dict(enumerate(ORGANISATION_WEIGHTS)))
        self.exit = _values(EXIT_OUTCOMES)
        self.destination = _Choice(DESTINATIONS)
        self.permit = _values(PERMITS)
        self.permit_when_wanted = _values(PERMITS_WHEN_WANTED)
        self.asylum = _values(ASYLUM)
        self.detention_place = _values(DETENTION_PLACES)
        self.housing = _values(HOUSING)
        self.employment = _values(EMPLOYMENT)
        self.notes = _Choice(NOTES_PER_CASE)
        self.low_or_medium = {
            "housing": _values({Urgency.LOW: 40, Urgency.MEDIUM: 60}),
            "employment": _values({Urgency.LOW: 50, Urgency.MEDIUM: 50}),
        }

    def take(self) -> Rows:
        """The rows collected since the last call."""
        taken, self.rows = self.rows, _no_rows()
        return taken

    def case(
        self,
        *,
        case_id: int,
        person_id: int,
        number: int,
        opened_on: dt.date,
        code: str,
        seq: int,
        city_id: int,
    ) -> None:
        rng = self.rng
        category = self.category(rng)
        org_index = self.organisation(rng)
        # A few fresh intakes wait for a caseworker.
        staff = self.caseworker_ids[org_index]
        caseworker_id = None if rng.random() < 0.04 else staff[int(rng.random() * len(staff))]
        pinned = number in self.pinned
        if pinned:
            org_index, caseworker_id = self.pinned[number]

        history, outcome, closed_on = self._pipeline(category, opened_on, stays_open=pinned)
        stage = history[-1][1]
        last_activity = history[-1][2]
        if outcome is None:
            # Most open cases were touched recently; a share has gone quiet for weeks.
            quiet = _between(rng, 15, 90) if rng.random() < 0.18 else _between(rng, 0, 13)
            last_activity = max(
                last_activity, self.now - dt.timedelta(days=quiet, hours=_between(rng, 0, 12))
            )
        else:
            assert closed_on is not None, "a case with an outcome is closed"
            last_activity = max(last_activity, _at(rng, closed_on))

        day, moment = self.day, self.moment
        self.rows[CASE_COLUMNS[0]].append(
            (
                case_id,
                code,
                opened_on.year,
                seq,
                category,
                city_id,
                self.organisation_ids[org_index],
                caseworker_id,
                STAGE_VALUES[stage],
                self.destination(rng) if stage >= VISA_APPLICATION_AT else None,
                CaseStatus.OPEN.value if outcome is None else CaseStatus.CLOSED.value,
                outcome,
                day(opened_on),
                closed_on and day(closed_on),
                moment(history[0][2]),
                moment(last_activity),
                1,
                moment(history[-1][2]),
            )
        )
        changes = self.rows[STAGE_CHANGE_COLUMNS[0]]
        entered: dt.datetime | None = None
        for from_stage, to_stage, at in history:
            changes.append(
                (
                    case_id,
                    None if from_stage is None else STAGE_VALUES[from_stage],
                    STAGE_VALUES[to_stage],
                    moment(at),
                    self.creator_id,
                    None if entered is None else (at - entered).days,
                )
            )
            entered = at
        name = synthetic_person(rng)
        identity = Identity(
            *name,
            birth_year=_between(rng, 1965, 2004),
            contact=f"+7 70{_between(rng, 0, 9)} {_between(rng, 100, 999)} "
            f"{_between(rng, 10, 99)} {_between(rng, 10, 99)}",
        )
        # Sealed at once: the clear identity never reaches the driver (nor SQLite's pages).
        key = self.sealer.keys.new_key()
        self.rows[keystore.data_key].append((key.key_id, key.wrapped))
        self.rows[PERSON_COLUMNS[0]].append(
            (person_id, case_id, key.key_id, seal_identity(key.cipher, identity))
        )
        spellings = tuple(identity.spellings())
        tokens = self.sealer.tokens.get(spellings)
        if tokens is None:
            # Synthetic names repeat: their blind tokens are computed once per process.
            tokens = self.sealer.tokens[spellings] = tuple(self.sealer.index.of_text(*spellings))
        self.rows[PERSON_TOKEN_COLUMNS[0]].extend((token, person_id) for token in tokens)
        self._legal_status(case_id, category, opened_on)
        self._detention(case_id, category, opened_on, outcome, closed_on)
        self._needs(case_id, min(self.today, last_activity.date()))
        self._notes(
            case_id, opened_on, last_activity.date(), caseworker_id or self.creator_id, key.cipher
        )

    def _pipeline(
        self, category: str, opened_on: dt.date, *, stays_open: bool
    ) -> tuple[list[tuple[int | None, int, dt.datetime]], str | None, dt.date | None]:
        """Walk the pipeline from intake until today or an exit (unless the case
        ``stays_open``): the stage changes (from, to, when), the outcome and the day the
        case closed (``None`` while open)."""
        rng = self.rng
        entered = _at(rng, opened_on)
        history: list[tuple[int | None, int, dt.datetime]] = [(None, 0, entered)]
        stage = 0
        while True:
            if stage == RELOCATED_AT:
                return history, Outcome.RELOCATED.value, entered.date()
            chance, low, high = ADVANCE_AT[stage]
            moment = entered + dt.timedelta(
                days=_between(rng, low, high), minutes=_between(rng, 0, 600)
            )
            if moment > self.now or (stays_open and stage + 1 == RELOCATED_AT):
                return history, None, None
            if rng.random() < chance:
                history.append((stage, stage + 1, moment))
                stage, entered = stage + 1, moment
                continue
            if stays_open:
                return history, None, None
            outcome = self.exit(rng)
            if category == Category.DESERTER and outcome == Outcome.SETTLED_LOCALLY:
                outcome = Outcome.EXTRADITED.value if rng.random() < 0.06 else outcome
            return history, outcome, moment.date()

    def _legal_status(self, case_id: int, category: str, opened_on: dt.date) -> None:
        rng, today, day = self.rng, self.today, self.day
        wanted = rng.random() < WANTED_SHARE[category]
        permit = (self.permit_when_wanted if wanted else self.permit)(rng)
        issued = expires = None
        if permit in LONG_PERMITS:
            low, high = PERMIT_EXPIRY_DAYS_WHEN_WANTED if wanted else PERMIT_EXPIRY_DAYS
            expires = today + dt.timedelta(days=_between(rng, low, high))
            issued = min(max(opened_on, expires - dt.timedelta(days=365)), expires)
        elif permit == PermitType.VISA_FREE:
            low, high = VISA_FREE_EXPIRY_DAYS_WHEN_WANTED if wanted else VISA_FREE_EXPIRY_DAYS
            expires = today + dt.timedelta(days=_between(rng, low, high))
            issued = expires - dt.timedelta(days=90)
        elif permit in LASTING_PERMITS:
            issued = opened_on
            expires = issued + dt.timedelta(days=365 * 5)
        dual = category == Category.DESERTER or (
            category == Category.MOBILISATION_EVADER and rng.random() < 0.2
        )
        extradition = ExtraditionStatus.NONE.value
        if wanted:
            risk = 2.5 if dual else 1.0
            roll = rng.random()
            if roll < 0.006 * risk:
                extradition = ExtraditionStatus.ORDERED.value
            elif roll < 0.025 * risk:
                extradition = ExtraditionStatus.PROCEEDINGS.value
            elif roll < 0.14 * risk:
                extradition = ExtraditionStatus.REQUESTED.value
            elif roll < 0.18 * risk:
                extradition = ExtraditionStatus.REFUSED.value
        charges = CHARGES[category]
        article, years = charges[int(rng.random() * len(charges))] if wanted else (None, None)
        passport_held = rng.random() < 0.55
        self.rows[LEGAL_STATUS_COLUMNS[0]].append(
            (
                case_id,
                permit,
                issued and day(issued),
                expires and day(expires),
                bool(expires and rng.random() < 0.12),
                wanted,
                article,
                years,
                wanted and dual,
                extradition,
                self.asylum(rng),
                passport_held,
                day(today + dt.timedelta(days=_between(rng, -200, 3000)))
                if passport_held
                else None,
                self.moment(_at(rng, opened_on)),
            )
        )

    def _detention(
        self,
        case_id: int,
        category: str,
        opened_on: dt.date,
        outcome: str | None,
        closed_on: dt.date | None,
    ) -> None:
        rng, today = self.rng, self.today
        share = 0.14 if category == Category.DESERTER else 0.06
        forced_exit = outcome in (Outcome.DEPORTED, Outcome.EXTRADITED)
        if not forced_exit and rng.random() >= share:
            return
        end = closed_on or today
        detained_on = opened_on + dt.timedelta(
            days=_between(rng, 0, max(0, (end - opened_on).days))
        )
        place = self.detention_place(rng)
        released_on: dt.date | None
        if forced_exit:
            result = (
                DetentionOutcome.DEPORTED
                if outcome == Outcome.DEPORTED
                else DetentionOutcome.EXTRADITED
            )
            detained_on = max(opened_on, end - dt.timedelta(days=_between(rng, 2, 60)))
            released_on = closed_on
        elif rng.random() < 0.8:
            released_on = detained_on + dt.timedelta(days=_between(rng, 0, 3))
            result = DetentionOutcome.RELEASED
        else:
            released_on = detained_on + dt.timedelta(days=_between(rng, 20, 200))
            result = DetentionOutcome.RELEASED_ON_CONDITIONS
        if outcome is None and (today - detained_on).days < 14 and rng.random() < 0.5:
            released_on = None  # a recent arrest whose outcome is still open
        if (released_on is not None and released_on > today) or (
            released_on is None and not forced_exit
        ):
            released_on = None
            result = (
                DetentionOutcome.EXTRADITION_ARREST
                if category == Category.DESERTER
                else DetentionOutcome.PENDING
            )
        self.rows[DETENTION_COLUMNS[0]].append(
            (
                case_id,
                self.day(detained_on),
                place,
                released_on and self.day(released_on),
                result.value,
                self.moment(_at(rng, detained_on)),
            )
        )

    def _needs(self, case_id: int, updated_on: dt.date) -> None:
        rng = self.rng
        updated = self.day(updated_on)
        housing = self.housing(rng)
        stable = housing == HousingSituation.STABLE
        urgent = housing in (HousingSituation.HOMELESS, HousingSituation.AT_RISK)
        self.rows[HOUSING_COLUMNS[0]].append(
            (
                case_id,
                housing,
                None if stable else HOUSING_NEED,
                Urgency.HIGH.value if urgent else self.low_or_medium["housing"](rng),
                stable or rng.random() < 0.15,
                updated,
            )
        )
        work = self.employment(rng)
        formal = work == EmploymentSituation.FORMAL
        self.rows[EMPLOYMENT_COLUMNS[0]].append(
            (
                case_id,
                work,
                None if formal else EMPLOYMENT_NEED,
                Urgency.HIGH.value
                if work == EmploymentSituation.UNEMPLOYED
                else self.low_or_medium["employment"](rng),
                formal or rng.random() < 0.12,
                updated,
            )
        )

    def _notes(
        self,
        case_id: int,
        opened_on: dt.date,
        last_activity: dt.date,
        author_id: int | None,
        cipher: DataCipher,
    ) -> None:
        rng = self.rng
        span = max(0, (last_activity - opened_on).days)
        notes = self.rows[NOTE_COLUMNS[0]]
        for _ in range(self.notes(rng)):
            day = opened_on + dt.timedelta(days=_between(rng, 0, span))
            body = NOTE_TEMPLATES[int(rng.random() * len(NOTE_TEMPLATES))]
            sealed = seal_text(cipher, body)
            notes.append((case_id, author_id, sealed, self.moment(_at(rng, day))))


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
