"""The seeder's shards: a seed smaller than one shard writes what it always wrote, and a seed
of many shards writes the same rows however many worker processes draw them."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.database import make_engine
from models.identity import keystore
from models.identity.crypto import vault_for
from models.identity.keystore import KeyStore
from models.tables import Case, Person, User
from seed_data import draw, generator
from seed_data.generator import seed
from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_MASTER_KEY, _empty_pg, scratch_pg_database
from tests.seed_dump import digest

TODAY = dt.date(2026, 11, 23)
PASSWORD = "seed-test-password-long"

# ``digest`` of ``seed(cases=1000, seed=11, today=TODAY)`` into an empty database, recorded
# from the generator before it drew in shards (commit 3352e4b: 34e18ef0...), identical on
# SQLite and PostgreSQL. A seed under one shard must keep writing these rows. Recorded again
# when notes gained their organisation (migration 0016), the only change: the digests of
# both versions' dumps without that column are equal (a3a5af72...). Recorded again when
# needs and referral texts were sealed (migration 0017): the dump opens them, and with the
# sealed columns named as the clear ones were it gives the digest before (a47f5d57...).
SEED_11_X_1000 = "87f1cce8dbbb689d4a28b42c13597eda52ca0bd6223382fb74b71389beae5fa8"


def test_a_seed_under_one_shard_writes_the_rows_it_always_wrote(engine: sa.Engine) -> None:
    with Session(engine) as session:
        seed(session, cases=1000, seed=11, today=TODAY, password=PASSWORD)
        session.commit()
    with Session(engine) as session:
        assert digest(session) == SEED_11_X_1000


def _pooled_digest(engine: sa.Engine, *, workers: int, cases: int = 200) -> str:
    """The digest of a seed of ``cases`` (in shards of 50) drawn by ``workers`` processes,
    read inside the seed's transaction, which is then rolled back."""
    with Session(engine) as session:
        report = seed(
            session, cases=cases, seed=12, today=TODAY, password=PASSWORD, workers=workers
        )
        session.flush()
        assert report.rows["case_file"] == cases
        found = digest(session)
        session.rollback()
    if engine.dialect.name == "postgresql":
        _empty_pg(engine)  # sequences do not roll back: the next seed gets the same ids
    return found


def test_a_seed_of_many_shards_writes_the_same_rows_with_or_without_workers(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator, "BATCH", 50)
    inline = _pooled_digest(engine, workers=0)
    assert _pooled_digest(engine, workers=2) == inline
    assert _pooled_digest(engine, workers=1) == inline
    assert _pooled_digest(engine, workers=2) == inline  # and again, on a second run
    assert multiprocessing.active_children() == []


