"""The case page's referral parts.

- ``owner_section``: for the case's own organisation, the case's referrals, revoking them,
  recording a withdrawal of consent, and the form that refers the case (consent first).
- ``received_view``: the whole page for the receiving side of a referral: only the data
  categories the person agreed to share, its own notes, and the referral's answers.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import runtime
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, enum_select, save
from dashboard.i18n import _, label
from dashboard.referral_widgets import referral_table
from models import cases
from models.access import Action, Actor, permits
from models.case_queries import CaseDetail, assignable_caseworkers
from models.database import session_scope
from models.enums import CaseStatus, Role, Urgency
from models.network import (
    ConsentMethod,
    ConsentScope,
    ReferralState,
    ServiceType,
    queries,
    referrals,
    services,
    shared,
)

KEY = "wp_ref_"


def _open_choices(rows: pd.DataFrame) -> list[tuple[int, str]]:
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


def _table(rows: list[tuple[str, object]]) -> None:
    """Label/value lines as plain text (values are data, never markup)."""
    for caption, value in rows:
        st.text(f"{caption}: {'—' if value is None else value}")


# The sending side ------------------------------------------------------------------------


def owner_section(actor: Actor, detail: CaseDetail, today: dt.date) -> None:
    st.subheader(_("Referrals to other organisations"))
    with session_scope(runtime.engine()) as session:
        rows = queries.case_referrals(session, actor=actor, case_id=detail.case_id, today=today)
        organisations = [
            choice
            for choice in services.organisation_choices(session)
            if choice[0] != detail.case.organisation_id
        ]
        directory = services.directory(session, actor=actor)
    referral_table(rows, empty=_("This case has not been referred."))
    open_choices = _open_choices(rows)
    if open_choices and permits(actor, Action.EDIT_CASE):
        _end_form(actor, open_choices, sender=permits(actor, Action.REFER_CASE))
    if permits(actor, Action.REFER_CASE) and detail.case.status == CaseStatus.OPEN:
        _refer_form(actor, detail, today, organisations, directory)


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
    actor: Actor,
    detail: CaseDetail,
    today: dt.date,
    organisations: list[tuple[int, str]],
    directory: pd.DataFrame,
) -> None:
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
                            lambda v: _("Yes") if v else _("Not taking referrals")
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
                _("Consent given on"), value=today, key=KEY + "given_on", format="YYYY-MM-DD"
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
                format="YYYY-MM-DD",
            )
            errors.slot("consent_ends_on", FORM_ERROR)
            submitted = st.form_submit_button(_("Send referral"), key=KEY + "send")
    if submitted and target is not None:
        data = referrals.ReferralInput(
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
                s, actor=actor, case_id=detail.case_id, data=data, today=today
            ),
            errors=errors,
            success=_("Referral sent."),
        )


# The receiving side ----------------------------------------------------------------------


def received_view(actor: Actor, detail: CaseDetail, today: dt.date) -> None:
    consent = detail.consent or frozenset()
    case = detail.case
    st.header(case.code)
    st.info(
        _(
            "Referred by {organisation}. You see only what the person agreed to share: {scopes}.",
            organisation=detail.organisation,
            scopes=", ".join(label(s) for s in ConsentScope if s in consent),
        )
    )
    with session_scope(runtime.engine()) as session:
        rows = queries.case_referrals(session, actor=actor, case_id=detail.case_id, today=today)
        workers = (
            assignable_caseworkers(session, actor.organisation_id)
            if actor.organisation_id is not None
            else []
        )
    referral_table(rows, empty=_("No open referral."))
    _answer_forms(actor, rows, [(w.id, w.name) for w in workers])
    _shared_facts(detail, consent)
    _shared_identity(actor, detail, consent)
    _notes(actor, detail, consent)


def _shared_facts(detail: CaseDetail, consent: frozenset[ConsentScope]) -> None:
    st.subheader(_("Case facts"))
    if ConsentScope.FACTS not in consent:
        st.caption(_("Not shared with your organisation."))
    else:
        case, legal = detail.case, detail.legal
        _table(
            [
                (_("Category"), label(case.category)),
                (_("City"), detail.city),
                (_("Stage"), label(case.stage)),
                (_("Status"), label(case.status)),
                (_("Permit"), label(legal.permit_type) if legal else None),
                (_("Permit expires on"), legal.permit_expires_on if legal else None),
                (_("Wanted"), (_("Yes") if legal.wanted else _("No")) if legal else None),
                (_("Extradition"), label(legal.extradition_status) if legal else None),
                (_("Asylum"), label(legal.asylum_status) if legal else None),
                (_("Detentions"), len(detail.detentions)),
            ]
        )
    st.subheader(_("Needs"))
    if ConsentScope.NEEDS not in consent:
        st.caption(_("Not shared with your organisation."))
        return
    housing, employment = detail.housing, detail.employment
    _table(
        [
            (_("Housing"), label(housing.situation) if housing else None),
            (_("Housing need"), housing.need if housing else None),
            (_("Employment"), label(employment.situation) if employment else None),
            (_("Employment need"), employment.need if employment else None),
        ]
    )


def _shared_identity(actor: Actor, detail: CaseDetail, consent: frozenset[ConsentScope]) -> None:
    st.subheader(_("Identity"))
    if ConsentScope.IDENTITY not in consent or not permits(actor, Action.READ_IDENTITY):
        st.caption(_("Not shared with your organisation."))
        return
    if not st.toggle(_("Show identity"), key=KEY + "identity"):
        st.caption(_("Hidden until you ask for it; showing it is recorded in the audit trail."))
        return
    with session_scope(runtime.engine()) as session:
        person = shared.read_identity(session, actor=actor, case_id=detail.case_id)
    if person is not None:
        st.text(f"{_('Full name')}: {person.full_name}")
        st.text(f"{_('Contact')}: {person.contact or '—'}")


def _notes(actor: Actor, detail: CaseDetail, consent: frozenset[ConsentScope]) -> None:
    st.subheader(_("Notes"))
    if ConsentScope.NOTES not in consent:
        st.caption(_("The sending organisation's notes are not shared; yours are listed."))
    if detail.notes.empty:
        st.caption(_("No notes yet."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    _("When"): pd.to_datetime(detail.notes["created_at"], utc=True).dt.strftime(
                        "%Y-%m-%d %H:%M UTC"
                    ),
                    _("Author"): detail.notes["author"],
                    _("Note"): detail.notes["body"],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    with st.form(KEY + "note"):
        errors = FieldErrors()
        body = st.text_area(_("New note"), key=KEY + "note_body")
        errors.slot("body", FORM_ERROR)
        submitted = st.form_submit_button(_("Add note"), key=KEY + "note_save")
    if submitted:
        save(
            lambda s: cases.add_note(s, actor=actor, case_id=detail.case_id, body=body),
            errors=errors,
            success=_("Note added."),
        )


def _answer_forms(actor: Actor, rows: pd.DataFrame, workers: list[tuple[int, str]]) -> None:
    choices = _open_choices(rows)
    if not choices:
        return
    states = {int(i): ReferralState(s) for i, s in zip(rows["id"], rows["state"], strict=True)}
    with st.form(KEY + "answer"):
        errors = FieldErrors()
        chosen = choice_select(
            _("Referral"), choices, value=None, key=KEY + "answer_choice", optional=False
        )
        coordinator = actor.role is Role.COORDINATOR
        text = st.text_input(
            _("Reason for declining, or the service delivered"), key=KEY + "answer_text"
        )
        worker = (
            choice_select(_("Assign to"), workers, value=None, key=KEY + "assignee")
            if coordinator
            else None
        )
        errors.slot(FORM_ERROR, FORM_ERROR)
        clicked = {
            "accept": coordinator and st.form_submit_button(_("Accept"), key=KEY + "accept"),
            "decline": coordinator and st.form_submit_button(_("Decline"), key=KEY + "decline"),
            "assign": coordinator and st.form_submit_button(_("Assign"), key=KEY + "assign"),
            "complete": st.form_submit_button(_("Mark completed"), key=KEY + "complete"),
            "withdraw": st.form_submit_button(
                _("Record that consent was withdrawn"), key=KEY + "answer_withdraw"
            ),
        }
    if chosen is None:
        return
    if clicked["accept"] and states.get(chosen) is ReferralState.PENDING:
        save(lambda s: referrals.accept(s, actor=actor, referral_id=chosen), errors=errors,
             success=_("Referral accepted."))  # fmt: skip
    elif clicked["decline"]:
        save(lambda s: referrals.decline(s, actor=actor, referral_id=chosen, reason=text),
             errors=errors, success=_("Referral declined."))  # fmt: skip
    elif clicked["assign"] and worker is not None:
        save(lambda s: referrals.assign(s, actor=actor, referral_id=chosen, caseworker_id=worker),
             errors=errors, success=_("Referral assigned."))  # fmt: skip
    elif clicked["complete"]:
        save(
            lambda s: referrals.complete(
                s, actor=actor, referral_id=chosen, service_delivered=text
            ),
            errors=errors,
            success=_("Referral completed."),
        )
    elif clicked["withdraw"]:
        save(lambda s: referrals.withdraw_consent(s, actor=actor, referral_id=chosen),
             errors=errors, success=_("Consent withdrawn."))  # fmt: skip
