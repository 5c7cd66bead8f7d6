"""Issue 16's findings, in the browser where they were found: markup planted in names is drawn
as typed and fetches nothing; every failed sign-in reads the same; a deactivated user's click
on a download gets no file and no audit row."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from models.accounts import create_user, hash_password
from models.enums import AuditAction, Role
from models.tables import AuditEvent, City, Organisation, User
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    database,
    go_to,
    nav_labels,
    sign_in,
    wait_drawn,
    wait_ready,
)
from tests.factories import make_case

# What the review planted: the first makes the browser fetch a URL, the second draws a link.
FETCH_NAME = '<span style="fill:url(http://attacker.example/x.svg)">Anna Fetch</span>'
LINK_CITY = '<a href="http://attacker.example/">Link City</a>'
CHART = '[data-testid="stPlotlyChart"]'
ONE_MESSAGE = "Sign-in failed. Check the username and password"


def _plant(server) -> None:  # type: ignore[no-untyped-def]
    """A caseworker and a city whose names hold markup (as if stored before input was
    checked), with an open case of the coordinator's organisation in that city."""
    with database(server) as session:
        if session.exec(select(User).where(User.username == "e2e-markup")).first():
            return
        coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
        organisation = session.get(Organisation, coordinator.organisation_id)
        worker = User(
            username="e2e-markup",
            display_name=FETCH_NAME,
            role=Role.CASEWORKER,
            organisation_id=coordinator.organisation_id,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        city = City(
            key="e2e-link-city",
            name_en=LINK_CITY,
            name_ru=LINK_CITY,
            region_en=LINK_CITY,
            region_ru=LINK_CITY,
            country="KZ",
            lat=47.0,
            lon=70.0,
        )
        session.add(worker)
        session.add(city)
        session.flush()
        make_case(
            session,
            organisation=organisation,
            caseworker=worker,
            city=city,
            opened_on=dt.date(2019, 6, 1),  # before the seeded years: its own intake numbers
        )


def _chart_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"{CHART} .main-svg", timeout=30_000)
    wait_drawn(page)  # plotly finishes drawing after the script run
    return [t.strip() for t in page.locator(f"{CHART} svg text").all_text_contents()]


def test_markup_in_names_is_drawn_as_typed_and_fetches_nothing(server, new_page):
    _plant(server)
    recorded = new_page()
    page = recorded.page
    page.goto(server.url)
    wait_ready(page)
    sign_in(page, "coordinator")  # lands on the weekly review
    texts = _chart_texts(page)
    assert FETCH_NAME in texts  # the tick label reads as typed, tags and all
    assert page.locator(f"{CHART} svg a").count() == 0  # no link drawn
    go_to(page, "Caseload map")
    _chart_texts(page)
    bubble = page.locator(f"{CHART} .scatterlayer .trace").last.locator(".point").first
    bubble.wait_for(timeout=30_000)
    assert page.locator(f"{CHART} svg a").count() == 0
    # The harness fails the test if the browser asked attacker.example (or any other host).
    assert not [u for u in recorded.requests if "attacker.example" in u]


def test_every_failed_sign_in_reads_the_same(server, new_page):
    username = "e2e-one-message"
    with database(server) as session:
        colleague = session.exec(select(User).where(User.username == "caseworker")).one()
        if session.exec(select(User).where(User.username == username)).first() is None:
            create_user(
                session,
                actor=None,
                username=username,
                display_name="One Message",
                role=Role.CASEWORKER,
                organisation_id=colleague.organisation_id,
                password=DEMO_PASSWORD,
            )
    page = new_page().page

    def attempt(name: str, password: str) -> str:
        page.goto(server.url)  # a fresh form: no earlier error on the page
        wait_ready(page)
        sign_in(page, name, password=password)
        return str(page.get_by_test_id("stAlertContentError").inner_text())

    messages = {"unknown user": attempt("no-such-user-here", "wrong-password-1")}
    messages["wrong password"] = attempt(username, "wrong-password-2")
    with database(server) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.sign_in_not_before = None
        user.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)
        session.add(user)
    messages["locked"] = attempt(username, DEMO_PASSWORD)  # the right password, locked
    assert len(set(messages.values())) == 1, messages
    assert ONE_MESSAGE in messages["locked"]
    assert "locked after too many" not in messages["locked"]
    assert nav_labels(page) == []


def test_a_deactivated_users_click_on_a_download_gets_no_file(server, new_page):
    username = "e2e-guard-funder"
    with database(server) as session:
        if session.exec(select(User).where(User.username == username)).first() is None:
            create_user(
                session,
                actor=None,
                username=username,
                display_name="Guard Funder",
                role=Role.FUNDER,
                organisation_id=None,
                password=DEMO_PASSWORD,
            )
    page = new_page().page
    page.goto(server.url)
    wait_ready(page)
    sign_in(page, username)
    button = page.get_by_role("button", name="CSV", exact=True)
    button.wait_for(timeout=60_000)
    with database(server) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.active = False
        session.add(user)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    button.click()
    page.get_by_role("button", name="Excel", exact=True).click()
    # Both files are refused on the server; give a delivered file ample time to arrive.
    page.wait_for_timeout(5000)
    assert downloads == []
    # The next page the user opens signs them out.
    page.get_by_role("link", name="My account").click()
    page.get_by_role("textbox", name="Password", exact=True).wait_for(timeout=30_000)
    wait_ready(page)
    assert downloads == []
    with database(server) as session:
        exports = session.exec(
            select(AuditEvent).where(
                AuditEvent.username == username, AuditEvent.action == AuditAction.EXPORT
            )
        ).all()
    assert exports == []
