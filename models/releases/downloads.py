"""The release formats a reader may download, and the audit row of each download."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session

from models.access import Action, Actor, require
from models.audit import record
from models.enums import AuditAction
from models.releases.service import ReleaseView


class ReleaseFormat(StrEnum):
    CSV = "csv"
    EXCEL = "xlsx"
    HTML = "html"
    PDF = "pdf"


def record_release_export(
    session: Session, *, actor: Actor | None, view: ReleaseView, export: ReleaseFormat
) -> None:
    """Audit one export of a release (which, in which form; no numbers)."""
    if actor is not None:
        require(actor, Action.VIEW_AGGREGATES)
    record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity="release",
        entity_id=view.id,
        detail=f"{view.quarter}, {export.value}",
    )
