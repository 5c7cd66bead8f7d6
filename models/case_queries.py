"""Read-side queries of the casework pages: the case list, one case, and its audit trail.

All of them are limited by the visibility gate, ``access.visible_cases(actor)``; a case out of scope reads as missing. The
list never carries a name: a name can be *searched* (roles with ``READ_IDENTITY``), but rows
show codes only. Identity is read by its own function, only where the policy permits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import risk
from models.access import Action, Actor, case_visible, permits, visible_cases
from models.audit import record
from models.cases import NeedView, need_view
from models.enums import (
    AuditAction,
    CaseStatus,
    Role,
    Stage,
)
from models.errors import ValidationError
from models.i18n import N_, Language
from models.identity.blind_index import BlindIndex, cases_matching_all
from models.identity.crypto import Identity, vault_for
from models.identity.store import case_cipher, open_notes, read_identity
from models.network import ConsentScope, consent_scope
from models.stored import risk_columns
from models.stored.risk import (
    CLOSED_BUCKET,
    RiskColumn,
    RiskColumns,
    rank_range,
    rank_ranges_expiring,
)
from models.tables import (
    AuditEvent,
    Case,
    CaseNote,
    City,
    Detention,
    EmploymentNeed,
    HousingNeed,
    LegalStatus,
    Organisation,
    StageChange,
    User,
    city_name,
    table_of,
)

PAGE_SIZE = 50
# The case list counts (and pages through) at most this many matches.
COUNT_LIMIT = 10_000
# A search with up to this many matches is read in one pass, all sorted, for the count and
# the page (rather than walking an index in the list's order).
FEW_MATCHES = 1_000
# A search is a code or a name: longer text only costs the database (a 100,000-character
# search ran 23 s and failed inside SQLite), so it is refused with a message.
SEARCH_MAX_CHARS = 200
SEARCH_MAX_WORDS = 10
CODE_MAX_CHARS = 32  # longer than any case code, old or new


@dataclass(frozen=True)
class CaseListFilters:
    """What the case list is narrowed to; ``None`` means any."""

    status: CaseStatus | None = CaseStatus.OPEN
    stage: Stage | None = None
    risk_level: risk.RiskLevel | None = None
    city_id: int | None = None
    caseworker_id: int | None = None
    expiring_within_days: int | None = None
    search: str = ""


@dataclass(frozen=True)
class CasePage:
    rows: pd.DataFrame
    total: int  # matches counted, at most the count limit
    page: int
    page_size: int
    capped: bool = False  # more than ``total`` cases match

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def validate_search(text: str) -> str:
    """``text`` with its spaces tidied, or ``ValidationError`` when it is longer than
    ``SEARCH_MAX_CHARS`` characters or ``SEARCH_MAX_WORDS`` words."""
    tidy = " ".join(text.split())
    if len(tidy) > SEARCH_MAX_CHARS:
        raise ValidationError(
            "search",
            N_("Search for at most {count} characters (this has {length})."),
            count=SEARCH_MAX_CHARS,
            length=len(tidy),
        )
    if len(tidy.split()) > SEARCH_MAX_WORDS:
        raise ValidationError(
            "search", N_("Search for at most {count} words."), count=SEARCH_MAX_WORDS
        )
    return tidy


# The characters of a case code (any generation): text with any other character is no part
# of a code, and the search looks at names only.
_CODE_TEXT = re.compile(r"^[A-Z0-9-]+$")


def _code_condition(text: str, dialect: str) -> sa.ColumnElement[bool] | None:
    """Codes containing ``text`` (codes are stored in capitals); ``None`` when ``text`` cannot
    be part of any code. A text starting "WP-" can only be a code's beginning: on SQLite
    (binary collation) a range on the code index finds those without reading every case."""
    upper = text.upper()
    if not _CODE_TEXT.match(upper):
        return None
    contains = col(Case.code).like(f"%{_escape(upper)}%", escape="\\")
    if dialect == "sqlite" and upper.startswith("WP-"):
        # As a set of ids, so that the planner starts from the code index rather than
        # testing every case of the scope in the list's order.
        prefixed = sa.select(col(Case.id)).where(
            col(Case.code) >= upper, col(Case.code) < upper + "\x7f", contains
        )
        return col(Case.id).in_(prefixed)
    return contains


def _search_arms(
    index: BlindIndex | None, actor: Actor, text: str, dialect: str = ""
) -> list[sa.ColumnElement[bool]]:
    """The code contains ``text``; or, for roles that read identities, every word of ``text``
    matches a word of one of the person's spellings (Cyrillic, Latin, other; any official
    transliteration), in any order. Names are matched through the blind index: nothing is
    decrypted, and a word matches whole words only. One condition per way of matching (a
    case matches when it meets any); ``[false]`` when ``text`` can match nothing."""
    text = text.strip()
    by_code = _code_condition(text, dialect)
    per_word = (
        index.per_word(text) if index is not None and permits(actor, Action.READ_IDENTITY) else []
    )
    by_name = col(Case.id).in_(cases_matching_all(per_word)) if per_word else None
    found = [condition for condition in (by_code, by_name) if condition is not None]
    return found or [sa.false()]


@dataclass(frozen=True)
class _Where:
    """The list's filters as SQL: every match meets ``conditions`` and, for each group of
    ``alternatives``, one of its conditions. The alternatives (a search's code and name
    parts; the expiry filter's rank ranges) are kept apart so that each can be answered by
    its own index (a union of arms) instead of one scan that tests them all."""

    conditions: list[sa.ColumnElement[bool]]
    alternatives: list[list[sa.ColumnElement[bool]]]
    overlapping: bool  # a case can meet two alternatives (a search): the union drops repeats
    searching: bool = False  # a search (which usually matches few cases) is among them

    def flat(self) -> list[sa.ColumnElement[bool]]:
        """Everything as one list of conditions (ANDed)."""
        return self.conditions + [sa.or_(*group) for group in self.alternatives]

    def arms(self) -> list[list[sa.ColumnElement[bool]]]:
        """One list of conditions per combination of alternatives: a case matches when it
        meets every condition of one arm."""
        return [self.conditions + list(combination) for combination in product(*self.alternatives)]


def _conditions(
    actor: Actor,
    filters: CaseListFilters,
    today: dt.date,
    columns: RiskColumns,
    index: BlindIndex | None = None,
    *,
    dialect: str = "",
) -> _Where:
    """The list's filters as conditions. With the stored risk, the level and expiry filters
    read ``list_rank`` (which encodes both) so that an index answers them."""
    conditions: list[sa.ColumnElement[bool]] = [visible_cases(actor)]
    alternatives: list[list[sa.ColumnElement[bool]]] = []
    if filters.status is not None:
        conditions.append(col(Case.status) == filters.status)
    if filters.stage is not None:
        conditions.append(col(Case.stage) == filters.stage)
    if filters.risk_level is not None:
        if columns.stored:
            low, high = rank_range(int(filters.risk_level))
            conditions.append(col(Case.list_rank).between(low, high))
        else:
            conditions.append(columns.level == int(filters.risk_level))
    if filters.city_id is not None:
        conditions.append(col(Case.city_id) == filters.city_id)
    if filters.caseworker_id is not None:
        conditions.append(col(Case.caseworker_id) == filters.caseworker_id)
    if filters.expiring_within_days is not None:
        until = today + dt.timedelta(days=filters.expiring_within_days)
        if columns.stored:
            # One rank range per level (open cases) and one for closed cases: the status
            # filter leaves out the ranges that cannot match.
            ranges = rank_ranges_expiring(today, until)
            if filters.status is CaseStatus.OPEN:
                ranges = ranges[:CLOSED_BUCKET]
            elif filters.status is CaseStatus.CLOSED:
                ranges = ranges[CLOSED_BUCKET:]
            alternatives.append([col(Case.list_rank).between(a, b) for a, b in ranges])
        else:
            conditions.append(col(LegalStatus.permit_expires_on).between(today, until))
    overlapping = False
    if filters.search.strip():
        search = _search_arms(index, actor, filters.search, dialect)
        alternatives.append(search)
        overlapping = len(search) > 1
    return _Where(conditions, alternatives, overlapping, searching=bool(filters.search.strip()))


LIST_COLUMNS = [
    "code",
    "category",
    "city",
    "stage",
    "status",
    "risk_level",
    "permit_expires_on",
    "caseworker",
    "updated_at",
]


def case_list(
    session: Session,
    *,
    actor: Actor,
    filters: CaseListFilters,
    today: dt.date,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    count_limit: int = COUNT_LIMIT,
    language: str = Language.EN,
) -> CasePage:
    """One page of the cases ``actor`` may see, most at risk first, then soonest permit
    expiry, then code. Columns: ``LIST_COLUMNS`` (codes only, never a name; the city in
    ``language``). At most
    ``count_limit`` matches are counted and paged (``CasePage.capped`` says there are more).
    Raises ``ValidationError`` for an over-long search (``validate_search``)."""
    validate_search(filters.search)
    if not permits(actor, Action.READ_CASE):
        return CasePage(pd.DataFrame(columns=LIST_COLUMNS), 0, 1, page_size)
    # The stored level when it is computed for ``today`` (models/stored): an indexed column
    # instead of the rules evaluated for every case in scope.
    columns = risk_columns(session, today)
    index = vault_for(session).index if filters.search.strip() else None
    dialect = session.get_bind().dialect.name
    where = _conditions(actor, filters, today, columns, index, dialect=dialect)
    if columns.stored:
        return _stored_page(session, where, page, page_size, count_limit, language)
    conditions = where.flat()
    # Counted up to ``COUNT_LIMIT`` matches only, so the count costs the same at 10,000 cases
    # and at 1,000,000; the pages stop there too (narrowing the filters shows the others).
    matches = risk.with_legal_status(sa.select(col(Case.id)).select_from(Case))
    limited = matches.where(*conditions).limit(count_limit + 1).subquery()
    counted = int(session.execute(sa.select(sa.func.count()).select_from(limited)).scalar_one())
    total, capped = min(counted, count_limit), counted > count_limit
    page = _clamp(page, total, page_size)
    statement = (
        _list_columns(columns.level, language)
        .where(*conditions)
        .order_by(
            sa.func.coalesce(columns.level, -1).desc(),
            col(LegalStatus.permit_expires_on).is_(None),
            col(LegalStatus.permit_expires_on),
            col(Case.code),
        )
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return _page(session.execute(statement).all(), total, page, page_size, capped)


def _clamp(page: int, total: int, page_size: int) -> int:
    return max(1, min(page, max(1, -(-total // page_size))))


def _list_columns(level: RiskColumn, language: str) -> sa.Select:
    """The list's columns, from ``case_file`` with its legal status, city (its name in
    ``language``) and caseworker."""
    return (
        risk.with_legal_status(
            sa.select(
                col(Case.code),
                col(Case.category),
                city_name(language).label("city"),
                col(Case.stage),
                col(Case.status),
                level.label("risk_level"),
                col(LegalStatus.permit_expires_on),
                col(User.display_name).label("caseworker"),
                col(Case.updated_at),
            ).select_from(Case)
        )
        .outerjoin(City, col(City.id) == col(Case.city_id))
        .outerjoin(User, col(User.id) == col(Case.caseworker_id))
    )


def _page(rows: Sequence[sa.Row], total: int, page: int, size: int, capped: bool) -> CasePage:
    frame = pd.DataFrame([row._asdict() for row in rows], columns=LIST_COLUMNS)
    return CasePage(frame, total, page, size, capped)


def _union(where: _Where, *columns: sa.ColumnElement[Any]) -> sa.Select | sa.CompoundSelect:
    """``columns`` of the cases matching ``where``: one SELECT per arm, in a union."""
    arms = [sa.select(*columns).where(*conditions) for conditions in where.arms()]
    if len(arms) == 1:
        return arms[0]
    return sa.union(*arms) if where.overlapping else sa.union_all(*arms)


def _stored_page(
    session: Session, where: _Where, page: int, page_size: int, count_limit: int, language: str
) -> CasePage:
    """The list read through the stored rank. The matches are found as the sort key alone
    (id, status, rank, code: what the list's indexes hold), one arm per alternative (a rank
    range, the code or the name part of a search), so that each arm is an index range and
    the count and the page's sort touch index entries only; the page's cases are then
    joined to their legal status, city and caseworker."""
    cases = table_of(Case)
    keys = (cases.c.id, cases.c.status, cases.c.list_rank, cases.c.code)
    order = (col(Case.status).desc(), col(Case.list_rank), col(Case.code))
    if where.searching:
        few = _all_if_few(session, where, keys, min(FEW_MATCHES, count_limit))
        if few is not None:
            page = _clamp(page, len(few), page_size)
            ids = [row.id for row in few[(page - 1) * page_size : page * page_size]]
            statement = _list_columns(col(Case.risk_level), language).where(col(Case.id).in_(ids))
            rows = session.execute(statement.order_by(*order)).all()
            return _page(rows, len(few), page, page_size, False)
    # Counted up to ``COUNT_LIMIT`` matches only, so the count costs the same at 10,000 cases
    # and at 1,000,000; the pages stop there too (narrowing the filters shows the others).
    # The count selects the id alone, which every index holds.
    limited = _union(where, cases.c.id).limit(count_limit + 1).subquery()
    counted = int(session.execute(sa.select(sa.func.count()).select_from(limited)).scalar_one())
    total, capped = min(counted, count_limit), counted > count_limit
    page = _clamp(page, total, page_size)
    found = _union(where, *keys).subquery()
    # Open cases before closed ones ("open" > "closed"), then the rank (which orders like the
    # rule expressions: open cases always have a level), then the code: an index's order.
    chosen = (
        sa.select(*found.c)
        .order_by(found.c.status.desc(), found.c.list_rank, found.c.code)
        .limit(page_size)
        .offset((page - 1) * page_size)
        .subquery()
    )
    statement = (
        _list_columns(col(Case.risk_level), language)
        .join(chosen, chosen.c.id == col(Case.id))
        .order_by(chosen.c.status.desc(), chosen.c.list_rank, chosen.c.code)
    )
    return _page(session.execute(statement).all(), total, page, page_size, capped)


def _all_if_few(
    session: Session, where: _Where, keys: tuple[sa.ColumnElement[Any], ...], few: int
) -> Sequence[sa.Row] | None:
    """Every match's sort key, in the list's order, when there are at most ``few``; else
    ``None``. One pass over a search's hits serves the count and the page. The limit inside
    (which cuts nothing when it returns) keeps the planner from walking the list's order
    index through the whole scope to find a few hits: SQLite does not merge a limited
    subquery into the ordered query around it."""
    found = _union(where, *keys).limit(few + 1).subquery()
    rows = session.execute(
        sa.select(found.c.id).order_by(found.c.status.desc(), found.c.list_rank, found.c.code)
    ).all()
    return rows if len(rows) <= few else None


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def city_choices(session: Session, *, language: str = Language.EN) -> list[Choice]:
    """Every city, by its name in ``language``."""
    name = city_name(language)
    rows = session.execute(sa.select(col(City.id), name).order_by(name, col(City.id))).all()
    return [Choice(int(row[0]), str(row[1])) for row in rows]


def caseworker_choices(session: Session, *, actor: Actor) -> list[Choice]:
    """The accounts that hold a case ``actor`` may see, for the case list's filter."""
    # One probe of ix_case_caseworker_org per account, rather than reading every case in
    # scope for its caseworker (1 s and more at a million cases on PostgreSQL).
    holds_one = (
        sa.exists()
        .where(col(Case.caseworker_id) == col(User.id), visible_cases(actor))
        .correlate(User)
    )
    rows = session.execute(
        sa.select(col(User.id), col(User.display_name))
        .where(holds_one)
        .order_by(col(User.display_name), col(User.id))  # namesakes in a stable order
    ).all()
    return [Choice(row[0], row[1]) for row in rows]


