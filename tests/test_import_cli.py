"""``waypoint import`` and ``waypoint duplicates`` on a real database."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.database import make_engine
from models.tables import Case, DuplicateCandidate
from tests.factories import make_case, make_organisation
from tests.import_files import csv_bytes, drop_latin_names
from tests.import_worlds import add_cities
from waypoint_cli.main import main

KEY = "k" * 48
ROWS = [
    ["reference", "ФИО", "Категория", "Город", "Дата обращения", "Год рождения"],
    ["A-1", "Зайцев Дмитрий Олегович", "Журналист", "Алматы", "01.03.2025", "1990"],
    ["A-2", "Мария Соколова", "activist", "Almaty", "2025-04-02", ""],
]


@pytest.fixture(autouse=True)
def _configured(monkeypatch):
    monkeypatch.setenv("WAYPOINT_COOKIE_KEY", KEY)
    monkeypatch.setenv("WAYPOINT_TODAY", "2026-11-23")


@pytest.fixture
def url(database_url):
    engine = make_engine(database_url)
    with Session(engine) as session:
        make_organisation(session, "Steppe Bureau")
        add_cities(session, "almaty")
        session.commit()
    engine.dispose()
    return database_url


def cases(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        total = connection.scalar(sa.select(sa.func.count()).select_from(Case))
    engine.dispose()
    return int(total or 0)


def result(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_dry_run_writes_nothing_and_the_result_file_has_one_line_per_row(url, tmp_path, capsys):
    sheet = tmp_path / "caseload.csv"
    sheet.write_bytes(csv_bytes(ROWS, encoding="cp1251", delimiter=";"))
    out = tmp_path / "result.csv"
    code = main(
        [
            "--database-url",
            url,
            "import",
            str(sheet),
            "--organisation",
            "Steppe Bureau",
            "--dry-run",
            "--result",
            str(out),
        ]
    )
    assert code == 0
    assert "2 rows: 2 created" in capsys.readouterr().out
    assert cases(url) == 0
    lines = result(out)
    assert list(lines[0]) == ["row", "reference", "status", "case_code", "errors"]
    assert [(r["row"], r["reference"], r["status"]) for r in lines] == [
        ("2", "A-1", "created"),
        ("3", "A-2", "created"),
    ]


def test_the_result_file_holds_no_formula_for_a_reader_splitting_on_semicolons(url, tmp_path):
    """Excel in ru-RU splits a CSV file on ";", which a reference from the sheet may hold."""
    hostile = [row[:] for row in ROWS]
    hostile[2][0] = "A-2;=cmd|' /C calc'!A0"
    sheet = tmp_path / "caseload.csv"
    sheet.write_bytes(csv_bytes(hostile))
    out = tmp_path / "result.csv"
    args = ["import", str(sheet), "--organisation", "Steppe Bureau", "--dry-run"]
    main(["--database-url", url, *args, "--result", str(out)])
    text = out.read_bytes().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert not [cell for cell in cells if cell.startswith("=")]
    assert result(out)[1]["reference"] == "A-2;'=cmd|' /C calc'!A0"


def test_import_then_reimport_updates_and_never_duplicates(url, tmp_path, capsys):
    sheet = tmp_path / "caseload.csv"
    sheet.write_bytes(csv_bytes(ROWS))
    out = tmp_path / "result.csv"
    args = [
        "--database-url",
        url,
        "import",
        str(sheet),
        "--organisation",
        "Steppe Bureau",
        "--result",
        str(out),
    ]
    assert main(args) == 0
    codes = [r["case_code"] for r in result(out)]
    assert all(c.startswith("WP-25-") for c in codes) and cases(url) == 2
    assert main(args) == 0
    assert [(r["status"], r["case_code"]) for r in result(out)] == [
        ("unchanged", codes[0]),
        ("unchanged", codes[1]),
    ]
    edited = [row[:] for row in ROWS]
    edited[2][1] = "Мария Соколова-Петрова"
    sheet.write_bytes(csv_bytes(edited))
    assert main(args) == 0
    assert [r["status"] for r in result(out)] == ["unchanged", "updated"]
    assert cases(url) == 2


def test_a_file_with_errors_is_not_written_and_says_why(url, tmp_path, capsys):
    sheet = tmp_path / "caseload.csv"
    sheet.write_bytes(
        csv_bytes([*ROWS, ["A-3", "<b>x</b>", "activist", "Almaty", "2025-01-01", ""]])
    )
    out = tmp_path / "result.csv"
    code = main(
        [
            "--database-url",
            url,
            "import",
            str(sheet),
            "--organisation",
            "Steppe Bureau",
            "--result",
            str(out),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "line 4: full_name:" in err and "nothing was written" in err
    assert cases(url) == 0
    assert result(out)[2]["status"] == "error" and "HTML" in result(out)[2]["errors"]


def test_a_hostile_file_and_an_unknown_organisation_are_refused(url, tmp_path, capsys):
    sheet = tmp_path / "caseload.csv"
    sheet.write_bytes(b"reference,note\nr," + b"a" * 100_000 + b"\n")
    assert (
        main(["--database-url", url, "import", str(sheet), "--organisation", "Steppe Bureau"]) == 2
    )
    assert "refused" in capsys.readouterr().err
    sheet.write_bytes(csv_bytes(ROWS))
    assert main(["--database-url", url, "import", str(sheet), "--organisation", "Nobody"]) == 2
    assert "no organisation named 'Nobody'" in capsys.readouterr().err
    assert cases(url) == 0


def test_duplicates_lists_likely_pairs_as_csv(url, capsys):
    engine = make_engine(url)
    with Session(engine) as session:
        org = make_organisation(session, "Open Door")
        a = make_case(session, organisation=org, full_name="Зайцев Дмитрий Олегович")
        b = make_case(session, organisation=org, full_name="ZAYTSEV DMITRIY")
        make_case(session, organisation=org, full_name="Зайцев Алексей Олегович")
        drop_latin_names(session)  # the factory's filler
        session.commit()
        codes = sorted([a.code, b.code])
    engine.dispose()
    assert main(["--database-url", url, "duplicates", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [sorted([r["case_code_a"], r["case_code_b"]]) for r in rows] == [codes]
    assert float(rows[0]["score"]) >= 0.85 and rows[0]["reasons"]
    assert main(["--database-url", url, "duplicates", "--organisation", "Steppe Bureau"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["case_code_a", "case_code_b", "score", "reasons"]]


def test_duplicates_refresh_and_the_daily_refresh_store_the_review_queue(url, capsys):
    engine = make_engine(url)
    with Session(engine) as session:
        org = make_organisation(session, "Open Door")
        a = make_case(session, organisation=org, full_name="Зайцев Дмитрий Олегович")
        b = make_case(session, organisation=org, full_name="ZAYTSEV DMITRIY")
        drop_latin_names(session)  # the factory's filler
        session.commit()
        pair = tuple(sorted([a.id, b.id]))

    def queued() -> list[tuple[int, int]]:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(DuplicateCandidate.case_a_id, DuplicateCandidate.case_b_id)
            )
            return [tuple(row) for row in rows]

    assert queued() == []  # written around the intake: not queued until a search
    assert main(["--database-url", url, "duplicates", "--refresh"]) == 0
    assert "1 likely pairs stored" in capsys.readouterr().out
    assert queued() == [pair]
    with engine.begin() as connection:
        connection.execute(sa.delete(DuplicateCandidate))
    assert main(["--database-url", url, "refresh"]) == 0
    assert "Duplicate review queue: 1 likely pairs stored" in capsys.readouterr().out
    assert queued() == [pair]
    engine.dispose()


def test_cross_organisation_matching_is_switched_on_and_off_from_the_command_line(url, capsys):
    engine = make_engine(url)
    with Session(engine) as session:
        a = make_case(
            session,
            organisation=make_organisation(session, "Harbour House"),
            full_name="Зайцев Дмитрий Олегович",
        )
        b = make_case(
            session,
            organisation=make_organisation(session, "Far Shore"),
            full_name="ZAYTSEV DMITRIY",
        )
        drop_latin_names(session)
        session.commit()
        codes = sorted([a.code, b.code])
    engine.dispose()

    def pairs() -> list[list[str]]:
        assert main(["--database-url", url, "duplicates"]) == 0
        rows = csv.DictReader(io.StringIO(capsys.readouterr().out))
        return [sorted([r["case_code_a"], r["case_code_b"]]) for r in rows]

    assert main(["--database-url", url, "network-setting", "cross-org-matching"]) == 0
    assert capsys.readouterr().out.strip() == "cross-org-matching: off"  # a new network
    assert pairs() == []
    assert main(["--database-url", url, "network-setting", "cross-org-matching", "on"]) == 0
    assert capsys.readouterr().out.strip() == "cross-org-matching: on"
    assert pairs() == [codes]
    assert main(["--database-url", url, "network-setting", "cross-org-matching", "off"]) == 0
    capsys.readouterr()
    assert pairs() == []
