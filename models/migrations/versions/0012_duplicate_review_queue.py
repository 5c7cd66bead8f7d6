"""the stored duplicate review queue

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 02:00:00

Adds ``duplicate_candidate`` (the likely pairs nobody has decided, as case ids, a score and
reason keys: no identity) and ``duplicate_search`` (when each organisation's pairs were last
searched for). Both start empty: ``waypoint refresh`` (daily) or ``waypoint duplicates
--refresh`` fills them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_candidate",
        sa.Column("case_a_id", sa.Integer(), nullable=False),
        sa.Column("case_b_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("case_a_id < case_b_id", name="ck_duplicate_candidate_order"),
        sa.ForeignKeyConstraint(["case_a_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_b_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_a_id", "case_b_id"),
    )
    op.create_index("ix_duplicate_candidate_b", "duplicate_candidate", ["case_b_id", "case_a_id"])
    op.create_index(
        "ix_duplicate_candidate_score", "duplicate_candidate", ["score", "case_a_id", "case_b_id"]
    )
    op.create_table(
        "duplicate_search",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organisation_id"),
    )


def downgrade() -> None:
    op.drop_table("duplicate_search")
    op.drop_index("ix_duplicate_candidate_score", table_name="duplicate_candidate")
    op.drop_index("ix_duplicate_candidate_b", table_name="duplicate_candidate")
    op.drop_table("duplicate_candidate")
