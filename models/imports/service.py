"""Checking and applying an import: the dry run's per-row report, and the one transaction
that writes it.

A row whose ``reference`` the organisation already uses updates that case (only the cells
that hold something; an empty cell leaves the stored value as it is); any other row creates
a case. ``apply_import`` recomputes the plan inside its own transaction, so what is written
is what the database holds at that moment, never a stale dry run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import case_codes
from models.access import Action, Actor, Scope, permits, require, scope_of
from models.audit import record
from models.cases import CONTACT_MAX, clean_text
from models.duplicates.queue import requeue_cases
from models.enums import (
    AuditAction,
    CaseStatus,
    ExtraditionStatus,
    PermitType,
    Stage,
    Urgency,
)
from models.errors import ValidationError
from models.i18n import N_
from models.imports import columns as C
from models.imports.people import (
    PERSON_FIELDS,
    insert_people,
    read_notes,
    read_people,
    sealed_note,
    update_person,
)
from models.imports.reading import Table
from models.stored import store_case, store_cases
from models.tables import (
    NAME_MAX,
    TEXT_MAX,
    Case,
    CaseNote,
    CaseReference,
    City,
    EmploymentNeed,
    HousingNeed,
    ImportMapping,
    LegalStatus,
    Organisation,
    StageChange,
    utcnow,
)

REFERENCE_MAX = 64
_PHONE = re.compile(r"^\+[\d\s()\-]{5,40}$")
CASE_FIELDS = ("category", "city_id", "opened_on", "stage")
LEGAL_FIELDS = ("permit_type", "permit_expires_on", "wanted", "extradition_status")
NEED_COLUMNS: dict[str, type[HousingNeed] | type[EmploymentNeed]] = {
    "housing_situation": HousingNeed,
    "employment_situation": EmploymentNeed,
}


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a row: the column, an English message id and its values."""

    column: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(
        self,
        translate: Callable[[str], str] = lambda m: m,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """The problem in words, after the column's name: its header in the file when
        ``headers`` (Waypoint column -> the file's header) names it."""
        column = (headers or {}).get(self.column, self.column)
        return f"{column}: {translate(self.message).format(**self.params)}"


@dataclass
class RowResult:
    line: int
    reference: str
    status: RowStatus
    case_code: str | None = None
    problems: list[Problem] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)
    case_id: int | None = None


@dataclass
class ImportPlan:
    organisation_id: int
    rows: list[RowResult]

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status is status)

    @property
    def counts(self) -> dict[str, int]:
        return {status.value: self.count(status) for status in RowStatus}


class MappingIncomplete(ValueError):
    """Required columns have no header mapped to them."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


class NoSuchOrganisation(LookupError):
    pass


# Mappings remembered per organisation -------------------------------------------------------


def remembered_mapping(session: Session, *, organisation_id: int) -> dict[str, str]:
    """The organisation's last mapping: normalised header -> canonical column."""
    row = session.get(ImportMapping, organisation_id)
    return dict(json.loads(row.mapping)) if row else {}


def remember_mapping(
    session: Session, *, organisation_id: int, mapping: Mapping[str, str | None]
) -> None:
    known = remembered_mapping(session, organisation_id=organisation_id)
    known.update({C.normalise_header(h): c for h, c in mapping.items() if c in C.COLUMNS})
    text = json.dumps(known, ensure_ascii=False, sort_keys=True)
    row = session.get(ImportMapping, organisation_id) or ImportMapping(
        organisation_id=organisation_id, mapping=text
    )
    row.mapping = text[:8000]
    row.updated_at = utcnow()
    session.add(row)


def _check_organisation(session: Session, actor: Actor | None, organisation_id: int) -> None:
    """Coordinators import into their own organisation, admins into any; ``None`` is the
    command line, run by whoever operates the server."""
    if actor is not None:
        require(actor, Action.CREATE_CASE)
        require(actor, Action.EDIT_CASE)
        if scope_of(actor) is not Scope.ALL and actor.organisation_id != organisation_id:
            raise NoSuchOrganisation(organisation_id)
    if session.get(Organisation, organisation_id) is None:
        raise NoSuchOrganisation(organisation_id)


