"""Every closed set of values in Waypoint, with the label a user reads for each."""

from __future__ import annotations

from enum import StrEnum

from models.i18n import N_


class LabelledEnum(StrEnum):
    """A string enum whose members carry an English label, translated by the dashboard."""

    @property
    def label(self) -> str:
        # Keyed by type and value: members of different enums may share a value ("other").
        return _LABELS[(type(self), self.value)]


class Role(LabelledEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CASEWORKER = "caseworker"
    FUNDER = "funder"


class Category(LabelledEnum):
    JOURNALIST = "journalist"
    ACTIVIST = "activist"
    DESERTER = "deserter"
    MOBILISATION_EVADER = "mobilisation_evader"
    OTHER = "other"


class Stage(LabelledEnum):
    """The resettlement pipeline, in order."""

    INTAKE = "intake"
    NEEDS_ASSESSMENT = "needs_assessment"
    DOCUMENTS = "documents"
    VISA_APPLICATION = "visa_application"
    VISA_GRANTED = "visa_granted"
    TRAVEL_ARRANGED = "travel_arranged"
    RELOCATED = "relocated"

    @property
    def position(self) -> int:
        return list(Stage).index(self)


class CaseStatus(LabelledEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReleaseStatus(StrEnum):
    """Where a quarterly release stands (see ``models/releases``)."""

    DRAFT = "draft"
    DISCARDED = "discarded"  # replaced by a newer draft; its budget stays spent
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Outcome(LabelledEnum):
    """Why a case left the pipeline."""

    RELOCATED = "relocated"
    SETTLED_LOCALLY = "settled_locally"
    DEPORTED = "deported"
    EXTRADITED = "extradited"
    WITHDREW = "withdrew"
    LOST_CONTACT = "lost_contact"
    # The same person as another case, merged into it (issue 12): not an outcome for the
    # person, so reports leave these cases out.
    DUPLICATE = "duplicate"


class PermitType(LabelledEnum):
    NONE = "none"
    VISA_FREE = "visa_free"
    TEMPORARY_RESIDENCE = "temporary_residence"
    PERMANENT_RESIDENCE = "permanent_residence"
    REFUGEE_STATUS = "refugee_status"
    ASYLUM_PENDING = "asylum_pending"
    OTHER = "other"


class ExtraditionStatus(LabelledEnum):
    NONE = "none"
    REQUESTED = "requested"
    PROCEEDINGS = "proceedings"
    ORDERED = "ordered"
    REFUSED = "refused"


class AsylumStatus(LabelledEnum):
    NOT_APPLIED = "not_applied"
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    APPEAL = "appeal"


class DetentionPlace(LabelledEnum):
    DOCUMENT_CHECK = "document_check"
    AIRPORT = "airport"
    BORDER = "border"
    HOME = "home"
    OTHER = "other"


class DetentionOutcome(LabelledEnum):
    PENDING = "pending"
    RELEASED = "released"
    RELEASED_ON_CONDITIONS = "released_on_conditions"
    EXTRADITION_ARREST = "extradition_arrest"
    DEPORTED = "deported"
    EXTRADITED = "extradited"


class HousingSituation(LabelledEnum):
    STABLE = "stable"
    TEMPORARY = "temporary"
    SHELTER = "shelter"
    AT_RISK = "at_risk"
    HOMELESS = "homeless"


class EmploymentSituation(LabelledEnum):
    FORMAL = "formal"
    INFORMAL = "informal"
    REMOTE = "remote"
    UNEMPLOYED = "unemployed"


class Urgency(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AuditAction(LabelledEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    ACCOUNT_LOCKED = "account_locked"
    SIGN_OUT = "sign_out"
    SESSION_EXPIRED = "session_expired"
    VIEW_CASE = "view_case"
    VIEW_IDENTITY = "view_identity"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_UNLOCKED = "account_unlocked"
    SEED = "seed"
    # The network step (issues 11-16); added together so that one migration widens the check.
    ACCESS_DENIED = "access_denied"
    ORGANISATION_MOVED = "organisation_moved"
    PURGE = "purge"
    RETENTION_PURGE = "retention_purge"
    KEYS_ROTATED = "keys_rotated"
    BACKUP = "backup"
    RESTORE = "restore"
    IMPORT = "import"
    MERGE = "merge"
    DUPLICATE_DECISION = "duplicate_decision"
    REFERRAL = "referral"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    RELEASE_DRAFTED = "release_drafted"
    RELEASE_PUBLISHED = "release_published"
    RELEASE_WITHDRAWN = "release_withdrawn"
    NAME_CHECK = "name_check"  # the new-case form's duplicate check (migration 0015)


class PurgeReason(LabelledEnum):
    """Why a person's identity was destroyed (the purge ledger keeps the reason, no values)."""

    PERSON_ASKED = "person_asked"
    IMMEDIATE_DANGER = "immediate_danger"
    DEVICE_SEIZED = "device_seized"
    ENTERED_BY_MISTAKE = "entered_by_mistake"
    RETENTION = "retention"


# A list, not a dict: members of different enums with equal values would collide as keys.
_LABEL_LIST: list[tuple[LabelledEnum, str]] = [
    (Role.ADMIN, N_("Administrator")),
    (Role.COORDINATOR, N_("Coordinator")),
    (Role.CASEWORKER, N_("Caseworker")),
    (Role.FUNDER, N_("Funder")),
    (Category.JOURNALIST, N_("Journalist")),
    (Category.ACTIVIST, N_("Political activist")),
    (Category.DESERTER, N_("Military deserter")),
    (Category.MOBILISATION_EVADER, N_("Mobilisation evader")),
    (Category.OTHER, N_("Other")),
    (Stage.INTAKE, N_("Intake")),
    (Stage.NEEDS_ASSESSMENT, N_("Needs assessment")),
    (Stage.DOCUMENTS, N_("Documents")),
    (Stage.VISA_APPLICATION, N_("Visa application")),
    (Stage.VISA_GRANTED, N_("Visa granted")),
    (Stage.TRAVEL_ARRANGED, N_("Travel arranged")),
    (Stage.RELOCATED, N_("Relocated")),
    (CaseStatus.OPEN, N_("Open")),
    (CaseStatus.CLOSED, N_("Closed")),
    (Outcome.RELOCATED, N_("Relocated")),
    (Outcome.SETTLED_LOCALLY, N_("Settled locally")),
    (Outcome.DEPORTED, N_("Deported")),
    (Outcome.EXTRADITED, N_("Extradited")),
    (Outcome.WITHDREW, N_("Withdrew")),
    (Outcome.LOST_CONTACT, N_("Lost contact")),
    (Outcome.DUPLICATE, N_("Merged into another case (duplicate)")),
    (PermitType.NONE, N_("No permit")),
    (PermitType.VISA_FREE, N_("Visa-free stay")),
    (PermitType.TEMPORARY_RESIDENCE, N_("Temporary residence")),
    (PermitType.PERMANENT_RESIDENCE, N_("Permanent residence")),
    (PermitType.REFUGEE_STATUS, N_("Refugee status")),
    (PermitType.ASYLUM_PENDING, N_("Asylum pending")),
    (PermitType.OTHER, N_("Other permit")),
    (ExtraditionStatus.NONE, N_("No extradition request")),
    (ExtraditionStatus.REQUESTED, N_("Extradition requested")),
    (ExtraditionStatus.PROCEEDINGS, N_("Extradition proceedings")),
    (ExtraditionStatus.ORDERED, N_("Extradition ordered")),
    (ExtraditionStatus.REFUSED, N_("Extradition refused")),
    (AsylumStatus.NOT_APPLIED, N_("Not applied")),
    (AsylumStatus.PENDING, N_("Application pending")),
    (AsylumStatus.GRANTED, N_("Granted")),
    (AsylumStatus.REFUSED, N_("Refused")),
    (AsylumStatus.APPEAL, N_("Under appeal")),
    (DetentionPlace.DOCUMENT_CHECK, N_("Document check")),
    (DetentionPlace.AIRPORT, N_("Airport")),
    (DetentionPlace.BORDER, N_("Border")),
    (DetentionPlace.HOME, N_("Home")),
    (DetentionPlace.OTHER, N_("Other place")),
    (DetentionOutcome.PENDING, N_("Still detained")),
    (DetentionOutcome.RELEASED, N_("Released")),
    (DetentionOutcome.RELEASED_ON_CONDITIONS, N_("Released on conditions")),
    (DetentionOutcome.EXTRADITION_ARREST, N_("Held for extradition")),
    (DetentionOutcome.DEPORTED, N_("Deported")),
    (DetentionOutcome.EXTRADITED, N_("Extradited")),
    (HousingSituation.STABLE, N_("Stable housing")),
    (HousingSituation.TEMPORARY, N_("Temporary housing")),
    (HousingSituation.SHELTER, N_("In a shelter")),
    (HousingSituation.AT_RISK, N_("At risk of losing housing")),
    (HousingSituation.HOMELESS, N_("Homeless")),
    (EmploymentSituation.FORMAL, N_("Formal employment")),
    (EmploymentSituation.INFORMAL, N_("Informal work")),
    (EmploymentSituation.REMOTE, N_("Remote work")),
    (EmploymentSituation.UNEMPLOYED, N_("Unemployed")),
    (Urgency.LOW, N_("Low")),
    (Urgency.MEDIUM, N_("Medium")),
    (Urgency.HIGH, N_("High")),
    (AuditAction.SIGN_IN, N_("Signed in")),
    (AuditAction.SIGN_IN_FAILED, N_("Sign-in failed")),
    (AuditAction.ACCOUNT_LOCKED, N_("Account locked")),
    (AuditAction.SIGN_OUT, N_("Signed out")),
    (AuditAction.SESSION_EXPIRED, N_("Session expired")),
    (AuditAction.VIEW_CASE, N_("Opened case")),
    (AuditAction.VIEW_IDENTITY, N_("Viewed identity")),
    (AuditAction.CREATE, N_("Created")),
    (AuditAction.UPDATE, N_("Changed")),
    (AuditAction.DELETE, N_("Deleted")),
    (AuditAction.EXPORT, N_("Exported")),
    (AuditAction.PASSWORD_CHANGED, N_("Password changed")),
    (AuditAction.PASSWORD_RESET, N_("Password reset")),
    (AuditAction.ACCOUNT_UNLOCKED, N_("Account unlocked")),
    (AuditAction.SEED, N_("Demo data seeded")),
    (AuditAction.ACCESS_DENIED, N_("Refused: out of scope")),
    (AuditAction.ORGANISATION_MOVED, N_("Moved to another organisation")),
    (AuditAction.PURGE, N_("Identity purged")),
    (AuditAction.RETENTION_PURGE, N_("Identity purged at end of retention")),
    (AuditAction.KEYS_ROTATED, N_("Keys rotated")),
    (AuditAction.BACKUP, N_("Backup made")),
    (AuditAction.RESTORE, N_("Backup restored")),
    (AuditAction.IMPORT, N_("Imported")),
    (AuditAction.MERGE, N_("Merged duplicates")),
    (AuditAction.DUPLICATE_DECISION, N_("Duplicate reviewed")),
    (AuditAction.REFERRAL, N_("Referral")),
    (AuditAction.CONSENT_WITHDRAWN, N_("Consent withdrawn")),
    (AuditAction.RELEASE_DRAFTED, N_("Release drafted")),
    (AuditAction.RELEASE_PUBLISHED, N_("Release published")),
    (AuditAction.RELEASE_WITHDRAWN, N_("Release withdrawn")),
    (AuditAction.NAME_CHECK, N_("Name checked for duplicates")),
    (PurgeReason.PERSON_ASKED, N_("The person asked to be removed")),
    (PurgeReason.IMMEDIATE_DANGER, N_("Immediate danger to the person")),
    (PurgeReason.DEVICE_SEIZED, N_("A device or server was seized or lost")),
    (PurgeReason.ENTERED_BY_MISTAKE, N_("Entered by mistake")),
    (PurgeReason.RETENTION, N_("Retention period ended")),
]

_LABELS: dict[tuple[type, str], str] = {
    (type(member), member.value): text for member, text in _LABEL_LIST
}
