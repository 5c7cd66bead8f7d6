"""The page registry: which pages exist, who may open them, and where they live.

A role's page list is built from the access policy; pages a role may not open are never
registered, so their code never runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import data
from dashboard.i18n import _
from models.access import Action, Actor, permits
from models.enums import Role
from models.i18n import N_
from models.network import queries as network_queries

VIEWS = Path(__file__).resolve().parent / "views"


@dataclass(frozen=True)
class PageSpec:
    key: str
    file: str
    title: str  # English message id
    icon: str
    section: str  # English message id
    action: Action | None  # None: every signed-in user
    # A number shown after the title (e.g. referrals waiting for an answer); 0 shows none.
    count: Callable[[Actor], int] | None = None

    @property
    def url_path(self) -> str:
        return self.key


def referral_inbox_count(actor: Actor) -> int:
    """Referrals waiting for an answer from the actor's organisation."""
    return data.read(network_queries.inbox_count, actor=actor)


PAGES: list[PageSpec] = [
    PageSpec(
        "weekly",
        "weekly.py",
        N_("Weekly review"),
        ":material/event_note:",
        N_("Dashboards"),
        Action.VIEW_DASHBOARDS,
    ),
    PageSpec(
        "triage",
        "triage.py",
        N_("Risk triage"),
        ":material/warning:",
        N_("Dashboards"),
        Action.VIEW_DASHBOARDS,
    ),
    PageSpec(
        "map",
        "caseload_map.py",
        N_("Caseload map"),
        ":material/map:",
        N_("Dashboards"),
        Action.VIEW_DASHBOARDS,
    ),
    PageSpec(
        "permits",
        "permits.py",
        N_("Permit expiry"),
        ":material/event_busy:",
        N_("Dashboards"),
        Action.VIEW_DASHBOARDS,
    ),
    PageSpec(
        "pipeline",
        "pipeline.py",
        N_("Resettlement pipeline"),
        ":material/flight_takeoff:",
        N_("Dashboards"),
        Action.VIEW_DASHBOARDS,
    ),
    PageSpec(
        "cases",
        "case_list.py",
        N_("Cases"),
        ":material/folder_open:",
        N_("Cases"),
        Action.READ_CASE,
    ),
    PageSpec(
        "case", "case_page.py", N_("Case"), ":material/description:", N_("Cases"), Action.READ_CASE
    ),
    PageSpec(
        "new-case",
        "new_case.py",
        N_("New case"),
        ":material/person_add:",
        N_("Cases"),
        Action.CREATE_CASE,
    ),
    PageSpec(
        "import",
        "import_cases.py",
        N_("Import cases"),
        ":material/upload_file:",
        N_("Cases"),
        Action.CREATE_CASE,
    ),
    PageSpec(
        "duplicates",
        "duplicates.py",
        N_("Possible duplicates"),
        ":material/join_inner:",
        N_("Cases"),
        Action.ASSIGN_CASE,
    ),
    PageSpec(
        "referrals",
        "referrals.py",
        N_("Referrals"),
        ":material/swap_horiz:",
        N_("Network"),
        Action.READ_CASE,
        count=referral_inbox_count,
    ),
    PageSpec(
        "services",
        "services.py",
        N_("Services directory"),
        ":material/handshake:",
        N_("Network"),
        Action.REFER_CASE,
    ),
    PageSpec(
        "flows",
        "referral_flows.py",
        N_("Referral flows"),
        ":material/account_tree:",
        N_("Network"),
        Action.REFER_CASE,
    ),
    PageSpec(
        "impact",
        "impact.py",
        N_("Impact report"),
        ":material/insights:",
        N_("Reports"),
        Action.VIEW_AGGREGATES,
    ),
    PageSpec(
        "audit",
        "audit_log.py",
        N_("Audit trail"),
        ":material/policy:",
        N_("Administration"),
        Action.VIEW_AUDIT,
    ),
    PageSpec(
        "admin",
        "admin.py",
        N_("Organisations and accounts"),
        ":material/manage_accounts:",
        N_("Administration"),
        Action.MANAGE_USERS,
    ),
    PageSpec(
        "account", "account.py", N_("My account"), ":material/account_circle:", N_("Account"), None
    ),
]

DEFAULT_PAGE: dict[Role, str] = {
    Role.ADMIN: "weekly",
    Role.COORDINATOR: "weekly",
    Role.CASEWORKER: "cases",
    Role.FUNDER: "impact",
}
SIGNED_OUT_HOME = "home"


def pages_for(actor: Actor) -> list[PageSpec]:
    """The pages ``actor`` may open, in menu order."""
    return [spec for spec in PAGES if spec.action is None or permits(actor, spec.action)]


def build(actor: Actor) -> dict[str, list[st.Page]]:
    """The menu of ``actor``: each permitted page under its translated section."""
    default = DEFAULT_PAGE.get(actor.role)
    menu: dict[str, list[st.Page]] = {}
    for spec in pages_for(actor):
        title = _(spec.title)
        count = spec.count(actor) if spec.count else 0
        page = st.Page(
            str(VIEWS / spec.file),
            title=f"{title} ({count})" if count else title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.key == default,
        )
        menu.setdefault(_(spec.section), []).append(page)
    return menu


def build_signed_out(login: Callable[[], None]) -> list[st.Page]:
    """The sign-in form under every page's address, so a link survives signing in."""
    pages = [st.Page(login, title=_("Sign in"), url_path=SIGNED_OUT_HOME, default=True)]
    pages += [st.Page(login, title=_(spec.title), url_path=spec.url_path) for spec in PAGES]
    return pages