# Reading rows ------------------------------------------------------------------------------


def _text(column: str, value: str, limit: int, *, required: bool = False) -> str | None:
    if column == "contact" and _PHONE.match(value.strip()):
        # A telephone number (+7 701 ...) is not a formula; exports neutralise it anyway.
        return "+" + (clean_text(column, value.strip()[1:], max_chars=limit - 1) or "")
    return clean_text(column, value, max_chars=limit, required=required)


_TEXT_LIMITS = {
    "reference": REFERENCE_MAX,
    "full_name": NAME_MAX,
    "name_cyrillic": NAME_MAX,
    "name_latin": NAME_MAX,
    "other_spellings": 500,
    "contact": CONTACT_MAX,
    "note": TEXT_MAX,
}


def _parse_row(
    cells: Mapping[str, str], cities: Mapping[str, int], today: dt.date
) -> tuple[dict[str, object], list[Problem]]:
    """The row's non-empty cells as stored values, and what is wrong with the others."""
    values: dict[str, object] = {}
    problems: list[Problem] = []
    for column in C.COLUMNS:
        raw = cells.get(column, "")
        try:
            if not raw.strip():
                if column in C.REQUIRED:
                    raise ValidationError(column, N_("This field is required."))
                continue
            if column in _TEXT_LIMITS:
                values[column] = _text(column, raw, _TEXT_LIMITS[column])
            elif column in C.ENUMS:
                values[column] = C.read_enum(column, raw)
            elif column == "city":
                values["city_id"] = C.read_city(column, raw, cities)
            elif column in ("opened_on", "permit_expires_on"):
                values[column] = C.read_date(column, raw)
            elif column == "birth_year":
                values[column] = C.read_year(column, raw)
            elif column == "wanted":
                values[column] = C.read_bool(column, raw)
        except ValidationError as error:
            for name, message in error.messages.items():
                problems.append(Problem(name, message, error.params.get(name, {})))
    opened = values.get("opened_on")
    if isinstance(opened, dt.date) and opened > today:
        problems.append(Problem("opened_on", N_("This date is in the future.")))
    return values, problems


# The plan ----------------------------------------------------------------------------------


def _existing(session: Session, organisation_id: int, references: list[str]) -> dict[str, int]:
    """Reference -> case id, for the organisation's cases among ``references``."""
    found: dict[str, int] = {}
    for start in range(0, len(references), 500):
        chunk = references[start : start + 500]
        rows = session.execute(
            sa.select(col(CaseReference.reference), col(CaseReference.case_id))
            .join(Case, col(Case.id) == col(CaseReference.case_id))
            .where(
                col(CaseReference.organisation_id) == organisation_id,
                col(Case.organisation_id) == organisation_id,
                col(CaseReference.reference).in_(chunk),
            )
        ).all()
        found.update({row[0]: row[1] for row in rows})
    return found


