"""The process-wide pieces: settings and the database engine, prepared once per server."""

from __future__ import annotations

import logging

import sqlalchemy as sa
import streamlit as st

from models.database import check_schema, current_revision, make_engine, session_scope, upgrade
from models.settings import DEMO_DATABASE_PATH, Settings, load_settings
from models.tables import Case
from seed_data.generator import seed

DEMO_CASES = 600
DEMO_SEED = 2024

log = logging.getLogger("waypoint")


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The settings; raises ``ConfigurationError`` when a secret is missing."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def engine() -> sa.Engine:
    """The engine shared by every session. In demo mode, creates and seeds the demo database
    on first start; a configured database is never seeded. Raises ``SchemaOutOfDate`` or
    ``DatabaseUnavailable`` with a message that says what to do."""
    config = settings()
    created = make_engine(config.database_url)
    if config.demo_mode:
        prepare_demo_database(created, config)
    check_schema(created)
    return created


def prepare_demo_database(demo_engine: sa.Engine, config: Settings) -> None:
    """Create the demo schema and seed it, once; an existing demo file is only upgraded."""
    if current_revision(demo_engine) is None or not DEMO_DATABASE_PATH.exists():
        log.info("Creating the demo database at %s", DEMO_DATABASE_PATH)
    upgrade(demo_engine)
    with session_scope(demo_engine) as session:
        has_cases = session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
        if not has_cases:
            log.info("Seeding %d synthetic demo cases", DEMO_CASES)
            seed(
                session,
                cases=DEMO_CASES,
                seed=DEMO_SEED,
                today=config.today(),
                password=config.demo_password,
            )
