"""One case, at its shareable address /case?code=WP-24-0137: summary and risk, identity where
the role allows, legal status, detentions, needs, stage history, notes, the case's audit trail,
and the forms the role may use. A case out of the user's scope reads exactly as a missing one.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import runtime
from dashboard.auth import signed_in_actor
from dashboard.case_sections.purge import purge_section
from dashboard.forms import (
    FORM_ERROR,
    FieldErrors,
    choice_select,
    enum_select,
    optional_date,
    optional_enum_select,
    save,
    show_flash,
)
from dashboard.i18n import _, label
from models import cases
from models.access import Action, Actor, permits
from models.audit import record
from models.case_codes import code_problem
from models.case_queries import (
    CODE_MAX_CHARS,
    CaseDetail,
    case_audit_trail,
    case_detail,
    case_identity,
)
from models.database import session_scope
from models.enums import (
    AsylumStatus,
    AuditAction,
    CaseStatus,
    DetentionOutcome,
    DetentionPlace,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    Outcome,
    PermitType,
    Stage,
    Urgency,
)

CODE_INPUT = "wp_case_code"
IDENTITY_TOGGLE = "wp_case_show_identity"
VERSION_KEY = "wp_case_held_version"
VIEWED_KEY = "wp_case_viewed"
IDENTITY_VIEWED_KEY = "wp_case_identity_viewed"
FORM_PREFIX = "wp_cf_"


def requested_code() -> str:
    """The code from the address, or typed into the box (which then updates the address)."""
    from_url = str(st.query_params.get("code", "")).strip().upper()
    typed = (
        st.text_input(
            _("Case code"),
            value=from_url[:CODE_MAX_CHARS],
            key=CODE_INPUT,
            placeholder="WP-24-0137",
            max_chars=CODE_MAX_CHARS,
        )
        .strip()
        .upper()
    )
    if typed != from_url:
        st.query_params["code"] = typed
    return typed


def held_version(code: str, current: int) -> int:
    """The version the forms' values were drawn from. Kept while the forms' widgets live
    (reruns of this page); reset to the database's after a save, a refusal or a return."""
    held = st.session_state.get(VERSION_KEY)
    alive = held is not None and any(
        isinstance(key, str) and key.startswith(FORM_PREFIX) and key.endswith(f"_v{held[1]}")
        for key in st.session_state
    )
    if held is None or held[0] != code or not alive:
        held = (code, current)
        st.session_state[VERSION_KEY] = held
    return int(held[1])


def forget_version() -> None:
    st.session_state.pop(VERSION_KEY, None)


def audit_view(actor: Actor, detail: CaseDetail) -> None:
    """One VIEW_CASE row each time a user opens a case (not at every rerun of the page)."""
    if st.session_state.get(VIEWED_KEY) == detail.case.code:
        return
    with session_scope(runtime.engine()) as session:
        record(
            session,
            actor=actor,
            action=AuditAction.VIEW_CASE,
            entity="case",
            entity_id=detail.case_id,
            case_id=detail.case_id,
        )
    st.session_state[VIEWED_KEY] = detail.case.code
    st.session_state.pop(IDENTITY_VIEWED_KEY, None)


def facts(rows: list[tuple[str, object]]) -> None:
    """Label/value pairs as a table: values are data, never markup."""
    st.dataframe(
        pd.DataFrame({_("Field"): [r[0] for r in rows], _("Value"): [_text(r[1]) for r in rows]}),
        hide_index=True,
        width="stretch",
    )


def utc_minutes(column: pd.Series) -> pd.Series:
    """Timestamps as "2026-11-23 14:05 UTC": no seconds, no offset digits."""
    return pd.to_datetime(column, utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "label"):
        return label(value)  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def summary(detail: CaseDetail) -> None:
    case = detail.case
    st.header(case.code)
    level = detail.risk_level
    if level is None:
        st.text(_("Closed case: no risk level."))
    else:
        st.subheader(_(level.label))
        for reason in detail.reasons:
            st.text("• " + _(reason))
        if not detail.reasons:
            st.text(_("No risk rule applies."))
    facts(
        [
            (_("Category"), case.category),
            (_("Organisation"), detail.organisation),
            (_("City"), detail.city),
            (_("Caseworker"), detail.caseworker),
            (_("Stage"), case.stage),
            (_("Status"), case.status),
            (_("Outcome"), case.outcome),
            (_("Opened on"), case.opened_on),
            (_("Last updated"), case.updated_at),
        ]
    )


