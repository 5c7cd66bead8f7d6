"""Referrals: send a case to another organisation under the person's consent, and every
transition after that. Each transition is one conditional UPDATE (so two people acting at
once cannot both win) and one audit row naming the transition, never a value.

States: pending -> accepted | declined -> completed (accepted only); pending or accepted ->
revoked (by the sender) or withdrawn (the person withdrew consent); pending -> expired when
nobody answered within ``answer_within_days``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.access import Action, Actor, case_scope, permits, require
from models.cases import CaseNotFound, clean_text, seal_free_text
from models.enums import AuditAction, CaseStatus, Role, Urgency
from models.errors import ValidationError
from models.i18n import N_
from models.network.enums import ConsentMethod, ConsentScope, ReferralState, ServiceType
from models.network.scope import SCOPE_COLUMNS, open_referral, received_by
from models.network.services import offer_of
from models.network.tables import REASON_MAX, Referral
from models.tables import Case, Organisation, User, utcnow

ANSWER_WITHIN_DAYS = 7
FORM = "_form"
OPEN_STATES = (ReferralState.PENDING, ReferralState.ACCEPTED)


@dataclass(frozen=True)
class ReferralInput:
    """What the sender fills in: where, what for, and the person's consent."""

    to_organisation_id: int
    service: ServiceType
    reason: str
    urgency: Urgency
    consent_given: bool
    consent_given_on: dt.date | None
    consent_method: ConsentMethod
    scopes: frozenset[ConsentScope]
    consent_ends_on: dt.date | None


def _audit(
    session: Session,
    actor: Actor | None,
    referral: Referral,
    transition: str,
    *,
    fields: Iterable[str] = (),
    action: AuditAction = AuditAction.REFERRAL,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="referral",
        entity_id=referral.id,
        case_id=referral.case_id,
        fields=fields,
        detail=transition,
    )


