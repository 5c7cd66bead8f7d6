"""Click to fully drawn in a real browser: every page of each role, first and second visit,
at a given caseload, with Playwright driving Debian's Chromium against the dashboard.

    python benchmarks/browser.py --cases 100000 [--database FILE] [--roles coordinator,admin]
        [--timeout 60]

The dashboard runs as in the browser tests (tests/e2e/conftest.py): `streamlit run` on a free
port, outside demo mode, against a SQLite file seeded with benchmarks/run.py's generator
(seed 7, today 2026-11-23). ``--database FILE`` keeps the seeded file (and its key store and
secrets beside it, ``<stem>-keys.db`` and ``<stem>-env.json``) and reuses it when it exists;
without it the database lives in a temporary folder. No browser is downloaded: Chromium is
/usr/bin/chromium, and nothing leaves the machine.

A visit is timed inside the page, with ``performance.now()``: from the click (on the page's
link in the sidebar menu; for the landing page, on "Sign in") until the page is fully drawn:
a script run has started since the click (``stApp`` turned ``running``, or the server sent a
message down the WebSocket) and finished (``stApp`` is ``notRunning``), every
Plotly chart in view has drawn its ``.main-svg``, every dataframe its canvas (one in a
closed tab or expander draws nothing until opened), and no spinner or
skeleton is left. That state must then hold, with no new run or message, for ``SETTLE_MS``;
the time reported is when it began. Each role gets a fresh browser context (empty browser
cache) and signs in; its pages are visited once in menu order (first visit), then once again
(second visit). Before the roles, an unmeasured warm-up user opens each of its pages, so the
server has imported the page modules, as a server that has been running would have.

The table is printed (Markdown); the figures, with the CPU seconds of Chromium and of the
server during each visit and the size of each page's DOM, go to benchmarks/results/browser.json
(git-ignored). Targets live in benchmarks/README.md, never in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from benchmarks import run  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    READY,
    nav_labels,
    start_streamlit,
    stop,
)

RESULTS = Path(__file__).resolve().parent / "results"
ROLES = ("coordinator", "admin")
WARM_UP_USER = "caseworker"
SETTLE_MS = 600
TIMEOUT_MS = 60_000  # a page not drawn by then is noted as "> timeout" (--timeout)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
LINK = '[data-testid="stSidebarNavLink"]'
TARGET_MEDIAN_S = 1.0  # issue 13: click to fully drawn, median per role

# Installed in every document before its scripts: notes each click (once armed) and counts
# the script runs that start (stApp's data-test-script-state turning to "running").
PROBE = """
(() => {
  const s = window.__wpBench = {armed: false, click: null, runs: 0, runsAtClick: 0,
                                messages: 0, messagesAtClick: 0, since: null, sinceMark: ''};
  document.addEventListener('click', () => {
    if (s.armed) {
      s.armed = false; s.click = performance.now();
      s.runsAtClick = s.runs; s.messagesAtClick = s.messages;
    }
  }, true);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.getAttribute('data-test-script-state') === 'running') s.runs++;
    }
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
  // A run too quick for React to render "running" still sends messages down the socket.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { s.messages++; });
    }
  };
})();
"""

ARM = "() => { const s = window.__wpBench; s.armed = true; s.click = null; s.since = null; }"

# Polled on every animation frame after the click: false until fully drawn for `settle` ms
# (and, if given, the selector `need` matches: the menu, after signing in).
DRAWN = """
([settle, need]) => {
  const s = window.__wpBench;
  if (s.click === null || (need && document.querySelector(need) === null)) return false;
  if (s.runs === s.runsAtClick && s.messages === s.messagesAtClick) return false;
  const now = performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  const all = (selector, inner) =>
    [...document.querySelectorAll(selector)].every(
      (e) => !e.checkVisibility() || e.querySelector(inner) !== null);
  const drawn = app !== null
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && all('[data-testid="stPlotlyChart"]', '.main-svg')
    && all('[data-testid="stDataFrame"]', 'canvas')
    && document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"]') === null;
  if (!drawn) { s.since = null; return false; }
  const mark = `${s.runs}/${s.messages}`;  // a new run or message: not settled yet
  if (s.since === null || s.sinceMark !== mark) { s.since = now; s.sinceMark = mark; }
  if (now - s.since < settle) return false;
  return {ms: s.since - s.click, runs: s.runs - s.runsAtClick,
          messages: s.messages - s.messagesAtClick};
}
"""

# What the page shows when it was never fully drawn.
STATE = """
() => ({probe: window.__wpBench,
  state: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
  charts: [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(
    (c) => c.querySelector('.main-svg') !== null),
  dataframes: [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(
    (d) => [d.checkVisibility(), d.querySelector('canvas') !== null]),
  spinners: document.querySelectorAll('[data-testid="stSpinner"]').length,
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  url: location.href})
"""

# The size of what was drawn: evidence when a page is slow.
DOM_SIZE = """
() => {
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    elements: document.querySelectorAll('*').length,
    charts: charts.length,
    chart_svg_nodes: charts.reduce((n, c) => n + c.querySelectorAll('svg *').length, 0),
    tallest_chart_px: Math.max(0, ...charts.map((c) => c.getBoundingClientRect().height)),
    dataframes: document.querySelectorAll('[data-testid="stDataFrame"]').length,
    main_height_px: main === null ? 0 : main.scrollHeight,
    errors: document.querySelectorAll(
      '[data-testid="stException"], [data-testid="stAlertContentError"]').length,
  };
}
"""


@dataclass
class Visit:
    """One click on one page, and what it cost until the page was fully drawn."""

    role: str
    page: str  # the page's url_path (its menu label when that is unknown)
    visit: int  # 1: first visit of this user, 2: second
    ms: float
    script_runs: int  # runs seen starting ("running" rendered) between click and drawn
    messages: int  # WebSocket messages from the server in that time
    browser_cpu_s: float
    server_cpu_s: float
    dom: dict[str, int]
    timed_out: bool = False  # not drawn within TIMEOUT_MS (ms is then that bound)


def main(argv: list[str] | None = None) -> int:
    global TIMEOUT_MS
    args = _parser().parse_args(argv)
    TIMEOUT_MS = int(args.timeout * 1000)
    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="waypoint-browser-") as scratch:
        database = Path(args.database).resolve() if args.database else Path(scratch) / "bench.db"
        secrets_env, seeded = _database(database, args.cases)
        folder = Path(scratch)
        (folder / "home").mkdir()
        env = {
            **os.environ,
            **secrets_env,
            "HOME": str(folder / "home"),
            "PYTHONPATH": str(ROOT),
            "WAYPOINT_DATABASE_URL": f"sqlite:///{database}",
            "WAYPOINT_TODAY": run.TODAY.isoformat(),
            "WAYPOINT_KEYSTORE_URL": f"sqlite:///{_keystore(database)}",
        }
        started_at = _uptime()
        print(f"[browser] starting the dashboard ({started_at})", file=sys.stderr, flush=True)
        process, url, log_path = start_streamlit(
            ROOT / "dashboard" / "app.py", folder=folder, env=env
        )
        try:
            visits = _measure(url, roles, server_pid=process.pid, warm_up=not args.no_warm_up)
        except Exception:
            sys.stderr.write(log_path.read_text()[-4000:])
            raise
        finally:
            stop(process)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cases": args.cases,
        "database": str(args.database) if args.database else None,
        "seeded": seeded,
        "today": run.TODAY.isoformat(),
        "settle_ms": SETTLE_MS,
        "timeout_ms": TIMEOUT_MS,
        "machine": {
            "cpus": os.cpu_count(),
            "uptime_start": started_at,
            "uptime_end": _uptime(),
        },
        "target_median_s": TARGET_MEDIAN_S,
        "medians_ms": _medians(visits),
        "visits": [asdict(visit) for visit in visits],
    }
    output = Path(args.output) if args.output else RESULTS / "browser.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(format_table(report))
    print(f"\nJSON: {output}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="caseload to seed")
    parser.add_argument(
        "--database",
        help="SQLite file to seed (if missing) and keep, or to reuse (seeded by this script)",
    )
    parser.add_argument("--roles", default=",".join(ROLES), help="demo users, comma-separated")
    parser.add_argument("--output", help="JSON file (default: benchmarks/results/browser.json)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a page may take to be drawn"
    )
    parser.add_argument(
        "--no-warm-up", action="store_true", help="skip the unmeasured warm-up user"
    )
    return parser


def _keystore(database: Path) -> Path:
    return database.with_name(database.stem + "-keys.db")


def _database(database: Path, cases: int) -> tuple[dict[str, str], dict[str, object] | None]:
    """The secrets of ``database`` (kept beside it, mode 0600), seeding it first if missing.
    Returns the secrets and the seeding figures (None when an existing file is reused)."""
    side = database.with_name(database.stem + "-env.json")
    if database.exists():
        if not side.exists():
            raise SystemExit(f"{side} is missing: the database's keys are unknown")
        stored: dict[str, str] = json.loads(side.read_text(encoding="utf-8"))
        return stored, None
    from cryptography.fernet import Fernet

    fresh = {
        "WAYPOINT_COOKIE_KEY": secrets.token_urlsafe(48),
        "WAYPOINT_MASTER_KEYS": Fernet.generate_key().decode(),
        "WAYPOINT_BLIND_INDEX_KEY": secrets.token_urlsafe(48),
    }
    database.parent.mkdir(parents=True, exist_ok=True)
    side.touch(mode=0o600)
    side.write_text(json.dumps(fresh), encoding="utf-8")
    os.environ.update(fresh)
    os.environ["WAYPOINT_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["WAYPOINT_TODAY"] = run.TODAY.isoformat()
    os.environ["WAYPOINT_KEYSTORE_URL"] = f"sqlite:///{_keystore(database)}"
    print(f"[browser] seeding {cases:,} cases into {database} ...", file=sys.stderr, flush=True)
    return fresh, run._seed(f"sqlite:///{database}", cases)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# --- the browser ------------------------------------------------------------------------------


def _measure(url: str, roles: list[str], *, server_pid: int, warm_up: bool) -> list[Visit]:
    visits: list[Visit] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if warm_up:
                print(f"[browser] warm-up as {WARM_UP_USER}", file=sys.stderr, flush=True)
                _tour(browser, url, WARM_UP_USER, server_pid=server_pid, passes=1)
            for role in roles:
                print(f"[browser] {role}", file=sys.stderr, flush=True)
                visits += _tour(browser, url, role, server_pid=server_pid, passes=2)
        finally:
            browser.close()
    return visits


def _tour(
    browser: Browser, url: str, username: str, *, server_pid: int, passes: int
) -> list[Visit]:
    """Sign in as ``username`` in a fresh context and click through its menu ``passes`` times.
    The landing page's first visit is timed from the click on "Sign in"."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.dismiss())
    visits: list[Visit] = []

    def timed(visit: int, name: str, click: Callable[[], None], need: str | None = None) -> None:
        cpu = (_browser_cpu(), _cpu([server_pid]))
        page.evaluate(ARM)
        click()
        try:
            drawn = page.wait_for_function(
                DRAWN, arg=[SETTLE_MS, need], polling="raf", timeout=TIMEOUT_MS
            ).json_value()
        except PlaywrightTimeout:  # noted, as a lower bound; the next click stops the run
            print(f"  {username} {name} not drawn: {page.evaluate(STATE)}", file=sys.stderr)
            drawn = {"ms": float(TIMEOUT_MS), "runs": -1, "messages": -1, "timed_out": True}
        browser_cpu, server_cpu = _browser_cpu() - cpu[0], _cpu([server_pid]) - cpu[1]
        dom = page.evaluate(DOM_SIZE)
        visits.append(
            Visit(
                username,
                name,
                visit,
                round(drawn["ms"], 1),
                drawn["runs"],
                drawn["messages"],
                round(browser_cpu, 3),
                round(server_cpu, 3),
                dom,
                bool(drawn.get("timed_out")),
            )
        )
        print(
            f"  {username} {name} #{visit}: {drawn['ms']:.0f} ms "
            f"({dom['elements']} elements, {dom['chart_svg_nodes']} chart nodes)",
            file=sys.stderr,
            flush=True,
        )

    try:
        page.goto(url)
        page.wait_for_selector(READY, timeout=TIMEOUT_MS)
        page.get_by_role("textbox", name="Username", exact=True).fill(username)
        page.get_by_role("textbox", name="Password", exact=True).fill(run.PASSWORD)
        sign_in = page.get_by_role("button", name="Sign in")
        timed(1, "(landing)", sign_in.click, need=LINK)
        slugs = _slugs(page)
        labels = nav_labels(page)
        landing = _current(page, slugs)
        visits[-1].page = landing
        for visit in range(1, passes + 1):
            for label in labels:
                slug = slugs.get(label, label)
                if visit == 1 and slug == landing:
                    continue  # its first visit was the sign-in
                if slug == _current(page, slugs):
                    continue  # a click on the open page is a rerun, not a visit
                link = page.locator(LINK).filter(has=page.get_by_text(label, exact=True))
                timed(visit, slug, link.click)
    finally:
        context.close()
    return visits


def _slugs(page: Page) -> dict[str, str]:
    """Each menu label and its page's url_path (the default page's link is the bare URL)."""
    run._quiet_streamlit()  # importing the dashboard outside a server warns about caching
    from dashboard.navigation import PAGES

    by_title = {spec.title: spec.url_path for spec in PAGES}
    slugs: dict[str, str] = {}
    for label in nav_labels(page):
        plain = re.sub(r" \(\d+\)$", "", label)
        slugs[label] = by_title.get(plain, plain)
    return slugs


def _current(page: Page, slugs: dict[str, str]) -> str:
    """The url_path of the page in view (the bare URL is the role's default page)."""
    path = urlsplit(page.url).path.strip("/")
    if path:
        return path
    active = page.locator(f'{LINK}[aria-current="page"]')
    if active.count():
        label = active.first.inner_text().split("\n")[-1].strip()
        return slugs.get(label, label)
    return "(default)"


# --- CPU time from /proc ------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command name, CPU seconds so far) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), name, (int(fields[11]) + int(fields[12])) / _TICKS


def _cpu(pids: list[int]) -> float:
    return sum(stat[2] for pid in pids if (stat := _stat(pid)) is not None)


def _browser_cpu() -> float:
    """CPU seconds of the live Chromium processes descended from this one (not the
    Playwright driver). A renderer that has exited no longer counts."""
    stats = {
        int(entry): stat
        for entry in os.listdir("/proc")
        if entry.isdigit() and (stat := _stat(int(entry))) is not None
    }
    mine = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, stat in stats.items() if stat[0] in mine} - mine
        grew = bool(found)
        mine |= found
    return sum(stats[pid][2] for pid in mine if pid in stats and "chrom" in stats[pid][1])


