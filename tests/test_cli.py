"""The ``waypoint`` command on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.accounts import check_password
from models.database import current_revision, head_revision, make_engine, upgrade
from models.network import ReferralState
from models.network.tables import Referral
from models.tables import AuditEvent, Case, User, utcnow
from tests.factories import make_case, make_organisation
from tests.network_factories import make_referral
from waypoint_cli.main import main

KEY = "k" * 48
SEED_PASSWORD = "tundra-lantern-quiver-47"


@pytest.fixture(autouse=True)
def _configured(monkeypatch):
    monkeypatch.setenv("WAYPOINT_COOKIE_KEY", KEY)
    monkeypatch.setenv("WAYPOINT_DEMO_PASSWORD", SEED_PASSWORD)


def test_db_upgrade_creates_the_schema_of_an_empty_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["--database-url", url, "db", "upgrade"]) == 0
    assert current_revision(make_engine(url)) == head_revision()
    assert "empty ->" in capsys.readouterr().out


def test_seed_refuses_a_database_without_schema(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["--database-url", url, "seed", "--cases", "5"]) == 2
    assert "waypoint db upgrade" in capsys.readouterr().err


def test_seed_writes_cases_then_refuses_to_mix_with_existing_ones(database_url, capsys):
    assert main(["--database-url", database_url, "seed", "--cases", "40", "--seed", "3"]) == 0
    assert main(["--database-url", database_url, "seed", "--cases", "40"]) == 2
    assert "already holds 40 cases" in capsys.readouterr().err
    assert (
        main(["--database-url", database_url, "seed", "--cases", "10", "--allow-existing-cases"])
        == 0
    )
    with make_engine(database_url).connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 50
        codes = connection.execute(sa.select(Case.code)).scalars().all()
    assert len(set(codes)) == 50


def test_seed_vacuums_the_loaded_tables_on_postgresql(empty_pg_url, capsys):
    """A seed leaves PostgreSQL's big tables vacuumed (their visibility maps set), so that its
    first queries can answer from indexes alone instead of waiting for autovacuum."""
    upgrade(make_engine(empty_pg_url))
    assert main(["--database-url", empty_pg_url, "seed", "--cases", "30", "--seed", "2"]) == 0
    with make_engine(empty_pg_url).connect() as connection:
        vacuumed = dict(
            connection.execute(
                sa.text(
                    "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname IN "
                    "('case_file', 'legal_status', 'person', 'person_token', 'stage_change')"
                )
            ).all()
        )
    assert len(vacuumed) == 5 and all(count >= 1 for count in vacuumed.values()), vacuumed


def _admin_password_hash(url: str) -> str | None:
    with make_engine(url).connect() as connection:
        return connection.execute(
            sa.select(User.password_hash).where(User.username == "admin")
        ).scalar_one_or_none()


@pytest.mark.parametrize(
    "password",
    [None, "waypoint-demo", "password1234", "waypoint demo password", "Demo-Server-2026!x"],
)
def test_seed_refuses_a_configured_database_without_a_strong_password_of_its_own(
    database_url, monkeypatch, capsys, password
):
    if password is None:
        monkeypatch.delenv("WAYPOINT_DEMO_PASSWORD")
    else:
        monkeypatch.setenv("WAYPOINT_DEMO_PASSWORD", password)
    assert main(["--database-url", database_url, "seed", "--cases", "5"]) == 2
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
    assert main(["seed", "--cases", "5"]) == 2
    for error in capsys.readouterr().err.splitlines():
        assert "WAYPOINT_DEMO_PASSWORD" in error and "nothing was written" in error
    with make_engine(database_url).connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 0
        assert connection.execute(sa.select(sa.func.count()).select_from(User)).scalar() == 0


def test_seed_gives_the_accounts_of_a_configured_database_the_password_set(database_url):
    assert main(["--database-url", database_url, "seed", "--cases", "5"]) == 0
    password_hash = _admin_password_hash(database_url)
    assert password_hash is not None and check_password(SEED_PASSWORD, password_hash)


def test_seed_without_any_database_configured_fills_the_demo_file_with_the_demo_password(
    tmp_path, monkeypatch
):
    demo_file = tmp_path / "var" / "waypoint.db"
    demo_file.parent.mkdir()
    monkeypatch.setattr("models.settings.DEMO_DATABASE_PATH", demo_file)
    monkeypatch.delenv("WAYPOINT_DATABASE_URL", raising=False)
    monkeypatch.delenv("WAYPOINT_DEMO_PASSWORD")
    assert main(["db", "upgrade"]) == 0
    assert main(["seed", "--cases", "5"]) == 0
    password_hash = _admin_password_hash(f"sqlite:///{demo_file}")
    assert password_hash is not None and check_password("waypoint-demo", password_hash)


def test_create_user_prompts_for_the_password_and_refuses_a_weak_one(
    sqlite_url, monkeypatch, capsys
):
    main(["--database-url", sqlite_url, "create-organisation", "Bureau"])
    answers = iter(["password1234", "password1234"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code = main(
        [
            "--database-url",
            sqlite_url,
            "create-user",
            "--username",
            "anna",
            "--name",
            "Anna",
            "--role",
            "coordinator",
            "--organisation",
            "Bureau",
        ]
    )
    assert code == 2 and "nothing was created" in capsys.readouterr().err
    answers = iter(["mauve tram seventeen", "mauve tram seventeen"])
    code = main(
        [
            "--database-url",
            sqlite_url,
            "create-user",
            "--username",
            "anna",
            "--name",
            "Anna",
            "--role",
            "coordinator",
            "--organisation",
            "Bureau",
        ]
    )
    assert code == 0
    with make_engine(sqlite_url).connect() as connection:
        assert connection.execute(sa.select(User.username, User.role)).all() == [
            ("anna", "coordinator")
        ]


def test_unreachable_database_is_reported_plainly(capsys):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert main(["--database-url", url, "db", "current"]) == 2
    assert "Cannot reach the database" in capsys.readouterr().err


def test_refresh_moves_the_stored_risk_to_the_given_day(database_url, capsys):
    assert (
        main(["--database-url", database_url, "seed", "--cases", "60", "--today", "2026-11-23"])
        == 0
    )
    assert main(["--database-url", database_url, "refresh", "--today", "2027-01-10"]) == 0
    assert "Stored risk levels are for 2027-01-10" in capsys.readouterr().out
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT as_of FROM risk_refresh")).scalar_one() in (
            "2027-01-10",
            dt.date(2027, 1, 10),
        )
    assert main(["--database-url", database_url, "refresh", "--today", "2027-01-10"]) == 0
    assert ": 0 cases recomputed" in capsys.readouterr().out


def test_refresh_records_referrals_past_their_answer_deadline_as_expired(database_url, capsys):
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        sender, receiver = make_organisation(session), make_organisation(session)
        case = make_case(session, organisation=sender)
        overdue = make_referral(
            session, case=case, to=receiver, sent_at=utcnow() - dt.timedelta(days=8)
        )
        waiting = make_referral(session, case=case, to=receiver)
        session.commit()
        overdue_id, waiting_id = overdue.id, waiting.id
    assert main(["--database-url", database_url, "refresh"]) == 0
    assert "recorded as expired: 1" in capsys.readouterr().out
    with Session(engine) as session:
        assert session.get(Referral, overdue_id).state == ReferralState.EXPIRED
        assert session.get(Referral, waiting_id).state == ReferralState.PENDING
        assert session.exec(
            select(AuditEvent.detail).where(AuditEvent.entity == "referral")
        ).all() == ["pending->expired"]
    engine.dispose()


def test_create_organisation_refuses_markup_as_the_admin_page_does(sqlite_url, capsys):
    name = "Fresh ![y](http://host.example/q.png)"
    assert main(["--database-url", sqlite_url, "create-organisation", name]) == 2
    assert "name:" in capsys.readouterr().err
    with make_engine(sqlite_url).connect() as connection:
        names = connection.execute(sa.text("SELECT name FROM organisation")).scalars().all()
    assert name not in names
