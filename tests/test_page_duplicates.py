"""The possible-duplicates page: a coordinator selects a pair and merges it or marks it
different; a pair with another organisation shows only its name and case code."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.database import make_engine
from models.duplicates.queue import refresh_network
from models.duplicates.setting import CROSS_ORG_MATCHING, set_setting
from models.enums import CaseStatus, Outcome, Role
from models.tables import Case, DuplicateDecision
from tests.factories import actor_of, make_case, make_organisation, make_user
from tests.import_files import drop_latin_names


@pytest.fixture
def world(sqlite_url):
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        steppe = make_organisation(session, "Steppe Bureau")
        door = make_organisation(session, "Open Door")
        a = make_case(session, organisation=steppe, full_name="Соколова Мария Петровна")
        b = make_case(session, organisation=steppe, full_name="SOKOLOVA MARIIA")
        make_case(session, organisation=door, full_name="Орлов Олег Иванович")
        make_case(session, organisation=steppe, full_name="Oleg Orlov")
        drop_latin_names(session)
        coordinator = make_user(session, role=Role.COORDINATOR, organisation=steppe)
        set_setting(session, name=CROSS_ORG_MATCHING, enabled=True, actor=None)
        refresh_network(session)  # what `waypoint refresh` does daily
        session.commit()
    yield {
        "url": sqlite_url,
        "engine": engine,
        "a": a,
        "b": b,
        "door": door,
        "steppe": steppe,
        "coordinator": actor_of(coordinator),
    }
    engine.dispose()


def open_page(page_test, world):
    return page_test("duplicates.py", database_url=world["url"], actor=world["coordinator"]).run()


def table(at):
    return at.dataframe[0].value


def test_the_pairs_are_listed_with_codes_and_other_organisations_by_name(page_test, world):
    at = open_page(page_test, world)
    assert not at.exception
    frame = table(at)
    shown = " ".join(str(v) for v in frame.to_numpy().ravel())
    assert world["a"].code in shown and world["b"].code in shown
    assert "possible match at Open Door" in shown
    assert "Орлов" not in shown and "Соколова" not in shown and "SOKOLOVA" not in shown


def test_selecting_a_pair_within_the_organisation_and_merging_it(page_test, world):
    at = open_page(page_test, world)
    frame = table(at)
    row = next(i for i, v in enumerate(frame.iloc[:, 1]) if "Open Door" not in str(v))
    at.session_state["wp_duplicates_table"] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    at.run()
    at.button(key="wp_duplicates_merge").click().run()
    assert not at.exception
    with Session(world["engine"]) as session:
        closed = session.exec(select(Case).where(Case.status == CaseStatus.CLOSED)).one()
        assert closed.outcome == Outcome.DUPLICATE
        assert closed.id in (world["a"].id, world["b"].id)
        assert session.exec(select(DuplicateDecision)).one().same_person


def test_marking_a_pair_with_another_organisation_different(page_test, world):
    at = open_page(page_test, world)
    frame = table(at)
    row = next(i for i, v in enumerate(frame.iloc[:, 1]) if "Open Door" in str(v))
    at.session_state["wp_duplicates_table"] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    at.run()
    assert not [b for b in at.button if b.key == "wp_duplicates_merge"]
    at.button(key="wp_duplicates_different").click().run()
    assert not at.exception
    with Session(world["engine"]) as session:
        decision = session.exec(select(DuplicateDecision)).one()
        assert decision.same_person is False
    assert "Open Door" not in " ".join(
        str(v) for v in table(open_page(page_test, world)).to_numpy().ravel()
    )


def select_cross_organisation_pair(at):
    row = next(i for i, v in enumerate(table(at).iloc[:, 1]) if "Open Door" in str(v))
    at.session_state["wp_duplicates_table"] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    return at.run()


def test_a_referral_starts_from_a_match_with_another_organisation_already_chosen(page_test, world):
    # Through the entry script, so that the button can move to the case page.
    at = page_test("app", database_url=world["url"], actor=world["coordinator"])
    at.switch_page("views/duplicates.py").run()
    at = select_cross_organisation_pair(at)
    own = next(c for c, o in table(at).iloc[:, :2].to_numpy() if "Open Door" in str(o))
    at.button(key="wp_duplicates_refer").click().run()
    assert not at.exception
    # The case page of the own case, its referral form on the other organisation.
    [target] = [s for s in at.selectbox if s.key == "wp_ref_to"]
    assert target.value == world["door"].id
    assert at.query_params["code"] in (own, [own])


def test_the_page_says_whether_matching_across_organisations_is_on(page_test, world):
    assert "is on for the network" in open_page(page_test, world).caption[1].value
    with Session(world["engine"]) as session:
        set_setting(session, name=CROSS_ORG_MATCHING, enabled=False, actor=None)
        session.commit()
    at = open_page(page_test, world)
    assert "is off for the network" in at.caption[1].value
    shown = " ".join(str(v) for v in table(at).to_numpy().ravel())
    assert "Open Door" not in shown and world["a"].code in shown


def test_look_again_finds_a_pair_written_since_the_last_search(page_test, world):
    with Session(world["engine"], expire_on_commit=False) as session:
        # Written around the intake (a restore, say): the stored queue does not hold it yet.
        planted = [
            make_case(session, organisation=world["steppe"], full_name=name).code
            for name in ("Белозёрова Евдокия Тимофеевна", "BELOZEROVA EVDOKIIA")
        ]
        drop_latin_names(session)
        session.commit()
    at = open_page(page_test, world)
    assert "Looked for duplicates at" in at.caption[2].value
    assert not set(planted) & (set(table(at).iloc[:, 0]) | set(table(at).iloc[:, 1]))
    at.button(key="wp_duplicates_rescan").click().run()
    assert not at.exception
    frame = table(at)
    assert set(planted) <= set(frame.iloc[:, 0]) | set(frame.iloc[:, 1])
    assert "Белозёрова" not in " ".join(str(v) for v in frame.to_numpy().ravel())