def _current(session: Session, case_ids: list[int]) -> dict[int, dict[str, object]]:
    """The stored values an import may change, by case id, with the case code and status."""
    current: dict[int, dict[str, object]] = {cid: {} for cid in case_ids}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        for case in session.exec(select(Case).where(col(Case.id).in_(chunk))):
            assert case.id is not None
            current[case.id].update(
                {f: getattr(case, f) for f in CASE_FIELDS}
                | {"code": case.code, "status": case.status, "version": case.version}
            )
        for legal in session.exec(select(LegalStatus).where(col(LegalStatus.case_id).in_(chunk))):
            current[legal.case_id].update({f: getattr(legal, f) for f in LEGAL_FIELDS})
        for column, table in NEED_COLUMNS.items():
            needs = session.execute(
                sa.select(col(table.case_id), col(table.situation)).where(
                    col(table.case_id).in_(chunk)
                )
            ).all()
            for case_id, situation in needs:
                current[case_id][column] = situation
        notes = session.execute(
            sa.select(col(CaseNote.case_id), col(CaseNote.sealed_body)).where(
                col(CaseNote.case_id).in_(chunk)
            )
        ).all()
        sealed: dict[int, list[bytes]] = {}
        for case_id, body in notes:
            sealed.setdefault(case_id, []).append(body)
        for case_id, bodies in sealed.items():
            opened = {b for b in read_notes(session, case_id, bodies) if b is not None}
            known = current[case_id].setdefault("notes", set())
            assert isinstance(known, set)
            known.update(opened)
    for case_id, person in read_people(session, case_ids).items():
        current[case_id].update(person)
    return current


def _intake_year(row: RowResult) -> int:
    """The year of a checked row's ``opened_on`` (a date once the row passed its checks)."""
    opened = row.values["opened_on"]
    assert isinstance(opened, dt.date), "only checked rows are created"
    return opened.year


def _changes(values: Mapping[str, object], stored: Mapping[str, object]) -> list[str]:
    changed = [
        name
        for name, value in values.items()
        if name not in ("reference", "note") and stored.get(name) != value
    ]
    note = values.get("note")
    notes = stored.get("notes")
    if note and not (isinstance(notes, set | frozenset | list | tuple) and note in notes):
        changed.append("note")
    return sorted(changed)


def plan_import(
    session: Session,
    *,
    actor: Actor | None,
    organisation_id: int,
    table: Table,
    mapping: Mapping[str, str | None],
    today: dt.date,
    find_duplicates: bool = True,
) -> ImportPlan:
    """The dry run: what each row would do (created, updated, unchanged or error), with
    possible duplicates of the people it would create. Writes nothing."""
    _check_organisation(session, actor, organisation_id)
    missing = C.missing_required(mapping)
    if missing:
        raise MappingIncomplete(missing)
    positions = {
        column: table.headers.index(header)
        for header, column in mapping.items()
        if column and header in table.headers
    }
    cities = C.city_lookup(
        session.execute(
            sa.select(col(City.id), col(City.key), col(City.name_en), col(City.name_ru))
        ).all()
    )
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        by_column = {c: cells[i] if i < len(cells) else "" for c, i in positions.items()}
        values, problems = _parse_row(by_column, cities, today)
        reference = str(values.get("reference") or by_column.get("reference", "")).strip()
        if reference and reference in seen:
            problems.append(
                Problem(
                    "reference",
                    N_("This reference is also on line {line} of the file."),
                    {"line": seen[reference]},
                )
            )
        elif reference:
            seen[reference] = line
        status = RowStatus.ERROR if problems else RowStatus.CREATED
        results.append(RowResult(line, reference, status, problems=problems, values=values))
    valid = [row for row in results if row.status is not RowStatus.ERROR]
    known = _existing(session, organisation_id, [row.reference for row in valid])
    current = _current(session, sorted(set(known.values())))
    for row in valid:
        case_id = known.get(row.reference)
        if case_id is None:
            continue
        stored = current[case_id]
        row.case_id = case_id
        row.case_code = str(stored["code"])
        if stored.get("status") != CaseStatus.OPEN and _changes(row.values, stored):
            row.status = RowStatus.ERROR
            row.problems.append(Problem("reference", N_("This case is closed: reopen it first.")))
            continue
        row.changed = _changes(row.values, stored)
        row.status = RowStatus.UPDATED if row.changed else RowStatus.UNCHANGED
    # The names of a file, matched against the organisation's people, answer "is this person
    # known here": as on the new-case form, only for roles that may read identities (an admin
    # imports for any organisation and gets no answer), and audited (how many names; none).
    if find_duplicates and (actor is None or permits(actor, Action.READ_IDENTITY)):
        checked = _flag_duplicates(session, organisation_id, results)
        if actor is not None and checked:
            record(
                session,
                actor=actor,
                action=AuditAction.NAME_CHECK,
                entity="import",
                entity_id=organisation_id,
                detail=f"{checked} names of a file",
            )
    return ImportPlan(organisation_id, results)


