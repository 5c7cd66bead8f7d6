"""The import and duplicate-detection part of the benchmark (issue 12), run by
``benchmarks/run.py`` in its own child process on a fresh SQLite file:

- import of a messy sheet of N rows (CSV, Russian headers and values, dates in both forms,
  one row in fifty with an error): the dry run (with duplicate flagging) and the apply of
  the valid rows, each in its own transaction; then the dry run of the same file again,
  where every row is a known reference;
- precision and recall of duplicate detection at the "likely" threshold on the labelled
  sets of ``tests/duplicate_evaluation.py``, per seed;
- a network-wide duplicate scan over the imported people (``models.duplicates.scan``).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

T = TypeVar("T")

TARGET_IMPORT_S = 10.0
TARGET_SCAN_100K_S = 60.0
GOAL_QUALITY = 0.95


def _sheet(rows: int, seed: int = 7) -> bytes:
    from seed_data.names import synthetic_person
    from tests.import_files import csv_bytes

    rng = random.Random(seed)
    header = [
        "Номер",
        "ФИО",
        "Категория",
        "Город",
        "Дата обращения",
        "Год рождения",
        "Тип разрешения",
        "Разрешение до",
        "Жильё",
        "Заметка",
    ]
    lines: list[list[object]] = [header]
    for n in range(rows):
        person = synthetic_person(rng)
        opened = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(900))
        lines.append(
            [
                f"R-{n:06d}",
                person.full_name if n % 3 else person.name_latin.upper(),
                rng.choice(["Журналист", "activist", "Дезертир", "other"]),
                rng.choice(["Алматы", "Astana", "алматы"]),
                opened.strftime("%d.%m.%Y") if n % 2 else opened.isoformat(),
                "" if n % 5 == 0 else str(rng.randint(1960, 2004)),
                rng.choice(["РВП", "none", "Visa-free stay"]),
                "" if n % 4 else (opened + dt.timedelta(days=365)).isoformat(),
                rng.choice(["temporary", "В шелтере", ""]),
                "<b>bold</b>" if n % 50 == 49 else "",
            ]
        )
    return csv_bytes(lines)


def _timed(action: Callable[[], T]) -> tuple[tuple[float, float], T]:
    """(wall-clock seconds, CPU seconds of this process), and the action's result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return (time.perf_counter() - wall, time.process_time() - cpu), result


def measure(scratch: Path, *, rows: int, seeds: tuple[int, ...]) -> dict[str, object]:
    from sqlmodel import Session

    from models.database import make_engine, upgrade
    from models.duplicates.scan import scan
    from models.imports import apply_import, guess_mapping, plan_import, read_table
    from models.tables import City, Organisation
    from tests.duplicate_evaluation import evaluate

    path = scratch / "imports-bench.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as session:
        org = Organisation(name="Benchmark Bureau")
        session.add(org)
        for key, en, ru in (("almaty", "Almaty", "Алматы"), ("astana", "Astana", "Астана")):
            session.add(
                City(key=key, name_en=en, name_ru=ru, region_en=en, region_ru=ru, country="KZ")
            )
        session.commit()
        organisation_id = org.id
    assert organisation_id is not None
    data = _sheet(rows)
    today = dt.date(2026, 11, 23)

    def dry_run() -> dict[str, int]:
        table = read_table(data, "bench.csv")
        with Session(engine) as session:
            plan = plan_import(
                session,
                actor=None,
                organisation_id=organisation_id,
                table=table,
                mapping=guess_mapping(table.headers),
                today=today,
            )
        return plan.counts

    def apply() -> dict[str, int]:
        table = read_table(data, "bench.csv")
        with Session(engine) as session:
            outcome = apply_import(
                session,
                actor=None,
                organisation_id=organisation_id,
                table=table,
                mapping=guess_mapping(table.headers),
                today=today,
                all_or_nothing=False,
            )
            session.commit()
        return outcome.plan.counts

    (dry_s, dry_cpu), dry_counts = _timed(dry_run)
    (apply_s, apply_cpu), applied = _timed(apply)
    (again_s, again_cpu), again = _timed(dry_run)
    with Session(engine) as session:
        (scan_s, scan_cpu), pairs = _timed(lambda: scan(session))
    engine.dispose()
    path.unlink(missing_ok=True)
    quality = []
    for seed in seeds:
        q = evaluate(seed)
        quality.append(
            {
                "seed": seed,
                "precision": round(q.precision, 4),
                "recall": round(q.recall, 4),
                "true_pairs": q.true_pairs,
                "records": q.records,
            }
        )
    return {
        "rows": rows,
        "dry_run_s": round(dry_s, 2),
        "dry_run_cpu_s": round(dry_cpu, 2),
        "apply_cpu_s": round(apply_cpu, 2),
        "reimport_dry_run_cpu_s": round(again_cpu, 2),
        "scan_cpu_s": round(scan_cpu, 2),
        "dry_run_counts": dry_counts,
        "apply_s": round(apply_s, 2),
        "apply_counts": applied,
        "reimport_dry_run_s": round(again_s, 2),
        "reimport_counts": again,
        "scan_people": applied["created"],
        "scan_s": round(scan_s, 2),
        "scan_pairs": len(pairs),
        "quality": quality,
    }