# --- the report --------------------------------------------------------------------------------


def _medians(visits: list[Visit]) -> dict[str, dict[str, float]]:
    """Per role: the median of first visits, of second visits, and of all visits (ms)."""
    medians: dict[str, dict[str, float]] = {}
    for role in dict.fromkeys(visit.role for visit in visits):
        mine = [visit for visit in visits if visit.role == role]
        medians[role] = {
            name: round(statistics.median([v.ms for v in chosen] or [math.nan]), 1)
            for name, chosen in (
                ("first", [v for v in mine if v.visit == 1]),
                ("second", [v for v in mine if v.visit == 2]),
                ("all", mine),
            )
        }
    return medians


def format_table(report: dict[str, Any]) -> str:
    """Markdown: one row per page, per role first / second visit in seconds; medians last."""
    visits = [Visit(**visit) for visit in report["visits"]]
    roles = list(report["medians_ms"])
    pages = list(dict.fromkeys(visit.page for visit in visits))
    found = {(v.role, v.page, v.visit): v for v in visits}

    def cell(role: str, page: str) -> str:
        first, second = found.get((role, page, 1)), found.get((role, page, 2))
        if first is None and second is None:
            return "–"
        shown = [
            ("> " if v.timed_out else "") + f"{v.ms / 1000:.2f}" if v else "–"
            for v in (first, second)
        ]
        nodes = max(v.dom["chart_svg_nodes"] for v in (first, second) if v)
        return " / ".join(shown) + (f" ({nodes:,} chart nodes)" if nodes >= 2000 else "")

    lines = [
        f"Click to fully drawn in Chromium, {report['cases']:,} cases, seconds, "
        "first / second visit",
        "",
        "| page | " + " | ".join(roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    lines += [f"| {page} | " + " | ".join(cell(r, page) for r in roles) + " |" for page in pages]
    medians = report["medians_ms"]
    lines.append(
        "| **median** (first / second; all) | "
        + " | ".join(
            f"**{m['first'] / 1000:.2f} / {m['second'] / 1000:.2f}; {m['all'] / 1000:.2f}**"
            for m in (medians[r] for r in roles)
        )
        + " |"
    )
    lines += [
        "",
        f"Target: median ≤ {report['target_median_s']:.1f} s per role. "
        f"uptime at start: {report['machine']['uptime_start']}; "
        f"at end: {report['machine']['uptime_end']}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
