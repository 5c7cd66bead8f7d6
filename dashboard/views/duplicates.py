"""Possible duplicates: the coordinator reviews pairs of cases that may be the same person.
Within the organisation: merge or mark different. With another organisation (when the
network setting allows it): only that organisation's name, its case code and the score;
mark different, or refer the own case to that organisation (the case page's referral form,
that organisation already chosen)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.case_sections.referrals import KEY as REFERRAL_KEY
from dashboard.forms import FieldErrors, save, show_flash
from dashboard.i18n import _, _n, moment_text
from dashboard.markup import literal
from models.access import Action, permits
from models.duplicates import queue, review

TABLE = "wp_duplicates_table"
REFER_TO = REFERRAL_KEY + "to"  # the referral form's "To organisation" box
VIEWS = Path(__file__).resolve().parent

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
# The pairs are read from the stored review queue (models.duplicates.queue), kept current by
# the daily `waypoint refresh`, by every intake and import, and by "Look again" below, which
# searches the coordinator's organisation again (seconds at 100,000 people).
if st.button(_("Look again"), key="wp_duplicates_rescan"):
    with st.spinner(_("Looking for possible duplicates…")):
        data.write(queue.look_again, actor=actor)
overview = data.duplicates_review(actor=actor)
st.caption(
    _("Matching across organisations is on for the network.")
    if overview.cross_org_matching
    else _(
        "Matching across organisations is off for the network: only your organisation's "
        "cases are compared. An administrator turns it on with "
        "`waypoint network-setting cross-org-matching on`."
    )
)
st.caption(
    _(
        "Looked for duplicates at {time}; new and renamed cases are added as they are saved.",
        time=moment_text(overview.searched_at),
    )
    if overview.searched_at
    else _("Not looked for yet: the daily refresh or “Look again” fills this list.")
)
pairs = overview.pairs
if not pairs:
    st.info(_("No possible duplicates to review."))
    st.stop()
st.caption(
    _("Pairs to review: {count}", count=overview.total)
    if overview.total == len(pairs)
    else _n(
        "Pairs to review: {count}; the {listed} most likely is listed.",
        "Pairs to review: {count}; the {listed} most likely are listed.",
        len(pairs),
        count=overview.total,
        listed=len(pairs),
    )
)

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
rows = event.selection.rows if event else []
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
if (
    pair.other_organisation_id is not None
    and permits(actor, Action.REFER_CASE)
    and left.button(
        _(
            "Refer {code} to {organisation}",
            code=pair.own_code,
            organisation=literal(pair.other_organisation),
        ),
        key="wp_duplicates_refer",
    )
):
    # The case page's referral form starts with that organisation chosen.
    st.session_state[REFER_TO] = pair.other_organisation_id
    st.switch_page(str(VIEWS / "case_page.py"), query_params={"code": pair.own_code})
if right.button(_("Different people"), key="wp_duplicates_different"):
    save(
        lambda s: review.mark_different(
            s, actor=actor, own_case_id=pair.own_case_id, other_case_id=pair.other_case_id
        ),
        errors=errors,
        success=_("Remembered: these are different people."),
    )
