"""stage change covering index for the pipeline's time-in-stage join

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stage_change_case_covering",
            ["case_id", "from_stage", "changed_at", "to_stage"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_change_case_covering")