def test_workers_start_whatever_script_the_parent_runs_as_main(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A spawned worker first runs its parent's ``__main__`` again. Under AppTest or a
    Streamlit server that is the last page script, which fails outside a page run (here a
    script that raises): the pool still starts, and the seed is the same, with ``__main__``
    given back."""
    page = tmp_path / "page.py"
    page.write_text("raise RuntimeError('a page script must not run in a worker')\n")
    script = types.ModuleType("__main__")
    script.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", script)
    monkeypatch.setattr(generator, "BATCH", 50)
    engine = make_engine(sqlite_url)
    assert _pooled_digest(engine, workers=2) == _pooled_digest(engine, workers=0)
    assert sys.modules["__main__"] is script
    assert multiprocessing.active_children() == []
    engine.dispose()


def test_shards_after_the_first_draw_other_cases_than_one_big_shard(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shards k >= 1 have their own generators: the seed's data changes past the first
    shard (the price of drawing in parallel), not before it."""
    engine = make_engine(sqlite_url)
    one_shard = _pooled_digest(engine, workers=0)
    monkeypatch.setattr(generator, "BATCH", 50)
    assert _pooled_digest(engine, workers=0) != one_shard
    engine.dispose()


def test_a_failing_worker_raises_its_error_and_writes_nothing(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad input that only the drawing trips over: an organisation without caseworkers
    (the draw picks one of them by index). The worker's own exception reaches the caller,
    the workers are gone, and the rolled-back transaction leaves no case behind."""
    staff = generator._staff

    def without_caseworkers(*args: Any, **kwargs: Any) -> dict[int, list[User]]:
        found = staff(*args, **kwargs)
        return {org_id: [] for org_id in found}

    monkeypatch.setattr(generator, "BATCH", 50)
    monkeypatch.setattr(generator, "_staff", without_caseworkers)
    with Session(engine) as session:
        with pytest.raises(IndexError) as raised:
            seed(session, cases=200, seed=12, today=TODAY, password=PASSWORD, workers=2)
        session.rollback()
        cases = session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
    # Raised in a worker: the pool chains the worker's traceback to it.
    assert "in draw_shard" in str(raised.value.__cause__)
    assert cases == 0
    assert multiprocessing.active_children() == []


def test_every_key_is_in_the_key_store_when_the_seed_returns(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wrapped keys go to the key store from a thread while the shards are written; each
    write is slowed here, so a seed that returned before the thread was done would leave the
    last shards' people without a key. Every identity opens before the caller commits, and
    the workers, let go after the last shard, are gone."""
    monkeypatch.setattr(generator, "BATCH", 50)
    put_many = KeyStore.put_many

    def slow(store: KeyStore, items: Any) -> None:
        time.sleep(0.2)
        put_many(store, items)

    monkeypatch.setattr(KeyStore, "put_many", slow)
    with Session(engine) as session:
        seed(session, cases=200, seed=12, today=TODAY, password=PASSWORD, workers=2)
        people = session.execute(sa.select(Person.id, Person.key_id, Person.sealed)).all()
        opened = vault_for(session).open_identities(people)
        session.rollback()
    if engine.dialect.name == "postgresql":
        _empty_pg(engine)
    assert len(people) == 200
    assert sorted(opened) == sorted(person.id for person in people)
    assert multiprocessing.active_children() == []


def test_a_failing_key_store_raises_its_error_and_writes_nothing(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key store fails on the third shard: its error reaches the caller from the key
    thread, and the rolled-back transaction leaves no case behind."""
    monkeypatch.setattr(generator, "BATCH", 50)
    put_many, calls = KeyStore.put_many, []

    def failing(store: KeyStore, items: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("the key store is unreachable")
        put_many(store, items)

    monkeypatch.setattr(KeyStore, "put_many", failing)
    with Session(engine) as session:
        with pytest.raises(OSError, match="key store is unreachable"):
            seed(session, cases=200, seed=12, today=TODAY, password=PASSWORD, workers=2)
        session.rollback()
        cases = session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
    if engine.dialect.name == "postgresql":
        _empty_pg(engine)
    assert cases == 0
    assert multiprocessing.active_children() == []


def test_the_pool_stops_its_workers_when_the_caller_stops_early() -> None:
    """Closing the shards' generator midway (the caller's error) cancels what is pending and
    waits for the workers; nothing is left running."""
    plan = draw.Plan(
        seed=1,
        today=TODAY,
        sqlite=True,
        organisation_ids=[1, 2, 3],
        caseworker_ids=[[1], [2], [3]],
        pinned={},
        creator_id=None,
        city_weights={1: 1.0},
        first_case_id=1,
        first_person_id=1,
        master_keys=(TEST_MASTER_KEY.encode(),),
        blind_index_key=TEST_BLIND_INDEX_KEY.encode(),
    )
    state = random.Random(1).getstate()
    shards = (
        draw.Shard(k, state if k == 0 else None, k * 20, [TODAY] * 20, ["c"] * 20, [1] * 20)
        for k in range(10)
    )
    with generator._pool(2) as pool:
        drawn = generator._drawn(plan, shards, pool=pool, window=3)
        first = next(drawn)
        assert len(first.keys) == 20
        drawn.close()
    assert multiprocessing.active_children() == []


@pytest.fixture(params=["sqlite", "postgresql"])
def keystore_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty key store database of either kind (PostgreSQL: one of this test's own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'keys.db'}"
        return
    with scratch_pg_database("waypoint_keys_put") as url:
        yield url


def test_put_many_stores_every_key_with_an_aware_creation_time(keystore_url: str) -> None:
    store = KeyStore(keystore_url)
    try:
        keys = [(f"{n:032x}", bytes([n % 256]) * 40) for n in range(keystore.BATCH + 7)]
        before = dt.datetime.now(dt.UTC)
        store.put_many(keys)
        store.put_many([])
        assert store.count() == len(keys)
        assert store.get_many(k for k, _ in keys) == dict(keys)
        with store.engine.connect() as connection:
            created = connection.execute(
                sa.select(sa.func.min(keystore.data_key.c.created_at))
            ).scalar_one()
        if created.tzinfo is None:  # SQLite keeps the UTC time without its zone
            created = created.replace(tzinfo=dt.UTC)
        assert before - dt.timedelta(seconds=1) <= created <= dt.datetime.now(dt.UTC)
    finally:
        store.dispose()
