"""Urgent purge: make a person unrecoverable now, by destroying their data key.

``purge_case`` (one database transaction, committed by the caller):
1. checks the actor (coordinators for their own organisation, admins for any: the roles that
   may close cases) and the confirmation (the case code typed again);
2. lists the exports that included the case, from the audit trail, so copies can be chased;
3. deletes the person (sealed identity), the blind-index tokens and the notes of the case,
   and keeps the de-identified case facts; or deletes the whole case when asked;
4. writes a tombstone (``purge_ledger``) and an audit row: who, when, why; never a value;
5. destroys the data key in the key store (committed there at once, before the case database
   commits: if that commit then failed, the leftover ciphertext is already unreadable and the
   key store's record of the destruction purges it at the next ``reapply_purges``).
After the commit, ``scrub(engine)`` empties SQLite's write-ahead log, and the caller clears
its caches. ``purge_now`` does all of it for the command line and the page.

``reapply_purges`` re-applies every recorded purge (the ledger of the database and the key
store's list of destroyed keys) to a database that may have come back from a backup or a
copied file: identities whose key is gone, or that the ledger names, are deleted again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.access import Action, Actor, PermissionDenied, case_scope, permits
from models.audit import record
from models.database import session_scope
from models.enums import AuditAction, PurgeReason
from models.errors import ValidationError
from models.i18n import N_
from models.identity.crypto import vault_for
from models.tables import (
    AuditEvent,
    Case,
    CaseNote,
    DuplicateCandidate,
    Person,
    PersonToken,
    PurgeLedger,
    utcnow,
)


class CaseNotFound(LookupError):
    """No such case, or not one the actor may purge: the two are never told apart."""


@dataclass(frozen=True)
class ExportRecord:
    """An export that may hold a copy of the case (from the audit trail)."""

    at: dt.datetime
    username: str | None
    entity: str


@dataclass(frozen=True)
class PurgeResult:
    case_code: str
    whole_case: bool
    exports: list[ExportRecord]


def may_purge(actor: Actor) -> bool:
    """Whether the actor's role may purge identities (in the cases of their scope)."""
    return permits(actor, Action.CLOSE_CASE)


def exports_including(session: Session, case: Case) -> list[ExportRecord]:
    """Exports that included ``case``: those recorded against it, and every audit-trail
    export by its organisation or an administrator since it was opened (they list case ids)."""
    rows = session.exec(
        select(AuditEvent)
        .where(
            col(AuditEvent.action) == AuditAction.EXPORT,
            sa.or_(
                col(AuditEvent.case_id) == case.id,
                sa.and_(
                    col(AuditEvent.entity) == "audit_event",
                    col(AuditEvent.at) >= case.created_at,
                    sa.or_(
                        col(AuditEvent.organisation_id) == case.organisation_id,
                        col(AuditEvent.organisation_id).is_(None),
                    ),
                ),
            ),
        )
        .order_by(col(AuditEvent.at))
    ).all()
    return [ExportRecord(r.at, r.username, r.entity) for r in rows]


def _delete_identity(session: Session, case_id: int) -> None:
    person_ids = select(col(Person.id)).where(col(Person.case_id) == case_id)
    session.execute(sa.delete(PersonToken).where(col(PersonToken.person_id).in_(person_ids)))
    session.execute(sa.delete(CaseNote).where(col(CaseNote.case_id) == case_id))
    session.execute(sa.delete(Person).where(col(Person.case_id) == case_id))
    # Its pairs in the duplicates review queue: nobody is left to compare.
    session.execute(
        sa.delete(DuplicateCandidate).where(
            sa.or_(
                col(DuplicateCandidate.case_a_id) == case_id,
                col(DuplicateCandidate.case_b_id) == case_id,
            )
        )
    )


