"""Which referred cases the receiving side may see, and which data categories of each.

``referred_cases(actor)`` is the SQL condition on ``case_file`` that the visibility gate in
``models.access`` ORs in: cases referred to the actor's organisation (coordinators), or
assigned to the actor by the receiving coordinator (caseworkers), under a referral that is
pending or accepted, with consent neither withdrawn nor past its end date, and not past its
answer deadline while pending. Anything else (declined, revoked, completed, expired,
withdrawn) ends access at once: the case then reads as "not found", like any other.

``consent_scope(...)`` says which data categories the receiving side may read.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Actor, case_scope
from models.enums import Role
from models.network.enums import ConsentScope, ReferralState
from models.network.tables import Referral
from models.tables import Case, utcnow

SCOPE_COLUMNS: dict[ConsentScope, str] = {
    ConsentScope.FACTS: "share_facts",
    ConsentScope.NEEDS: "share_needs",
    ConsentScope.IDENTITY: "share_identity",
    ConsentScope.NOTES: "share_notes",
}


def open_referral(now: dt.datetime | None = None) -> sa.ColumnElement[bool]:
    """The condition on ``referral`` rows that still give the receiving side access."""
    now = now or utcnow()
    return sa.and_(
        col(Referral.state).in_([ReferralState.PENDING, ReferralState.ACCEPTED]),
        col(Referral.consent_withdrawn_at).is_(None),
        col(Referral.consent_ends_on) >= now.date(),
        sa.or_(col(Referral.state) == ReferralState.ACCEPTED, col(Referral.answer_by) > now),
    )


def received_by(actor: Actor) -> sa.ColumnElement[bool]:
    """The condition on ``referral`` rows of which ``actor`` is the receiving side: the
    receiving organisation's coordinators, and the caseworker they assigned (while that
    caseworker is still in the receiving organisation)."""
    if actor.organisation_id is None:
        return sa.false()
    to_own = col(Referral.to_organisation_id) == actor.organisation_id
    if actor.role is Role.COORDINATOR:
        return to_own
    if actor.role is Role.CASEWORKER:
        return sa.and_(to_own, col(Referral.assignee_id) == actor.id)
    return sa.false()


def referred_cases(actor: Actor, now: dt.datetime | None = None) -> sa.ColumnElement[bool]:
    """The condition on ``case_file`` rows that ``actor`` may read as a referral's receiver."""
    if actor.organisation_id is None or actor.role not in (Role.COORDINATOR, Role.CASEWORKER):
        return sa.false()
    return (
        sa.select(col(Referral.id))
        .where(col(Referral.case_id) == col(Case.id), received_by(actor), open_referral(now))
        .exists()
    )


def owns(session: Session, *, actor: Actor, case_id: int) -> bool:
    """Whether ``case_id`` is within ``actor``'s own scope (not through a referral)."""
    found = session.execute(
        sa.select(col(Case.id)).where(col(Case.id) == case_id, case_scope(actor))
    )
    return found.first() is not None


def received_scope(
    session: Session, *, actor: Actor, case_id: int, now: dt.datetime | None = None
) -> frozenset[ConsentScope]:
    """The data categories of ``case_id`` that ``actor`` may read as a receiver: the union
    over the actor's open referrals of that case; empty when there is none."""
    rows = session.execute(
        sa.select(*[getattr(Referral, column) for column in SCOPE_COLUMNS.values()]).where(
            col(Referral.case_id) == case_id, received_by(actor), open_referral(now)
        )
    ).all()
    return frozenset(
        scope for row in rows for scope, shared in zip(SCOPE_COLUMNS, row, strict=True) if shared
    )


def consent_scope(
    session: Session, *, actor: Actor, case_id: int, now: dt.datetime | None = None
) -> frozenset[ConsentScope] | None:
    """``None`` when ``actor`` sees ``case_id`` in their own right (every category, subject
    to the role's actions); otherwise the categories shared with them (maybe none)."""
    if owns(session, actor=actor, case_id=case_id):
        return None
    return received_scope(session, actor=actor, case_id=case_id, now=now)
