"""The browser harness: a dashboard on a free port against a fresh seeded database, and
Debian's Chromium driven by Playwright.

Every request (and WebSocket) that any page of any browser test makes is recorded; when a test
ends, a request to any host but the dashboard's own fails it, so every browser test is also a
check that nothing leaves for an outside host. The totals are printed at the end of the run.

The dashboard runs outside demo mode (a configured SQLite file, seeded here with the demo
generator), so the same secrets checks apply as in a deployment.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, col, select

from models.database import make_engine, upgrade
from models.duplicates.queue import refresh_network
from models.releases.demo import publish_demo_releases
from seed_data.generator import seed

if TYPE_CHECKING:  # Playwright is imported when a browser test starts
    from playwright.sync_api import Browser, BrowserContext, Dialog, Download, Locator, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEMO_PASSWORD = "e2e-password-not-common"
DEMO_USERS = ("admin", "coordinator", "caseworker", "caseworker2", "funder")
E2E_CASES = 300
E2E_TODAY = dt.date(2026, 11, 23)
COOKIE_KEY = "e2e-cookie-key-" + "k" * 40
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOCAL_SCHEMES = ("data", "blob", "about")

pytestmark = pytest.mark.e2e


def _without_count(title: str) -> str:
    return re.sub(r" \(\d+\)$", "", title)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    host: str
    database_url: str
    log_path: Path
    home: Path  # the server's $HOME: where Streamlit would write a disk cache


def start_streamlit(
    script: Path, *, folder: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Run ``script`` with the project's .streamlit/config.toml on a free port; wait until
    /_stcore/health answers. Returns the process, its URL and its log file."""
    port = _free_port()
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url, log_path
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"streamlit did not start:\n{log_path.read_text()}")
        time.sleep(0.3)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A dashboard on a free port, against a freshly seeded SQLite database."""
    _require_chromium()
    folder = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{folder / 'waypoint.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, cases=E2E_CASES, seed=11, today=E2E_TODAY, password=DEMO_PASSWORD)
        publish_demo_releases(session, today=E2E_TODAY)
        refresh_network(session)  # as `waypoint seed` does: the duplicates queue filled
        session.commit()
    engine.dispose()

    home = folder / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "WAYPOINT_DATABASE_URL": database_url,
        "WAYPOINT_COOKIE_KEY": COOKIE_KEY,
        "WAYPOINT_TODAY": E2E_TODAY.isoformat(),
    }
    process, url, log_path = start_streamlit(ROOT / "dashboard" / "app.py", folder=folder, env=env)
    try:
        yield Server(
            url=url,
            host=urlsplit(url).netloc,
            database_url=database_url,
            log_path=log_path,
            home=home,
        )
    finally:
        stop(process)


@contextmanager
def database(server: Server) -> Iterator[Session]:
    """A session on the e2e server's database, committed at the end."""
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    _require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class RecordedPage:
    """A Playwright page with every request it made and every dialog it opened."""

    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def foreign_requests(self, host: str) -> list[str]:
        """Requests to any host other than the dashboard's (data: and blob: URLs are local)."""
        return [url for url in self.requests if not is_local(url, host)]


