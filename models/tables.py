"""Waypoint's tables.

Case facts (``case_file`` and the tables hanging off it) and the identity of the person
(``person``) are kept apart: lists, charts and aggregates never join ``person``.
Timestamps are timezone-aware UTC; dates are calendar dates in the host country.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import (
    AsylumStatus,
    AuditAction,
    CaseStatus,
    Category,
    DetentionOutcome,
    DetentionPlace,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    Outcome,
    PermitType,
    PurgeReason,
    ReleaseStatus,
    Role,
    Stage,
    Urgency,
)
from models.i18n import Language

NAME_MAX = 200
DEFAULT_RETENTION_MONTHS = 12
TOKEN_BYTES = 16
TEXT_MAX = 4000


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC, the form every timestamp column stores."""
    return dt.datetime.now(dt.UTC)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Stored) -> int:
    """The primary key of a row that has been flushed (``row.id`` is None only before)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: flush it first")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table behind a table model: ``model.__table__``, which SQLModel hides from mypy."""
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table), model
    return table


def enum_type(enum: type[Enum], name: str) -> sa.Enum:
    """A portable enum column: a VARCHAR holding the value, guarded by CHECK constraint ``name``."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        name=f"ck_{name}",
        validate_strings=True,
    )


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX, unique=True)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)
    # Months after a case closes until its person's identity is purged (issue 11).
    identity_retention_months: int = Field(
        default=DEFAULT_RETENTION_MONTHS, sa_column_kwargs={"server_default": "12"}
    )


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=120)
    role: Role = Field(sa_type=enum_type(Role, "app_user_role"))
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    password_hash: str = Field(max_length=128)
    active: bool = True
    failed_logins: int = 0
    locked_until: dt.datetime | None = None
    # After a failed sign-in, attempts before this time are refused, right or wrong (the slowdown).
    sign_in_not_before: dt.datetime | None = None
    last_sign_in_at: dt.datetime | None = None
    password_changed_at: dt.datetime | None = None
    language: Language = Field(
        default=Language.EN, sa_type=enum_type(Language, "app_user_language")
    )
    created_at: dt.datetime = Field(default_factory=utcnow)


class City(SQLModel, table=True):
    """A place where people in the caseload live; coordinates may be unknown."""

    __tablename__ = "city"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    name_en: str = Field(max_length=120)
    name_ru: str = Field(max_length=120)
    region_en: str = Field(max_length=120)
    region_ru: str = Field(max_length=120)
    country: str = Field(max_length=2, index=True)
    lat: float | None = None
    lon: float | None = None

    def name_in(self, language: str) -> str:
        """The city's name in ``language``: Russian for Russian, English otherwise."""
        return self.name_ru if language == Language.RU else self.name_en


def city_name(language: str) -> sa.ColumnElement[str]:
    """The SQL of a city's name in ``language`` (``City.name_in`` for a query)."""
    column = City.name_ru if language == Language.RU else City.name_en
    return sa.type_coerce(column, sa.String)


