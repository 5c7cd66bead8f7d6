"""audit actions for the network step: refusals, moves, purges, keys, backups, imports,
merges, referrals and releases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
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
)
NEW = OLD + (
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


def _check(values: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("ck_audit_event_action", type_="check")
        batch_op.create_check_constraint("ck_audit_event_action", _check(values))


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    # Fixed values of this file, never user input.
    op.execute("DELETE FROM audit_event WHERE " + _check(NEW[len(OLD) :]))  # noqa: S608
    _replace(OLD)