def is_local(url: str, host: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.netloc == host


@dataclass
class RequestTally:
    """What the browser tests of this process checked."""

    pages: int = 0
    requests: int = 0
    foreign: list[str] = field(default_factory=list)


TALLY = RequestTally()


@pytest.fixture
def new_page(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[[], RecordedPage]]:
    """Open fresh browser contexts (no shared cookies) at 1280x800, recording requests.
    When the test ends, any request to a host but the dashboard's fails it."""
    contexts: list[BrowserContext] = []
    pages: list[RecordedPage] = []

    def open_page() -> RecordedPage:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        recorded = RecordedPage(page)
        pages.append(recorded)
        # Context-wide: frames, workers and popups too.
        context.on("request", lambda req: recorded.requests.append(req.url))
        page.on("websocket", lambda socket: recorded.requests.append(socket.url))

        def on_dialog(dialog: Dialog) -> None:
            recorded.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return recorded

    yield open_page
    for context in contexts:
        context.close()
    host = request.getfixturevalue("server").host if "server" in request.fixturenames else None
    foreign = []
    for recorded in pages:
        TALLY.pages += 1
        TALLY.requests += len(recorded.requests)
        if host is not None:
            foreign += recorded.foreign_requests(host)
    TALLY.foreign += foreign
    assert foreign == [], f"the browser asked outside hosts: {foreign}"


def wait_ready(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=60_000)


# True once the script has finished, every chart has drawn, every image has loaded or
# failed, and nothing on the page has changed for QUIET_MS (a rerun, a chart still
# drawing, a late element). It watches the page itself, so a slow machine waits longer.
QUIET_MS = 300
_DRAWN = """quietMs => {
  if (!window.__waypointQuiet) {
    const quiet = { last: performance.now() };
    new MutationObserver(() => { quiet.last = performance.now(); }).observe(
      document.documentElement,
      { subtree: true, childList: true, attributes: true, characterData: true });
    window.__waypointQuiet = quiet;
    return false;
  }
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  if (!charts.every(chart => chart.querySelector('.main-svg'))) return false;
  if (![...document.images].every(image => image.complete)) return false;
  return performance.now() - window.__waypointQuiet.last >= quietMs;
}"""


def wait_drawn(page: Page) -> None:
    """Wait until the page has finished running and drawing (see ``_DRAWN``); use before a
    screenshot or a look at charts, instead of a fixed pause."""
    page.wait_for_function(_DRAWN, arg=QUIET_MS, polling=100, timeout=60_000)


def download(page: Page, label: str, server_log: Path) -> Download:
    """Click the download button ``label`` at once, as a person in a hurry would, and return
    its download; on failure, say which button and show the server's log."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        with page.expect_download(timeout=60_000) as started:
            page.get_by_role("button", name=label, exact=True).click()
    except PlaywrightTimeout as error:
        log = server_log.read_text(errors="replace")[-4000:]
        raise AssertionError(f"no download after clicking {label!r}; server log:\n{log}") from error
    return started.value


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the menu appears; refused: an error does.
    page.wait_for_selector(
        '[data-testid="stSidebarNavLink"], [data-testid="stAlertContentError"]', timeout=60_000
    )
    wait_ready(page)


def open_signed_in(
    new_page: Callable[[], RecordedPage], server: Server, username: str, path: str = ""
) -> RecordedPage:
    """A fresh browser at ``path``, signed in as ``username`` (the page stays at ``path``)."""
    recorded = new_page()
    recorded.page.goto(f"{server.url}/{path.lstrip('/')}")
    wait_ready(recorded.page)
    sign_in(recorded.page, username)
    return recorded


def nav_labels(page: Page) -> list[str]:
    """The titles of the pages in the sidebar menu (icons stripped)."""
    links = page.get_by_test_id("stSidebarNavLink").all()
    return [link.inner_text().split("\n")[-1].strip() for link in links]


def go_to(page: Page, title: str) -> None:
    """Open a page from the sidebar menu (keeps the session, unlike a reload)."""
    open_menu_link(
        page,
        page.get_by_test_id("stSidebarNavLink").filter(has=page.get_by_text(title, exact=True)),
    )


def open_menu_link(page: Page, link: Locator) -> None:
    """Click a menu link and wait for that page's run to end. The link becomes the current
    page (``aria-current``) when the server starts the page's run: until then the page
    still shows the previous run, finished, however loaded the machine is."""
    link.click()
    link.and_(page.locator('[aria-current="page"]')).wait_for(timeout=60_000)
    wait_ready(page)


def main_text(page: Page) -> str:
    """The text of the main area, as a user reads it."""
    return str(page.get_by_test_id("stMain").inner_text())


def titles_in_view(page: Page) -> list[str]:
    """The page titles (h1) of the main area that are visible inside the window."""
    size = page.viewport_size
    assert size is not None  # every context here opens with a viewport
    height = size["height"]
    titles = []
    for heading in page.get_by_test_id("stMain").locator("h1").all():
        box = heading.bounding_box() if heading.is_visible() else None
        if box and box["y"] < height and box["y"] + box["height"] > 0:
            titles.append(heading.inner_text().strip())
    return titles


SCREENSHOTS = ROOT / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to the git-ignored screenshots/ folder."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def screenshot_full(page: Page, name: str) -> Path:
    """Save the whole page, however long: Streamlit scrolls inside its main area, so the
    window is stretched to the content's height for the shot, then restored."""
    height = int(
        page.evaluate(
            "Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
            "[data-testid=stSidebarContent]')].map(e => e.scrollHeight), 800)"
        )
    )
    size = page.viewport_size
    assert size is not None  # every context here opens with a viewport
    page.set_viewport_size({"width": size["width"], "height": min(height + 40, 12_000)})
    wait_drawn(page)  # the charts redraw at the new size
    try:
        return screenshot(page, name)
    finally:
        page.set_viewport_size(size)


@dataclass
class Visit:
    """One page of the tour: what the browser asked for while it was open, and what it showed."""

    username: str
    name: str  # the page's url_path, or "case-with-code"
    url: str
    requests: list[str]
    screenshot: Path
    errors: list[str]
    headings: list[str]  # the page titles (h1) in view when the screenshot was taken


def _start_address(server: Server, username: str) -> str:
    """Where a role's tour starts: one of its cases (by code) if it may read cases."""
    from models.access import Action, Actor, permits, visible_cases
    from models.tables import Case, User

    with database(server) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        actor = Actor.of(user)
        if not permits(actor, Action.READ_CASE):
            return ""
        case = session.exec(select(Case).where(visible_cases(actor)).order_by(col(Case.id))).first()
        return f"case?code={case.code}" if case else ""


def _visit(page: Page, username: str, name: str, requests: list[str], start: int) -> Visit:
    """Finish loading the page opened since ``requests[start]``, photograph it, note errors."""
    wait_drawn(page)  # charts, maps and images finish loading
    headings = titles_in_view(page)
    shot = screenshot(page, f"{username}-{name}")
    if os.environ.get("WAYPOINT_E2E_FULL_SCREENSHOTS"):
        screenshot_full(page, f"full/{username}-{name}")
    errors = [
        element.inner_text()
        for element in page.locator(
            '[data-testid="stException"], [data-testid="stAlertContentError"]'
        ).all()
    ]
    return Visit(username, name, page.url, requests[start:], shot, errors, headings)


TOUR_ROLES = ("visitor", *DEMO_USERS)


def tour_roles() -> list[object]:
    """``TOUR_ROLES`` as parameters, each role's tests in an xdist group of their own: a
    role's tour is taken once, on one worker, and the roles' tours run on both workers."""
    return [pytest.param(u, marks=pytest.mark.xdist_group(f"tour-{u}")) for u in TOUR_ROLES]


def _tour_of(server: Server, browser: Browser, username: str) -> list[Visit]:
    """Every page of ``username``'s menu (the sign-in page for "visitor"), in menu order."""
    from dashboard.navigation import PAGES

    slug_of = {spec.title: spec.url_path for spec in PAGES}
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requests.append(socket.url))
    page.on("dialog", lambda dialog: dialog.dismiss())
    visits: list[Visit] = []
    try:
        address = "" if username == "visitor" else _start_address(server, username)
        page.goto(f"{server.url}/{address}")
        page.get_by_role("textbox", name="Password", exact=True).wait_for(timeout=60_000)
        if username == "visitor":
            visits.append(_visit(page, username, "sign-in", requests, 0))
            return visits
        mark = len(requests)
        sign_in(page, username)
        first = "case-with-code" if address else "home"
        visits.append(_visit(page, username, first, requests, mark))
        for title in nav_labels(page):
            mark = len(requests)
            go_to(page, title)
            # A page title may carry a count, "Referrals (3)": the slug ignores it.
            slug = slug_of.get(_without_count(title), title)
            visits.append(_visit(page, username, slug, requests, mark))
        return visits
    finally:
        context.close()
        TALLY.pages += len(visits)
        TALLY.requests += len(requests)
        TALLY.foreign += [url for url in requests if not is_local(url, server.host)]


