"""The live impact report: what coordinators (their own organisation) and admins (the
network) may see of the current data. Funders never get it (``Action.VIEW_LIVE_REPORT``):
two live reports a week apart differ by exactly the cases that changed in between, so
funders see only the frozen, noised quarterly releases (``models.releases``), which share
this module's regions.

Every number here is a GROUP BY count, passed through ``models.disclosure.suppress`` before
it leaves this module: the public functions return ``SafeTable``s only, and nothing here
selects a case row. There are no filters to choose, so nobody can difference two reports.

How the tables are built so that they cannot be played against each other: each table has
its own dimensions, and tables share only grand totals that are published wherever they
appear (all cases N; open cases; closed cases, which is N minus open). So each table can be
protected on its own. When open or closed cases are fewer than k, the tables of the pipeline,
outcomes and risk are left out, and with fewer than k cases in scope there is no report.
Dates are quarters; places are countries, or the region (oblast) within Kazakhstan: a city
that is a region of its own is counted in the region around it, so no city is ever named.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col

from models.access import Action, Actor, require, visible_cases
from models.audit import record
from models.database import side_by_side
from models.disclosure import (
    K_DEFAULT,
    CountTable,
    DisclosureError,
    SafeTable,
    check_k,
    suppress,
)
from models.enums import (
    AuditAction,
    CaseStatus,
    Category,
    EmploymentSituation,
    HousingSituation,
    Outcome,
    Role,
    Stage,
)
from models.i18n import N_, translate
from models.risk import RiskLevel, level_expression, with_legal_status
from models.tables import Case, City, EmploymentNeed, HousingNeed

K_ENVIRONMENT = "WAYPOINT_DISCLOSURE_K"
QUARTERS_SHOWN = 8
EARLIER = "earlier"
NOT_RECORDED = "not_recorded"
KAZAKHSTAN = "KZ"

# Cities with the status of a region, counted in the region that surrounds them.
ENCLOSING_REGION: dict[str, tuple[str, str]] = {
    "Almaty": ("Almaty Region", "Алматинская область"),
    "Astana": ("Akmola Region", "Акмолинская область"),
    "Shymkent": ("Turkistan Region", "Туркестанская область"),
}
OTHER_KAZAKH_REGION = N_("Kazakhstan, other regions")
OTHER_KAZAKH_KEY = "region:other"
COUNTRY_NAMES: dict[str, str] = {
    "KZ": N_("Kazakhstan"),
    "KG": N_("Kyrgyzstan"),
    "GE": N_("Georgia"),
    "AM": N_("Armenia"),
    "RS": N_("Serbia"),
    "TR": N_("Turkey"),
    "UZ": N_("Uzbekistan"),
}


class ReportScope(StrEnum):
    NETWORK = "network"
    ORGANISATION = "organisation"


class TableKey(StrEnum):
    PEOPLE = "people"
    PIPELINE = "pipeline"
    OUTCOMES = "outcomes"
    RISK = "risk"
    NEEDS = "needs"
    REGIONS = "regions"


TITLES: dict[TableKey, str] = {
    TableKey.PEOPLE: N_("People supported, by category and quarter of intake"),
    TableKey.PIPELINE: N_("Open cases by pipeline stage reached"),
    TableKey.OUTCOMES: N_("Closed cases by outcome and quarter closed"),
    TableKey.RISK: N_("Open cases by level of legal risk and category"),
    TableKey.NEEDS: N_("Housing and employment needs met"),
    TableKey.REGIONS: N_("People supported, by country or region of Kazakhstan"),
}
SHEET_NAMES: dict[TableKey, str] = {
    TableKey.PEOPLE: N_("People supported"),
    TableKey.PIPELINE: N_("Pipeline"),
    TableKey.OUTCOMES: N_("Outcomes"),
    TableKey.RISK: N_("Legal risk"),
    TableKey.NEEDS: N_("Needs met"),
    TableKey.REGIONS: N_("Regions"),
}
ROW_HEADERS: dict[TableKey, str] = {
    TableKey.PEOPLE: N_("Category"),
    TableKey.PIPELINE: N_("Stage"),
    TableKey.OUTCOMES: N_("Outcome"),
    TableKey.RISK: N_("Legal risk"),
    TableKey.NEEDS: N_("Need"),
    TableKey.REGIONS: N_("Country or region"),
}
OMITTED_FEW = N_("Not shown: too few open or closed cases to show this table safely.")
OMITTED_UNSAFE = N_("Not shown: this table cannot be shown without revealing small counts.")


def configured_k(environ: Mapping[str, str] | None = None) -> int:
    """The threshold k: ``WAYPOINT_DISCLOSURE_K`` or 10; refuses a value below 5."""
    raw = (os.environ if environ is None else environ).get(K_ENVIRONMENT)
    if raw is None or not raw.strip():
        return K_DEFAULT
    try:
        value = int(raw)
    except ValueError as error:
        raise DisclosureError(f"{K_ENVIRONMENT} must be a whole number") from error
    return check_k(value)


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: labels in the reader's language and the suppressed counts;
    ``safe`` is None when the table is left out, with the reason in ``omitted``."""

    key: TableKey
    title: str
    row_header: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    safe: SafeTable | None
    omitted: str | None = None


