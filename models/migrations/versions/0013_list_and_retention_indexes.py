"""indexes for the case list's stage filter and name search, and for retention's counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 02:00:00

- ``ix_case_stage_list_rank``: the stage filter over every case (an admin) counts and pages
  through one index range, instead of reading every open case to test its stage.
- ``ix_person_id_case``: a name search turns the blind index's person ids into case ids
  from this small index, without reading the sealed identities' rows;
  ``ix_case_org_id_list_key`` then checks those ids against the organisation and reads
  their sort key without reading each case's row (the hits come from the whole network).
- ``ix_case_status_org_closed_on``: the admin page counts the identities due for retention
  as one index range per organisation, instead of reading every closed case.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_case_stage_list_rank",
        "case_file",
        ["stage", sa.text("status DESC"), "list_rank", "code"],
    )
    op.create_index("ix_person_id_case", "person", ["id", "case_id"])
    op.create_index(
        "ix_case_org_id_list_key",
        "case_file",
        ["organisation_id", "id", "status", "list_rank", "code"],
    )
    op.create_index(
        "ix_case_status_org_closed_on", "case_file", ["status", "organisation_id", "closed_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_status_org_closed_on", table_name="case_file")
    op.drop_index("ix_case_org_id_list_key", table_name="case_file")
    op.drop_index("ix_person_id_case", table_name="person")
    op.drop_index("ix_case_stage_list_rank", table_name="case_file")
