"""The services directory: what each organisation offers, where, and whether it takes
referrals. Coordinators keep their own organisation's entries; admins any organisation's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.auth import signed_in_actor
from dashboard.forms import FORM_ERROR, FieldErrors, choice_select, enum_select, save
from dashboard.i18n import _, current_language, label
from models.access import Action, permits
from models.case_queries import city_choices as city_choices_in
from models.enums import Role
from models.network import ServiceType, services

KEY = "wp_services_"


def directory_table(rows: pd.DataFrame) -> None:
    if rows.empty:
        st.info(_("No organisation lists a service yet."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                _("Organisation"): rows["organisation"],
                _("Service"): rows["service"].map(lambda v: label(ServiceType(v))),
                _("Covers"): rows["areas"],
                _("Open places"): rows["open_places"].map(
                    lambda v: "—" if v is None or pd.isna(v) else str(int(v))
                ),
                _("Taking referrals"): rows["taking_referrals"].map(
                    lambda v: _("Yes") if v else _("No")
                ),
            }
        ),
        hide_index=True,
        width="stretch",
    )


def edit_form(organisations: list[tuple[int, str]], cities: list[tuple[int, str]]) -> None:
    st.subheader(_("Update a service"))
    with st.form(KEY + "form"):
        errors = FieldErrors()
        organisation_id = actor.organisation_id
        if actor.role is Role.ADMIN:
            organisation_id = choice_select(
                _("Organisation"), organisations, value=None, key=KEY + "org", optional=False
            )
        service = enum_select(_("Service"), ServiceType, value=None, key=KEY + "service")
        places = st.number_input(
            _("Open places (leave empty if not counted)"),
            min_value=0,
            max_value=services.MAX_PLACES,
            value=None,
            step=1,
            key=KEY + "places",
        )
        errors.slot("open_places", FORM_ERROR)
        taking = st.checkbox(_("Taking referrals"), value=True, key=KEY + "taking")
        names = dict(cities)
        chosen = st.multiselect(
            _("Cities covered"), list(names), format_func=names.__getitem__, key=KEY + "cities"
        )
        countries = st.text_input(
            _("Countries covered (two-letter codes, comma-separated)"), key=KEY + "countries"
        )
        errors.slot("areas", FORM_ERROR)
        submitted = st.form_submit_button(_("Save service"), key=KEY + "save")
    if submitted:
        offer = services.ServiceInput(
            service=service,
            open_places=None if places is None else int(places),
            taking_referrals=taking,
            city_ids=frozenset(chosen),
            countries=frozenset(c.strip() for c in countries.split(",") if c.strip()),
        )
        save(
            lambda s: services.save_offer(
                s, actor=actor, data=offer, organisation_id=organisation_id
            ),
            errors=errors,
            success=_("Service saved."),
        )


actor = signed_in_actor()
st.title(_("Services directory"))
rows = data.read(services.directory, actor=actor, language=current_language())
organisation_choices = data.read(services.organisation_choices)
city_choices = [(c.id, c.name) for c in data.read(city_choices_in, language=current_language())]
directory_table(rows)
if permits(actor, Action.MANAGE_SERVICES):
    edit_form(organisation_choices, city_choices)
