"""Passwords, sign-in and the lockout that lives in the database."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models.access import Actor
from models.accounts import (
    PasswordChange,
    SignInOutcome,
    change_own_password,
    create_user,
    reset_password,
    sign_in,
    unlock,
    validate_password,
)
from models.database import make_engine, session_scope
from models.enums import AuditAction, Role
from models.errors import ValidationError
from models.settings import LOCKOUT_DURATION, LOCKOUT_THRESHOLD
from models.tables import AuditEvent, User
from tests.factories import PASSWORD, actor_of, make_organisation, make_user

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def later(attempt: int) -> dt.datetime:
    """The time of the ``attempt``-th sign-in of a series that waits out every slowdown."""
    return NOW + dt.timedelta(minutes=attempt)


def _actions(session: Session) -> list[AuditAction]:
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "elevenchars",
        "password1234",
        "qwerty123456",
        "123456789012",
        "aaaaaaaaaaaaaaaa",
        "waypoint-demo",
        "й" * 37,
    ],
)
def test_weak_short_or_overlong_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password",
    ["mauve tram seventeen", "Пароль-на-русском-2026", ("mauve tram seventeen " * 4)[:72]],
)
def test_long_uncommon_passwords_are_accepted(password):
    validate_password(password)


def test_password_containing_the_username_is_refused():
    with pytest.raises(ValidationError):
        validate_password("anna-likes-long-passwords", username="anna")


def test_right_password_signs_in_resets_failures_and_audits(session):
    user = make_user(session, organisation=make_organisation(session), username="anna")
    user.failed_logins = 3
    result = sign_in(session, username=" Anna ", password=PASSWORD, now=NOW)
    session.commit()
    assert result.outcome is SignInOutcome.OK
    assert user.failed_logins == 0 and user.last_sign_in_at == NOW
    assert _actions(session) == [AuditAction.SIGN_IN]


def test_unknown_user_and_wrong_password_get_the_same_answer(session):
    make_user(session, organisation=make_organisation(session), username="anna")
    unknown = sign_in(session, username="boris", password=PASSWORD, now=NOW)
    wrong = sign_in(session, username="anna", password="not the password", now=NOW)
    assert unknown.outcome is wrong.outcome is SignInOutcome.INVALID
    events = session.exec(select(AuditEvent)).all()
    assert [e.action for e in events] == [AuditAction.SIGN_IN_FAILED] * 2
    assert events[0].username is None  # an unknown name is not written down


def test_five_failures_lock_the_account_for_fifteen_minutes(session):
    make_user(session, organisation=make_organisation(session), username="anna")
    outcomes = [
        sign_in(session, username="anna", password=f"wrong {i}", now=later(i)).outcome
        for i in range(5)
    ]
    assert outcomes == [SignInOutcome.INVALID] * 4 + [SignInOutcome.LOCKED]
    during = sign_in(
        session, username="anna", password=PASSWORD, now=later(4) + dt.timedelta(minutes=14)
    )
    assert during.outcome is SignInOutcome.LOCKED
    after = sign_in(
        session, username="anna", password=PASSWORD, now=later(4) + dt.timedelta(minutes=16)
    )
    assert after.outcome is SignInOutcome.OK
    assert _actions(session).count(AuditAction.ACCOUNT_LOCKED) == 1


def test_lock_survives_a_restart(database_url):
    first = make_engine(database_url)
    with Session(first) as session:
        make_user(session, organisation=make_organisation(session), username="anna")
        for i in range(5):
            sign_in(session, username="anna", password=f"wrong {i}", now=later(i))
        session.commit()
    first.dispose()
    restarted = make_engine(database_url)  # a new process would build a new engine
    with Session(restarted) as session:
        result = sign_in(
            session, username="anna", password=PASSWORD, now=NOW + dt.timedelta(minutes=1)
        )
        assert result.outcome is SignInOutcome.LOCKED
        assert result.locked_until == later(4) + dt.timedelta(minutes=15)
    restarted.dispose()


def test_inactive_account_cannot_sign_in(session):
    make_user(session, organisation=make_organisation(session), username="anna", active=False)
    assert sign_in(session, username="anna", password=PASSWORD).outcome is SignInOutcome.INVALID


def test_admin_unlock_and_reset_lift_the_lock(session):
    org = make_organisation(session)
    admin = actor_of(make_user(session, role=Role.ADMIN, organisation=org))
    user = make_user(session, organisation=org, username="anna")
    for i in range(5):
        sign_in(session, username="anna", password=f"wrong {i}", now=later(i))
    unlock(session, actor=admin, user_id=user.id)
    assert sign_in(session, username="anna", password=PASSWORD, now=NOW).outcome is SignInOutcome.OK
    reset_password(session, actor=admin, user_id=user.id, new_password="a fresh long secret")
    assert (
        sign_in(session, username="anna", password="a fresh long secret").outcome
        is SignInOutcome.OK
    )


def test_only_admins_reset_passwords(session):
    org = make_organisation(session)
    coordinator = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
    user = make_user(session, organisation=org)
    with pytest.raises(PermissionError):
        reset_password(
            session, actor=coordinator, user_id=user.id, new_password="a fresh long secret"
        )


def test_user_changes_own_password_only_with_the_current_one(session):
    user = make_user(session, organisation=make_organisation(session), username="anna")
    actor = actor_of(user)
    assert (
        change_own_password(
            session, actor=actor, current_password="wrong", new_password="a fresh long secret"
        )
        is PasswordChange.WRONG_CURRENT
    )
    user.sign_in_not_before = None  # the user waited out the slowdown
    assert (
        change_own_password(
            session, actor=actor, current_password=PASSWORD, new_password="a fresh long secret"
        )
        is PasswordChange.CHANGED
    )
    assert (
        sign_in(session, username="anna", password="a fresh long secret").outcome
        is SignInOutcome.OK
    )
    assert AuditAction.PASSWORD_CHANGED in _actions(session)


def test_create_user_validates_and_audits_without_the_password(session):
    org = make_organisation(session)
    with pytest.raises(ValidationError):
        create_user(
            session,
            actor=None,
            username="x",
            display_name="X",
            role=Role.CASEWORKER,
            organisation_id=org.id,
            password="a fresh long secret",
        )
    with pytest.raises(ValidationError):
        create_user(
            session,
            actor=None,
            username="vera",
            display_name="Вера",
            role=Role.CASEWORKER,
            organisation_id=None,
            password="a fresh long secret",
        )
    user = create_user(
        session,
        actor=None,
        username="Vera",
        display_name="Вера",
        role=Role.CASEWORKER,
        organisation_id=org.id,
        password="a fresh long secret",
    )
    assert user.username == "vera" and user.password_hash.startswith("$2")
    event = session.exec(select(AuditEvent)).one()
    assert "password" not in (event.fields or "") and "a fresh" not in str(event.detail)


def test_username_is_unique(session):
    org = make_organisation(session)
    make_user(session, organisation=org, username="anna")
    with pytest.raises(ValidationError) as refused:
        create_user(
            session,
            actor=None,
            username="ANNA",
            display_name="Anna",
            role=Role.CASEWORKER,
            organisation_id=org.id,
            password="a fresh long secret",
        )
    assert "username" in refused.value.messages


def test_actor_is_built_from_the_account(session):
    user = make_user(session, role=Role.COORDINATOR, organisation=make_organisation(session))
    assert Actor.of(user) == Actor(user.id, user.username, Role.COORDINATOR, user.organisation_id)
    assert isinstance(session.get(User, user.id), User)


# The review's findings (issue 16) -----------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Password123!", "P@ssw0rd1234", "Summer2024!!", "abcdabcdabcd", "July2025July"]
)
def test_passwords_the_common_list_let_through_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password",
    ["mauve tram seventeen", "Kx9#mP2vLq8z", "autumn 2026 rain", "Rasberry-Tulip-41"],
)
def test_strong_passwords_short_and_long_are_accepted(password):
    assert validate_password(password) == password


def test_the_display_name_and_organisation_count_as_known_to_a_guesser(session):
    # Strong for a stranger; made of the person's name and organisation, it is not.
    for password in ("GulnaraAbenova12", "AbenovaKazakhAid"):
        validate_password(password)
        with pytest.raises(ValidationError):
            validate_password(
                password, username="gabenova", user_inputs=("Gulnara Abenova", "Kazakh Aid")
            )
    org = make_organisation(session, name="Kazakh Aid")
    with pytest.raises(ValidationError):
        create_user(
            session,
            actor=None,
            username="gabenova",
            display_name="Gulnara Abenova",
            role=Role.CASEWORKER,
            organisation_id=org.id,
            password="AbenovaKazakhAid",
        )


def test_surrounding_spaces_are_stripped_when_set_and_at_sign_in(session):
    org = make_organisation(session)
    create_user(
        session,
        actor=None,
        username="anna",
        display_name="Anna",
        role=Role.CASEWORKER,
        organisation_id=org.id,
        password="  mauve tram seventeen ",
    )
    for attempt, typed in enumerate(["mauve tram seventeen", " mauve tram seventeen  "]):
        result = sign_in(session, username="anna", password=typed, now=later(attempt))
        assert result.outcome is SignInOutcome.OK
    # Too short once stripped: refused, as sign-in would never see the spaces.
    with pytest.raises(ValidationError):
        validate_password("   short-one   ")


def test_an_account_set_before_stripping_still_signs_in_with_its_spaces(session):
    make_user(
        session, organisation=make_organisation(session), username="anna", password=" old pass "
    )
    assert sign_in(session, username="anna", password=" old pass ").outcome is SignInOutcome.OK


def test_failed_sign_ins_slow_the_next_attempt_progressively(session):
    user = make_user(session, organisation=make_organisation(session), username="anna")
    waits = []
    moment = NOW
    for i in range(4):
        assert sign_in(session, username="anna", password=f"wrong {i}", now=moment).outcome is (
            SignInOutcome.INVALID
        )
        waits.append(user.sign_in_not_before - moment)
        # Too soon: refused unchecked, even with the right password, and not counted.
        early = moment + waits[-1] - dt.timedelta(milliseconds=1)
        assert sign_in(session, username="anna", password=PASSWORD, now=early).outcome is (
            SignInOutcome.TOO_SOON
        )
        assert user.failed_logins == i + 1
        moment += waits[-1]
    assert waits == [dt.timedelta(seconds=s) for s in (1, 2, 4, 8)]
    assert sign_in(session, username="anna", password=PASSWORD, now=moment).outcome is (
        SignInOutcome.OK
    )
    assert user.failed_logins == 0 and user.sign_in_not_before is None


def test_wrong_current_passwords_on_my_account_count_towards_the_lock(session):
    user = make_user(session, organisation=make_organisation(session), username="anna")
    actor = actor_of(user)
    outcomes = []
    for i in range(5):
        user.sign_in_not_before = None  # each attempt after the slowdown
        outcomes.append(
            change_own_password(
                session,
                actor=actor,
                current_password=f"guess {i}",
                new_password="a fresh long secret",
                now=later(i),
            )
        )
    session.commit()
    assert outcomes == [PasswordChange.WRONG_CURRENT] * 4 + [PasswordChange.LOCKED]
    assert user.locked_until is not None
    assert _actions(session).count(AuditAction.SIGN_IN_FAILED) == 5
    assert AuditAction.ACCOUNT_LOCKED in _actions(session)
    assert AuditAction.PASSWORD_CHANGED not in _actions(session)
    # And a sign-in during the lock is refused.
    assert sign_in(session, username="anna", password=PASSWORD, now=later(5)).outcome is (
        SignInOutcome.LOCKED
    )


def test_a_sign_in_costs_the_same_bcrypt_checks_whatever_the_account(session, monkeypatch):
    org = make_organisation(session)
    make_user(session, organisation=org, username="anna")
    make_user(session, organisation=org, username="gone", active=False)
    make_user(session, organisation=org, username="locked").locked_until = later(5)
    make_user(session, organisation=org, username="slowed").sign_in_not_before = later(5)
    checks = 0
    real_checkpw = bcrypt.checkpw

    def counted_checkpw(password: bytes, hashed: bytes) -> bool:
        nonlocal checks
        checks += 1
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counted_checkpw)
    counts: dict[str, set[int]] = {}
    typings = ("a wrong guess", "  a wrong guess ", PASSWORD, f" {PASSWORD}  ")
    for attempt, typed in enumerate(typings):  # anna waits out each slowdown
        for username in ("nobody", "gone", "locked", "slowed", "anna"):
            checks = 0
            sign_in(session, username=username, password=typed, now=later(attempt))
            counts.setdefault(typed, set()).add(checks)
    # Only what was typed sets the cost: surrounding spaces mean two forms to check.
    assert counts == {
        "a wrong guess": {1},
        "  a wrong guess ": {2},
        PASSWORD: {1},
        f" {PASSWORD}  ": {2},
    }


PARALLEL_GUESSES = 10  # within the connection pool, so that all of them run at once


def _guesses_at_once(engine: sa.Engine, *, now: dt.datetime) -> list[SignInOutcome]:
    """The outcomes of ``PARALLEL_GUESSES`` wrong passwords for anna sent together, each in
    its own thread, session and transaction, as from as many browsers."""
    start = threading.Barrier(PARALLEL_GUESSES)

    def guess(number: int) -> SignInOutcome:
        start.wait()
        with session_scope(engine) as session:
            return sign_in(session, username="anna", password=f"guess {number}", now=now).outcome

    with ThreadPoolExecutor(PARALLEL_GUESSES) as pool:
        return list(pool.map(guess, range(PARALLEL_GUESSES)))


def test_parallel_guesses_are_decided_one_at_a_time_and_lock_at_the_threshold(database_url):
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        make_user(session, organisation=make_organisation(session), username="anna")

    def stored() -> tuple[User, list[str | None]]:
        """anna's account, and the detail of each failed sign-in recorded."""
        with Session(engine) as session:
            details = session.exec(
                select(AuditEvent.detail).where(AuditEvent.action == AuditAction.SIGN_IN_FAILED)
            ).all()
            return session.exec(select(User)).one(), list(details)

    # Each wave comes after the last one's slowdown: one guess of it is decided, the others
    # come too soon after that one's failure.
    for wave in range(1, LOCKOUT_THRESHOLD):
        outcomes = _guesses_at_once(engine, now=later(wave))
        user, details = stored()
        assert details.count("wrong password") == user.failed_logins == wave
        assert outcomes.count(SignInOutcome.INVALID) == 1
        assert outcomes.count(SignInOutcome.TOO_SOON) == PARALLEL_GUESSES - 1
    # The fifth wrong guess locks the account; no guess is decided during the lock.
    for wave in (LOCKOUT_THRESHOLD, LOCKOUT_THRESHOLD + 1):
        assert set(_guesses_at_once(engine, now=later(wave))) == {SignInOutcome.LOCKED}
    _, details = stored()
    assert details.count("wrong password") == LOCKOUT_THRESHOLD
    with session_scope(engine) as session:
        during = sign_in(session, username="anna", password=PASSWORD, now=later(7))
        assert _actions(session).count(AuditAction.ACCOUNT_LOCKED) == 1
    assert during.outcome is SignInOutcome.LOCKED
    assert during.locked_until == later(LOCKOUT_THRESHOLD) + LOCKOUT_DURATION
    engine.dispose()
