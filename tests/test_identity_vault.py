"""The identity vault: keys from the configuration, names normalised for the blind index,
nothing in clear on disk after seeding, master-key rotation, retention and the commands."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session, select

from models.database import make_engine
from models.enums import AuditAction, CaseStatus, Outcome, PurgeReason, Role
from models.identity import keys as key_config
from models.identity.backup import backup, rotate_master_key
from models.identity.blind_index import BlindIndex, blind_tokens, candidate_people
from models.identity.crypto import reset
from models.identity.names import name_tokens
from models.identity.purge import purge_case
from models.identity.retention import (
    add_months,
    apply_retention,
    identities_due,
    retention_overview,
)
from models.identity.store import read_identity
from models.settings import ConfigurationError
from models.tables import AuditEvent, Case, CaseNote, Organisation, Person, User
from seed_data import generator
from seed_data.draw import NOTE_TEMPLATES
from seed_data.generator import seed
from tests.factories import actor_of, make_case, make_organisation, make_user
from waypoint_cli.main import main

TODAY = dt.date(2026, 11, 23)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Алексей Смирнов", "Smirnov Aleksey"),
        ("Алексей Смирнов", "Alexei Smirnov"),
        ("Мария Иванова", "Mariia Ivanova"),
        ("Юлия Щербакова", "Yuliya Shcherbakova"),
        ("Пётр Фёдоров", "Petr Fedorov"),
        ("Михаил Хабибуллин", "Mikhail Khabibullin"),
        ("Әлия Нұрланова", "Aliya Nurlanova"),
    ],
)
def test_official_and_common_spellings_share_every_word(one, other):
    assert name_tokens(one) == name_tokens(other)


def test_different_names_share_no_token():
    assert not name_tokens("Мария Иванова") & name_tokens("Ольга Петрова")


# --- configuration -----------------------------------------------------------------------


def test_outside_demo_mode_missing_keys_stop_with_what_to_set(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    secrets = tmp_path / "none.toml"
    with pytest.raises(ConfigurationError, match="WAYPOINT_MASTER_KEYS"):
        key_config.load_vault_config(url, demo_mode=False, environ={}, secrets_path=secrets)
    env = {"WAYPOINT_MASTER_KEYS": Fernet.generate_key().decode()}
    with pytest.raises(ConfigurationError, match="WAYPOINT_BLIND_INDEX_KEY"):
        key_config.load_vault_config(url, demo_mode=False, environ=env, secrets_path=secrets)
    env["WAYPOINT_BLIND_INDEX_KEY"] = "changeme"
    with pytest.raises(ConfigurationError, match="WAYPOINT_BLIND_INDEX_KEY"):
        key_config.load_vault_config(url, demo_mode=False, environ=env, secrets_path=secrets)
    env["WAYPOINT_BLIND_INDEX_KEY"] = "b" * 40
    pg = "postgresql+psycopg://waypoint@db/waypoint"
    with pytest.raises(ConfigurationError, match="WAYPOINT_KEYSTORE_URL"):
        key_config.load_vault_config(pg, demo_mode=False, environ=env, secrets_path=secrets)
    config = key_config.load_vault_config(url, demo_mode=False, environ=env, secrets_path=secrets)
    assert config.keystore_url == f"sqlite:///{tmp_path / 'w-keys.db'}"


def test_secrets_file_provides_the_keys(tmp_path):
    master = Fernet.generate_key().decode()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[waypoint]\nmaster_keys = "{master}"\nblind_index_key = "{"k" * 40}"\n'
        'keystore_url = "sqlite:////srv/keys/keys.db"\n'
    )
    config = key_config.load_vault_config(
        "postgresql+psycopg://db/w", demo_mode=False, environ={}, secrets_path=secrets
    )
    assert config.master_keys == (master.encode(),)
    assert config.keystore_url == "sqlite:////srv/keys/keys.db"


def test_demo_mode_generates_keys_readable_by_the_owner_only(tmp_path, monkeypatch):
    monkeypatch.setattr(key_config, "DEMO_MASTER_KEY_PATH", tmp_path / "var" / "master.key")
    monkeypatch.setattr(key_config, "DEMO_BLIND_KEY_PATH", tmp_path / "var" / "blind.key")
    url = f"sqlite:///{tmp_path / 'var' / 'waypoint.db'}"
    first = key_config.load_vault_config(
        url, demo_mode=True, environ={}, secrets_path=tmp_path / "x"
    )
    again = key_config.load_vault_config(
        url, demo_mode=True, environ={}, secrets_path=tmp_path / "x"
    )
    assert first == again
    for path in (tmp_path / "var" / "master.key", tmp_path / "var" / "blind.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- nothing in clear on disk ------------------------------------------------------------


def test_no_seeded_name_contact_or_note_is_in_clear_in_the_file_its_wal_or_a_backup(
    sqlite_url, tmp_path, monkeypatch
):
    # Drawn by worker processes (three shards, two workers): every identity they sealed
    # opens with the key they wrapped, as the key store holds it.
    monkeypatch.setattr(generator, "BATCH", 100)
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        seed(
            session,
            cases=300,
            seed=3,
            today=TODAY,
            password="seed-test-password-long",
            workers=2,
        )
        session.commit()
        people = [read_identity(session, case_id=c) for c in session.exec(select(Person.case_id))]
    database = Path(sa.engine.make_url(sqlite_url).database or "")
    files = [database, Path(f"{database}-wal"), database.with_name("waypoint-keys.db")]
    # Read before the backup, which checkpoints: the log still holds the seeded pages here.
    blobs = {path.name: path.read_bytes() for path in files}
    assert len(blobs[f"{database.name}-wal"]) > 100_000
    saved = tmp_path / "seeded.backup"
    backup(engine, saved)
    blobs[saved.name] = saved.read_bytes()
    assert len(people) == 300 and all(p is not None for p in people)
    needles = set()
    for person in people:
        assert person is not None
        needles |= {s.encode() for s in person.spellings()}
        needles |= {person.full_name.split()[0].encode(), (person.contact or "").encode()}
    needles |= {template.encode() for template in NOTE_TEMPLATES}
    found = [(name, n.decode()) for name, blob in blobs.items() for n in needles if n in blob]
    assert found == []
    engine.dispose()


# --- master-key rotation -----------------------------------------------------------------


def test_after_rotation_the_new_master_key_alone_opens_every_identity(session, engine, monkeypatch):
    org = make_organisation(session)
    case = make_case(session, organisation=org, full_name="Ротация Ключей")
    session.commit()
    old = os.environ["WAYPOINT_MASTER_KEYS"]
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("WAYPOINT_MASTER_KEYS", f"{new},{old}")
    reset()
    assert rotate_master_key(engine) == 1
    monkeypatch.setenv("WAYPOINT_MASTER_KEYS", new)
    reset()
    person = read_identity(session, case_id=case.id)
    assert person is not None and person.full_name == "Ротация Ключей"
    monkeypatch.setenv("WAYPOINT_MASTER_KEYS", old)
    reset()
    with pytest.raises(InvalidToken):
        read_identity(session, case_id=case.id)
    rotated = session.exec(
        select(AuditEvent).where(AuditEvent.action == AuditAction.KEYS_ROTATED)
    ).one()
    assert rotated.detail == "1 data keys re-wrapped"


# --- rebuilding the name index under a new blind-index key ------------------------------


def test_reindex_puts_the_name_index_under_the_new_key_and_drops_the_old_tokens(
    session, engine, database_url, monkeypatch, capsys
):
    """After the blind-index key is replaced, ``waypoint keys reindex`` gives each readable
    person exactly the tokens a fresh index under the new key computes (search and duplicate
    blocking), none under the old key, none for a purged person; it is audited."""
    org = make_organisation(session)
    kept = make_case(session, organisation=org, full_name="Смирнов Алексей Петрович")
    other = make_case(session, organisation=org, full_name="Иванова Мария")
    gone = make_case(session, organisation=org, full_name="Удалённая Персона")
    session.commit()
    purge_case(
        session, actor=None, code=gone.code, confirmation=gone.code, reason=PurgeReason.PERSON_ASKED
    )
    session.commit()
    people = {p.case_id: p.id for p in session.exec(select(Person)).all()}
    assert gone.id not in people
    old_index = BlindIndex(os.environ["WAYPOINT_BLIND_INDEX_KEY"].encode())
    new_key = "a-new-blind-index-key-" + "z" * 40
    monkeypatch.setenv("WAYPOINT_BLIND_INDEX_KEY", new_key)
    reset()
    with Session(engine) as session:  # under the new key, before the rebuild: nothing found
        assert candidate_people(session, blind_tokens(session, "Смирнов")) == []

    assert main(["--database-url", database_url, "keys", "reindex"]) == 0
    assert "name index of 2 people" in capsys.readouterr().out

    new_index = BlindIndex(new_key.encode())
    spellings = {
        kept.id: ["Смирнов Алексей Петрович", f"Test Person {kept.intake_seq}"],
        other.id: ["Иванова Мария", f"Test Person {other.intake_seq}"],
    }
    with Session(engine) as session:
        stored: dict[int, set[bytes]] = {}
        for person_id, token in session.execute(
            sa.text("SELECT person_id, token FROM person_token")
        ):
            stored.setdefault(person_id, set()).add(bytes(token))
        assert stored == {
            people[case_id]: new_index.of_text(*texts) for case_id, texts in spellings.items()
        }
        everything = set().union(*stored.values())
        assert not everything & old_index.of_text(*spellings[kept.id], *spellings[other.id])
        found = candidate_people(session, blind_tokens(session, "Smirnov Aleksei"))
        assert [c.case_id for c in found] == [kept.id]
        audit = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.KEYS_ROTATED, AuditEvent.entity == "name_index"
            )
        ).one()
        assert audit.detail == "name index rebuilt for 2 people under the current blind-index key"


# --- retention ---------------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 12) == dt.date(2026, 11, 15)


def test_identities_of_cases_closed_long_enough_ago_are_purged(session, engine):
    org, patient = make_organisation(session), make_organisation(session)
    patient.identity_retention_months = 36
    old = dt.date(2025, 3, 1)  # closed 30 days later, 2025-03-31: due 2026-03-31
    due = make_case(session, organisation=org, opened_on=old, outcome=Outcome.WITHDREW)
    recent = make_case(
        session, organisation=org, opened_on=dt.date(2026, 9, 1), outcome=Outcome.WITHDREW
    )
    still_open = make_case(session, organisation=org, opened_on=old)
    kept_longer = make_case(session, organisation=patient, opened_on=old, outcome=Outcome.WITHDREW)
    session.commit()
    assert [d.case_code for d in identities_due(session, today=TODAY)] == [due.code]
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=patient)
    session.commit()
    assert identities_due(session, today=TODAY, actor=actor_of(coordinator)) == []
    assert apply_retention(engine, today=TODAY) == [due.code]
    session.expire_all()
    assert read_identity(session, case_id=due.id) is None
    for kept in (recent, still_open, kept_longer):
        assert read_identity(session, case_id=kept.id) is not None
    [event] = session.exec(
        select(AuditEvent).where(AuditEvent.action == AuditAction.RETENTION_PURGE)
    ).all()
    assert event.username is None and event.detail == "retention"


# --- commands ----------------------------------------------------------------------------


def test_purge_command_needs_yes_and_then_destroys_the_identity(database_url, capsys):
    engine = make_engine(database_url)
    with Session(engine) as session:
        case = make_case(session, organisation=make_organisation(session), full_name="Кли Ент")
        session.commit()
        code, case_id = case.code, case.id
    argv = ["--database-url", database_url, "purge", code, "--reason", "person_asked"]
    assert main(argv) == 2
    assert "--yes" in capsys.readouterr().err
    assert main([*argv, "--yes"]) == 0
    assert f"Purged the identity of {code}" in capsys.readouterr().out
    with Session(engine) as session:
        assert read_identity(session, case_id=case_id) is None
        assert session.exec(select(CaseNote)).all() == []
    assert main([*argv, "--yes"]) == 2
    assert "already purged" in capsys.readouterr().err
    engine.dispose()


def test_retention_dry_run_lists_and_apply_purges(database_url, capsys):
    engine = make_engine(database_url)
    with Session(engine) as session:
        org = make_organisation(session)
        case = make_case(
            session,
            organisation=org,
            opened_on=dt.date(2024, 1, 10),
            outcome=Outcome.SETTLED_LOCALLY,
        )
        session.commit()
        code = case.code
    base = ["--database-url", database_url, "retention"]
    assert main([*base, "--dry-run"]) == 0
    assert code in capsys.readouterr().out
    assert main([*base, "--apply"]) == 0
    assert "Purged 1 identities" in capsys.readouterr().out
    assert main([*base, "--dry-run"]) == 0
    assert "0 identities due" in capsys.readouterr().out
    engine.dispose()


def test_backup_and_restore_commands_round_trip(sqlite_url, tmp_path, capsys):
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        case = make_case(session, organisation=make_organisation(session), full_name="Бэк Ап")
        session.commit()
        case_id = case.id
    saved = tmp_path / "copy.backup"
    assert main(["--database-url", sqlite_url, "backup", str(saved)]) == 0
    assert main(["--database-url", sqlite_url, "backup", str(saved)]) == 2  # never overwrites
    assert main(["--database-url", sqlite_url, "restore", str(saved)]) == 0
    assert "Purges re-applied: 0 identities" in capsys.readouterr().out
    with Session(engine) as session:
        person = read_identity(session, case_id=case_id)
        assert person is not None and person.full_name == "Бэк Ап"
        actions = set(session.exec(select(AuditEvent.action)).all())
    assert {AuditAction.BACKUP, AuditAction.RESTORE} <= actions
    engine.dispose()


def test_backup_of_a_postgresql_database_points_at_pg_dump(database_url, capsys):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    assert main(["--database-url", database_url, "backup", "/tmp/never.backup"]) == 2
    assert "pg_dump" in capsys.readouterr().err


def test_keys_generate_prints_a_usable_master_key(capsys):
    assert main(["keys", "generate"]) == 0
    Fernet(capsys.readouterr().out.strip().encode())


# --- migration of an existing database ---------------------------------------------------


def test_upgrading_a_database_with_clear_identities_seals_them_and_downgrade_opens_them(
    tmp_path, monkeypatch
):
    from models.database import upgrade
    from models.identity.store import case_cipher, open_notes

    monkeypatch.delenv("WAYPOINT_KEYSTORE_URL", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO organisation (name, active, created_at) VALUES ('O', 1, '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO case_file (code, intake_year, intake_seq, category, organisation_id,"
            " stage, status, opened_on, created_at, updated_at, version) VALUES"
            " ('WP-25-0001', 2025, 1, 'activist', 1, 'intake', 'open', '2025-01-02',"
            " '2025-01-02', '2025-01-02', 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO person (case_id, full_name, name_latin, birth_year, contact) VALUES"
            " (1, 'Старая Запись', 'Staraia Zapis', 1990, '+7 700 000 00 01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO case_note (case_id, body, created_at) VALUES (1, 'Старая заметка', '2025-01-03')"
        )
    upgrade(engine)
    with Session(engine) as session:
        person = read_identity(session, case_id=1)
        assert person is not None
        assert (person.full_name, person.birth_year) == ("Старая Запись", 1990)
        [sealed] = session.exec(select(CaseNote.sealed_body)).all()
        assert open_notes(case_cipher(session, case_id=1), [sealed]) == ["Старая заметка"]
        # The names went into the blind index: another spelling finds the person.
        found = candidate_people(session, blind_tokens(session, "Zapis Staraya"), min_shared=2)
    assert [(c.case_id, c.shared) for c in found] == [(1, 2)]
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert "Старая".encode() not in (tmp_path / "old.db").read_bytes()
    from alembic import command

    from models.database import alembic_config

    # Only the vault's own downgrade: 0005 now follows 0007 in the chain.
    command.downgrade(alembic_config(engine), "0007")
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT full_name, contact FROM person").one()
        note = connection.exec_driver_sql("SELECT body FROM case_note").scalar_one()
    assert tuple(row) == ("Старая Запись", "+7 700 000 00 01") and note == "Старая заметка"
    engine.dispose()


@pytest.mark.parametrize("months", [1, 2, 6, 12, 13, 24])
def test_the_last_closing_day_due_is_the_latest_day_whose_retention_has_ended(months):
    """Checked day by day, month ends and leap years included, against the definition."""
    from models.identity.retention import last_closing_day_due

    start = dt.date(2023, 1, 1)
    for offset in range(0, 3 * 366, 1):
        limit = start + dt.timedelta(days=offset)
        candidates = [
            limit - dt.timedelta(days=back) for back in range(months * 31 - 40, months * 31 + 5)
        ]
        latest = max(day for day in candidates if add_months(day, months) <= limit)
        assert last_closing_day_due(limit, months) == latest, (limit, months)


def _seed_with_two_retention_periods(session) -> None:  # type: ignore[no-untyped-def]
    seed(session, cases=300, seed=3, today=TODAY, password="seed-test-password-long")
    short = session.exec(select(Organisation)).first()
    assert short is not None
    short.identity_retention_months = 1  # organisations with different periods
    session.add(short)
    session.flush()


def _due_by_the_rule(session, limit: dt.date) -> list[tuple[dt.date, str]]:  # type: ignore[no-untyped-def]
    """(due day, code) of every closed case with an identity due by ``limit``, by the rule
    applied in Python to every closed case."""
    rows = session.execute(
        sa.select(Case.code, Case.closed_on, Organisation.identity_retention_months)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .join(Person, Person.case_id == Case.id)
        .where(Case.status == CaseStatus.CLOSED)
    ).all()
    return sorted(
        (add_months(closed, months), code)
        for code, closed, months in rows
        if add_months(closed, months) <= limit
    )


def test_identities_due_match_the_rule_applied_to_every_closed_case(session):
    _seed_with_two_retention_periods(session)
    for within in (0, 30, 400):
        expected = _due_by_the_rule(session, TODAY + dt.timedelta(days=within))
        found = identities_due(session, today=TODAY, within_days=within)
        assert [(d.due_on, d.case_code) for d in found] == expected
        assert expected or within < 400


@pytest.mark.parametrize("shown", [1, 7, 1000])
def test_the_retention_overview_counts_and_lists_the_soonest_as_the_rule_does(session, shown):
    """The admin page's summary: its counts, and its first ``shown`` rows (ties on a due day
    broken by the code, across organisations with different periods), against the rule
    applied to every closed case in Python."""
    _seed_with_two_retention_periods(session)
    admin = session.exec(select(User).where(User.username == "admin")).one()
    for within in (0, 30, 400):
        due = _due_by_the_rule(session, TODAY + dt.timedelta(days=within))
        now = [d for d in due if d[0] <= TODAY]
        overview = retention_overview(
            session, today=TODAY, actor=actor_of(admin), within_days=within, shown=shown
        )
        assert (overview.due_now, overview.due_soon) == (len(now), len(due) - len(now))
        assert [(d.due_on, d.case_code) for d in overview.soonest] == due[:shown]
