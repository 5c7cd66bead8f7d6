"""A coordinator reviews possible duplicates in a real browser: a pair planted in the seeded
network (the same person entered twice, in Cyrillic and in passport Latin) is listed by case
code; marked "different", it is gone after a reload, and the decision is stored."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from models.duplicates.queue import requeue_cases
from models.enums import Role
from models.tables import DuplicateDecision, Organisation, User
from tests.e2e.conftest import database, open_signed_in, wait_ready
from tests.factories import make_case
from tests.import_files import drop_latin_names

TABLE = '[data-testid="stDataFrame"]'


def _plant(server) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two open cases of the coordinator's organisation about one person, queued for review."""
    with database(server) as session:
        coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
        assert coordinator.role == Role.COORDINATOR
        organisation = session.get(Organisation, coordinator.organisation_id)
        first, second = (
            make_case(
                session,
                organisation=organisation,
                full_name=name,
                opened_on=dt.date(2018, 5, 2),  # before the seeded years: its own numbers
            )
            for name in ("Белозёрова Евдокия Тимофеевна", "BELOZEROVA EVDOKIIA")
        )
        drop_latin_names(session)  # the factory's filler
        assert first.id is not None and second.id is not None
        requeue_cases(session, case_ids=[first.id, second.id])  # as the intake form does
        return first.id, second.id


def _pairs_shown(page) -> int:  # type: ignore[no-untyped-def]
    main = page.get_by_test_id("stMain")
    if main.get_by_text("No possible duplicates to review.").count():
        return 0
    caption = main.get_by_text("Pairs to review:").inner_text()
    return int(caption.rsplit(":", 1)[1])


def test_coordinator_marks_a_pair_different_and_it_is_gone_after_reload(new_page, server):
    planted = _plant(server)
    recorded = open_signed_in(new_page, server, "coordinator", "/duplicates")
    page = recorded.page
    page.get_by_role("heading", name="Possible duplicates").wait_for(timeout=60_000)
    before = _pairs_shown(page)
    assert before >= 1
    # The planted pair scores 1.0 and has the newest cases: the last of the equal scores,
    # and the only pair in the seeded network. Select the first row by its row marker.
    table = page.locator(TABLE)
    table.wait_for(timeout=60_000)
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.get_by_role("button", name="Different people").wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_role("button", name="Different people").click()
    page.get_by_text("Remembered: these are different people.").wait_for(timeout=60_000)

    page.reload()
    wait_ready(page)
    if page.get_by_role("textbox", name="Username", exact=True).count():
        recorded = open_signed_in(new_page, server, "coordinator", "/duplicates")
        page = recorded.page
    page.get_by_role("heading", name="Possible duplicates").wait_for(timeout=60_000)
    wait_ready(page)
    assert _pairs_shown(page) == before - 1
    with database(server) as session:
        decisions = [
            (d.case_a_id, d.case_b_id, d.same_person)
            for d in session.exec(select(DuplicateDecision)).all()
        ]
    assert decisions == [(*sorted(planted), False)]
    assert recorded.foreign_requests(server.host) == []
