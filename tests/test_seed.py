"""The demo-data generator: deterministic, faithful to DOMAIN.md, careful with real data.

The distributions are checked on one seeded database per backend, read back row by row and
counted in plain Python (never with the SQL the dashboards use).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import statistics
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from models.database import make_engine, upgrade
from models.enums import CaseStatus, Category, ExtraditionStatus, PermitType, Stage
from models.identity.store import case_cipher, open_sealed, read_identity
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
    StageChange,
    User,
)
from seed_data import generator
from seed_data.generator import DEMO_ACCOUNTS, ExistingCasesError, load_cities, seed
from tests.conftest import scratch_pg_database

TODAY = dt.date(2026, 11, 23)
PASSWORD = "seed-test-password-long"
SAMPLE = 4000
CYRILLIC = re.compile(r"^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$")
LATIN = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+$")

# Surrogate keys drawn from sequences (PostgreSQL does not roll sequences back), and the
# columns that hold them, are left out or replaced by names when rows are compared.
SURROGATE = {"id", "changed_by_id", "author_id", "caseworker_id", "organisation_id", "city_id"}


def _snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every seeded row, with users, organisations and cities by name instead of id."""
    users = {u.id: u.username for u in session.exec(select(User))}
    orgs = {o.id: o.name for o in session.exec(select(Organisation))}
    cities = {c.id: c.key for c in session.exec(select(City))}
    snapshot: dict[str, list[tuple[object, ...]]] = {}
    for model in (
        Case,
        StageChange,
        Person,
        LegalStatus,
        Detention,
        HousingNeed,
        EmploymentNeed,
        CaseNote,
    ):
        table = model.__table__  # type: ignore[attr-defined]
        rows = []
        for row in session.execute(sa.select(table)).mappings():
            kept = [(k, v) for k, v in _opened(session, model, row).items() if k not in SURROGATE]
            kept += [
                ("caseworker", users.get(row.get("caseworker_id"))),
                ("author", users.get(row.get("author_id"))),
                ("changed_by", users.get(row.get("changed_by_id"))),
                ("organisation", orgs.get(row.get("organisation_id"))),
                ("city", cities.get(row.get("city_id"))),
            ]
            if model is Case:
                kept.append(("id", row["id"]))  # given by the generator, not a sequence
            rows.append(tuple(sorted(kept, key=lambda item: item[0])))
        snapshot[table.name] = sorted(rows, key=repr)
    return snapshot


