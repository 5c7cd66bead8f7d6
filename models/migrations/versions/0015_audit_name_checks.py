"""audit action for the new-case form's name check

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 07:50:00

The duplicate check on the new-case form answers "is this person known, and where" for a
typed name. Each check is now audited (who, when, how many matches; never the name), and the
audit log also counts an account's checks for the hourly limit.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = (
    "sign_in",
    "sign_in_failed",
    "account_locked",
    "sign_out",
    "session_expired",
    "view_case",
    "view_identity",
    "create",
    "update",
    "delete",
    "export",
    "password_changed",
    "password_reset",
    "account_unlocked",
    "seed",
    "access_denied",
    "organisation_moved",
    "purge",
    "retention_purge",
    "keys_rotated",
    "backup",
    "restore",
    "import",
    "merge",
    "duplicate_decision",
    "referral",
    "consent_withdrawn",
    "release_drafted",
    "release_published",
    "release_withdrawn",
)
NEW = (*OLD, "name_check")


def _check(values: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("ck_audit_event_action", type_="check")
        batch_op.create_check_constraint("ck_audit_event_action", _check(values))


def upgrade() -> None:
    _replace(NEW)
    # The hourly limit counts an account's recent checks.
    op.create_index("ix_audit_event_user_action_at", "audit_event", ["user_id", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_user_action_at", table_name="audit_event")
    # Fixed values of this file, never user input.
    op.execute("DELETE FROM audit_event WHERE " + _check(NEW[len(OLD) :]))  # noqa: S608
    _replace(OLD)
