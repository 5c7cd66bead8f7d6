"""Housing and employment needs, and their forms."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.case_sections.common import CaseContext, facts, key, save_case
from dashboard.forms import FORM_ERROR, FieldErrors, enum_select
from dashboard.i18n import _
from models import cases
from models.enums import EmploymentSituation, HousingSituation, Urgency


def need_section(ctx: CaseContext, *, housing: bool) -> None:
    row = ctx.detail.housing if housing else ctx.detail.employment
    version = ctx.version
    name = "housing" if housing else "employment"
    situations = HousingSituation if housing else EmploymentSituation
    st.subheader(_("Housing need") if housing else _("Employment need"))
    if row is None:
        st.caption(_("Not assessed yet."))
    else:
        facts(
            [
                (_("Situation"), row.situation),
                (_("Need"), row.need),
                (_("Urgency"), row.urgency),
                (_("Need met"), row.met),
                (_("Updated on"), row.updated_on),
            ]
        )
    if not ctx.can_edit:
        return
    title = _("Update the housing need") if housing else _("Update the employment need")
    with st.expander(title), st.form(key(name, version)):
        errors = FieldErrors()
        situation = enum_select(
            _("Situation"),
            situations,
            value=row.situation if row else None,
            key=key(f"{name}_situation", version),
        )
        errors.slot("situation")
        need = st.text_area(
            _("Need"), value=(row.need or "") if row else "", key=key(f"{name}_need", version)
        )
        errors.slot("need")
        urgency = enum_select(
            _("Urgency"),
            Urgency,
            value=row.urgency if row else Urgency.MEDIUM,
            key=key(f"{name}_urgency", version),
        )
        met = st.checkbox(
            _("Need met"), value=bool(row.met) if row else False, key=key(f"{name}_met", version)
        )
        errors.slot("urgency", "met", FORM_ERROR)
        submitted = st.form_submit_button(_("Save"), key=key(f"{name}_save", version))
    if submitted:
        write = cases.update_housing_need if housing else cases.update_employment_need
        save_case(
            ctx,
            partial(write, data=cases.NeedInput(situation, need, urgency, met), today=ctx.today),
            errors=errors,
            success=_("Saved."),
        )
