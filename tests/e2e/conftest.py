"""The browser harness: a dashboard on a free port against a fresh seeded database, and
Debian's Chromium driven by Playwright. Every request the browser makes is recorded.

The dashboard runs outside demo mode (a configured SQLite file, seeded here with the demo
generator), so the same secrets checks apply as in a deployment.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from models.database import make_engine, upgrade
from seed_data.generator import seed

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
E2E_CASES = 300
E2E_TODAY = dt.date(2026, 11, 23)
COOKIE_KEY = "e2e-cookie-key-" + "k" * 40
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'

pytestmark = pytest.mark.e2e


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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A dashboard on a free port, against a freshly seeded SQLite database."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{folder / 'waypoint.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, cases=E2E_CASES, seed=11, today=E2E_TODAY, password=DEMO_PASSWORD)
        session.commit()
    engine.dispose()

    port = _free_port()
    log_path = folder / "server.log"
    env = {
        **os.environ,
        "WAYPOINT_DATABASE_URL": database_url,
        "WAYPOINT_COOKIE_KEY": COOKIE_KEY,
        "WAYPOINT_TODAY": E2E_TODAY.isoformat(),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dashboard did not start:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield Server(url=url, host=f"127.0.0.1:{port}", database_url=database_url,
                     log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class RecordedPage:
    """A Playwright page with every request it made."""

    page: object
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self, host: str) -> list[str]:
        """Requests to any host other than the dashboard's (data: and blob: URLs are local)."""
        return [
            url for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != host
        ]


@pytest.fixture
def new_page(browser) -> Iterator[Callable[[], RecordedPage]]:  # type: ignore[no-untyped-def]
    """Open fresh browser contexts (no shared cookies) at 1280x800, recording requests."""
    contexts = []

    def open_page() -> RecordedPage:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        recorded = RecordedPage(page)
        page.on("request", lambda request: recorded.requests.append(request.url))
        return recorded

    yield open_page
    for context in contexts:
        context.close()


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=60_000)


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the menu appears; refused: an error does.
    page.wait_for_selector(
        '[data-testid="stSidebarNavLink"], [data-testid="stAlertContentError"]', timeout=60_000
    )
    wait_ready(page)


def nav_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles of the pages in the sidebar menu (icons stripped)."""
    links = page.get_by_test_id("stSidebarNavLink").all()
    return [link.inner_text().split("\n")[-1].strip() for link in links]


SCREENSHOTS = ROOT / "screenshots"


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot to the git-ignored screenshots/ folder."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(autouse=True)
def _no_leftover_folder() -> None:
    shutil.rmtree(ROOT / "screenshots" / "tmp", ignore_errors=True)