def identity(actor: Actor, detail: CaseDetail) -> None:
    st.subheader(_("Identity"))
    if not permits(actor, Action.READ_IDENTITY):
        st.caption(_("Your role does not show identities."))
        return
    if not st.toggle(_("Show identity"), key=IDENTITY_TOGGLE):
        st.caption(_("Hidden until you ask for it; showing it is recorded in the audit trail."))
        return
    with session_scope(runtime.engine()) as session:
        person = case_identity(session, actor=actor, case_id=detail.case_id)
        if person is not None and st.session_state.get(IDENTITY_VIEWED_KEY) != detail.case.code:
            record(
                session,
                actor=actor,
                action=AuditAction.VIEW_IDENTITY,
                entity="person",
                entity_id=detail.case_id,
                case_id=detail.case_id,
                fields=("full_name", "name_cyrillic", "name_latin", "birth_year", "contact"),
            )
            st.session_state[IDENTITY_VIEWED_KEY] = detail.case.code
    if person is None:
        st.caption(_("No identity is held for this case: it was purged."))
        return
    for caption, value in [
        (_("Full name"), person.full_name),
        (_("Name in Cyrillic"), person.name_cyrillic),
        (_("Name in Latin letters"), person.name_latin),
        (_("Other spellings"), person.other_spellings),
        (_("Birth year"), person.birth_year),
        (_("Contact"), person.contact),
    ]:
        st.text(f"{caption}: {_text(value)}")


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def key(name: str, version: int) -> str:
    return f"{FORM_PREFIX}{name}_v{version}"


