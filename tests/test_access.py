"""The access matrix: every role x action, and every role x (own or other organisation) x
(assigned or not) for seeing a case. The expected tables are written out by hand here, from
the issue's wording, independently of ``models.access.POLICIES``."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from models.access import (
    Action,
    Actor,
    PermissionDenied,
    case_scope,
    may_assign_to,
    permits,
    require,
    visible_case,
)
from models.enums import Role
from models.tables import Case
from tests.factories import actor_of, make_case, make_organisation, make_user

A = Action
EXPECTED_ACTIONS: dict[Role, set[Action]] = {
    Role.ADMIN: {
        A.VIEW_DASHBOARDS,
        A.READ_CASE,
        A.EDIT_CASE,
        A.CREATE_CASE,
        A.ASSIGN_CASE,
        A.CLOSE_CASE,
        A.EXPORT,
        A.VIEW_AUDIT,
        A.MANAGE_USERS,
        A.VIEW_AGGREGATES,
    },
    Role.COORDINATOR: {
        A.VIEW_DASHBOARDS,
        A.READ_CASE,
        A.READ_IDENTITY,
        A.EDIT_CASE,
        A.CREATE_CASE,
        A.ASSIGN_CASE,
        A.CLOSE_CASE,
        A.EXPORT,
        A.VIEW_AUDIT,
        A.VIEW_AGGREGATES,
    },
    Role.CASEWORKER: {A.VIEW_DASHBOARDS, A.READ_CASE, A.READ_IDENTITY, A.EDIT_CASE},
    Role.FUNDER: {A.VIEW_AGGREGATES},
}


# (role, case of own organisation, assigned to the user) -> may see the case
def expected_visible(role: Role, own_org: bool, assigned: bool) -> bool:
    return {
        Role.ADMIN: True,
        Role.COORDINATOR: own_org,
        Role.CASEWORKER: assigned,
        Role.FUNDER: False,
    }[role]


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_each_role_may_do_exactly_its_actions(role, action):
    actor = Actor(id=1, username="u", role=role, organisation_id=1)
    allowed = action in EXPECTED_ACTIONS[role]
    assert permits(actor, action) is allowed
    if allowed:
        require(actor, action)
    else:
        with pytest.raises(PermissionDenied):
            require(actor, action)


@pytest.fixture
def matrix_world(session):
    own, other = make_organisation(session), make_organisation(session)
    users = {
        role: make_user(session, role=role, organisation=None if role == Role.FUNDER else own)
        for role in Role
    }
    colleague = make_user(session, role=Role.CASEWORKER, organisation=own)
    outsider = make_user(session, role=Role.CASEWORKER, organisation=other)
    caseworker = users[Role.CASEWORKER]
    cases = {
        # (own organisation, assigned to the role's user)
        (True, True): make_case(session, organisation=own, caseworker=caseworker),
        (True, False): make_case(session, organisation=own, caseworker=colleague),
        (False, False): make_case(session, organisation=other, caseworker=outsider),
    }
    # A case of another organisation assigned to the caseworker (data left over from a move).
    cases[(False, True)] = make_case(session, organisation=other, caseworker=caseworker)
    session.commit()
    return users, cases


@pytest.mark.parametrize(
    ("role", "own_org", "assigned"), list(itertools.product(Role, [True, False], [True, False]))
)
def test_who_sees_which_case(session, matrix_world, role, own_org, assigned):
    users, cases = matrix_world
    actor = actor_of(users[role])
    case = cases[(own_org, assigned)]
    # For roles other than caseworker, "assigned" means assigned to the demo caseworker.
    expected = expected_visible(role, own_org, assigned)
    found = visible_case(session, actor=actor, code=case.code)
    assert (found is not None) is expected
    in_scope = session.execute(
        sa.select(Case.id).where(Case.id == case.id, case_scope(actor))
    ).first()
    assert (in_scope is not None) is expected


def test_an_unknown_code_and_a_hidden_case_answer_alike(session, matrix_world):
    users, cases = matrix_world
    actor = actor_of(users[Role.COORDINATOR])
    assert visible_case(session, actor=actor, code="WP-99-9999") is None
    assert visible_case(session, actor=actor, code=cases[(False, False)].code) is None


@pytest.mark.parametrize("role", list(Role))
def test_only_coordinators_and_admins_assign_and_only_within_the_case_organisation(
    session, matrix_world, role
):
    users, cases = matrix_world
    actor = actor_of(users[role])
    own_case, other_case = cases[(True, False)], cases[(False, False)]
    same_org_worker = users[Role.CASEWORKER]
    assert may_assign_to(actor, case=own_case, caseworker=same_org_worker) is (
        role in (Role.ADMIN, Role.COORDINATOR)
    )
    # Never to a caseworker of another organisation than the case's.
    assert may_assign_to(actor, case=other_case, caseworker=same_org_worker) is False


def test_an_inactive_caseworker_cannot_be_assigned(session, matrix_world):
    users, cases = matrix_world
    worker = users[Role.CASEWORKER]
    worker.active = False
    assert not may_assign_to(
        actor_of(users[Role.COORDINATOR]), case=cases[(True, False)], caseworker=worker
    )
