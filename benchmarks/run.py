"""Waypoint's benchmark: seeding, every page, the case list, a form save, memory, and a naive
pandas baseline, at each caseload size, on SQLite and (given a URL) PostgreSQL.

    python benchmarks/run.py --cases 1000,10000,100000 \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/wp_bench]

Each size gets a fresh database: a new SQLite file, and the PostgreSQL database named in the
URL dropped and created again (its name must contain "bench", so that no other database is
ever dropped). Seeding runs in one child process and the measurements in another, so that
each reports its own peak memory. The table is printed; the figures are written as JSON to
benchmarks/results/ (git-ignored). Timing targets live here, never in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported by the workers only, when they need them
    import sqlalchemy as sa

    from models.access import Actor

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = Path(__file__).resolve().parent / "results"
TODAY = dt.date(2026, 11, 23)
SEED = 7
PASSWORD = "benchmark-password-not-common"
T = TypeVar("T")
# Figures a worker measured, or the report read back from JSON: nested dicts of numbers and
# strings.
Figures = dict[str, Any]


@dataclass(frozen=True)
class Repeats:
    """How many times each thing is measured (the median is reported)."""

    cold: int = 2
    warm: int = 3
    saves: int = 20
    lists: int = 5
    naive: int = 2
    prime: bool = True  # a first, unmeasured run of each page to import its modules


FULL = Repeats()
QUICK = Repeats(cold=1, warm=1, saves=3, lists=1, naive=1, prime=False)  # the smoke test

# The targets at 100,000 cases on SQLite (issue 13; issue 7's save and memory targets stay).
TARGETS = {
    "page_cold_s": 1.0,
    "page_warm_s": 0.2,
    "server_cpu_per_cached_run_s": 0.15,
    "naive_ratio": 10,
    "case_list_filter_s": 0.15,
    "case_list_growth_from_10k": 2.0,
    "concurrent_p95_s_at_10": 2.0,
    "seed_cases_per_s": 10000,
    "seed_cases_per_s_postgresql": 5000,
    "save_s": 0.050,
    "peak_mb": 500,
    # The identity vault (issue 11): reading one identity, name search through the blind index.
    "identity_open_s": 0.050,
    "name_search_s": 0.3,
}
# Measured for each of these demo accounts: the admin sees the whole network.
ROLES = ("coordinator", "admin", "caseworker")


# --- the parent: fresh databases, child processes, the table ---------------------------------


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        return _worker(args)
    sizes = [int(size) for size in args.cases.split(",") if size.strip()]
    backends = ["sqlite"] + (["postgresql"] if args.database_url else [])
    if args.database_url:
        _check_bench_url(args.database_url)
    results = []
    # One set of vault keys for the seeding and the measuring children.
    from cryptography.fernet import Fernet

    os.environ.setdefault("WAYPOINT_MASTER_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("WAYPOINT_BLIND_INDEX_KEY", secrets.token_urlsafe(48))
    with tempfile.TemporaryDirectory(prefix="waypoint-bench-") as scratch:
        for backend in backends:
            for size in sizes:
                # The key store: beside the SQLite file; for PostgreSQL a file of this run.
                if backend == "postgresql":
                    keys = Path(scratch) / f"pg-keys-{size}.db"
                    os.environ["WAYPOINT_KEYSTORE_URL"] = f"sqlite:///{keys}"
                url = (
                    f"sqlite:///{Path(scratch) / f'bench-{size}.db'}"
                    if backend == "sqlite"
                    else _fresh_postgres(args.database_url)
                )
                print(f"[{backend} {size:,} cases] seeding ...", file=sys.stderr, flush=True)
                common = ["--url", url, "--cases", str(size)] + (["--quick"] if args.quick else [])
                skip = ["--no-duplicate-refresh"] if args.no_duplicate_refresh else []
                seeded = _child(["--worker", "seed", *common, *skip])
                print(f"[{backend} {size:,} cases] measuring ...", file=sys.stderr, flush=True)
                measured = _child(["--worker", "measure", *common])
                users = [int(n) for n in args.users.split(",") if n.strip()]
                if users and backend == "sqlite":
                    print(f"[{backend} {size:,} cases] load ...", file=sys.stderr, flush=True)
                    seconds = 4.0 if args.quick else args.load_seconds
                    measured["load"] = [_load(url, n, seconds) for n in users]
                results.append({"backend": backend, "cases": size, **seeded, **measured})
                if backend == "sqlite":
                    for name in (f"bench-{size}.db", f"bench-{size}-keys.db"):
                        for suffix in ("", "-wal", "-shm"):
                            Path(scratch, f"{name}{suffix}").unlink(missing_ok=True)
        print(f"[sqlite imports {args.import_rows:,} rows] measuring ...", file=sys.stderr)
        imports = _child(
            ["--worker", "imports", "--url", scratch]
            + ["--cases", str(1000 if args.quick else args.import_rows)]
            + (["--quick"] if args.quick else [])
        )
        network = None
        if args.duplicate_people:
            print(f"[sqlite network of {args.duplicate_people:,}] duplicates ...", file=sys.stderr)
            network = _child(
                ["--worker", "duplicates", "--url", scratch, "--cases", str(args.duplicate_people)]
            )
    report = {
        "imports": imports,
        "duplicates": network,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "today": TODAY.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        },
        "targets": TARGETS,
        "results": results,
    }
    output = Path(args.output) if args.output else RESULTS / "latest.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(format_table(report))
    print(f"\nJSON: {output}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="1000,10000,100000", help="comma-separated sizes")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to (re)create, its name containing 'bench'"
    )
    parser.add_argument("--output", help="JSON file (default: benchmarks/results/latest.json)")
    parser.add_argument(
        "--users",
        default="1,5,10",
        help="simulated users for the load benchmark, comma-separated ('' to skip it)",
    )
    parser.add_argument("--load-seconds", type=float, default=40.0, help="per load level")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--quick", action="store_true", help="measure each thing once (a smoke run, not figures)"
    )
    parser.add_argument(
        "--import-rows", type=int, default=10_000, help="rows of the import benchmark"
    )
    parser.add_argument(
        "--duplicate-people",
        type=int,
        default=0,
        help="people of the network-wide duplicate scan and intake-check benchmark (0: skip)",
    )
    parser.add_argument(
        "--no-duplicate-refresh",
        action="store_true",
        help="seed without filling the duplicate review queue (the 1,000,000-case ladder: the "
        "demo's 36 x 46 names make its pairs grow with the square of the caseload)",
    )
    parser.add_argument(
        "--worker",
        choices=["seed", "measure", "user", "imports", "duplicates"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser


def _check_bench_url(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database or ""
    if "bench" not in name:
        raise SystemExit(
            f"refusing to use database {name!r}: the benchmark drops and recreates it, so its "
            "name must contain 'bench' (e.g. wp_bench)"
        )


def _fresh_postgres(url: str) -> str:
    """Drop and create the database named in ``url`` (checked to be a bench database)."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()
    return url


