"""Reviewing duplicates: within an organisation (merge, different) and across organisations
(only the other organisation's name, case code and score), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.duplicates import intake, review, setting
from models.enums import AuditAction, CaseStatus, Outcome, Role
from models.errors import ValidationError
from models.funder import report_scope
from models.settings import load_settings
from models.tables import AuditEvent, Case, DuplicateDecision, StageChange
from tests.factories import actor_of, make_case, make_user
from tests.import_worlds import zaytsev_network

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def world(session: Session):
    found = zaytsev_network(session)
    assert not setting.cross_org_matching(session)  # off for a new network
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=True, actor=None)
    session.commit()
    return found


def test_pairs_within_and_across_organisations_are_shown_without_identities(session, world):
    pairs = review.pairs_to_review(session, actor=world["coordinator"])
    a, b, elsewhere = world["a"].code, world["b"].code, world["elsewhere"].code
    within = {(p.own_code, p.other_code) for p in pairs if p.other_organisation is None}
    assert within == {(a, b)} or within == {(b, a)}
    across = {(p.other_code, p.other_organisation) for p in pairs if p.other_organisation}
    assert across == {(elsewhere, "Open Door")}
    assert world["sibling"].code not in {c for p in pairs for c in (p.own_code, p.other_code)}
    assert all(p.score >= 0.85 for p in pairs)
    fields = set(review.ReviewPair.__dataclass_fields__)
    assert not fields & {"full_name", "name_latin", "name_cyrillic", "birth_year", "contact"}
    # The other organisation sees the same pairs from its side, and only the codes.
    theirs = review.pairs_to_review(session, actor=world["other"])
    assert {(p.own_code, p.other_organisation) for p in theirs} == {(elsewhere, "Steppe Bureau")}


def test_cross_organisation_matching_is_a_network_setting(session, world):
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=False, actor=None)
    pairs = review.pairs_to_review(session, actor=world["coordinator"])
    assert all(p.other_organisation is None for p in pairs) and len(pairs) == 1
    assert review.pairs_to_review(session, actor=world["other"]) == []
    # The change is audited: which setting, on or off; nothing else.
    audited = session.exec(select(AuditEvent).where(AuditEvent.entity == "network_setting")).all()
    assert [(e.entity_id, e.detail) for e in audited] == [
        ("cross-org-matching", "on"),
        ("cross-org-matching", "off"),
    ]


def typed(name: str, year: int | None = None) -> dict[str, object]:
    return {"full_name": name, "birth_year": year}


def test_the_intake_check_shows_codes_it_may_open_and_only_the_organisation_elsewhere(
    session, world
):
    found = intake.intake_matches(
        session,
        actor=world["coordinator"],
        organisation_id=world["steppe"].id,
        values=typed("Zaitsev Dmitry"),
    )
    shown = {(m.code, m.organisation, m.own_organisation) for m in found}
    assert shown == {
        (world["a"].code, "Steppe Bureau", True),
        (world["b"].code, "Steppe Bureau", True),
        (None, "Open Door", False),
    }
    assert all(m.score >= 0.72 for m in found)
    # A sibling is not offered; nor is anything for a name nobody has.
    assert (
        intake.intake_matches(
            session,
            actor=world["coordinator"],
            organisation_id=world["steppe"].id,
            values=typed("Соколова Мария"),
        )
        == []
    )
    setting.set_setting(session, name=setting.CROSS_ORG_MATCHING, enabled=False, actor=None)
    found = intake.intake_matches(
        session,
        actor=world["coordinator"],
        organisation_id=world["steppe"].id,
        values=typed("ZAYTSEV DMITRIY"),
    )
    assert {m.organisation for m in found} == {"Steppe Bureau"}


def test_an_admin_learns_nothing_from_the_intake_check(session, world):
    """Admins may not read identities, so a typed name tells them nothing: no code, no
    organisation, not even that someone matched (they take cases in for any organisation)."""
    admin = actor_of(make_user(session, role=Role.ADMIN, organisation=world["steppe"]))
    for organisation in (world["steppe"], world["door"]):
        assert (
            intake.intake_matches(
                session,
                actor=admin,
                organisation_id=organisation.id,
                values=typed("Zaitsev Dmitry"),
            )
            == []
        )
    checks = session.exec(
        select(AuditEvent).where(AuditEvent.action == AuditAction.NAME_CHECK)
    ).all()
    assert checks == []  # nothing was checked


def test_every_intake_check_is_audited_without_the_name(session, world):
    for name in ("Zaitsev Dmitry", "Соколова Мария"):
        intake.intake_matches(
            session,
            actor=world["coordinator"],
            organisation_id=world["steppe"].id,
            values=typed(name, 1990),
        )
    session.flush()
    checks = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == AuditAction.NAME_CHECK)
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [(e.user_id, e.entity, e.detail) for e in checks] == [
        (world["coordinator"].id, "intake", "3 possible matches"),
        (world["coordinator"].id, "intake", "0 possible matches"),
    ]
    written = " ".join(str(value) for e in checks for value in e.model_dump().values())
    assert not any(part in written for part in ("Zaitsev", "Dmitry", "Соколова", "1990"))


def test_the_intake_check_stops_at_its_hourly_limit(session, world, monkeypatch):
    """Past ``CHECKS_PER_HOUR`` checks in the last hour an account is refused with a message
    saying when the check resumes, and nothing is decrypted; checks older than an hour do not
    count, nor do another account's."""
    monkeypatch.setattr(intake, "CHECKS_PER_HOUR", 3)
    coordinator = world["coordinator"]

    def check() -> list[intake.IntakeMatch]:
        return intake.intake_matches(
            session,
            actor=coordinator,
            organisation_id=world["steppe"].id,
            values=typed("Zaitsev Dmitry"),
        )

    # An old check (more than an hour ago) does not count.
    old = record_check(session, coordinator, minutes_ago=61)
    assert len(check()) == 3 and len(check()) == 3
    first_counted = record_check(session, coordinator, minutes_ago=50)
    opened: list[int] = []
    monkeypatch.setattr(intake, "open_records", lambda _s, ids: opened.extend(ids) or {})
    with pytest.raises(ValidationError) as refused:
        check()
    assert refused.value.params["full_name"]["count"] == 3
    resumes = (
        (first_counted.at.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1))
        .astimezone(
            load_settings().zone  # local time, as the pages show times: Almaty by default
        )
        .strftime("%H:%M")
    )
    assert refused.value.params["full_name"]["time"] == resumes
    assert opened == []
    assert old.at < first_counted.at
    # Another coordinator is not held back by this one's checks.
    intake.intake_matches(
        session,
        actor=world["other"],
        organisation_id=world["door"].id,
        values=typed("Zaitsev Dmitry"),
    )
    assert opened  # the other account's check ran


