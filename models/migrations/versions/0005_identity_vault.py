"""identity vault: sealed identities and notes, blind name index, purge ledger, retention

Existing clear identities and notes are sealed during the upgrade with the vault's keys
(``WAYPOINT_MASTER_KEYS`` etc., see models/identity/keys.py), then the clear columns are
dropped. A downgrade opens them again (while their keys exist).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLEAR_COLUMNS = ("full_name", "name_cyrillic", "name_latin", "other_spellings")
REASONS = ("person_asked", "immediate_danger", "device_seized", "entered_by_mistake", "retention")


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "identity_retention_months", sa.Integer(), server_default="12", nullable=False
            )
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_body", sa.LargeBinary(), nullable=True))
    op.create_table(
        "purge_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_code", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("whole_case", sa.Boolean(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                *REASONS,
                name="ck_purge_ledger_reason",
                native_enum=False,
                length=32,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id"),
    )
    with op.batch_alter_table("purge_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purge_ledger_case_code"), ["case_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_purge_ledger_purged_at"), ["purged_at"], unique=False)

    from models.identity.migration import seal_clear_rows

    tokens = seal_clear_rows(op.get_bind())

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("ck_person_birth_year", type_="check")
        for column in (*CLEAR_COLUMNS, "birth_year", "contact"):
            batch_op.drop_column(column)
        batch_op.alter_column("key_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_person_key_id"), ["key_id"])
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_column("body")
        batch_op.alter_column("sealed_body", existing_type=sa.LargeBinary(), nullable=False)
    # Created after the person table is rebuilt: SQLite's rebuild drops the old table, and
    # that would cascade to the tokens.
    op.create_table(
        "person_token",
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", "person_id"),
    )
    with op.batch_alter_table("person_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_token_person_id"), ["person_id"], unique=False)
    if tokens:
        op.get_bind().execute(
            sa.text("INSERT INTO person_token (token, person_id) VALUES (:t, :p)"), tokens
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("name_cyrillic", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("name_latin", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("other_spellings", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=300), nullable=True))
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.String(length=4000), nullable=True))

    from models.identity.migration import open_sealed_rows

    open_sealed_rows(op.get_bind())

    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_column("sealed_body")
        batch_op.alter_column("body", existing_type=sa.String(length=4000), nullable=False)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_person_key_id"), type_="unique")
        batch_op.drop_column("sealed")
        batch_op.drop_column("key_id")
        batch_op.alter_column("full_name", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_check_constraint(
            "ck_person_birth_year", "birth_year IS NULL OR (birth_year BETWEEN 1900 AND 2020)"
        )
    with op.batch_alter_table("purge_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purge_ledger_purged_at"))
        batch_op.drop_index(batch_op.f("ix_purge_ledger_case_code"))
    op.drop_table("purge_ledger")
    with op.batch_alter_table("person_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_token_person_id"))
    op.drop_table("person_token")
    # Not a batch rebuild: on SQLite that drops the organisation table, which the cases'
    # foreign keys forbid once there is data. SQLite 3.35+ drops a plain column in place.
    op.execute("ALTER TABLE organisation DROP COLUMN identity_retention_months")