def _child(arguments: list[str]) -> Figures:
    """Run this script as a worker and return the JSON it prints last."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMLIT_LOGGER_LEVEL": "error"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark worker failed: {' '.join(arguments[:2])}")
    printed: Figures = json.loads(done.stdout.strip().splitlines()[-1])
    return printed


# --- the workers ---------------------------------------------------------------------------


def _worker(args: argparse.Namespace) -> int:
    os.environ["WAYPOINT_DATABASE_URL"] = args.url
    os.environ["WAYPOINT_TODAY"] = TODAY.isoformat()
    os.environ.setdefault("WAYPOINT_COOKIE_KEY", secrets.token_urlsafe(48))
    repeats = QUICK if args.quick else FULL
    if args.worker == "imports":
        from benchmarks.imports_bench import measure

        seeds = (1,) if args.quick else (1, 2, 3)
        print(json.dumps(measure(Path(args.url), rows=int(args.cases), seeds=seeds)))
        return 0
    if args.worker == "duplicates":
        from benchmarks.imports_bench import measure_network

        print(json.dumps(measure_network(Path(args.url), people=int(args.cases))))
        return 0
    if args.worker == "seed":
        result = _seed(args.url, int(args.cases), duplicates=not args.no_duplicate_refresh)
    elif args.worker == "user":
        result = _user(args.role, args.seconds)
    else:
        result = _measure(args.url, repeats)
    print(json.dumps(result))
    return 0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _seed(url: str, cases: int, *, duplicates: bool = True) -> dict[str, object]:
    from models.database import make_engine, session_scope, upgrade
    from models.stored import vacuum_after_load
    from seed_data.generator import seed

    engine = make_engine(url)
    upgrade(engine)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        seed(session, cases=cases, seed=SEED, today=TODAY, password=PASSWORD)
    vacuum_after_load(engine)  # as `waypoint seed` does, counted in the seeding time
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # The duplicates review queue, as `waypoint seed` and the daily `waypoint refresh` fill it.
    from models.duplicates.queue import refresh_network

    queued, queue_cpu, pairs = time.perf_counter(), time.process_time(), None
    if duplicates:
        with session_scope(engine) as session:
            pairs = refresh_network(session)
    queued, queue_cpu = time.perf_counter() - queued, time.process_time() - queue_cpu
    engine.dispose()
    return {
        "seed_s": round(elapsed, 3),
        "seed_cpu_s": round(cpu, 3),
        "seed_cases_per_s": round(cases / elapsed),
        "seed_peak_mb": round(_peak_mb(), 1),
        "duplicate_refresh_s": round(queued, 3),
        "duplicate_refresh_cpu_s": round(queue_cpu, 3),
        "duplicate_pairs": pairs,
    }


@dataclass
class Timings:
    """Seconds of repeated runs of one thing: wall clock, and this process's CPU time (which
    other load on the machine inflates far less)."""

    runs: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, action: Callable[[], T]) -> T:
        started, cpu = time.perf_counter(), time.process_time()
        result = action()
        self.runs.append(time.perf_counter() - started)
        self.cpu.append(time.process_time() - cpu)
        return result

    @property
    def median(self) -> float:
        return round(statistics.median(self.runs), 4)

    @property
    def median_cpu(self) -> float:
        return round(statistics.median(self.cpu), 4)


def _measure(url: str, repeats: Repeats) -> dict[str, object]:
    """Every page, the case list's filters and the naive baseline for each of ``ROLES``; the
    coordinator's figures also at the top level (the summary table), with the form save."""
    import streamlit as st

    from models.database import make_engine

    engine = make_engine(url)
    _quiet_streamlit()
    load = os.getloadavg()[0]
    roles: dict[str, dict[str, object]] = {}
    for username in ROLES:
        actor, code = _actor_and_case(engine, username)
        role: dict[str, object] = {"pages": _pages(actor, code, repeats, clear=st.cache_data.clear)}
        role.update(_case_list(engine, actor, repeats))
        roles[username] = role
    coordinator, code = _actor_and_case(engine, "coordinator")
    measured: dict[str, object] = {**roles["coordinator"], "roles": roles}
    measured.update(_identity(engine, coordinator, code, repeats))
    measured.update(_save(engine, coordinator, code, repeats))
    measured["peak_mb"] = round(_peak_mb(), 1)  # the dashboard's work, before the baseline
    for username in ROLES:
        actor, _code = _actor_and_case(engine, username)
        roles[username].update(_naive_baseline(engine, actor, repeats))
    measured.update(
        {k: v for k, v in roles["coordinator"].items() if k.startswith(("naive", "sql"))}
    )
    measured["peak_with_naive_mb"] = round(_peak_mb(), 1)
    measured["load_average"] = round((load + os.getloadavg()[0]) / 2, 2)
    engine.dispose()
    return measured


