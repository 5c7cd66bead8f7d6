"""The legal-status section and its form."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboard.case_sections.common import CaseContext, facts, int_or_none, key, save_case
from dashboard.forms import FORM_ERROR, FieldErrors, enum_select, optional_date
from dashboard.i18n import _
from models import cases
from models.enums import AsylumStatus, ExtraditionStatus, PermitType


def legal_section(ctx: CaseContext) -> None:
    st.subheader(_("Legal status and charges"))
    values = cases.legal_input(ctx.detail.legal)
    facts(
        [
            (_("Permit type"), values.permit_type),
            (_("Permit issued on"), values.permit_issued_on),
            (_("Permit expires on"), values.permit_expires_on),
            (_("Extension refused"), values.extension_refused),
            (_("Wanted in the country of origin"), values.wanted),
            (_("Charge (article)"), values.charge_article),
            (_("Maximum sentence, years"), values.charge_max_years),
            (_("Also a crime here (dual criminality)"), values.dual_criminality),
            (_("Extradition"), values.extradition_status),
            (_("Asylum"), values.asylum_status),
            (_("Holds an international passport"), values.passport_held),
            (_("Passport expires on"), values.passport_expires_on),
        ]
    )
    if not ctx.can_edit:
        return
    version = ctx.version
    with st.expander(_("Update legal status and permit")), st.form(key("legal", version)):
        errors = FieldErrors()
        permit_type = enum_select(
            _("Permit type"),
            PermitType,
            value=values.permit_type,
            key=key("permit_type", version),
        )
        errors.slot("permit_type")
        issued = optional_date(
            _("Permit issued on"),
            value=values.permit_issued_on,
            key=key("permit_issued_on", version),
        )
        errors.slot("permit_issued_on")
        expires = optional_date(
            _("Permit expires on"),
            value=values.permit_expires_on,
            key=key("permit_expires_on", version),
        )
        errors.slot("permit_expires_on")
        refused = st.checkbox(
            _("Extension refused"),
            value=bool(values.extension_refused),
            key=key("extension_refused", version),
        )
        wanted = st.checkbox(
            _("Wanted in the country of origin"),
            value=bool(values.wanted),
            key=key("wanted", version),
        )
        article = st.text_input(
            _("Charge (article)"),
            value=values.charge_article or "",
            key=key("charge_article", version),
        )
        errors.slot("charge_article")
        years = st.number_input(
            _("Maximum sentence, years"),
            min_value=0,
            max_value=99,
            step=1,
            value=int_or_none(values.charge_max_years),
            key=key("charge_max_years", version),
        )
        errors.slot("charge_max_years")
        dual = st.checkbox(
            _("Also a crime here (dual criminality)"),
            value=bool(values.dual_criminality),
            key=key("dual", version),
        )
        extradition = enum_select(
            _("Extradition"),
            ExtraditionStatus,
            value=values.extradition_status,
            key=key("extradition", version),
        )
        asylum = enum_select(
            _("Asylum"),
            AsylumStatus,
            value=values.asylum_status,
            key=key("asylum", version),
        )
        passport = st.checkbox(
            _("Holds an international passport"),
            value=bool(values.passport_held),
            key=key("passport", version),
        )
        passport_expires = optional_date(
            _("Passport expires on"),
            value=values.passport_expires_on,
            key=key("passport_expires_on", version),
        )
        errors.slot("passport_expires_on", FORM_ERROR)
        submitted = st.form_submit_button(_("Save legal status"), key=key("legal_save", version))
    if submitted:
        legal = cases.LegalStatusInput(
            permit_type=permit_type,
            permit_issued_on=issued,
            permit_expires_on=expires,
            extension_refused=refused,
            wanted=wanted,
            charge_article=article,
            charge_max_years=None if years is None else int(years),
            dual_criminality=dual,
            extradition_status=extradition,
            asylum_status=asylum,
            passport_held=passport,
            passport_expires_on=passport_expires,
        )
        save_case(
            ctx,
            partial(cases.update_legal_status, data=legal),
            errors=errors,
            success=_("Legal status saved."),
        )
