"""What an attacker, or a careless visitor, tries in a browser: markup in a note, another
organisation's case by its address, a funder after a case, pages without signing in, an error
that would print a traceback; and what the server leaves behind: its log and its disk."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dashboard.navigation import PAGES
from models.access import Actor, visible_cases
from models.case_codes import CODE_DISPLAY
from models.enums import CaseStatus
from models.identity.crypto import seal_identity
from models.identity.store import case_cipher, read_identity, seal_note
from models.tables import Case, CaseNote, Person, User
from tests.e2e.conftest import (
    COOKIE_KEY,
    Server,
    database,
    go_to,
    main_text,
    nav_labels,
    open_signed_in,
    sign_in,
    start_streamlit,
    stop,
    wait_drawn,
    wait_ready,
)

MARKUP = "<img src=x onerror=alert(1)>"
MARKDOWN = "**not bold** [click](javascript:alert(2)) ![pixel](http://203.0.113.9/p.png)"
SCRIPT = "<script>alert(3)</script>"
CASE_CODE = re.compile(CODE_DISPLAY)  # any case code, of the earlier or the new form


@dataclass(frozen=True)
class KnownCase:
    code: str
    id: int
    names: tuple[str, ...]  # every spelling and the contact: what must never leak


def _known(session: Session, case: Case) -> KnownCase:
    person = read_identity(session, case_id=case.id)  # type: ignore[arg-type]
    assert person is not None
    spellings = [person.full_name, person.name_cyrillic, person.name_latin, person.contact]
    spellings += (person.other_spellings or "").split(";")
    names = tuple(sorted({s.strip() for s in spellings if s and len(s.strip()) > 3}))
    assert case.id is not None
    return KnownCase(code=case.code, id=case.id, names=names)


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


@dataclass(frozen=True)
class Cases:
    own: KnownCase  # open, assigned to "caseworker"
    colleague: KnownCase  # same organisation, assigned to someone else
    other_organisation: KnownCase


@pytest.fixture(scope="module")
def cases(server: Server) -> Cases:
    with database(server) as session:
        caseworker = _user(session, "caseworker")
        own = session.exec(
            select(Case)
            .where(visible_cases(Actor.of(caseworker)), Case.status == CaseStatus.OPEN)
            .order_by(Case.id)
        ).first()
        colleague = session.exec(
            select(Case)
            .where(
                Case.organisation_id == caseworker.organisation_id,
                Case.caseworker_id != caseworker.id,
            )
            .order_by(Case.id)
        ).first()
        other = session.exec(
            select(Case).where(Case.organisation_id != caseworker.organisation_id).order_by(Case.id)
        ).first()
        assert own and colleague and other
        return Cases(_known(session, own), _known(session, colleague), _known(session, other))


def show_identity(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("Show identity", exact=True).click()
    wait_ready(page)


def test_markup_in_a_note_and_an_identity_shows_as_text_and_runs_no_script(server, new_page, cases):
    with database(server) as session:
        caseworker = _user(session, "caseworker")
        for body in (MARKUP, MARKDOWN, SCRIPT):
            sealed = seal_note(session, case_id=cases.own.id, text=body)
            session.add(CaseNote(case_id=cases.own.id, author_id=caseworker.id, sealed_body=sealed))
        person = session.exec(select(Person).where(Person.case_id == cases.own.id)).one()
        original = person.sealed
        identity = read_identity(session, case_id=cases.own.id)
        cipher = case_cipher(session, case_id=cases.own.id)
        assert identity is not None and cipher is not None
        marked = replace(identity, other_spellings=f"{MARKUP} {SCRIPT} {MARKDOWN}")
        person.sealed = seal_identity(cipher, marked)
        session.add(person)
    try:
        recorded = open_signed_in(new_page, server, "caseworker", f"case?code={cases.own.code}")
        page = recorded.page
        show_identity(page)
        wait_drawn(page)  # an injected image would have failed, and fired onerror

        text = main_text(page)
        assert f"{MARKUP} {SCRIPT} {MARKDOWN}" in text  # drawn literally, as the user typed
        assert recorded.dialogs == []
        assert page.locator('main img[src="x"], [onerror]').count() == 0
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator("main strong", has_text="not bold").count() == 0
        # The notes table lists the three notes (it is drawn on a canvas, as text).
        assert page.get_by_test_id("stDataFrame").count() >= 1
    finally:
        with database(server) as session:
            person = session.exec(select(Person).where(Person.case_id == cases.own.id)).one()
            person.sealed = original
            session.add(person)


def test_a_caseworker_sees_the_identity_of_their_own_case(server, new_page, cases):
    page = open_signed_in(new_page, server, "caseworker", f"case?code={cases.own.code}").page
    show_identity(page)
    text = main_text(page)
    assert cases.own.code in text
    assert all(name in text for name in cases.own.names)


def _addresses(cases: Cases) -> list[str]:
    other = cases.other_organisation
    return [
        f"case?code={other.code}",
        f"case?code={other.code.lower()}",
        f"case?code=%20{other.code}%20",
        f"case?code={cases.own.code}&code={other.code}",
        f"case?id={other.id}&case_id={other.id}",
        f"case?code={cases.colleague.code}",
    ]


def test_a_caseworker_cannot_reach_a_case_outside_their_scope_by_address(server, new_page, cases):
    page = new_page().page
    leaks: dict[str, list[str]] = {}
    for address in _addresses(cases):
        # A new address is a full page load: a new session, signed in again.
        page.goto(f"{server.url}/{address}")
        wait_ready(page)
        sign_in(page, "caseworker")
        text = main_text(page)
        hidden = cases.colleague if cases.colleague.code in address else cases.other_organisation
        if page.get_by_text("Show identity", exact=True).count():
            show_identity(page)
            text = main_text(page)
        leaks[address] = [name for name in hidden.names if name in text]
        if "&" not in address and "id=" not in address and "Case not found." not in text:
            leaks[address].append("no 'Case not found.'")
    assert leaks == {address: [] for address in _addresses(cases)}


def test_the_funder_cannot_reach_any_case(server, new_page, cases):
    for address in (f"case?code={cases.own.code}", "cases"):
        page = open_signed_in(new_page, server, "funder", address).page
        assert nav_labels(page) == ["Impact report", "My account"]
        text = main_text(page)
        assert CASE_CODE.search(text) is None, address
        assert not [name for name in cases.own.names if name in text]


VISITOR_PATHS = [
    "",
    *(spec.url_path for spec in PAGES),
    "case?code=WP-25-0001",
    "no-such-page",
    "admin?tab=accounts",
    "home/../audit",
]


def _beyond_the_sign_in_form(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What a signed-out page shows besides the sign-in form (nothing, if all is well)."""
    text = main_text(page)
    sidebar = page.get_by_test_id("stSidebar")
    labels = nav_labels(page)
    found = [f"menu: {labels}"] if labels else []
    if sidebar.count() and sidebar.is_visible():
        found.append("a sidebar")
    if "Sign in to Waypoint" not in text:
        found.append("no sign-in title")
    if CASE_CODE.search(text.replace("WP-25-0001", "")):
        found.append("a case code")
    if page.get_by_test_id("stDataFrame").count():
        found.append("a table")
    if page.get_by_test_id("stPlotlyChart").count():
        found.append("a chart")
    return found


