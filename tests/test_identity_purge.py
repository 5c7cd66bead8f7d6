"""Urgent purge: after it, the person cannot be read back from the live database, its
write-ahead log, a copy of the file taken before and put back after, or a restored backup.
On SQLite and PostgreSQL (the file-level checks are SQLite's)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models import case_queries as q
from models.access import PermissionDenied
from models.audit import record
from models.cases import NeedInput, add_note, update_housing_need
from models.enums import AuditAction, HousingSituation, PurgeReason, Role, Urgency
from models.errors import ValidationError
from models.identity.backup import backup, restore
from models.identity.crypto import KeyDestroyed, reset, vault_for
from models.identity.purge import CaseNotFound, purge_now, reapply_purges
from models.identity.store import read_identity
from models.tables import (
    AuditEvent,
    Case,
    CaseNote,
    Person,
    PersonToken,
    PurgeLedger,
)
from tests.factories import actor_of, make_case, make_organisation, make_user
from tests.network_factories import make_referral

SECRET = "Секретова Златослава"
SECRET_LATIN = "Sekretova Zlatoslava"
NOTE = "Живёт у Златославы на Абая 15"
# Free text about her in a need and a referral: sealed like the note, never stored in clear.
NEED = "Ночует на вокзале Алматы-2, телефон +7 701 555 1234"
REASON = "Жураевой нужен юрист: запрос об экстрадиции"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def world(session):
    return build_world(session)


def build_world(session: Session) -> dict:  # type: ignore[type-arg]
    org, other = make_organisation(session), make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    worker = make_user(session, role=Role.CASEWORKER, organisation=org)
    case = make_case(session, organisation=org, caseworker=worker, full_name=SECRET)
    bystander = make_case(session, organisation=org, full_name="Другая Персона")
    session.commit()
    add_note(session, actor=actor_of(worker), case_id=case.id, body=NOTE)
    session.commit()
    session.refresh(case)
    need = NeedInput(HousingSituation.HOMELESS, NEED, Urgency.HIGH, False)
    update_housing_need(session, actor=actor_of(worker), case_id=case.id,
                        expected_version=case.version, data=need, today=TODAY)  # fmt: skip
    make_referral(session, case=case, to=other, reason=REASON)
    session.commit()
    return {
        "org": org,
        "other": other,
        "coordinator": actor_of(coordinator),
        "worker": actor_of(worker),
        "case": case,
        "bystander": bystander,
    }


def _search(session: Session, actor, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = q.case_list(
        session, actor=actor, today=TODAY, filters=q.CaseListFilters(status=None, search=text)
    )
    return list(page.rows["code"])


def _purge(engine, world, **changes):  # type: ignore[no-untyped-def]
    values = {
        "actor": world["coordinator"],
        "code": world["case"].code,
        "confirmation": world["case"].code,
        "reason": PurgeReason.IMMEDIATE_DANGER,
    }
    return purge_now(engine, **{**values, **changes})


def _counts(session: Session, case_id: int) -> tuple[int, int, int]:
    person_ids = select(Person.id).where(Person.case_id == case_id)
    return (
        len(session.exec(select(Person).where(Person.case_id == case_id)).all()),
        len(session.exec(select(PersonToken).where(PersonToken.person_id.in_(person_ids))).all()),  # type: ignore[attr-defined]
        len(session.exec(select(CaseNote).where(CaseNote.case_id == case_id)).all()),
    )


def _files(url: str) -> list[Path]:
    path = Path(sa.engine.make_url(url).database or "")
    keys = path.with_name(path.stem + "-keys.db")
    return [p for p in (path, Path(f"{path}-wal"), keys, Path(f"{keys}-wal")) if p.exists()]


def _secret_bytes(sealed: bytes, wrapped: bytes) -> list[bytes]:
    """What must not survive: the name and note in clear, and the ciphertexts and key."""
    return [
        SECRET.encode(),
        "Златослав".encode(),
        NOTE.encode(),
        NEED.encode(),
        REASON.encode(),
        sealed,
        wrapped,
    ]


def test_the_person_is_gone_from_the_live_database_and_the_case_facts_stay(session, engine, world):
    case, coordinator = world["case"], world["coordinator"]
    assert _search(session, coordinator, "Zlatoslava") == [case.code]
    key_id = session.exec(select(Person.key_id).where(Person.case_id == case.id)).one()
    result = _purge(engine, world)
    session.expire_all()
    assert result.case_code == case.code and not result.whole_case
    assert read_identity(session, case_id=case.id) is None
    assert _counts(session, case.id) == (0, 0, 0)
    with pytest.raises(KeyDestroyed):
        vault_for(session).cipher(key_id)
    assert _search(session, coordinator, SECRET) == []
    assert _search(session, coordinator, "Zlatoslava") == []
    # The free texts about her stay as ciphertext nobody can open: the page shows none.
    detail = q.case_detail(session, actor=coordinator, code=case.code, today=TODAY)
    assert detail is not None and detail.housing is not None
    assert detail.housing.situation == HousingSituation.HOMELESS and detail.housing.need is None
    # The facts stay for the aggregates; the other person is untouched.
    assert session.get(Case, case.id) is not None
    bystander = read_identity(session, case_id=world["bystander"].id)
    assert bystander is not None and bystander.full_name == "Другая Персона"
    [tombstone] = session.exec(select(PurgeLedger)).all()
    assert (tombstone.case_code, tombstone.reason) == (case.code, PurgeReason.IMMEDIATE_DANGER)
    [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.PURGE)).all()
    assert audit.username == coordinator.username and audit.detail == "immediate_danger"
    assert "Злато" not in f"{audit.fields}{audit.detail}{audit.entity_id}"


def test_a_whole_case_purge_deletes_the_case_and_keeps_the_tombstone(session, engine, world):
    case_id, code = world["case"].id, world["case"].code
    _purge(engine, world, whole_case=True)
    session.expunge_all()
    assert session.get(Case, case_id) is None
    assert _counts(session, case_id) == (0, 0, 0)
    [tombstone] = session.exec(select(PurgeLedger)).all()
    assert tombstone.whole_case and tombstone.case_code == code


def test_purge_refuses_caseworkers_other_organisations_and_a_wrong_code(session, engine, world):
    with pytest.raises(PermissionDenied):
        _purge(engine, world, actor=world["worker"])
    outsider = make_user(session, role=Role.COORDINATOR, organisation=world["other"])
    session.commit()
    with pytest.raises(CaseNotFound):
        _purge(engine, world, actor=actor_of(outsider))
    with pytest.raises(ValidationError):
        _purge(engine, world, confirmation="WP-00-0000")
    session.expire_all()
    assert read_identity(session, case_id=world["case"].id) is not None
    assert session.exec(select(PurgeLedger)).all() == []


def test_admins_of_any_organisation_may_purge(session, engine, world):
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    _purge(engine, world, actor=actor_of(admin), reason=PurgeReason.PERSON_ASKED)
    session.expire_all()
    assert read_identity(session, case_id=world["case"].id) is None


def test_purge_lists_the_exports_that_included_the_case(session, engine, world):
    record(
        session,
        actor=world["coordinator"],
        action=AuditAction.EXPORT,
        entity="audit_event",
        case_id=None,
    )
    session.commit()
    result = _purge(engine, world)
    assert [(e.username, e.entity) for e in result.exports] == [
        (world["coordinator"].username, "audit_event")
    ]


def test_a_restored_dump_is_purged_again_before_use(session, engine, world):
    """What a pg_dump/pg_restore (or any restored copy) brings back: the rows as they were."""
    case = world["case"]
    person = session.exec(select(Person).where(Person.case_id == case.id)).one()
    saved_person = person.model_dump()
    saved_tokens = [
        t.model_dump()
        for t in session.exec(select(PersonToken).where(PersonToken.person_id == person.id))
    ]
    saved_notes = [
        n.model_dump() for n in session.exec(select(CaseNote).where(CaseNote.case_id == case.id))
    ]
    _purge(engine, world)
    with Session(engine) as restoring:
        restoring.add(Person(**saved_person))
        restoring.flush()
        restoring.add_all([PersonToken(**t) for t in saved_tokens])
        restoring.add_all([CaseNote(**n) for n in saved_notes])
        restoring.execute(sa.delete(PurgeLedger))  # an older dump has no tombstone either
        restoring.commit()
    session.expire_all()
    # Back in the table, and still unreadable: its key is gone.
    assert _counts(session, case.id)[0] == 1
    assert read_identity(session, case_id=case.id) is None
    done = reapply_purges(engine)
    session.expire_all()
    assert done.identities == 1
    assert _counts(session, case.id) == (0, 0, 0)
    assert _search(session, world["coordinator"], "Zlatoslava") == []
    assert read_identity(session, case_id=world["bystander"].id) is not None


# --- SQLite files ------------------------------------------------------------------------


@pytest.fixture
def sqlite_world(sqlite_url):  # type: ignore[no-untyped-def]
    from models.database import make_engine

    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        found = build_world(session)
        person = session.exec(select(Person).where(Person.case_id == found["case"].id)).one()
        sealed = bytes(person.sealed)
        wrapped = vault_for(session).keystore.get(person.key_id)
    assert wrapped is not None
    yield {**found, "url": sqlite_url, "engine": engine, "secrets": _secret_bytes(sealed, wrapped)}
    engine.dispose()


def _leaks(url: str, secrets: list[bytes]) -> list[str]:
    return [
        f"{path.name}:{secrets.index(s)}"
        for path in _files(url)
        for s in secrets
        if s in path.read_bytes()
    ]


def test_sqlite_file_wal_and_key_store_keep_no_trace_after_a_purge(sqlite_world):
    url, secrets, engine = sqlite_world["url"], sqlite_world["secrets"], sqlite_world["engine"]
    # Before: the name and note never were in clear; the ciphertext and wrapped key are.
    assert _leaks(url, secrets[:5]) == []
    assert _leaks(url, secrets[5:]) != []
    _purge(engine, sqlite_world)
    assert _leaks(url, secrets) == []


def test_a_copy_taken_before_the_purge_and_put_back_cannot_be_read(sqlite_world, tmp_path):
    url, engine = sqlite_world["url"], sqlite_world["engine"]
    database = Path(sa.engine.make_url(url).database or "")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    _purge(engine, sqlite_world)
    engine.dispose()
    reset()
    shutil.copy(copy, database)
    case_id = sqlite_world["case"].id
    with Session(engine) as session:
        # The ciphertext is back, but its key is not: nothing can open it.
        assert _counts(session, case_id)[0] == 1
        assert read_identity(session, case_id=case_id) is None
    reapply_purges(engine)
    with Session(engine) as session:
        assert _counts(session, case_id) == (0, 0, 0)
        assert _search(session, sqlite_world["coordinator"], "Zlatoslava") == []
    assert _leaks(url, sqlite_world["secrets"]) == []


def test_a_backup_restored_with_waypoint_restore_stays_purged(sqlite_world, tmp_path):
    engine = sqlite_world["engine"]
    saved = tmp_path / "before-purge.backup"
    backup(engine, saved)
    _purge(engine, sqlite_world)
    done = restore(engine, saved)
    assert done.reapplied.identities == 1
    case_id = sqlite_world["case"].id
    with Session(engine) as session:
        assert _counts(session, case_id) == (0, 0, 0)
        assert session.get(Case, case_id) is not None
        [tombstone] = session.exec(select(PurgeLedger)).all()
        assert tombstone.case_code == sqlite_world["case"].code
        assert read_identity(session, case_id=sqlite_world["bystander"].id) is not None
    assert _leaks(sqlite_world["url"], sqlite_world["secrets"]) == []
    # The backup file itself still holds the ciphertext, useless without the destroyed key.
    assert SECRET.encode() not in saved.read_bytes()


def test_the_dashboard_purges_a_copied_back_file_again_before_serving_it(
    sqlite_world, tmp_path, configure_app
):
    from dashboard import runtime

    url, engine = sqlite_world["url"], sqlite_world["engine"]
    database = Path(sa.engine.make_url(url).database or "")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.db"
    shutil.copy(database, copy)
    _purge(engine, sqlite_world)
    engine.dispose()
    shutil.copy(copy, database)
    configure_app(url)
    served = runtime.engine()
    with Session(served) as session:
        assert _counts(session, sqlite_world["case"].id) == (0, 0, 0)
        assert _search(session, sqlite_world["coordinator"], "Zlatoslava") == []
    runtime.engine.clear()
    served.dispose()


@pytest.fixture(scope="session")
def pg_keystore_url() -> Iterator[str]:
    """A PostgreSQL database of this test process for a key store of its own. Created once and
    dropped at the end: ``DROP DATABASE`` waits for a checkpoint, which on a busy server took
    90 s inside the test."""
    from tests.conftest import scratch_pg_database

    with scratch_pg_database("waypoint_keys") as url:
        yield url


def test_a_key_store_in_its_own_postgresql_database_forgets_the_purged_key(
    database_url, monkeypatch, request
):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from models.database import make_engine
    from models.identity.keystore import KeyStore

    keys_url = request.getfixturevalue("pg_keystore_url")
    keys = sa.create_engine(keys_url)
    with keys.begin() as connection:  # no key left by an earlier test of this process
        connection.exec_driver_sql("DROP TABLE IF EXISTS data_key, destroyed_key")
    keys.dispose()
    monkeypatch.setenv("WAYPOINT_KEYSTORE_URL", keys_url)
    reset()
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            found = build_world(session)
            key_id = session.exec(
                select(Person.key_id).where(Person.case_id == found["case"].id)
            ).one()
        store = KeyStore(keys_url)
        assert store.get(key_id) is not None
        _purge(engine, found)
        assert store.get(key_id) is None
        assert [d.key_id for d in store.destroyed()] == [key_id]
        store.dispose()
    finally:
        reset()
        engine.dispose()
