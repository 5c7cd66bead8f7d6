"""Sign-in glue: streamlit-authenticator draws the form, ``models.accounts`` decides.

- Credentials are never loaded in bulk: the library's credential check is replaced by
  ``models.accounts.sign_in``, which enforces the database lockout and audits every attempt;
  only the account that just signed in is handed to the library.
- No remember-me cookie: ``cookie_expiry_days=0``, and a cookie presented by a browser is
  ignored, because anyone who knows the cookie key could forge one.
- A 30-minute idle timeout, checked on the server at every script run.
- The account is re-read at every run, so deactivation or a role change applies at once.
- A change of user starts from a clean session: signing out, going idle and signing in each
  clear the whole session state but the interface language, so nothing one user left in a
  browser tab (a prepared export, filters, a case held open) reaches the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Protocol, TypeVar

import streamlit as st
import streamlit_authenticator as stauth

from dashboard import data, runtime, state
from dashboard.i18n import _
from models.access import Actor
from models.accounts import SignInOutcome, active_actor, sign_in
from models.audit import record
from models.enums import AuditAction
from models.i18n import Language
from models.settings import IDLE_TIMEOUT

T = TypeVar("T")

# streamlit-authenticator's own session keys: its constructor creates them, its sign-in
# writes them, and its code reads some of them without checking that they exist.
AUTHENTICATOR_KEYS = (state.AUTH_STATUS, "username", "name", "email", "roles", "logout")


def clock() -> float:
    """Seconds since the epoch; a function so that tests can move time."""
    return time.time()


def _authenticator() -> stauth.Authenticate:
    authenticator = st.session_state.get(state.AUTHENTICATOR)
    if authenticator is None:
        authenticator = stauth.Authenticate(
            {"usernames": {}},
            cookie_name="waypoint_session",
            cookie_key=runtime.settings().cookie_key,
            cookie_expiry_days=0,
            auto_hash=False,
        )
        authenticator.cookie_controller.get_cookie = lambda: None  # never trust a cookie
        authenticator.authentication_controller.authentication_model.check_credentials = (
            _check_credentials
        )
        st.session_state[state.AUTHENTICATOR] = authenticator
    return authenticator


def _check_credentials(username: str, password: str) -> bool:
    """Replaces the library's check: decide in the database, remember the outcome."""
    # A read: the attempt is counted and audited, and no case changes.
    result = data.read(sign_in, username=username, password=password)
    user = result.user
    if result.outcome is SignInOutcome.OK:
        # Whatever the session held before, however it got there, is not this user's. The
        # authenticator is signing this user in, and writes its keys next.
        _clear_session(keep={state.LANGUAGE, state.AUTHENTICATOR, *AUTHENTICATOR_KEYS})
    st.session_state[state.SIGN_IN_OUTCOME] = (result.outcome, result.locked_until)
    if result.outcome is not SignInOutcome.OK or user is None:
        return False
    credentials = _authenticator().authentication_controller.authentication_model.credentials
    credentials["usernames"] = {
        user.username: {
            "email": "",
            "first_name": user.display_name,
            "last_name": "",
            "password": user.password_hash,
            "roles": [str(user.role)],
        }
    }
    st.session_state[state.ACTOR] = Actor.of(user)
    st.session_state[state.LANGUAGE] = Language(user.language)
    st.session_state[state.LAST_SEEN] = clock()
    return True


def _clear_session(*, keep: Collection[str]) -> None:
    """Remove every key of the session state but ``keep``: widget values and page state
    included, which Streamlit would otherwise keep for as long as the browser tab is open."""
    for key in list(st.session_state):
        if key not in keep:
            del st.session_state[key]


def _sign_out_state() -> None:
    """Forget the user: all of the session state goes but the interface language, the
    choice of the person at the screen. The authenticator goes too, with the account it was
    handed (the sign-in form builds a new one); its keys stay, set to ``None`` as its own
    logout leaves them, so that the rest of this run reads "signed out"."""
    _clear_session(keep={state.LANGUAGE})
    for key in AUTHENTICATOR_KEYS:
        st.session_state[key] = None


def sign_out(reason: AuditAction = AuditAction.SIGN_OUT) -> None:
    """End the session and audit it."""
    actor: Actor | None = st.session_state.get(state.ACTOR)
    if actor is not None:
        data.read(record, actor=actor, action=reason, entity="user", entity_id=actor.id)
    _sign_out_state()
    if reason is AuditAction.SESSION_EXPIRED:
        st.session_state[state.SIGNED_OUT_REASON] = "idle"


class SessionEnded(RuntimeError):
    """The account was deactivated or the session went idle: the action is not performed."""