class Case(SQLModel, table=True):
    """The facts of one case, identified by its pseudonymous code, never by a name."""

    __tablename__ = "case_file"
    __table_args__ = (
        sa.UniqueConstraint("intake_year", "intake_seq", name="uq_case_intake_seq"),
        sa.CheckConstraint(
            "(status = 'open' AND outcome IS NULL AND closed_on IS NULL)"
            " OR (status = 'closed' AND outcome IS NOT NULL AND closed_on IS NOT NULL)",
            name="ck_case_closed_has_outcome",
        ),
        sa.CheckConstraint("version >= 1", name="ck_case_version_positive"),
        sa.Index("ix_case_org_status_stage", "organisation_id", "status", "stage"),
        sa.Index("ix_case_caseworker_status", "caseworker_id", "status"),
        # Which caseworkers have a case in a scope: one index probe per account.
        sa.Index("ix_case_caseworker_org", "caseworker_id", "organisation_id"),
        sa.Index("ix_case_status_city", "status", "city_id"),
        # The stored risk (models/stored/): lists filter and sort by it.
        sa.Index("ix_case_status_risk", "status", "risk_urgency"),
        sa.Index("ix_case_org_status_risk", "organisation_id", "status", "risk_urgency"),
        sa.Index("ix_case_risk_changes_on", "risk_changes_on"),
        # The case list's order, read from an index for every scope, with or without the
        # status filter: its first page visits 50 cases, not every match (case_queries.py).
        sa.Index(
            "ix_case_org_list_rank",
            "organisation_id",
            sa.text("status DESC"),
            "list_rank",
            "code",
        ),
        sa.Index("ix_case_list_rank", sa.text("status DESC"), "list_rank", "code"),
        sa.Index(
            "ix_case_caseworker_list_rank",
            "caseworker_id",
            sa.text("status DESC"),
            "list_rank",
            "code",
        ),
        # The stage filter over the whole network, counted and paged in one index range.
        sa.Index("ix_case_stage_list_rank", "stage", sa.text("status DESC"), "list_rank", "code"),
        # A name search's hits (case ids from the blind index) checked against the
        # organisation, with the list's sort key, without reading each case's row.
        sa.Index("ix_case_org_id_list_key", "organisation_id", "id", "status", "list_rank", "code"),
        # Identities due for retention: each organisation's closed cases by closing day.
        sa.Index("ix_case_status_org_closed_on", "status", "organisation_id", "closed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    intake_year: int
    intake_seq: int
    category: Category = Field(sa_type=enum_type(Category, "case_file_category"))
    city_id: int | None = Field(default=None, foreign_key="city.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    caseworker_id: int | None = Field(default=None, foreign_key="app_user.id")
    stage: Stage = Field(
        default=Stage.INTAKE, sa_type=enum_type(Stage, "case_file_stage"), index=True
    )
    destination_country: str | None = Field(default=None, max_length=2)
    status: CaseStatus = Field(
        default=CaseStatus.OPEN, sa_type=enum_type(CaseStatus, "case_file_status")
    )
    outcome: Outcome | None = Field(default=None, sa_type=enum_type(Outcome, "case_file_outcome"))
    opened_on: dt.date = Field(index=True)
    closed_on: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)
    version: int = 1
    # Derived, stored so that lists of 100,000 cases need not compute them (models/stored/):
    # the risk level (models/risk.py, NULL when closed) as of the date in ``risk_refresh``,
    # its sort key, the rule keys that matched, and the first day on which it may change
    # by time alone; when the case entered its current stage.
    risk_level: int | None = None
    risk_urgency: int | None = None
    risk_reasons: str | None = Field(default=None, max_length=300)
    risk_changes_on: dt.date | None = None
    # The case list's sort key for the stored day (``models.stored.risk.list_rank``): most at
    # risk first, then the soonest permit expiry; the code breaks ties.
    list_rank: int | None = None
    stage_entered_at: dt.datetime | None = None


class RiskRefresh(SQLModel, table=True):
    """One row: the day the stored risk levels of ``case_file`` are computed for."""

    __tablename__ = "risk_refresh"

    id: int = Field(default=1, primary_key=True)
    as_of: dt.date


class Person(SQLModel, table=True):
    """Who the case is about, sealed: one row per case, the identity (names, birth year,
    contact) encrypted with the person's data key, whose wrapped form lives in the key store
    under ``key_id`` (see ``models/identity``). Read only where the policy allows."""

    __tablename__ = "person"
    # A name search maps the blind index's person ids to case ids from this index alone,
    # without reading the sealed rows.
    __table_args__ = (sa.Index("ix_person_id_case", "id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", unique=True, ondelete="CASCADE")
    key_id: str = Field(max_length=32, unique=True)
    sealed: bytes = Field(sa_type=sa.LargeBinary)


class PersonToken(SQLModel, table=True):
    """The blind index of names: HMACs of normalised name tokens (``models/identity``)."""

    __tablename__ = "person_token"

    token: bytes = Field(sa_type=sa.LargeBinary(TOKEN_BYTES), primary_key=True)
    person_id: int = Field(
        foreign_key="person.id", primary_key=True, ondelete="CASCADE", index=True
    )


class PurgeLedger(SQLModel, table=True):
    """A tombstone per purged identity: which case, when, by whom, why; never a value.
    Re-applied to a restored backup before it is served."""

    __tablename__ = "purge_ledger"

    id: int | None = Field(default=None, primary_key=True)
    purged_at: dt.datetime = Field(default_factory=utcnow, index=True)
    case_code: str = Field(max_length=16, index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    key_id: str = Field(max_length=32, unique=True)
    whole_case: bool = False
    reason: PurgeReason = Field(sa_type=enum_type(PurgeReason, "purge_ledger_reason"))
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    username: str | None = Field(default=None, max_length=64)


class LegalStatus(SQLModel, table=True):
    """Permit, charges, extradition and asylum position of one case."""

    __tablename__ = "legal_status"
    __table_args__ = (
        sa.CheckConstraint(
            "permit_expires_on IS NULL OR permit_issued_on IS NULL"
            " OR permit_expires_on >= permit_issued_on",
            name="ck_legal_permit_dates",
        ),
        sa.CheckConstraint(
            "charge_max_years IS NULL OR (charge_max_years BETWEEN 0 AND 30)",
            name="ck_legal_charge_years",
        ),
    )

    case_id: int = Field(foreign_key="case_file.id", primary_key=True, ondelete="CASCADE")
    permit_type: PermitType = Field(
        default=PermitType.NONE, sa_type=enum_type(PermitType, "legal_status_permit_type")
    )
    permit_issued_on: dt.date | None = None
    permit_expires_on: dt.date | None = Field(default=None, index=True)
    extension_refused: bool = False
    wanted: bool = Field(default=False, index=True)
    charge_article: str | None = Field(default=None, max_length=64)
    charge_max_years: int | None = None
    dual_criminality: bool = False
    extradition_status: ExtraditionStatus = Field(
        default=ExtraditionStatus.NONE,
        sa_type=enum_type(ExtraditionStatus, "legal_status_extradition"),
        index=True,
    )
    asylum_status: AsylumStatus = Field(
        default=AsylumStatus.NOT_APPLIED, sa_type=enum_type(AsylumStatus, "legal_status_asylum")
    )
    passport_held: bool = False
    passport_expires_on: dt.date | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Detention(SQLModel, table=True):
    __tablename__ = "detention"
    __table_args__ = (
        sa.CheckConstraint(
            "released_on IS NULL OR released_on >= detained_on", name="ck_detention_dates"
        ),
        sa.Index("ix_detention_case_date", "case_id", "detained_on"),
        sa.Index("ix_detention_released", "released_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE")
    detained_on: dt.date
    place: DetentionPlace = Field(sa_type=enum_type(DetentionPlace, "detention_place"))
    released_on: dt.date | None = None
    outcome: DetentionOutcome = Field(
        default=DetentionOutcome.PENDING, sa_type=enum_type(DetentionOutcome, "detention_outcome")
    )
    created_at: dt.datetime = Field(default_factory=utcnow)


class HousingNeed(SQLModel, table=True):
    __tablename__ = "housing_need"

    case_id: int = Field(foreign_key="case_file.id", primary_key=True, ondelete="CASCADE")
    situation: HousingSituation = Field(
        sa_type=enum_type(HousingSituation, "housing_need_situation")
    )
    # Free text about the person, sealed with their data key like the notes: a purge makes
    # it unreadable wherever a copy went (``models.identity.store.seal_note``).
    sealed_need: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    urgency: Urgency = Field(
        default=Urgency.MEDIUM, sa_type=enum_type(Urgency, "housing_need_urgency")
    )
    met: bool = False
    updated_on: dt.date


class EmploymentNeed(SQLModel, table=True):
    __tablename__ = "employment_need"

    case_id: int = Field(foreign_key="case_file.id", primary_key=True, ondelete="CASCADE")
    situation: EmploymentSituation = Field(
        sa_type=enum_type(EmploymentSituation, "employment_need_situation")
    )
    sealed_need: bytes | None = Field(default=None, sa_type=sa.LargeBinary)  # as above
    urgency: Urgency = Field(
        default=Urgency.MEDIUM, sa_type=enum_type(Urgency, "employment_need_urgency")
    )
    met: bool = False
    updated_on: dt.date


class StageChange(SQLModel, table=True):
    """One move through the pipeline; the funnel and time-in-stage are computed from these."""

    __tablename__ = "stage_change"
    __table_args__ = (
        sa.Index("ix_stage_change_case_at", "case_id", "changed_at"),
        sa.Index("ix_stage_change_to_at", "to_stage", "changed_at"),
        # Covers the pipeline's time in stage: the stored stays of the cases in scope.
        sa.Index("ix_stage_change_case_stay", "case_id", "from_stage", "stay_days"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE")
    from_stage: Stage | None = Field(
        default=None, sa_type=enum_type(Stage, "stage_change_from_stage")
    )
    to_stage: Stage = Field(sa_type=enum_type(Stage, "stage_change_to_stage"))
    changed_at: dt.datetime = Field(default_factory=utcnow)
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Whole days the case spent in ``from_stage``, stored when the move is written.
    stay_days: int | None = None


class CaseNote(SQLModel, table=True):
    __tablename__ = "case_note"
    __table_args__ = (sa.Index("ix_case_note_case_at", "case_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    # The author's organisation when the note was written, never their current one: a
    # receiving organisation reads its own notes (and the owner's only with the person's
    # consent), whoever moves to another organisation later. None: no organisation (the
    # owner's, as far as a receiver is concerned).
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    # The note's text, sealed with the data key of the case's person (``models/identity``).
    sealed_body: bytes = Field(sa_type=sa.LargeBinary)
    created_at: dt.datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what, when, to which record and which fields; never the values."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_org_at", "organisation_id", "at"),
        sa.Index("ix_audit_case_at", "case_id", "at"),
        # An account's recent actions of one kind (the intake check's hourly limit).
        sa.Index("ix_audit_event_user_action_at", "user_id", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    username: str | None = Field(default=None, max_length=64)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    action: AuditAction = Field(sa_type=enum_type(AuditAction, "audit_event_action"))
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=32)
    case_id: int | None = Field(default=None, foreign_key="case_file.id", ondelete="SET NULL")
    fields: str | None = Field(default=None, max_length=500)
    detail: str | None = Field(default=None, max_length=200)


class CaseReference(SQLModel, table=True):
    """An organisation's own identifier of a case (a spreadsheet's ``reference``), so that a
    re-import updates the case instead of creating a second one."""

    __tablename__ = "case_reference"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "reference", name="uq_case_reference_org_ref"),
    )

    case_id: int = Field(foreign_key="case_file.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id")
    reference: str = Field(max_length=64)


class ImportMapping(SQLModel, table=True):
    """The column mapping an organisation last used: a header (as read) -> a canonical column,
    as JSON. Headers are column names, never a person's data."""

    __tablename__ = "import_mapping"

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    mapping: str = Field(max_length=8000)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class NetworkSetting(SQLModel, table=True):
    """A switch that holds for the whole network (``models.duplicates.setting``): its name
    and whether it is on. A setting without a row is off."""

    __tablename__ = "network_setting"

    name: str = Field(max_length=64, primary_key=True)
    enabled: bool = False
    updated_at: dt.datetime = Field(default_factory=utcnow)


class DuplicateDecision(SQLModel, table=True):
    """A coordinator's verdict on a pair of cases (``case_a_id < case_b_id``): the same person
    (merged: ``case_b`` or ``case_a`` closed as the duplicate) or different people (never
    shown as a pair again)."""

    __tablename__ = "duplicate_decision"
    __table_args__ = (
        sa.UniqueConstraint("case_a_id", "case_b_id", name="uq_duplicate_decision_pair"),
        sa.CheckConstraint("case_a_id < case_b_id", name="ck_duplicate_decision_order"),
        sa.Index("ix_duplicate_decision_b", "case_b_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_a_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE")
    case_b_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE")
    same_person: bool
    survivor_id: int | None = Field(default=None, foreign_key="case_file.id", ondelete="SET NULL")
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: dt.datetime = Field(default_factory=utcnow)


class DuplicateCandidate(SQLModel, table=True):
    """A pair of cases (``case_a_id < case_b_id``) that the last duplicate search found likely
    to be the same person and nobody had decided: the stored review queue
    (``models.duplicates.queue``). Case ids, the score and the reason keys only: no name, no
    token, nothing of the identity. Pairs touching an organisation are read through its
    cases' index, then this primary key or ``case_b_id``'s index; the best of them through
    the score's index."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (
        sa.CheckConstraint("case_a_id < case_b_id", name="ck_duplicate_candidate_order"),
        sa.Index("ix_duplicate_candidate_b", "case_b_id", "case_a_id"),  # covering: both ids
        # The review lists the best pairs first: read backwards, this index is that order.
        sa.Index("ix_duplicate_candidate_score", "score", "case_a_id", "case_b_id"),
    )

    case_a_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE", primary_key=True)
    case_b_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE", primary_key=True)
    score: float
    reasons: str = Field(max_length=400)  # the reason keys (``matching``), joined by "|"
    found_at: dt.datetime = Field(default_factory=utcnow)


class DuplicateSearch(SQLModel, table=True):
    """When an organisation's pairs in ``duplicate_candidate`` were last searched for: by
    the network-wide refresh (``waypoint refresh``) or by a coordinator's "Look again"."""

    __tablename__ = "duplicate_search"

    organisation_id: int = Field(
        foreign_key="organisation.id", ondelete="CASCADE", primary_key=True
    )
    searched_at: dt.datetime = Field(default_factory=utcnow)


class Release(SQLModel, table=True):
    """One frozen quarterly release of the network's figures (see ``models/releases``).

    Every draft is kept, discarded ones included: the yearly privacy budget is the sum of
    the ε of every draft ever prepared. ``published_quarter`` is set when the release is
    published and kept when it is withdrawn, so a quarter can be published only once."""

    __tablename__ = "release"
    __table_args__ = (
        sa.CheckConstraint("epsilon > 0", name="ck_release_epsilon_positive"),
        sa.Index("ix_release_quarter_status", "quarter", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=7)  # "2026Q3"
    status: ReleaseStatus = Field(
        default=ReleaseStatus.DRAFT, sa_type=enum_type(ReleaseStatus, "release_status")
    )
    published_quarter: str | None = Field(default=None, max_length=7, unique=True)
    epsilon: float
    method: str = Field(max_length=120)
    parameters: str = Field(max_length=TEXT_MAX)  # JSON: per-table ε, sensitivity, scale, k
    prepared_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    published_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    withdrawn_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    prepared_at: dt.datetime = Field(default_factory=utcnow)
    published_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None


class ReleaseCell(SQLModel, table=True):
    """One stored noisy count of a release; never recomputed."""

    __tablename__ = "release_cell"

    release_id: int = Field(foreign_key="release.id", primary_key=True, ondelete="CASCADE")
    table_key: str = Field(max_length=32, primary_key=True)
    row_key: str = Field(max_length=80, primary_key=True)
    column_key: str = Field(max_length=32, primary_key=True)
    value: int