def _actor_and_case(engine: sa.Engine, username: str) -> tuple[Actor, str]:
    """The demo account ``username`` and the code of its newest open case (its case page)."""
    import sqlalchemy as sa
    from sqlmodel import Session, col, select

    from models.access import Actor, visible_cases
    from models.enums import CaseStatus
    from models.tables import Case, User

    with Session(engine) as session:
        actor = Actor.of(session.exec(select(User).where(User.username == username)).one())
        code = session.execute(
            sa.select(col(Case.code))
            .where(visible_cases(actor), col(Case.status) == CaseStatus.OPEN)
            .order_by(col(Case.id).desc())
            .limit(1)
        ).scalar_one()
    return actor, code


# --- running a page in AppTest ---------------------------------------------------------------


@cache
def _components() -> Any:
    """The Streamlit component registry, discovered once for the process.

    A new AppTest scans every installed package for Streamlit components on its first run
    (0.10-0.15 s here, by far the largest part of an empty script's run); a server does that
    once, when it starts (``Runtime.__init__``). Every AppTest of this process is handed this
    one, through AppTest's private attribute: the figures are then the page's run, as a server
    repeats it, plus AppTest's reading of its output.
    """
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def _page_app(actor: Actor, code: str, file: str, key: str, *, timeout: float = 300) -> Any:
    """An AppTest of the page ``file`` signed in as ``actor`` (the case page opens ``code``),
    run once; it shares the process's component registry (``_components``)."""
    from streamlit.testing.v1 import AppTest

    from dashboard import state
    from dashboard.navigation import VIEWS
    from models.i18n import Language

    at = AppTest.from_file(str(VIEWS / file), default_timeout=timeout)
    at._bidi_component_manager = _components()
    at.session_state[state.LANGUAGE] = Language.EN
    at.session_state[state.ACTOR] = actor
    at.session_state[state.AUTH_STATUS] = True
    at.session_state["username"] = actor.username
    at.session_state[state.LAST_SEEN] = time.time()
    if key == "case":
        at.query_params["code"] = code
    return at.run()