def _need(
    session: Session, table: type[HousingNeed] | type[EmploymentNeed], case_id: int
) -> NeedView | None:
    row = cast(
        HousingNeed | EmploymentNeed | None, session.get(table, case_id, populate_existing=True)
    )
    return None if row is None else need_view(session, row)


@dataclass
class CaseDetail:
    """Everything the case page shows except the identity."""

    case: Case
    organisation: str
    city: str | None
    caseworker: str | None
    risk_level: risk.RiskLevel | None
    reasons: list[str]
    legal: LegalStatus | None
    detentions: list[Detention]
    housing: NeedView | None
    employment: NeedView | None
    stages: pd.DataFrame
    notes: pd.DataFrame
    caseworkers: list[Choice] = field(default_factory=list)
    # None: the actor's own case; else the receiving side of a referral, and the data
    # categories the person agreed to share with it (the rest is left out above).
    consent: frozenset[ConsentScope] | None = None

    @property
    def case_id(self) -> int:
        assert self.case.id is not None
        return self.case.id


def find_case(session: Session, *, actor: Actor, code: str) -> Case | None:
    """The case with ``code`` if ``actor`` may see it; ``None`` whether missing or hidden."""
    if len(code) > CODE_MAX_CHARS:
        return None
    # ``readable``: a case referred to the actor is found too (and so its lookup is no probe:
    # no ACCESS_DENIED row); what of it they may read is then narrowed by the consent scope.
    return case_visible(session, actor=actor, code=code, readable=True)


