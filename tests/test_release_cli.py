"""``waypoint release publish | list | export``: the commands an operator automates."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from waypoint_cli.main import main


@pytest.fixture
def seeded_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WAYPOINT_TODAY", "2026-11-23")
    monkeypatch.setenv("WAYPOINT_DEMO_PASSWORD", "tundra-lantern-quiver-47")
    assert main(["--database-url", database_url, "seed", "--cases", "300", "--seed", "5"]) == 0
    return database_url


def _audit(url: str, action: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
            ).scalar_one()
    finally:
        engine.dispose()


def test_publish_list_and_export_a_quarter(seeded_url, tmp_path, capsys) -> None:
    url = seeded_url
    assert main(["--database-url", url, "release", "publish", "--quarter", "2026Q3"]) == 0
    assert "Published the release for 2026Q3" in capsys.readouterr().out
    # Publishing the same quarter again is refused, plainly, and writes nothing.
    assert main(["--database-url", url, "release", "publish", "--quarter", "2026Q3"]) == 2
    assert "already been published" in capsys.readouterr().err
    # A quarter not yet over, and a badly written one, are refused too.
    assert main(["--database-url", url, "release", "publish", "--quarter", "2026Q4"]) == 2
    assert "not over yet" in capsys.readouterr().err
    assert main(["--database-url", url, "release", "publish", "--quarter", "Q3"]) == 2
    assert "write it as 2026Q3" in capsys.readouterr().err

    assert main(["--database-url", url, "release", "list"]) == 0
    listing = capsys.readouterr().out
    assert "2026Q3" in listing and "published" in listing

    outputs = {}
    for form in ("csv", "xlsx", "html", "pdf"):
        path = tmp_path / f"release.{form}"
        args = ["release", "export", "--quarter", "2026Q3", "--format", form, "--output"]
        assert main(["--database-url", url, *args, str(path)]) == 0
        outputs[form] = path.read_bytes()
    assert outputs["pdf"].startswith(b"%PDF") and b"DejaVu" in outputs["pdf"]
    assert b"/URI" not in outputs["pdf"]
    csv_text = outputs["csv"].decode("utf-8-sig")
    assert "2026 Q3" in csv_text and "Total" in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(outputs["xlsx"]))
    assert "Methodology" in workbook.sheetnames and len(workbook.sheetnames) == 7
    assert b"http" not in outputs["html"].replace(b"http-equiv", b"")
    assert _audit(url, "export") == 4
    assert _audit(url, "release_published") == 1

    # Exporting the same release twice gives the same bytes.
    again = tmp_path / "again.pdf"
    args = ["release", "export", "--quarter", "2026Q3", "--format", "pdf", "--output"]
    assert main(["--database-url", url, *args, str(again)]) == 0
    assert again.read_bytes() == outputs["pdf"]
    missing = ["release", "export", "--quarter", "2025Q1", "--format", "csv", "--output"]
    assert main(["--database-url", url, *missing, str(tmp_path / "x.csv")]) == 2
    assert "No published release for 2025Q1" in capsys.readouterr().err