# CPU seconds the page script itself took, on the thread Streamlit runs it on: what a
# server spends on one page run, without AppTest's own work on the calling thread.
_SCRIPT_CPU: list[float] = []
_script_cpu_counted = False


def _count_script_cpu() -> None:
    global _script_cpu_counted
    if _script_cpu_counted:
        return
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner._run_script

    def counted(self: ScriptRunner, *args: Any, **kwargs: Any) -> None:
        started = time.thread_time()
        try:
            original(self, *args, **kwargs)
        finally:
            _SCRIPT_CPU.append(time.thread_time() - started)

    # Streamlit has no public hook around a script run, so its private method is wrapped.
    ScriptRunner._run_script = counted  # type: ignore[method-assign]
    _script_cpu_counted = True


def _quiet_streamlit() -> None:
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)


def _pages(
    actor: Actor, code: str, repeats: Repeats, *, clear: Callable[[], None]
) -> dict[str, object]:
    """Each page the coordinator may open, run whole in AppTest: once to import its modules,
    then cold (``st.cache_data`` emptied before each run) and warm (cache filled)."""
    from streamlit.testing.v1 import AppTest

    from dashboard import runtime
    from dashboard.navigation import pages_for

    runtime.settings.clear()
    runtime.engine.clear()
    _count_script_cpu()
    run_page = partial(_page_app, actor, code)

    # The floor: AppTest running a script that only imports Streamlit and writes one line.
    floor = Timings()

    def empty_script() -> AppTest:
        at = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=300)
        at._bidi_component_manager = _components()
        return at.run()

    for _ in range(repeats.warm):
        floor.time(empty_script)
    results: dict[str, object] = {
        "(AppTest floor)": {
            "file": None,
            "dashboard": False,
            "cold_s": floor.median,
            "warm_s": floor.median,
            "cold_cpu_s": floor.median_cpu,
            "warm_cpu_s": floor.median_cpu,
            "warm_server_cpu_s": 0.0,
            "errors": [],
        }
    }
    for spec in pages_for(actor):
        if repeats.prime:
            run_page(spec.file, spec.key)  # imports, compiled script: not measured
        cold, warm = Timings(), Timings()
        server: list[float] = []
        errors: list[str] = []
        for _ in range(repeats.cold):
            clear()
            at = cold.time(partial(run_page, spec.file, spec.key))
            errors += [str(e.message)[:200] for e in at.exception]
        for _ in range(repeats.warm):
            _SCRIPT_CPU.clear()
            at = warm.time(partial(run_page, spec.file, spec.key))
            server.append(sum(_SCRIPT_CPU))
            errors += [str(e.message)[:200] for e in at.exception]
        results[spec.key] = {
            "file": spec.file,
            "dashboard": spec.section == "Dashboards",
            "cold_s": cold.median,
            "warm_s": warm.median,
            "cold_cpu_s": cold.median_cpu,
            "warm_cpu_s": warm.median_cpu,
            "warm_server_cpu_s": round(statistics.median(server), 4),
            "errors": sorted(set(errors)),
        }
    return results


