"""Detentions, and the forms to record one and its release."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.case_sections.common import CaseContext, key, save_case
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, enum_select
from dashboard.i18n import _, date_help, date_text, date_widget_format, label
from models import cases
from models.enums import DetentionOutcome, DetentionPlace


def detention_section(ctx: CaseContext) -> None:
    detail, version, today = ctx.detail, ctx.version, ctx.today
    st.subheader(_("Detentions"))
    if detail.detentions:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Detained on"): [date_text(d.detained_on) for d in detail.detentions],
                    _("Place"): [label(d.place) for d in detail.detentions],
                    _("Released on"): [date_text(d.released_on) for d in detail.detentions],
                    _("Outcome"): [label(d.outcome) for d in detail.detentions],
                }
            ),
            hide_index=True,
        )
    else:
        st.caption(_("No detention recorded."))
    if not ctx.can_edit:
        return
    with st.expander(_("Record a detention")), st.form(key("detention", version)):
        errors = FieldErrors()
        detained_on = st.date_input(
            _("Detained on"),
            value=today,
            min_value=dt.date(1990, 1, 1),
            max_value=dt.date(2100, 12, 31),
            key=key("detained_on", version),
            format=date_widget_format(),
            help=date_help(),
        )
        errors.slot("detained_on")
        place = enum_select(_("Place"), DetentionPlace, value=None, key=key("place", version))
        errors.slot("place", FORM_ERROR)
        submitted = st.form_submit_button(
            _("Record the detention"), key=key("detention_save", version)
        )
    if submitted:
        save_case(
            ctx,
            partial(cases.record_detention, detained_on=detained_on, place=place, today=today),
            errors=errors,
            success=_("Detention recorded."),
        )
    open_detentions = [
        (d.id, date_text(d.detained_on))
        for d in detail.detentions
        if d.released_on is None and d.id is not None
    ]
    if not open_detentions:
        return
    with st.expander(_("Record a release")), st.form(key("release", version)):
        errors = FieldErrors()
        detention_id = choice_select(
            _("Detention"),
            open_detentions,
            value=open_detentions[0][0],
            key=key("release_detention", version),
            optional=False,
        )
        errors.slot("detention")
        released_on = st.date_input(
            _("Released on"),
            value=today,
            min_value=dt.date(1990, 1, 1),
            max_value=dt.date(2100, 12, 31),
            key=key("released_on", version),
            format=date_widget_format(),
            help=date_help(),
        )
        errors.slot("released_on")
        outcome = enum_select(
            _("Outcome"),
            DetentionOutcome,
            value=DetentionOutcome.RELEASED,
            options=cases.RELEASE_OUTCOMES,
            key=key("release_outcome", version),
        )
        errors.slot("outcome", FORM_ERROR)
        submitted = st.form_submit_button(_("Record the release"), key=key("release_save", version))
    if submitted:
        save_case(
            ctx,
            partial(
                cases.record_release,
                detention_id=detention_id,
                released_on=released_on,
                outcome=outcome,
                today=today,
            ),
            errors=errors,
            success=_("Release recorded."),
        )