def _owned_case(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.exec(select(Case).where(col(Case.id) == case_id, case_scope(actor))).first()
    if case is None or not permits(actor, Action.READ_CASE):
        raise CaseNotFound(case_id)
    return case


def refer_case(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    data: ReferralInput,
    today: dt.date,
    now: dt.datetime | None = None,
    answer_within_days: int = ANSWER_WITHIN_DAYS,
) -> Referral:
    """Send ``case_id`` to another organisation. Only the case's own side refers (the
    coordinators of its organisation, or an admin); nothing is written on a refusal."""
    require(actor, Action.REFER_CASE)
    case = _owned_case(session, actor, case_id)
    now = now or utcnow()
    if case.status != CaseStatus.OPEN:
        raise ValidationError(FORM, N_("Only an open case can be referred."))
    target = session.get(Organisation, data.to_organisation_id)
    if target is None or not target.active or target.id == case.organisation_id:
        raise ValidationError("to_organisation", N_("Choose another active organisation."))
    offer = offer_of(session, organisation_id=data.to_organisation_id, service=data.service)
    if offer is None:
        raise ValidationError("service", N_("That organisation does not offer this service."))
    if not offer.taking_referrals:
        raise ValidationError("service", N_("That service is not taking referrals."))
    reason = clean_text("reason", data.reason, max_chars=REASON_MAX, required=True)
    if not data.consent_given:
        raise ValidationError(
            "consent_given", N_("A referral needs the person's consent. Record it first.")
        )
    if data.consent_given_on is None or data.consent_given_on > today:
        raise ValidationError("consent_given_on", N_("Enter the day consent was given."))
    if data.consent_ends_on is None or data.consent_ends_on < today:
        raise ValidationError("consent_ends_on", N_("The consent's end date must not be past."))
    if not data.scopes:
        raise ValidationError("scopes", N_("Choose at least one category of data to share."))
    duplicate = session.exec(
        select(col(Referral.id)).where(
            col(Referral.case_id) == case_id,
            col(Referral.to_organisation_id) == data.to_organisation_id,
            col(Referral.service) == data.service,
            open_referral(now),
        )
    ).first()
    if duplicate is not None:
        raise ValidationError(
            FORM, N_("This case already has an open referral there for this service.")
        )
    referral = Referral(
        case_id=case_id,
        from_organisation_id=case.organisation_id,
        to_organisation_id=data.to_organisation_id,
        service=data.service,
        sealed_reason=seal_free_text("reason", session, case_id, reason or ""),
        urgency=data.urgency,
        sent_at=now,
        sent_by_id=actor.id,
        answer_by=now + dt.timedelta(days=answer_within_days),
        consent_given_on=data.consent_given_on,
        consent_method=data.consent_method,
        consent_recorded_by_id=actor.id,
        consent_ends_on=data.consent_ends_on,
    )
    for scope in data.scopes:
        setattr(referral, SCOPE_COLUMNS[scope], True)
    session.add(referral)
    session.flush()
    _audit(session, actor, referral, "sent", fields=sorted(s.value for s in data.scopes))
    return referral


# Finding a referral, from either side ---------------------------------------------------


def _as_receiver(session: Session, actor: Actor, referral_id: int, now: dt.datetime) -> Referral:
    referral = session.exec(
        select(Referral).where(
            col(Referral.id) == referral_id, received_by(actor), open_referral(now)
        )
    ).first()
    if referral is None:
        raise CaseNotFound(referral_id)
    return referral


def _as_sender(session: Session, actor: Actor, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise CaseNotFound(referral_id)
    _owned_case(session, actor, referral.case_id)
    return referral


def _transition(
    session: Session,
    actor: Actor | None,
    referral: Referral,
    *,
    to: ReferralState,
    allowed_from: tuple[ReferralState, ...],
    values: dict[str, object],
    fields: Iterable[str] = (),
    action: AuditAction = AuditAction.REFERRAL,
) -> Referral:
    """Move ``referral`` to ``to`` if it is still in one of ``allowed_from``."""
    before = ReferralState(referral.state)
    result = session.exec(
        sa.update(Referral)
        .where(col(Referral.id) == referral.id, col(Referral.state).in_(allowed_from))
        .values(state=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ValidationError(
            FORM, N_("This referral changed in the meantime; reload the page and check it.")
        )
    session.refresh(referral)
    _audit(session, actor, referral, f"{before.value}->{to.value}", fields=fields, action=action)
    return referral


def _require_coordinator(actor: Actor) -> None:
    if actor.role is not Role.COORDINATOR:
        raise ValidationError(
            FORM, N_("Only a coordinator of the receiving organisation can do this.")
        )


# The receiving side ---------------------------------------------------------------------


def accept(
    session: Session, *, actor: Actor, referral_id: int, now: dt.datetime | None = None
) -> Referral:
    """The receiving coordinator takes the referral on."""
    now = now or utcnow()
    referral = _as_receiver(session, actor, referral_id, now)
    _require_coordinator(actor)
    return _transition(
        session,
        actor,
        referral,
        to=ReferralState.ACCEPTED,
        allowed_from=(ReferralState.PENDING,),
        values={"answered_at": now, "answered_by_id": actor.id},
    )


def decline(
    session: Session,
    *,
    actor: Actor,
    referral_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> Referral:
    """The receiving coordinator declines, with a reason; access ends at once."""
    now = now or utcnow()
    referral = _as_receiver(session, actor, referral_id, now)
    _require_coordinator(actor)
    text = clean_text("decline_reason", reason, max_chars=REASON_MAX, required=True)
    return _transition(
        session,
        actor,
        referral,
        to=ReferralState.DECLINED,
        allowed_from=(ReferralState.PENDING,),
        values={
            "answered_at": now,
            "answered_by_id": actor.id,
            "sealed_decline_reason": seal_free_text(
                "decline_reason", session, referral.case_id, text
            ),
        },
        fields=("decline_reason",),
    )


def assign(
    session: Session,
    *,
    actor: Actor,
    referral_id: int,
    caseworker_id: int,
    now: dt.datetime | None = None,
) -> Referral:
    """The receiving coordinator gives the referral to one of their own caseworkers."""
    now = now or utcnow()
    referral = _as_receiver(session, actor, referral_id, now)
    _require_coordinator(actor)
    worker = session.get(User, caseworker_id)
    if (
        worker is None
        or worker.role != Role.CASEWORKER
        or not worker.active
        or worker.organisation_id != referral.to_organisation_id
    ):
        raise ValidationError("assignee", N_("Choose an active caseworker of your organisation."))
    state = ReferralState(referral.state)
    return _transition(
        session,
        actor,
        referral,
        to=state,
        allowed_from=(state,),
        values={"assignee_id": caseworker_id},
        fields=("assignee_id",),
    )


def complete(
    session: Session,
    *,
    actor: Actor,
    referral_id: int,
    service_delivered: str,
    now: dt.datetime | None = None,
) -> Referral:
    """The receiving side records the service delivered and closes the referral; its
    access to the case ends with it."""
    now = now or utcnow()
    referral = _as_receiver(session, actor, referral_id, now)
    require(actor, Action.EDIT_CASE)
    text = clean_text("service_delivered", service_delivered, max_chars=REASON_MAX, required=True)
    if referral.state != ReferralState.ACCEPTED:
        raise ValidationError(FORM, N_("Only an accepted referral can be completed."))
    return _transition(
        session,
        actor,
        referral,
        to=ReferralState.COMPLETED,
        allowed_from=(ReferralState.ACCEPTED,),
        values={
            "sealed_service_delivered": seal_free_text(
                "service_delivered", session, referral.case_id, text
            ),
            "ended_at": now,
            "ended_by_id": actor.id,
        },
        fields=("service_delivered",),
    )


# The sending side -----------------------------------------------------------------------


def revoke(
    session: Session, *, actor: Actor, referral_id: int, now: dt.datetime | None = None
) -> Referral:
    """The sender calls the referral back; the receiver's access ends at once."""
    require(actor, Action.REFER_CASE)
    referral = _as_sender(session, actor, referral_id)
    return _transition(
        session,
        actor,
        referral,
        to=ReferralState.REVOKED,
        allowed_from=OPEN_STATES,
        values={"ended_at": now or utcnow(), "ended_by_id": actor.id},
    )


def withdraw_consent(
    session: Session, *, actor: Actor, referral_id: int, now: dt.datetime | None = None
) -> Referral:
    """The person withdrew consent (told either side): the referral ends and the receiver's
    access with it, at once."""
    now = now or utcnow()
    require(actor, Action.EDIT_CASE)
    try:
        referral = _as_sender(session, actor, referral_id)
    except CaseNotFound:
        referral = _as_receiver(session, actor, referral_id, now)
    return _transition(
        session,
        actor,
        referral,
        to=ReferralState.WITHDRAWN,
        allowed_from=OPEN_STATES,
        values={"consent_withdrawn_at": now, "ended_at": now, "ended_by_id": actor.id},
        action=AuditAction.CONSENT_WITHDRAWN,
    )


def expire_overdue(session: Session, *, now: dt.datetime | None = None) -> int:
    """Mark pending referrals past their answer deadline as expired (access already ended
    at the deadline; this records it). Returns how many expired."""
    now = now or utcnow()
    overdue = session.exec(
        select(Referral).where(
            col(Referral.state) == ReferralState.PENDING, col(Referral.answer_by) <= now
        )
    ).all()
    for referral in overdue:
        _transition(
            session,
            None,
            referral,
            to=ReferralState.EXPIRED,
            allowed_from=(ReferralState.PENDING,),
            values={"ended_at": now},
        )
    return len(overdue)
