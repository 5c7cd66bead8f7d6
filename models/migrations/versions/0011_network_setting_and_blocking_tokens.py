"""network settings; blocking tokens in the blind index

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 23:00:00

Adds ``network_setting`` (cross-organisation duplicate matching is off until an admin turns
it on) and gives every existing person the blocking tokens duplicate detection reads
(``models.identity.blind_index``: 12-byte HMACs beside the 16-byte word tokens).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCKING = "length(token) = 12"


def _index_blocking_tokens() -> None:
    from models.identity.crypto import DataCipher, open_identity, vault_for

    bind = op.get_bind()
    people = bind.execute(sa.text("SELECT id, key_id, sealed FROM person")).all()
    if not people:
        return
    vault = vault_for(bind)
    wrapped = vault.keystore.get_many(row.key_id for row in people)
    rows = []
    for person_id, key_id, sealed in people:
        if key_id not in wrapped:
            continue  # purged
        identity = open_identity(DataCipher(vault.master.decrypt(wrapped[key_id])), bytes(sealed))
        tokens = vault.index.blocking_tokens(*identity.spellings())
        rows += [{"t": token, "p": person_id} for token in tokens]
    # Written already by a newer 0005 step for people sealed there: replaced, not doubled.
    bind.execute(sa.text(f"DELETE FROM person_token WHERE {BLOCKING}"))  # noqa: S608
    if rows:
        bind.execute(sa.text("INSERT INTO person_token (token, person_id) VALUES (:t, :p)"), rows)


def upgrade() -> None:
    op.create_table(
        "network_setting",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _index_blocking_tokens()


def downgrade() -> None:
    op.execute(f"DELETE FROM person_token WHERE {BLOCKING}")  # noqa: S608
    op.drop_table("network_setting")
