"""each note keeps the organisation its author wrote it for

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 07:55:00

A receiving organisation reads its own notes on a referred case, and the owner's only with
the person's consent to share notes. Which notes were "its own" was decided by the author's
*current* organisation: a caseworker who moved from the owner to the receiver took every
note they had written for the owner with them. The note now keeps the organisation it was
written for. An existing note is a receiving organisation's when its creation was audited
with that organisation (the audit row records the author's organisation then) and the case
was referred to it; every other note is the case's own organisation's (its staff's, an
admin's, seeded, imported).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_case_note_organisation_id_organisation", "organisation", ["organisation_id"], ["id"]
        )
    op.execute(
        """
        UPDATE case_note SET organisation_id = COALESCE(
            (SELECT MIN(a.organisation_id) FROM audit_event a
             WHERE a.entity = 'case_note' AND a.action = 'create'
               AND a.entity_id = CAST(case_note.id AS VARCHAR(32))
               AND EXISTS (SELECT 1 FROM referral r WHERE r.case_id = case_note.case_id
                           AND r.to_organisation_id = a.organisation_id)),
            (SELECT c.organisation_id FROM case_file c WHERE c.id = case_note.case_id)
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_constraint("fk_case_note_organisation_id_organisation", type_="foreignkey")
        batch_op.drop_column("organisation_id")
