"""The one access policy: what each role may do, and which cases each user may see.

Two separate questions, as in Primero's permission model:
- ``permits(actor, action)`` answers whether a role may perform an action at all;
- ``case_scope(actor)`` is the SQL condition that limits every case query to the cases the
  user may see (caseworker: assigned to them; coordinator: their organisation; admin: all;
  funder: none).
Everything else in ``models/`` goes through these two; pages never filter by hand.
Deny by default: an action absent from a role's set is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

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
    VIEW_AGGREGATES = "view_aggregates"
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


def case_scope(actor: Actor) -> sa.ColumnElement[bool]:
    """The condition on ``case_file`` rows that ``actor`` may see."""
    scope = scope_of(actor)
    if scope is Scope.ALL:
        return sa.true()
    if scope is Scope.ORGANISATION and actor.organisation_id is not None:
        return Case.organisation_id == actor.organisation_id  # type: ignore[return-value]
    if scope is Scope.ASSIGNED:
        return Case.caseworker_id == actor.id  # type: ignore[return-value]
    return sa.false()


# Grounds on which an actor may *read* a case beyond their role's scope (a referral received
# from another organisation, issue 15). The subpackage that owns a ground registers it, so
# that this root module never imports a subpackage; unregistered means refused.
CaseGrant = Callable[[Actor], sa.ColumnElement[bool]]
_CASE_GRANTS: list[CaseGrant] = []


def register_case_grant(grant: CaseGrant) -> None:
    """Add ``grant`` (actor -> condition on ``case_file``) to what ``readable_scope`` ORs in."""
    if grant not in _CASE_GRANTS:
        _CASE_GRANTS.append(grant)


def readable_scope(actor: Actor) -> sa.ColumnElement[bool]:
    """The condition on ``case_file`` rows that ``actor`` may read: their own scope, or a
    registered grant. Writes other than notes stay within ``case_scope``: the receiving side
    of a referral reads (within the consent scope) and records its own work only."""
    own = case_scope(actor)
    if not _CASE_GRANTS or not permits(actor, Action.READ_CASE):
        return own
    return sa.or_(own, *[grant(actor) for grant in _CASE_GRANTS])


def visible_case(session: Session, *, actor: Actor, code: str) -> Case | None:
    """The case with ``code`` if ``actor`` may read it; ``None`` when it does not exist *or*
    is out of scope, so that a page cannot tell the two apart."""
    if not permits(actor, Action.READ_CASE):
        return None
    statement = select(Case).where(Case.code == code.strip().upper(), readable_scope(actor))
    return session.exec(statement).first()


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
