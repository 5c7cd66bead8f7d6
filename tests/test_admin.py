"""Administration in models.accounts: only admins manage, and nobody locks themselves out."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import accounts
from models.access import PermissionDenied
from models.enums import AuditAction, Role
from models.errors import ValidationError
from models.tables import AuditEvent, Organisation
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


@pytest.mark.parametrize("name", ["Aid &amp; Co", "Help>Now", '<a href="http://x">Aid</a>'])
def test_markup_in_an_organisation_name_is_refused(session, world, name):
    with pytest.raises(ValidationError):
        accounts.create_organisation(session, actor=world["admin"], name=name)
