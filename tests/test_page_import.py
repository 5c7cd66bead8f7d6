"""The import page and the guidance on an empty caseload (the upload, dry run and apply are
driven in a real browser: tests/e2e/test_import_browser.py)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from models.database import make_engine
from models.enums import Role
from tests.factories import actor_of, make_case, make_organisation, make_user


@pytest.fixture
def world(sqlite_url):
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        empty = make_organisation(session, "New Initiative")
        busy = make_organisation(session, "Steppe Bureau")
        make_case(session, organisation=busy)
        newcomer = make_user(session, role=Role.COORDINATOR, organisation=empty)
        veteran = make_user(session, role=Role.COORDINATOR, organisation=busy)
        session.commit()
    engine.dispose()
    return {"url": sqlite_url, "newcomer": actor_of(newcomer), "veteran": actor_of(veteran)}


def markdown(at) -> str:
    return " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("page", ["weekly.py", "triage.py", "case_list.py", "pipeline.py"])
def test_an_empty_organisations_dashboards_point_to_the_import_and_the_new_case_form(
    page_test, world, page
):
    at = page_test(page, database_url=world["url"], actor=world["newcomer"]).run()
    assert not at.exception
    text = markdown(at)
    assert "No cases yet" in text
    assert "(/import)" in text and "(/new-case)" in text


def test_an_organisation_with_cases_sees_no_guidance(page_test, world):
    at = page_test("weekly.py", database_url=world["url"], actor=world["veteran"]).run()
    assert not at.exception
    assert "No cases yet" not in markdown(at)


def test_the_import_page_offers_both_templates_and_an_upload(page_test, world):
    at = page_test("import_cases.py", database_url=world["url"], actor=world["newcomer"]).run()
    assert not at.exception
    assert at.title[0].value == "Import cases"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Template (English headers)", "Template (Russian headers)"]


def test_the_import_page_in_russian(page_test, world):
    at = page_test(
        "import_cases.py", database_url=world["url"], actor=world["newcomer"], language="ru"
    ).run()
    assert not at.exception
    assert at.title[0].value == "Импорт дел"
