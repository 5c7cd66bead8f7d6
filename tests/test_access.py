"""The access matrix: every role x action, and every role x (own or other organisation) x
(assigned or not) for seeing a case. The expected tables are written out by hand here, from
the issue's wording, independently of ``models.access.POLICIES``."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from models import cases
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
from models.case_queries import case_detail, case_identity
from models.cases import CaseNotFound
from models.enums import Outcome, Role, Stage
from models.network import ConsentScope, ReferralState
from models.tables import Case, utcnow
from tests.factories import actor_of, make_case, make_organisation, make_user
from tests.network_factories import make_referral

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
        A.REFER_CASE,
        A.MANAGE_SERVICES,
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
        A.REFER_CASE,
        A.MANAGE_SERVICES,
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


# Referrals (issue 15) ----------------------------------------------------------------------
# The receiving side sees a referred case only while the referral is pending (and not past
# its answer deadline) or accepted, with consent neither withdrawn nor past its end date;
# and then only the data categories in the consent scope. Written out by hand from the issue.

REFERRAL_VARIANTS: dict[str, tuple[ReferralState, dict[str, object], bool]] = {
    # name: (state, factory overrides, gives access)
    "pending": (ReferralState.PENDING, {}, True),
    "accepted": (ReferralState.ACCEPTED, {}, True),
    "declined": (ReferralState.DECLINED, {}, False),
    "completed": (ReferralState.COMPLETED, {}, False),
    "revoked": (ReferralState.REVOKED, {}, False),
    "expired": (ReferralState.EXPIRED, {}, False),
    "withdrawn": (ReferralState.WITHDRAWN, {}, False),
    # Still marked pending, but nobody answered within the deadline.
    "pending_past_deadline": (
        ReferralState.PENDING,
        {
            "sent_at": utcnow() - dt.timedelta(days=8),
            "consent_ends_on": dt.date.today() + dt.timedelta(days=30),
        },
        False,
    ),
    # Accepted, but the consent's end date has passed.
    "accepted_consent_ended": (
        ReferralState.ACCEPTED,
        {
            "sent_at": utcnow() - dt.timedelta(days=40),
            "consent_ends_on": dt.date.today() - dt.timedelta(days=1),
        },
        False,
    ),
}
SCOPES: dict[str, frozenset[ConsentScope]] = {
    "facts": frozenset({ConsentScope.FACTS}),
    "needs": frozenset({ConsentScope.NEEDS}),
    "identity": frozenset({ConsentScope.IDENTITY}),
    "notes": frozenset({ConsentScope.NOTES}),
    "all": frozenset(ConsentScope),
}
# Receiving-side users: who, and whether an open referral lets them in.
RECEIVERS = {
    "receiving_coordinator": True,
    "assigned_receiving_caseworker": True,
    "unassigned_receiving_caseworker": False,
    "third_organisation_coordinator": False,
    "funder": False,
}


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize("variant", list(REFERRAL_VARIANTS))
def test_who_sees_a_referred_case_and_which_of_its_data(session, variant, scope_name):
    state, overrides, open_ = REFERRAL_VARIANTS[variant]
    scope = SCOPES[scope_name]
    sender, receiver, third = (make_organisation(session) for _ in range(3))
    sending_coordinator = make_user(session, role=Role.COORDINATOR, organisation=sender)
    worker = make_user(session, role=Role.CASEWORKER, organisation=receiver)
    users = {
        "receiving_coordinator": make_user(session, role=Role.COORDINATOR, organisation=receiver),
        "assigned_receiving_caseworker": worker,
        "unassigned_receiving_caseworker": make_user(
            session, role=Role.CASEWORKER, organisation=receiver
        ),
        "third_organisation_coordinator": make_user(
            session, role=Role.COORDINATOR, organisation=third
        ),
        "funder": make_user(session, role=Role.FUNDER),
    }
    case = make_case(session, organisation=sender, full_name="Иван Скрытый")
    make_referral(session, case=case, to=receiver, scopes=scope, state=state, assignee=worker,
                  **overrides)  # fmt: skip
    session.commit()
    today = dt.date.today()
    for name, user in users.items():
        actor = actor_of(user)
        expected = open_ and RECEIVERS[name]
        assert (visible_case(session, actor=actor, code=case.code) is not None) is expected, name
        detail = case_detail(session, actor=actor, code=case.code, today=today)
        assert (detail is not None) is expected, name
        person = case_identity(session, actor=actor, case_id=case.id)
        assert (person is not None) is (expected and ConsentScope.IDENTITY in scope), name
        if detail is not None:
            assert detail.consent == scope
            assert (detail.legal is not None) is (ConsentScope.FACTS in scope)
            assert detail.caseworker is None and detail.caseworkers == []
        # The receiving side never gains the sender's scope: not in lists or dashboards.
        in_own_scope = session.execute(
            sa.select(Case.id).where(Case.id == case.id, case_scope(actor))
        ).first()
        assert in_own_scope is None, name
    # The sender keeps the case, whatever happened to the referral.
    owner = actor_of(sending_coordinator)
    assert case_detail(session, actor=owner, code=case.code, today=today).consent is None
    assert case_identity(session, actor=owner, case_id=case.id) is not None


def test_a_referral_gives_no_write_beyond_notes(session):
    sender, receiver = make_organisation(session), make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=receiver)
    case = make_case(session, organisation=sender)
    make_referral(session, case=case, to=receiver, scopes=frozenset(ConsentScope),
                  state=ReferralState.ACCEPTED)  # fmt: skip
    session.commit()
    actor = actor_of(coordinator)
    with pytest.raises(CaseNotFound):
        cases.move_stage(session, actor=actor, case_id=case.id, expected_version=case.version,
                         to_stage=Stage.NEEDS_ASSESSMENT.value)  # fmt: skip
    session.rollback()
    with pytest.raises(CaseNotFound):
        cases.close_case(session, actor=actor, case_id=case.id, expected_version=case.version,
                         outcome=Outcome.WITHDREW, today=dt.date.today())  # fmt: skip
    session.rollback()
    note = cases.add_note(session, actor=actor, case_id=case.id, body="Bed found")
    assert note.author_id == coordinator.id
