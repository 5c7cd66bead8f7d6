"""The services directory: what each organisation offers, where, and whether it has room.

Kept by each organisation's coordinators (admins for any organisation); read by everyone
who may refer. It names organisations and services, never a case.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from models import audit
from models.access import Action, Actor, PermissionDenied, permits, require
from models.enums import AuditAction, Role
from models.errors import ValidationError
from models.i18n import N_, Language, country_name
from models.network.enums import ServiceType
from models.network.tables import ServiceArea, ServiceOffer
from models.tables import City, Organisation, city_name, id_of, utcnow

DIRECTORY_COLUMNS = ["organisation_id", "organisation", "service", "areas", "open_places",
                     "taking_referrals"]  # fmt: skip
MAX_PLACES = 10_000


@dataclass(frozen=True)
class ServiceInput:
    service: ServiceType
    open_places: int | None
    taking_referrals: bool
    city_ids: frozenset[int] = frozenset()
    countries: frozenset[str] = frozenset()


def offer_of(
    session: Session, *, organisation_id: int, service: ServiceType
) -> ServiceOffer | None:
    return session.exec(
        select(ServiceOffer).where(
            col(ServiceOffer.organisation_id) == organisation_id,
            col(ServiceOffer.service) == service,
        )
    ).first()


def may_read_directory(actor: Actor) -> bool:
    return permits(actor, Action.REFER_CASE) or permits(actor, Action.MANAGE_SERVICES)


def save_offer(
    session: Session, *, actor: Actor, data: ServiceInput, organisation_id: int | None = None
) -> ServiceOffer:
    """Create or update one service of an organisation (the actor's own unless admin)."""
    require(actor, Action.MANAGE_SERVICES)
    org_id = organisation_id if organisation_id is not None else actor.organisation_id
    if org_id is None or (actor.role is not Role.ADMIN and org_id != actor.organisation_id):
        raise PermissionDenied("services are kept by the organisation's own coordinators")
    if session.get(Organisation, org_id) is None:
        raise ValidationError("organisation", N_("Choose an organisation."))
    if data.open_places is not None and not 0 <= data.open_places <= MAX_PLACES:
        raise ValidationError("open_places", N_("Enter a number of places from 0 to 10000."))
    if not data.city_ids and not data.countries:
        raise ValidationError("areas", N_("Choose at least one city or country it covers."))
    countries = {c.strip().upper() for c in data.countries}
    if any(len(c) != 2 or not c.isalpha() for c in countries):
        raise ValidationError("areas", N_("Countries are two-letter codes, such as KZ."))
    known = set(session.exec(select(col(City.id)).where(col(City.id).in_(data.city_ids))).all())
    if known != set(data.city_ids):
        raise ValidationError("areas", N_("Choose cities from the list."))
    offer = offer_of(session, organisation_id=org_id, service=data.service)
    created = offer is None
    if offer is None:
        offer = ServiceOffer(organisation_id=org_id, service=data.service)
    offer.open_places = data.open_places
    offer.taking_referrals = data.taking_referrals
    offer.updated_at = utcnow()
    offer.updated_by_id = actor.id
    session.add(offer)
    session.flush()
    session.execute(sa.delete(ServiceArea).where(col(ServiceArea.offer_id) == offer.id))
    for city_id in sorted(data.city_ids):
        session.add(ServiceArea(offer_id=id_of(offer), city_id=city_id))
    for country in sorted(countries):
        session.add(ServiceArea(offer_id=id_of(offer), country=country))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        entity="service_offer",
        entity_id=offer.id,
        fields=("open_places", "taking_referrals", "areas"),
    )
    return offer


def directory(session: Session, *, actor: Actor, language: str = Language.EN) -> pd.DataFrame:
    """Every active organisation's services: organisation, service, areas (city and country
    names in ``language``), open places (None: not counted) and whether it takes
    referrals."""
    if not may_read_directory(actor):
        return pd.DataFrame(columns=DIRECTORY_COLUMNS)
    offers = session.execute(
        sa.select(ServiceOffer, col(Organisation.name))
        .join(Organisation, col(Organisation.id) == col(ServiceOffer.organisation_id))
        .where(col(Organisation.active) == sa.true())
        .order_by(col(Organisation.name), col(ServiceOffer.service))
    ).all()
    areas: dict[int, list[str]] = {}
    name = city_name(language)
    for offer_id, city, country in session.execute(
        sa.select(col(ServiceArea.offer_id), name, col(ServiceArea.country))
        .outerjoin(City, col(City.id) == col(ServiceArea.city_id))
        .order_by(col(ServiceArea.country), name)
    ).all():
        areas.setdefault(offer_id, []).append(country_name(country, language) if country else city)
    rows = [
        {
            "organisation_id": offer.organisation_id,
            "organisation": name,
            "service": ServiceType(offer.service),
            "areas": ", ".join(areas.get(offer.id or 0, [])),
            "open_places": offer.open_places,
            "taking_referrals": offer.taking_referrals,
        }
        for offer, name in offers
    ]
    return pd.DataFrame(rows, columns=DIRECTORY_COLUMNS)


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    """The active organisations, as ``(id, name)``, for the directory and referral forms."""
    rows = session.execute(
        sa.select(col(Organisation.id), col(Organisation.name))
        .where(col(Organisation.active) == sa.true())
        .order_by(col(Organisation.name))
    ).all()
    return [(int(row[0]), str(row[1])) for row in rows]