def test_a_visitor_who_has_not_signed_in_sees_only_the_sign_in_form(server, new_page):
    page = new_page().page
    shown = {}
    for path in VISITOR_PATHS:
        page.goto(f"{server.url}/{path}")  # a full page load: a new session each time
        page.get_by_role("textbox", name="Password", exact=True).wait_for(timeout=60_000)
        wait_ready(page)
        shown[path] = _beyond_the_sign_in_form(page)
    assert shown == {path: [] for path in VISITOR_PATHS}


# --- What the server keeps: its log and its disk -------------------------------------------


# Both tests look at what one session left behind: built once, on one worker.
SERVER_TRACES = pytest.mark.xdist_group("security-full-session")


@pytest.fixture(scope="module")
def full_session(server: Server, browser, cases: Cases) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """A coordinator and a caseworker at work: dashboards, a search by name, cases opened
    with their identities shown, a note written. Yields every name the session displayed."""
    with database(server) as session:
        coordinator = _user(session, "coordinator")
        org_case = session.exec(
            select(Case).where(visible_cases(Actor.of(coordinator))).order_by(Case.id.desc())  # type: ignore[union-attr]
        ).first()
        assert org_case is not None
        coordinator_case = _known(session, org_case)
    contexts = []

    def fresh(address: str, username: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server.url}/{address}")
        wait_ready(page)
        sign_in(page, username)
        return page

    try:
        page = fresh(f"case?code={coordinator_case.code}", "coordinator")
        show_identity(page)
        for title in (
            "Weekly review",
            "Risk triage",
            "Caseload map",
            "Permit expiry",
            "Resettlement pipeline",
            "Impact report",
            "Audit trail",
        ):
            go_to(page, title)
        go_to(page, "Cases")
        search = page.get_by_role("textbox", name="Search", exact=True)
        search.fill(coordinator_case.names[0])
        search.press("Enter")
        wait_ready(page)

        page = fresh(f"case?code={cases.own.code}", "caseworker")
        show_identity(page)
        page.get_by_role("textbox", name="New note").fill(
            f"Called {cases.own.names[0]} back; next meeting on Monday."
        )
        page.get_by_role("button", name="Add note").click()
        wait_ready(page)
        go_to(page, "Cases")
        go_to(page, "My account")
        yield [*coordinator_case.names, *cases.own.names]
    finally:
        for context in contexts:
            context.close()


