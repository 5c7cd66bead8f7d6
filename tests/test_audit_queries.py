"""Audit queries: admins read every row, coordinators their organisation's (by its members
or about its cases), others none; filters and the audited export."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from models.access import PermissionDenied
from models.audit import record
from models.audit_queries import AuditFilters, audit_events, export_audit_events
from models.enums import AuditAction, Role
from models.tables import AuditEvent
from tests.factories import actor_of, make_case, make_organisation, make_user


@pytest.fixture
def world(session):
    org, other = make_organisation(session), make_organisation(session)
    # The admin belongs to an organisation, as a network's hub often does.
    admin = actor_of(make_user(session, role=Role.ADMIN, organisation=org))
    coordinator = actor_of(make_user(session, role=Role.COORDINATOR, organisation=org))
    member = actor_of(make_user(session, role=Role.CASEWORKER, organisation=org))
    outsider = actor_of(make_user(session, role=Role.CASEWORKER, organisation=other))
    own_case = make_case(session, organisation=org)
    other_case = make_case(session, organisation=other)
    rows = [
        (member, AuditAction.SIGN_IN, None),
        (member, AuditAction.VIEW_CASE, own_case.id),
        (outsider, AuditAction.VIEW_CASE, other_case.id),
        (outsider, AuditAction.SIGN_IN, None),
        (admin, AuditAction.VIEW_CASE, own_case.id),
        (admin, AuditAction.VIEW_CASE, other_case.id),
        (member, AuditAction.ACCESS_DENIED, other_case.id),
    ]
    for actor, action, case_id in rows:
        record(
            session,
            actor=actor,
            action=action,
            entity="case" if case_id else "user",
            case_id=case_id,
        )
    session.commit()
    return {
        "admin": admin,
        "coordinator": coordinator,
        "member": member,
        "org": org,
        "own_case": own_case,
        "other_case": other_case,
        "rows": rows,
    }


def expected_for_org(world) -> int:
    return sum(
        1
        for actor, _a, case_id in world["rows"]
        # About one of its cases; or about no case, by one of its members.
        if case_id == world["own_case"].id
        or (case_id is None and actor.organisation_id == world["org"].id)
    )


def test_admin_reads_every_row(session, world):
    assert len(audit_events(session, actor=world["admin"], filters=AuditFilters())) == 7


def test_coordinator_reads_the_rows_of_their_organisation(session, world):
    frame = audit_events(session, actor=world["coordinator"], filters=AuditFilters())
    assert len(frame) == expected_for_org(world) == 3
    assert set(frame["case"].dropna()) == {world["own_case"].code}


def test_an_admin_opening_another_organisations_case_does_not_show_it_to_the_admins_org(
    session, world
):
    """The row is the case's organisation's, not the admin's: its code never reaches the
    coordinator of the admin's own organisation, on the page or in the CSV export."""
    other_code = world["other_case"].code
    shown = audit_events(session, actor=world["coordinator"], filters=AuditFilters())
    exported = export_audit_events(session, actor=world["coordinator"], filters=AuditFilters())
    for frame in (shown, exported):
        assert other_code not in set(frame["case"].dropna())
    probe = audit_events(
        session, actor=world["coordinator"], filters=AuditFilters(case_code=other_code)
    )
    assert probe.empty


def test_caseworkers_may_not_read_the_audit(session, world):
    with pytest.raises(PermissionDenied):
        audit_events(session, actor=world["member"], filters=AuditFilters())


def test_filters_by_action_user_case_and_day(session, world):
    admin = world["admin"]
    frame = audit_events(session, actor=admin, filters=AuditFilters(action=AuditAction.SIGN_IN))
    assert len(frame) == 2
    frame = audit_events(
        session, actor=admin, filters=AuditFilters(username=world["member"].username)
    )
    assert len(frame) == 3
    frame = audit_events(
        session, actor=admin, filters=AuditFilters(case_code=world["own_case"].code.lower())
    )
    assert len(frame) == 2
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert audit_events(session, actor=admin, filters=AuditFilters(since=tomorrow)).empty


def test_an_export_is_itself_audited(session, world):
    frame = export_audit_events(session, actor=world["coordinator"], filters=AuditFilters())
    session.commit()
    assert len(frame) == 3
    exports = session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT))
    assert [e.username for e in exports] == [world["coordinator"].username]
