"""The network step: the services directory and consent-gated referrals between
organisations (issue 15).

Importing this package registers ``referred_cases`` with the visibility gate in
``models.access``, so that the receiving side of an open referral can read the case within
the consent scope. Public surface: the enums, ``services``, ``referrals``, ``scope``,
``queries``.
"""

from __future__ import annotations

from models.access import register_case_grant
from models.network.enums import ConsentMethod, ConsentScope, ReferralState, ServiceType
from models.network.scope import consent_scope, referred_cases
from models.network.tables import Referral, ServiceArea, ServiceOffer

register_case_grant(referred_cases)

__all__ = [
    "ConsentMethod",
    "ConsentScope",
    "Referral",
    "ReferralState",
    "ServiceArea",
    "ServiceOffer",
    "ServiceType",
    "consent_scope",
    "referred_cases",
]
