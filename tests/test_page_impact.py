"""The impact report page of a coordinator (live, their own organisation), run with AppTest
against a seeded database; the funder's and admin's releases are in test_page_releases."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlmodel import Session, select

from models.case_codes import CODE_DISPLAY
from models.enums import Role
from models.funder import impact_report
from models.identity.store import read_identity
from models.tables import Case, Person, User
from reports.impact import report_frame
from seed_data.generator import seed
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = dt.date(2026, 11, 23)
CODE = re.compile(CODE_DISPLAY)  # any case code, of the earlier or the new form


@pytest.fixture
def seeded(session: Session) -> Session:
    seed(session, cases=300, seed=3, today=TODAY, password="seeded-password-for-tests")
    session.commit()
    return session


def _actor(session: Session, username: str):  # type: ignore[no-untyped-def]
    return actor_of(session.exec(select(User).where(User.username == username)).one())


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [
        e.value
        for kind in ("title", "subheader", "caption", "info", "error", "markdown")
        for e in at.get(kind)
    ]
    parts += [table.value.to_csv() for table in at.table]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    return "\n".join(str(p) for p in parts)


def test_the_coordinator_sees_every_table_with_its_chart_and_the_suppressed_numbers(
    seeded, database_url, page_test
):
    actor = _actor(seeded, "coordinator")
    at = page_test("impact.py", database_url=database_url, actor=actor, today=TODAY.isoformat())
    at.run()
    assert not at.exception
    assert at.title[0].value == "Impact report"
    report = impact_report(seeded, actor=actor, today=TODAY)
    assert [s.value for s in at.subheader][:6] == [t.title for t in report.tables]
    assert len(at.get("plotly_chart")) == 6 and len(at.table) == 6
    for table, shown in zip(report.tables, at.table, strict=True):
        expected = report_frame(table, language="en").astype(str)
        assert shown.value.equals(expected.set_index(expected.columns[0]))
    assert "<10" in at.table[0].value.to_csv()
    assert not at.dataframe  # st.dataframe would bring an unaudited CSV download
    assert any("Your organisation only" in c.value for c in at.caption)
    assert len(at.get("download_button")) == 3


def test_no_case_code_or_name_reaches_the_page(seeded, database_url, page_test):
    at = page_test(
        "impact.py",
        database_url=database_url,
        actor=_actor(seeded, "funder"),
        today=TODAY.isoformat(),
    )
    at.run()
    text = _all_text(at)
    assert not CODE.search(text)
    people = [read_identity(seeded, case_id=c) for c in seeded.exec(select(Person.case_id))]
    names = [p.full_name for p in people if p is not None]
    assert len(names) > 100
    assert not any(name in text for name in names)


def test_charts_draw_no_hidden_count(seeded, database_url, page_test):
    actor = _actor(seeded, "coordinator")
    at = page_test("impact.py", database_url=database_url, actor=actor, today=TODAY.isoformat())
    at.run()
    report = impact_report(seeded, actor=actor, today=TODAY)
    shown = {v for t in report.tables for v in t.safe.published() if isinstance(v, int)}
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            values = (
                trace.get("y")
                if trace["type"] == "scatter" or trace.get("orientation") != "h"
                else trace.get("x")
            )
            assert all(v is None or v in shown for v in values)


def test_a_coordinator_sees_their_own_organisation(seeded, database_url, page_test):
    actor = _actor(seeded, "coordinator")
    at = page_test("impact.py", database_url=database_url, actor=actor, today=TODAY.isoformat())
    at.run()
    assert not at.exception
    assert any("Your organisation only" in c.value for c in at.caption)
    own = len(
        seeded.exec(select(Case.id).where(Case.organisation_id == actor.organisation_id)).all()
    )
    assert at.table[0].value.iloc[-1, -1] == str(own)


def test_the_page_speaks_russian(seeded, database_url, page_test):
    at = page_test(
        "impact.py",
        database_url=database_url,
        actor=_actor(seeded, "coordinator"),
        language="ru",
        today=TODAY.isoformat(),
    )
    at.run()
    assert at.title[0].value == "Отчёт о результатах"
    assert "Итого" in at.table[0].value.to_csv()


def test_too_few_cases_show_a_notice_instead_of_numbers(session, database_url, page_test):
    organisation = make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=organisation)
    for _ in range(4):
        make_case(session, organisation=organisation)
    session.commit()
    at = page_test(
        "impact.py", database_url=database_url, actor=actor_of(coordinator), today=TODAY.isoformat()
    )
    at.run()
    assert "fewer than 10 cases" in at.info[0].value
    assert not at.table


def test_a_threshold_below_five_stops_the_page(seeded, database_url, page_test, monkeypatch):
    monkeypatch.setenv("WAYPOINT_DISCLOSURE_K", "3")
    at = page_test(
        "impact.py",
        database_url=database_url,
        actor=_actor(seeded, "coordinator"),
        today=TODAY.isoformat(),
    )
    at.run()
    assert at.error and "at least 5" in at.error[0].value
    assert not at.table