def _record_denied_lookup(session: Session, *, actor: Actor, code: str) -> None:
    """Make probing visible: a lookup of a case that exists but is out of ``actor``'s scope
    writes an ACCESS_DENIED row about that case (no code, no name), which admins see. The
    user is answered exactly as for a missing case."""
    if not code or not code.strip() or len(code) > CODE_MAX_CHARS:
        return
    hidden = session.execute(
        sa.select(col(Case.id)).where(col(Case.code) == code.strip().upper())
    ).scalar_one_or_none()
    if hidden is None:
        return
    record(
        session,
        actor=actor,
        action=AuditAction.ACCESS_DENIED,
        entity="case",
        entity_id=hidden,
        case_id=hidden,
        detail="case out of scope",
    )


def case_detail(
    session: Session, *, actor: Actor, code: str, today: dt.date, language: str = Language.EN
) -> CaseDetail | None:
    """The case page's contents (the city's name in ``language``), or ``None`` when the case
    does not exist *or* is out of ``actor``'s scope (the page answers "not found" to both;
    the second is audited as ACCESS_DENIED, committed by the caller's session)."""
    case = find_case(session, actor=actor, code=code)
    if case is None or case.id is None:
        _record_denied_lookup(session, actor=actor, code=code)
        return None
    session.refresh(case)
    risk_row = session.execute(
        risk.with_legal_status(
            sa.select(
                risk.level_expression(today).label("level"), *risk.reason_columns(today)
            ).select_from(Case)
        ).where(col(Case.id) == case.id)
    ).one()
    organisation = session.get(Organisation, case.organisation_id)
    city = session.get(City, case.city_id) if case.city_id else None
    caseworker = session.get(User, case.caseworker_id) if case.caseworker_id else None
    consent = consent_scope(session, actor=actor, case_id=case.id)
    if consent is not None:
        city_shown = city.name_in(language) if city else None
        return _received_detail(session, actor, case, consent, organisation, city_shown, today)
    return CaseDetail(
        case=case,
        organisation=organisation.name if organisation else "",
        city=city.name_in(language) if city else None,
        caseworker=caseworker.display_name if caseworker else None,
        risk_level=None if risk_row.level is None else risk.RiskLevel(risk_row.level),
        reasons=risk.reasons_of(risk_row, today) if case.status == CaseStatus.OPEN else [],
        legal=session.get(LegalStatus, case.id, populate_existing=True),
        detentions=list(
            session.exec(
                select(Detention)
                .where(col(Detention.case_id) == case.id)
                .order_by(col(Detention.detained_on).desc())
            ).all()
        ),
        housing=_need(session, HousingNeed, case.id),
        employment=_need(session, EmploymentNeed, case.id),
        stages=_stage_history(session, case.id),
        notes=_notes(session, case.id),
        caseworkers=assignable_caseworkers(session, case.organisation_id),
    )