def _opened(session: Session, model: type, row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with its sealed identity, note or need opened (ciphertext differs on every run)."""
    if model is Person:
        identity = read_identity(session, case_id=row["case_id"])
        return {"case_id": row["case_id"], **asdict(identity)}  # type: ignore[call-overload]
    if not any(name.startswith("sealed") for name in row):
        return dict(row)
    cipher = case_cipher(session, case_id=row["case_id"])
    return {
        name: open_sealed(cipher, value) if name.startswith("sealed") else value
        for name, value in row.items()
    }


def _seeded_snapshot(engine: sa.Engine, *, seed_value: int, cases: int = 250):
    with Session(engine) as session:
        seed(session, cases=cases, seed=seed_value, today=TODAY, password=PASSWORD)
        session.flush()
        snapshot = _snapshot(session)
        session.rollback()
    return snapshot


def test_same_seed_and_today_write_identical_rows(engine: sa.Engine) -> None:
    first = _seeded_snapshot(engine, seed_value=5)
    second = _seeded_snapshot(engine, seed_value=5)
    assert len(first["case_file"]) == 250
    assert first == second


def test_sqlite_and_postgresql_receive_the_same_rows(
    database_url: str, sqlite_template: Path, tmp_path: Path
) -> None:
    other_path = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_path)
    engine, other = make_engine(database_url), make_engine(f"sqlite:///{other_path}")
    try:
        assert _seeded_snapshot(engine, seed_value=9) == _seeded_snapshot(other, seed_value=9)
    finally:
        engine.dispose()
        other.dispose()


def test_a_different_seed_writes_different_cases(engine: sa.Engine) -> None:
    first = _seeded_snapshot(engine, seed_value=5)
    second = _seeded_snapshot(engine, seed_value=6)
    assert first["case_file"] != second["case_file"]
    assert first["person"] != second["person"]


def test_seeding_refuses_a_database_that_holds_cases(session: Session) -> None:
    seed(session, cases=20, seed=1, today=TODAY, password=PASSWORD)
    session.commit()
    with pytest.raises(ExistingCasesError, match="already holds 20 cases"):
        seed(session, cases=20, seed=2, today=TODAY, password=PASSWORD)
    session.rollback()
    assert session.exec(select(sa.func.count()).select_from(Case)).one() == 20


def test_seeding_adds_to_existing_demo_cases_when_allowed(session: Session) -> None:
    seed(session, cases=30, seed=1, today=TODAY, password=PASSWORD)
    session.commit()
    report = seed(
        session, cases=30, seed=2, today=TODAY, password=PASSWORD, allow_existing_cases=True
    )
    session.commit()
    codes = list(session.exec(select(Case.code)))
    assert report.cases == 30
    assert len(codes) == len(set(codes)) == 60
    assert session.exec(select(sa.func.count()).select_from(Person)).one() == 60


def test_a_case_created_after_seeding_gets_a_fresh_id(session: Session) -> None:
    seed(session, cases=40, seed=1, today=TODAY, password=PASSWORD)
    session.commit()
    org = session.exec(select(Organisation)).first()
    assert org is not None
    case = Case(
        code="WP-26-9999",
        intake_year=2026,
        intake_seq=9999,
        category=Category.OTHER,
        organisation_id=org.id,
        opened_on=TODAY,
    )  # type: ignore[arg-type]
    session.add(case)
    session.commit()
    assert case.id == 41


def test_load_cities_adds_only_the_missing_ones(session: Session) -> None:
    first = load_cities(session)
    again = load_cities(session)
    assert [c.key for c in first] == [c.key for c in again]
    assert {"almaty", "astana"} <= {c.key for c in first}


# --- distributions, on one seeded database per backend ----------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """A database seeded with ``SAMPLE`` cases, kept for the module."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'seeded.db'}"
        else:
            # The session's PostgreSQL set-up names the key store (WAYPOINT_KEYSTORE_URL):
            # this fixture may run before any other PostgreSQL test of its xdist worker.
            request.getfixturevalue("pg_url")
            url = stack.enter_context(scratch_pg_database("waypoint_seed"))
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            seed(session, cases=SAMPLE, seed=3, today=TODAY, password=PASSWORD)
            session.commit()
        yield engine
        engine.dispose()


def _all(engine: sa.Engine, model: type[SQLModel]) -> list:  # type: ignore[type-arg]
    with Session(engine) as session:
        return list(session.exec(select(model)))


def test_timestamps_read_back_as_aware_utc_and_dates_as_dates(seeded: sa.Engine) -> None:
    cases = _all(seeded, Case)
    changes = _all(seeded, StageChange)
    assert all(c.updated_at.tzinfo is not None for c in cases)
    assert all(c.updated_at.utcoffset() == dt.timedelta(0) for c in cases)
    assert all(type(c.opened_on) is dt.date for c in cases)
    assert all(s.changed_at.tzinfo is not None for s in changes)
    assert all(c.category in Category for c in cases)


def test_timestamps_compare_correctly_in_sql(seeded: sa.Engine) -> None:
    """The stored text (on SQLite) must order like the instants it stands for."""
    cutoff = dt.datetime.combine(TODAY - dt.timedelta(days=14), dt.time(), dt.UTC)
    expected = sum(1 for c in _all(seeded, Case) if c.updated_at < cutoff)
    with Session(seeded) as session:
        counted = session.exec(
            select(sa.func.count()).select_from(Case).where(Case.updated_at < cutoff)
        ).one()
    assert counted == expected > 0


def test_most_cases_are_in_almaty_and_astana(seeded: sa.Engine) -> None:
    cities = {c.id: c.key for c in _all(seeded, City)}
    counts = Counter(cities[c.city_id] for c in _all(seeded, Case))
    top_two = {key for key, _ in counts.most_common(2)}
    assert top_two == {"almaty", "astana"}
    assert counts["almaty"] + counts["astana"] > SAMPLE / 2


def test_deserters_are_wanted_more_often_and_face_extradition_more(seeded: sa.Engine) -> None:
    category = {c.id: c.category for c in _all(seeded, Case)}
    wanted: Counter[bool] = Counter()
    extradition: Counter[bool] = Counter()
    size: Counter[bool] = Counter()
    threatened = {
        ExtraditionStatus.REQUESTED,
        ExtraditionStatus.PROCEEDINGS,
        ExtraditionStatus.ORDERED,
    }
    for legal in _all(seeded, LegalStatus):
        deserter = category[legal.case_id] == Category.DESERTER
        size[deserter] += 1
        wanted[deserter] += legal.wanted
        extradition[deserter] += legal.extradition_status in threatened
    assert wanted[True] / size[True] > 1.5 * wanted[False] / size[False]
    assert extradition[True] / size[True] > 2 * extradition[False] / size[False]


def test_permits_expire_across_the_coming_year_with_some_expired(seeded: sa.Engine) -> None:
    expiries = [
        legal.permit_expires_on
        for legal in _all(seeded, LegalStatus)
        if legal.permit_type in (PermitType.TEMPORARY_RESIDENCE, PermitType.OTHER)
    ]
    expired = [day for day in expiries if day < TODAY]
    coming_months = {
        (day.year, day.month) for day in expiries if TODAY <= day < TODAY + dt.timedelta(days=365)
    }
    assert 0.05 < len(expired) / len(expiries) < 0.3
    assert len(coming_months) >= 12


def test_detentions_are_rare_and_mostly_short(seeded: sa.Engine) -> None:
    detentions = _all(seeded, Detention)
    detained_cases = {d.case_id for d in detentions}
    ended = [(d.released_on - d.detained_on).days for d in detentions if d.released_on is not None]
    assert len(detained_cases) < 0.15 * SAMPLE
    assert statistics.median(ended) <= 3


def test_each_later_stage_is_reached_by_fewer_cases(seeded: sa.Engine) -> None:
    reached: dict[Stage, set[int]] = {stage: set() for stage in Stage}
    for change in _all(seeded, StageChange):
        reached[change.to_stage].add(change.case_id)
    counts = [len(reached[stage]) for stage in Stage]
    assert counts[0] == SAMPLE
    assert all(later < earlier for earlier, later in zip(counts, counts[1:], strict=False))
    assert counts[-1] > 0


def test_stage_history_reaches_back_about_two_years(seeded: sa.Engine) -> None:
    moments = [change.changed_at.date() for change in _all(seeded, StageChange)]
    assert TODAY - dt.timedelta(days=740) <= min(moments) <= TODAY - dt.timedelta(days=700)
    assert max(moments) <= TODAY


def test_housing_and_employment_needs_are_mostly_unmet(seeded: sa.Engine) -> None:
    for model in (HousingNeed, EmploymentNeed):
        needs = _all(seeded, model)
        assert len(needs) == SAMPLE
        assert sum(need.met for need in needs) / len(needs) < 0.4


def test_names_are_in_cyrillic_with_latin_spellings(seeded: sa.Engine) -> None:
    with Session(seeded) as session:
        people = [read_identity(session, case_id=p.case_id) for p in session.exec(select(Person))]
    assert len(people) == SAMPLE
    assert all(CYRILLIC.match(p.name_cyrillic) for p in people)
    assert all(LATIN.match(p.name_latin) for p in people)
    assert all(p.full_name == p.name_cyrillic for p in people)
    assert any(p.other_spellings for p in people)


def test_a_few_per_cent_of_open_cases_are_critical(seeded: sa.Engine) -> None:
    """The critical rules of models/risk.py, evaluated here in Python."""
    legal = {row.case_id: row for row in _all(seeded, LegalStatus)}
    detained_now = {d.case_id for d in _all(seeded, Detention) if d.released_on is None}
    open_cases = [c for c in _all(seeded, Case) if c.status == CaseStatus.OPEN]

    def critical(case: Case) -> bool:
        status = legal[case.id]  # type: ignore[index]
        lapsed = status.permit_type == PermitType.NONE or (
            status.permit_expires_on is not None and status.permit_expires_on < TODAY
        )
        return (
            case.id in detained_now
            or status.extradition_status
            in (ExtraditionStatus.PROCEEDINGS, ExtraditionStatus.ORDERED)
            or (status.wanted and lapsed)
        )

    share = sum(critical(case) for case in open_cases) / len(open_cases)
    assert 0.04 <= share <= 0.09


def test_the_demo_accounts_exist_and_caseworkers_have_open_cases(seeded: sa.Engine) -> None:
    users = {u.username: u for u in _all(seeded, User)}
    assert {username for username, *_ in DEMO_ACCOUNTS} <= set(users)
    open_by_caseworker = Counter(
        c.caseworker_id for c in _all(seeded, Case) if c.status == CaseStatus.OPEN
    )
    assert open_by_caseworker[users["caseworker"].id] > 0
    assert open_by_caseworker[users["caseworker2"].id] > 0
    assert users["caseworker"].organisation_id != users["caseworker2"].organisation_id


def test_the_smallest_seed_still_gives_the_demo_caseworkers_open_cases(
    session: Session,
) -> None:
    seed(session, cases=8, seed=4, today=TODAY, password=PASSWORD)
    session.flush()
    for username in ("caseworker", "caseworker2"):
        user = session.exec(select(User).where(User.username == username)).one()
        mine = session.exec(
            select(Case).where(Case.caseworker_id == user.id, Case.status == CaseStatus.OPEN)
        ).all()
        assert mine


def test_seeding_leaves_the_sqlite_connection_and_its_indexes_as_they_were(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        indexes_before = set(
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
            ).scalars()
        )
    with Session(engine) as session:
        before = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
        seed(session, cases=50, seed=1, today=TODAY, password=PASSWORD)
        after = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
        session.commit()
    with engine.connect() as connection:
        indexes_after = set(
            connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
            ).scalars()
        )
    engine.dispose()
    assert after == before
    assert indexes_after == indexes_before