def _case_list(engine: sa.Engine, actor: Actor, repeats: Repeats) -> dict[str, object]:
    """The case list (``models.case_queries.case_list``) under each of its filters, first
    page; the high-risk filter also on its last page (pagination must not cost more)."""
    from models.case_queries import CaseListFilters, case_list
    from models.database import session_scope
    from models.enums import CaseStatus, Stage
    from models.risk import RiskLevel

    filters = {
        "open": CaseListFilters(),
        "critical only": CaseListFilters(risk_level=RiskLevel.CRITICAL),
        "high": CaseListFilters(status=CaseStatus.OPEN, risk_level=RiskLevel.HIGH),
        "any status": CaseListFilters(status=None),
        "stage: documents": CaseListFilters(stage=Stage.DOCUMENTS),
        "expiring in 30 days": CaseListFilters(expiring_within_days=30),
        "name search": CaseListFilters(search="Иван"),
        "code search": CaseListFilters(search="WP-25-00"),
    }
    timings = {name: Timings() for name in filters}
    last = Timings()
    total = 0
    for _ in range(repeats.lists):
        with session_scope(engine) as session:
            for name, chosen in filters.items():
                page = timings[name].time(
                    partial(case_list, session, actor=actor, filters=chosen, today=TODAY, page=1)
                )
                if name == "high":
                    total = page.total
            last.time(
                lambda: case_list(
                    session, actor=actor, filters=filters["high"], today=TODAY, page=10**6
                )
            )
    return {
        "case_list_s": timings["high"].median,
        "case_list_cpu_s": timings["high"].median_cpu,
        "case_list_last_page_s": last.median,
        "case_list_name_search_s": timings["name search"].median,
        "case_list_matches": total,
        "case_list_filters": {
            name: {"s": t.median, "cpu_s": t.median_cpu} for name, t in timings.items()
        },
    }


def _identity(engine: sa.Engine, actor: Actor, code: str, repeats: Repeats) -> dict[str, object]:
    """Opening a case: its detail (notes opened) alone, and then its identity too (key
    fetched from the key store, unwrapped, identity decrypted); and a two-word Latin name
    search through the blind index, in the other order than stored."""
    from models.case_queries import CaseListFilters, case_detail, case_identity, case_list
    from models.database import session_scope
    from models.identity.crypto import reset

    detail_only, identity, search = Timings(), Timings(), Timings()
    reset()  # the first opening pays for building the vault, as after a server start
    for _ in range(repeats.saves):
        with session_scope(engine) as session:
            found = detail_only.time(
                lambda: case_detail(session, actor=actor, code=code, today=TODAY)
            )
            assert found is not None, code  # the actor's own newest open case
            identity.time(partial(case_identity, session, actor=actor, case_id=found.case_id))
    for _ in range(repeats.lists):
        with session_scope(engine) as session:
            search.time(
                lambda: case_list(
                    session,
                    actor=actor,
                    filters=CaseListFilters(status=None, search="Smirnov Aleksei"),
                    today=TODAY,
                )
            )
    return {
        "case_detail_s": detail_only.median,
        "identity_open_s": identity.median,
        "identity_open_first_s": round(identity.runs[0], 4),
        "name_search_latin_s": search.median,
    }


def _save(engine: sa.Engine, actor: Actor, code: str, repeats: Repeats) -> dict[str, object]:
    """Saving the legal-status form of one case: the whole transaction (version check, update,
    audit row, commit), as the case page does it."""
    from dataclasses import replace

    from sqlmodel import select

    from models.cases import LegalStatusInput, legal_input, update_legal_status
    from models.database import session_scope
    from models.tables import Case, LegalStatus, id_of

    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.code == code)).one()
        case_id, version = id_of(case), case.version
        data = legal_input(session.get(LegalStatus, case_id))
    saves = Timings()
    for number in range(repeats.saves):
        changed = replace(data, extension_refused=bool(number % 2))

        def save(changed: LegalStatusInput = changed, version: int = version) -> None:
            with session_scope(engine) as session:
                update_legal_status(
                    session,
                    actor=actor,
                    case_id=case_id,
                    expected_version=version,
                    data=changed,
                )

        saves.time(save)
        version += 1
    return {
        "save_s": saves.median,
        "save_cpu_s": saves.median_cpu,
        "save_max_s": round(max(saves.runs), 4),
        "save_function": "models.cases.update_legal_status",
    }


