"""Every write to a case: validation, the access policy, optimistic locking and the audit row.

Optimistic locking: each edit carries the ``version`` the user saw. The first statement of a
write is ``UPDATE case_file SET version = version + 1, updated_at = now WHERE id = :id AND
version = :expected AND <scope>``: it takes the row's write lock (PostgreSQL) or the database's
(SQLite) before anything is read, so two concurrent saves are serialised and the second one
finds a newer version and is refused with ``StaleCase``, which carries the current values.

Rules decided here (see README, "Casework"):
- the pipeline moves forward one stage at a time; a case leaves it only by being closed with
  an outcome (``CLOSE_CASE``: coordinators and admins); "relocated" needs the relocated stage;
- a closed case can still take notes, but no stage move;
- adding a note is append-only and cannot overwrite anything, so it takes no expected version
  (it still bumps the version and ``updated_at``);
- text that looks like HTML or a spreadsheet formula is refused with a message, not stored.

Nothing here commits: the caller's ``session_scope`` commits the change and its audit row
together, or neither.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import TypeAlias, TypeVar, cast

import sqlalchemy as sa
from sqlmodel import Session, col

import models.network  # noqa: F401  (registers the referral grant with the gate)
from models import case_codes
from models.access import (
    Action,
    Actor,
    Scope,
    case_visible,
    may_assign_to,
    readable_cases,
    require,
    scope_of,
    visible_cases,
)
from models.audit import record
from models.duplicates.queue import requeue_cases
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
    Stage,
    Urgency,
)
from models.errors import ValidationError
from models.i18n import N_
from models.identity.crypto import Identity
from models.identity.store import IdentityPurged, add_person, case_cipher, open_sealed, seal_note
from models.stored import store_case
from models.tables import (
    NAME_MAX,
    TEXT_MAX,
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
    utcnow,
)

NEED_MAX = 500
CHARGE_MAX = 64
CONTACT_MAX = 300
CODE_ATTEMPTS = 20
_HTML = re.compile(r"<[A-Za-z!/?]")
# What a spreadsheet would run: = + @ first, a tab or CR, or a minus before a term.
_FORMULA = re.compile(r"^\s*(?:[=+@\t\r]|-\s*[\w(=+@])")


class CaseNotFound(LookupError):
    """No such case, or not one the actor may see: the two are never told apart."""


class StaleCase(RuntimeError):
    """Someone saved the case after the user loaded it; nothing was written.

    ``version`` is the case's current version and ``current`` the current values of the
    section the user tried to change, to show beside the refusal."""

    def __init__(self, *, version: int, current: dict[str, object]) -> None:
        super().__init__(f"case changed: now at version {version}")
        self.version = version
        self.current = current


# Validation ------------------------------------------------------------------------------


def clean_text(
    field: str, value: str | None, *, max_chars: int, required: bool = False
) -> str | None:
    """``value`` stripped; ``None`` when empty. Refuses over-long text, HTML and formulas."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(field, N_("This field is required."))
        return None
    if len(text) > max_chars:
        raise ValidationError(
            field,
            N_("Use at most {count} characters (this has {length})."),
            count=max_chars,
            length=len(text),
        )
    if _HTML.search(text):
        raise ValidationError(
            field, N_("Remove the angle brackets: text that looks like HTML is not accepted.")
        )
    if _FORMULA.match(text):
        raise ValidationError(
            field,
            N_("Text may not start with = + - or @: a spreadsheet would run it as a formula."),
        )
    return text