def record_check(session: Session, actor, *, minutes_ago: int) -> AuditEvent:  # noqa: ANN001
    event = AuditEvent(
        at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago),
        user_id=actor.id,
        username=actor.username,
        organisation_id=actor.organisation_id,
        action=AuditAction.NAME_CHECK,
        entity="intake",
        detail="0 possible matches",
    )
    session.add(event)
    session.flush()
    return event


def test_the_intake_check_decrypts_only_the_people_sharing_a_blocking_token(
    session, world, monkeypatch
):
    from models.duplicates import people

    opened: list[int] = []
    real = people.open_records

    def counting(session, person_ids):
        opened.extend(person_ids)
        return real(session, person_ids)

    monkeypatch.setattr(intake, "open_records", counting)
    for n in range(20):
        make_case(session, organisation=world["steppe"], full_name=f"Петров{n:02d} Иван")
    intake.intake_matches(
        session,
        actor=world["coordinator"],
        organisation_id=world["steppe"].id,
        values=typed("Dmitriy Zaytsev"),
    )
    # The three Zaitsevs named Dmitry, not the sibling and none of the twenty others.
    assert len(opened) == 3


def test_different_is_remembered_and_the_pair_never_shown_again(session, world):
    pair = next(
        p
        for p in review.pairs_to_review(session, actor=world["coordinator"])
        if p.other_organisation
    )
    review.mark_different(
        session,
        actor=world["coordinator"],
        own_case_id=pair.own_case_id,
        other_case_id=pair.other_case_id,
    )
    session.commit()
    decided = {pair.own_case_id, pair.other_case_id}
    for actor in (world["coordinator"], world["other"]):
        remaining = review.pairs_to_review(session, actor=actor)
        assert decided not in [{p.own_case_id, p.other_case_id} for p in remaining]
    event = session.exec(select(AuditEvent).where(AuditEvent.entity != "network_setting")).one()
    assert (event.action, event.entity, event.detail) == (
        AuditAction.DUPLICATE_DECISION,
        "case_pair",
        "different",
    )


