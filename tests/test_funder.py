"""The impact report against an independent count: plain SELECTs of the rows, counted in
Python, then the disclosure rules checked cell by cell."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.access import Actor, PermissionDenied
from models.disclosure import DisclosureError, Hidden
from models.enums import AuditAction, Category, Outcome, Role, Stage
from models.funder import (
    ENCLOSING_REGION,
    ExportFormat,
    ReportScope,
    TableKey,
    _raw_tables,
    configured_k,
    impact_report,
    record_export,
)
from models.identity.store import read_identity
from models.risk import RiskLevel, level_expression, with_legal_status
from models.tables import AuditEvent, Case, City, EmploymentNeed, HousingNeed, Person, User
from reports.impact import long_frame, report_frame
from seed_data.generator import seed
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = dt.date(2026, 11, 23)
CASES = 400


@pytest.fixture
def seeded(session: Session) -> Session:
    seed(session, cases=CASES, seed=7, today=TODAY, password="seeded-password-for-tests")
    session.commit()
    return session


def _actor(session: Session, username: str) -> Actor:
    return actor_of(session.exec(select(User).where(User.username == username)).one())


def _quarter_index(day: dt.date) -> int:
    """0 for anything before the eight quarters up to TODAY's, then 1..8."""
    offset = (TODAY.year * 4 + (TODAY.month - 1) // 3) - (day.year * 4 + (day.month - 1) // 3)
    return max(0, min(8, 8 - offset))


def _expected(session: Session, organisation_id: int | None) -> dict[TableKey, Counter]:
    """The raw counts, from rows read with plain SELECTs and counted in Python."""
    cases = session.execute(
        sa.text(
            "SELECT id, organisation_id, category, opened_on, closed_on, status, stage, outcome,"
            " city_id FROM case_file"
        )
    ).all()
    if organisation_id is not None:
        cases = [c for c in cases if c.organisation_id == organisation_id]
    ids = {c.id for c in cases}
    levels = dict(
        session.execute(
            with_legal_status(sa.select(Case.id, level_expression(TODAY)).select_from(Case))
        ).all()
    )
    cities = {
        c.id: c
        for c in session.execute(sa.text("SELECT id, country, region_en, name_en FROM city")).all()
    }

    def day(value: object) -> dt.date:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    def region(city_id: int | None) -> str:
        if city_id is None:
            return "not_recorded"
        city = cities[city_id]
        if city.country != "KZ":
            return f"country:{city.country}"
        if city.region_en in ENCLOSING_REGION:
            return f"region:{ENCLOSING_REGION[city.region_en][0]}"
        return "region:other" if city.region_en == city.name_en else f"region:{city.region_en}"

    expected: dict[TableKey, Counter] = {key: Counter() for key in TableKey}
    for case in cases:
        expected[TableKey.PEOPLE][case.category, _quarter_index(day(case.opened_on))] += 1
        expected[TableKey.REGIONS][region(case.city_id)] += 1
        if case.status == "open":
            expected[TableKey.PIPELINE][case.stage] += 1
            expected[TableKey.RISK][levels[case.id], case.category] += 1
        else:
            expected[TableKey.OUTCOMES][case.outcome, _quarter_index(day(case.closed_on))] += 1
    for kind, table, settled in (
        ("housing", "housing_need", "stable"),
        ("employment", "employment_need", "formal"),
    ):
        rows = session.execute(
            sa.text(f"SELECT case_id, situation, sealed_need, met FROM {table}")  # noqa: S608
        ).all()
        for row in rows:
            if row.case_id in ids and (row.situation != settled or row.sealed_need is not None):
                expected[TableKey.NEEDS][kind, "met" if row.met else "not_met"] += 1
    return expected


def _as_counter(key: TableKey, raw) -> Counter:  # type: ignore[no-untyped-def]
    found: Counter = Counter()
    for i, row in enumerate(raw.rows):
        for j, column in enumerate(raw.columns):
            value = raw.counts[i][j]
            if not value:
                continue
            if key in (TableKey.PEOPLE, TableKey.OUTCOMES):
                found[row, j] += value
            elif key is TableKey.RISK:
                found[int(row), column] += value
            elif key is TableKey.NEEDS:
                found[row, column] += value
            else:
                found[row] += value
    return found


def _check_rules(raw, safe, k: int) -> None:  # type: ignore[no-untyped-def]
    """Each shown count is the true count and at least k; each count below k shows "<k";
    no line with a shown total has exactly one hidden cell."""
    truth = [list(line) for line in raw.counts]
    for i, line in enumerate(safe.cells):
        for j, shown in enumerate(line):
            if isinstance(shown, int):
                assert shown == truth[i][j] and shown >= k
            elif truth[i][j] < k:
                assert shown is Hidden.BELOW_K
            else:
                assert shown is Hidden.WITHHELD
    row_sums = [sum(line) for line in truth]
    column_sums = [sum(line[j] for line in truth) for j in range(len(raw.columns))]
    for shown_totals, sums, lines in (
        (safe.row_totals, row_sums, safe.cells),
        (safe.column_totals, column_sums, list(zip(*safe.cells, strict=True))),
    ):
        if shown_totals is None:
            continue
        for total, true_total, line in zip(shown_totals, sums, lines, strict=True):
            if isinstance(total, int):
                assert total == true_total and total >= k
                assert sum(isinstance(v, Hidden) for v in line) != 1
            else:
                assert (total is Hidden.BELOW_K) == (true_total < k)


@pytest.mark.parametrize("username", ["admin", "coordinator"])
def test_raw_counts_match_an_independent_count_of_the_rows(seeded, username):
    actor = _actor(seeded, username)
    organisation = None if actor.role is Role.ADMIN else actor.organisation_id
    expected = _expected(seeded, organisation)
    raw = _raw_tables(seeded, actor=actor, today=TODAY)
    for key in TableKey:
        assert _as_counter(key, raw[key]) == expected[key], key


@pytest.mark.parametrize("username", ["admin", "coordinator"])
def test_published_counts_follow_the_rules_against_the_independent_count(seeded, username):
    actor = _actor(seeded, username)
    organisation = None if actor.role is Role.ADMIN else actor.organisation_id
    expected = _expected(seeded, organisation)
    raw = _raw_tables(seeded, actor=actor, today=TODAY)
    report = impact_report(seeded, actor=actor, today=TODAY, k=10)
    assert report is not None
    for table in report.tables:
        assert table.safe is not None, table.key
        assert _as_counter(table.key, raw[table.key]) == expected[table.key]
        _check_rules(raw[table.key], table.safe, 10)
    everyone = sum(expected[TableKey.REGIONS].values())
    open_cases = sum(expected[TableKey.PIPELINE].values())
    assert report.table(TableKey.PEOPLE).safe.grand_total == everyone
    assert report.table(TableKey.REGIONS).safe.grand_total == everyone
    assert report.table(TableKey.PIPELINE).safe.grand_total == open_cases
    assert report.table(TableKey.RISK).safe.grand_total == open_cases
    assert report.table(TableKey.OUTCOMES).safe.grand_total == everyone - open_cases


def test_a_larger_k_hides_more(seeded):
    actor = _actor(seeded, "admin")
    small = impact_report(seeded, actor=actor, today=TODAY, k=5)
    large = impact_report(seeded, actor=actor, today=TODAY, k=20)
    assert sum(t.safe.hidden_count for t in small.tables) < sum(
        t.safe.hidden_count for t in large.tables
    )
    raw = _raw_tables(seeded, actor=actor, today=TODAY)
    for table in large.tables:
        _check_rules(raw[table.key], table.safe, 20)


def test_an_admin_sees_the_whole_network_and_a_coordinator_their_organisation(seeded):
    admin = impact_report(seeded, actor=_actor(seeded, "admin"), today=TODAY)
    coordinator = impact_report(seeded, actor=_actor(seeded, "coordinator"), today=TODAY)
    assert admin.scope is ReportScope.NETWORK and coordinator.scope is ReportScope.ORGANISATION
    assert admin.table(TableKey.PEOPLE).safe.grand_total == CASES
    assert coordinator.table(TableKey.PEOPLE).safe.grand_total < CASES


@pytest.mark.parametrize("username", ["caseworker", "funder"])
def test_a_caseworker_or_a_funder_may_not_open_the_live_report(seeded, username):
    """A funder sees published releases only: two live reports a week apart would differ by
    exactly the cases that changed in between, whatever each one suppresses."""
    with pytest.raises(PermissionDenied):
        impact_report(seeded, actor=_actor(seeded, username), today=TODAY)


def test_fewer_than_k_cases_in_scope_give_no_report(session):
    organisation = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=organisation)
    for _ in range(9):
        make_case(session, organisation=organisation)
    session.commit()
    assert impact_report(session, actor=actor_of(coordinator), today=TODAY) is None


