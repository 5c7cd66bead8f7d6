"""Possible duplicates: the coordinator reviews pairs of cases that may be the same person.
Within the organisation: merge or mark different. With another organisation: only that
organisation's name, its case code and the score; mark different or contact them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import runtime
from dashboard.auth import signed_in_actor
from dashboard.forms import FieldErrors, save, show_flash
from dashboard.i18n import _
from models.database import session_scope
from models.duplicates import review

TABLE = "wp_duplicates_table"

actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Possible duplicates"))
st.caption(
    _(
        "Pairs of open cases whose people are probably the same, however their names were "
        "spelled. Cases of other organisations show only their code: contact that "
        "organisation before you act."
    )
)
show_flash()
with session_scope(runtime.engine()) as session:
    pairs = review.pairs_to_review(session, actor=actor)
if not pairs:
    st.info(_("No possible duplicates to review."))
    st.stop()

frame = pd.DataFrame(
    {
        _("Case"): [p.own_code for p in pairs],
        _("Possible duplicate"): [
            p.other_code
            if p.other_organisation is None
            else _(
                "possible match at {organisation}: {code}",
                organisation=p.other_organisation,
                code=p.other_code,
            )
            for p in pairs
        ],
        _("Score"): [round(p.score, 2) for p in pairs],
        _("Why"): ["; ".join(_(r) for r in p.reasons) for p in pairs],
    }
)
event = st.dataframe(
    frame, hide_index=True, on_select="rerun", selection_mode="single-row", key=TABLE
)
rows = event.selection.rows if event else []  # type: ignore[union-attr]
if not rows or rows[0] >= len(pairs):  # a decided pair leaves the list
    st.caption(_("Select a pair to decide."))
    st.stop()
pair = pairs[rows[0]]
errors = FieldErrors()
errors.slot("pair")
left, right = st.columns(2)
if pair.other_organisation is None and left.button(
    _(
        "Same person: keep {code}, close {other} as its duplicate",
        code=pair.own_code,
        other=pair.other_code,
    ),
    key="wp_duplicates_merge",
):
    save(
        lambda s: review.merge(
            s,
            actor=actor,
            survivor_id=pair.own_case_id,
            duplicate_id=pair.other_case_id,
            today=today,
        ),
        errors=errors,
        success=_(
            "Merged: {other} is closed as a duplicate of {code}.",
            other=pair.other_code,
            code=pair.own_code,
        ),
    )
if right.button(_("Different people"), key="wp_duplicates_different"):
    save(
        lambda s: review.mark_different(
            s, actor=actor, own_case_id=pair.own_case_id, other_case_id=pair.other_case_id
        ),
        errors=errors,
        success=_("Remembered: these are different people."),
    )
