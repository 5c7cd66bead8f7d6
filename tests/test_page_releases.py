"""The funder's and the admin's impact page: published releases only, with AppTest."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import Session, select

from models.enums import AuditAction, ReleaseStatus
from models.identity.store import read_identity
from models.releases import Budget, Quarter, publish_quarter, published_releases
from models.tables import AuditEvent, Person, Release, User
from reports.releases.present import table_frame
from seed_data.generator import seed
from tests.factories import actor_of

TODAY = dt.date(2026, 11, 23)
CODE = re.compile(r"WP-\d\d-\d+")
BUDGET = Budget(epsilon=1.0, yearly_cap=4.0)


@pytest.fixture
def seeded(session: Session) -> Session:
    seed(session, cases=300, seed=3, today=TODAY, password="seeded-password-for-tests")
    session.commit()
    return session


def _actor(session: Session, username: str):  # type: ignore[no-untyped-def]
    return actor_of(session.exec(select(User).where(User.username == username)).one())


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [
        e.value
        for kind in ("title", "subheader", "header", "caption", "info", "error", "markdown")
        for e in at.get(kind)
    ]
    parts += [table.value.to_csv() for table in at.table]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    return "\n".join(str(p) for p in parts)


def test_without_a_release_the_funder_sees_no_numbers(seeded, database_url, page_test):
    at = page_test(
        "impact.py", database_url=database_url, actor=_actor(seeded, "funder"), today="2026-11-23"
    )
    at.run()
    assert not at.exception
    assert "No release has been published yet." in at.info[0].value
    assert not at.table


def test_the_funder_sees_the_stored_releases_and_nothing_live(seeded, database_url, page_test):
    for quarter in (Quarter(2026, 2), Quarter(2026, 3)):
        publish_quarter(seeded, actor=None, quarter=quarter, today=TODAY, budget=BUDGET)
    seeded.commit()
    funder = _actor(seeded, "funder")
    at = page_test("impact.py", database_url=database_url, actor=funder, today="2026-11-23")
    at.run()
    assert not at.exception
    latest = published_releases(seeded, actor=funder)[-1]
    # The trend table, then the six tables of the latest release, exactly as stored.
    assert len(at.table) == 7
    for shown, key in zip(at.table[1:], latest.tables, strict=True):
        expected = table_frame(latest, key, language="en").astype(str)
        assert shown.value.equals(expected.set_index(expected.columns[0]))
    text = _text(at)
    assert "within 21 of the true count 19 times out of 20" in text
    assert "Network release for 2026 Q3" in text
    assert not CODE.search(text)
    people = [read_identity(seeded, case_id=c) for c in seeded.exec(select(Person.case_id)).all()]
    names = [person.full_name for person in people if person is not None]
    assert names and not any(name in text for name in names)
    assert len(at.get("download_button")) == 4
    assert not at.dataframe
    # A second run shows exactly the same numbers: nothing is drawn again.
    first = [t.value.to_csv() for t in at.table]
    at.run()
    assert [t.value.to_csv() for t in at.table] == first
    # The funder has no admin section.
    assert not any("Prepare" in b.label for b in at.button)


def test_the_admin_prepares_views_and_publishes_a_draft(seeded, database_url, page_test):
    admin = _actor(seeded, "admin")
    at = page_test("impact.py", database_url=database_url, actor=admin, today="2026-11-23")
    at.run()
    assert not at.exception
    at.selectbox(key="wp_release_quarter").select("2026 Q3").run()
    at.button(key="wp_release_prepare").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("A draft for 2026 Q3 is ready" in s.value for s in at.success)
    [draft] = seeded.exec(select(Release)).all()
    assert any("Draft for 2026 Q3 (admins only)" in s.value for s in at.subheader)
    at.button(key=f"wp_release_publish_{draft.id}").click().run()
    assert not at.exception
    seeded.expire_all()
    assert seeded.get(Release, draft.id).status == ReleaseStatus.PUBLISHED  # type: ignore[union-attr]
    actions = {e.action for e in seeded.exec(select(AuditEvent))}
    assert {AuditAction.RELEASE_DRAFTED, AuditAction.RELEASE_PUBLISHED} <= actions


def test_the_funders_page_is_the_same_on_either_side_of_new_year(seeded, database_url, page_test):
    """The turn-of-a-quarter attack: reading on 31 December and on 1 January. The page shows
    stored releases, so "today" changes nothing on it."""
    publish_quarter(seeded, actor=None, quarter=Quarter(2026, 3), today=TODAY, budget=BUDGET)
    seeded.commit()
    funder = _actor(seeded, "funder")
    seen = []
    for today in ("2026-12-31", "2027-01-01"):
        at = page_test("impact.py", database_url=database_url, actor=funder, today=today)
        at.run()
        assert not at.exception
        seen.append([t.value.to_csv() for t in at.table])
    assert seen[0] == seen[1] and len(seen[0]) == 7


def test_the_admin_reads_release_refusals_in_russian(seeded, database_url, page_test, monkeypatch):
    monkeypatch.setenv("WAYPOINT_RELEASE_EPSILON", "1")
    monkeypatch.setenv("WAYPOINT_RELEASE_YEARLY_CAP", "1.5")
    admin = _actor(seeded, "admin")
    at = page_test(
        "impact.py", database_url=database_url, actor=admin, today="2026-11-23", language="ru"
    )
    at.run()
    at.selectbox(key="wp_release_quarter").select("3 кв. 2026").run()
    at.button(key="wp_release_prepare").click().run()
    assert not at.error
    at.button(key="wp_release_prepare").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Бюджет приватности на 2026 год будет превышен: уже израсходовано 1 из 1.5, "
        "а черновику нужно 1."
    ]
    monkeypatch.setenv("WAYPOINT_RELEASE_EPSILON", "много")
    at.run()
    assert "WAYPOINT_RELEASE_EPSILON: нужно число, например 1.0." in [e.value for e in at.error]
