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
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

if TYPE_CHECKING:
    from models.access import Actor

T = TypeVar("T")

TARGET_IMPORT_S = 10.0
TARGET_SCAN_100K_S = 60.0
GOAL_QUALITY = 0.95


def _sheet(rows: int, seed: int = 7) -> bytes:
    from seed_data.names import synthetic_person
    from tests.import_files import csv_bytes

    rng = random.Random(seed)
    header: list[object] = [
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


def format_imports(result: dict[str, Any]) -> str:
    """``measure``'s figures, read back from JSON, as Markdown."""
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
    for q in result["quality"]:
        lines.append(
            f"| {q['seed']} | {q['records']} | {q['true_pairs']} | {q['precision']:.3f} | "
            f"{q['recall']:.3f} |"
        )
    return "\n".join(lines)


TARGET_INTAKE_S = 0.2


def network_records(
    people: int, *, seed: int = 13, twice: float = 0.05
) -> list[tuple[int, str, int | None]]:
    """A network of ``people`` records ``(identity, name, birth year)``, names as diverse as
    a real caseload: most surnames built from syllables, the rest from the common list (the
    demo generator's 36 surnames and 46 first names would turn 100,000 people into crowds of
    namesakes). Each identity is written once in full Cyrillic; ``twice`` of them a second
    time in another spelling (a Latin scheme, passport style, a typo, another order)."""
    from tests.duplicate_evaluation import (
        ENDINGS,
        MIDDLES,
        ONSETS,
        PATRONYMIC_ROOTS,
        SURNAMES,
        Identity,
        _female,
        _first_names,
        _patronymic,
        spellings,
    )

    rng = random.Random(seed)
    records: list[tuple[int, str, int | None]] = []
    identity = 0
    while len(records) < people:
        female = rng.random() < 0.3
        if rng.random() < 0.9:
            surname = rng.choice(ONSETS) + rng.choice(MIDDLES) + rng.choice(MIDDLES)
            surname += rng.choice(ENDINGS)
        else:
            surname = rng.choice(SURNAMES)[0]
        person = Identity(
            identity,
            _female(surname) if female else surname,
            rng.choice(_first_names(female)),
            _patronymic(rng.choice(PATRONYMIC_ROOTS)[0], female),
            rng.randint(1960, 2004),
        )
        records.append(
            (identity, f"{person.surname} {person.first} {person.patronymic}", person.year)
        )
        if rng.random() < twice and len(records) < people:
            name, year = spellings(rng, person)[-1]
            records.append((identity, name, year))
        identity += 1
    return records


def _import_network(
    engine: sa.Engine, records: list[tuple[int, str, int | None]], organisations: list[int]
) -> None:
    """The records imported, 10,000 rows a file, the files spread over ``organisations``."""
    from sqlmodel import Session

    from models.imports import apply_import, guess_mapping, read_table
    from tests.import_files import csv_bytes

    chunk = 10_000
    for number, start in enumerate(range(0, len(records), chunk)):
        lines: list[list[object]] = [
            ["reference", "full_name", "category", "city", "opened_on", "birth_year"]
        ]
        for index in range(start, min(start + chunk, len(records))):
            _identity, name, year = records[index]
            lines.append([f"N{index}", name, "activist", "Almaty", "2025-03-01", year or ""])
        table = read_table(csv_bytes(lines), "network.csv")
        with Session(engine) as session:
            outcome = apply_import(
                session,
                actor=None,
                organisation_id=organisations[number % len(organisations)],
                table=table,
                mapping=guess_mapping(table.headers),
                today=dt.date(2026, 11, 23),
                all_or_nothing=True,
            )
            assert outcome.written, outcome.plan.counts
            session.commit()


def _network_world(engine: sa.Engine) -> tuple[list[int], Actor]:
    """Four organisations, a city, a coordinator of the first; cross-organisation matching on."""
    from sqlmodel import Session

    from models.access import Actor
    from models.duplicates.setting import CROSS_ORG_MATCHING, set_setting
    from models.enums import Role
    from models.tables import City, Organisation, User

    with Session(engine) as session:
        orgs = [Organisation(name=f"Network Bureau {n}") for n in range(4)]
        session.add_all(orgs)
        session.add(
            City(
                key="almaty",
                name_en="Almaty",
                name_ru="Алматы",
                region_en="Almaty",
                region_ru="Алматы",
                country="KZ",
            )
        )
        session.flush()
        user = User(
            username="bench-coordinator",
            display_name="Bench",
            role=Role.COORDINATOR,
            organisation_id=orgs[0].id,
            password_hash="-",
        )
        session.add(user)
        set_setting(session, name=CROSS_ORG_MATCHING, enabled=True, actor=None)
        session.commit()
        return [o.id for o in orgs if o.id is not None], Actor.of(user)


def measure_network(scratch: Path, *, people: int, checks: int = 30) -> dict[str, object]:
    """A network of ``people`` (``network_records``, imported into four organisations): the
    network-wide duplicate scan once, with its precision and recall against the known
    identities, and the intake check for ``checks`` names typed on the new-case form (each
    another spelling of a person already in the network)."""
    import statistics

    from sqlmodel import Session, col

    from models.database import make_engine, upgrade
    from models.duplicates.intake import intake_matches
    from models.duplicates.scan import scan
    from models.tables import CaseReference

    path = scratch / "network-bench.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    organisation_ids, actor = _network_world(engine)
    records = network_records(people)
    (import_s, _cpu), _ = _timed(lambda: _import_network(engine, records, organisation_ids))
    with Session(engine) as session:
        (scan_s, scan_cpu), pairs = _timed(lambda: scan(session))
        references = session.execute(
            sa.select(col(CaseReference.case_id), col(CaseReference.reference))
        ).all()
        by_identity: dict[int, list[int]] = {}
        for case_id, reference in references:
            by_identity.setdefault(records[int(reference[1:])][0], []).append(case_id)
        truth = {(min(g), max(g)) for g in by_identity.values() if len(g) == 2}
        predicted = {(p.case_id_a, p.case_id_b) for p in pairs}
        hits = len(predicted & truth)
        rng = random.Random(5)
        twice = [i for i, group in by_identity.items() if len(group) == 2]
        first_name = {i: n for i, n, _y in reversed(records)}  # each identity's first record
        timings, found = [], []
        for identity in rng.sample(twice, min(checks, len(twice))):
            values = {"full_name": first_name[identity].upper(), "birth_year": None}
            started = time.perf_counter()
            matches = intake_matches(
                session, actor=actor, organisation_id=organisation_ids[0], values=values
            )
            timings.append(time.perf_counter() - started)
            found.append(len(matches))
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
        Path(f"{scratch / 'network-bench-keys.db'}{suffix}").unlink(missing_ok=True)
    timings.sort()
    return {
        "people": len(records),
        "import_s": round(import_s, 1),
        "scan_s": round(scan_s, 2),
        "scan_cpu_s": round(scan_cpu, 2),
        "scan_pairs": len(pairs),
        "true_pairs": len(truth),
        "precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "recall": round(hits / len(truth), 4) if truth else 1.0,
        "intake_checks": len(timings),
        "intake_median_s": round(statistics.median(timings), 3),
        "intake_p95_s": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "intake_max_s": round(timings[-1], 3),
        "intake_mean_matches": round(sum(found) / len(found), 1),
    }


def format_network(result: dict[str, Any]) -> str:
    """``measure_network``'s figures, read back from JSON, as Markdown."""
    return "\n".join(
        [
            "",
            f"Duplicate detection over a network of {result['people']:,} people in four "
            f"organisations (SQLite; imported in {result['import_s']} s):",
            "",
            "| measurement | seconds | target |",
            "|---|---|---|",
            f"| network-wide scan ({result['scan_pairs']:,} likely pairs; precision "
            f"{result['precision']}, recall {result['recall']} on {result['true_pairs']:,} "
            f"true pairs) | {result['scan_s']} ({result['scan_cpu_s']} CPU) "
            f"| ≤ {TARGET_SCAN_100K_S:.0f} |",
            f"| intake check, median / p95 / max of {result['intake_checks']} names "
            f"| {result['intake_median_s']} / {result['intake_p95_s']} / "
            f"{result['intake_max_s']} | ≤ {TARGET_INTAKE_S} |",
        ]
    )
