"""Migrations bring an empty database to the newest schema, on SQLite and PostgreSQL, and
the schema they build is the one the models describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from models.database import (
    SchemaOutOfDate,
    alembic_config,
    check_schema,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)


@pytest.fixture
def empty_engine(database_url):
    engine = make_engine(database_url)
    command.downgrade(alembic_config(engine), "base")
    yield engine
    upgrade(engine)  # leave the shared PostgreSQL database as the other tests expect it
    engine.dispose()


def test_empty_database_is_refused_with_the_command_that_fixes_it(empty_engine):
    assert current_revision(empty_engine) is None
    with pytest.raises(SchemaOutOfDate, match="waypoint db upgrade"):
        check_schema(empty_engine)


def test_upgrade_from_empty_reaches_head_and_matches_the_models(empty_engine):
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    check_schema(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_schema_behind_the_code_is_refused(empty_engine):
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(SchemaOutOfDate, match="waypoint db upgrade"):
        check_schema(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
        )


def test_downgrade_and_upgrade_again_round_trip(empty_engine):
    upgrade(empty_engine)
    command.downgrade(alembic_config(empty_engine), "base")
    assert sa.inspect(empty_engine).get_table_names() == ["alembic_version"]
    upgrade(empty_engine)
    assert "case_file" in sa.inspect(empty_engine).get_table_names()


def test_dashboard_queries_have_their_indexes(engine):
    indexed = {
        table: {tuple(ix["column_names"]) for ix in sa.inspect(engine).get_indexes(table)}
        for table in ("case_file", "legal_status", "stage_change")
    }
    for columns in [("stage",), ("city_id",), ("caseworker_id",), ("organisation_id",)]:
        assert columns in indexed["case_file"]
    assert ("permit_expires_on",) in indexed["legal_status"]
    assert ("case_id", "changed_at") in indexed["stage_change"]


def test_0010_gives_the_people_already_stored_their_blocking_tokens(engine):
    """Upgrading a database whose people have only word tokens (as 0009 left them) adds the
    blocking tokens, so the duplicate scan finds their pairs; downgrading removes them."""
    from sqlmodel import Session

    from models.duplicates.scan import scan
    from tests.factories import make_case, make_organisation
    from tests.import_files import drop_latin_names

    with Session(engine) as session:
        org = make_organisation(session, "Migration Bureau")
        a = make_case(session, organisation=org, full_name="Зайцев Дмитрий Олегович").id
        b = make_case(session, organisation=org, full_name="ZAYTSEV DMITRIY").id
        drop_latin_names(session)
        session.commit()
    blocking = "SELECT count(*) FROM person_token WHERE length(token) = 12"
    command.downgrade(alembic_config(engine), "0009")
    with engine.connect() as connection:
        assert connection.execute(sa.text(blocking)).scalar_one() == 0
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text(blocking)).scalar_one() > 0
    with Session(engine) as session:
        assert [(p.case_id_a, p.case_id_b) for p in scan(session)] == [tuple(sorted((a, b)))]