def _naive_baseline(engine: sa.Engine, actor: Actor, repeats: Repeats) -> dict[str, object]:
    """What the dashboards would cost without SQL aggregation: load every case of the
    coordinator's organisation with its legal status, detentions and stage history into
    pandas, and compute the weekly tiles, the risk levels, the funnel and the map there."""
    import pandas as pd
    import sqlalchemy as sa

    from models.access import visible_cases
    from models.tables import Case, Detention, LegalStatus, StageChange, table_of

    case_table, legal_table = table_of(Case), table_of(LegalStatus)

    def naive() -> dict[str, object]:
        with engine.connect() as connection:
            cases = pd.read_sql(
                sa.select(case_table, *[c for c in legal_table.c if c.name != "case_id"])
                .select_from(case_table.outerjoin(legal_table))
                .where(visible_cases(actor)),
                connection,
            )
            detentions = pd.read_sql(sa.select(table_of(Detention)), connection)
            changes = pd.read_sql(sa.select(table_of(StageChange)), connection)
        today = pd.Timestamp(TODAY)
        cases["opened_on"] = pd.to_datetime(cases["opened_on"])
        cases["expires"] = pd.to_datetime(cases["permit_expires_on"])
        cases["updated"] = pd.to_datetime(cases["updated_at"], utc=True).dt.tz_localize(None)
        detentions["released_on"] = pd.to_datetime(detentions["released_on"])
        held = set(detentions.loc[detentions["released_on"].isna(), "case_id"])
        open_cases = cases[cases["status"] == "open"]
        detained = open_cases["id"].isin(held)
        proceedings = open_cases["extradition_status"].isin(["proceedings", "ordered"])
        expired = open_cases["expires"] < today
        expiring = open_cases["expires"].between(today, today + pd.Timedelta(days=30))
        lapsed = expired | (open_cases["permit_type"] == "none")
        wanted = open_cases["wanted"].fillna(False).astype(bool)
        critical = detained | proceedings | (wanted & lapsed)
        tiles = {
            "open": len(open_cases),
            "intakes": int((cases["opened_on"] > today - pd.Timedelta(days=7)).sum()),
            "detained": int(detained.sum()),
            "extradition": int(proceedings.sum()),
            "expiring": int(expiring.sum()),
            "expired": int(expired.sum()),
            "stale": int((open_cases["updated"] < today - pd.Timedelta(days=14)).sum()),
            "critical": int(critical.sum()),
        }
        mine = changes[changes["case_id"].isin(cases["id"])]
        funnel = mine.groupby("to_stage")["case_id"].nunique().to_dict()
        by_city = open_cases.groupby("city_id").size().to_dict()
        return {"tiles": tiles, "funnel": funnel, "cities": len(by_city)}

    runs = Timings()
    for _ in range(repeats.naive):
        runs.time(naive)
    return {
        "naive_s": runs.median,
        "naive_cpu_s": runs.median_cpu,
        **_sql_aggregates(engine, actor, repeats),
    }


def _sql_aggregates(engine: sa.Engine, actor: Actor, repeats: Repeats) -> dict[str, object]:
    """The same figures as the naive baseline, as the dashboards get them: the weekly tiles,
    the pipeline and the open cases per city, aggregated in SQL (no Streamlit, no cache)."""
    from models.dashboards.caseload_map import cases_per_city
    from models.dashboards.common import CaseFilters
    from models.dashboards.pipeline import pipeline
    from models.dashboards.weekly import tiles
    from models.database import session_scope

    def aggregate() -> None:
        with session_scope(engine) as session:
            tiles(session, actor=actor, today=TODAY)
            pipeline(session, actor=actor, today=TODAY, filters=CaseFilters())
            cases_per_city(session, actor=actor, today=TODAY, filters=CaseFilters())

    runs = Timings()
    for _ in range(repeats.naive):
        runs.time(aggregate)
    return {"sql_aggregates_s": runs.median, "sql_aggregates_cpu_s": runs.median_cpu}


# --- the load benchmark ----------------------------------------------------------------------


