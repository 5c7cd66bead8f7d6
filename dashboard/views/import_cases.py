"""Import: a coordinator brings an existing caseload in from a spreadsheet. Upload, check the
column mapping, run the dry run, read its report, then import (all rows, or only the valid
ones). Everything is decided in ``models.imports``; this page only collects and shows."""

from __future__ import annotations

import functools
import hashlib
import json

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import guarded_download, signed_in_actor
from dashboard.i18n import _, current_language
from dashboard.markup import literal
from models import imports
from models.access import Scope, scope_of
from models.accounts import list_organisations
from models.i18n import Language
from reports.files import to_csv
from reports.import_template import template_file

UPLOAD = "wp_import_upload"
ORGANISATION = "wp_import_organisation"
MODE = "wp_import_mode"
REPORT = "wp_import_report"
DONE = "wp_import_done"
ALL_OR_NOTHING = "all"


def column_label(column: str | None) -> str:
    """A Waypoint column as the template of the reader's language names it; * if required."""
    if column is None:
        return _("(ignore this column)")
    name = imports.column_header(column, current_language())
    return f"{name} *" if column in imports.REQUIRED else name


actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Import cases"))
st.caption(
    _(
        "Bring in cases from a spreadsheet (.xlsx, .ods or .csv). Nothing is written until "
        "you import after a dry run. A row whose reference you imported before updates that "
        "case instead of creating a second one."
    )
)
if done := st.session_state.pop(DONE, None):
    st.success(done)

left, right = st.columns(2)
left.download_button(
    _("Template (English headers)"),
    template_file(Language.EN),
    file_name="waypoint-import-template.xlsx",
    key="wp_import_template_en",
)
right.download_button(
    _("Template (Russian headers)"),
    template_file(Language.RU),
    file_name="waypoint-import-template-ru.xlsx",
    key="wp_import_template_ru",
)

organisation_id = actor.organisation_id
if scope_of(actor) is Scope.ALL:  # admins import for any organisation
    choices = {o.id: o.name for o in data.read(list_organisations) if o.active and o.id}
    organisation_id = st.selectbox(
        _("Organisation"), list(choices), format_func=choices.__getitem__, key=ORGANISATION
    )
if organisation_id is None:
    st.stop()

upload = st.file_uploader(_("Spreadsheet"), type=["xlsx", "ods", "csv"], key=UPLOAD)
if upload is None:
    st.stop()
content = upload.getvalue()
try:
    table = imports.read_table(content, upload.name)
except imports.ImportRefused as refused:
    st.error(_("This file was refused: {reason}", reason=_(refused.message, **refused.params)))
    st.stop()

st.subheader(_("Columns"))
st.caption(_("Check which column holds what. Columns marked * are required."))
remembered = data.read(imports.remembered_mapping, organisation_id=organisation_id)
guessed = imports.guess_mapping(table.headers, remembered)
file_key = hashlib.sha256(content).hexdigest()[:12]  # a new file gets fresh mapping widgets
options: list[str | None] = [None, *imports.COLUMNS]
mapping: dict[str, str | None] = {}
grid = st.columns(3)
for index, header in enumerate(table.headers):
    mapping[header] = grid[index % 3].selectbox(
        literal(header) if header else _("(no header)"),  # the file's text: never markup
        options,
        index=options.index(guessed.get(header)),
        format_func=column_label,
        key=f"wp_import_map_{file_key}_{index}",
    )
fingerprint = hashlib.sha256(content + json.dumps(mapping, sort_keys=True).encode()).hexdigest()

if st.button(_("Dry run"), key="wp_import_check", type="primary"):
    try:
        plan = data.read(
            imports.plan_import,
            actor=actor,
            organisation_id=organisation_id,
            table=table,
            mapping=mapping,
            today=today,
        )
    except imports.MappingIncomplete as missing:
        missing_names = ", ".join(column_label(c) for c in missing.missing)
        st.error(_("Choose a column for: {columns}", columns=missing_names))
        st.stop()
    in_file = {column: header for header, column in mapping.items() if column}
    headers, errors = imports.error_rows(plan, table, _, in_file)
    st.session_state[REPORT] = (
        fingerprint,
        plan.counts,
        imports.result_rows(plan, _, in_file),
        to_csv(pd.DataFrame(errors, columns=headers)),
    )

report = st.session_state.get(REPORT)
if report is None or report[0] != fingerprint:
    st.stop()
_fingerprint, counts, rows, error_file = report
st.subheader(_("Dry run"))
metrics = st.columns(4)
metrics[0].metric(_("New cases"), counts["created"])
metrics[1].metric(_("Updated cases"), counts["updated"])
metrics[2].metric(_("Unchanged"), counts["unchanged"])
metrics[3].metric(_("Rows with errors"), counts["error"])
frame = pd.DataFrame(rows)
frame["status"] = frame["status"].map(lambda s: _(imports.STATUS_LABELS[imports.RowStatus(s)]))
frame = frame.rename(
    columns={
        "row": _("Row"),
        "reference": _("Reference"),
        "status": _("Result"),
        "case_code": _("Case"),
        "errors": _("Errors"),
        "possible_duplicates": _("Possible duplicates"),
    }
)
st.dataframe(frame, hide_index=True, key="wp_import_report_table")
if counts["error"]:
    st.download_button(
        _("Download the rows with errors"),
        guarded_download(
            actor,
            lambda: error_file,
            record=functools.partial(
                imports.record_error_file, organisation_id=organisation_id, rows=counts["error"]
            ),
        ),
        file_name="waypoint-import-errors.csv",
        mime="text/csv",
        key="wp_import_errors",
        on_click="ignore",
    )

mode = st.radio(
    _("Import"),
    [ALL_OR_NOTHING, "valid"],
    format_func=lambda m: (
        _("All rows, or nothing if any row has an error")
        if m == ALL_OR_NOTHING
        else _("Only the valid rows; skip the rows with errors")
    ),
    key=MODE,
)
if st.button(_("Import now"), key="wp_import_apply"):
    outcome = data.write(
        imports.apply_import,
        actor=actor,
        organisation_id=organisation_id,
        table=table,
        mapping=mapping,
        today=today,
        all_or_nothing=mode == ALL_OR_NOTHING,
    )
    if not outcome.written:
        st.error(
            _("Nothing was imported: fix the rows with errors, or import only the valid rows.")
        )
        st.stop()
    done_counts = outcome.plan.counts
    st.session_state.pop(REPORT, None)
    st.session_state[DONE] = _(
        "Imported: {created} new cases, {updated} updated, {unchanged} unchanged, "
        "{error} rows skipped.",
        **done_counts,
    )
    st.rerun()
