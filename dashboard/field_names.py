"""Field names as people read them: the audit trail and a refused save name fields by their
stored names (``permit_expires_on``, ``caseworker_id``); these are their labels."""

from __future__ import annotations

from dashboard.i18n import _
from models.i18n import N_
from models.network import ConsentScope

# Every field an audit row or a refused save names; the ids are shown as what they point at.
FIELD_NAMES: dict[str, str] = {
    "active": N_("Active"),
    "areas": N_("Covers"),
    "assignee_id": N_("Assigned to"),
    "asylum_status": N_("Asylum"),
    "birth_year": N_("Birth year"),
    "body": N_("Note"),
    "case": N_("Case"),
    "caseworker": N_("Caseworker"),
    "caseworker_id": N_("Caseworker"),
    "category": N_("Category"),
    "charge_article": N_("Charge (article)"),
    "charge_max_years": N_("Maximum sentence, years"),
    "city_id": N_("City"),
    "closed_on": N_("Closed on"),
    "contact": N_("Contact"),
    "decline_reason": N_("Reason"),
    "detained_on": N_("Detained on"),
    "display_name": N_("Name"),
    "dual_criminality": N_("Also a crime here (dual criminality)"),
    "enabled": N_("Enabled"),
    "extension_refused": N_("Extension refused"),
    "extradition_status": N_("Extradition"),
    "full_name": N_("Full name"),
    "identity": N_("Identity"),
    "identity_retention_months": N_("Identity retention, months"),
    "legal_status": N_("Legal status"),
    "met": N_("Met"),
    "name": N_("Name"),
    "name_cyrillic": N_("Name in Cyrillic"),
    "name_index": N_("Name index"),
    "name_latin": N_("Name in Latin letters"),
    "need": N_("Need"),
    "notes": N_("Notes"),
    "open_places": N_("Open places"),
    "organisation_id": N_("Organisation"),
    "outcome": N_("Outcome"),
    "passport_expires_on": N_("Passport expires on"),
    "passport_held": N_("Holds an international passport"),
    "permit_expires_on": N_("Permit expires on"),
    "permit_issued_on": N_("Permit issued on"),
    "permit_type": N_("Permit"),
    "person": N_("Identity"),
    "place": N_("Place"),
    "released_on": N_("Released on"),
    "role": N_("Role"),
    "service_delivered": N_("Service delivered"),
    "situation": N_("Situation"),
    "stage": N_("Stage"),
    "status": N_("Status"),
    "taking_referrals": N_("Taking referrals"),
    "urgency": N_("Urgency"),
    "username": N_("Username"),
    "wanted": N_("Wanted in the country of origin"),
    # An import's counts
    "created": N_("New cases"),
    "updated": N_("Updated cases"),
    "unchanged": N_("Unchanged cases"),
    "error": N_("Rows with errors"),
    # The data a referral shares
    **{scope.value: scope.label for scope in ConsentScope},
}


def field_label(name: str) -> str:
    """The label of field ``name`` in the reader's language; the name itself if unknown."""
    return _(FIELD_NAMES[name]) if name in FIELD_NAMES else name