def _load(url: str, users: int, seconds: float) -> dict[str, object]:
    """``users`` simulated signed-in users at once, each a process running the pages of its
    role (coordinator, admin, caseworker in turn) in AppTest, one after another, for
    ``seconds`` after all of them have opened every page once (imports, their cache)."""
    with tempfile.TemporaryDirectory(prefix="waypoint-load-") as sync:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "STREAMLIT_LOGGER_LEVEL": "error",
            "BENCH_SYNC_DIR": sync,
        }
        load_before = os.getloadavg()[0]
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--worker",
                    "user",
                    "--url",
                    url,
                    "--role",
                    ROLES[number % len(ROLES)],
                    "--seconds",
                    str(seconds),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**env, "BENCH_USER": str(number)},
                cwd=ROOT,
            )
            for number in range(users)
        ]
        deadline = time.monotonic() + 1800
        while len(list(Path(sync).glob("ready-*"))) < users and time.monotonic() < deadline:
            if any(child.poll() not in (None, 0) for child in children):
                break
            time.sleep(0.2)
        Path(sync, "go").touch()
        outputs = [child.communicate() for child in children]
    failed = [err for child, (_out, err) in zip(children, outputs, strict=True) if child.returncode]
    if failed:
        sys.stderr.write(failed[0][-3000:])
        raise SystemExit("load benchmark user failed")
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    times = sorted(t for report in reports for t in report["times"])
    pages = len(times)
    server = sum(report["server_cpu_s"] for report in reports)
    process = sum(report["process_cpu_s"] for report in reports)
    return {
        "users": users,
        "seconds": seconds,
        "pages": pages,
        "median_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(times[min(pages - 1, int(0.95 * pages))], 3) if times else None,
        "pages_per_s": round(pages / seconds, 2),
        "server_cpu_per_page_s": round(server / max(pages, 1), 4),
        "client_cpu_per_page_s": round((process - server) / max(pages, 1), 4),
        "load_average": round((load_before + os.getloadavg()[0]) / 2, 2),
    }


def _user(username: str, seconds: float) -> dict[str, object]:
    """One simulated user (a worker process): open every page once, wait for the others,
    then cycle through the pages for ``seconds``, timing each page run."""
    from dashboard.navigation import pages_for
    from models.database import make_engine

    _quiet_streamlit()
    _count_script_cpu()
    engine = make_engine(os.environ["WAYPOINT_DATABASE_URL"])
    actor, code = _actor_and_case(engine, username)
    specs = pages_for(actor)

    def run_page(file: str, key: str) -> None:
        _page_app(actor, code, file, key, timeout=600)

    for spec in specs:
        run_page(spec.file, spec.key)
    sync = Path(os.environ["BENCH_SYNC_DIR"])
    (sync / f"ready-{os.environ['BENCH_USER']}").touch()
    while not (sync / "go").exists():
        time.sleep(0.05)
    _SCRIPT_CPU.clear()
    times: list[float] = []
    cpu = time.process_time()
    stop = time.monotonic() + seconds
    number = int(os.environ["BENCH_USER"])
    while time.monotonic() < stop:
        spec = specs[number % len(specs)]
        number += 1
        started = time.perf_counter()
        run_page(spec.file, spec.key)
        times.append(time.perf_counter() - started)
    return {
        "times": times,
        "server_cpu_s": sum(_SCRIPT_CPU),
        "process_cpu_s": time.process_time() - cpu,
    }


# --- the table -------------------------------------------------------------------------------


