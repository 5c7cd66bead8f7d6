"""Case list, case detail and a case's audit trail, checked against plain Python over the
rows the test created."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from models import case_queries as q
from models.access import Actor
from models.audit import record
from models.enums import AuditAction, CaseStatus, ExtraditionStatus, Outcome, Role, Stage
from models.identity.store import read_identity
from models.risk import RiskLevel
from models.tables import AuditEvent, Organisation, User
from seed_data.generator import seed
from tests.factories import (
    actor_of,
    make_case,
    make_city,
    make_detention,
    make_organisation,
    make_user,
)
from tests.oracle import Rows

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def world(session):
    org, other = make_organisation(session), make_organisation(session)
    almaty, astana = make_city(session, key="almaty"), make_city(session, key="astana")
    workers = [make_user(session, role=Role.CASEWORKER, organisation=org) for _ in range(2)]
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    specs = []
    for i in range(23):
        specs.append(
            make_case(
                session,
                organisation=org,
                caseworker=workers[i % 2],
                city=almaty if i % 3 else astana,
                stage=list(Stage)[i % 4],
                outcome=Outcome.WITHDREW if i % 7 == 6 else None,
                permit_expires_on=TODAY + dt.timedelta(days=5 * i - 20),
                extradition=ExtraditionStatus.PROCEEDINGS if i == 4 else ExtraditionStatus.NONE,
            )
        )
    make_detention(session, case=specs[2], detained_on=TODAY - dt.timedelta(days=3))
    hidden = make_case(session, organisation=other, full_name="Мария Иванова")
    session.commit()
    return {
        "cases": specs,
        "hidden": hidden,
        "workers": workers,
        "coordinator": actor_of(coordinator),
        "almaty": almaty,
    }


def codes(page: q.CasePage) -> list[str]:
    return sorted(page.rows["code"])


def test_filters_match_a_plain_python_selection(session, world):
    actor, specs = world["coordinator"], world["cases"]
    almaty = world["almaty"].id
    filters = q.CaseListFilters(status=CaseStatus.OPEN, city_id=almaty, expiring_within_days=40)
    expected = sorted(
        c.code
        for c in specs
        if c.status == CaseStatus.OPEN
        and c.city_id == almaty
        and TODAY
        <= TODAY + dt.timedelta(days=5 * specs.index(c) - 20)
        <= TODAY + dt.timedelta(days=40)
    )
    page = q.case_list(session, actor=actor, filters=filters, today=TODAY, page_size=100)
    assert codes(page) == expected
    assert page.total == len(expected)


def test_stage_and_caseworker_filters(session, world):
    worker = world["workers"][1]
    filters = q.CaseListFilters(status=None, stage=Stage.DOCUMENTS, caseworker_id=worker.id)
    expected = sorted(
        c.code
        for c in world["cases"]
        if c.stage == Stage.DOCUMENTS and c.caseworker_id == worker.id
    )
    page = q.case_list(session, actor=world["coordinator"], filters=filters, today=TODAY)
    assert codes(page) == expected


def test_critical_filter_finds_the_detained_and_the_extradition_case(session, world):
    filters = q.CaseListFilters(risk_level=RiskLevel.CRITICAL)
    page = q.case_list(session, actor=world["coordinator"], filters=filters, today=TODAY)
    assert codes(page) == sorted([world["cases"][2].code, world["cases"][4].code])


def test_pages_split_the_scoped_rows_without_overlap(session, world):
    actor = world["coordinator"]
    filters = q.CaseListFilters(status=None)
    pages = [
        q.case_list(session, actor=actor, filters=filters, today=TODAY, page=n, page_size=10)
        for n in (1, 2, 3)
    ]
    seen = [code for page in pages for code in page.rows["code"]]
    assert len(seen) == len(set(seen)) == 23
    assert pages[0].pages == 3
    assert world["hidden"].code not in seen


@pytest.mark.parametrize("text", ["Тестовый", "человек тестовый", "test person", "PERSON"])
def test_name_search_in_cyrillic_or_latin_for_roles_that_read_identities(session, world, text):
    target = world["cases"][7]
    person = read_identity(session, case_id=target.id)
    assert person is not None and person.name_latin is not None
    number = person.name_latin.split()[-1]
    page = q.case_list(
        session,
        actor=world["coordinator"],
        today=TODAY,
        filters=q.CaseListFilters(status=None, search=f"{text} {number}"),
    )
    assert codes(page) == [target.code]


@pytest.mark.parametrize(
    "text",
    ["Мария Иванова", "иванова мария", "Mariya Ivanova", "Ivanova Maria", "MARIIA IVANOVA"],
)
def test_name_search_finds_any_official_spelling_in_any_order(session, world, text):
    org = session.get(Organisation, world["cases"][0].organisation_id)
    maria = make_case(session, organisation=org, full_name="Мария Иванова")
    make_case(session, organisation=org, full_name="Мария Петрова")
    session.commit()
    page = q.case_list(
        session,
        actor=world["coordinator"],
        today=TODAY,
        filters=q.CaseListFilters(status=None, search=text),
    )
    # The namesake in the other organisation stays out of scope.
    assert codes(page) == [maria.code]


def test_admins_cannot_search_by_name(session, world):
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    page = q.case_list(
        session,
        actor=actor_of(admin),
        today=TODAY,
        filters=q.CaseListFilters(status=None, search="Мария"),
    )
    assert page.total == 0


def test_detail_carries_the_risk_reasons_and_hides_other_organisations(session, world):
    actor = world["coordinator"]
    detail = q.case_detail(session, actor=actor, code=world["cases"][2].code, today=TODAY)
    assert detail.risk_level == RiskLevel.CRITICAL
    assert "Detained now" in detail.reasons
    assert q.case_detail(session, actor=actor, code=world["hidden"].code, today=TODAY) is None
    assert q.case_identity(session, actor=actor, case_id=world["hidden"].id) is None


def test_audit_trail_lists_only_that_case(session, world):
    actor, one, two = world["coordinator"], world["cases"][0], world["cases"][1]
    record(session, actor=actor, action=AuditAction.VIEW_CASE, entity="case", case_id=one.id)
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="legal_status",
        case_id=one.id,
        fields=["permit_expires_on"],
    )
    record(session, actor=actor, action=AuditAction.VIEW_CASE, entity="case", case_id=two.id)
    session.commit()
    trail = q.case_audit_trail(session, actor=actor, case_id=one.id)
    assert sorted(trail["action"]) == sorted([AuditAction.VIEW_CASE, AuditAction.UPDATE])
    hidden_trail = q.case_audit_trail(
        session, actor=world["coordinator"], case_id=world["hidden"].id
    )
    assert hidden_trail.empty


def _audit_rows(session: Session, case_id: int) -> list[tuple[AuditAction, str | None]]:
    rows = session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id)).all()
    return [(row.action, row.fields) for row in rows]


def test_opening_a_case_or_its_identity_is_recorded_only_within_scope(session, world):
    actor, own, hidden = world["coordinator"], world["cases"][0], world["hidden"]
    assert q.open_case(session, actor=actor, case_id=own.id)
    assert not q.open_case(session, actor=actor, case_id=hidden.id)
    assert q.reveal_identity(session, actor=actor, case_id=hidden.id) is None
    person = q.reveal_identity(session, actor=actor, case_id=own.id)
    session.commit()
    assert person is not None and person.full_name
    assert _audit_rows(session, hidden.id) == []
    assert sorted(_audit_rows(session, own.id)) == [
        (AuditAction.VIEW_CASE, None),
        (AuditAction.VIEW_IDENTITY, "birth_year,contact,full_name,name_cyrillic,name_latin"),
    ]


# --- The list's filters over a seeded caseload, against plain Python over every row --------


@pytest.fixture
def seeded(engine) -> Iterator[Session]:
    """400 seeded cases with their stored risk for ``TODAY`` (so the list reads its stored
    rank, as it does in use), and the demo accounts."""
    with Session(engine) as session:
        seed(session, cases=400, seed=11, today=TODAY, password="a-long-test-password-1")
        session.commit()
    with Session(engine) as session:
        yield session


def _demo_actor(session: Session, username: str) -> Actor:
    return actor_of(session.exec(select(User).where(User.username == username)).one())


def _listed(session: Session, actor: Actor, filters: q.CaseListFilters, **kwargs) -> q.CasePage:
    return q.case_list(session, actor=actor, filters=filters, today=TODAY, **kwargs)


def _in_list_order(rows: Rows, cases: list) -> list[str]:
    """Codes in the list's order, computed in Python: open cases (which have a level) by the
    oracle's risk level, highest first, then closed cases; within each, the soonest permit
    expiry first (none last), then the code."""

    def key(case):  # noqa: ANN001, ANN202
        level = rows.level(case)
        legal = rows.legal.get(case.id)
        expires = legal.permit_expires_on if legal else None
        return (
            level is None,
            -int(level) if level is not None else 0,
            expires is None,
            expires or dt.date.min,
            case.code,
        )

    return [case.code for case in sorted(cases, key=key)]


def _words(text: str | None) -> set[str]:
    return set((text or "").lower().replace("ё", "е").split())


SEEDED_FILTERS = {
    "expiring in 30 days": q.CaseListFilters(expiring_within_days=30),
    "any status, expiring in 90 days": q.CaseListFilters(status=None, expiring_within_days=90),
    "closed, expiring in 400 days": q.CaseListFilters(
        status=CaseStatus.CLOSED, expiring_within_days=400
    ),
    "medium, expiring in 30 days": q.CaseListFilters(
        risk_level=RiskLevel.MEDIUM, expiring_within_days=30
    ),
    "code prefix": q.CaseListFilters(status=None, search="WP-26-"),
    "name": q.CaseListFilters(status=None, search="Иван"),
    "name, any status, expiring in 2 years": q.CaseListFilters(
        status=None, search="иван", expiring_within_days=730
    ),
    "stage": q.CaseListFilters(stage=Stage.DOCUMENTS),
}


def _expected(rows: Rows, people: dict, actor: Actor, filters: q.CaseListFilters) -> list[str]:
    """The codes ``case_list`` must show, in its order, computed without SQL."""
    chosen = []
    for case in rows.visible(actor):
        legal = rows.legal.get(case.id)
        expires = legal.permit_expires_on if legal else None
        if filters.status is not None and case.status != filters.status:
            continue
        if filters.stage is not None and case.stage != filters.stage:
            continue
        if filters.risk_level is not None and rows.level(case) != filters.risk_level:
            continue
        if filters.expiring_within_days is not None and not (
            expires is not None
            and TODAY <= expires <= TODAY + dt.timedelta(days=filters.expiring_within_days)
        ):
            continue
        text = filters.search.strip()
        if text:
            by_code = text.upper() in case.code
            person = people.get(case.id)
            by_name = (
                actor.role != Role.ADMIN
                and person is not None
                and _words(text) <= _words(person.name_cyrillic) | _words(person.name_latin)
            )
            if not (by_code or by_name):
                continue
        chosen.append(case)
    return _in_list_order(rows, chosen)


@pytest.mark.parametrize("name", list(SEEDED_FILTERS))
def test_each_filter_lists_what_plain_python_selects_in_the_same_order(seeded, name):
    """Expiry (rank ranges), code and name searches (their union) and the stage filter, for
    every role: the same cases in the same order as a selection over every row in Python,
    the same count, and pages that are slices of that order."""
    session = seeded
    filters = SEEDED_FILTERS[name]
    rows = Rows.read(session)
    people = {c.id: read_identity(session, case_id=c.id) for c in rows.cases}
    seen = 0
    for username in ("coordinator", "admin", "caseworker"):
        actor = _demo_actor(session, username)
        expected = _expected(rows, people, actor, filters)
        listed = _listed(session, actor, filters, page_size=5000)
        assert list(listed.rows["code"]) == expected, (name, username)
        assert (listed.total, listed.capped) == (len(expected), False), (name, username)
        # The second page of three (the last one when there are fewer pages).
        second = _listed(session, actor, filters, page=2, page_size=3)
        start = 3 if len(expected) > 3 else 0
        assert list(second.rows["code"]) == expected[start : start + 3], (name, username)
        seen += len(expected)
    assert seen > 0, name


def test_the_caseworker_filter_offers_the_holders_of_visible_cases(seeded):
    """The caseworker filter's accounts are those holding a case the user may see (computed
    from every row in Python), for each role, ordered by name; the cities are all cities."""
    rows = Rows.read(seeded)
    offered = {}
    for username in ("coordinator", "admin", "caseworker"):
        actor = _demo_actor(seeded, username)
        holders = {c.caseworker_id for c in rows.visible(actor)} - {None}
        expected = sorted(
            ((i, rows.users[i].display_name) for i in holders), key=lambda pair: pair[1]
        )
        choices = q.caseworker_choices(seeded, actor=actor)
        assert [(c.id, c.name) for c in choices] == expected, username
        offered[username] = len(choices)
    # Organisations hold cases of several caseworkers; the network holds more than one.
    assert offered["admin"] > offered["coordinator"] > offered["caseworker"] == 1
    assert [c.id for c in q.city_choices(seeded)] == [
        c.id for c in sorted(rows.cities.values(), key=lambda city: city.name_en)
    ]


def test_a_russian_reader_sees_every_city_by_its_russian_name(seeded):
    """The city filter, the list's city column and the case page name each city in the
    reader's language: Russian names, in Russian alphabetical order, for a Russian reader
    (the seeded cities have distinct Russian names: Алматы, Астана...)."""
    rows = Rows.read(seeded)
    russian = sorted(rows.cities.values(), key=lambda city: (city.name_ru, city.id))
    choices = q.city_choices(seeded, language="ru")
    assert [(c.id, c.name) for c in choices] == [(c.id, c.name_ru) for c in russian]
    assert "Алматы" in {c.name for c in choices}
    coordinator = _demo_actor(seeded, "coordinator")
    page = _listed(seeded, coordinator, q.CaseListFilters(status=None), language="ru")
    by_code = {case.code: case for case in rows.cases}
    expected = [
        rows.cities[by_code[code].city_id].name_ru if by_code[code].city_id else None
        for code in page.rows["code"]
    ]
    assert page.rows["city"].where(page.rows["city"].notna(), None).tolist() == expected
    assert any(name and name != name.encode("ascii", "ignore").decode() for name in expected)
    first = by_code[page.rows["code"].iloc[0]]
    detail = q.case_detail(seeded, actor=coordinator, code=first.code, today=TODAY, language="ru")
    assert detail is not None
    assert detail.city == rows.cities[first.city_id].name_ru


def test_the_name_search_finds_the_seeded_namesakes(seeded):
    """The seeded caseload has people called Иван (else the comparison above proves little)."""
    coordinator = _demo_actor(seeded, "coordinator")
    page = _listed(seeded, coordinator, q.CaseListFilters(status=None, search="Иван"))
    assert page.total >= 3


def test_a_search_with_more_matches_than_the_count_limit_is_capped_in_order(seeded):
    """A search matching more cases than the count limit: the count stops there, and the
    pages are those of the full order (the search's one-pass reading gives way)."""
    session = seeded
    actor = _demo_actor(session, "admin")
    filters = q.CaseListFilters(status=None, search="WP-")
    everything = _listed(session, actor, filters, page_size=5000)
    assert everything.total == 400
    capped = _listed(session, actor, filters, page=2, page_size=10, count_limit=25)
    assert (capped.total, capped.capped, capped.pages) == (25, True, 3)
    assert list(capped.rows["code"]) == list(everything.rows["code"][10:20])
