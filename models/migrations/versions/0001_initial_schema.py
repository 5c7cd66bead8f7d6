"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 01:06:47.921208
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "city",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("name_ru", sa.String(length=120), nullable=False),
        sa.Column("region_en", sa.String(length=120), nullable=False),
        sa.Column("region_ru", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("city", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_country"), ["country"], unique=False)

    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "coordinator",
                "caseworker",
                "funder",
                name="ck_app_user_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "language",
            sa.Enum(
                "en",
                "ru",
                name="ck_app_user_language",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("intake_year", sa.Integer(), nullable=False),
        sa.Column("intake_seq", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "journalist",
                "activist",
                "deserter",
                "mobilisation_evader",
                "other",
                name="ck_case_file_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column(
            "stage",
            sa.Enum(
                "intake",
                "needs_assessment",
                "documents",
                "visa_application",
                "visa_granted",
                "travel_arranged",
                "relocated",
                name="ck_case_file_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="ck_case_file_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "relocated",
                "settled_locally",
                "deported",
                "extradited",
                "withdrew",
                "lost_contact",
                name="ck_case_file_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'open' AND outcome IS NULL AND closed_on IS NULL) OR (status = 'closed' AND outcome IS NOT NULL AND closed_on IS NOT NULL)",
            name="ck_case_closed_has_outcome",
        ),
        sa.CheckConstraint("version >= 1", name="ck_case_version_positive"),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("intake_year", "intake_seq", name="uq_case_intake_seq"),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_caseworker_status", ["caseworker_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_file_caseworker_id"), ["caseworker_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_file_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_opened_on"), ["opened_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_file_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_file_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_file_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(
            "ix_case_org_status_stage", ["organisation_id", "status", "stage"], unique=False
        )
        batch_op.create_index("ix_case_status_city", ["status", "city_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "sign_in",
                "sign_in_failed",
                "account_locked",
                "sign_out",
                "session_expired",
                "view_case",
                "view_identity",
                "create",
                "update",
                "delete",
                "export",
                "password_changed",
                "password_reset",
                "account_unlocked",
                "seed",
                name="ck_audit_event_action",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("fields", sa.String(length=500), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_case_at", ["case_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_org_at", ["organisation_id", "at"], unique=False)

    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index("ix_case_note_case_at", ["case_id", "created_at"], unique=False)

    op.create_table(
        "detention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("detained_on", sa.Date(), nullable=False),
        sa.Column(
            "place",
            sa.Enum(
                "document_check",
                "airport",
                "border",
                "home",
                "other",
                name="ck_detention_place",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "pending",
                "released",
                "released_on_conditions",
                "extradition_arrest",
                "deported",
                "extradited",
                name="ck_detention_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "released_on IS NULL OR released_on >= detained_on", name="ck_detention_dates"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("detention", schema=None) as batch_op:
        batch_op.create_index("ix_detention_case_date", ["case_id", "detained_on"], unique=False)
        batch_op.create_index("ix_detention_released", ["released_on"], unique=False)

    op.create_table(
        "employment_need",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "situation",
            sa.Enum(
                "formal",
                "informal",
                "remote",
                "unemployed",
                name="ck_employment_need_situation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("need", sa.String(length=500), nullable=True),
        sa.Column(
            "urgency",
            sa.Enum(
                "low",
                "medium",
                "high",
                name="ck_employment_need_urgency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "housing_need",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "situation",
            sa.Enum(
                "stable",
                "temporary",
                "shelter",
                "at_risk",
                "homeless",
                name="ck_housing_need_situation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("need", sa.String(length=500), nullable=True),
        sa.Column(
            "urgency",
            sa.Enum(
                "low",
                "medium",
                "high",
                name="ck_housing_need_urgency",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "legal_status",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "permit_type",
            sa.Enum(
                "none",
                "visa_free",
                "temporary_residence",
                "permanent_residence",
                "refugee_status",
                "asylum_pending",
                "other",
                name="ck_legal_status_permit_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("permit_issued_on", sa.Date(), nullable=True),
        sa.Column("permit_expires_on", sa.Date(), nullable=True),
        sa.Column("extension_refused", sa.Boolean(), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("charge_article", sa.String(length=64), nullable=True),
        sa.Column("charge_max_years", sa.Integer(), nullable=True),
        sa.Column("dual_criminality", sa.Boolean(), nullable=False),
        sa.Column(
            "extradition_status",
            sa.Enum(
                "none",
                "requested",
                "proceedings",
                "ordered",
                "refused",
                name="ck_legal_status_extradition",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "asylum_status",
            sa.Enum(
                "not_applied",
                "pending",
                "granted",
                "refused",
                "appeal",
                name="ck_legal_status_asylum",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("passport_held", sa.Boolean(), nullable=False),
        sa.Column("passport_expires_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "charge_max_years IS NULL OR (charge_max_years BETWEEN 0 AND 30)",
            name="ck_legal_charge_years",
        ),
        sa.CheckConstraint(
            "permit_expires_on IS NULL OR permit_issued_on IS NULL OR permit_expires_on >= permit_issued_on",
            name="ck_legal_permit_dates",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("legal_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_status_extradition_status"), ["extradition_status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_legal_status_permit_expires_on"), ["permit_expires_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_legal_status_wanted"), ["wanted"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_cyrillic", sa.String(length=200), nullable=True),
        sa.Column("name_latin", sa.String(length=200), nullable=True),
        sa.Column("other_spellings", sa.String(length=500), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year BETWEEN 1900 AND 2020)", name="ck_person_birth_year"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_table(
        "stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                "intake",
                "needs_assessment",
                "documents",
                "visa_application",
                "visa_granted",
                "travel_arranged",
                "relocated",
                name="ck_stage_change_from_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "intake",
                "needs_assessment",
                "documents",
                "visa_application",
                "visa_granted",
                "travel_arranged",
                "relocated",
                name="ck_stage_change_to_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.create_index("ix_stage_change_case_at", ["case_id", "changed_at"], unique=False)
        batch_op.create_index("ix_stage_change_to_at", ["to_stage", "changed_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_change_to_at")
        batch_op.drop_index("ix_stage_change_case_at")

    op.drop_table("stage_change")
    op.drop_table("person")
    with op.batch_alter_table("legal_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_status_wanted"))
        batch_op.drop_index(batch_op.f("ix_legal_status_permit_expires_on"))
        batch_op.drop_index(batch_op.f("ix_legal_status_extradition_status"))

    op.drop_table("legal_status")
    op.drop_table("housing_need")
    op.drop_table("employment_need")
    with op.batch_alter_table("detention", schema=None) as batch_op:
        batch_op.drop_index("ix_detention_released")
        batch_op.drop_index("ix_detention_case_date")

    op.drop_table("detention")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index("ix_case_note_case_at")

    op.drop_table("case_note")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_org_at")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index("ix_audit_case_at")

    op.drop_table("audit_event")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_status_city")
        batch_op.drop_index("ix_case_org_status_stage")
        batch_op.drop_index(batch_op.f("ix_case_file_updated_at"))
        batch_op.drop_index(batch_op.f("ix_case_file_stage"))
        batch_op.drop_index(batch_op.f("ix_case_file_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_case_file_opened_on"))
        batch_op.drop_index(batch_op.f("ix_case_file_city_id"))
        batch_op.drop_index(batch_op.f("ix_case_file_caseworker_id"))
        batch_op.drop_index("ix_case_caseworker_status")

    op.drop_table("case_file")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_organisation_id"))

    op.drop_table("app_user")
    op.drop_table("organisation")
    with op.batch_alter_table("city", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_country"))

    op.drop_table("city")
