"""The audit trail: who did what, when, to which record and which fields; never the values."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from models.access import Actor
from models.enums import AuditAction
from models.tables import AuditEvent, utcnow


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: AuditAction,
    entity: str,
    entity_id: int | str | None = None,
    case_id: int | None = None,
    fields: Iterable[str] = (),
    detail: str | None = None,
) -> AuditEvent:
    """Add an audit row to ``session`` (committed with the change it describes).

    ``fields`` are field *names*; ``detail`` is a short machine phrase, never a user's value.
    """
    event = AuditEvent(
        at=utcnow(),
        user_id=actor.id if actor else None,
        username=actor.username if actor else None,
        organisation_id=actor.organisation_id if actor else None,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        case_id=case_id,
        fields=",".join(sorted(fields)) or None,
        detail=detail,
    )
    session.add(event)
    return event
