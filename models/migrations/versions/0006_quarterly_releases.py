"""quarterly releases: frozen, differentially private figures for funders

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-28 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("draft", "discarded", "published", "withdrawn")


def upgrade() -> None:
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="ck_release_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("published_quarter", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("parameters", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("prepared_by_id", sa.Integer(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("epsilon > 0", name="ck_release_epsilon_positive"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
            name="ck_release_status",
        ),
        sa.ForeignKeyConstraint(["prepared_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["published_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("published_quarter"),
    )
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.create_index("ix_release_quarter_status", ["quarter", "status"], unique=False)
    op.create_table(
        "release_cell",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("table_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("row_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("column_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["release.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("release_id", "table_key", "row_key", "column_key"),
    )


def downgrade() -> None:
    op.drop_table("release_cell")
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.drop_index("ix_release_quarter_status")
    op.drop_table("release")
