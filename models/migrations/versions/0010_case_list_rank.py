"""the case list's stored sort key on case_file, with its indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 23:10:00

``list_rank`` starts empty, and the stored day is forgotten, so that the next ``waypoint
refresh`` (or the first page run) computes every case's risk and rank again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Open before closed ("open" > "closed"), then the rank, then the code: the list's order.
INDEXES = {
    "ix_case_org_list_rank": ["organisation_id", "status DESC", "list_rank", "code"],
    "ix_case_list_rank": ["status DESC", "list_rank", "code"],
    "ix_case_caseworker_list_rank": ["caseworker_id", "status DESC", "list_rank", "code"],
}


def upgrade() -> None:
    op.add_column("case_file", sa.Column("list_rank", sa.Integer(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(
            name,
            "case_file",
            [sa.text(c) if " " in c else c for c in columns],
        )
    op.execute("DELETE FROM risk_refresh")


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="case_file")
    # Plain ALTER TABLE on both databases (SQLite >= 3.35): a batch rebuild of case_file would
    # drop and recreate the table that every other table refers to.
    op.execute("ALTER TABLE case_file DROP COLUMN list_rank")
