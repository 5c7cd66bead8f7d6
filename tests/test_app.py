"""The entry script: start-up checks, sign-in, lockout, idle timeout and the role's pages."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from dashboard import state
from dashboard.navigation import DEFAULT_PAGE, PAGES, pages_for
from models.access import Actor
from models.database import make_engine
from models.enums import AuditAction, Role
from models.tables import AuditEvent, User
from tests.factories import PASSWORD, actor_of, make_organisation, make_user


def _signed_up(database_url: str, role: Role) -> Actor:
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = make_user(
            session, role=role, organisation=make_organisation(session), username=f"the-{role}"
        )
        session.commit()
        return actor_of(user)


def test_signed_out_visitor_sees_only_the_sign_in_form(page_test, sqlite_url):
    at = page_test("app", database_url=sqlite_url, actor=None).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert at.title[0].value == "Sign in to Waypoint"
    assert not at.sidebar.button  # no sign-out button, no menu


def test_the_russian_sign_in_form_is_headed_vkhod_and_its_button_says_voiti(page_test, sqlite_url):
    at = page_test("app", database_url=sqlite_url, actor=None, language="ru").run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["Вход"]
    assert [b.label for b in at.button] == ["Войти"]


@pytest.mark.parametrize(
    ("role", "home_title"),
    [
        (Role.ADMIN, "Weekly review"),
        (Role.COORDINATOR, "Weekly review"),
        (Role.CASEWORKER, "Cases"),
        (Role.FUNDER, "Impact report"),
    ],
)
def test_sign_in_with_the_right_password_opens_the_role_home(
    page_test, sqlite_url, role, home_title
):
    _signed_up(sqlite_url, role)
    at = page_test("app", database_url=sqlite_url, actor=None).run()
    at.text_input[0].input(f"the-{role}")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[state.ACTOR].username == f"the-{role}"
    assert [t.value for t in at.title] == [home_title]


ONE_MESSAGE = (
    "Sign-in failed. Check the username and password and try again in a moment. If it keeps "
    "failing, the account may be locked for a while after too many attempts: ask an "
    "administrator."
)


def _attempt(at, username: str, password: str) -> str:  # type: ignore[no-untyped-def]
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception
    return " ".join(e.value for e in at.error)


def _wait_out_the_slowdown(database_url: str) -> None:
    """As if the user waited the seconds the slowdown asks for."""
    with make_engine(database_url).begin() as connection:
        connection.execute(sa.update(User).values(sign_in_not_before=None))


def test_unknown_user_wrong_password_and_locked_account_get_one_message(page_test, sqlite_url):
    _signed_up(sqlite_url, Role.CASEWORKER)
    at = page_test("app", database_url=sqlite_url, actor=None).run()
    assert _attempt(at, "nobody-here", "wrong password 0") == ONE_MESSAGE
    for attempt in range(5):
        _wait_out_the_slowdown(sqlite_url)
        assert _attempt(at, "the-caseworker", f"wrong password {attempt}") == ONE_MESSAGE
    # Locked now: the right password is refused with the very same words.
    _wait_out_the_slowdown(sqlite_url)
    assert _attempt(at, "the-caseworker", PASSWORD) == ONE_MESSAGE
    assert not at.session_state[state.AUTH_STATUS]
    with Session(make_engine(sqlite_url)) as session:
        actions = session.exec(select(AuditEvent.action)).all()
        user = session.exec(select(User).where(User.username == "the-caseworker")).one()
    assert actions.count(AuditAction.SIGN_IN_FAILED) == 7
    assert actions.count(AuditAction.ACCOUNT_LOCKED) == 1
    assert user.locked_until is not None  # recorded, and shown on the admin page


def test_a_quick_second_attempt_is_slowed_down_even_with_the_right_password(page_test, sqlite_url):
    _signed_up(sqlite_url, Role.CASEWORKER)
    at = page_test("app", database_url=sqlite_url, actor=None).run()
    assert _attempt(at, "the-caseworker", "wrong password") == ONE_MESSAGE
    assert _attempt(at, "the-caseworker", PASSWORD) == ONE_MESSAGE
    assert not at.session_state[state.AUTH_STATUS]
    _wait_out_the_slowdown(sqlite_url)
    assert _attempt(at, "the-caseworker", PASSWORD) == ""
    assert at.session_state[state.ACTOR].username == "the-caseworker"


def test_idle_session_is_signed_out_after_thirty_minutes(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.COORDINATOR)
    at = page_test("app", database_url=sqlite_url, actor=actor)
    at.session_state[state.LAST_SEEN] = time.time() - 31 * 60
    at.run()
    assert not at.exception
    assert "signed out after 30 minutes" in at.info[0].value
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    with Session(make_engine(sqlite_url)) as session:
        assert session.exec(select(AuditEvent.action)).all() == [AuditAction.SESSION_EXPIRED]


def test_session_active_within_thirty_minutes_stays_signed_in(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.COORDINATOR)
    at = page_test("app", database_url=sqlite_url, actor=actor)
    at.session_state[state.LAST_SEEN] = time.time() - 29 * 60
    at.run()
    assert at.session_state[state.ACTOR] == actor
    assert at.sidebar.button[0].label == "Sign out"


def test_deactivated_account_loses_its_session_at_the_next_click(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.COORDINATOR)
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(sa.update(User).values(active=False))
    at = page_test("app", database_url=sqlite_url, actor=actor).run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]


def test_sign_out_ends_the_session_and_is_audited(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.CASEWORKER)
    at = page_test("app", database_url=sqlite_url, actor=actor).run()
    at.sidebar.button[0].click().run()
    assert at.session_state[state.AUTH_STATUS] is None
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    with Session(make_engine(sqlite_url)) as session:
        assert session.exec(select(AuditEvent.action)).all() == [AuditAction.SIGN_OUT]


def test_app_refuses_a_database_without_the_schema_and_names_the_fix(page_test, tmp_path):
    at = page_test("app", database_url=f"sqlite:///{tmp_path / 'empty.db'}", actor=None).run()
    assert "waypoint db upgrade" in at.error[0].value
    assert not at.text_input  # no sign-in form


def test_app_reports_an_unreachable_database(page_test):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    at = page_test("app", database_url=url, actor=None).run()
    assert "Cannot reach the database at postgresql+psycopg://nobody@127.0.0.1:1/none" in (
        at.error[0].value
    )


def test_app_refuses_a_placeholder_cookie_key_outside_demo_mode(page_test, sqlite_url, monkeypatch):
    at = page_test("app", database_url=sqlite_url, actor=None)
    monkeypatch.setenv("WAYPOINT_COOKIE_KEY", "changeme")
    at.run()
    assert "WAYPOINT_COOKIE_KEY" in at.error[0].value


def test_each_role_gets_exactly_its_pages():
    expected = {
        Role.ADMIN: {
            "weekly",
            "triage",
            "map",
            "permits",
            "pipeline",
            "cases",
            "case",
            "new-case",
            "import",
            "duplicates",
            "referrals",
            "services",
            "flows",
            "impact",
            "audit",
            "admin",
            "account",
        },
        Role.COORDINATOR: {
            "weekly",
            "triage",
            "map",
            "permits",
            "pipeline",
            "cases",
            "case",
            "new-case",
            "import",
            "duplicates",
            "referrals",
            "services",
            "flows",
            "impact",
            "audit",
            "account",
        },
        Role.CASEWORKER: {
            "weekly",
            "triage",
            "map",
            "permits",
            "pipeline",
            "cases",
            "case",
            "referrals",
            "account",
        },
        Role.FUNDER: {"impact", "account"},
    }
    for role, keys in expected.items():
        actor = Actor(id=1, username="x", role=role, organisation_id=1)
        assert {spec.key for spec in pages_for(actor)} == keys
        assert DEFAULT_PAGE[role] in keys


def test_every_page_file_exists():
    from dashboard.navigation import VIEWS

    assert all((VIEWS / spec.file).is_file() for spec in PAGES)


def test_language_choice_is_remembered_for_the_user(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.COORDINATOR)
    at = page_test("app", database_url=sqlite_url, actor=actor).run()
    at.sidebar.selectbox(key="wp_sidebar_language").select("ru").run()
    assert at.sidebar.button[0].label == "Выйти"
    with Session(make_engine(sqlite_url)) as session:
        assert session.get(User, actor.id).language == "ru"


def test_signing_in_applies_the_users_saved_language(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.FUNDER)
    with make_engine(sqlite_url).begin() as connection:
        connection.execute(sa.update(User).values(language="ru"))
    at = page_test("app", database_url=sqlite_url, actor=None).run()
    at.text_input[0].input(actor.username)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.sidebar.button[0].label == "Выйти"


def _two_coordinators(database_url: str) -> Actor:
    """xenia and yuri, coordinators of two organisations; returns xenia, signed in first."""
    with Session(make_engine(database_url)) as session:
        xenia = make_user(
            session,
            role=Role.COORDINATOR,
            organisation=make_organisation(session),
            username="xenia",
        )
        make_user(
            session, role=Role.COORDINATOR, organisation=make_organisation(session), username="yuri"
        )
        session.commit()
        return actor_of(xenia)


@pytest.mark.parametrize("ending", ["sign-out", "idle timeout"])
def test_the_next_user_of_the_tab_is_not_offered_the_last_ones_audit_export(
    page_test, sqlite_url, ending
):
    at = page_test("app", database_url=sqlite_url, actor=_two_coordinators(sqlite_url)).run()
    at.switch_page("views/audit_log.py").run()
    at.button(key="wp_audit_prepare").click().run()
    assert at.get("download_button")  # xenia's organisation's audit trail, ready
    if ending == "sign-out":
        at.sidebar.button(key="wp_sign_out").click().run()
    else:
        at.session_state[state.LAST_SEEN] = time.time() - 31 * 60
        at.run()
    assert _attempt(at, "yuri", PASSWORD) == ""
    assert at.session_state[state.ACTOR].username == "yuri"
    assert [t.value for t in at.title] == ["Audit trail"]  # the same page, now yuri's
    assert not at.get("download_button")
    assert "wp_audit_export" not in at.session_state


def test_signing_in_starts_from_a_clean_session(page_test, sqlite_url):
    _two_coordinators(sqlite_url)
    at = page_test("app", database_url=sqlite_url, actor=None).run()
    at.session_state["wp_audit_export"] = b"whatever the session held before"
    assert _attempt(at, "yuri", PASSWORD) == ""
    at.switch_page("views/audit_log.py").run()
    assert [t.value for t in at.title] == ["Audit trail"]
    assert not at.get("download_button")


def test_the_chosen_language_outlives_the_sign_out(page_test, sqlite_url):
    actor = _signed_up(sqlite_url, Role.COORDINATOR)
    at = page_test("app", database_url=sqlite_url, actor=actor).run()
    at.sidebar.selectbox(key="wp_sidebar_language").select("ru").run()
    at.sidebar.button(key="wp_sign_out").click().run()
    assert [t.value for t in at.title] == ["Вход в Waypoint"]
    assert [t.label for t in at.text_input] == ["Имя пользователя", "Пароль"]
