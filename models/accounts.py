"""Accounts: password rules, sign-in with a lockout kept in the database, and changes.

streamlit-authenticator draws the form; the decision whether a sign-in succeeds is made here,
so that lockouts survive a restart and are shared by every app server.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import bcrypt
import sqlalchemy as sa
from sqlmodel import Session, col, select
from zxcvbn import zxcvbn

from models.access import Action, Actor, require
from models.audit import record
from models.enums import AuditAction, CaseStatus, Role
from models.errors import ValidationError
from models.i18n import N_, Language
from models.settings import LOCKOUT_DURATION, LOCKOUT_THRESHOLD, SIGN_IN_DELAY_MAX
from models.tables import Case, Organisation, User, id_of, utcnow

PASSWORD_MIN_CHARS = 12
PASSWORD_LONG_CHARS = 16  # shorter passwords need zxcvbn's top score
PASSWORD_MIN_SCORE = 3
PASSWORD_MAX_BYTES = 72  # bcrypt refuses longer input
COMMON_PASSWORDS_PATH = Path(__file__).with_name("common_passwords.txt")
BCRYPT_ROUNDS = 12


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def validate_password(
    password: str,
    *,
    username: str = "",
    user_inputs: Sequence[str] = (),
    field: str = "password",
) -> str:
    """The password as it will be set (surrounding spaces stripped, as at sign-in), or
    ``ValidationError`` unless it is acceptable for an account.

    Refused: shorter than 12 characters or longer than bcrypt's 72 bytes; on the list of
    common passwords; three or fewer distinct characters; containing the username; or
    guessable by zxcvbn, which is told the username, display name and organisation
    (``user_inputs``). zxcvbn must score it at least 3 (about 10^8 guesses), and 4 (10^10)
    when it is shorter than 16 characters: a short password has no length to spare, and
    zxcvbn scores word+year+symbols such as ``Summer2024!!`` a 3.
    """
    password = password.strip()
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
    inputs = _known_to_a_guesser(username, *user_inputs)
    needed = PASSWORD_MIN_SCORE if len(password) >= PASSWORD_LONG_CHARS else 4
    if (
        lowered in common_passwords()
        or len(set(lowered)) <= 3
        or (username and username.lower() in lowered)
        or zxcvbn(password, user_inputs=inputs)["score"] < needed
    ):
        raise ValidationError(
            field, N_("This password is too common or too easy to guess. Choose another.")
        )
    return password


DISPLAY_NAME_MAX = 120
# HTML, and the Markdown that Streamlit's text elements would turn into a link or an image
# (``](``, ``![``) or a colour or icon directive (``:red[``, ``:material/``).
_MARKUP = re.compile(r"[<>]|&#?\w+;|\]\(|!\[|:[A-Za-z-]+\[|:material/")
_FORMULA_START = tuple("=+-@\t\r")


def plain_name(field: str, name: str) -> None:
    """Refuse a name (of a person or an organisation) that holds markup or starts like a
    spreadsheet formula. The second wall: figures and tables escape every string anyway."""
    if name.startswith(_FORMULA_START) or _MARKUP.search(name):
        raise ValidationError(field, N_("Use letters, digits and ordinary punctuation."))


def _known_to_a_guesser(*texts: str) -> list[str]:
    """Each text whole, run together, and word by word: zxcvbn matches its user inputs as
    whole tokens, and ``GulnaraAbenova`` should count as known when the name is."""
    known: set[str] = set()
    for text in texts:
        words = text.split()
        if words:
            known.update({text.strip(), "".join(words), *words})
    return sorted(known)


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
    """What happened, for the audit and the tests. Users are told one thing for every
    outcome but ``OK``, so that nobody learns which accounts exist or are locked."""

    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"
    TOO_SOON = "too_soon"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: dt.datetime | None = None


def _actor_for_audit(user: User) -> Actor:
    return Actor.of(user)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def slowdown(failures: int) -> dt.timedelta:
    """How long after the ``failures``-th failure in a row the next attempt must wait:
    1, 2, 4, 8... seconds, at most ``SIGN_IN_DELAY_MAX``."""
    if failures <= 0:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** min(failures - 1, 16)), SIGN_IN_DELAY_MAX)


def lock_account(session: Session, *, user_id: int) -> None:
    """Lock the account until the caller's transaction ends (see ``_locked_account``): what
    is counted per account (failed passwords, name checks) is counted one at a time."""
    session.execute(
        sa.update(User)
        .where(col(User.id) == user_id)
        .values(failed_logins=col(User.failed_logins))
        .execution_options(synchronize_session=False)
    )


def _locked_account(session: Session, *, user_id: int) -> User:
    """The account as committed now, locked until the caller's transaction ends.

    Every attempt at a password reads the slowdown and the lock, and counts its failure,
    under this lock: parallel attempts at one account are decided one after the other, each
    seeing the failures counted before it, instead of all passing the slowdown check and
    each writing back its own ``failed_logins + 1``. The lock is taken by a write that
    changes nothing (as a case's version bump is, ``models.cases``): it locks the row on
    PostgreSQL, and the database on SQLite, which has no row locks."""
    lock_account(session, user_id=user_id)
    statement = select(User).where(col(User.id) == user_id)
    return session.exec(statement.execution_options(populate_existing=True)).one()


def count_failure(session: Session, *, user: User, now: dt.datetime, detail: str) -> bool:
    """Count one failed password check of ``user`` (at sign-in, or of the current password
    on My account), read with ``_locked_account``: audit it, slow the next attempt down, and
    lock the account at the threshold. Returns whether the account is now locked. The
    caller commits."""
    user.failed_logins += 1
    actor = _actor_for_audit(user)
    record(
        session,
        actor=actor,
        action=AuditAction.SIGN_IN_FAILED,
        entity="user",
        entity_id=user.id,
        detail=detail,
    )
    user.sign_in_not_before = now + slowdown(user.failed_logins)
    locked = user.failed_logins >= LOCKOUT_THRESHOLD
    if locked:
        user.locked_until = now + LOCKOUT_DURATION
        user.failed_logins = 0
        user.sign_in_not_before = None
        record(
            session,
            actor=actor,
            action=AuditAction.ACCOUNT_LOCKED,
            entity="user",
            entity_id=user.id,
            detail=f"{LOCKOUT_THRESHOLD} failed password checks",
        )
    session.add(user)
    return locked


def _password_matches(password: str, password_hash: str) -> bool:
    """The password as set (surrounding spaces stripped), or, for an account whose password
    was set before spaces were stripped, exactly as typed.

    Both forms are checked whenever they differ, even after the first matched, so the number
    of bcrypt checks depends on the typed password alone. Every sign-in attempt calls this
    once, against ``_DUMMY_HASH`` for an unknown username, so that the time taken does not
    tell an unknown account from a real one."""
    stripped = password.strip()
    as_set = check_password(stripped, password_hash)
    if stripped == password:
        return as_set
    as_typed = check_password(password, password_hash)
    return as_set or as_typed


def sign_in(
    session: Session, *, username: str, password: str, now: dt.datetime | None = None
) -> SignInResult:
    """Check a sign-in attempt, update the failure count, slowdown and lock, and audit it.

    After each failure the next attempt must wait (``slowdown``); an earlier attempt is
    refused whatever the password and counts for nothing. Five failures in a row lock the
    account for fifteen minutes. Attempts at one account are decided one at a time, on the
    account as it is then (``_locked_account``), so that parallel attempts guess no faster.
    Every path costs the same bcrypt checks for the same typed password
    (``_password_matches``), so the time taken does not tell an unknown or inactive user
    from a locked, slowed-down or real one; the dashboard shows one message for every
    outcome but ``OK``. The caller commits ``session``.
    """
    now = now or utcnow()
    user = user_by_username(session, username)
    # Checked before the account is locked: a lock held through bcrypt would queue every
    # attempt at the account behind the others' checks. Only a result decided under the
    # lock is acted on.
    checked_hash = user.password_hash if user is not None else _DUMMY_HASH
    matches = _password_matches(password, checked_hash)
    if user is not None:
        user = _locked_account(session, user_id=id_of(user))
    if user is None or not user.active:
        record(
            session,
            actor=_actor_for_audit(user) if user else None,
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            entity_id=user.id if user else None,
            detail="inactive account" if user else "unknown username",
        )
        return SignInResult(SignInOutcome.INVALID)
    locked_until = _aware(user.locked_until)
    not_before = _aware(user.sign_in_not_before)
    if (locked_until is not None and locked_until > now) or (
        not_before is not None and not_before > now
    ):
        locked = locked_until is not None and locked_until > now
        record(
            session,
            actor=_actor_for_audit(user),
            action=AuditAction.SIGN_IN_FAILED,
            entity="user",
            entity_id=user.id,
            detail="account locked" if locked else "too soon after a failure",
        )
        if locked:
            return SignInResult(SignInOutcome.LOCKED, user, locked_until)
        return SignInResult(SignInOutcome.TOO_SOON, user)
    # Wrong, or checked against a password that was changed meanwhile.
    if not matches or user.password_hash != checked_hash:
        if count_failure(session, user=user, now=now, detail="wrong password"):
            return SignInResult(SignInOutcome.LOCKED, user, user.locked_until)
        return SignInResult(SignInOutcome.INVALID, user)
    user.failed_logins = 0
    user.locked_until = None
    user.sign_in_not_before = None
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
    return session.exec(select(User).where(col(User.username) == username.strip().lower())).first()


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
    display = " ".join(display_name.split())
    if not display or len(display) > DISPLAY_NAME_MAX:
        raise ValidationError("display_name", N_("Enter a name of 1 to 120 characters."))
    plain_name("display_name", display)
    if role != Role.ADMIN and role != Role.FUNDER and organisation_id is None:
        raise ValidationError("organisation", N_("Choose the organisation this person works for."))
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id is not None and organisation is None:
        raise ValidationError("organisation", N_("This organisation does not exist."))
    password = validate_password(
        password, username=name, user_inputs=(display, organisation.name if organisation else "")
    )
    if user_by_username(session, name) is not None:
        raise ValidationError("username", N_("This username is already taken."))
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


class PasswordChange(StrEnum):
    CHANGED = "changed"
    WRONG_CURRENT = "wrong_current"  # counted towards the lock
    LOCKED = "locked"  # that failure locked the account: end the session


def _user_inputs(session: Session, user: User) -> tuple[str, str]:
    """What zxcvbn should treat as known to a guesser: the display name and organisation."""
    organisation = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return user.display_name, organisation.name if organisation else ""


def change_own_password(
    session: Session,
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    now: dt.datetime | None = None,
) -> PasswordChange:
    """Change the signed-in user's password after checking the current one.

    A wrong current password is a failed password check like a failed sign-in: counted,
    audited, slowing and at the threshold locking the account. It is reported in the
    result, not raised, so that the caller's transaction commits the count. Bad new
    passwords raise ``ValidationError`` with nothing written."""
    now = now or utcnow()
    user = session.get(User, actor.id)
    if user is None:
        raise ValidationError("current_password", N_("The current password is not correct."))
    # As at sign-in: checked before the lock, acted on only as decided under it.
    checked_hash = user.password_hash
    matches = _password_matches(current_password, checked_hash)
    user = _locked_account(session, user_id=actor.id)
    not_before = _aware(user.sign_in_not_before)
    if not_before is not None and not_before > now:
        # Guessing faster than sign-in allows is refused whatever the password, as at sign-in.
        return PasswordChange.WRONG_CURRENT
    if not matches or user.password_hash != checked_hash:
        locked = count_failure(session, user=user, now=now, detail="wrong current password")
        return PasswordChange.LOCKED if locked else PasswordChange.WRONG_CURRENT
    new_password = validate_password(
        new_password,
        username=user.username,
        user_inputs=_user_inputs(session, user),
        field="new_password",
    )
    if _password_matches(new_password, user.password_hash):
        raise ValidationError(
            "new_password", N_("Choose a password different from the current one.")
        )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.sign_in_not_before = None
    session.add(user)
    record(
        session, actor=actor, action=AuditAction.PASSWORD_CHANGED, entity="user", entity_id=user.id
    )
    return PasswordChange.CHANGED


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password for someone, which also lifts any lock."""
    require(actor, Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError("user", N_("This account does not exist."))
    new_password = validate_password(
        new_password,
        username=user.username,
        user_inputs=_user_inputs(session, user),
        field="new_password",
    )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.sign_in_not_before = None
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
    user.sign_in_not_before = None
    session.add(user)
    record(
        session, actor=actor, action=AuditAction.ACCOUNT_UNLOCKED, entity="user", entity_id=user.id
    )


def set_language(session: Session, *, actor: Actor, language: Language) -> None:
    """Remember the user's language for their next sign-in."""
    session.execute(sa.update(User).where(col(User.id) == actor.id).values(language=language))


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
        .where(col(Case.caseworker_id) == user_id, col(Case.status) == CaseStatus.OPEN)
        .values(caseworker_id=None, version=col(Case.version) + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def create_organisation(session: Session, *, actor: Actor, name: str) -> Organisation:
    """Add an organisation; names are unique (ignoring case and surrounding spaces)."""
    require(actor, Action.MANAGE_USERS)
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValidationError("name", N_("Enter a name of 1 to 200 characters."))
    plain_name("name", clean)
    taken = session.exec(
        select(Organisation).where(sa.func.lower(col(Organisation.name)) == clean.lower())
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


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(col(Organisation.name))).all())


def active_actor(session: Session, *, user_id: int) -> Actor | None:
    """The account ``user_id`` as it is now (role and organisation included); ``None`` when
    it no longer exists or is deactivated."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return Actor.of(user)


@dataclass(frozen=True)
class AccountSummary:
    """What the "My account" page shows of the signed-in user."""

    username: str
    display_name: str
    organisation: str | None


def account_summary(session: Session, *, actor: Actor) -> AccountSummary | None:
    """The actor's own account; ``None`` when it no longer exists."""
    user = session.get(User, actor.id)
    if user is None:
        return None
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    return AccountSummary(
        username=user.username,
        display_name=user.display_name,
        organisation=organisation.name if organisation else None,
    )


@dataclass(frozen=True)
class AccountRow:
    """One account as the admin page lists it."""

    id: int
    username: str
    display_name: str
    role: Role
    organisation_id: int | None
    organisation: str
    active: bool
    locked: bool


ACCOUNTS_PAGE_SIZE = 50
ACCOUNT_SEARCH_MAX_CHARS = 100


@dataclass(frozen=True)
class AccountFilters:
    """What the admin's list of accounts is narrowed to; ``None`` means any."""

    search: str = ""  # part of the username or the name, in any case
    role: Role | None = None
    organisation_id: int | None = None


@dataclass(frozen=True)
class AccountPage:
    rows: list[AccountRow]
    total: int  # accounts matching the filters
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _folded(column: sa.ColumnExpressionArgument[str], dialect: str) -> sa.ColumnElement[str]:
    """``column`` in lower case, Cyrillic included: SQLite's own ``lower`` folds ASCII only,
    so there the connection's ``unicode_lower`` (``models.database``) is used."""
    return sa.func.unicode_lower(column) if dialect == "sqlite" else sa.func.lower(column)


def account_page(
    session: Session,
    *,
    actor: Actor,
    filters: AccountFilters,
    page: int = 1,
    page_size: int = ACCOUNTS_PAGE_SIZE,
) -> AccountPage:
    """One page of the accounts (admins only) matching ``filters``, by username, with their
    organisation's name; ``locked``: locked out at this moment. The filters and the paging
    run in SQL, so a network of thousands of accounts costs one page."""
    require(actor, Action.MANAGE_USERS)
    dialect = session.get_bind().dialect.name
    conditions: list[sa.ColumnElement[bool]] = []
    text = " ".join(filters.search.split())[:ACCOUNT_SEARCH_MAX_CHARS].lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            sa.or_(
                _folded(col(User.username), dialect).like(pattern, escape="\\"),
                _folded(col(User.display_name), dialect).like(pattern, escape="\\"),
            )
        )
    if filters.role is not None:
        conditions.append(col(User.role) == filters.role)
    if filters.organisation_id is not None:
        conditions.append(col(User.organisation_id) == filters.organisation_id)
    total = int(
        session.execute(
            sa.select(sa.func.count()).select_from(User).where(*conditions)
        ).scalar_one()
    )
    page = max(1, min(page, max(1, -(-total // page_size))))
    users = session.execute(
        sa.select(User, col(Organisation.name))
        .outerjoin(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(*conditions)
        .order_by(col(User.username))
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    now = utcnow()
    rows = []
    for user, organisation in users:
        assert user.id is not None
        locked_until = _aware(user.locked_until)
        rows.append(
            AccountRow(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                role=Role(user.role),
                organisation_id=user.organisation_id,
                organisation=organisation or "",
                active=user.active,
                locked=locked_until is not None and locked_until > now,
            )
        )
    return AccountPage(rows, total, page, page_size)
