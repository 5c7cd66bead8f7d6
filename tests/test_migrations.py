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


# Indexes with a descending column: Alembic's comparison cannot read their sort order back
# from SQLite, so they are compared here by the SQL the database holds.
DESCENDING_INDEXES = {
    "ix_case_org_list_rank": "(organisation_id, status desc, list_rank, code)",
    "ix_case_list_rank": "(status desc, list_rank, code)",
    "ix_case_caseworker_list_rank": "(caseworker_id, status desc, list_rank, code)",
    "ix_case_stage_list_rank": "(stage, status desc, list_rank, code)",
}


def _index_sql(connection: sa.Connection) -> dict[str, str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case_file'"
    found = {}
    for name, sql in connection.exec_driver_sql(query):
        columns = sql[sql.index("(") :].lower().replace(" asc", "")
        found[name] = columns
    return found


def test_upgrade_from_empty_reaches_head_and_matches_the_models(empty_engine):
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    check_schema(empty_engine)

    def compared(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        return not (type_ == "index" and name in DESCENDING_INDEXES)

    with empty_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": compared}
        )
        assert compare_metadata(context, SQLModel.metadata) == []
        built = _index_sql(connection)
    assert {name: built.get(name) for name in DESCENDING_INDEXES} == DESCENDING_INDEXES
    declared = {index.name for index in SQLModel.metadata.tables["case_file"].indexes} & set(
        DESCENDING_INDEXES
    )
    assert declared == set(DESCENDING_INDEXES)


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
    for columns in [
        ("stage",),
        ("city_id",),
        ("caseworker_id", "organisation_id"),
        ("organisation_id",),
    ]:
        assert columns in indexed["case_file"]
    assert ("permit_expires_on",) in indexed["legal_status"]
    assert ("case_id", "changed_at") in indexed["stage_change"]


def test_0011_gives_the_people_already_stored_their_blocking_tokens(engine):
    """Upgrading a database whose people have only word tokens (as 0010 left them) adds the
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
    command.downgrade(alembic_config(engine), "0010")
    with engine.connect() as connection:
        assert connection.execute(sa.text(blocking)).scalar_one() == 0
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text(blocking)).scalar_one() > 0
    with Session(engine) as session:
        assert [(p.case_id_a, p.case_id_b) for p in scan(session)] == [tuple(sorted((a, b)))]


def test_0016_gives_each_note_the_organisation_its_author_wrote_it_for(engine):
    """A note written through the app keeps the organisation its author had then (from the
    audit row of its creation): the owner's for a caseworker who has moved since, the
    receiver's for a receiving coordinator's; a note without such a row (seeded, imported)
    is the case's own organisation's."""
    from sqlmodel import Session

    from models.cases import add_note
    from models.enums import Role
    from models.network import ConsentScope, ReferralState
    from models.tables import CaseNote, User
    from tests.factories import actor_of, make_case, make_organisation, make_user
    from tests.network_factories import make_referral

    with Session(engine) as session:
        owner, receiver = make_organisation(session, "Owner"), make_organisation(session, "Other")
        case = make_case(session, organisation=owner)
        mover = make_user(session, role=Role.COORDINATOR, organisation=owner)
        written = add_note(session, actor=actor_of(mover), case_id=case.id, body="Before the move")
        silent = CaseNote(case_id=case.id, author_id=mover.id, sealed_body=written.sealed_body)
        session.add(silent)
        make_referral(session, case=case, to=receiver, scopes=frozenset({ConsentScope.FACTS}),
                      state=ReferralState.ACCEPTED)  # fmt: skip
        helper = make_user(session, role=Role.COORDINATOR, organisation=receiver)
        theirs = add_note(session, actor=actor_of(helper), case_id=case.id, body="Bed found")
        session.flush()
        ids, owner_id, receiver_id = (written.id, silent.id, theirs.id), owner.id, receiver.id
        moved = session.get(User, mover.id)
        moved.organisation_id = receiver.id  # moved to the other organisation afterwards
        session.commit()
    command.downgrade(alembic_config(engine), "0015")
    upgrade(engine)
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                sa.text("SELECT id, organisation_id FROM case_note WHERE id IN (:a, :b, :c)"),
                {"a": ids[0], "b": ids[1], "c": ids[2]},
            ).all()
        )
    assert found == {ids[0]: owner_id, ids[1]: owner_id, ids[2]: receiver_id}


def test_0017_seals_the_free_texts_and_a_downgrade_opens_them(engine):
    """Needs and referral texts written in clear before 0017 are sealed with the person's
    key (and gone from the clear columns); a text whose person was purged is dropped; a
    downgrade opens them again."""
    from sqlmodel import Session

    from models.identity.store import case_cipher, open_sealed
    from tests.factories import make_case, make_organisation

    with Session(engine) as session:
        owner, other = make_organisation(session, "Owner"), make_organisation(session, "Other")
        kept = make_case(session, organisation=owner).id
        purged = make_case(session, organisation=owner).id
        session.commit()
        owner_id, other_id = owner.id, other.id
    command.downgrade(alembic_config(engine), "0016")
    with engine.begin() as connection:
        for case_id, text in ((kept, "Ночует на вокзале"), (purged, "Gone with her key")):
            connection.execute(
                sa.text(
                    "INSERT INTO housing_need (case_id, situation, need, urgency, met, updated_on)"
                    " VALUES (:c, 'homeless', :t, 'high', false, '2026-11-20')"
                ),
                {"c": case_id, "t": text},
            )
        connection.execute(
            sa.text(
                "INSERT INTO referral (case_id, from_organisation_id, to_organisation_id, service,"
                " reason, urgency, state, sent_at, answer_by, decline_reason, consent_given_on,"
                " consent_method, consent_ends_on, share_facts, share_needs, share_identity,"
                " share_notes) VALUES (:c, :f, :t, 'legal_aid', 'Нужен юрист', 'high', 'declined',"
                " '2026-11-20 10:00:00+00', '2026-11-27 10:00:00+00', 'Мест нет', '2026-11-20',"
                " 'in_person', '2027-01-01', true, false, false, false)"
            ),
            {"c": kept, "f": owner_id, "t": other_id},
        )
        connection.execute(sa.text("DELETE FROM person WHERE case_id = :c"), {"c": purged})
    upgrade(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("referral")}
    assert {"reason", "decline_reason", "service_delivered"}.isdisjoint(columns)
    with Session(engine) as session:
        cipher = case_cipher(session, case_id=kept)
        needs = dict(
            session.execute(sa.text("SELECT case_id, sealed_need FROM housing_need")).all()
        )
        assert open_sealed(cipher, needs[kept]) == "Ночует на вокзале"
        assert "вокзале".encode() not in bytes(needs[kept])
        assert needs[purged] is None
        reason, declined = session.execute(
            sa.text("SELECT sealed_reason, sealed_decline_reason FROM referral")
        ).one()
        assert (open_sealed(cipher, reason), open_sealed(cipher, declined)) == (
            "Нужен юрист",
            "Мест нет",
        )
    command.downgrade(alembic_config(engine), "0016")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT reason, decline_reason FROM referral")).one() == (
            "Нужен юрист",
            "Мест нет",
        )
        assert dict(
            connection.execute(sa.text("SELECT case_id, need FROM housing_need")).all()
        ) == {
            kept: "Ночует на вокзале",
            purged: None,
        }
    upgrade(engine)


def test_0017_leaves_no_clear_text_in_postgresql_s_table_files(engine):
    """PostgreSQL keeps a dropped column's values, and an updated row's old version, in the
    table's pages until the row is rewritten: after 0017 no page of the three tables holds
    a text that was in clear before (read raw with pageinspect)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from sqlmodel import Session

    from tests.factories import make_case, make_organisation

    with Session(engine) as session:
        owner = make_organisation(session, "Owner")
        case_id = make_case(session, organisation=owner).id
        session.commit()
    command.downgrade(alembic_config(engine), "0016")
    secret = "CLEAR-NEED-sleeps-at-the-station-7701"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO housing_need (case_id, situation, need, urgency, met, updated_on)"
                " VALUES (:c, 'homeless', :t, 'high', false, '2026-11-20')"
            ),
            {"c": case_id, "t": secret},
        )
    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        connection.exec_driver_sql("CHECKPOINT")
        pages = connection.execute(
            sa.text(
                "SELECT get_raw_page('housing_need', n) FROM generate_series(0, "
                "(pg_relation_size('housing_need') / current_setting('block_size')::int) - 1) n"
            )
        ).scalars()
        found = [bytes(page) for page in pages if secret.encode() in bytes(page)]
    assert found == []
