"""The dashboard queries, checked against plain Python over the raw rows of a seeded dataset.

``Rows`` (tests/oracle.py) reads every table with plain SELECTs and recomputes each
dashboard number without SQL (risk levels included), so the queries are compared with an
independent computation, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.access import Actor
from models.cases import move_stage, next_stage
from models.dashboards import caseload_map, permits, pipeline, triage, weekly
from models.dashboards.common import CaseFilters, organisations_in_scope
from models.enums import Category, Outcome, PermitType, Role, Stage
from models.risk import RiskLevel
from models.stored import refresh
from models.tables import StageChange
from tests.factories import (
    actor_named,
    actor_of,
    make_case,
    make_city,
    make_detention,
    make_organisation,
    make_user,
    seeded,
)
from tests.oracle import TODAY, URGENT, Rows, as_utc, expected_pipeline


@pytest.fixture
def data(engine: sa.Engine) -> Iterator[tuple[Session, Rows]]:
    seeded(engine)
    with Session(engine) as session:
        yield session, Rows.read(session)


ROLES = ["coordinator", "caseworker", "admin"]


# ---- weekly review ----------------------------------------------------------------------


def _open_at(case, day: dt.date) -> bool:
    return case.opened_on <= day and (case.closed_on is None or case.closed_on > day)


@pytest.mark.parametrize("username", ROLES)
def test_weekly_tiles_equal_counts_over_the_rows(data, username):
    session, rows = data
    actor = actor_named(session, username)
    mine = rows.visible(actor)

    def expected(day: dt.date) -> dict[weekly.Tile, int]:
        open_then = [c for c in mine if _open_at(c, day)]
        expires = {c.id: rows.legal[c.id].permit_expires_on for c in open_then}
        return {
            weekly.Tile.OPEN: len(open_then),
            weekly.Tile.INTAKES: sum(
                day - dt.timedelta(days=6) <= c.opened_on <= day for c in mine
            ),
            weekly.Tile.DETAINED: sum(rows.facts(c, day)["detained"] for c in open_then),
            weekly.Tile.EXPIRING: sum(
                e is not None and day <= e <= day + dt.timedelta(days=30) for e in expires.values()
            ),
            weekly.Tile.EXPIRED: sum(e is not None and e < day for e in expires.values()),
        }

    now, before = expected(TODAY), expected(TODAY - dt.timedelta(days=7))
    open_now = [c for c in mine if c.status == "open"]
    now[weekly.Tile.EXTRADITION] = sum(rows.facts(c)["extradition_proceedings"] for c in open_now)
    now[weekly.Tile.STALE] = sum(rows.facts(c)["stale"] for c in open_now)

    tiles = {t.tile: t for t in weekly.tiles(session, actor=actor, today=TODAY)}
    assert {tile: t.now for tile, t in tiles.items()} == now
    assert {tile: t.last_week for tile, t in tiles.items() if t.last_week is not None} == before
    assert tiles[weekly.Tile.EXTRADITION].last_week is None
    assert now[weekly.Tile.OPEN] > 0


@pytest.mark.parametrize("username", ROLES)
def test_urgent_list_holds_every_high_and_critical_case_most_urgent_first(data, username):
    session, rows = data
    actor = actor_named(session, username)
    urgent = rows.most_urgent_first([c for c in rows.open_cases(actor) if rows.level(c) in URGENT])
    found = weekly.urgent_cases(session, actor=actor, today=TODAY, limit=500)
    assert found.total == len(urgent)
    assert [r.code for r in found.rows] == [c.code for c in urgent]
    for row, case in zip(found.rows, urgent, strict=True):
        assert row.level == rows.level(case)
        assert row.reasons == rows.reasons(case)
        expires = rows.legal[case.id].permit_expires_on
        assert row.permit_days_left == ((expires - TODAY).days if expires else None)
        user = rows.users.get(case.caseworker_id)
        assert row.caseworker == (user.display_name if user else None)


def test_urgent_list_pages_follow_each_other(data):
    session, _rows = data
    actor = actor_named(session, "admin")
    whole = weekly.urgent_cases(session, actor=actor, today=TODAY, limit=500).rows
    first = weekly.urgent_cases(session, actor=actor, today=TODAY, limit=10).rows
    second = weekly.urgent_cases(session, actor=actor, today=TODAY, limit=10, offset=10).rows
    assert [r.code for r in first + second] == [r.code for r in whole[:20]]


@pytest.mark.parametrize("username", ROLES)
def test_caseloads_count_open_and_urgent_cases_of_each_caseworker(data, username):
    session, rows = data
    actor = actor_named(session, username)
    expected: dict = defaultdict(lambda: [0, 0, 0])
    for case in rows.open_cases(actor):
        user = rows.users.get(case.caseworker_id)
        counts = expected[user.display_name if user else None]
        counts[0] += 1
        counts[1] += rows.level(case) in URGENT
        counts[2] += rows.level(case) == RiskLevel.CRITICAL
    found = weekly.caseloads(session, actor=actor, today=TODAY)
    assert {r.caseworker: [r.open_cases, r.urgent, r.critical] for r in found} == expected
    assert [r.open_cases for r in found if r.caseworker] == sorted(
        (r.open_cases for r in found if r.caseworker), reverse=True
    )


@pytest.mark.parametrize("username", ROLES)
def test_week_changes_count_moves_detentions_releases_and_closures(data, username):
    session, rows = data
    actor = actor_named(session, username)
    mine = rows.visible(actor)
    first = TODAY - dt.timedelta(days=6)
    moves = Counter(
        Stage(change.to_stage)
        for case in mine
        for change in rows.changes.get(case.id, [])
        if change.from_stage is not None and first <= as_utc(change.changed_at).date() <= TODAY
    )
    held = [d for case in mine for d in rows.detentions.get(case.id, [])]
    closures = Counter(c.outcome for c in mine if c.closed_on and first <= c.closed_on <= TODAY)
    found = weekly.week_changes(session, actor=actor, today=TODAY)
    assert found.stage_moves == dict(moves)
    assert found.detentions == sum(first <= d.detained_on <= TODAY for d in held)
    assert found.releases == sum(
        d.released_on is not None and first <= d.released_on <= TODAY for d in held
    )
    assert {o.value: n for o, n in found.closures.items()} == dict(closures)


# ---- triage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        CaseFilters(),
        CaseFilters(categories=(Category.DESERTER, Category.JOURNALIST)),
        CaseFilters(levels=(RiskLevel.CRITICAL,)),
        CaseFilters(stages=(Stage.DOCUMENTS,)),
    ],
    ids=["all", "two-categories", "critical", "documents-stage"],
)
@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_triage_counts_levels_and_reasons_of_the_filtered_open_cases(data, username, filters):
    session, rows = data
    actor = actor_named(session, username)
    chosen = [
        c
        for c in rows.open_cases(actor)
        if (not filters.categories or c.category in filters.categories)
        and (not filters.stages or c.stage in filters.stages)
        and (not filters.levels or rows.level(c) in filters.levels)
    ]
    found = triage.summary(session, actor=actor, today=TODAY, filters=filters)
    expected = Counter((rows.level(c), Category(c.category)) for c in chosen)
    assert found.by_level_and_category == dict(expected)
    reasons = Counter(reason for c in chosen for reason in rows.reasons(c))
    assert {r: n for r, n in found.by_reason.items() if n} == dict(reasons)

    page = triage.cases(session, actor=actor, today=TODAY, filters=filters, limit=1000)
    assert page.total == len(chosen)
    assert [r.code for r in page.rows] == [c.code for c in rows.most_urgent_first(chosen)]


# ---- map --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        CaseFilters(),
        CaseFilters(stages=(Stage.INTAKE, Stage.DOCUMENTS)),
        CaseFilters(levels=URGENT),
        CaseFilters(categories=(Category.ACTIVIST,)),
    ],
    ids=["all", "stages", "urgent", "activists"],
)
@pytest.mark.parametrize("username", ["coordinator", "caseworker", "admin"])
def test_cases_per_city_count_open_and_urgent_cases(data, username, filters):
    session, rows = data
    actor = actor_named(session, username)
    expected: dict = defaultdict(lambda: [0, 0])
    for case in rows.open_cases(actor):
        if filters.stages and case.stage not in filters.stages:
            continue
        if filters.levels and rows.level(case) not in filters.levels:
            continue
        if filters.categories and case.category not in filters.categories:
            continue
        city = rows.cities.get(case.city_id)
        counts = expected[city.key if city else None]
        counts[0] += 1
        counts[1] += rows.level(case) in URGENT
    found = caseload_map.cases_per_city(session, actor=actor, today=TODAY, filters=filters)
    assert {r.city_key: [r.open_cases, r.urgent] for r in found} == expected
    for row in found:
        city = next(c for c in rows.cities.values() if c.key == row.city_key)
        assert (row.lat, row.lon, row.name_en) == (city.lat, city.lon, city.name_en)


def test_filter_by_organisation_keeps_only_its_cases(data):
    session, rows = data
    admin = actor_named(session, "admin")
    organisations = organisations_in_scope(session, actor=admin)
    assert len(organisations) == 3
    org_id = organisations[0][0]
    found = caseload_map.cases_per_city(
        session, actor=admin, today=TODAY, filters=CaseFilters(organisation_ids=(org_id,))
    )
    assert sum(r.open_cases for r in found) == sum(
        c.organisation_id == org_id for c in rows.open_cases(admin)
    )


# ---- permits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        CaseFilters(),
        CaseFilters(permit_types=(PermitType.VISA_FREE,)),
        CaseFilters(levels=(RiskLevel.MEDIUM, RiskLevel.LOW)),
    ],
    ids=["all", "visa-free", "medium-and-low"],
)
@pytest.mark.parametrize("username", ["coordinator", "caseworker"])
def test_expiry_summary_counts_bands_and_weeks(data, username, filters):
    session, rows = data
    actor = actor_named(session, username)
    chosen = [
        c
        for c in rows.open_cases(actor)
        if (not filters.permit_types or rows.legal[c.id].permit_type in filters.permit_types)
        and (not filters.levels or rows.level(c) in filters.levels)
    ]
    expires = [rows.legal[c.id].permit_expires_on for c in chosen]
    days = [(e - TODAY).days for e in expires if e is not None]
    found = permits.expiry_summary(session, actor=actor, today=TODAY, filters=filters)
    assert found.no_expiry_date == sum(e is None for e in expires)
    assert found.by_band == {
        permits.Band.EXPIRED: sum(d < 0 for d in days),
        permits.Band.DAYS_30: sum(0 <= d <= 30 for d in days),
        permits.Band.DAYS_60: sum(31 <= d <= 60 for d in days),
        permits.Band.DAYS_90: sum(61 <= d <= 90 for d in days),
        permits.Band.LATER: sum(d > 90 for d in days),
    }
    assert found.weekly == [
        (TODAY + dt.timedelta(weeks=w), sum(7 * w <= d <= 7 * w + 6 for d in days))
        for w in range(26)
    ]


@pytest.mark.parametrize("within", [30, None])
def test_permit_page_lists_the_permits_that_end_soonest_first(data, within):
    session, rows = data
    actor = actor_named(session, "coordinator")
    chosen = [
        c
        for c in rows.open_cases(actor)
        if (e := rows.legal[c.id].permit_expires_on) is not None
        and (within is None or e <= TODAY + dt.timedelta(days=within))
    ]
    chosen.sort(key=lambda c: (rows.legal[c.id].permit_expires_on, c.code))
    page = permits.permits_page(
        session, actor=actor, today=TODAY, filters=CaseFilters(), within_days=within, limit=1000
    )
    assert page.total == len(chosen)
    assert [r.code for r in page.rows] == [c.code for c in chosen]
    assert [r.days_left for r in page.rows] == [
        (rows.legal[c.id].permit_expires_on - TODAY).days for c in chosen
    ]
    by_risk = permits.permits_page(
        session,
        actor=actor,
        today=TODAY,
        filters=CaseFilters(),
        within_days=within,
        sort=permits.PermitSort.RISK,
        limit=1000,
    )
    assert [r.level for r in by_risk.rows] == sorted((rows.level(c) for c in chosen), reverse=True)


# ---- pipeline ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["coordinator", "caseworker", "admin"])
def test_pipeline_funnel_medians_exits_and_cohorts_match_the_stage_history(data, username):
    session, rows = data
    actor = actor_named(session, username)
    mine = rows.visible(actor)
    found = pipeline.pipeline(session, actor=actor, today=TODAY, filters=CaseFilters())
    funnel, medians, exits = expected_pipeline(rows, mine)
    assert found.funnel() == funnel
    assert found.median_days() == medians
    assert {o.value: n for o, n in found.exits.items()} == dict(exits)

    cohorts = found.split(lambda g: g.intake_month)
    for month, reached in cohorts.items():
        members = [c for c in mine if c.opened_on.replace(day=1) == month]
        assert reached == expected_pipeline(rows, members)[0]
    by_category = found.split(lambda g: g.category)
    for category, reached in by_category.items():
        assert reached == expected_pipeline(rows, [c for c in mine if c.category == category])[0]
    by_destination = found.split(lambda g: g.destination)
    for country, reached in by_destination.items():
        members = [c for c in mine if c.destination_country == country]
        assert reached == expected_pipeline(rows, members)[0]


def test_pipeline_filtered_by_category_counts_only_that_category(data):
    session, rows = data
    actor = actor_named(session, "coordinator")
    found = pipeline.pipeline(
        session, actor=actor, today=TODAY, filters=CaseFilters(categories=(Category.DESERTER,))
    )
    deserters = [c for c in rows.visible(actor) if c.category == "deserter"]
    assert found.funnel() == expected_pipeline(rows, deserters)[0]


def test_conversion_and_median_helpers():
    funnel = {stage: count for stage, count in zip(Stage, [10, 8, 4, 0, 0, 0, 0], strict=True)}
    shares = pipeline.conversion(funnel)
    assert shares[Stage.INTAKE] is None
    assert shares[Stage.NEEDS_ASSESSMENT] == 0.8
    assert shares[Stage.DOCUMENTS] == 0.5
    assert shares[Stage.VISA_GRANTED] is None
    assert pipeline.median_of({}) is None
    assert pipeline.median_of({3: 1, 5: 1}) == 4
    assert pipeline.median_of({1: 2, 9: 1}) == 1


# ---- edge cases -------------------------------------------------------------------------


def _all_queries(session: Session, actor: Actor) -> dict:
    filters = CaseFilters()
    return {
        "tiles": weekly.tiles(session, actor=actor, today=TODAY),
        "urgent": weekly.urgent_cases(session, actor=actor, today=TODAY),
        "caseloads": weekly.caseloads(session, actor=actor, today=TODAY),
        "changes": weekly.week_changes(session, actor=actor, today=TODAY),
        "triage": triage.summary(session, actor=actor, today=TODAY, filters=filters),
        "map": caseload_map.cases_per_city(session, actor=actor, today=TODAY, filters=filters),
        "permits": permits.expiry_summary(session, actor=actor, today=TODAY, filters=filters),
        "pipeline": pipeline.pipeline(session, actor=actor, today=TODAY, filters=filters),
    }


def _assert_all_empty(found: dict) -> None:
    assert all(t.now == 0 and t.last_week in (0, None) for t in found["tiles"])
    assert found["urgent"].total == 0 and not found["urgent"].rows
    assert found["caseloads"] == []
    assert found["changes"] == weekly.WeekChanges({}, 0, 0, {})
    assert sum(found["triage"].by_level().values()) == 0
    assert set(found["triage"].by_reason.values()) == {0}
    assert found["map"] == []
    assert found["permits"].no_expiry_date == 0 and set(found["permits"].by_band.values()) == {0}
    assert found["pipeline"].groups == [] and found["pipeline"].exits == {}


def test_every_query_answers_zero_on_an_empty_database(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    session.commit()
    _assert_all_empty(_all_queries(session, actor_of(coordinator)))


def test_a_caseworker_without_cases_and_a_funder_see_nothing(data):
    session, _rows = data
    org = make_organisation(session)
    idle = make_user(session, role=Role.CASEWORKER, organisation=org)
    session.commit()
    _assert_all_empty(_all_queries(session, actor_of(idle)))
    _assert_all_empty(_all_queries(session, actor_named(session, "funder")))


def test_a_coordinator_sees_only_the_cases_of_their_organisation(session):
    mine, theirs = make_organisation(session), make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=mine)
    make_case(session, organisation=mine, wanted=True, permit_type=PermitType.NONE)
    make_case(session, organisation=theirs, wanted=True, permit_type=PermitType.NONE)
    session.commit()
    found = _all_queries(session, actor_of(coordinator))
    assert found["urgent"].total == 1
    assert sum(found["triage"].by_level().values()) == 1


def test_weekly_tiles_count_cases_closed_within_the_fortnight_and_skip_older_ones(session):
    """The tiles skip closed cases that cannot count; the edges of that skip are counted:
    taken in last week and closed before its end, closed on the day a week ago (not open at
    its end), closed the day after it (open at its end), and closed long ago (nothing)."""
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    before = TODAY - dt.timedelta(days=7)
    opened_closed = [
        (before - dt.timedelta(days=3), before - dt.timedelta(days=1)),  # intake last week
        (before - dt.timedelta(days=60), before),  # closed on the day: not open at its end
        (before - dt.timedelta(days=60), before + dt.timedelta(days=1)),  # open then
        (before - dt.timedelta(days=400), before - dt.timedelta(days=200)),  # long gone
    ]
    for opened_on, closed_on in opened_closed:
        case = make_case(session, organisation=org, opened_on=opened_on, outcome=Outcome.WITHDREW)
        case.closed_on = closed_on
    session.commit()
    found = {t.tile: t for t in weekly.tiles(session, actor=actor_of(coordinator), today=TODAY)}
    assert (found[weekly.Tile.OPEN].now, found[weekly.Tile.OPEN].last_week) == (0, 1)
    assert (found[weekly.Tile.INTAKES].now, found[weekly.Tile.INTAKES].last_week) == (0, 1)


def test_a_case_without_permit_counts_as_having_no_end_date(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    make_case(session, organisation=org, permit_type=PermitType.NONE)
    make_case(session, organisation=org, permit_expires_on=TODAY + dt.timedelta(days=3))
    session.commit()
    actor = actor_of(coordinator)
    summary = permits.expiry_summary(session, actor=actor, today=TODAY, filters=CaseFilters())
    assert summary.no_expiry_date == 1
    assert summary.by_band[permits.Band.DAYS_30] == 1
    assert summary.weekly[0] == (TODAY, 1)
    page = permits.permits_page(session, actor=actor, today=TODAY, filters=CaseFilters())
    assert [r.days_left for r in page.rows] == [3]


def test_a_city_without_coordinates_is_counted_but_not_placed(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    nowhere = make_city(session, key="unmapped", lat=None, lon=None)
    almaty = make_city(session, key="almaty-test")
    make_case(session, organisation=org, city=nowhere)
    make_case(session, organisation=org, city=almaty)
    make_case(session, organisation=org, city=None)
    session.commit()
    found = caseload_map.cases_per_city(
        session, actor=actor_of(coordinator), today=TODAY, filters=CaseFilters()
    )
    by_key = {r.city_key: r for r in found}
    assert set(by_key) == {"unmapped", "almaty-test", None}
    assert not by_key["unmapped"].on_map and not by_key[None].on_map
    assert by_key["almaty-test"].on_map and by_key["almaty-test"].open_cases == 1


def test_a_stage_history_with_gaps_still_counts_the_skipped_stages(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    case = make_case(
        session, organisation=org, stage=Stage.VISA_GRANTED, opened_on=dt.date(2026, 1, 5)
    )
    # Intake on 5 January, then straight to documents and on to visa granted: two gaps.
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=Stage.INTAKE,
            to_stage=Stage.DOCUMENTS,
            changed_at=dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC),
            stay_days=10,  # as move_stage stores it: the days since the stage was entered
        )
    )
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=Stage.DOCUMENTS,
            to_stage=Stage.VISA_GRANTED,
            changed_at=dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC),
            stay_days=60,
        )
    )
    # A case whose history was lost: only its current stage tells how far it got.
    make_case(session, organisation=org, stage=Stage.NEEDS_ASSESSMENT)
    session.commit()
    found = pipeline.pipeline(
        session, actor=actor_of(coordinator), today=TODAY, filters=CaseFilters()
    )
    assert found.funnel() == {
        Stage.INTAKE: 2,
        Stage.NEEDS_ASSESSMENT: 2,
        Stage.DOCUMENTS: 1,
        Stage.VISA_APPLICATION: 1,
        Stage.VISA_GRANTED: 1,
        Stage.TRAVEL_ARRANGED: 0,
        Stage.RELOCATED: 0,
    }
    medians = found.median_days()
    assert medians[Stage.INTAKE] == 10
    assert medians[Stage.DOCUMENTS] == 60
    assert medians[Stage.VISA_GRANTED] is None


def test_detention_counts_on_the_day_it_started_and_not_after_release(session):
    org = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    held = make_case(session, organisation=org)
    released = make_case(session, organisation=org)
    make_detention(session, case=held, detained_on=TODAY)
    make_detention(
        session,
        case=released,
        detained_on=TODAY - dt.timedelta(days=3),
        released_on=TODAY - dt.timedelta(days=1),
    )
    session.commit()
    tiles = {t.tile: t for t in weekly.tiles(session, actor=actor_of(coordinator), today=TODAY)}
    assert tiles[weekly.Tile.DETAINED].now == 1
    assert tiles[weekly.Tile.DETAINED].last_week == 0
    changes = weekly.week_changes(session, actor=actor_of(coordinator), today=TODAY)
    assert (changes.detentions, changes.releases) == (2, 1)


# ---- stored values (risk level, stays) --------------------------------------------------


@pytest.mark.parametrize("refreshed", [True, False], ids=["refreshed", "not-refreshed"])
@pytest.mark.parametrize("username", ["coordinator", "admin"])
def test_a_later_day_counts_the_levels_of_that_day(data, username, refreshed):
    """After ``refresh`` the dashboards read the stored levels of the new day; without it they
    compute the rules for the day asked. Either way the counts are those of that day."""
    session, rows = data
    later = TODAY + dt.timedelta(days=20)
    if refreshed:
        refresh(session, today=later)
        session.commit()
    actor = actor_named(session, username)
    expected: dict = defaultdict(lambda: [0, 0])
    for case in rows.open_cases(actor):
        user = rows.users.get(case.caseworker_id)
        counts = expected[user.display_name if user else None]
        counts[0] += rows.level(case, later) in URGENT
        counts[1] += rows.level(case, later) == RiskLevel.CRITICAL
    found = weekly.caseloads(session, actor=actor, today=later)
    assert {r.caseworker: [r.urgent, r.critical] for r in found} == expected
    summary = triage.summary(session, actor=actor, today=later, filters=CaseFilters())
    by_level = Counter(rows.level(c, later) for c in rows.open_cases(actor))
    found_by_level: Counter = Counter()
    for (level, _category), n in summary.by_level_and_category.items():
        found_by_level[level] += n
    assert found_by_level == by_level
    assert by_level != Counter(rows.level(c) for c in rows.open_cases(actor))  # the day matters


def test_moves_written_by_the_app_keep_the_pipeline_equal_to_the_history(data):
    session, rows = data
    admin = actor_named(session, "admin")
    moved = 0
    for case in rows.open_cases(admin)[:40]:
        following = next_stage(Stage(case.stage))
        if following is None:
            continue
        move_stage(
            session,
            actor=admin,
            case_id=case.id,
            expected_version=case.version,
            to_stage=following,
        )
        moved += 1
    session.commit()
    assert moved > 20
    rows = Rows.read(session)
    found = pipeline.pipeline(session, actor=admin, today=TODAY, filters=CaseFilters())
    funnel, medians, exits = expected_pipeline(rows, rows.visible(admin))
    assert found.funnel() == funnel
    assert found.median_days() == medians
