"""Administration in models.accounts: only admins manage, and nobody locks themselves out."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import accounts
from models.access import PermissionDenied
from models.enums import AuditAction, Role
from models.errors import ValidationError
from models.tables import AuditEvent, Organisation, User
from tests.factories import actor_of, make_organisation, make_user


@pytest.fixture
def world(session):
    org = make_organisation(session)
    admin = make_user(session, role=Role.ADMIN)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    worker = make_user(session, role=Role.CASEWORKER, organisation=org)
    session.commit()
    return {
        "org": org,
        "admin": actor_of(admin),
        "coordinator": actor_of(coordinator),
        "worker": worker,
    }


def test_only_admins_manage_accounts(session, world):
    with pytest.raises(PermissionDenied):
        accounts.set_active(
            session, actor=world["coordinator"], user_id=world["worker"].id, active=False
        )
    with pytest.raises(PermissionDenied):
        accounts.create_organisation(session, actor=world["coordinator"], name="Shadow")


def test_deactivate_and_reactivate_are_audited(session, world):
    worker = world["worker"]
    accounts.set_active(session, actor=world["admin"], user_id=worker.id, active=False)
    session.commit()
    session.refresh(worker)
    assert worker.active is False
    accounts.set_active(session, actor=world["admin"], user_id=worker.id, active=True)
    session.commit()
    details = session.exec(
        select(AuditEvent.detail).where(AuditEvent.action == AuditAction.UPDATE)
    ).all()
    assert sorted(details) == ["deactivated", "reactivated"]


def test_change_role_needs_an_organisation_for_staff(session, world):
    worker = world["worker"]
    with pytest.raises(ValidationError):
        accounts.change_role(
            session,
            actor=world["admin"],
            user_id=worker.id,
            role=Role.COORDINATOR,
            organisation_id=None,
        )
    accounts.change_role(
        session, actor=world["admin"], user_id=worker.id, role=Role.FUNDER, organisation_id=None
    )
    session.commit()
    session.refresh(worker)
    assert (worker.role, worker.organisation_id) == (Role.FUNDER, None)


def test_an_admin_keeps_their_own_role_and_account(session, world):
    admin = world["admin"]
    with pytest.raises(ValidationError):
        accounts.change_role(
            session,
            actor=admin,
            user_id=admin.id,
            role=Role.CASEWORKER,
            organisation_id=world["org"].id,
        )
    with pytest.raises(ValidationError):
        accounts.set_active(session, actor=admin, user_id=admin.id, active=False)


@pytest.mark.parametrize("name", ["", "=HYPERLINK(1)", "<b>x</b>", "x" * 201])
def test_bad_organisation_names_are_refused(session, world, name):
    with pytest.raises(ValidationError):
        accounts.create_organisation(session, actor=world["admin"], name=name)


def test_organisation_in_cyrillic_is_created_and_can_be_deactivated(session, world):
    org = accounts.create_organisation(session, actor=world["admin"], name="  Открытая   дверь ")
    accounts.set_organisation_active(
        session, actor=world["admin"], organisation_id=org.id, active=False
    )
    session.commit()
    stored = session.exec(select(Organisation).where(Organisation.id == org.id)).one()
    assert (stored.name, stored.active) == ("Открытая дверь", False)


@pytest.mark.parametrize(
    "display_name",
    [
        '<span style="fill:url(http://host/x.svg)">Anna</span>',
        "Anna <b>",
        "&lt;b&gt;Anna",
        "=HYPERLINK(1)",
    ],
)
def test_markup_in_a_display_name_is_refused(session, world, display_name):
    with pytest.raises(ValidationError) as refused:
        accounts.create_user(
            session,
            actor=world["admin"],
            username="anna",
            display_name=display_name,
            role=Role.CASEWORKER,
            organisation_id=world["org"].id,
            password="mauve tram seventeen",
        )
    assert "display_name" in refused.value.messages


@pytest.mark.parametrize(
    "name",
    [
        "Aid &amp; Co",
        "Help>Now",
        '<a href="http://x">Aid</a>',
        "Fresh ![y](http://host.example/q.png)",
        "Open Door [click](http://host.example)",
        "Door :red[urgent]",
        "Door :material/warning:",
    ],
)
def test_markup_in_an_organisation_name_is_refused(session, world, name):
    """HTML, and the Markdown Streamlit's labels would turn into a link, an image (fetched
    from another host by every reader) or a directive; escaping at display is the other wall."""
    with pytest.raises(ValidationError):
        accounts.create_organisation(session, actor=world["admin"], name=name)


@pytest.mark.parametrize("name", ["Fund (Almaty) [KZ]", "Help: Legal Aid", "Bureau №2 — Алматы"])
def test_ordinary_punctuation_in_an_organisation_name_is_kept(session, world, name):
    assert accounts.create_organisation(session, actor=world["admin"], name=name).name == name


# --- The list of accounts: searched, filtered and paged in SQL -------------------------------


@pytest.fixture
def crowd(session, world):
    """Twenty-five more accounts in two organisations, some with Cyrillic names."""
    other = make_organisation(session, "Дом у реки")
    people = []
    for number in range(25):
        user = make_user(
            session,
            role=Role.COORDINATOR if number % 5 == 0 else Role.CASEWORKER,
            organisation=other if number % 2 else world["org"],
            username=f"staff{number:02d}",
        )
        user.display_name = "Иван Петров" if number % 3 == 0 else f"Worker {number}"
        session.add(user)
        people.append(user)
    session.commit()
    return {**world, "other": other}


def _expected_accounts(session, filters: accounts.AccountFilters) -> list[str]:
    """Usernames the list must show, in its order, computed in Python over every account."""
    text = filters.search.strip().lower()
    return sorted(
        user.username
        for user in session.exec(select(User)).all()
        if (not text or text in user.username.lower() or text in user.display_name.lower())
        and (filters.role is None or user.role == filters.role)
        and (filters.organisation_id is None or user.organisation_id == filters.organisation_id)
    )


@pytest.mark.parametrize(
    "search, role, in_other",
    [
        ("", None, False),
        ("staff1", None, False),
        ("ИВАН", None, False),
        ("петров", Role.CASEWORKER, True),
        ("worker 1", None, False),
        ("", Role.COORDINATOR, True),
        ("100%_", None, False),
    ],
)
def test_the_account_list_matches_a_plain_python_selection(session, crowd, search, role, in_other):
    """Search (username or name, any case, Cyrillic included), role and organisation filters,
    and pages of seven that together list every match once, by username."""
    filters = accounts.AccountFilters(
        search=search, role=role, organisation_id=crowd["other"].id if in_other else None
    )
    expected = _expected_accounts(session, filters)
    first = accounts.account_page(session, actor=crowd["admin"], filters=filters, page_size=7)
    assert first.total == len(expected)
    pages = [
        accounts.account_page(
            session, actor=crowd["admin"], filters=filters, page=number, page_size=7
        )
        for number in range(1, first.pages + 1)
    ]
    assert [row.username for page in pages for row in page.rows] == expected
    assert (first.pages, pages[-1].page) == (max(1, -(-len(expected) // 7)), first.pages)


def test_the_account_list_is_for_admins_only_and_shows_organisation_and_lock(session, crowd):
    with pytest.raises(PermissionDenied):
        accounts.account_page(
            session, actor=crowd["coordinator"], filters=accounts.AccountFilters()
        )
    listed = accounts.account_page(
        session,
        actor=crowd["admin"],
        filters=accounts.AccountFilters(search="staff01"),
    )
    (row,) = listed.rows
    assert (row.organisation, row.role, row.active, row.locked) == (
        "Дом у реки",
        Role.CASEWORKER,
        True,
        False,
    )
    beyond = accounts.account_page(
        session, actor=crowd["admin"], filters=accounts.AccountFilters(), page=99, page_size=10
    )
    assert beyond.page == beyond.pages  # a page past the end shows the last one
