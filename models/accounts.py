"""Accounts: password rules, sign-in with a lockout kept in the database, and changes.

streamlit-authenticator draws the form; the decision whether a sign-in succeeds is made here,
so that lockouts survive a restart and are shared by every app server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import bcrypt
import sqlalchemy as sa
from sqlmodel import Session, select

from models.access import Action, Actor, require
from models.audit import record
from models.enums import AuditAction, CaseStatus, Role
from models.i18n import N_, Language
from models.settings import LOCKOUT_DURATION, LOCKOUT_THRESHOLD
from models.tables import Case, Organisation, User, utcnow

PASSWORD_MIN_CHARS = 12
PASSWORD_MAX_BYTES = 72  # bcrypt refuses longer input
COMMON_PASSWORDS_PATH = Path(__file__).with_name("common_passwords.txt")
BCRYPT_ROUNDS = 12


class ValidationError(ValueError):
    """Bad input, with a message for the user keyed by the field it concerns.

    ``messages`` maps field name to an English message id (translated by the dashboard) and
    ``params`` holds the values to format into it.
    """

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.messages = {field: message}
        self.params = {field: params}


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def validate_password(password: str, *, username: str = "", field: str = "password") -> None:
    """Raise ``ValidationError`` unless ``password`` is acceptable for an account."""
    if len(password) < PASSWORD_MIN_CHARS:
        raise ValidationError(
            field, N_("Use at least {count} characters."), count=PASSWORD_MIN_CHARS
        )
    if len(password.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise ValidationError(
            field,
            N_("Use at most {count} bytes (Cyrillic letters take two)."),
            count=PASSWORD_MAX_BYTES,
        )
    lowered = password.lower()
    if (
        lowered in common_passwords()
        or len(set(lowered)) <= 3
        or (username and username.lower() in lowered)
    ):
        raise ValidationError(
            field, N_("This password is too common or too easy to guess. Choose another.")
        )


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def check_password(password: str, password_hash: str) -> bool:
    encoded = password.encode("utf-8")
    if len(encoded) > PASSWORD_MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode())
    except ValueError:
        return False


# A hash of nothing anyone can type, checked for unknown users so that timing does not
# reveal which usernames exist.
_DUMMY_HASH = bcrypt.hashpw(b"\x00 no such user \x00", bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


class SignInOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: dt.datetime | None = None


def _actor_for_audit(user: User) -> Actor:
    return Actor.of(user)


def sign_in(
    session: Session, *, username: str, password: str, now: dt.datetime | None = None
) -> SignInResult:
    """Check a sign-in attempt, update the failure count and lock, and audit it.

    Five failures in a row lock the account for fifteen minutes. An unknown user and a
    wrong password give the same answer. The caller commits ``session``.
    """
    now = now or utcnow()
    name = username.strip().lower()
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None or not user.active:
        check_password(password, _DUMMY_HASH)
        record(
            session,
            actor=_actor_for_audit(user) if user else None,
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            entity_id=user.id if user else None,
            detail="inactive account" if user else "unknown username",
        )
        return SignInResult(SignInOutcome.INVALID)
    if user.locked_until is not None and user.locked_until > now:
        record(
            session,
            actor=_actor_for_audit(user),
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            entity_id=user.id,
            detail="account locked",
        )
        return SignInResult(SignInOutcome.LOCKED, user, user.locked_until)
    if not check_password(password, user.password_hash):
        user.failed_logins += 1
        actor = _actor_for_audit(user)
        record(
            session,
            actor=actor,
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            entity_id=user.id,
            detail="wrong password",
        )
        if user.failed_logins >= LOCKOUT_THRESHOLD:
            user.locked_until = now + LOCKOUT_DURATION
            user.failed_logins = 0
            session.add(user)
            record(
                session,
                actor=actor,
                action=AuditAction.ACCOUNT_LOCKED,
                entity="user",
                entity_id=user.id,
                detail=f"{LOCKOUT_THRESHOLD} failed sign-ins",
            )
            return SignInResult(SignInOutcome.LOCKED, user, user.locked_until)
        session.add(user)
        return SignInResult(SignInOutcome.INVALID, user)
    user.failed_logins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    session.add(user)
    record(
        session,
        actor=_actor_for_audit(user),
        action=AuditAction.SIGN_IN,
        entity="user",
        entity_id=user.id,
    )
    return SignInResult(SignInOutcome.OK, user)


def user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip().lower())).first()


def validate_username(username: str) -> str:
    name = username.strip().lower()
    if not (3 <= len(name) <= 64) or not all(
        c.isascii() and (c.isalnum() or c in "._-") for c in name
    ):
        raise ValidationError(
            "username",
            N_("Use 3 to 64 Latin letters, digits, dots, dashes or underscores."),
        )
    return name


def create_user(
    session: Session,
    *,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: Role,
    organisation_id: int | None,
    password: str,
    language: Language = Language.EN,
) -> User:
    """Create an account; ``actor`` is ``None`` only for the command line."""
    if actor is not None:
        require(actor, Action.MANAGE_USERS)
    name = validate_username(username)
    display = display_name.strip()
    if not display or len(display) > 120:
        raise ValidationError("display_name", N_("Enter a name of 1 to 120 characters."))
    validate_password(password, username=name)
    if user_by_username(session, name) is not None:
        raise ValidationError("username", N_("This username is already taken."))
    if role != Role.ADMIN and role != Role.FUNDER and organisation_id is None:
        raise ValidationError("organisation", N_("Choose the organisation this person works for."))
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise ValidationError("organisation", N_("This organisation does not exist."))
    user = User(
        username=name,
        display_name=display,
        role=role,
        organisation_id=organisation_id,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        language=language,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity="user",
        entity_id=user.id,
        fields=("username", "display_name", "role", "organisation_id"),
    )
    return user


def change_own_password(
    session: Session, *, actor: Actor, current_password: str, new_password: str
) -> None:
    """Change the signed-in user's password after checking the current one."""
    user = session.get(User, actor.id)
    if user is None or not check_password(current_password, user.password_hash):
        raise ValidationError("current_password", N_("The current password is not correct."))
    if current_password == new_password:
        raise ValidationError(
            "new_password", N_("Choose a password different from the current one.")
        )
    validate_password(new_password, username=user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    session.add(user)
    record(
        session, actor=actor, action=AuditAction.PASSWORD_CHANGED, entity="user", entity_id=user.id
    )


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password for someone, which also lifts any lock."""
    require(actor, Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError("user", N_("This account does not exist."))
    validate_password(new_password, username=user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    record(
        session, actor=actor, action=AuditAction.PASSWORD_RESET, entity="user", entity_id=user.id
    )


def unlock(session: Session, *, actor: Actor, user_id: int) -> None:
    require(actor, Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError("user", N_("This account does not exist."))
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    record(
        session, actor=actor, action=AuditAction.ACCOUNT_UNLOCKED, entity="user", entity_id=user.id
    )


def set_language(session: Session, *, actor: Actor, language: Language) -> None:
    """Remember the user's language for their next sign-in."""
    session.execute(
        sa.update(User).where(User.id == actor.id).values(language=language)  # type: ignore[arg-type]
    )


# Administration --------------------------------------------------------------------------


def _managed_user(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError("user", N_("This account does not exist."))
    return user


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate or reactivate an account; an admin cannot deactivate themselves. A
    deactivated user is signed out at their next click (``auth.current_actor``)."""
    user = _managed_user(session, actor, user_id)
    if not active and user.id == actor.id:
        raise ValidationError("user", N_("You cannot deactivate your own account."))
    user.active = active
    session.add(user)
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="user",
        entity_id=user.id,
        fields=("active",),
        detail="reactivated" if active else "deactivated",
    )


def change_role(
    session: Session, *, actor: Actor, user_id: int, role: Role, organisation_id: int | None
) -> int:
    """Give an account another role (and organisation); returns how many open cases were
    unassigned. Cases assigned to a caseworker who stops being one stay assigned until a
    coordinator reassigns them. A move to another organisation unassigns every open case
    assigned to the account, in this same transaction, audited as ORGANISATION_MOVED with
    the count only (the visibility gate already hides those cases from the moved account)."""
    user = _managed_user(session, actor, user_id)
    if user.id == actor.id and role != Role.ADMIN:
        raise ValidationError("role", N_("You cannot remove your own administrator role."))
    if role not in (Role.ADMIN, Role.FUNDER) and organisation_id is None:
        raise ValidationError("organisation", N_("Choose the organisation this person works for."))
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise ValidationError("organisation", N_("This organisation does not exist."))
    changed = [
        name
        for name, value in (("role", role), ("organisation_id", organisation_id))
        if getattr(user, name) != value
    ]
    moved = "organisation_id" in changed
    user.role = role
    user.organisation_id = organisation_id
    session.add(user)
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="user",
        entity_id=user.id,
        fields=changed,
    )
    if not moved:
        return 0
    unassigned = _unassign_open_cases(session, user_id=user_id)
    record(
        session,
        actor=actor,
        action=AuditAction.ORGANISATION_MOVED,
        entity="user",
        entity_id=user.id,
        fields=("organisation_id",),
        detail=f"{unassigned} open cases unassigned",
    )
    return unassigned


def _unassign_open_cases(session: Session, *, user_id: int) -> int:
    """Take every open case off ``user_id``, bumping each case's version so that a form
    opened before the move is refused as stale rather than saved over the change."""
    result = session.execute(
        sa.update(Case)
        .where(
            Case.caseworker_id == user_id,  # type: ignore[arg-type]
            Case.status == CaseStatus.OPEN,  # type: ignore[arg-type]
        )
        .values(caseworker_id=None, version=Case.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def create_organisation(session: Session, *, actor: Actor, name: str) -> Organisation:
    """Add an organisation; names are unique (ignoring case and surrounding spaces)."""
    require(actor, Action.MANAGE_USERS)
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValidationError("name", N_("Enter a name of 1 to 200 characters."))
    if clean[0] in "=+-@" or "<" in clean:
        raise ValidationError("name", N_("Use letters, digits and ordinary punctuation."))
    taken = session.exec(
        select(Organisation).where(sa.func.lower(Organisation.name) == clean.lower())
    ).first()
    if taken is not None:
        raise ValidationError("name", N_("An organisation with this name exists."))
    organisation = Organisation(name=clean)
    session.add(organisation)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity="organisation",
        entity_id=organisation.id,
        fields=("name",),
    )
    return organisation


def set_organisation_active(
    session: Session, *, actor: Actor, organisation_id: int, active: bool
) -> None:
    """Mark an organisation active or inactive (its cases and accounts are kept)."""
    require(actor, Action.MANAGE_USERS)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationError("organisation", N_("This organisation does not exist."))
    organisation.active = active
    session.add(organisation)
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="organisation",
        entity_id=organisation.id,
        fields=("active",),
    )


def list_accounts(session: Session, *, actor: Actor) -> list[tuple[User, str]]:
    """Every account with its organisation's name, for the admin page."""
    require(actor, Action.MANAGE_USERS)
    rows = session.execute(
        sa.select(User, Organisation.name)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)  # type: ignore[arg-type]
        .order_by(User.username)
    ).all()
    return [(row[0], row[1] or "") for row in rows]


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.name)).all())
