"""Intake: a coordinator (or an admin, for any organisation) opens a new case. The code
WP-YY-NNNN is allocated by ``models.cases.create_case``; the new case opens from the link.
While the name is typed, the open cases that may be the same person are listed (codes of
cases the user may open; "possible match at <organisation>" for any other); saving stays
possible."""

from __future__ import annotations

from typing import Protocol

import streamlit as st

from dashboard import data, runtime
from dashboard.auth import signed_in_actor
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, enum_select, save, show_flash
from dashboard.i18n import _, current_language, date_help, date_widget_format, number_text
from dashboard.links import case_url
from models import cases
from models.access import Scope, scope_of
from models.accounts import list_organisations
from models.case_queries import assignable_caseworkers, city_choices
from models.duplicates import intake
from models.enums import Category, PermitType
from models.errors import ValidationError

ORGANISATION = "wp_new_organisation"
FORM = "wp_new_case"
CREATED = "wp_new_case_created"


class HasCode(Protocol):
    code: str


def key(name: str) -> str:
    return f"wp_new_{name}"


actor = signed_in_actor()
today = runtime.settings().today()
st.title(_("New case"))
show_flash()
created = st.session_state.pop(CREATED, None)
if created:
    # The code and the text are ours, never user input: safe to render as a link.
    st.markdown(f"[{_('Open case {code}', code=created)}]({case_url(created)})")

cities = data.read(city_choices, language=current_language())
organisations = [(o.id, o.name) for o in data.read(list_organisations) if o.active and o.id]
organisation_id = actor.organisation_id
if scope_of(actor) is Scope.ALL:  # admins take in for any organisation
    organisation_id = choice_select(
        _("Organisation"), organisations, value=organisation_id, key=ORGANISATION, optional=False
    )
caseworkers = data.read(assignable_caseworkers, organisation_id) if organisation_id else []

errors = FieldErrors()
st.caption(
    _(
        "Names are stored apart from the case and shown only to roles that may read "
        "identities. Lists and charts show the case code only."
    )
)
# Outside the form, so that each name typed is checked against the open cases at once.
full_name = st.text_input(_("Full name"), key=key("full_name"))
errors.slot("full_name")
name_cyrillic = st.text_input(_("Name in Cyrillic"), key=key("name_cyrillic"))
errors.slot("name_cyrillic")
name_latin = st.text_input(_("Name in Latin letters"), key=key("name_latin"))
errors.slot("name_latin")
birth_year = st.number_input(
    _("Birth year"), min_value=1800, max_value=2100, value=None, step=1, key=key("birth_year")
)
errors.slot("birth_year")
year = None if birth_year is None else int(birth_year)
typed = {
    "full_name": full_name,
    "name_cyrillic": name_cyrillic,
    "name_latin": name_latin,
    "birth_year": year,
}
if organisation_id is not None and (full_name or name_cyrillic or name_latin).strip():
    try:
        matches = data.read(
            intake.intake_matches, actor=actor, organisation_id=organisation_id, values=typed
        )
    except ValidationError as paused:  # too many checks in the last hour
        st.warning(_(paused.messages["full_name"], **paused.params["full_name"]))
        matches = []
    if matches:
        st.warning(_("This person may already have a case. You can still open a new one."))
        for match in matches:
            # Plain text: organisation names are data, never markup.
            st.text(
                _(
                    "possible duplicate: {code} ({score})",
                    code=match.code,
                    score=number_text(match.score, decimals=2),
                )
                if match.code
                else _(
                    "possible match at {organisation} ({score})",
                    organisation=match.organisation,
                    score=number_text(match.score, decimals=2),
                )
            )

with st.form(FORM):
    contact = st.text_input(_("Contact"), key=key("contact"))
    errors.slot("contact")
    category = enum_select(_("Category"), Category, value=None, key=key("category"))
    errors.slot("category")
    city = choice_select(_("City"), [(c.id, c.name) for c in cities], value=None, key=key("city"))
    errors.slot("city")
    opened_on = st.date_input(
        _("Taken in on"),
        value=today,
        key=key("opened_on"),
        format=date_widget_format(),
        help=date_help(),
    )
    errors.slot("opened_on")
    caseworker = choice_select(
        _("Caseworker"), [(c.id, c.name) for c in caseworkers], value=None, key=key("caseworker")
    )
    errors.slot("caseworker", "organisation")
    permit_type = enum_select(
        _("Permit"), PermitType, value=PermitType.NONE, key=key("permit_type")
    )
    permit_expires = st.date_input(
        _("Permit expires on"),
        value=None,
        key=key("permit_expires"),
        format=date_widget_format(),
        help=date_help(),
    )
    wanted = st.checkbox(_("Wanted in the country of origin"), key=key("wanted"))
    errors.slot("permit_type", FORM_ERROR)
    submitted = st.form_submit_button(_("Open the case"), key=key("save"))

if submitted:
    intake_data = cases.Intake(
        full_name=full_name,
        name_cyrillic=name_cyrillic,
        name_latin=name_latin,
        birth_year=year,
        contact=contact,
        category=category,
        city_id=city,
        opened_on=opened_on,
        organisation_id=organisation_id,
        caseworker_id=caseworker,
        permit_type=permit_type,
        permit_expires_on=permit_expires,
        wanted=wanted,
    )

    def remember(case: HasCode) -> str:
        st.session_state[CREATED] = case.code
        for name in [k for k in st.session_state if str(k).startswith("wp_new_")]:
            if name not in (CREATED, ORGANISATION):
                del st.session_state[name]  # an empty form for the next intake
        return _("Case {code} opened.", code=case.code)

    save(
        lambda s: cases.create_case(s, actor=actor, data=intake_data, today=today),
        errors=errors,
        success=remember,
    )
