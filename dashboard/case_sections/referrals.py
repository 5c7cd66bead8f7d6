"""The case page's referrals, for the case's own organisation: the case's referrals,
revoking them, recording a withdrawal of consent, and the form that refers the case (consent
first). The receiving side of a referral has its own page (``received``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.case_sections.common import CaseContext
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, enum_select, save
from dashboard.i18n import _, date_help, date_widget_format, label
from dashboard.referral_widgets import referral_table
from models.access import Action, Actor
from models.enums import CaseStatus, Urgency
from models.network import (
    ConsentMethod,
    ConsentScope,
    ReferralState,
    ServiceType,
    queries,
    referrals,
    services,
)

KEY = "wp_ref_"


def open_choices(rows: pd.DataFrame) -> list[tuple[int, str]]:
    """Open referrals of ``rows`` as ``(id, "service → organisation (state)")``."""
    open_rows = rows[rows["state"].map(lambda s: ReferralState(s).open)]
    return [
        (
            int(row["id"]),
            f"{label(ServiceType(row['service']))} → {row['to_organisation']}"
            f" ({label(ReferralState(row['state']))})",
        )
        for _index, row in open_rows.iterrows()
    ]


def owner_section(ctx: CaseContext) -> None:
    st.subheader(_("Referrals to other organisations"))
    rows = data.read(queries.case_referrals, actor=ctx.actor, case_id=ctx.case_id, today=ctx.today)
    organisations = [
        choice
        for choice in data.read(services.organisation_choices)
        if choice[0] != ctx.detail.case.organisation_id
    ]
    directory = data.read(services.directory, actor=ctx.actor)
    referral_table(rows, empty=_("This case has not been referred."))
    choices = open_choices(rows)
    if choices and ctx.may(Action.EDIT_CASE):
        _end_form(ctx.actor, choices, sender=ctx.may(Action.REFER_CASE))
    if ctx.may(Action.REFER_CASE) and ctx.detail.case.status == CaseStatus.OPEN:
        _refer_form(ctx, organisations, directory)


def _end_form(actor: Actor, choices: list[tuple[int, str]], *, sender: bool) -> None:
    with st.form(KEY + "end"):
        errors = FieldErrors()
        chosen = choice_select(
            _("Open referral"), choices, value=None, key=KEY + "end_choice", optional=False
        )
        errors.slot(FORM_ERROR, FORM_ERROR)
        revoke = (
            st.form_submit_button(_("Revoke referral"), key=KEY + "revoke") if sender else False
        )
        withdraw = st.form_submit_button(
            _("Record that consent was withdrawn"), key=KEY + "withdraw"
        )
    if chosen is not None and revoke:
        save(
            lambda s: referrals.revoke(s, actor=actor, referral_id=chosen),
            errors=errors,
            success=_("Referral revoked. The other organisation no longer sees the case."),
        )
    if chosen is not None and withdraw:
        save(
            lambda s: referrals.withdraw_consent(s, actor=actor, referral_id=chosen),
            errors=errors,
            success=_("Consent withdrawn. The other organisation no longer sees the case."),
        )


def _refer_form(
    ctx: CaseContext, organisations: list[tuple[int, str]], directory: pd.DataFrame
) -> None:
    today = ctx.today
    with st.expander(_("Refer this case to another organisation")):
        if not directory.empty:
            st.caption(_("Services offered (see the services directory for details):"))
            st.dataframe(
                pd.DataFrame(
                    {
                        _("Organisation"): directory["organisation"],
                        _("Service"): directory["service"].map(lambda v: label(ServiceType(v))),
                        _("Covers"): directory["areas"],
                        _("Taking referrals"): directory["taking_referrals"].map(
                            lambda v: _("Yes") if v else _("No")
                        ),
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        with st.form(KEY + "refer"):
            errors = FieldErrors()
            target = choice_select(
                _("To organisation"), organisations, value=None, key=KEY + "to", optional=False
            )
            errors.slot("to_organisation", FORM_ERROR)
            service = enum_select(_("Service"), ServiceType, value=None, key=KEY + "service")
            errors.slot("service", FORM_ERROR)
            reason = st.text_area(_("Reason"), key=KEY + "reason")
            errors.slot("reason", FORM_ERROR)
            urgency = enum_select(_("Urgency"), Urgency, value=Urgency.MEDIUM, key=KEY + "urg")
            st.markdown("**" + _("The person's consent") + "**")
            given = st.checkbox(
                _("The person agreed to this referral"), value=False, key=KEY + "given"
            )
            errors.slot("consent_given", FORM_ERROR)
            given_on = st.date_input(
                _("Consent given on"),
                value=today,
                key=KEY + "given_on",
                format=date_widget_format(),
                help=date_help(),
            )
            errors.slot("consent_given_on", FORM_ERROR)
            method = enum_select(_("How"), ConsentMethod, value=None, key=KEY + "method")
            scopes = st.multiselect(
                _("Data shared"), list(ConsentScope), format_func=label, key=KEY + "scopes"
            )
            errors.slot("scopes", FORM_ERROR)
            ends_on = st.date_input(
                _("Consent ends on"),
                value=today + dt.timedelta(days=90),
                key=KEY + "ends_on",
                format=date_widget_format(),
                help=date_help(),
            )
            errors.slot("consent_ends_on", FORM_ERROR)
            submitted = st.form_submit_button(_("Send referral"), key=KEY + "send")
    if submitted and target is not None:
        referral = referrals.ReferralInput(
            to_organisation_id=target,
            service=service,
            reason=reason,
            urgency=urgency,
            consent_given=given,
            consent_given_on=given_on,
            consent_method=method,
            scopes=frozenset(scopes),
            consent_ends_on=ends_on,
        )
        save(
            lambda s: referrals.refer_case(
                s, actor=ctx.actor, case_id=ctx.case_id, data=referral, today=today
            ),
            errors=errors,
            success=_("Referral sent."),
        )