def _flag_duplicates(session: Session, organisation_id: int, rows: list[RowResult]) -> int:
    """Mark each new row's possible duplicates; how many rows were looked up."""
    from models.duplicates import possible_duplicates_of_rows

    new = [row for row in rows if row.status is RowStatus.CREATED]
    found = possible_duplicates_of_rows(
        session,
        organisation_id=organisation_id,
        rows=[(row.line, row.values) for row in new],
    )
    for row in new:
        row.duplicates = found.get(row.line, [])
    return len(new)


# Applying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    plan: ImportPlan
    written: bool


def apply_import(
    session: Session,
    *,
    actor: Actor | None,
    organisation_id: int,
    table: Table,
    mapping: Mapping[str, str | None],
    today: dt.date,
    all_or_nothing: bool = True,
) -> ImportOutcome:
    """Write the import in the caller's transaction: every valid row, or (``all_or_nothing``)
    nothing at all when any row has an error. One audit row with the counts, never values.
    The plan is recomputed here, so it reflects the database at this moment."""
    plan = plan_import(
        session,
        actor=actor,
        organisation_id=organisation_id,
        table=table,
        mapping=mapping,
        today=today,
        find_duplicates=False,
    )
    if all_or_nothing and plan.count(RowStatus.ERROR):
        return ImportOutcome(plan, written=False)
    actor_id = actor.id if actor else None
    creates = [row for row in plan.rows if row.status is RowStatus.CREATED]
    _create_cases(session, organisation_id, creates, actor_id)
    requeue = [row.case_id for row in creates if row.case_id is not None]
    for row in plan.rows:
        if row.status is RowStatus.UPDATED:
            _update_case(session, row, actor_id, today)
            if row.case_id is not None and set(row.changed) & MATCHED_FIELDS:
                requeue.append(row.case_id)
    # New cases and renamed people: their likely duplicates, in the review queue at once.
    requeue_cases(session, case_ids=requeue)
    remember_mapping(session, organisation_id=organisation_id, mapping=mapping)
    counts = plan.counts
    record(
        session,
        actor=actor,
        action=AuditAction.IMPORT,
        entity="import",
        entity_id=organisation_id,
        fields=[k for k, v in counts.items() if v],
        detail=" ".join(f"{k}={v}" for k, v in counts.items()),
    )
    session.flush()
    return ImportOutcome(plan, written=True)


# The person's fields that matching reads (all but the contact).
MATCHED_FIELDS = set(PERSON_FIELDS) - {"contact"}