def test_with_too_few_closed_cases_the_pipeline_outcome_and_risk_tables_are_left_out(session):
    organisation = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=organisation)
    for n in range(30):
        make_case(
            session,
            organisation=organisation,
            category=list(Category)[n % 2],
            outcome=Outcome.RELOCATED if n < 3 else None,
        )
    session.commit()
    report = impact_report(session, actor=actor_of(coordinator), today=TODAY)
    for key in (TableKey.PIPELINE, TableKey.OUTCOMES, TableKey.RISK):
        assert report.table(key).safe is None and report.table(key).omitted
    assert report.table(TableKey.PEOPLE).safe.grand_total == 30


def test_the_report_holds_no_case_code_name_or_city(seeded):
    report = impact_report(seeded, actor=_actor(seeded, "admin"), today=TODAY)
    text = (
        repr(report)
        + long_frame(report, language="en").to_csv()
        + "".join(report_frame(t, language="ru").to_csv() for t in report.tables)
    )
    codes = seeded.exec(select(Case.code)).all()
    people = [read_identity(seeded, case_id=c) for c in seeded.exec(select(Person.case_id))]
    names = [p.full_name for p in people if p is not None]
    assert len(names) == len(codes)
    cities = seeded.exec(select(City.name_en, City.name_ru)).all()
    assert not any(code in text for code in codes)
    assert not any(name in text for name in names)
    for name_en, name_ru in cities:
        assert f"'{name_en}'" not in text and f",{name_en}," not in text
        assert name_ru not in text.replace(f"{name_ru}ская", "")


