"""The one access policy: what each role may do, and which cases each user may see.

Two separate questions, as in Primero's permission model:
- ``permits(actor, action)`` answers whether a role may perform an action at all;
- ``visible_cases(actor)`` is the one SQL condition that limits every case query, read or
  write, to the cases the user may see; ``case_visible`` fetches one case through it.
Everything else in ``models/`` goes through these; pages never filter by hand.
Deny by default: an action absent from a role's set is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.enums import Role
from models.tables import Case, User


class Action(StrEnum):
    VIEW_DASHBOARDS = "view_dashboards"
    READ_CASE = "read_case"
    READ_IDENTITY = "read_identity"
    EDIT_CASE = "edit_case"
    CREATE_CASE = "create_case"
    ASSIGN_CASE = "assign_case"
    CLOSE_CASE = "close_case"
    EXPORT = "export"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    VIEW_AGGREGATES = "view_aggregates"  # the published (frozen, noised) releases
    # The live suppressed report over the current data: never a funder's, since two live
    # reports a week apart differ by the cases that changed in between.
    VIEW_LIVE_REPORT = "view_live_report"
    REFER_CASE = "refer_case"
    MANAGE_SERVICES = "manage_services"


class Scope(StrEnum):
    NONE = "none"
    ASSIGNED = "assigned"
    ORGANISATION = "organisation"
    ALL = "all"


@dataclass(frozen=True)
class RolePolicy:
    actions: frozenset[Action]
    scope: Scope


POLICIES: dict[Role, RolePolicy] = {
    # Admins oversee the whole network but do not read identities: that is casework.
    Role.ADMIN: RolePolicy(
        frozenset(Action) - {Action.READ_IDENTITY},
        Scope.ALL,
    ),
    Role.COORDINATOR: RolePolicy(
        frozenset(
            {
                Action.VIEW_DASHBOARDS,
                Action.READ_CASE,
                Action.READ_IDENTITY,
                Action.EDIT_CASE,
                Action.CREATE_CASE,
                Action.ASSIGN_CASE,
                Action.CLOSE_CASE,
                Action.EXPORT,
                Action.VIEW_AUDIT,
                Action.VIEW_AGGREGATES,
                Action.VIEW_LIVE_REPORT,
                Action.REFER_CASE,
                Action.MANAGE_SERVICES,
            }
        ),
        Scope.ORGANISATION,
    ),
    Role.CASEWORKER: RolePolicy(
        frozenset(
            {
                Action.VIEW_DASHBOARDS,
                Action.READ_CASE,
                Action.READ_IDENTITY,
                Action.EDIT_CASE,
            }
        ),
        Scope.ASSIGNED,
    ),
    Role.FUNDER: RolePolicy(frozenset({Action.VIEW_AGGREGATES}), Scope.NONE),
}


class PermissionDenied(PermissionError):
    """The actor's role does not allow the action."""


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the policy sees them; hashable, so it can key a cache."""

    id: int
    username: str
    role: Role
    organisation_id: int | None

    @classmethod
    def of(cls, user: User) -> Actor:
        assert user.id is not None
        return cls(
            id=user.id,
            username=user.username,
            role=Role(user.role),
            organisation_id=user.organisation_id,
        )


def permits(actor: Actor, action: Action) -> bool:
    """Whether ``actor``'s role allows ``action``."""
    policy = POLICIES.get(actor.role)
    return policy is not None and action in policy.actions


def require(actor: Actor, action: Action) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may perform ``action``."""
    if not permits(actor, action):
        raise PermissionDenied(f"{actor.role} may not {action}")


def scope_of(actor: Actor) -> Scope:
    policy = POLICIES.get(actor.role)
    return policy.scope if policy else Scope.NONE


def _account_now(actor: Actor) -> list[sa.ColumnExpressionArgument[bool]]:
    """The actor's account as it is in the database now: still there, active, same role."""
    return [col(User.id) == actor.id, col(User.role) == actor.role, col(User.active)]


def _current_organisation(actor: Actor) -> sa.ScalarSelect[int | None]:
    """The organisation the actor's account belongs to *now*, read from the database: NULL
    when the account is gone, inactive, or no longer has the actor's role."""
    return sa.select(col(User.organisation_id)).where(*_account_now(actor)).scalar_subquery()


