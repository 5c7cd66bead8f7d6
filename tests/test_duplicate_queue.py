"""The stored review queue of possible duplicates: after a network refresh it holds exactly
the pairs a fresh search finds (checked against ``find_matches`` over every open person,
an independent computation), and what a coordinator reads of it is what ``pairs_to_review``
(the search, the definition) would show after a decision, a merge, a closed case, an
organisation move, the network setting turned off, a new case and a renamed person. On
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import iuliia
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models import cases
from models.access import Actor
from models.duplicates import queue, review, setting
from models.duplicates.matching import NameRecord, find_matches
from models.duplicates.people import record_of
from models.duplicates.scan import scan
from models.enums import CaseStatus, Category, Outcome, PurgeReason, Role
from models.freshness import data_stamp
from models.identity.purge import purge_case
from models.imports.people import read_people, update_person
from models.tables import (
    Case,
    CaseReference,
    DuplicateCandidate,
    DuplicateSearch,
    Organisation,
    User,
)
from seed_data.generator import seed
from tests.factories import actor_of, make_case, make_user
from tests.import_files import csv_bytes, drop_latin_names
from tests.import_worlds import apply, make_world, zaytsev_network

TODAY = dt.date(2026, 11, 23)


def stored(session: Session) -> set[tuple[int, int, float, tuple[str, ...]]]:
    rows = session.execute(
        sa.select(
            DuplicateCandidate.case_a_id,
            DuplicateCandidate.case_b_id,
            DuplicateCandidate.score,
            DuplicateCandidate.reasons,
        )
    ).all()
    return {(a, b, score, queue.reasons_of(reasons)) for a, b, score, reasons in rows}


def searched(session: Session) -> set[tuple[int, int, float, tuple[str, ...]]]:
    return {(p.case_id_a, p.case_id_b, p.score, p.reasons) for p in scan(session)}


def shown(session: Session, actor: Actor) -> list[tuple[int, int, str | None]]:
    """What the page lists for ``actor``, read from the stored queue."""
    return [
        (p.own_case_id, p.other_case_id, p.other_organisation)
        for p in review.review_overview(session, actor=actor).pairs
    ]


def defined(session: Session, actor: Actor) -> list[tuple[int, int, str | None]]:
    """What a fresh search shows ``actor`` (``pairs_to_review``, the definition)."""
    return [
        (p.own_case_id, p.other_case_id, p.other_organisation)
        for p in review.pairs_to_review(session, actor=actor)
    ]


def same_as_a_fresh_search(session: Session, *actors: Actor) -> None:
    for actor in actors:
        assert sorted(shown(session, actor)) == sorted(defined(session, actor))


def test_after_a_refresh_the_seeded_queue_is_every_likely_pair_of_open_cases(session):
    seed(session, cases=300, seed=5, today=TODAY, password="waypoint-demo")
    # Few namesakes among 300: twenty people entered again, in Latin, at every organisation.
    organisations = session.exec(select(Organisation)).all()
    first = session.execute(
        select(Case.id).where(Case.status == CaseStatus.OPEN).order_by(Case.id).limit(20)
    ).scalars()
    for n, values in enumerate(read_people(session, list(first)).values()):
        again = make_case(
            session,
            organisation=organisations[n % len(organisations)],
            full_name=iuliia.WIKIPEDIA.translate(str(values["full_name"])),
            opened_on=dt.date(2018, 5, 2),  # before the seeded years: its own numbers
        )
        update_person(
            session,
            case_id=again.id,
            values={"name_latin": None, "birth_year": values["birth_year"]},
        )
    count = queue.refresh_network(session)
    session.commit()
    # Independently: every open person, opened and matched in memory, pair by pair.
    open_ids = session.execute(select(Case.id).where(Case.status == CaseStatus.OPEN)).scalars()
    people = read_people(session, list(open_ids))
    records = [record_of(case_id, values) for case_id, values in people.items()]
    expected = {
        (*sorted((m.left, m.right)), m.score, m.reasons)
        for m in find_matches([NameRecord(r.key, r.names, r.birth_year) for r in records])
    }
    assert len(expected) > 20 and count == len(expected)
    assert stored(session) == expected == searched(session)
    # Every organisation is marked searched; no identity is stored, only ids, score, reasons.
    assert set(session.execute(select(DuplicateSearch.organisation_id)).scalars()) == {
        org.id for org in organisations
    }
    columns = set(DuplicateCandidate.__table__.columns.keys())  # type: ignore[attr-defined]
    assert columns == {"case_a_id", "case_b_id", "score", "reasons", "found_at"}
    # Each coordinator's page lists what a fresh search would show them, setting on and off.
    coordinators = [
        Actor.of(u) for u in session.exec(select(User).where(User.role == Role.COORDINATOR))
    ]
    assert any(shown(session, c) for c in coordinators)
    same_as_a_fresh_search(session, *coordinators)
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=False, actor=None)
    same_as_a_fresh_search(session, *coordinators)


@pytest.fixture
def world(session: Session):
    found = zaytsev_network(session)
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=True, actor=None)
    queue.refresh_network(session)
    session.commit()
    return found


def test_decisions_merges_and_closed_cases_leave_the_queue_as_a_search_would(session, world):
    coordinator, other = world["coordinator"], world["other"]
    assert len(shown(session, coordinator)) == 3  # a-b within, a and b with Open Door
    same_as_a_fresh_search(session, coordinator, other)
    # Listed best first, the count of all beside the few listed.
    best = review.review_overview(session, actor=coordinator, limit=1)
    assert (best.total, best.pairs) == (
        3,
        review.review_overview(session, actor=coordinator).pairs[:1],
    )
    a, b, elsewhere = world["a"].id, world["b"].id, world["elsewhere"].id
    before = data_stamp(session.get_bind())
    review.mark_different(session, actor=coordinator, own_case_id=a, other_case_id=elsewhere)
    session.commit()
    assert data_stamp(session.get_bind()) != before  # a cached page reads the queue again
    assert (a, elsewhere, "Open Door") not in shown(session, coordinator)
    same_as_a_fresh_search(session, coordinator, other)
    review.merge(session, actor=coordinator, survivor_id=a, duplicate_id=b, today=TODAY)
    session.commit()
    assert shown(session, coordinator) == [] == shown(session, other)
    same_as_a_fresh_search(session, coordinator, other)
    # A case closed some other way drops out too, without a refresh.
    fresh = make_case(session, organisation=world["door"], full_name="Зайцев Дмитрий")
    drop_latin_names(session)
    queue.requeue_cases(session, case_ids=[fresh.id])
    session.commit()
    assert shown(session, coordinator) == [(a, fresh.id, "Open Door")]
    session.execute(
        sa.update(Case)
        .where(Case.id == fresh.id)
        .values(status=CaseStatus.CLOSED, outcome=Outcome.WITHDREW, closed_on=TODAY)
    )
    session.commit()
    assert shown(session, coordinator) == []
    same_as_a_fresh_search(session, coordinator, other)


def test_an_organisation_move_and_the_network_setting_apply_to_the_stored_pairs(session, world):
    coordinator = world["coordinator"]
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=False, actor=None)
    session.commit()
    assert [p[2] for p in shown(session, coordinator)] == [None]
    assert shown(session, world["other"]) == []
    same_as_a_fresh_search(session, coordinator, world["other"])
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=True, actor=None)
    # The coordinator moves to Open Door: a session still holding the old organisation sees
    # nothing of it, and the new one sees Open Door's pairs.
    user = world["coordinator_user"]
    user.organisation_id = world["door"].id
    session.add(user)
    session.commit()
    assert shown(session, coordinator) == []
    moved = replace(coordinator, organisation_id=world["door"].id)
    assert {p[0] for p in shown(session, moved)} == {world["elsewhere"].id}
    same_as_a_fresh_search(session, moved)


def test_a_purged_identity_takes_its_pairs_out_of_the_queue(session, world):
    code = world["b"].code
    purge_case(session, actor=None, code=code, confirmation=code, reason=PurgeReason.PERSON_ASKED)
    session.commit()
    assert world["b"].id not in {c for pair in stored(session) for c in pair[:2]}
    same_as_a_fresh_search(session, world["coordinator"], world["other"])


def test_a_new_case_is_queued_at_intake_with_its_likely_duplicates(session, world):
    coordinator = world["coordinator"]
    new = cases.create_case(
        session,
        actor=coordinator,
        data=cases.Intake(
            full_name="Дмитрий Зайцев", category=Category.JOURNALIST, opened_on=TODAY
        ),
        today=TODAY,
    )
    session.commit()
    mine = {p[1] for p in shown(session, coordinator) if p[0] == new.id}
    mine |= {p[0] for p in shown(session, coordinator) if p[1] == new.id}
    assert mine == {world["a"].id, world["b"].id, world["elsewhere"].id}
    assert stored(session) == searched(session)
    same_as_a_fresh_search(session, coordinator, world["other"])


def test_look_again_finds_what_the_queue_missed_for_the_organisation_only(session, world):
    coordinator = world["coordinator"]
    # Written around the intake (as a restore or a bulk load would): not in the queue yet.
    late = make_case(session, organisation=world["steppe"], full_name="Dmitriy Zaytsev")
    far = make_case(session, organisation=world["door"], full_name="Соколова Мария")
    also = make_case(session, organisation=world["door"], full_name="Sokolova Mariia")
    drop_latin_names(session)
    session.commit()
    assert late.id not in {p[1] for p in shown(session, coordinator)}
    found = queue.look_again(session, actor=coordinator)
    session.commit()
    assert found == len(shown(session, coordinator)) == 6  # a, b, late and elsewhere, in pairs
    same_as_a_fresh_search(session, coordinator)
    # Open Door's own pair was not searched for: only the coordinator's organisation was.
    assert (min(far.id, also.id), max(far.id, also.id)) not in {s[:2] for s in stored(session)}
    when = queue.last_searched(session, organisation_id=world["steppe"].id)
    assert review.review_overview(session, actor=coordinator).searched_at == when
    with pytest.raises(PermissionError):
        queue.look_again(session, actor=actor_of(make_user(session, role=Role.CASEWORKER)))


def test_an_import_queues_new_cases_and_searches_a_renamed_person_again(session):
    world = make_world(session)
    headers = ["reference", "full_name", "category", "city", "opened_on", "birth_year"]
    first = [
        headers,
        ["R-1", "Зайцев Дмитрий Олегович", "journalist", "Almaty", "2025-01-01", "1990"],
        ["R-2", "Соколова Мария", "activist", "Almaty", "2025-01-02", "1990"],
        ["R-3", "ZAYTSEV DMITRIY", "activist", "Almaty", "2025-01-03", "1990"],
    ]
    assert apply(session, world, csv_bytes(first)).written
    codes = dict(session.execute(select(Case.id, Case.code)).tuples().all())

    def queued() -> set[frozenset[str]]:
        return {frozenset((codes[a], codes[b])) for a, b, *_ in stored(session)}

    by_ref = dict(
        session.execute(
            select(CaseReference.reference, Case.code).join(Case, Case.id == CaseReference.case_id)
        )
        .tuples()
        .all()
    )
    assert queued() == {frozenset((by_ref["R-1"], by_ref["R-3"]))}
    # R-2 was entered under the wrong name: corrected, it pairs with at once.
    renamed = [headers, ["R-2", "Dmitry Zaitsev", "activist", "Almaty", "2025-01-02", "1990"]]
    assert apply(session, world, csv_bytes(renamed)).written
    assert len(queued()) == 3 and stored(session) == searched(session)
    # Renamed again, its old pairs go: they were leads of a name it no longer has.
    renamed = [headers, ["R-2", "Орлова Анна", "activist", "Almaty", "2025-01-02", "1990"]]
    assert apply(session, world, csv_bytes(renamed)).written
    assert queued() == {frozenset((by_ref["R-1"], by_ref["R-3"]))}
    assert stored(session) == searched(session)
