"""Whether a user's caseload is still empty, so that empty dashboards can say how to start."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, permits, visible_cases
from models.tables import Case


def caseload_is_empty(session: Session, *, actor: Actor) -> bool:
    """True when ``actor`` may read cases and sees none at all."""
    if not permits(actor, Action.READ_CASE):
        return False
    found = session.execute(sa.select(col(Case.id)).where(visible_cases(actor)).limit(1)).first()
    return found is None