def format_table(report: Figures) -> str:
    """The results as Markdown: a summary per backend and size, then the pages' wall-clock
    and CPU seconds (cold / warm)."""
    results: list[Figures] = report["results"]
    keys: list[str] = []
    for result in results:
        keys += [key for key in result["pages"] if key not in keys]

    def table(header: list[str], rows: list[list[str]]) -> list[str]:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *["| " + " | ".join(row) + " |" for row in rows],
        ]

    summary = []
    for r in results:
        dashboards = [p for p in r["pages"].values() if p["dashboard"]]
        slowest = max((p["cold_s"] for p in dashboards), default=None)
        summary.append(
            [
                r["backend"],
                f"{r['cases']:,}",
                f"{r['seed_cases_per_s']:,} ({r['cases'] / max(r['seed_cpu_s'], 1e-9):,.0f})",
                f"{r['seed_peak_mb']:.0f} / {r['peak_mb']:.0f} / {r.get('peak_with_naive_mb', 0):.0f}",
                f"{r['case_list_s']:.3f} / {r['case_list_last_page_s']:.3f}",
                f"{r['case_list_name_search_s']:.3f} / {r['name_search_latin_s']:.3f}",
                f"{r['case_detail_s'] * 1000:.1f} + {r['identity_open_s'] * 1000:.1f}",
                f"{r['save_s'] * 1000:.1f} ({r['save_cpu_s'] * 1000:.1f})",
                f"{r['naive_s']:.2f} / {r['sql_aggregates_s']:.3f}"
                f" = {r['naive_s'] / max(r['sql_aggregates_s'], 1e-9):.0f}×",
                "—" if slowest is None else f"{r['naive_s'] / slowest:.1f}×",
                f"{r['load_average']:.1f}",
            ]
        )
    lines = table(
        [
            "backend",
            "cases",
            "seeding cases/s (per CPU s)",
            "peak MB: seeding / pages / + naive",
            "case list s: first / last page",
            "name search s: Иван / Smirnov Aleksei",
            "open case ms: detail + identity",
            "save ms (CPU)",
            "naive pandas s / same in SQL s",
            "naive ÷ slowest dashboard cold",
            "load avg",
        ],
        summary,
    )
    for title, suffix in (("wall clock", "_s"), ("CPU of this process", "_cpu_s")):
        rows = []
        for r in results:
            row = [r["backend"], f"{r['cases']:,}"]
            for key in keys:
                page = r["pages"].get(key)
                row.append(
                    "—"
                    if page is None
                    else f"{page['cold' + suffix]:.2f} / {page['warm' + suffix]:.2f}"
                    + (" ⚠" if page["errors"] else "")
                )
            rows.append(row)
        lines += ["", f"Pages, seconds cold / warm ({title}):", ""]
        lines += table(["backend", "cases", *keys], rows)
    lines += _role_tables(results, table)
    errors = [
        f"- {r['backend']} {r['cases']:,} {role} {key}: {'; '.join(p['errors'])}"
        for r in results
        for role, measured in r.get("roles", {"coordinator": r}).items()
        for key, p in measured["pages"].items()
        if p["errors"]
    ]
    if errors:
        lines += ["", "⚠ pages that raised an error:", *errors]
    if report.get("imports"):
        from benchmarks.imports_bench import format_imports

        lines.append(format_imports(report["imports"]))
    if report.get("duplicates"):
        from benchmarks.imports_bench import format_network

        lines.append(format_network(report["duplicates"]))
    return "\n".join(lines)


def _role_tables(
    results: list[Figures], table: Callable[[list[str], list[list[str]]], list[str]]
) -> list[str]:
    """Per role: each page cold / warm wall seconds, the server's CPU per cached run and the
    naive baseline's time divided by the page's cold time; the case list's filters; load."""
    lines: list[str] = []
    for r in results:
        for role, measured in r.get("roles", {}).items():
            rows = []
            naive = measured.get("naive_s", 0.0)
            for key, page in measured["pages"].items():
                if page["file"] is None:
                    continue
                rows.append(
                    [
                        key,
                        f"{page['cold_s']:.2f} / {page['warm_s']:.2f}",
                        f"{page['cold_cpu_s']:.2f} / {page['warm_cpu_s']:.2f}",
                        f"{page['warm_server_cpu_s']:.3f}",
                        f"{naive / max(page['cold_s'], 1e-9):.1f}×" if page["dashboard"] else "—",
                    ]
                )
            floor = measured["pages"].get("(AppTest floor)", {}).get("warm_s", 0.0)
            lines += [
                "",
                f"{r['backend']} {r['cases']:,} cases, {role} (naive baseline {naive:.2f} s, "
                f"AppTest floor {floor:.2f} s):",
                "",
            ]
            lines += table(
                [
                    "page",
                    "cold / warm s",
                    "cold / warm CPU s",
                    "server CPU per cached run s",
                    "naive ÷ cold",
                ],
                rows,
            )
            filters = measured.get("case_list_filters", {})
            if filters:
                lines += ["", "Case list, first page, seconds (CPU):", ""]
                lines += table(
                    list(filters),
                    [[f"{f['s']:.3f} ({f['cpu_s']:.3f})" for f in filters.values()]],
                )
        if r.get("load"):
            lines += ["", f"{r['backend']} {r['cases']:,} cases, simulated users at once:", ""]
            lines += table(
                [
                    "users",
                    "pages",
                    "median s",
                    "p95 s",
                    "pages/s",
                    "server CPU/page s",
                    "client CPU/page s",
                    "load avg",
                ],
                [
                    [
                        str(level["users"]),
                        str(level["pages"]),
                        f"{level['median_s']}",
                        f"{level['p95_s']}",
                        f"{level['pages_per_s']}",
                        f"{level['server_cpu_per_page_s']}",
                        f"{level['client_cpu_per_page_s']}",
                        f"{level['load_average']}",
                    ]
                    for level in r["load"]
                ],
            )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