class Tour(dict[str, list[Visit]]):
    """Each role's tour, taken the first time a test asks for it."""

    def __init__(self, server: Server, browser: Browser) -> None:
        super().__init__()
        self.server = server
        self.browser = browser

    def __missing__(self, username: str) -> list[Visit]:
        self[username] = _tour_of(self.server, self.browser, username)
        return self[username]


@pytest.fixture(scope="session")
def tour(server: Server, browser: Browser) -> Tour:
    """Every page of every demo role (and the sign-in page of a visitor), visited once per
    test process, with screenshots and the requests made on each page: ``tour[username]``."""
    return Tour(server, browser)


@pytest.fixture(autouse=True)
def _no_leftover_folder() -> None:
    shutil.rmtree(ROOT / "screenshots" / "tmp", ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the tally to the controller
        workeroutput["e2e_tally"] = (TALLY.pages, TALLY.requests, len(TALLY.foreign))
    if TALLY.pages:  # also on disk: an xdist controller may not load this conftest
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / f"requests-{worker}.txt").write_text(
            f"{TALLY.requests} requests from {TALLY.pages} pages, "
            f"{len(TALLY.foreign)} to outside hosts\n"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    pages, requests, foreign = getattr(node, "workeroutput", {}).get("e2e_tally", (0, 0, 0))
    TALLY.pages += pages
    TALLY.requests += requests
    TALLY.foreign += ["?"] * foreign


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.pages:
        terminalreporter.write_line(
            f"browser: {TALLY.requests} requests from {TALLY.pages} pages checked, "
            f"{len(TALLY.foreign)} to outside hosts"
        )