def _received_detail(
    session: Session,
    actor: Actor,
    case: Case,
    consent: frozenset[ConsentScope],
    organisation: Organisation | None,
    city: str | None,
    today: dt.date,
) -> CaseDetail:
    """What the receiving side of a referral reads: only the shared categories; the sending
    organisation's notes only with ``NOTES``, its own notes always; never its staff names."""
    assert case.id is not None
    facts = ConsentScope.FACTS in consent
    needs = ConsentScope.NEEDS in consent
    empty_stages = pd.DataFrame(columns=["changed_at", "from_stage", "to_stage", "by"])
    return CaseDetail(
        case=case,
        organisation=organisation.name if organisation else "",
        city=city if facts else None,
        caseworker=None,
        risk_level=None,
        reasons=[],
        legal=session.get(LegalStatus, case.id, populate_existing=True) if facts else None,
        detentions=list(
            session.exec(
                select(Detention)
                .where(col(Detention.case_id) == case.id)
                .order_by(col(Detention.detained_on).desc())
            ).all()
        )
        if facts
        else [],
        housing=_need(session, HousingNeed, case.id) if needs else None,
        employment=_need(session, EmploymentNeed, case.id) if needs else None,
        stages=_stage_history(session, case.id) if facts else empty_stages,
        notes=_notes(
            session,
            case.id,
            author_organisation_id=None
            if ConsentScope.NOTES in consent
            else actor.organisation_id or -1,
            named_for=actor.organisation_id or -1,
        ),
        caseworkers=[],
        consent=consent,
    )