def visible_cases(actor: Actor) -> sa.ColumnElement[bool]:
    """The visibility gate: the condition on ``case_file`` rows that ``actor`` may see.

    Every read and write of a case goes through this condition (directly, or through
    ``case_visible``); there is no other copy of the rule.

    - admin: every case;
    - coordinator: the cases of their organisation;
    - caseworker: the cases assigned to them **and** belonging to their organisation, so a
      stale assignment (left over from an organisation move, say) opens nothing;
    - funder, or anyone without a known scope: none.

    The organisation (for an admin, the account) is checked twice: against the ``Actor`` (what the session believes) and
    against the account's organisation in the database now, so an ``Actor`` held by a
    session from before an organisation move, a role change or a deactivation sees nothing
    of the old organisation. The database read is one uncorrelated subquery, evaluated once
    per statement.

    To widen what a role sees (cases referred from another organisation, for instance), add
    an ``or_`` branch here, so that every page and write picks it up at once.
    """
    scope = scope_of(actor)
    if scope is Scope.ALL:
        return sa.exists(sa.select(col(User.id)).where(*_account_now(actor)))
    if actor.organisation_id is None or scope not in (Scope.ORGANISATION, Scope.ASSIGNED):
        return sa.false()
    own_organisation = sa.and_(
        col(Case.organisation_id) == actor.organisation_id,
        _current_organisation(actor) == actor.organisation_id,
    )
    if scope is Scope.ORGANISATION:
        return own_organisation
    return sa.and_(own_organisation, col(Case.caseworker_id) == actor.id)


# The earlier name of the gate, kept so that code written against it reads the same rule.
case_scope = visible_cases


# Grounds on which an actor may *read* a case beyond their role's scope (a referral received
# from another organisation, issue 15). The subpackage that owns a ground registers it, so
# that this root module never imports a subpackage; unregistered means refused.
CaseGrant = Callable[[Actor], sa.ColumnElement[bool]]
_CASE_GRANTS: list[CaseGrant] = []


def register_case_grant(grant: CaseGrant) -> None:
    """Add ``grant`` (actor -> condition on ``case_file``) to what ``readable_cases`` ORs in."""
    if grant not in _CASE_GRANTS:
        _CASE_GRANTS.append(grant)


def readable_cases(actor: Actor) -> sa.ColumnElement[bool]:
    """The gate widened for *reads*: ``visible_cases``, or a registered grant. Writes other
    than notes stay within ``visible_cases``: the receiving side of a referral reads (within
    the consent scope) and records its own work only."""
    own = visible_cases(actor)
    if not _CASE_GRANTS or actor.organisation_id is None or not permits(actor, Action.READ_CASE):
        return own
    # As for the own branch: the account must still be in the organisation the actor names.
    granted = sa.and_(
        _current_organisation(actor) == actor.organisation_id,
        sa.or_(*[grant(actor) for grant in _CASE_GRANTS]),
    )
    return sa.or_(own, granted)


def case_visible(
    session: Session,
    *,
    actor: Actor,
    case_id: int | None = None,
    code: str | None = None,
    readable: bool = False,
) -> Case | None:
    """The case with ``case_id`` (or ``code``, compared in upper case) if ``actor`` may see it
    through ``visible_cases`` (or, with ``readable``, read it through ``readable_cases``);
    ``None`` when it does not exist *or* is out of scope, so that a caller cannot tell the
    two apart."""
    if not permits(actor, Action.READ_CASE):
        return None
    if case_id is not None:
        condition = col(Case.id) == case_id
    elif code and code.strip():
        condition = col(Case.code) == code.strip().upper()
    else:
        return None
    gate = readable_cases(actor) if readable else visible_cases(actor)
    return session.exec(select(Case).where(condition, gate)).first()


def visible_case(session: Session, *, actor: Actor, code: str) -> Case | None:
    """The case with ``code`` if ``actor`` may read it (a received referral included)."""
    return case_visible(session, actor=actor, code=code, readable=True)


def may_assign_to(actor: Actor, *, case: Case, caseworker: User) -> bool:
    """Whether ``actor`` may assign ``case`` to ``caseworker``: a caseworker of the case's
    lead organisation, active, and the case within the actor's scope."""
    if not permits(actor, Action.ASSIGN_CASE):
        return False
    if caseworker.role != Role.CASEWORKER or not caseworker.active:
        return False
    if caseworker.organisation_id != case.organisation_id:
        return False
    scope = scope_of(actor)
    return scope is Scope.ALL or (
        scope is Scope.ORGANISATION and case.organisation_id == actor.organisation_id
    )