def legal_section(actor: Actor, detail: CaseDetail, version: int, can_edit: bool) -> None:
    st.subheader(_("Legal status and charges"))
    values = cases.legal_values(detail.legal)
    facts(
        [
            (_("Permit"), values["permit_type"]),
            (_("Permit issued on"), values["permit_issued_on"]),
            (_("Permit expires on"), values["permit_expires_on"]),
            (_("Extension refused"), values["extension_refused"]),
            (_("Wanted in the country of origin"), values["wanted"]),
            (_("Charge (article)"), values["charge_article"]),
            (_("Maximum sentence, years"), values["charge_max_years"]),
            (_("Also a crime here (dual criminality)"), values["dual_criminality"]),
            (_("Extradition"), values["extradition_status"]),
            (_("Asylum"), values["asylum_status"]),
            (_("Holds an international passport"), values["passport_held"]),
            (_("Passport expires on"), values["passport_expires_on"]),
        ]
    )
    if not can_edit:
        return
    with st.expander(_("Update legal status and permit")), st.form(key("legal", version)):
        errors = FieldErrors()
        permit_type = enum_select(
            _("Permit"),
            PermitType,
            value=values["permit_type"],  # type: ignore[arg-type]
            key=key("permit_type", version),
        )
        errors.slot("permit_type")
        issued = optional_date(
            _("Permit issued on"),
            value=values["permit_issued_on"],  # type: ignore[arg-type]
            key=key("permit_issued_on", version),
        )
        errors.slot("permit_issued_on")
        expires = optional_date(
            _("Permit expires on"),
            value=values["permit_expires_on"],  # type: ignore[arg-type]
            key=key("permit_expires_on", version),
        )
        errors.slot("permit_expires_on")
        refused = st.checkbox(
            _("Extension refused"),
            value=bool(values["extension_refused"]),
            key=key("extension_refused", version),
        )
        wanted = st.checkbox(
            _("Wanted in the country of origin"),
            value=bool(values["wanted"]),
            key=key("wanted", version),
        )
        article = st.text_input(
            _("Charge (article)"),
            value=values["charge_article"] or "",
            key=key("charge_article", version),
        )
        errors.slot("charge_article")
        years = st.number_input(
            _("Maximum sentence, years"),
            min_value=0,
            max_value=99,
            step=1,
            value=_int_or_none(values["charge_max_years"]),
            key=key("charge_max_years", version),
        )
        errors.slot("charge_max_years")
        dual = st.checkbox(
            _("Also a crime here (dual criminality)"),
            value=bool(values["dual_criminality"]),
            key=key("dual", version),
        )
        extradition = enum_select(
            _("Extradition"),
            ExtraditionStatus,
            value=values["extradition_status"],  # type: ignore[arg-type]
            key=key("extradition", version),
        )
        asylum = enum_select(
            _("Asylum"),
            AsylumStatus,
            value=values["asylum_status"],  # type: ignore[arg-type]
            key=key("asylum", version),
        )
        passport = st.checkbox(
            _("Holds an international passport"),
            value=bool(values["passport_held"]),
            key=key("passport", version),
        )
        passport_expires = optional_date(
            _("Passport expires on"),
            value=values["passport_expires_on"],  # type: ignore[arg-type]
            key=key("passport_expires_on", version),
        )
        errors.slot("passport_expires_on", FORM_ERROR)
        submitted = st.form_submit_button(_("Save legal status"), key=key("legal_save", version))
    if submitted:
        data = cases.LegalStatusInput(
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
        save(
            lambda s: cases.update_legal_status(
                s,
                actor=actor,
                case_id=detail.case_id,
                expected_version=version,
                data=data,
            ),
            errors=errors,
            success=_("Legal status saved."),
            reset=forget_version,
        )


def detention_section(
    actor: Actor, detail: CaseDetail, version: int, can_edit: bool, today: dt.date
) -> None:
    st.subheader(_("Detentions"))
    if detail.detentions:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Detained on"): [d.detained_on for d in detail.detentions],
                    _("Place"): [label(d.place) for d in detail.detentions],
                    _("Released on"): [d.released_on for d in detail.detentions],
                    _("Outcome"): [label(d.outcome) for d in detail.detentions],
                }
            ),
            hide_index=True,
        )
    else:
        st.caption(_("No detention recorded."))
    if not can_edit:
        return
    case_id = detail.case_id
    with st.expander(_("Record a detention")), st.form(key("detention", version)):
        errors = FieldErrors()
        detained_on = st.date_input(
            _("Detained on"),
            value=today,
            min_value=dt.date(1990, 1, 1),
            max_value=dt.date(2100, 12, 31),
            key=key("detained_on", version),
        )
        errors.slot("detained_on")
        place = enum_select(_("Place"), DetentionPlace, value=None, key=key("place", version))
        errors.slot("place", FORM_ERROR)
        submitted = st.form_submit_button(
            _("Record the detention"), key=key("detention_save", version)
        )
    if submitted:
        save(
            lambda s: cases.record_detention(
                s,
                actor=actor,
                case_id=case_id,
                expected_version=version,
                detained_on=detained_on,
                place=place,
                today=today,
            ),
            errors=errors,
            success=_("Detention recorded."),
            reset=forget_version,
        )
    open_detentions = [
        (d.id, d.detained_on.isoformat())
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
        save(
            lambda s: cases.record_release(
                s,
                actor=actor,
                case_id=case_id,
                expected_version=version,
                detention_id=detention_id,
                released_on=released_on,
                outcome=outcome,
                today=today,
            ),
            errors=errors,
            success=_("Release recorded."),
            reset=forget_version,
        )


def need_section(
    actor: Actor, detail: CaseDetail, version: int, can_edit: bool, today: dt.date, *, housing: bool
) -> None:
    row = detail.housing if housing else detail.employment
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
                (_("Met"), row.met),
                (_("Updated on"), row.updated_on),
            ]
        )
    if not can_edit:
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
            _("Met"), value=bool(row.met) if row else False, key=key(f"{name}_met", version)
        )
        errors.slot("urgency", "met", FORM_ERROR)
        submitted = st.form_submit_button(_("Save"), key=key(f"{name}_save", version))
    if submitted:
        data = cases.NeedInput(situation, need, urgency, met)
        write = cases.update_housing_need if housing else cases.update_employment_need
        save(
            lambda s: write(
                s,
                actor=actor,
                case_id=detail.case_id,
                expected_version=version,
                data=data,
                today=today,
            ),
            errors=errors,
            success=_("Saved."),
            reset=forget_version,
        )


def pipeline_section(
    actor: Actor, detail: CaseDetail, version: int, can_edit: bool, today: dt.date
) -> None:
    st.subheader(_("Stage history"))
    stages = detail.stages.copy()
    stages["from_stage"] = stages["from_stage"].map(
        lambda s: label(Stage(s)) if isinstance(s, str) else "—"
    )
    stages["to_stage"] = stages["to_stage"].map(lambda s: label(Stage(s)))
    stages[stages.columns[0]] = utc_minutes(stages[stages.columns[0]])
    stages.columns = [_("Changed at"), _("From"), _("To"), _("By")]
    st.dataframe(stages, hide_index=True)
    case = detail.case
    if not can_edit or case.status != CaseStatus.OPEN:
        return
    following = cases.next_stage(case.stage)
    if following is not None:
        with st.expander(_("Move to the next stage")), st.form(key("stage", version)):
            errors = FieldErrors()
            st.text(
                _(
                    "From {current} to {following}",
                    current=label(case.stage),
                    following=label(following),
                )
            )
            target = st.selectbox(
                _("Next stage"),
                [following.value],
                key=key("stage_to", version),
                format_func=lambda value: label(type(following)(value)),
            )
            errors.slot("stage", FORM_ERROR)
            submitted = st.form_submit_button(_("Move"), key=key("stage_save", version))
        if submitted:
            save(
                lambda s: cases.move_stage(
                    s,
                    actor=actor,
                    case_id=detail.case_id,
                    expected_version=version,
                    to_stage=target,
                ),
                errors=errors,
                success=_("Stage changed."),
                reset=forget_version,
            )
    if not permits(actor, Action.CLOSE_CASE):
        return
    with st.expander(_("Close the case")), st.form(key("close", version)):
        errors = FieldErrors()
        outcome = optional_enum_select(
            _("Outcome"), Outcome, value=None, key=key("close_outcome", version)
        )
        errors.slot("outcome", FORM_ERROR)
        submitted = st.form_submit_button(_("Close the case"), key=key("close_save", version))
    if submitted:
        save(
            lambda s: cases.close_case(
                s,
                actor=actor,
                case_id=detail.case_id,
                expected_version=version,
                outcome=outcome,
                today=today,
            ),
            errors=errors,
            success=_("Case closed."),
            reset=forget_version,
        )


