"""the free texts about a person sealed like the notes: needs and referral texts

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 08:10:00

A housing or employment need, a referral's reason, a decline's reason and the service
delivered are free text that staff write about a person ("evicted, sleeps at the station"),
and were stored in clear: readable in a seized copy or backup, and left behind by an urgent
purge. They are now sealed with the person's data key, as the notes are (the vault's keys
must be configured for the upgrade, as for 0005); destroying the key makes every copy
unreadable. A text whose person was already purged is dropped. A downgrade opens them again
while their keys exist.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASON_MAX = 500  # the clear columns' length, for the downgrade


TABLES = ("housing_need", "employment_need", "referral")


def _columns(table: str, *, sealed: bool) -> list[str]:
    """The clear (or sealed) free-text columns of ``table``."""
    from models.identity.migration import FREE_TEXTS

    return [s if sealed else c for t, c, s in FREE_TEXTS if t == table]


def upgrade() -> None:
    from models.identity.migration import seal_free_texts

    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _columns(table, sealed=True):
                batch_op.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))
    seal_free_texts(op.get_bind())
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _columns(table, sealed=False):
                batch_op.drop_column(column)
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL only hides a dropped column, and the sealing UPDATE left the rows it
        # replaced behind: the clear texts stay in the table's files until each row is
        # rewritten. VACUUM FULL rewrites every row, dropped columns emptied; the person and
        # note tables too, for the clear identities and notes that 0005 dropped the same way.
        # (SQLite rebuilt each table above, and secure_delete overwrites freed pages.)
        # Backups and archived write-ahead log from before this upgrade still hold them.
        with op.get_context().autocommit_block():
            op.execute("VACUUM FULL housing_need, employment_need, referral, person, case_note")


def downgrade() -> None:
    from models.identity.migration import open_free_texts

    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _columns(table, sealed=False):
                batch_op.add_column(sa.Column(column, sa.String(length=REASON_MAX), nullable=True))
    open_free_texts(op.get_bind())
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _columns(table, sealed=True):
                batch_op.drop_column(column)
            if table == "referral":
                batch_op.alter_column(
                    "reason", existing_type=sa.String(length=REASON_MAX), nullable=False
                )