def _not_future(field: str, day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        raise ValidationError(field, N_("This date is in the future."))


EnumT = TypeVar("EnumT", bound=Enum)


def _enum(field: str, enum: type[EnumT], value: object) -> EnumT:
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(field, N_("Choose one of the listed values.")) from None


# Locking ---------------------------------------------------------------------------------


def _visible(session: Session, *, actor: Actor, case_id: int, readable: bool = False) -> Case:
    # ``readable``: only for ``add_note`` (the receiving side of a referral records its own
    # work); every other write stays within ``visible_cases``.
    case = case_visible(session, actor=actor, case_id=case_id, readable=readable)
    if case is None:
        raise CaseNotFound(case_id)
    return case


def _bump(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected: int | None,
    current: Callable[[], dict[str, object]] | None = None,
    readable: bool = False,
) -> None:
    """Claim the case for this write: bump version and ``updated_at`` if it is still at
    ``expected`` (any version when ``None``) and in the actor's scope. Otherwise raise
    ``CaseNotFound``, or ``StaleCase`` with ``current()``, read after the refusal."""
    # ``readable``: the receiving side of a referral may add its own notes, nothing else.
    conditions = [
        col(Case.id) == case_id,
        readable_cases(actor) if readable else visible_cases(actor),
    ]
    if expected is not None:
        conditions.append(col(Case.version) == expected)
    result = session.exec(
        sa.update(Case)
        .where(*conditions)
        .values(version=col(Case.version) + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return
    case = _visible(session, actor=actor, case_id=case_id, readable=readable)
    session.refresh(case)
    raise StaleCase(version=case.version, current=current() if current else {})


def _reload(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id, populate_existing=True)
    assert case is not None
    return case


# Legal status ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalStatusInput:
    permit_type: PermitType
    permit_issued_on: dt.date | None
    permit_expires_on: dt.date | None
    extension_refused: bool = False
    wanted: bool = False
    charge_article: str | None = None
    charge_max_years: int | None = None
    dual_criminality: bool = False
    extradition_status: ExtraditionStatus = ExtraditionStatus.NONE
    asylum_status: AsylumStatus = AsylumStatus.NOT_APPLIED
    passport_held: bool = False
    passport_expires_on: dt.date | None = None


LEGAL_FIELDS = tuple(LegalStatusInput.__dataclass_fields__)


def legal_values(status: LegalStatus | None) -> dict[str, object]:
    """The editable legal-status values of a case (defaults when it has none yet)."""
    if status is None:
        return asdict(LegalStatusInput(PermitType.NONE, None, None))
    return {name: getattr(status, name) for name in LEGAL_FIELDS}


def legal_input(status: LegalStatus | None) -> LegalStatusInput:
    """``legal_values`` as the typed input its form starts from."""
    if status is None:
        return LegalStatusInput(PermitType.NONE, None, None)
    return LegalStatusInput(
        permit_type=status.permit_type,
        permit_issued_on=status.permit_issued_on,
        permit_expires_on=status.permit_expires_on,
        extension_refused=status.extension_refused,
        wanted=status.wanted,
        charge_article=status.charge_article,
        charge_max_years=status.charge_max_years,
        dual_criminality=status.dual_criminality,
        extradition_status=status.extradition_status,
        asylum_status=status.asylum_status,
        passport_held=status.passport_held,
        passport_expires_on=status.passport_expires_on,
    )


def validate_legal_status(data: LegalStatusInput) -> LegalStatusInput:
    _enum("permit_type", PermitType, data.permit_type)
    _enum("extradition_status", ExtraditionStatus, data.extradition_status)
    _enum("asylum_status", AsylumStatus, data.asylum_status)
    if (
        data.permit_issued_on
        and data.permit_expires_on
        and data.permit_expires_on < data.permit_issued_on
    ):
        raise ValidationError(
            "permit_expires_on", N_("The expiry date is before the date of issue.")
        )
    if data.charge_max_years is not None and not 0 <= data.charge_max_years <= 30:
        raise ValidationError("charge_max_years", N_("Enter a number of years from 0 to 30."))
    article = clean_text("charge_article", data.charge_article, max_chars=CHARGE_MAX)
    return LegalStatusInput(**{**asdict(data), "charge_article": article})


def update_legal_status(
    session: Session, *, actor: Actor, case_id: int, expected_version: int, data: LegalStatusInput
) -> list[str]:
    """Save the case's legal status; returns the names of the fields that changed."""
    require(actor, Action.EDIT_CASE)
    data = validate_legal_status(data)
    _bump(
        session,
        actor=actor,
        case_id=case_id,
        expected=expected_version,
        current=lambda: legal_values(session.get(LegalStatus, case_id, populate_existing=True)),
    )
    status = session.get(LegalStatus, case_id) or LegalStatus(case_id=case_id)
    changed = [name for name in LEGAL_FIELDS if getattr(status, name) != getattr(data, name)]
    for name in LEGAL_FIELDS:
        setattr(status, name, getattr(data, name))
    status.updated_at = utcnow()
    session.add(status)
    _audit_update(session, actor, case_id, "legal_status", changed)
    store_case(session, case_id=case_id)
    return changed


def _audit_update(
    session: Session,
    actor: Actor,
    case_id: int,
    entity: str,
    fields: list[str],
    detail: str | None = None,
) -> None:
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity=entity,
        entity_id=case_id,
        case_id=case_id,
        fields=fields,
        detail=detail,
    )


# Detentions ------------------------------------------------------------------------------


RELEASE_OUTCOMES = (
    DetentionOutcome.RELEASED,
    DetentionOutcome.RELEASED_ON_CONDITIONS,
    DetentionOutcome.DEPORTED,
    DetentionOutcome.EXTRADITED,
)


def record_detention(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    detained_on: dt.date | None,
    place: DetentionPlace,
    today: dt.date,
) -> Detention:
    """Add a detention that has not ended yet."""
    require(actor, Action.EDIT_CASE)
    if detained_on is None:
        raise ValidationError("detained_on", N_("This field is required."))
    _not_future("detained_on", detained_on, today)
    place = _enum("place", DetentionPlace, place)
    _bump(session, actor=actor, case_id=case_id, expected=expected_version)
    detention = Detention(
        case_id=case_id, detained_on=detained_on, place=place, outcome=DetentionOutcome.PENDING
    )
    session.add(detention)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity="detention",
        entity_id=detention.id,
        case_id=case_id,
        fields=("detained_on", "place"),
    )
    store_case(session, case_id=case_id)
    return detention


def record_release(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    detention_id: int | None,
    released_on: dt.date | None,
    outcome: DetentionOutcome,
    today: dt.date,
) -> None:
    """End an open detention of the case on ``released_on`` with ``outcome``."""
    require(actor, Action.EDIT_CASE)
    detention = session.get(Detention, detention_id) if detention_id else None
    if detention is None or detention.case_id != case_id or detention.released_on is not None:
        raise ValidationError("detention", N_("Choose a detention that has not ended."))
    if released_on is None:
        raise ValidationError("released_on", N_("This field is required."))
    _not_future("released_on", released_on, today)
    if released_on < detention.detained_on:
        raise ValidationError("released_on", N_("The release is before the detention."))
    if _enum("outcome", DetentionOutcome, outcome) not in RELEASE_OUTCOMES:
        raise ValidationError("outcome", N_("Choose how the detention ended."))
    _bump(session, actor=actor, case_id=case_id, expected=expected_version)
    detention.released_on = released_on
    detention.outcome = outcome
    session.add(detention)
    _audit_update(session, actor, case_id, "detention", ["outcome", "released_on"])
    store_case(session, case_id=case_id)


# Needs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedInput:
    situation: str
    need: str | None
    urgency: Urgency
    met: bool


def _update_need(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    data: NeedInput,
    table: type[HousingNeed] | type[EmploymentNeed],
    situations: type[HousingSituation] | type[EmploymentSituation],
    today: dt.date,
) -> list[str]:
    require(actor, Action.EDIT_CASE)
    situation = _enum("situation", situations, data.situation)
    urgency = _enum("urgency", Urgency, data.urgency)
    need = clean_text("need", data.need, max_chars=NEED_MAX)

    def current() -> dict[str, object]:
        row = cast(Need | None, session.get(table, case_id, populate_existing=True))
        return need_values(session, row) if row else {}

    _bump(session, actor=actor, case_id=case_id, expected=expected_version, current=current)
    row = cast(Need | None, session.get(table, case_id))
    new: dict[str, object] = {
        "situation": situation,
        "need": need,
        "urgency": urgency,
        "met": bool(data.met),
    }
    before = need_values(session, row) if row else {}
    changed = [name for name, value in new.items() if name not in before or before[name] != value]
    if row is None:
        row = table.model_validate(
            {"case_id": case_id, "situation": situation, "urgency": urgency, "updated_on": today}
        )
    row.situation, row.urgency, row.met = situation, urgency, bool(data.met)
    if "need" in changed:
        row.sealed_need = seal_free_text("need", session, case_id, need)
    row.updated_on = today
    session.add(row)
    _audit_update(session, actor, case_id, table.__tablename__, changed)
    store_case(session, case_id=case_id)
    return changed


Need: TypeAlias = HousingNeed | EmploymentNeed


@dataclass(frozen=True)
class NeedView:
    """A housing or employment need as the case page shows it, its text opened (``None``
    when there is none, or once the person's key is gone)."""

    situation: HousingSituation | EmploymentSituation
    need: str | None
    urgency: Urgency
    met: bool
    updated_on: dt.date


def need_view(session: Session, row: Need) -> NeedView:
    """``row`` with its text opened with the case's person's key."""
    cipher = case_cipher(session, case_id=row.case_id) if row.sealed_need is not None else None
    return NeedView(
        situation=row.situation,
        need=open_sealed(cipher, row.sealed_need),
        urgency=row.urgency,
        met=row.met,
        updated_on=row.updated_on,
    )


def need_values(session: Session, row: Need) -> dict[str, object]:
    """A need's fields as its form takes them (what a refused save compares)."""
    values = asdict(need_view(session, row))
    del values["updated_on"]
    return values


def seal_free_text(field: str, session: Session, case_id: int, text: str | None) -> bytes | None:
    """Free text about the case's person, sealed with their key (``None`` stays ``None``); a
    message on ``field`` once their identity was purged: the case takes no more of it."""
    if text is None:
        return None
    try:
        return seal_note(session, case_id=case_id, text=text)
    except IdentityPurged:
        raise ValidationError(field, PURGED_NOTE if field == "body" else PURGED_TEXT) from None


PURGED_NOTE = N_("This case's identity was purged: it takes no more notes.")
PURGED_TEXT = N_("This case's identity was purged: nothing more can be written about the person.")


def update_housing_need(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    data: NeedInput,
    today: dt.date,
) -> list[str]:
    """Save the case's housing need; returns the names of the fields that changed."""
    return _update_need(
        session,
        actor=actor,
        case_id=case_id,
        expected_version=expected_version,
        data=data,
        table=HousingNeed,
        situations=HousingSituation,
        today=today,
    )


def update_employment_need(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    data: NeedInput,
    today: dt.date,
) -> list[str]:
    """Save the case's employment need; returns the names of the fields that changed."""
    return _update_need(
        session,
        actor=actor,
        case_id=case_id,
        expected_version=expected_version,
        data=data,
        table=EmploymentNeed,
        situations=EmploymentSituation,
        today=today,
    )


# Pipeline --------------------------------------------------------------------------------


def _caseworker_name(session: Session, case_id: int) -> str | None:
    """The name of the case's caseworker, as a refused assignment shows it."""
    caseworker_id = _reload(session, case_id).caseworker_id
    caseworker = session.get(User, caseworker_id) if caseworker_id else None
    return caseworker.display_name if caseworker else None


def _stage_values(session: Session, case_id: int) -> dict[str, object]:
    case = _reload(session, case_id)
    return {"stage": case.stage, "status": case.status, "outcome": case.outcome}


def next_stage(stage: Stage) -> Stage | None:
    """The one stage a case may move on to; ``None`` at the end of the pipeline."""
    stages = list(Stage)
    return stages[stage.position + 1] if stage.position + 1 < len(stages) else None


def move_stage(
    session: Session, *, actor: Actor, case_id: int, expected_version: int, to_stage: str
) -> None:
    """Move an open case forward by exactly one stage, and record the move."""
    require(actor, Action.EDIT_CASE)
    target = _enum("stage", Stage, to_stage)
    case = _visible(session, actor=actor, case_id=case_id)
    if case.status != CaseStatus.OPEN:
        raise ValidationError("stage", N_("A closed case cannot change stage."))
    if target != next_stage(Stage(case.stage)):
        raise ValidationError("stage", N_("A case moves forward one stage at a time."))
    _bump(
        session,
        actor=actor,
        case_id=case_id,
        expected=expected_version,
        current=lambda: _stage_values(session, case_id),
    )
    case = _reload(session, case_id)
    now = utcnow()
    session.add(
        StageChange(
            case_id=case_id,
            from_stage=case.stage,
            to_stage=target,
            changed_at=now,
            changed_by_id=actor.id,
            stay_days=_stay_days(session, case, now),
        )
    )
    case.stage = target
    case.stage_entered_at = now
    session.add(case)
    _audit_update(session, actor, case_id, "case", ["stage"])
    store_case(session, case_id=case_id)


def _stay_days(session: Session, case: Case, now: dt.datetime) -> int | None:
    """Whole days the case has spent in its current stage, from the stored time it entered
    it (or, for a case stored without it, its latest move into the stage)."""
    entered = (
        case.stage_entered_at
        or session.execute(
            sa.select(sa.func.max(col(StageChange.changed_at))).where(
                col(StageChange.case_id) == case.id, col(StageChange.to_stage) == case.stage
            )
        ).scalar_one_or_none()
    )
    if entered is None:
        return None
    if entered.tzinfo is None:
        entered = entered.replace(tzinfo=dt.UTC)
    return int((now - entered).total_seconds() // 86400)


def close_case(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    outcome: str | None,
    today: dt.date,
) -> None:
    """Close an open case with an outcome; "relocated" only from the relocated stage."""
    require(actor, Action.CLOSE_CASE)
    if not outcome:
        raise ValidationError("outcome", N_("Choose the outcome to close the case."))
    chosen = _enum("outcome", Outcome, outcome)
    case = _visible(session, actor=actor, case_id=case_id)
    if case.status != CaseStatus.OPEN:
        raise ValidationError("outcome", N_("This case is already closed."))
    if chosen == Outcome.RELOCATED and case.stage != Stage.RELOCATED:
        raise ValidationError(
            "outcome", N_("Move the case to the relocated stage before closing it as relocated.")
        )
    _bump(
        session,
        actor=actor,
        case_id=case_id,
        expected=expected_version,
        current=lambda: _stage_values(session, case_id),
    )
    case = _reload(session, case_id)
    case.status = CaseStatus.CLOSED
    case.outcome = chosen
    case.closed_on = today
    session.add(case)
    _audit_update(session, actor, case_id, "case", ["closed_on", "outcome", "status"])
    store_case(session, case_id=case_id)


# Assignment and notes --------------------------------------------------------------------


def assign_caseworker(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    caseworker_id: int | None,
) -> None:
    """Give the case to a caseworker of its organisation."""
    require(actor, Action.ASSIGN_CASE)
    case = _visible(session, actor=actor, case_id=case_id)
    caseworker = session.get(User, caseworker_id) if caseworker_id else None
    if caseworker is None or not may_assign_to(actor, case=case, caseworker=caseworker):
        raise ValidationError(
            "caseworker", N_("Choose an active caseworker of the case's organisation.")
        )
    _bump(
        session,
        actor=actor,
        case_id=case_id,
        expected=expected_version,
        current=lambda: {"caseworker": _caseworker_name(session, case_id)},
    )
    case = _reload(session, case_id)
    case.caseworker_id = caseworker.id
    session.add(case)
    _audit_update(session, actor, case_id, "case", ["caseworker_id"])
    store_case(session, case_id=case_id)


def _note_organisation(session: Session, actor: Actor, case_id: int) -> int:
    """Whom a note is written for: the receiving organisation when its staff write on a
    referred case; otherwise the case's own (its staff, or an admin, whatever organisation
    the admin's account belongs to)."""
    case = _reload(session, case_id)
    owner_side = session.execute(
        sa.select(col(Case.id)).where(col(Case.id) == case_id, visible_cases(actor))
    ).first()
    if owner_side is None and actor.organisation_id is not None:
        return actor.organisation_id
    return case.organisation_id


def add_note(session: Session, *, actor: Actor, case_id: int, body: str) -> CaseNote:
    """Append a note to the case (append-only: no expected version needed)."""
    require(actor, Action.EDIT_CASE)
    text = clean_text("body", body, max_chars=TEXT_MAX, required=True)
    _bump(session, actor=actor, case_id=case_id, expected=None, readable=True)
    sealed = seal_free_text("body", session, case_id, text or "")
    assert sealed is not None, "a note always has a text"
    note = CaseNote(
        case_id=case_id,
        author_id=actor.id,
        organisation_id=_note_organisation(session, actor, case_id),
        sealed_body=sealed,
    )
    session.add(note)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity="case_note",
        entity_id=note.id,
        case_id=case_id,
        fields=("body",),
    )
    store_case(session, case_id=case_id)
    return note


# Intake ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    full_name: str
    category: Category
    opened_on: dt.date
    name_cyrillic: str | None = None
    name_latin: str | None = None
    birth_year: int | None = None
    contact: str | None = None
    city_id: int | None = None
    organisation_id: int | None = None  # None: the coordinator's own organisation
    caseworker_id: int | None = None
    permit_type: PermitType = PermitType.NONE
    permit_expires_on: dt.date | None = None
    wanted: bool = False


def _validate_intake(
    session: Session, actor: Actor, data: Intake, today: dt.date
) -> dict[str, object]:
    names = {
        field: clean_text(
            field, getattr(data, field), max_chars=NAME_MAX, required=field == "full_name"
        )
        for field in ("full_name", "name_cyrillic", "name_latin")
    }
    contact = clean_text("contact", data.contact, max_chars=CONTACT_MAX)
    category = _enum("category", Category, data.category)
    _enum("permit_type", PermitType, data.permit_type)
    _not_future("opened_on", data.opened_on, today)
    if data.birth_year is not None and not 1900 <= data.birth_year <= 2020:
        raise ValidationError("birth_year", N_("Enter a year from 1900 to 2020."))
    organisation_id = data.organisation_id or actor.organisation_id
    # Coordinators take in for their own organisation; admins (scope "all") for any.
    if scope_of(actor) is not Scope.ALL and organisation_id != actor.organisation_id:
        raise ValidationError("organisation", N_("You can only open cases for your organisation."))
    if organisation_id is None or session.get(Organisation, organisation_id) is None:
        raise ValidationError("organisation", N_("Choose the organisation this person works for."))
    if data.city_id is not None and session.get(City, data.city_id) is None:
        raise ValidationError("city", N_("Choose one of the listed values."))
    if data.caseworker_id is not None:
        caseworker = session.get(User, data.caseworker_id)
        probe = Case(
            organisation_id=organisation_id,
            code="",
            intake_year=0,
            intake_seq=0,
            category=category,
            opened_on=data.opened_on,
        )
        if caseworker is None or not may_assign_to(actor, case=probe, caseworker=caseworker):
            raise ValidationError(
                "caseworker", N_("Choose an active caseworker of the case's organisation.")
            )
    return {**names, "contact": contact, "category": category, "organisation_id": organisation_id}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _free_code(session: Session, year: int) -> str:
    """A random code that no case of the network holds yet."""
    for _attempt in range(CODE_ATTEMPTS):
        code = case_codes.new_code(year)
        taken = session.execute(sa.select(col(Case.id)).where(col(Case.code) == code)).first()
        if taken is None:
            return code
    raise RuntimeError("could not allocate a case code")


def _insert_case_row(session: Session, *, year: int, values: dict[str, object]) -> int:
    """Insert the case with a fresh random code. ``intake_seq`` is an internal counter, never
    shown: computed by the INSERT itself so that SQLite's write lock covers it; on PostgreSQL
    a concurrent intake may collide on it (or, rarely, on the code), and then it retries."""
    next_seq = (
        sa.select(sa.func.coalesce(sa.func.max(col(Case.intake_seq)), 0) + 1)
        .where(col(Case.intake_year) == year)
        .scalar_subquery()
    )

    def insert() -> int:
        row = session.execute(
            sa.insert(Case)
            .values(code=_free_code(session, year), intake_year=year, intake_seq=next_seq, **values)
            .returning(col(Case.id))
        ).one()
        return int(row[0])

    if session.get_bind().dialect.name == "sqlite":
        # One writer at a time, and pysqlite's SAVEPOINT would commit early: no retry needed.
        return insert()
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with session.begin_nested():
                return insert()
        except sa.exc.IntegrityError:
            continue
    raise RuntimeError("could not allocate a case code")


def create_case(session: Session, *, actor: Actor, data: Intake, today: dt.date) -> Case:
    """Take in a new case: the case with a fresh random code, the person, the legal
    status and the first stage change, with one audit row."""
    require(actor, Action.CREATE_CASE)
    clean = _validate_intake(session, actor, data, today)
    now = utcnow()
    case_id = _insert_case_row(
        session,
        year=data.opened_on.year,
        values={
            "category": clean["category"],
            "city_id": data.city_id,
            "organisation_id": clean["organisation_id"],
            "caseworker_id": data.caseworker_id,
            "stage": Stage.INTAKE,
            "status": CaseStatus.OPEN,
            "opened_on": data.opened_on,
            "created_at": now,
            "updated_at": now,
            "stage_entered_at": now,
            "version": 1,
        },
    )
    add_person(
        session,
        case_id=case_id,
        identity=Identity(
            full_name=str(clean["full_name"]),
            name_cyrillic=_str_or_none(clean["name_cyrillic"]),
            name_latin=_str_or_none(clean["name_latin"]),
            birth_year=data.birth_year,
            contact=_str_or_none(clean["contact"]),
        ),
    )
    session.add(
        LegalStatus(
            case_id=case_id,
            permit_type=data.permit_type,
            permit_expires_on=data.permit_expires_on,
            wanted=data.wanted,
        )
    )
    session.add(
        StageChange(
            case_id=case_id,
            from_stage=None,
            to_stage=Stage.INTAKE,
            changed_at=now,
            changed_by_id=actor.id,
        )
    )
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity="case",
        entity_id=case_id,
        case_id=case_id,
        fields=("category", "city_id", "organisation_id", "person", "legal_status", "stage"),
    )
    store_case(session, case_id=case_id)
    requeue_cases(session, case_ids=[case_id])  # its likely duplicates, in the review queue
    return _reload(session, case_id)