def assignment_section(actor: Actor, detail: CaseDetail, version: int) -> None:
    if not permits(actor, Action.ASSIGN_CASE):
        return
    with st.expander(_("Assign a caseworker")), st.form(key("assign", version)):
        errors = FieldErrors()
        chosen = choice_select(
            _("Caseworker"),
            [(c.id, c.name) for c in detail.caseworkers],
            value=detail.case.caseworker_id,
            key=key("assign_to", version),
        )
        errors.slot("caseworker", FORM_ERROR)
        submitted = st.form_submit_button(_("Assign"), key=key("assign_save", version))
    if submitted:
        save(
            lambda s: cases.assign_caseworker(
                s,
                actor=actor,
                case_id=detail.case_id,
                expected_version=version,
                caseworker_id=chosen,
            ),
            errors=errors,
            success=_("Caseworker assigned."),
            reset=forget_version,
        )


def notes_section(actor: Actor, detail: CaseDetail, version: int, can_edit: bool) -> None:
    st.subheader(_("Notes"))
    if detail.notes.empty:
        st.caption(_("No notes yet."))
    else:
        notes = detail.notes.copy()
        notes[notes.columns[0]] = utc_minutes(notes[notes.columns[0]])
        notes.columns = [_("Written at"), _("Author"), _("Note")]
        st.dataframe(notes, hide_index=True, width="stretch")
    if not can_edit:
        return
    with st.form(key("note", version), clear_on_submit=False):
        errors = FieldErrors()
        body = st.text_area(_("New note"), key=key("note_body", version))
        errors.slot("body", FORM_ERROR)
        submitted = st.form_submit_button(_("Add note"), key=key("note_save", version))
    if submitted:
        save(
            lambda s: cases.add_note(s, actor=actor, case_id=detail.case_id, body=body),
            errors=errors,
            success=_("Note added."),
            reset=forget_version,
        )


def audit_section(actor: Actor, detail: CaseDetail) -> None:
    st.subheader(_("Audit trail of this case"))
    with session_scope(runtime.engine()) as session:
        trail = case_audit_trail(session, actor=actor, case_id=detail.case_id)
    trail["action"] = trail["action"].map(lambda a: label(AuditAction(a)))
    trail[trail.columns[0]] = utc_minutes(trail[trail.columns[0]])
    trail.columns = [_("When"), _("User"), _("Action"), _("Record"), _("Fields")]
    st.dataframe(trail, hide_index=True, width="stretch")


actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("Case"))
code = requested_code()
if not code:
    st.info(_("Enter a case code, for example WP-24-0137, or open a case from the case list."))
    st.stop()

typo = code_problem(code)
if typo is not None:
    st.error(_(typo))
    st.stop()
with session_scope(runtime.engine()) as session:
    found = case_detail(session, actor=actor, code=code, today=today)
if found is None:
    show_flash()  # e.g. the message of a purge that deleted the whole case
    st.error(_("Case not found."))
    st.stop()
assert found is not None
detail: CaseDetail = found
audit_view(actor, detail)
show_flash()
can_edit = permits(actor, Action.EDIT_CASE)
version = held_version(detail.case.code, detail.case.version)

summary(detail)
assignment_section(actor, detail, version)
identity(actor, detail)
legal_section(actor, detail, version, can_edit)
detention_section(actor, detail, version, can_edit, today)
need_section(actor, detail, version, can_edit, today, housing=True)
need_section(actor, detail, version, can_edit, today, housing=False)
pipeline_section(actor, detail, version, can_edit, today)
notes_section(actor, detail, version, can_edit)
audit_section(actor, detail)
purge_section(actor, code=detail.case.code)