def test_a_large_seed_into_an_empty_sqlite_database_rebuilds_every_index(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator, "REBUILD_INDEXES_FROM", 10)
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        before = sorted(
            connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            ).all()
        )
    with Session(engine) as session:
        threads = session.connection().exec_driver_sql("PRAGMA threads").scalar()
        seed(session, cases=40, seed=1, today=TODAY, password=PASSWORD)
        # The index builds' helper threads are the seed's only: put back on the connection.
        assert session.connection().exec_driver_sql("PRAGMA threads").scalar() == threads
        session.commit()
    with engine.connect() as connection:
        after = sorted(
            connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            ).all()
        )
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM case_file WHERE updated_at > '2026-01-01'"
        ).all()
    engine.dispose()
    assert after == before
    assert "ix_case_file_updated_at" in str(plan)


_PG_SCHEMA = """
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT 'constraint ' || contype::text || CASE WHEN convalidated THEN ' validated' ELSE '' END,
       conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
"""


def test_a_large_seed_into_an_empty_postgresql_database_restores_indexes_and_foreign_keys(
    empty_pg_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(generator, "REBUILD_INDEXES_FROM", 10)
    monkeypatch.setenv("WAYPOINT_KEYSTORE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    engine = make_engine(empty_pg_url)
    with engine.connect() as connection:
        before = sorted(connection.exec_driver_sql(_PG_SCHEMA).all())
    with Session(engine) as session:
        seed(session, cases=40, seed=1, today=TODAY, password=PASSWORD)
        session.commit()
    with engine.connect() as connection:
        after = sorted(connection.exec_driver_sql(_PG_SCHEMA).all())
        orphans = connection.exec_driver_sql(
            "SELECT count(*) FROM stage_change s LEFT JOIN case_file c ON c.id = s.case_id "
            "WHERE c.id IS NULL"
        ).scalar()
        cases = connection.exec_driver_sql("SELECT count(*) FROM case_file").scalar()
    engine.dispose()
    assert after == before
    assert any("FOREIGN KEY (case_id) REFERENCES case_file" in row[2] for row in after)
    assert (
        "constraint p validated",
        "person_token_pkey",
        "PRIMARY KEY (token, person_id)",
    ) in after
    assert (cases, orphans) == (40, 0)
