"""A coordinator imports in a real browser: the template, then a messy sheet (Russian
headers, Windows-1251, a row with HTML), each with a dry run first and then the apply."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from models import imports
from models.database import make_engine
from models.identity.store import read_identity
from models.tables import Case, CaseReference, User
from reports.import_template import template_file
from tests.e2e.conftest import download, open_signed_in, screenshot, wait_ready
from tests.import_files import csv_bytes

MESSY = [
    ["Шифр", "ФИО", "Категория", "Город", "Дата обращения", "Год рождения", "Заметка"],
    ["E2E-1", "Соколова Мария Петровна", "Журналист", "Алматы", "01.03.2025", "1991", ""],
    ["E2E-2", "ORLOV OLEG", "activist", "Astana", "2025-04-02", "", "Needs housing"],
    ["E2E-3", "<b>Иван</b>", "activist", "Almaty", "2025-04-02", "", ""],
]


def upload(page, name: str, data: bytes, mime: str) -> None:  # type: ignore[no-untyped-def]
    """Upload a file and wait until the page shows its columns. The "Dry run" button of the
    previous file is already on screen: waiting for it let a click reach the server before
    the new file did, and the dry run then checked the old one."""
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    first_header = imports.read_table(data, name).headers[0]
    page.get_by_test_id("stSelectbox").filter(has_text=first_header).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Dry run").wait_for(timeout=60_000)
    wait_ready(page)


def dry_run(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Dry run").click()
    page.get_by_role("button", name="Import now").wait_for(timeout=60_000)
    wait_ready(page)


def metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stMetric").filter(has_text=label)
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def imported(server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """reference -> full name of the coordinator's organisation's imported cases."""
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        org = session.execute(
            sa.select(User.organisation_id).where(User.username == "coordinator")
        ).scalar_one()
        rows = session.execute(
            sa.select(CaseReference.reference, Case.id)
            .join(Case, Case.id == CaseReference.case_id)
            .where(Case.organisation_id == org)
        ).all()
        names = {
            reference: identity.full_name
            for reference, case_id in rows
            if (identity := read_identity(session, case_id=case_id)) is not None
        }
    engine.dispose()
    return names


def _error_file_exports(server) -> list[str]:  # type: ignore[no-untyped-def]
    """The audit details of the coordinator's error-file downloads, oldest first."""
    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        details = connection.execute(
            sa.text(
                "SELECT detail FROM audit_event WHERE action = 'export'"
                " AND entity = 'import_errors' AND username = 'coordinator' ORDER BY id"
            )
        ).scalars()
        found = list(details)
    engine.dispose()
    return found


def test_coordinator_imports_the_template_then_a_messy_sheet(new_page, server):
    recorded = open_signed_in(new_page, server, "coordinator", "/import")
    page = recorded.page
    page.get_by_role("heading", name="Import cases").wait_for(timeout=60_000)
    # The heading is drawn before the rest of the page: wait for the button, do not glance.
    page.get_by_role("button", name="Template (Russian headers)").wait_for(timeout=60_000)

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    upload(page, "template.xlsx", template_file("en"), xlsx)
    dry_run(page)
    assert metric(page, "New cases") == "1"
    assert metric(page, "Rows with errors") == "0"
    assert "A-001" not in imported(server)  # a dry run writes nothing
    page.get_by_role("button", name="Import now").click()
    page.get_by_text("Imported: 1 new cases").wait_for(timeout=60_000)
    assert imported(server)["A-001"] == "Пример Иван Петрович"

    upload(page, "caseload.csv", csv_bytes(MESSY, encoding="cp1251", delimiter=";"), "text/csv")
    page.get_by_role("button", name="Dry run").click()  # "Шифр" is not recognised
    page.get_by_text("Choose a column for: reference").wait_for(timeout=60_000)
    page.get_by_test_id("stSelectbox").filter(has_text="Шифр").click()
    page.get_by_role("option", name="reference *").click()
    wait_ready(page)
    dry_run(page)
    assert metric(page, "New cases") == "2"
    assert metric(page, "Rows with errors") == "1"
    # The error file holds the row as the file had it, so its download is an audited export.
    before = _error_file_exports(server)
    errors = download(page, "Download the rows with errors", server.log_path)
    text = Path(errors.path()).read_text(encoding="utf-8-sig")
    assert "E2E-3" in text and "E2E-1" not in text
    assert _error_file_exports(server) == [*before, "rows=1"]
    screenshot(page, "import-dry-run")
    page.get_by_text("All rows, or nothing if any row has an error").click()
    page.get_by_role("button", name="Import now").click()
    page.get_by_text("Nothing was imported").wait_for(timeout=60_000)
    assert "E2E-1" not in imported(server)

    page.get_by_text("Only the valid rows; skip the rows with errors").click()
    wait_ready(page)
    page.get_by_role("button", name="Import now").click()
    page.get_by_text("Imported: 2 new cases, 0 updated, 0 unchanged, 1 rows skipped.").wait_for(
        timeout=60_000
    )
    after = imported(server)
    assert after["E2E-1"] == "Соколова Мария Петровна"
    assert after["E2E-2"] == "ORLOV OLEG"
    assert "E2E-3" not in after
    assert recorded.foreign_requests(server.host) == []