def _lock_codes(session: Session) -> None:
    """On PostgreSQL, keep other intakes out while codes are handed out (SQLite's write
    transaction already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE case_file IN SHARE ROW EXCLUSIVE MODE"))


def _create_cases(
    session: Session, organisation_id: int, rows: list[RowResult], actor_id: int | None
) -> None:
    if not rows:
        return
    _lock_codes(session)
    now = utcnow()
    years = sorted({_intake_year(row) for row in rows})
    last: dict[int, int] = dict(
        session.execute(
            sa.select(col(Case.intake_year), sa.func.max(col(Case.intake_seq)))
            .where(col(Case.intake_year).in_(years))
            .group_by(col(Case.intake_year))
        ).all()
    )
    cases = []
    codes = _fresh_codes(session, [_intake_year(row) for row in rows])
    for row, code in zip(rows, codes, strict=True):
        year = _intake_year(row)
        last[year] = seq = last.get(year, 0) + 1
        row.case_code = code
        cases.append(
            {
                "code": row.case_code,
                "intake_year": year,
                "intake_seq": seq,
                "category": row.values["category"],
                "city_id": row.values["city_id"],
                "organisation_id": organisation_id,
                "stage": row.values.get("stage", Stage.INTAKE),
                "status": CaseStatus.OPEN,
                "opened_on": row.values["opened_on"],
                "created_at": now,
                "updated_at": now,
                "stage_entered_at": now,
                "version": 1,
            }
        )
    ids = session.execute(
        sa.insert(Case).returning(col(Case.id), sort_by_parameter_order=True), cases
    ).scalars()
    for row, case_id in zip(rows, ids, strict=True):
        row.case_id = case_id
    ciphers = insert_people(
        session,
        [{"case_id": row.case_id} | {f: row.values.get(f) for f in PERSON_FIELDS} for row in rows],
    )
    _insert(
        session,
        CaseReference,
        [
            {"case_id": r.case_id, "organisation_id": organisation_id, "reference": r.reference}
            for r in rows
        ],
    )
    _insert(
        session,
        LegalStatus,
        [
            {
                "case_id": r.case_id,
                "permit_type": r.values.get("permit_type", PermitType.NONE),
                "permit_expires_on": r.values.get("permit_expires_on"),
                "wanted": r.values.get("wanted", False),
                "extradition_status": r.values.get("extradition_status", ExtraditionStatus.NONE),
                "updated_at": now,
            }
            for r in rows
        ],
    )
    _insert(
        session,
        StageChange,
        [
            {
                "case_id": r.case_id,
                "from_stage": None,
                "to_stage": r.values.get("stage", Stage.INTAKE),
                "changed_at": now,
                "changed_by_id": actor_id,
            }
            for r in rows
        ],
    )
    for column, table in NEED_COLUMNS.items():
        _insert(
            session,
            table,
            [
                {
                    "case_id": r.case_id,
                    "situation": r.values[column],
                    "urgency": Urgency.MEDIUM,
                    "met": False,
                    "updated_on": now.date(),
                }
                for r in rows
                if column in r.values
            ],
        )
    _insert(
        session,
        CaseNote,
        [
            {
                "case_id": r.case_id,
                "author_id": actor_id,
                "organisation_id": organisation_id,
                "sealed_body": sealed_note(
                    session,
                    case_id=r.case_id,
                    text=str(r.values["note"]),
                    cipher=ciphers[r.case_id],
                ),
                "created_at": now,
            }
            for r in rows
            if r.values.get("note") and r.case_id is not None
        ],
    )
    store_cases(session, case_ids=[r.case_id for r in rows if r.case_id is not None])


def _fresh_codes(session: Session, years: list[int]) -> list[str]:
    """One random case code per year given, none held by any case yet nor repeated."""
    codes = [case_codes.new_code(year) for year in years]
    for _attempt in range(20):
        taken = set()
        for start in range(0, len(codes), 500):
            taken |= set(
                session.scalars(
                    sa.select(col(Case.code)).where(col(Case.code).in_(codes[start : start + 500]))
                )
            )
        seen: set[str] = set()
        clash = False
        for i, code in enumerate(codes):
            if code in taken or code in seen:
                codes[i] = case_codes.new_code(years[i])
                clash = True
            seen.add(codes[i])
        if not clash:
            return codes
    raise RuntimeError("could not allocate case codes")


def _insert(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(sa.insert(table), rows)


def _update_case(session: Session, row: RowResult, actor_id: int | None, today: dt.date) -> None:
    assert row.case_id is not None
    case_id = row.case_id
    changed = set(row.changed)
    stored = session.get(Case, case_id)
    assert stored is not None
    case_values = {f: row.values[f] for f in CASE_FIELDS if f in changed}
    if "stage" in case_values and case_values["stage"] != stored.stage:
        now = utcnow()
        entered = stored.stage_entered_at
        if entered is not None and entered.tzinfo is None:
            entered = entered.replace(tzinfo=dt.UTC)
        session.add(
            StageChange(
                case_id=case_id,
                from_stage=stored.stage,
                to_stage=Stage(str(case_values["stage"])),
                changed_at=now,
                changed_by_id=actor_id,
                stay_days=None
                if entered is None
                else int((now - entered).total_seconds() // 86400),
            )
        )
        case_values["stage_entered_at"] = now
    session.execute(
        sa.update(Case)
        .where(col(Case.id) == case_id)
        .values(version=Case.version + 1, updated_at=utcnow(), **case_values)
    )
    update_person(
        session,
        case_id=case_id,
        values={f: row.values[f] for f in PERSON_FIELDS if f in changed},
    )
    legal = {f: row.values[f] for f in LEGAL_FIELDS if f in changed}
    if legal:
        status = session.get(LegalStatus, case_id) or LegalStatus(case_id=case_id)
        for name, value in legal.items():
            setattr(status, name, value)
        status.updated_at = utcnow()
        session.add(status)
    for column, table in NEED_COLUMNS.items():
        if column in changed:
            values = {"situation": row.values[column], "updated_on": today}
            need = session.get(table, case_id) or table.model_validate(
                {"case_id": case_id, **values}
            )
            need.sqlmodel_update(values)
            session.add(need)
    if "note" in changed:
        body = sealed_note(session, case_id=case_id, text=str(row.values["note"]))
        session.add(
            CaseNote(
                case_id=case_id,
                author_id=actor_id,
                organisation_id=stored.organisation_id,  # the importing organisation's case
                sealed_body=body,
            )
        )
    session.flush()
    store_case(session, case_id=case_id)


# Reports -----------------------------------------------------------------------------------

RESULT_COLUMNS = ("row", "reference", "status", "case_code", "errors")


# How a row's result reads on the import page.
STATUS_LABELS = {
    RowStatus.CREATED: N_("New case"),
    RowStatus.UPDATED: N_("Updated"),
    RowStatus.UNCHANGED: N_("Unchanged"),
    RowStatus.ERROR: N_("Error"),
}
ERRORS_HEADER = N_("Errors")


def result_rows(
    plan: ImportPlan,
    translate: Callable[[str], str] = lambda m: m,
    headers: Mapping[str, str] | None = None,
) -> list[dict[str, object]]:
    """One line per input row: ``row, reference, status, case_code, errors`` (and the
    possible duplicates, as case codes or other lines of the file). ``headers``: the file's
    header of each Waypoint column, which the errors name."""
    return [
        {
            "row": row.line,
            "reference": row.reference,
            "status": row.status.value,
            "case_code": row.case_code or "",
            "errors": "; ".join(p.text(translate, headers) for p in row.problems),
            "possible_duplicates": ", ".join(row.duplicates),
        }
        for row in plan.rows
    ]


def record_error_file(session: Session, *, actor: Actor, organisation_id: int, rows: int) -> None:
    """Audit one download of a dry run's error file: it holds the rows as the file had them,
    names included, so it is an export like any other (how many rows; never a value)."""
    _check_organisation(session, actor, organisation_id)
    record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity="import_errors",
        entity_id=organisation_id,
        detail=f"rows={rows}",
    )


def error_rows(
    plan: ImportPlan,
    table: Table,
    translate: Callable[[str], str] = lambda m: m,
    headers: Mapping[str, str] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """The rows with errors, as they were in the file, with the errors in a first column
    (named in the reader's language, each error after the file's own header): fix them there
    and import that file again."""
    by_line = dict(table.rows)
    rows = [
        ["; ".join(p.text(translate, headers) for p in row.problems), *by_line.get(row.line, [])]
        for row in plan.rows
        if row.status is RowStatus.ERROR
    ]
    return [translate(ERRORS_HEADER), *table.headers], rows