def format_imports(result: dict[str, object]) -> str:
    rows = result["rows"]
    lines = [
        "",
        f"Import of {rows:,} rows (SQLite; target ≤ {TARGET_IMPORT_S:.0f} s each):",
        "",
        "| step | seconds (CPU) | rows |",
        "|---|---|---|",
        f"| dry run (with duplicate flags) | {result['dry_run_s']} ({result['dry_run_cpu_s']}) "
        f"| {result['dry_run_counts']} |",
        f"| apply (valid rows) | {result['apply_s']} ({result['apply_cpu_s']}) | "
        f"{result['apply_counts']} |",
        f"| dry run of the same file again | {result['reimport_dry_run_s']} "
        f"({result['reimport_dry_run_cpu_s']}) | {result['reimport_counts']} |",
        "",
        f"Duplicate scan over {result['scan_people']:,} people: {result['scan_s']} s "
        f"({result['scan_cpu_s']} CPU s), {result['scan_pairs']} likely pairs.",
        "",
        f"Duplicate detection at the likely threshold (goal ≥ {GOAL_QUALITY}):",
        "",
        "| seed | records | true pairs | precision | recall |",
        "|---|---|---|---|---|",
    ]
    for q in result["quality"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {q['seed']} | {q['records']} | {q['true_pairs']} | {q['precision']:.3f} | "
            f"{q['recall']:.3f} |"
        )
    return "\n".join(lines)


TARGET_INTAKE_S = 0.2


def measure_network(scratch: Path, *, people: int, checks: int = 30) -> dict[str, object]:
    """A network of ``people`` (the demo generator, every case open or closed as it makes
    them): the network-wide duplicate scan once, and the intake check for ``checks`` names
    typed on the new-case form (each a spelling of a person already in the network, so that
    the check has candidates to decrypt and score)."""
    import statistics

    from sqlmodel import Session, select

    from models.access import Actor
    from models.database import make_engine, upgrade
    from models.duplicates.intake import intake_matches
    from models.duplicates.scan import scan
    from models.duplicates.setting import CROSS_ORG_MATCHING, set_setting
    from models.enums import CaseStatus, Role
    from models.identity.store import read_identity
    from models.tables import Case, User
    from seed_data.generator import seed

    path = scratch / "network-bench.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    (seed_s, _seed_cpu), _ = _timed(
        lambda: _seed_network(engine, seed, people=people, today=dt.date(2026, 11, 23))
    )
    with Session(engine) as session:
        set_setting(session, name=CROSS_ORG_MATCHING, enabled=True, actor=None)
        session.commit()
        (scan_s, scan_cpu), pairs = _timed(lambda: scan(session))
        user = session.exec(select(User).where(User.role == Role.COORDINATOR)).first()
        assert user is not None
        actor = Actor.of(user)
        rng = random.Random(5)
        ids = list(session.exec(select(Case.id).where(Case.status == CaseStatus.OPEN)).all())
        typed = []
        for case_id in rng.sample(ids, checks):
            identity = read_identity(session, case_id=case_id)
            if identity is not None:
                latin = identity.name_latin or identity.full_name
                typed.append({"full_name": latin.upper(), "birth_year": identity.birth_year})
        timings, found = [], []
        organisation_id = user.organisation_id
        assert organisation_id is not None
        for values in typed:
            started = time.perf_counter()
            matches = intake_matches(
                session, actor=actor, organisation_id=organisation_id, values=values
            )
            timings.append(time.perf_counter() - started)
            found.append(len(matches))
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
        Path(f"{scratch / 'network-bench-keys.db'}{suffix}").unlink(missing_ok=True)
    timings.sort()
    return {
        "people": people,
        "seed_s": round(seed_s, 1),
        "scan_s": round(scan_s, 2),
        "scan_cpu_s": round(scan_cpu, 2),
        "scan_pairs": len(pairs),
        "intake_checks": len(timings),
        "intake_median_s": round(statistics.median(timings), 3),
        "intake_p95_s": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "intake_max_s": round(timings[-1], 3),
        "intake_mean_matches": round(sum(found) / len(found), 1),
    }


def _seed_network(
    engine: sa.Engine, seed: Callable[..., object], *, people: int, today: dt.date
) -> None:
    from sqlmodel import Session

    with Session(engine) as session:
        seed(session, cases=people, seed=7, today=today, password="benchmark-password-not-common")
        session.commit()


def format_network(result: dict[str, object]) -> str:
    return "\n".join(
        [
            "",
            f"Duplicate detection over a network of {result['people']:,} people (SQLite):",
            "",
            "| measurement | seconds | target |",
            "|---|---|---|",
            f"| network-wide scan ({result['scan_pairs']:,} likely pairs) | {result['scan_s']} "
            f"({result['scan_cpu_s']} CPU) | ≤ {TARGET_SCAN_100K_S:.0f} |",
            f"| intake check, median / p95 / max of {result['intake_checks']} names "
            f"| {result['intake_median_s']} / {result['intake_p95_s']} / "
            f"{result['intake_max_s']} | ≤ {TARGET_INTAKE_S} |",
        ]
    )
