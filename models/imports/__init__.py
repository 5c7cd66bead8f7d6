"""Bringing an existing caseload in from a spreadsheet: read (``reading``), map headers
(``columns``), check row by row (the dry run) and apply in one transaction (``service``)."""

from models.imports.columns import (
    COLUMNS,
    OPTIONAL,
    REQUIRED,
    column_header,
    guess_mapping,
    missing_required,
)
from models.imports.reading import ImportRefused, Table, read_table
from models.imports.service import (
    RESULT_COLUMNS,
    STATUS_LABELS,
    ImportOutcome,
    ImportPlan,
    MappingIncomplete,
    NoSuchOrganisation,
    Problem,
    RowResult,
    RowStatus,
    apply_import,
    error_rows,
    plan_import,
    record_error_file,
    remember_mapping,
    remembered_mapping,
    result_rows,
)

__all__ = [
    "COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "RESULT_COLUMNS",
    "STATUS_LABELS",
    "ImportOutcome",
    "ImportPlan",
    "ImportRefused",
    "MappingIncomplete",
    "NoSuchOrganisation",
    "Problem",
    "RowResult",
    "RowStatus",
    "Table",
    "apply_import",
    "column_header",
    "error_rows",
    "guess_mapping",
    "missing_required",
    "plan_import",
    "record_error_file",
    "read_table",
    "remember_mapping",
    "remembered_mapping",
    "result_rows",
]
