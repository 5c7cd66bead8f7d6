"""stored risk level and stage times on case_file, stay durations on stage_change

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:30:00

The risk columns start empty and ``risk_refresh`` without its row: the first
``waypoint refresh`` (or the first page run) computes every case. The stage times are
filled here from the history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _days(dialect: str, start: str, end: str) -> str:
    if dialect == "sqlite":
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
    return f"CAST(floor(extract(epoch FROM {end} - {start}) / 86400) AS INTEGER)"


def upgrade() -> None:
    op.create_table(
        "risk_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("risk_urgency", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("risk_reasons", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("risk_changes_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_case_status_risk", ["status", "risk_urgency"], unique=False)
        batch_op.create_index(
            "ix_case_org_status_risk", ["organisation_id", "status", "risk_urgency"], unique=False
        )
        batch_op.create_index("ix_case_risk_changes_on", ["risk_changes_on"], unique=False)
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stay_days", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_stage_change_case_covering")
        batch_op.create_index(
            "ix_stage_change_case_stay", ["case_id", "from_stage", "stay_days"], unique=False
        )
    dialect = op.get_bind().dialect.name
    op.execute(
        "UPDATE case_file SET stage_entered_at = (SELECT max(changed_at) FROM stage_change"
        " WHERE stage_change.case_id = case_file.id AND stage_change.to_stage = case_file.stage)"
    )
    # A stay ends with the change leaving a stage and began with the latest change entering it.
    entered = (
        "(SELECT max(entering.changed_at) FROM stage_change AS entering"
        " WHERE entering.case_id = stage_change.case_id"
        " AND entering.to_stage = stage_change.from_stage"
        " AND entering.changed_at <= stage_change.changed_at)"
    )
    op.execute(
        f"UPDATE stage_change SET stay_days = {_days(dialect, entered, 'stage_change.changed_at')}"  # noqa: S608
        " WHERE from_stage IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_change_case_stay")
        batch_op.create_index(
            "ix_stage_change_case_covering",
            ["case_id", "from_stage", "changed_at", "to_stage"],
            unique=False,
        )
        batch_op.drop_column("stay_days")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_risk_changes_on")
        batch_op.drop_index("ix_case_org_status_risk")
        batch_op.drop_index("ix_case_status_risk")
        batch_op.drop_column("stage_entered_at")
        batch_op.drop_column("risk_changes_on")
        batch_op.drop_column("risk_reasons")
        batch_op.drop_column("risk_urgency")
        batch_op.drop_column("risk_level")
    op.drop_table("risk_refresh")
