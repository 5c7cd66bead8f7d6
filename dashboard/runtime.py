"""The process-wide pieces: settings, the database engine and logging, prepared once per
server; and the guard that keeps an unexpected error's text away from users and logs.

Exception messages can carry data: a database error quotes the values of its statement, a
``ValueError`` may quote a name. So an error is logged as its type and the code locations it
passed through, never its message, and the user sees a plain sentence, never a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
import streamlit as st

from dashboard.i18n import _
from models.database import (
    PRIVATE_FOLDER,
    check_schema,
    current_revision,
    make_engine,
    session_scope,
    upgrade,
)
from models.duplicates.queue import refresh_network
from models.identity.purge import reapply_purges
from models.settings import DEMO_DATABASE_PATH, Settings, load_settings
from seed_data.generator import seed_demo_database

DEMO_CASES = 600
DEMO_SEED = 2024

log = logging.getLogger("waypoint")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The settings; raises ``ConfigurationError`` when a secret is missing."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def engine() -> sa.Engine:
    """The engine shared by every session. In demo mode, creates and seeds the demo database
    on first start; a configured database is never seeded. Every recorded purge is applied
    again before the engine is handed out. Raises ``SchemaOutOfDate`` or
    ``DatabaseUnavailable`` with a message that says what to do."""
    config = settings()
    created = make_engine(config.database_url)  # never quotes values in its errors
    if config.demo_mode:
        prepare_demo_database(created, config)
    check_schema(created)
    # A database file copied back or restored by hand is purged again before it is served.
    again = reapply_purges(created)
    if again.identities or again.cases:
        log.warning("Purged again at start: %d identities, %d cases", again.identities, again.cases)
    return created


def prepare_demo_database(demo_engine: sa.Engine, config: Settings) -> None:
    """Create the demo schema and seed it, once; an existing demo file is only upgraded."""
    if current_revision(demo_engine) is None or not DEMO_DATABASE_PATH.exists():
        log.info("Creating the demo database at %s", DEMO_DATABASE_PATH)
    DEMO_DATABASE_PATH.parent.chmod(PRIVATE_FOLDER)  # var/ holds only Waypoint's files
    upgrade(demo_engine)
    seeded = seed_demo_database(
        demo_engine,
        cases=DEMO_CASES,
        random_seed=DEMO_SEED,
        today=config.today(),
        password=config.demo_password,
    )
    if seeded:
        log.info("Seeded %d synthetic demo cases", DEMO_CASES)
        with session_scope(demo_engine) as session:
            pairs = refresh_network(session)  # the demo's duplicates, ready to review
        log.info("Stored %d likely duplicate pairs for review", pairs)


def describe_error(error: BaseException) -> str:
    """The type of ``error`` (and of its causes) and the code lines it passed through,
    without any message: what a developer needs, and no data."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        where = " < ".join(
            f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames)
        )
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} at {where or '?'}")
        current = current.__cause__ or current.__context__
    return "; caused by ".join(parts)


class RedactErrors(logging.Filter):
    """Replaces an exception in a log record by ``describe_error``: no message, no values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}: {describe_error(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


@st.cache_resource(show_spinner=False)
def configure_logging() -> None:
    """Waypoint's log lines go to stderr; every handler of Streamlit's loggers drops exception
    messages (Streamlit logs an uncaught error of a page or callback in full)."""
    if not log.handlers:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setFormatter(logging.Formatter(LOG_FORMAT))
        log.addHandler(to_stderr)
        log.setLevel(logging.INFO)
        log.propagate = False
    redact = RedactErrors()
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in ("streamlit", "waypoint"):
            for handler in logger.handlers:
                if redact not in handler.filters:
                    handler.addFilter(redact)


def run_guarded(body: Callable[[], None]) -> None:
    """Run ``body``; an unexpected error is logged without its message and shown to the user
    as a plain sentence. ``st.stop`` and ``st.rerun`` pass through (they are not ``Exception``)."""
    try:
        body()
    except Exception as error:
        log.error("A page failed: %s", describe_error(error))
        st.error(
            _(
                "Something went wrong on this page, and it has been logged. Try again, or tell "
                "an administrator what you were doing."
            )
        )