def _stage_history(session: Session, case_id: int) -> pd.DataFrame:
    rows = session.execute(
        sa.select(
            col(StageChange.changed_at),
            col(StageChange.from_stage),
            col(StageChange.to_stage),
            col(User.username).label("by"),
        )
        .outerjoin(User, col(User.id) == col(StageChange.changed_by_id))
        .where(col(StageChange.case_id) == case_id)
        .order_by(col(StageChange.changed_at), col(StageChange.id))
    ).all()
    return pd.DataFrame(
        [r._asdict() for r in rows], columns=["changed_at", "from_stage", "to_stage", "by"]
    )


def _notes(
    session: Session,
    case_id: int,
    *,
    author_organisation_id: int | None = None,
    named_for: int | None = None,
) -> pd.DataFrame:
    """The case's notes, newest first, opened with its person's key (none are left once it
    is purged); only those written for ``author_organisation_id`` when it is given (the
    organisation of the author when they wrote it, whatever it is now). With ``named_for``,
    only the notes written for that organisation name their author: a receiver reads the
    sending organisation's notes (with consent), never who on its staff wrote them."""
    by_org = (
        [col(CaseNote.organisation_id) == author_organisation_id]
        if author_organisation_id is not None
        else []
    )
    rows = session.execute(
        sa.select(
            col(CaseNote.created_at),
            col(User.username).label("author"),
            col(CaseNote.sealed_body),
            col(CaseNote.organisation_id),
        )
        .outerjoin(User, col(User.id) == col(CaseNote.author_id))
        .where(col(CaseNote.case_id) == case_id, *by_org)
        .order_by(col(CaseNote.created_at).desc(), col(CaseNote.id).desc())
    ).all()
    cipher = case_cipher(session, case_id=case_id) if rows else None
    bodies = open_notes(cipher, [r.sealed_body for r in rows])
    hidden = named_for is not None
    return pd.DataFrame(
        [
            (r.created_at, None if hidden and r.organisation_id != named_for else r.author, body)
            for r, body in zip(rows, bodies, strict=True)
        ],
        columns=["created_at", "author", "body"],
    )


