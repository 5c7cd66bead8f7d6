"""Demo data of the network step: each demo organisation's services, and referrals between
the organisations in every state, with mixed consent scopes. Synthetic, like the rest."""

from __future__ import annotations

import datetime as dt
import random

from sqlmodel import Session, col, select

from models.enums import CaseStatus, Urgency
from models.identity.store import seal_note
from models.network import ConsentMethod, ReferralState, ServiceType
from models.network.tables import Referral, ServiceArea, ServiceOffer
from models.tables import Case, City, Organisation, id_of

# organisation index -> (service, open places or None, taking referrals, city keys, countries)
SERVICES: dict[
    int, list[tuple[ServiceType, int | None, bool, tuple[str, ...], tuple[str, ...]]]
] = {
    0: [
        (ServiceType.LEGAL_AID, 3, True, ("almaty", "astana"), ()),
        (ServiceType.VISA_RELOCATION, None, True, (), ("KZ",)),
    ],
    1: [
        (ServiceType.LEGAL_AID, 5, True, (), ("KZ",)),
        (ServiceType.PSYCHOSOCIAL, 2, True, ("almaty",), ()),
        (ServiceType.EMPLOYMENT, None, True, ("almaty", "astana"), ()),
    ],
    2: [
        (ServiceType.EMERGENCY_SHELTER, 4, True, ("almaty", "astana"), ()),
        (ServiceType.HOUSING, 0, False, ("almaty",), ()),
        (ServiceType.MEDICAL, None, True, (), ("KZ",)),
    ],
}
# (state, hours since sent, hours to answer) for each pair of organisations
PLAN: list[tuple[ReferralState, int, int | None]] = [
    (ReferralState.PENDING, 5, None),
    (ReferralState.PENDING, 90, None),  # over 72 hours: on the weekly review
    (ReferralState.ACCEPTED, 200, 20),
    (ReferralState.DECLINED, 300, 30),
    (ReferralState.COMPLETED, 900, 8),
    (ReferralState.REVOKED, 400, None),
    (ReferralState.EXPIRED, 500, None),
    (ReferralState.WITHDRAWN, 250, 12),
]
SCOPES = [
    {"share_facts": True},
    {"share_facts": True, "share_needs": True},
    {"share_identity": True, "share_needs": True},
    {"share_facts": True, "share_identity": True, "share_notes": True},
    {"share_needs": True},
]
REASONS = {
    ServiceType.LEGAL_AID: "Extradition request: needs a lawyer",
    ServiceType.VISA_RELOCATION: "Humanitarian visa application",
    ServiceType.PSYCHOSOCIAL: "Anxiety after detention",
    ServiceType.EMPLOYMENT: "Looking for informal work",
    ServiceType.EMERGENCY_SHELTER: "Evicted, needs a bed",
    ServiceType.HOUSING: "Needs stable housing",
    ServiceType.MEDICAL: "Needs a doctor",
}


def _services(session: Session, organisations: list[Organisation]) -> dict[int, list[ServiceType]]:
    cities = {city.key: city.id for city in session.exec(select(City))}
    offered: dict[int, list[ServiceType]] = {}
    for index, entries in SERVICES.items():
        org = organisations[index]
        assert org.id is not None
        for service, places, taking, city_keys, countries in entries:
            if taking:
                offered.setdefault(org.id, []).append(service)
            exists = session.exec(
                select(ServiceOffer).where(
                    col(ServiceOffer.organisation_id) == org.id,
                    col(ServiceOffer.service) == service,
                )
            ).first()
            if exists is not None:
                continue
            offer = ServiceOffer(
                organisation_id=org.id,
                service=service,
                open_places=places,
                taking_referrals=taking,
            )
            session.add(offer)
            session.flush()
            for key in city_keys:
                if key in cities:
                    session.add(ServiceArea(offer_id=id_of(offer), city_id=cities[key]))
            for country in countries:
                session.add(ServiceArea(offer_id=id_of(offer), country=country))
    return offered


def seed_network(
    session: Session,
    *,
    organisations: list[Organisation],
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """Services for each demo organisation, and referrals between every pair of them in
    every state (pending ones both fresh and over 72 hours old). Returns referrals made."""
    offered = _services(session, organisations)
    made = 0
    for sender in organisations:
        open_cases = [
            case_id
            for case_id in session.exec(
                select(col(Case.id))
                .where(col(Case.organisation_id) == sender.id, col(Case.status) == CaseStatus.OPEN)
                .order_by(col(Case.id))
            ).all()
            if case_id is not None
        ]
        if not open_cases:
            continue
        for target in organisations:
            if target.id == sender.id or not offered.get(target.id or 0):
                continue
            for number, (state, hours_ago, answer_hours) in enumerate(PLAN):
                sent = now - dt.timedelta(hours=hours_ago + rng.randint(0, 3))
                service = rng.choice(offered[target.id or 0])
                answered = sent + dt.timedelta(hours=answer_hours) if answer_hours else None
                ended = state not in (
                    ReferralState.PENDING,
                    ReferralState.ACCEPTED,
                    ReferralState.DECLINED,
                )
                case_id = rng.choice(open_cases)
                session.add(
                    Referral(
                        case_id=case_id,
                        from_organisation_id=id_of(sender),
                        to_organisation_id=id_of(target),
                        service=service,
                        sealed_reason=seal_note(session, case_id=case_id, text=REASONS[service]),
                        urgency=rng.choice(list(Urgency)),
                        state=state,
                        sent_at=sent,
                        answer_by=sent + dt.timedelta(days=7),
                        answered_at=answered,
                        sealed_decline_reason=seal_note(
                            session, case_id=case_id, text="No places this month"
                        )
                        if state is ReferralState.DECLINED
                        else None,
                        sealed_service_delivered=seal_note(
                            session, case_id=case_id, text="Two sessions held"
                        )
                        if state is ReferralState.COMPLETED
                        else None,
                        ended_at=(answered or sent) + dt.timedelta(hours=24) if ended else None,
                        consent_given_on=sent.date(),
                        consent_method=rng.choice(list(ConsentMethod)),
                        consent_ends_on=sent.date() + dt.timedelta(days=90),
                        consent_withdrawn_at=sent + dt.timedelta(hours=30)
                        if state is ReferralState.WITHDRAWN
                        else None,
                        **SCOPES[(number + made) % len(SCOPES)],
                    )
                )
                made += 1
    session.flush()
    return made
