"""Factories for the network step: services and referrals, written straight to the tables
(the transition functions are tested on their own in ``test_referrals.py``)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.enums import Urgency
from models.identity.store import seal_note
from models.network import ConsentMethod, ConsentScope, ReferralState, ServiceType
from models.network.scope import SCOPE_COLUMNS
from models.network.tables import Referral, ServiceArea, ServiceOffer
from models.tables import Case, City, Organisation, User, utcnow


def make_offer(
    session: Session,
    *,
    organisation: Organisation,
    service: ServiceType = ServiceType.EMERGENCY_SHELTER,
    open_places: int | None = 3,
    taking_referrals: bool = True,
    cities: tuple[City, ...] = (),
    countries: tuple[str, ...] = ("KZ",),
) -> ServiceOffer:
    offer = ServiceOffer(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        service=service,
        open_places=open_places,
        taking_referrals=taking_referrals,
    )
    session.add(offer)
    session.flush()
    for city in cities:
        session.add(ServiceArea(offer_id=offer.id, city_id=city.id))  # type: ignore[arg-type]
    for country in countries:
        session.add(ServiceArea(offer_id=offer.id, country=country))  # type: ignore[arg-type]
    session.flush()
    return offer


def make_referral(
    session: Session,
    *,
    case: Case,
    to: Organisation,
    scopes: frozenset[ConsentScope] = frozenset({ConsentScope.FACTS}),
    state: ReferralState = ReferralState.PENDING,
    assignee: User | None = None,
    sent_at: dt.datetime | None = None,
    answer_within: dt.timedelta = dt.timedelta(days=7),
    consent_ends_on: dt.date | None = None,
    service: ServiceType = ServiceType.EMERGENCY_SHELTER,
    urgency: Urgency = Urgency.MEDIUM,
    answered_after: dt.timedelta | None = None,
    reason: str = "Needs a bed this week",
) -> Referral:
    sent = sent_at or utcnow()
    answered = state not in (ReferralState.PENDING, ReferralState.EXPIRED)
    referral = Referral(
        case_id=case.id,  # type: ignore[arg-type]
        from_organisation_id=case.organisation_id,
        to_organisation_id=to.id,  # type: ignore[arg-type]
        service=service,
        sealed_reason=seal_note(session, case_id=case.id, text=reason),  # type: ignore[arg-type]
        urgency=urgency,
        state=state,
        sent_at=sent,
        answer_by=sent + answer_within,
        answered_at=sent + (answered_after or dt.timedelta(hours=5)) if answered else None,
        assignee_id=assignee.id if assignee else None,
        consent_given_on=sent.date(),
        consent_method=ConsentMethod.IN_PERSON,
        consent_ends_on=consent_ends_on or (sent.date() + dt.timedelta(days=90)),
        consent_withdrawn_at=sent if state is ReferralState.WITHDRAWN else None,
        **{SCOPE_COLUMNS[scope]: True for scope in scopes},
    )
    session.add(referral)
    session.flush()
    return referral