def purge_case(
    session: Session,
    *,
    actor: Actor | None,
    code: str,
    confirmation: str,
    reason: PurgeReason,
    whole_case: bool = False,
    action: AuditAction = AuditAction.PURGE,
) -> PurgeResult:
    """Purge the identity of case ``code`` (see the module docstring). ``actor`` ``None`` is
    the system (command line, retention). Raises ``PermissionDenied``, ``CaseNotFound`` or
    ``ValidationError`` (nothing written)."""
    if actor is not None and not may_purge(actor):
        raise PermissionDenied(Action.CLOSE_CASE)
    code = code.strip().upper()
    if confirmation.strip().upper() != code or not code:
        raise ValidationError("confirmation", N_("Type the case code exactly to confirm."))
    try:
        reason = PurgeReason(reason)
    except ValueError:
        raise ValidationError("reason", N_("Choose one of the listed values.")) from None
    query = select(Case).where(col(Case.code) == code)
    if actor is not None:
        query = query.where(case_scope(actor))
    case = session.exec(query.with_for_update()).first()
    if case is None or case.id is None:
        raise CaseNotFound(code)
    person = session.exec(select(Person).where(col(Person.case_id) == case.id)).first()
    if person is None and not whole_case:
        raise ValidationError("confirmation", N_("This case's identity was already purged."))
    exports = exports_including(session, case)
    case_id, organisation_id = case.id, case.organisation_id
    _delete_identity(session, case_id)
    if whole_case:
        session.execute(sa.delete(Case).where(col(Case.id) == case_id))
    else:
        case.version += 1
        case.updated_at = utcnow()  # changes the data stamp: other servers drop their caches
        session.add(case)
    key_id = person.key_id if person is not None else f"none-{case_id}"
    session.add(
        PurgeLedger(
            case_code=code,
            organisation_id=organisation_id,
            key_id=key_id,
            whole_case=whole_case,
            reason=reason,
            user_id=actor.id if actor else None,
            username=actor.username if actor else None,
        )
    )
    record(
        session,
        actor=actor,
        action=action,
        entity="case" if whole_case else "person",
        entity_id=code,
        case_id=None if whole_case else case_id,
        fields=("identity", "notes", "name_index", *(("case",) if whole_case else ())),
        detail=reason.value,
    )
    session.flush()
    if person is not None:
        vault_for(session).keystore.destroy([(person.key_id, code, whole_case)])
    return PurgeResult(code, whole_case, exports)


def scrub(engine: sa.Engine) -> None:
    """SQLite: copy the write-ahead log into the file and truncate it, so the deleted pages'
    old versions are gone from the log (``secure_delete`` already zeroed them in the file)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def purge_now(
    engine: sa.Engine,
    *,
    actor: Actor | None,
    code: str,
    confirmation: str,
    reason: PurgeReason,
    whole_case: bool = False,
    action: AuditAction = AuditAction.PURGE,
) -> PurgeResult:
    """``purge_case`` in its own transaction, committed, then ``scrub``."""
    with session_scope(engine) as session:
        result = purge_case(
            session,
            actor=actor,
            code=code,
            confirmation=confirmation,
            reason=reason,
            whole_case=whole_case,
            action=action,
        )
    scrub(engine)
    return result


@dataclass(frozen=True)
class Reapplied:
    identities: int
    cases: int


def reapply_purges(engine: sa.Engine, *, ledger: list[PurgeLedger] | None = None) -> Reapplied:
    """Purge again everything recorded as purged: the entries of ``ledger`` (e.g. the live
    database's ledger before a restore) and of this database's own ledger, and every key the
    key store has destroyed. Idempotent; commits; then ``scrub``."""
    identities = cases = 0
    with session_scope(engine) as session:
        keystore = vault_for(session).keystore
        destroyed = {d.key_id: d for d in keystore.destroyed()}
        entries = {e.key_id: e for e in session.exec(select(PurgeLedger)).all()}
        missing = [e for e in (ledger or []) if e.key_id not in entries]
        for entry in missing:
            session.add(
                PurgeLedger(**{k: getattr(entry, k) for k in PurgeLedger.model_fields if k != "id"})
            )
        wanted: dict[str, tuple[str, bool]] = {
            key_id: (d.case_code, d.whole_case) for key_id, d in destroyed.items()
        }
        for entry in [*entries.values(), *missing]:
            wanted[entry.key_id] = (entry.case_code, entry.whole_case)
        codes = {code for code, _ in wanted.values()}
        rows = session.execute(
            sa.select(col(Case.id), col(Case.code), col(Person.key_id))
            .outerjoin(Person, col(Person.case_id) == col(Case.id))
            .where(
                sa.or_(
                    col(Person.key_id).in_(list(wanted)),
                    col(Case.code).in_(codes),
                )
            )
        ).all()
        whole_codes = {code for code, whole in wanted.values() if whole}
        for case_id, code, key_id in rows:
            if key_id is not None and key_id in wanted:
                _delete_identity(session, case_id)
                identities += 1
            if code in whole_codes:
                _delete_identity(session, case_id)
                session.execute(sa.delete(Case).where(col(Case.id) == case_id))
                cases += 1
        # The keys named in the ledger go from the key store too (a restored key store).
        keystore.destroy([(k, code, whole) for k, (code, whole) in wanted.items()])
    scrub(engine)
    return Reapplied(identities, cases)