@SERVER_TRACES
def test_the_server_log_carries_no_name_or_contact(server, full_session):
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert full_session, "the session showed no names to look for"
    found = [name for name in full_session if name.lower() in log.lower()]
    assert found == []


@SERVER_TRACES
def test_no_query_result_is_cached_to_disk(server, full_session):
    cache = server.home / ".streamlit" / "cache"
    written = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert written == []


# --- Errors: no traceback for the user, no message in the log ------------------------------

SECRET = "Ivanova Marina Petrovna, +7 701 555 01 23"
FAILING_APP = f"""
import streamlit as st
from dashboard import runtime

runtime.configure_logging()
SECRET = {SECRET!r}


def guarded() -> None:
    st.title("Guarded page")
    runtime.run_guarded(lambda: int(SECRET))


def unguarded() -> None:
    st.title("Unguarded page")
    raise KeyError(SECRET)


st.navigation([st.Page(guarded, url_path="guarded", default=True),
               st.Page(unguarded, url_path="unguarded")]).run()
"""


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A test-only app, with the project's config, whose pages fail with a name in the error."""
    folder = tmp_path_factory.mktemp("failing")
    script = folder / "failing_app.py"
    script.write_text(textwrap.dedent(FAILING_APP))
    env = {**os.environ, "WAYPOINT_COOKIE_KEY": COOKIE_KEY, "HOME": str(folder)}
    process, url, log_path = start_streamlit(script, folder=folder, env=env)
    try:
        yield url, log_path
    finally:
        stop(process)


@pytest.mark.xdist_group("failing-app")  # one test-only server for both
@pytest.mark.parametrize("path", ["guarded", "unguarded"])
def test_a_failing_page_shows_no_traceback_and_logs_no_message(failing_app, new_page, path):
    url, log_path = failing_app
    page = new_page().page
    page.goto(f"{url}/{path}")
    wait_drawn(page)
    text = page.locator("body").inner_text()
    assert "page" in text.lower()  # the page drew, then failed
    for leak in (
        "Ivanova",
        "555 01 23",
        "Traceback",
        'File "',
        "KeyError",
        "ValueError",
        "failing_app.py",
    ):
        assert leak not in text
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Ivanova" not in log and "555 01 23" not in log
    assert "Error" in log  # the failure is logged: its type and where it happened
