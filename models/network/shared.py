"""Reading a referred person's identity on the receiving side: through the same function as
everyone else (``case_identity``, which opens the vault with ``models.identity.store.
read_identity``), and audited."""

from __future__ import annotations

from sqlmodel import Session

from models import audit
from models.access import Actor
from models.case_queries import case_identity
from models.enums import AuditAction
from models.identity.crypto import Identity

IDENTITY_FIELDS = ("full_name", "name_cyrillic", "name_latin", "birth_year", "contact")


def read_identity(session: Session, *, actor: Actor, case_id: int) -> Identity | None:
    """The person behind ``case_id`` if the actor may read it (own case, or an open referral
    whose consent includes the identity), with one VIEW_IDENTITY audit row; else ``None``."""
    person = case_identity(session, actor=actor, case_id=case_id)
    if person is not None:
        audit.record(
            session,
            actor=actor,
            action=AuditAction.VIEW_IDENTITY,
            entity="person",
            entity_id=case_id,
            case_id=case_id,
            fields=IDENTITY_FIELDS,
        )
    return person
