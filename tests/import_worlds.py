"""Set-ups shared by the import and duplicate tests: an import network with an apply as the
page does it, and a network where one person is known under three spellings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from models.enums import Role
from models.imports import apply_import, guess_mapping, read_table, remembered_mapping
from models.tables import City
from tests.factories import actor_of, make_case, make_organisation, make_user
from tests.import_files import drop_latin_names

# The import tests' network: two organisations, two cities and a coordinator; and an apply of
# a file's bytes with the guessed mapping, as the page does it.

IMPORT_DAY = dt.date(2026, 11, 23)


CITIES = {"almaty": ("Almaty", "Алматы"), "astana": ("Astana", "Астана")}


def add_cities(session: Session, *keys: str) -> None:
    """The cities an import test's rows name, in English and Russian."""
    for key in keys:
        english, russian = CITIES[key]
        session.add(
            City(
                key=key,
                name_en=english,
                name_ru=russian,
                region_en=english,
                region_ru=russian,
                country="KZ",
            )
        )


def make_world(session: Session) -> dict[str, Any]:
    org = make_organisation(session, "Steppe Bureau")
    other = make_organisation(session, "Open Door")
    add_cities(session, "almaty", "astana")
    coordinator = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
    session.commit()
    return {"org": org, "other": other, "coordinator": coordinator}


def apply(  # type: ignore[no-untyped-def]
    session, world, data: bytes, *, all_or_nothing=True, name="f.csv"
):
    table = read_table(data, name)
    outcome = apply_import(
        session,
        actor=world["coordinator"],
        organisation_id=world["org"].id,
        table=table,
        mapping=guess_mapping(
            table.headers, remembered_mapping(session, organisation_id=world["org"].id)
        ),
        today=IMPORT_DAY,
        all_or_nothing=all_or_nothing,
    )
    session.commit()
    return outcome


def zaytsev_network(session: Session) -> dict[str, Any]:
    """The duplicate tests' network: one person known twice to Steppe Bureau (in Cyrillic and
    in passport capitals) and once to Open Door (informal Latin), a sibling of theirs at Steppe
    Bureau, and a coordinator at each. Nothing committed; no network setting changed."""
    steppe = make_organisation(session, "Steppe Bureau")
    door = make_organisation(session, "Open Door")
    a = make_case(session, organisation=steppe, full_name="Зайцев Дмитрий Олегович")
    b = make_case(session, organisation=steppe, full_name="ZAYTSEV DMITRIY")
    sibling = make_case(session, organisation=steppe, full_name="Зайцев Алексей Олегович")
    elsewhere = make_case(session, organisation=door, full_name="Dmitry Zaitsev")
    drop_latin_names(session)  # the factory's filler
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=steppe)
    return {
        "steppe": steppe,
        "door": door,
        "a": a,
        "b": b,
        "sibling": sibling,
        "elsewhere": elsewhere,
        "coordinator_user": coordinator,
        "coordinator": actor_of(coordinator),
        "other": actor_of(make_user(session, role=Role.COORDINATOR, organisation=door)),
    }
