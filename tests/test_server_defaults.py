"""Safe by default on a server: loopback only, no external-IP lookup, private database files,
dependency floors past published advisories, and a README that names every demo account."""

from __future__ import annotations

import datetime as dt
import re
import stat
import tomllib
from pathlib import Path

import sqlalchemy as sa
from packaging.requirements import Requirement
from packaging.version import Version
from sqlmodel import Session, select

from models.database import make_engine, upgrade
from models.tables import User
from seed_data.generator import seed

ROOT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_server_listens_on_loopback_and_never_looks_up_its_external_ip():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    # Unset, Streamlit asks checkip.amazonaws.com for the server's address at every start.
    assert config["browser"]["serverAddress"]


def test_the_readme_start_command_does_not_open_all_interfaces():
    readme = (ROOT / "README.md").read_text()
    assert "0.0.0.0" not in readme
    assert "--server.address 127.0.0.1" in readme or "server.address" in readme


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path):
    folder = tmp_path / "var"
    path = folder / "waypoint.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE probe (x INTEGER)"))
        connection.execute(sa.text("INSERT INTO probe VALUES (1)"))
        files = [p for p in folder.iterdir()]
        assert {p.name for p in files} >= {"waypoint.db", "waypoint.db-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(folder) == 0o700
    engine.dispose()


def test_an_existing_database_readable_by_others_is_narrowed(tmp_path):
    path = tmp_path / "old.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600


# The advisory each floor answers; the README names the same ones.
ADVISORY_FLOORS = {"streamlit": ("1.54.0", "GHSA-7p48-42j8-8846")}


def test_dependency_floors_are_past_the_published_advisories():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        lowest = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
        floors[requirement.name] = min(lowest) if lowest else None
    readme = (ROOT / "README.md").read_text()
    for name, (fixed_in, advisory) in ADVISORY_FLOORS.items():
        assert floors[name] is not None and floors[name] >= Version(fixed_in), name
        assert advisory in readme


def test_the_readme_names_every_seeded_account_or_its_pattern(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'seeded.db'}")
    upgrade(engine)
    with Session(engine) as session:
        seed(session, cases=400, seed=5, today=dt.date(2026, 11, 23), password="seeded-pass-9f")
        session.commit()
        usernames = set(session.exec(select(User.username)).all())
    engine.dispose()
    section = (ROOT / "README.md").read_text().split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    names = re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)
    patterns = [re.compile("^" + re.escape(n).replace("N", r"\d") + "$") for n in names]
    unlisted = {u for u in usernames if not any(p.match(u) for p in patterns)}
    assert unlisted == set()


def test_the_key_store_file_and_its_journal_are_private(tmp_path):
    from models.identity.keystore import KeyStore

    store = KeyStore(f"sqlite:///{tmp_path / 'var' / 'waypoint-keys.db'}")
    store.put_many([("k1", b"wrapped")])
    with store.engine.connect() as connection:
        files = [p for p in (tmp_path / "var").iterdir()]
        assert {p.name for p in files} >= {"waypoint-keys.db", "waypoint-keys.db-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert connection is not None
    store.dispose()


def test_postgresql_connections_run_without_jit(pg_url):
    """PostgreSQL's JIT compiled every dashboard count over 100,000 cases (0.27 s of
    compiling for a query that runs in 0.2 s): the app's connections turn it off."""
    engine = make_engine(pg_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    engine.dispose()
