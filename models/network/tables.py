"""The tables of the network step: the services directory and referrals.

Registered on ``SQLModel.metadata`` beside the root tables (the migration environment imports
this module). A referral stores its consent with it; no identifying value is copied here.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import Urgency
from models.network.enums import ConsentMethod, ReferralState, ServiceType
from models.tables import enum_type, utcnow

REASON_MAX = 500


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


class ServiceOffer(SQLModel, table=True):
    """One service that one organisation offers, with its capacity, kept by its coordinators."""

    __tablename__ = "service_offer"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "service", name="uq_service_offer_org_service"),
        sa.CheckConstraint(
            "open_places IS NULL OR open_places >= 0", name="ck_service_offer_places"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    service: ServiceType = Field(sa_type=enum_type(ServiceType, "service_offer_service"))
    # None: places not counted; 0 with taking_referrals: full.
    open_places: int | None = None
    taking_referrals: bool = True
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=_timestamp())
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class ServiceArea(SQLModel, table=True):
    """A city, or a whole country, that a service covers."""

    __tablename__ = "service_area"
    __table_args__ = (
        sa.CheckConstraint(
            "(city_id IS NULL) <> (country IS NULL)", name="ck_service_area_city_or_country"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="service_offer.id", index=True, ondelete="CASCADE")
    city_id: int | None = Field(default=None, foreign_key="city.id")
    country: str | None = Field(default=None, max_length=2)


class Referral(SQLModel, table=True):
    """One case sent to one organisation for one service, under the person's consent."""

    __tablename__ = "referral"
    __table_args__ = (
        sa.CheckConstraint(
            "from_organisation_id <> to_organisation_id", name="ck_referral_other_org"
        ),
        sa.CheckConstraint(
            "share_facts OR share_needs OR share_identity OR share_notes",
            name="ck_referral_scope_not_empty",
        ),
        sa.Index("ix_referral_to_state", "to_organisation_id", "state"),
        sa.Index("ix_referral_from_state", "from_organisation_id", "state"),
        sa.Index("ix_referral_case_state", "case_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_file.id", ondelete="CASCADE")
    from_organisation_id: int = Field(foreign_key="organisation.id")
    to_organisation_id: int = Field(foreign_key="organisation.id")
    service: ServiceType = Field(sa_type=enum_type(ServiceType, "referral_service"))
    # The free texts are about the person: sealed with their data key, like the notes, so a
    # purge makes them unreadable wherever a copy went. None once the key is gone (only
    # rows sealed by migration 0017 can be None for the reason).
    sealed_reason: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    urgency: Urgency = Field(sa_type=enum_type(Urgency, "referral_urgency"))
    state: ReferralState = Field(
        default=ReferralState.PENDING, sa_type=enum_type(ReferralState, "referral_state")
    )
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_type=_timestamp())
    sent_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answer_by: dt.datetime = Field(sa_type=_timestamp())
    answered_at: dt.datetime | None = Field(default=None, sa_type=_timestamp())
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    sealed_decline_reason: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    assignee_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    sealed_service_delivered: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    ended_at: dt.datetime | None = Field(default=None, sa_type=_timestamp())
    ended_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Consent, recorded with the referral.
    consent_given_on: dt.date
    consent_method: ConsentMethod = Field(
        sa_type=enum_type(ConsentMethod, "referral_consent_method")
    )
    consent_recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    consent_ends_on: dt.date
    consent_withdrawn_at: dt.datetime | None = Field(default=None, sa_type=_timestamp())
    share_facts: bool = False
    share_needs: bool = False
    share_identity: bool = False
    share_notes: bool = False
