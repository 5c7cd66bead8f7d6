"""The funder in a real browser: only the published quarterly releases, no case code, name or
city on the page or in any download, no other page reachable, and no request to any other
host."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from sqlmodel import Session

from models.case_codes import CODE_DISPLAY
from models.identity.store import read_identity
from tests.e2e.conftest import download, nav_labels, screenshot, sign_in, wait_ready

CODE = re.compile(CODE_DISPLAY)  # any case code, of the earlier or the new form
FUNDER_MENU = ["Impact report", "My account"]


def _rows(server, query: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def _secrets(server) -> tuple[list[str], list[str], list[str]]:  # type: ignore[no-untyped-def]
    codes = [row[0] for row in _rows(server, "SELECT code FROM case_file")]
    engine = sa.create_engine(server.database_url)
    try:
        with Session(engine) as session:
            people = [
                read_identity(session, case_id=r[0])
                for r in _rows(server, "SELECT case_id FROM person")
            ]
    finally:
        engine.dispose()
    names = [p.full_name for p in people if p is not None]
    assert names
    cities = [
        name
        for row in _rows(
            server,
            "SELECT DISTINCT city.name_en, city.name_ru FROM case_file"
            " JOIN city ON city.id = case_file.city_id",
        )
        for name in row
    ]
    return codes, names, cities


def _leaks(text: str, secrets: tuple[list[str], list[str], list[str]]) -> list[str]:
    """What of ``secrets`` (codes, names, cities) ``text`` shows, and any case code."""
    codes, names, cities = secrets
    found = [match.group(0) for match in CODE.finditer(text)]
    found += [code for code in codes if code in text]
    found += [name for name in names if name in text]
    # "Karaganda Region" names the region, not the city; the bare city name never shows.
    found += [
        city
        for city in cities
        if re.search(rf"(?<![\w-]){re.escape(city)}(?![\w-])(?! Region)", text)
    ]
    return found


def _assert_clean(text: str, server) -> None:  # type: ignore[no-untyped-def]
    assert _leaks(text, _secrets(server)) == []


def _page_text(page) -> str:  # type: ignore[no-untyped-def]
    return "\n".join([page.inner_text("body"), *page.locator("svg text").all_text_contents()])


def _open_report(server, new_page, path: str = ""):  # type: ignore[no-untyped-def]
    recorded = new_page()
    page = recorded.page
    page.goto(f"{server.url}{path}")
    wait_ready(page)
    sign_in(page, "funder")
    page.get_by_role("heading", name="Impact report").first.wait_for(timeout=60_000)
    wait_ready(page)
    return recorded


def _exports(server) -> int:  # type: ignore[no-untyped-def]
    return _rows(
        server, "SELECT count(*) FROM audit_event WHERE action = 'export' AND username = 'funder'"
    )[0][0]


def test_the_funder_sees_the_report_and_nothing_that_points_to_a_person(server, new_page):
    recorded = _open_report(server, new_page)
    page = recorded.page
    assert nav_labels(page) == FUNDER_MENU
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    # No download but the four audited ones: no table or chart toolbar export.
    assert page.get_by_role("button", name=re.compile("Download", re.I)).count() == 0
    text = _page_text(page)
    # The releases page: the latest published quarter, its stored tables and its note.
    assert "Network release for 2026 Q3" in text
    assert "New cases in the quarter, by category" in text
    assert "19 times out of 20" in text
    assert "Totals by quarter, from the published releases" in text
    # Nothing of the live report reaches a funder.
    assert "People supported, by category and quarter of intake" not in text
    _assert_clean(text, server)
    screenshot(page, "impact-funder")
    assert recorded.foreign_requests(server.host) == []


def test_every_download_is_clean_audited_and_the_html_report_fetches_nothing(
    server, new_page, tmp_path: Path
):
    recorded = _open_report(server, new_page)
    page = recorded.page
    before = _exports(server)
    files: dict[str, bytes] = {}
    # One click after another with no pause: a click that reran the page used to leave the
    # next button spinning with no file.
    for label in ("CSV", "Excel", "HTML report", "PDF"):
        received = download(page, label, server.log_path)
        path = tmp_path / received.suggested_filename
        received.save_as(path)
        files[path.suffix] = path.read_bytes()
    assert set(files) == {".csv", ".xlsx", ".html", ".pdf"}
    assert files[".pdf"].startswith(b"%PDF") and b"/URI" not in files[".pdf"]

    csv_text = files[".csv"].decode("utf-8-sig")
    assert "2026 Q3" in csv_text  # the quarter as the pages write it
    _assert_clean(csv_text, server)
    workbook = openpyxl.load_workbook(io.BytesIO(files[".xlsx"]))
    cells = [
        str(c.value)
        for sheet in workbook
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert len(workbook.sheetnames) == 7  # six tables and the methodology
    _assert_clean("\n".join(cells), server)
    document = files[".html"].decode("utf-8")
    assert "<script" not in document  # tables and text only
    _assert_clean(document, server)

    # Each file is recorded as it is made, before it is delivered.
    assert _exports(server) == before + 4
    assert recorded.foreign_requests(server.host) == []

    # Opened on its own, the report asks no server for anything (the harness fails the test
    # on any request the page makes to another host).
    viewer = new_page()
    viewer.page.set_content(document)
    viewer.page.get_by_text("Methodology").first.wait_for(timeout=30_000)
    assert [u for u in viewer.requests if not u.startswith(("data:", "blob:"))] == []
    viewer.page.emulate_media(media="print")
    assert viewer.page.pdf(format="A4")[:4] == b"%PDF"
    screenshot(viewer.page, "impact-html-report")


OTHER_PAGES = ["/case?code={code}", "/weekly", "/cases", "/triage", "/audit", "/admin", "/new-case"]


def test_no_other_page_is_reachable_by_its_address(server, new_page):
    code = _rows(server, "SELECT code FROM case_file ORDER BY id LIMIT 1")[0][0]
    secrets = _secrets(server)
    recorded = new_page()
    page = recorded.page
    shown = {}
    for path in OTHER_PAGES:
        # A new address is a full page load: a new session, signed in again.
        page.goto(f"{server.url}{path.format(code=code)}")
        wait_ready(page)
        sign_in(page, "funder")
        page.get_by_role("heading", name="Impact report").first.wait_for(timeout=60_000)
        wait_ready(page)
        text = _page_text(page)
        menu = nav_labels(page)
        shown[path] = _leaks(text, secrets)
        if menu != FUNDER_MENU:
            shown[path].append(f"menu: {menu}")
        if "Impact report" not in text:
            shown[path].append("no impact report")
    assert shown == {path: [] for path in OTHER_PAGES}
    assert recorded.foreign_requests(server.host) == []