def test_no_city_that_is_a_region_of_its_own_is_named(seeded):
    report = impact_report(seeded, actor=_actor(seeded, "admin"), today=TODAY)
    labels = report.table(TableKey.REGIONS).row_labels
    for city in ENCLOSING_REGION:
        assert city not in labels
    assert "Almaty Region" in labels and "Kazakhstan" not in labels


def test_labels_are_translated(seeded):
    report = impact_report(seeded, actor=_actor(seeded, "admin"), today=TODAY, language="ru")
    people = report.table(TableKey.PEOPLE)
    assert people.title.startswith("Получившие помощь")
    assert people.column_labels[-1] == "4 кв. 2026"
    assert "Алматинская область" in report.table(TableKey.REGIONS).row_labels


def test_every_export_is_audited_without_numbers(seeded):
    actor = _actor(seeded, "admin")
    report = impact_report(seeded, actor=actor, today=TODAY)
    record_export(seeded, actor=actor, report=report, export=ExportFormat.EXCEL)
    seeded.commit()
    event = seeded.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert event.username == "admin" and event.entity == "impact_report"
    assert event.detail == "xlsx, k=10"


def test_k_comes_from_the_environment_and_is_never_below_five():
    assert configured_k({}) == 10
    assert configured_k({"WAYPOINT_DISCLOSURE_K": "12"}) == 12
    for bad in ("4", "0", "ten"):
        with pytest.raises(DisclosureError):
            configured_k({"WAYPOINT_DISCLOSURE_K": bad})
    with pytest.raises(DisclosureError):
        impact_report(None, actor=None, today=TODAY, k=3)  # type: ignore[arg-type]


def test_stages_and_outcomes_cover_every_enum_member(seeded):
    report = impact_report(seeded, actor=_actor(seeded, "admin"), today=TODAY)
    assert len(report.table(TableKey.PIPELINE).row_labels) == len(Stage)
    # Every outcome but "duplicate": a merged duplicate is not a person's outcome.
    assert len(report.table(TableKey.OUTCOMES).row_labels) == len(Outcome) - 1
    assert len(report.table(TableKey.RISK).row_labels) == len(RiskLevel)
    assert {HousingNeed.__tablename__, EmploymentNeed.__tablename__}