def assignable_caseworkers(session: Session, organisation_id: int) -> list[Choice]:
    """The active caseworkers of an organisation, who may be given its cases."""
    rows = session.execute(
        sa.select(col(User.id), col(User.display_name))
        .where(
            col(User.organisation_id) == organisation_id,
            col(User.role) == Role.CASEWORKER,
            col(User.active) == sa.true(),
        )
        .order_by(col(User.display_name), col(User.id))  # namesakes in a stable order
    ).all()
    return [Choice(user_id, name) for user_id, name in rows]


def case_identity(session: Session, *, actor: Actor, case_id: int) -> Identity | None:
    """The person behind a case, decrypted, only for roles with ``READ_IDENTITY`` and in
    scope; ``None`` otherwise, or when the identity was purged."""
    if not permits(actor, Action.READ_IDENTITY):
        return None
    if case_visible(session, actor=actor, case_id=case_id, readable=True) is None:
        return None
    consent = consent_scope(session, actor=actor, case_id=case_id)
    if consent is not None and ConsentScope.IDENTITY not in consent:
        return None  # a received referral that does not share the identity
    return read_identity(session, case_id=case_id)


AUDIT_TRAIL_COLUMNS = ["at", "username", "action", "entity", "fields"]


def case_audit_trail(session: Session, *, actor: Actor, case_id: int) -> pd.DataFrame:
    """The audit rows of one case the actor may see, newest first (names and fields only)."""
    if case_visible(session, actor=actor, case_id=case_id) is None:
        return pd.DataFrame(columns=AUDIT_TRAIL_COLUMNS)
    rows = session.execute(
        sa.select(
            col(AuditEvent.at),
            col(AuditEvent.username),
            col(AuditEvent.action),
            col(AuditEvent.entity),
            col(AuditEvent.fields),
        )
        .where(col(AuditEvent.case_id) == case_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(500)
    ).all()
    return pd.DataFrame([r._asdict() for r in rows], columns=AUDIT_TRAIL_COLUMNS)


IDENTITY_FIELDS = ("full_name", "name_cyrillic", "name_latin", "birth_year", "contact")


def open_case(session: Session, *, actor: Actor, case_id: int) -> bool:
    """Record that ``actor`` opened the case (one VIEW_CASE row); ``False``, and nothing
    recorded, when the case is missing or out of the actor's scope."""
    if case_visible(session, actor=actor, case_id=case_id, readable=True) is None:
        return False
    record(
        session,
        actor=actor,
        action=AuditAction.VIEW_CASE,
        entity="case",
        entity_id=case_id,
        case_id=case_id,
    )
    return True


def reveal_identity(session: Session, *, actor: Actor, case_id: int) -> Identity | None:
    """The person behind ``case_id`` if the actor may read it (own case, or an open referral
    whose consent includes the identity; ``case_identity``), with one VIEW_IDENTITY audit row
    (field names only); else ``None``. The one way a page shows an identity."""
    person = case_identity(session, actor=actor, case_id=case_id)
    if person is not None:
        record(
            session,
            actor=actor,
            action=AuditAction.VIEW_IDENTITY,
            entity="person",
            entity_id=case_id,
            case_id=case_id,
            fields=IDENTITY_FIELDS,
        )
    return person
