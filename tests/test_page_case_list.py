"""The case list page: scoped rows with links to each case, filters and paging."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from models.database import make_engine
from models.enums import Role
from models.tables import Case
from tests.factories import actor_of, make_case, make_city, make_organisation, make_user

TODAY = "2026-11-23"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org, other = make_organisation(session), make_organisation(session)
        caseworker = make_user(session, role=Role.CASEWORKER, organisation=org)
        coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
        mine = [
            make_case(
                session,
                organisation=org,
                caseworker=caseworker,
                permit_expires_on=dt.date(2027, 1, 1) + dt.timedelta(days=i),
            )
            for i in range(3)
        ]
        colleagues = [make_case(session, organisation=org) for _ in range(2)]
        hidden = make_case(session, organisation=other, full_name="Скрытый Человек")
        session.commit()
    yield {
        "url": database_url,
        "mine": mine,
        "colleagues": colleagues,
        "hidden": hidden,
        "caseworker": actor_of(caseworker),
        "coordinator": actor_of(coordinator),
    }
    engine.dispose()


def shown_codes(at) -> list[str]:
    frame = at.dataframe[0].value if at.dataframe else None
    if frame is None:
        return []
    return sorted(url.split("code=")[1] for url in frame.iloc[:, 0])


def test_caseworker_sees_only_their_assigned_cases(page_test, world):
    at = page_test(
        "case_list.py", database_url=world["url"], actor=world["caseworker"], today=TODAY
    ).run()
    assert not at.exception
    assert shown_codes(at) == sorted(c.code for c in world["mine"])


def test_coordinator_sees_the_organisation_and_searches_by_code(page_test, world):
    at = page_test(
        "case_list.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    assert shown_codes(at) == sorted(c.code for c in world["mine"] + world["colleagues"])
    at.text_input(key="wp_cases_search").set_value(world["colleagues"][0].code).run()
    assert shown_codes(at) == [world["colleagues"][0].code]


def test_searching_the_name_of_a_hidden_case_finds_nothing(page_test, world):
    at = page_test(
        "case_list.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    at.text_input(key="wp_cases_search").set_value("Скрытый").run()
    assert shown_codes(at) == []
    assert "No case matches these filters." in [i.value for i in at.info]


def test_no_name_appears_in_the_list(page_test, world):
    at = page_test(
        "case_list.py", database_url=world["url"], actor=world["coordinator"], today=TODAY
    ).run()
    assert "Тестовый" not in at.dataframe[0].value.to_string()


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ("Иван " * 20_000, "Search for at most 200 characters (this has 99999)."),
        (" ".join(["ab"] * 11), "Search for at most 10 words."),
    ],
    ids=["100,000 characters", "11 words"],
)
def test_an_over_long_search_is_refused_with_a_message(page_test, world, search, message):
    at = page_test("case_list.py", database_url=world["url"], actor=world["coordinator"])
    at.session_state["wp_cases_search"] = search  # as a client that ignores the box's limit
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [message]
    assert not at.dataframe


def test_a_search_of_ten_words_and_two_hundred_characters_runs(page_test, world):
    search = " ".join(["Человек"] * 9) + " " + "x" * (200 - 72)
    assert len(search) == 200
    at = page_test("case_list.py", database_url=world["url"], actor=world["coordinator"])
    at.session_state["wp_cases_search"] = search
    at.run()
    assert not at.exception and not at.error


def test_a_russian_reader_sees_the_city_filter_and_column_in_russian(page_test, world):
    """The city filter and the list's column name a city in the reader's language."""
    engine = make_engine(world["url"])
    with Session(engine) as session:
        city = make_city(session, key="almaty_test")
        city.name_en, city.name_ru = "Almaty", "Алматы"
        session.add(city)
        case = session.get(Case, world["mine"][0].id)
        assert case is not None
        case.city_id = city.id
        session.commit()
    engine.dispose()
    at = page_test(
        "case_list.py",
        database_url=world["url"],
        actor=world["coordinator"],
        today=TODAY,
        language="ru",
    ).run()
    assert not at.exception
    city_filter = next(box for box in at.selectbox if box.label == "Город")
    assert "Алматы" in city_filter.options
    assert "Almaty" not in city_filter.options
    assert "Алматы" in at.dataframe[0].value.iloc[:, 3].tolist()


@pytest.mark.parametrize(
    ("language", "search_one", "caption"),
    [
        ("en", True, "1 case matches."),
        ("ru", False, "Найдено 3 дела."),
        ("ru", True, "Найдено 1 дело."),
    ],
)
def test_the_count_of_matching_cases_agrees_with_its_number(
    page_test, world, language, search_one, caption
):
    at = page_test(
        "case_list.py",
        database_url=world["url"],
        actor=world["caseworker"],
        today=TODAY,
        language=language,
    )
    if search_one:
        at.session_state["wp_cases_search"] = world["mine"][0].code
    at.run()
    assert caption in [c.value for c in at.caption]
