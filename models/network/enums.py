"""The closed sets of values of the network step, each with the label a user reads."""

from __future__ import annotations

from models.enums import LabelledEnum
from models.i18n import N_


class _Labelled(LabelledEnum):
    """Labelled like the root enums, from this module's own label list."""

    @property
    def label(self) -> str:
        return _LABELS[(type(self), self.value)]


class ServiceType(_Labelled):
    LEGAL_AID = "legal_aid"
    EMERGENCY_SHELTER = "emergency_shelter"
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    PSYCHOSOCIAL = "psychosocial"
    MEDICAL = "medical"
    VISA_RELOCATION = "visa_relocation"


class ReferralState(_Labelled):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"
    REVOKED = "revoked"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def open(self) -> bool:
        """Whether the referral still gives the receiving side access (within its dates)."""
        return self in (ReferralState.PENDING, ReferralState.ACCEPTED)


class ConsentMethod(_Labelled):
    IN_PERSON = "in_person"
    WRITTEN = "written"
    MESSAGE = "message"


class ConsentScope(_Labelled):
    """The data categories a person agreed to share with the receiving organisation."""

    FACTS = "facts"  # category, city, legal status, detentions, stage
    NEEDS = "needs"  # housing and employment needs
    IDENTITY = "identity"  # name and contact
    NOTES = "notes"  # the sending organisation's notes


_LABEL_LIST: list[tuple[_Labelled, str]] = [
    (ServiceType.LEGAL_AID, N_("Legal aid")),
    (ServiceType.EMERGENCY_SHELTER, N_("Emergency shelter")),
    (ServiceType.HOUSING, N_("Housing")),
    (ServiceType.EMPLOYMENT, N_("Employment")),
    (ServiceType.PSYCHOSOCIAL, N_("Psychosocial support")),
    (ServiceType.MEDICAL, N_("Medical")),
    (ServiceType.VISA_RELOCATION, N_("Visa and relocation support")),
    (ReferralState.PENDING, N_("Pending")),
    (ReferralState.ACCEPTED, N_("Accepted")),
    (ReferralState.DECLINED, N_("Declined")),
    (ReferralState.COMPLETED, N_("Completed")),
    (ReferralState.REVOKED, N_("Revoked by sender")),
    (ReferralState.EXPIRED, N_("Expired without answer")),
    (ReferralState.WITHDRAWN, N_("Consent withdrawn")),
    (ConsentMethod.IN_PERSON, N_("In person")),
    (ConsentMethod.WRITTEN, N_("Written")),
    (ConsentMethod.MESSAGE, N_("By message")),
    (ConsentScope.FACTS, N_("Case facts (category, city, legal status)")),
    (ConsentScope.NEEDS, N_("Needs")),
    (ConsentScope.IDENTITY, N_("Identity and contact")),
    (ConsentScope.NOTES, N_("Notes")),
]

_LABELS: dict[tuple[type, str], str] = {
    (type(member), member.value): text for member, text in _LABEL_LIST
}