@dataclass(frozen=True)
class ImpactReport:
    scope: ReportScope
    k: int
    today: dt.date
    tables: tuple[ReportTable, ...]

    def table(self, key: TableKey) -> ReportTable:
        return next(t for t in self.tables if t.key == key)


def report_scope(actor: Actor) -> tuple[ReportScope, sa.ColumnElement[bool]]:
    """Whose cases the live report counts: an admin's, the whole network; a coordinator's,
    their organisation. Funders are refused: they see published releases only."""
    require(actor, Action.VIEW_LIVE_REPORT)
    # A case merged into another as a duplicate is the same person counted twice: never.
    counted = sa.or_(col(Case.outcome).is_(None), col(Case.outcome) != Outcome.DUPLICATE)
    if actor.role is Role.ADMIN:
        return ReportScope.NETWORK, sa.and_(visible_cases(actor), counted)
    return ReportScope.ORGANISATION, sa.and_(visible_cases(actor), counted)


# Quarters -------------------------------------------------------------------------------


def quarter_key(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def quarter_columns(today: dt.date) -> list[str]:
    """ "earlier", then the last ``QUARTERS_SHOWN`` quarters up to today's, oldest first."""
    index = today.year * 4 + (today.month - 1) // 3
    keys = [quarter_key(i // 4, i % 4 + 1) for i in range(index - QUARTERS_SHOWN + 1, index + 1)]
    return [EARLIER, *keys]


def quarter_label(key: str, language: str) -> str:
    if key == EARLIER:
        return translate(N_("Earlier"), language)
    year, quarter = key.split("-Q")
    return translate(N_("{year} Q{quarter}"), language).format(year=year, quarter=quarter)


# Raw counts: private, GROUP BY only ------------------------------------------------------


def _quarter_starts(columns: Sequence[str]) -> list[dt.date]:
    """The first day of each shown quarter (the columns after "earlier")."""
    starts = []
    for key in columns[1:]:
        year, quarter = key.split("-Q")
        starts.append(dt.date(int(year), 3 * int(quarter) - 2, 1))
    return starts


def _quarter_bucket(
    day: SQLCoreOperations[dt.date | None], columns: Sequence[str]
) -> sa.ColumnElement[int]:
    """The column index of ``day``: 0 for earlier, then one per quarter; later dates fall
    into the last quarter. Computed in SQL, so no finer date leaves the database."""
    starts = _quarter_starts(columns)
    return sa.case(
        *[(day < start, index) for index, start in enumerate(starts)],
        else_=len(starts),
    )


@dataclass(frozen=True)
class _Group:
    """One group of the case facts: how many cases share these coarse values."""

    status: str
    category: str
    opened: str  # quarter column
    stage: str
    outcome: str | None
    closed: str  # quarter column; meaningful for closed cases only
    level: str | None  # risk level; None for closed cases
    cases: int


def _case_groups(session: Session, scope: sa.ColumnElement[bool], today: dt.date) -> list[_Group]:
    """One GROUP BY over the cases in scope, by status, category, quarter opened, stage,
    outcome, quarter closed and risk level: a few thousand groups whatever the caseload;
    the people, pipeline, outcome and risk tables are all sums of these groups."""
    columns = quarter_columns(today)
    opened = _quarter_bucket(col(Case.opened_on), columns)
    closed = _quarter_bucket(col(Case.closed_on), columns)
    level = level_expression(today)
    keys = (
        col(Case.status),
        col(Case.category),
        opened,
        col(Case.stage),
        col(Case.outcome),
        closed,
        level,
    )
    # Materialised first, so that SQLite computes each case's values once, not twice.
    facts = (
        with_legal_status(
            sa.select(*[key.label(f"key{n}") for n, key in enumerate(keys)]).select_from(Case)
        )
        .where(scope)
        .cte("facts")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    columns_of_facts = list(facts.c)
    statement = sa.select(*columns_of_facts, sa.func.count()).group_by(*columns_of_facts)
    return [
        _Group(
            status=str(status),
            category=str(category),
            opened=columns[int(opened_at)],
            stage=str(stage),
            outcome=None if outcome is None else str(outcome),
            closed=columns[int(closed_at)],
            level=None if lvl is None else str(int(lvl)),
            cases=int(n),
        )
        for status, category, opened_at, stage, outcome, closed_at, lvl, n in session.execute(
            statement
        )
    ]


K = TypeVar("K")


def _sum(
    groups: Sequence[_Group],
    key: Callable[[_Group], K],
    where: Callable[[_Group], bool] = lambda g: True,
) -> Counter[K]:
    counts: Counter[K] = Counter()
    for group in groups:
        if where(group):
            counts[key(group)] += group.cases
    return counts


def _is_open(group: _Group) -> bool:
    return group.status == CaseStatus.OPEN.value


def _fact_tables(groups: Sequence[_Group], today: dt.date) -> dict[TableKey, CountTable]:
    columns = quarter_columns(today)
    categories = [c.value for c in Category]
    people = _sum(groups, lambda g: (g.category, g.opened))
    outcomes = _sum(groups, lambda g: (g.outcome, g.closed), lambda g: not _is_open(g))
    pipeline = _sum(groups, lambda g: g.stage, _is_open)
    risk = _sum(groups, lambda g: (g.level, g.category), _is_open)
    return {
        TableKey.PEOPLE: CountTable.from_counts(
            people, rows=categories, columns=columns, grand_total_known=True
        ),
        TableKey.PIPELINE: CountTable.one_way(
            pipeline, rows=[s.value for s in Stage], column="open", grand_total_known=True
        ),
        TableKey.OUTCOMES: CountTable.from_counts(
            outcomes,
            rows=[o.value for o in Outcome if o is not Outcome.DUPLICATE],
            columns=columns,
            grand_total_known=True,
        ),
        TableKey.RISK: CountTable.from_counts(
            risk,
            rows=[str(int(level)) for level in RiskLevel],
            columns=categories,
            grand_total_known=True,
        ),
    }


def _needs_counts(session: Session, scope: sa.ColumnElement[bool]) -> CountTable:
    counts: dict[tuple[str, str], int] = {}
    for kind, table, settled in (
        ("housing", HousingNeed, HousingSituation.STABLE),
        ("employment", EmploymentNeed, EmploymentSituation.FORMAL),
    ):
        has_need = sa.or_(col(table.situation) != settled, col(table.sealed_need).is_not(None))
        statement = (
            sa.select(col(table.met), sa.func.count())
            .select_from(table)
            .join(Case, col(Case.id) == col(table.case_id))
            .where(scope, has_need)
            .group_by(col(table.met))
        )
        for met, n in session.execute(statement):
            counts[kind, "met" if met else "not_met"] = int(n)
    return CountTable.from_counts(
        counts,
        rows=["housing", "employment"],
        columns=["met", "not_met"],
        row_totals=True,
        column_totals=False,
    )


def _region_key(country: str | None, region_en: str | None, name_en: str | None) -> str:
    if country is None:
        return NOT_RECORDED
    if country != KAZAKHSTAN:
        return f"country:{country}"
    if region_en in ENCLOSING_REGION:
        return f"region:{ENCLOSING_REGION[region_en][0]}"
    if region_en == name_en:  # a city-region not listed above: never named
        return OTHER_KAZAKH_KEY
    return f"region:{region_en}"


def _region_reference(session: Session) -> dict[str, tuple[str, str]]:
    """Every region key of the reference cities, with its English and Russian names: the
    rows are the same whatever the counts, so a row's presence tells nothing."""
    names: dict[str, tuple[str, str]] = {}
    cities = session.execute(
        sa.select(
            col(City.country), col(City.region_en), col(City.region_ru), col(City.name_en)
        ).distinct()
    )
    for country, region_en, region_ru, name_en in cities:
        key = _region_key(country, region_en, name_en)
        if country != KAZAKHSTAN:
            names[key] = (COUNTRY_NAMES.get(country, country), "")
        elif region_en in ENCLOSING_REGION:
            names[key] = ENCLOSING_REGION[region_en]
        elif key == OTHER_KAZAKH_KEY:
            names[key] = (OTHER_KAZAKH_REGION, "")
        else:
            names.setdefault(key, (region_en, region_ru))
    kazakh = sorted(
        (key for key in names if key.startswith("region:")),
        key=lambda key: (key == OTHER_KAZAKH_KEY, names[key][0]),
    )
    countries = sorted(
        (key for key in names if key.startswith("country:")), key=lambda key: names[key][0]
    )
    ordered = {key: names[key] for key in [*kazakh, *countries]}
    ordered[NOT_RECORDED] = (N_("Not recorded"), "")
    return ordered


def _region_counts(
    session: Session,
    scope: sa.ColumnElement[bool],
    reference: Mapping[str, tuple[str, str]],
) -> CountTable:
    statement = (
        sa.select(col(City.country), col(City.region_en), col(City.name_en), sa.func.count())
        .select_from(Case)
        .outerjoin(City, col(City.id) == col(Case.city_id))
        .where(scope)
        .group_by(col(City.country), col(City.region_en), col(City.name_en))
    )
    counts: Counter[str] = Counter()
    for country, region_en, name_en, n in session.execute(statement):
        counts[_region_key(country, region_en, name_en)] += int(n)
    return CountTable.one_way(counts, rows=list(reference), column="people", grand_total_known=True)


def _totals(session: Session, scope: sa.ColumnElement[bool]) -> dict[CaseStatus, int]:
    statement = sa.select(col(Case.status), sa.func.count()).where(scope).group_by(col(Case.status))
    found = {CaseStatus(status): int(n) for status, n in session.execute(statement)}
    return {status: found.get(status, 0) for status in CaseStatus}


# The report -----------------------------------------------------------------------------


def _region_label(key: str, reference: Mapping[str, tuple[str, str]], language: str) -> str:
    english, russian = reference[key]
    if key.startswith("region:") and key != OTHER_KAZAKH_KEY:
        return russian if language == "ru" and russian else english
    return translate(english, language)


def _labels(
    key: TableKey, raw: CountTable, language: str, reference: Mapping[str, tuple[str, str]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    def enum_label(enum: type, value: str) -> str:
        return translate(enum(value).label, language)

    column_names = {
        "open": N_("Open cases"),
        "people": N_("People"),
        "met": N_("Met"),
        "not_met": N_("Not yet met"),
    }
    row_names = {"housing": N_("Housing"), "employment": N_("Employment")}
    if key in (TableKey.PEOPLE, TableKey.OUTCOMES):
        columns = tuple(quarter_label(c, language) for c in raw.columns)
    elif key is TableKey.RISK:
        columns = tuple(enum_label(Category, c) for c in raw.columns)
    else:
        columns = tuple(translate(column_names[c], language) for c in raw.columns)
    row_label = {
        TableKey.PEOPLE: lambda r: enum_label(Category, r),
        TableKey.OUTCOMES: lambda r: enum_label(Outcome, r),
        TableKey.PIPELINE: lambda r: enum_label(Stage, r),
        TableKey.RISK: lambda r: translate(RiskLevel(int(r)).label, language),
        TableKey.NEEDS: lambda r: translate(row_names[r], language),
        TableKey.REGIONS: lambda r: _region_label(r, reference, language),
    }[key]
    return tuple(row_label(r) for r in raw.rows), columns


def _raw_tables(session: Session, *, actor: Actor, today: dt.date) -> dict[TableKey, CountTable]:
    """The raw counts behind the report, before suppression. For tests and for this module
    only: never return these to a page. The three GROUP BY queries run side by side, each on
    its own connection, so a cold report costs about as much as its slowest query."""
    _scope, scope = report_scope(actor)
    reference = _region_reference(session)
    with side_by_side(session, 3) as submit:
        facts = submit(lambda s: _case_groups(s, scope, today))
        needs = submit(lambda s: _needs_counts(s, scope))
        regions = submit(lambda s: _region_counts(s, scope, reference))
    groups, needs_table, regions_table = facts.result(), needs.result(), regions.result()
    tables = _fact_tables(groups, today)
    tables[TableKey.NEEDS] = needs_table
    tables[TableKey.REGIONS] = regions_table
    return {key: tables[key] for key in TableKey}


def impact_report(
    session: Session, *, actor: Actor, today: dt.date, language: str = "en", k: int | None = None
) -> ImpactReport | None:
    """The impact report for ``actor``, every table suppressed with threshold ``k``
    (default: ``configured_k()``); None when fewer than k cases are in scope."""
    k = check_k(configured_k() if k is None else k)
    report_kind, scope = report_scope(actor)
    totals = _totals(session, scope)
    if sum(totals.values()) < k:
        return None
    few = min(totals.values()) < k  # open or closed: their tables would reveal the other
    reference = _region_reference(session)
    expected_total = {
        TableKey.PEOPLE: sum(totals.values()),
        TableKey.REGIONS: sum(totals.values()),
        TableKey.PIPELINE: totals[CaseStatus.OPEN],
        TableKey.RISK: totals[CaseStatus.OPEN],
        TableKey.OUTCOMES: totals[CaseStatus.CLOSED],
    }
    tables = []
    for key, raw in _raw_tables(session, actor=actor, today=today).items():
        # Shared grand totals must agree, or tables could be played against each other.
        if key in expected_total and sum(map(sum, raw.counts)) != expected_total[key]:
            raise DisclosureError(f"the {key} table does not add up to its published total")
        rows, columns = _labels(key, raw, language, reference)
        omitted = None
        safe = None
        if few and key in (TableKey.PIPELINE, TableKey.OUTCOMES, TableKey.RISK):
            omitted = OMITTED_FEW
        else:
            try:
                safe = suppress(raw, k=k)
            except DisclosureError:
                omitted = OMITTED_UNSAFE
        tables.append(
            ReportTable(
                key=key,
                title=translate(TITLES[key], language),
                row_header=translate(ROW_HEADERS[key], language),
                row_labels=rows,
                column_labels=columns,
                safe=safe,
                omitted=translate(omitted, language) if omitted else None,
            )
        )
    return ImpactReport(scope=report_kind, k=k, today=today, tables=tuple(tables))


class ExportFormat(StrEnum):
    CSV = "csv"
    EXCEL = "xlsx"
    HTML = "html"


def record_export(
    session: Session, *, actor: Actor, report: ImpactReport, export: ExportFormat
) -> None:
    """Audit one download of the report (what, in which form, at which k; no numbers)."""
    require(actor, Action.VIEW_LIVE_REPORT)
    record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity="impact_report",
        entity_id=report.scope.value,
        detail=f"{export.value}, k={report.k}",
    )