def _alive(actor: Actor, last_seen: float) -> Actor | None:
    """The one check behind every page run, callback, download and form submit: the session
    has not been idle past ``IDLE_TIMEOUT`` since ``last_seen``, and the account still exists
    and is active, read from the database now. Returns the account as it is now (role and
    organisation included), or ``None``. Uses no session state, so a download generated in
    another thread can call it."""
    if clock() - last_seen > IDLE_TIMEOUT.total_seconds():
        return None
    return data.read(active_actor, user_id=actor.id)


def current_actor() -> Actor | None:
    """The signed-in user, or ``None`` (signed out now when the session went idle or the
    account was deactivated). Call it first in every callback and before every write: it
    is the helper the entry script runs at the top of each run, and a callback runs before
    that. A ``None`` means: do nothing, and audit nothing as done."""
    actor: Actor | None = st.session_state.get(state.ACTOR)
    if actor is None or not st.session_state.get(state.AUTH_STATUS):
        return None
    last_seen = float(st.session_state.get(state.LAST_SEEN, 0.0))
    fresh = _alive(actor, last_seen)
    if fresh is None:
        if clock() - last_seen > IDLE_TIMEOUT.total_seconds():
            sign_out(AuditAction.SESSION_EXPIRED)
        else:
            _sign_out_state()
        return None
    st.session_state[state.ACTOR] = fresh
    st.session_state[state.LAST_SEEN] = clock()
    return fresh


class Recorder(Protocol):
    """Audits one download for the account that made it (a ``models`` function)."""

    def __call__(self, session: data.Session, *, actor: Actor) -> object: ...


def guarded_download(
    actor: Actor, build: Callable[[], T], *, record: Recorder | None = None
) -> Callable[[], T]:
    """``build`` as the deferred data of a download button, checked when the user clicks:
    Streamlit calls it in another thread, outside the session, so the check is made against
    the time this page was drawn (a session idle since then has expired) and the account in
    the database. A dead session raises ``SessionEnded``: no file is made, delivered or
    recorded, and the user's next action signs them out.

    ``record(session, actor=account)`` audits the download once the file is made, in the same
    thread: give the button ``on_click="ignore"``. An ``on_click`` callback would rerun the
    page after each download, and a click on a second download button just as that rerun
    starts leaves the button spinning with no file (seen with Streamlit 1.67 in Chromium)."""
    drawn_at = float(st.session_state.get(state.LAST_SEEN, clock()))

    def checked() -> T:
        account = _alive(actor, drawn_at)
        if account is None:
            raise SessionEnded("the session ended before the download")
        made = build()
        if record is not None:
            data.read(record, actor=account)
        return made

    return checked


def sign_in_failed_message() -> str:
    """What every failed sign-in is told, whatever the reason."""
    return _(
        "Sign-in failed. Check the username and password and try again in a moment. If it "
        "keeps failing, the account may be locked for a while after too many attempts: ask "
        "an administrator."
    )


def login_page() -> None:
    """The sign-in form. Registered under every page's address while nobody is signed in, so
    that after signing in the same address (and its query string) opens the real page."""
    st.title(_("Sign in to Waypoint"))
    if st.session_state.pop(state.SIGNED_OUT_REASON, None) == "idle":
        st.info(
            _(
                "You were signed out after {minutes} minutes without activity.",
                minutes=int(IDLE_TIMEOUT.total_seconds() // 60),
            )
        )
    _authenticator().login(
        location="main",
        fields={
            "Form name": _("Account sign-in"),
            "Username": _("Username"),
            "Password": _("Password"),
            "Login": _("Sign in"),
        },
        key="sign_in",
    )
    outcome = st.session_state.get(state.SIGN_IN_OUTCOME)
    if st.session_state.get(state.AUTH_STATUS):
        st.session_state.pop(state.SIGN_IN_OUTCOME, None)
        st.rerun()
    elif outcome is not None and st.session_state.get(state.AUTH_STATUS) is False:
        # One message for a wrong password, an unknown user, a slowed-down or locked account:
        # the answer never tells which accounts exist. Admins see locks on their page.
        st.error(sign_in_failed_message())
    if runtime.settings().demo_mode:
        st.caption(
            _(
                "Demo accounts: admin, coordinator, caseworker, caseworker2 and funder; the "
                "password is set by WAYPOINT_DEMO_PASSWORD (default: waypoint-demo)."
            )
        )


def signed_in_actor() -> Actor:
    """The actor of the current run; pages only run for a signed-in user."""
    actor: Actor | None = st.session_state.get(state.ACTOR)
    if actor is None:
        st.stop()
    return actor
