"""The whole case page for the receiving side of a referral: only the data categories the
person agreed to share, its own notes, and the referral's answers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.case_sections.common import CaseContext
from dashboard.case_sections.referrals import KEY, open_choices
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, save
from dashboard.i18n import _, label, moments
from dashboard.markup import literal
from dashboard.referral_widgets import referral_table
from models import cases
from models.access import Action, Actor
from models.case_queries import assignable_caseworkers, reveal_identity
from models.enums import Role
from models.network import ConsentScope, ReferralState, queries, referrals


def _table(rows: list[tuple[str, object]]) -> None:
    """Label/value lines as plain text (values are data, never markup)."""
    for caption, value in rows:
        st.text(f"{caption}: {'—' if value is None else value}")


def received_view(ctx: CaseContext) -> None:
    actor, detail = ctx.actor, ctx.detail
    consent = detail.consent or frozenset()
    case = detail.case
    st.header(case.code)
    st.info(
        _(
            "Referred by {organisation}. You see only what the person agreed to share: {scopes}.",
            organisation=literal(detail.organisation),  # a name typed by an admin
            scopes=", ".join(label(s) for s in ConsentScope if s in consent),
        )
    )
    rows = data.read(queries.case_referrals, actor=actor, case_id=ctx.case_id, today=ctx.today)
    workers = (
        data.read(assignable_caseworkers, actor.organisation_id)
        if actor.organisation_id is not None
        else []
    )
    referral_table(rows, empty=_("No open referral."))
    _answer_forms(actor, rows, [(w.id, w.name) for w in workers])
    _shared_facts(ctx, consent)
    _shared_identity(ctx, consent)
    _notes(ctx, consent)


def _shared_facts(ctx: CaseContext, consent: frozenset[ConsentScope]) -> None:
    detail = ctx.detail
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
                (_("Permit type"), label(legal.permit_type) if legal else None),
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


def _shared_identity(ctx: CaseContext, consent: frozenset[ConsentScope]) -> None:
    st.subheader(_("Identity"))
    if ConsentScope.IDENTITY not in consent or not ctx.may(Action.READ_IDENTITY):
        st.caption(_("Not shared with your organisation."))
        return
    if not st.toggle(_("Show identity"), key=KEY + "identity"):
        st.caption(_("Hidden until you ask for it; showing it is recorded in the audit trail."))
        return
    person = data.read(reveal_identity, actor=ctx.actor, case_id=ctx.case_id)
    if person is not None:
        st.text(f"{_('Full name')}: {person.full_name}")
        st.text(f"{_('Contact')}: {person.contact or '—'}")


def _notes(ctx: CaseContext, consent: frozenset[ConsentScope]) -> None:
    detail = ctx.detail
    st.subheader(_("Notes"))
    if ConsentScope.NOTES not in consent:
        st.caption(_("The sending organisation's notes are not shared; yours are listed."))
    if detail.notes.empty:
        st.caption(_("No notes yet."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    _("When"): moments(detail.notes["created_at"]),
                    # The sending organisation's staff are not named to the receiver.
                    _("Author"): detail.notes["author"].fillna(_("Sending organisation")),
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
            lambda s: cases.add_note(s, actor=ctx.actor, case_id=ctx.case_id, body=body),
            errors=errors,
            success=_("Note added."),
        )


def _answer_forms(actor: Actor, rows: pd.DataFrame, workers: list[tuple[int, str]]) -> None:
    choices = open_choices(rows)
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