def test_same_person_merges_keeping_the_survivor_and_the_history(session, world):
    survivor, duplicate = world["a"], world["b"]
    review.merge(
        session,
        actor=world["coordinator"],
        survivor_id=survivor.id,
        duplicate_id=duplicate.id,
        today=TODAY,
    )
    session.commit()
    closed = session.get(Case, duplicate.id, populate_existing=True)
    kept = session.get(Case, survivor.id, populate_existing=True)
    assert (closed.status, closed.outcome, closed.closed_on) == (
        CaseStatus.CLOSED,
        Outcome.DUPLICATE,
        TODAY,
    )
    assert kept.status == CaseStatus.OPEN
    decision = session.exec(select(DuplicateDecision)).one()
    assert decision.same_person and decision.survivor_id == survivor.id
    assert session.exec(select(StageChange).where(StageChange.case_id == duplicate.id)).all()
    actions = sorted(
        e.action
        for e in session.exec(select(AuditEvent).where(AuditEvent.entity != "network_setting"))
    )
    assert actions == sorted([AuditAction.MERGE, AuditAction.DUPLICATE_DECISION])
    within = [
        p
        for p in review.pairs_to_review(session, actor=world["coordinator"])
        if p.other_organisation is None
    ]
    assert within == []


def test_a_merged_duplicate_is_not_counted_in_reports(session, world):
    review.merge(
        session,
        actor=world["coordinator"],
        survivor_id=world["a"].id,
        duplicate_id=world["b"].id,
        today=TODAY,
    )
    session.commit()
    _kind, scope = report_scope(world["coordinator"])
    counted = session.scalar(sa.select(sa.func.count()).select_from(Case).where(scope))
    assert counted == 2  # a and the sibling, not the merged b


def test_a_case_of_another_organisation_cannot_be_merged(session, world):
    with pytest.raises(ValidationError):
        review.merge(
            session,
            actor=world["coordinator"],
            survivor_id=world["a"].id,
            duplicate_id=world["elsewhere"].id,
            today=TODAY,
        )
    caseworker = actor_of(make_user(session, role=Role.CASEWORKER))
    with pytest.raises(PermissionError):
        review.pairs_to_review(session, actor=caseworker)


def test_parallel_intake_checks_are_counted_one_at_a_time(database_url, monkeypatch):
    """Ten checks sent together by one account with three left in its hour: three are
    answered, seven refused (each in its own thread, session and transaction)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from models.database import make_engine, session_scope
    from tests.factories import make_organisation

    monkeypatch.setattr(intake, "CHECKS_PER_HOUR", 3)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        organisation = make_organisation(session, "Parallel Bureau")
        make_case(session, organisation=organisation, full_name="Зайцев Дмитрий")
        coordinator = actor_of(make_user(session, role=Role.COORDINATOR, organisation=organisation))
        organisation_id = organisation.id
    start = threading.Barrier(10)

    def check(_: int) -> str:
        start.wait()
        try:
            with session_scope(engine) as session:
                intake.intake_matches(session, actor=coordinator,
                                      organisation_id=organisation_id,
                                      values=typed("Zaitsev Dmitry"))  # fmt: skip
            return "answered"
        except ValidationError:
            return "refused"

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(check, range(10)))
    engine.dispose()
    assert (outcomes.count("answered"), outcomes.count("refused")) == (3, 7)
