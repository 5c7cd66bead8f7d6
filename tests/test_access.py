"""The access matrix: every role x action, and every role x (own or other organisation) x
(assigned or not) for seeing a case. The expected tables are written out by hand here, from
the issue's wording, independently of ``models.access.POLICIES``."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest
import sqlalchemy as sa

from models import cases
from models.access import (
    Action,
    Actor,
    PermissionDenied,
    case_visible,
    may_assign_to,
    permits,
    require,
    visible_cases,
)
from models.accounts import change_role, set_active
from models.case_queries import case_audit_trail, case_detail, case_identity, case_list
from models.cases import CaseNotFound, add_note
from models.enums import AuditAction, CaseStatus, Outcome, Role, Stage
from models.network import ConsentScope, ReferralState
from models.tables import AuditEvent, Case, utcnow
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
        A.VIEW_LIVE_REPORT,
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
        A.VIEW_LIVE_REPORT,
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
        # Assigned *and* of their own organisation: a stale assignment opens nothing.
        Role.CASEWORKER: assigned and own_org,
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
    assert (case_visible(session, actor=actor, code=case.code) is not None) is expected
    assert (case_visible(session, actor=actor, case_id=case.id) is not None) is expected
    in_scope = session.execute(
        sa.select(Case.id).where(Case.id == case.id, visible_cases(actor))
    ).first()
    assert (in_scope is not None) is expected


def test_an_unknown_code_and_a_hidden_case_answer_alike(session, matrix_world):
    users, cases = matrix_world
    actor = actor_of(users[Role.COORDINATOR])
    assert case_visible(session, actor=actor, code="WP-99-9999") is None
    assert case_visible(session, actor=actor, code=cases[(False, False)].code) is None


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
        found = case_visible(session, actor=actor, code=case.code, readable=True)
        assert (found is not None) is expected, name
        detail = case_detail(session, actor=actor, code=case.code, today=today)
        assert (detail is not None) is expected, name
        # Opening a referred case is no probe: no ACCESS_DENIED row for the receiving side.
        denied = session.scalars(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.user_id == user.id, AuditEvent.action == AuditAction.ACCESS_DENIED
            )
        ).one()
        assert denied == (0 if expected else 1), name
        person = case_identity(session, actor=actor, case_id=case.id)
        assert (person is not None) is (expected and ConsentScope.IDENTITY in scope), name
        if detail is not None:
            assert detail.consent == scope
            assert (detail.legal is not None) is (ConsentScope.FACTS in scope)
            assert detail.caseworker is None and detail.caseworkers == []
        # The receiving side never gains the sender's scope: not in lists or dashboards.
        in_own_scope = session.execute(
            sa.select(Case.id).where(Case.id == case.id, visible_cases(actor))
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


# Organisation moves ------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 23)


def _admin(session):
    return actor_of(make_user(session, role=Role.ADMIN))


def _reads(session, actor, case) -> dict[str, bool]:
    """Every read and write path a page uses, asked about one case: True where it let in."""
    assert case.id is not None
    writes = True
    try:
        with session.begin_nested():
            add_note(session, actor=actor, case_id=case.id, body="after the move")
    except CaseNotFound:
        writes = False
    listed = case_list(session, actor=actor, filters=q_filters(), today=TODAY)
    return {
        "lookup": case_visible(session, actor=actor, code=case.code) is not None,
        "page": case_detail(session, actor=actor, code=case.code, today=TODAY) is not None,
        "identity": case_identity(session, actor=actor, case_id=case.id) is not None,
        "trail": not case_audit_trail(session, actor=actor, case_id=case.id).empty,
        "list": case.code in set(listed.rows["code"]),
        "note": writes,
    }


def q_filters():
    from models.case_queries import CaseListFilters

    return CaseListFilters(status=None)


NONE_LET_IN = dict.fromkeys(["lookup", "page", "identity", "trail", "list", "note"], False)


@pytest.mark.parametrize("stale_actor", [True, False], ids=["stale session", "fresh session"])
def test_a_caseworker_moved_to_another_organisation_opens_nothing_of_the_old_one(
    session, stale_actor
):
    old, new = make_organisation(session), make_organisation(session)
    worker = make_user(session, role=Role.CASEWORKER, organisation=old)
    open_case = make_case(session, organisation=old, caseworker=worker)
    closed_case = make_case(session, organisation=old, caseworker=worker, outcome=Outcome.WITHDREW)
    session.commit()
    before = actor_of(worker)
    assert _reads(session, before, open_case)["identity"]  # the path works before the move
    session.rollback()

    change_role(
        session,
        actor=_admin(session),
        user_id=worker.id,
        role=Role.CASEWORKER,
        organisation_id=new.id,
    )
    session.commit()
    session.refresh(worker)
    actor = before if stale_actor else actor_of(worker)
    for case in (open_case, closed_case):
        assert _reads(session, actor, case) == NONE_LET_IN


def test_an_organisation_move_unassigns_open_cases_and_audits_the_count(session):
    old, new = make_organisation(session), make_organisation(session)
    worker = make_user(session, role=Role.CASEWORKER, organisation=old)
    opened = [make_case(session, organisation=old, caseworker=worker) for _ in range(3)]
    closed = make_case(session, organisation=old, caseworker=worker, outcome=Outcome.WITHDREW)
    someone_elses = make_case(session, organisation=old)
    session.commit()
    admin = _admin(session)

    unassigned = change_role(
        session, actor=admin, user_id=worker.id, role=Role.CASEWORKER, organisation_id=new.id
    )
    session.commit()

    assert unassigned == 3
    for case in opened:
        session.refresh(case)
        assert case.caseworker_id is None
        assert case.version == 2  # a form opened before the move is refused as stale
    session.refresh(closed)
    assert closed.status == CaseStatus.CLOSED and closed.caseworker_id == worker.id
    session.refresh(someone_elses)
    assert someone_elses.version == 1
    moved = (
        session.exec(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ORGANISATION_MOVED)
        )
        .scalars()
        .all()
    )
    assert [(e.username, e.entity_id, e.detail, e.case_id) for e in moved] == [
        (admin.username, str(worker.id), "3 open cases unassigned", None)
    ]


def test_a_role_change_without_a_move_unassigns_nothing(session):
    org = make_organisation(session)
    worker = make_user(session, role=Role.CASEWORKER, organisation=org)
    case = make_case(session, organisation=org, caseworker=worker)
    session.commit()
    assert (
        change_role(
            session,
            actor=_admin(session),
            user_id=worker.id,
            role=Role.CASEWORKER,
            organisation_id=org.id,
        )
        == 0
    )
    session.commit()
    session.refresh(case)
    assert case.caseworker_id == worker.id
    assert (
        session.exec(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.ORGANISATION_MOVED)
        ).first()
        is None
    )


@pytest.mark.parametrize("stale_actor", [True, False], ids=["stale session", "fresh session"])
def test_a_coordinator_moved_to_another_organisation_sees_only_the_new_one(session, stale_actor):
    old, new = make_organisation(session), make_organisation(session)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=old)
    old_case, new_case = make_case(session, organisation=old), make_case(session, organisation=new)
    session.commit()
    before = actor_of(coordinator)
    change_role(
        session,
        actor=_admin(session),
        user_id=coordinator.id,
        role=Role.COORDINATOR,
        organisation_id=new.id,
    )
    session.commit()
    session.refresh(coordinator)
    actor = before if stale_actor else actor_of(coordinator)
    assert _reads(session, actor, old_case) == NONE_LET_IN
    # A stale session sees nothing at all until it re-reads the account; a fresh one, the new.
    assert (case_visible(session, actor=actor, code=new_case.code) is not None) is (not stale_actor)


def test_a_deactivated_account_holding_a_session_sees_nothing(session, matrix_world):
    users, cases = matrix_world
    worker = users[Role.CASEWORKER]
    actor = actor_of(worker)
    set_active(session, actor=_admin(session), user_id=worker.id, active=False)
    session.commit()
    assert _reads(session, actor, cases[(True, True)]) == NONE_LET_IN


def test_a_caseworker_promoted_in_place_uses_the_new_role_only(session, matrix_world):
    users, cases = matrix_world
    worker = users[Role.CASEWORKER]
    stale = actor_of(worker)
    change_role(
        session,
        actor=_admin(session),
        user_id=worker.id,
        role=Role.COORDINATOR,
        organisation_id=worker.organisation_id,
    )
    session.commit()
    session.refresh(worker)
    # The old caseworker actor no longer matches the account's role: nothing.
    assert case_visible(session, actor=stale, code=cases[(True, True)].code) is None
    fresh = actor_of(worker)
    assert case_visible(session, actor=fresh, code=cases[(True, False)].code) is not None


def test_a_stale_session_reads_no_referred_case_after_leaving_the_receiving_organisation(
    session,
):
    """The referral grant checks the account as it is now, like the gate's own branch: a
    coordinator moved out of the receiving organisation (or deactivated) reads nothing through
    a session from before."""
    sender, receiver, elsewhere = (make_organisation(session) for _ in range(3))
    moved = make_user(session, role=Role.COORDINATOR, organisation=receiver)
    gone = make_user(session, role=Role.COORDINATOR, organisation=receiver)
    case = make_case(session, organisation=sender)
    make_referral(session, case=case, to=receiver, scopes=frozenset(ConsentScope))
    session.commit()
    stale_moved, stale_gone = actor_of(moved), actor_of(gone)
    for actor in (stale_moved, stale_gone):
        assert case_visible(session, actor=actor, code=case.code, readable=True) is not None
    moved.organisation_id = elsewhere.id
    gone.active = False
    session.commit()
    for actor in (stale_moved, stale_gone):
        assert case_visible(session, actor=actor, code=case.code, readable=True) is None
        assert case_detail(session, actor=actor, code=case.code, today=TODAY) is None
        assert case_identity(session, actor=actor, case_id=case.id) is None


def test_notes_written_for_the_owner_stay_the_owner_s_after_their_author_moves(session):
    """A receiver without the person's consent to share notes reads only its own notes. A
    caseworker who moves from the owner to the receiver does not take the notes they wrote
    for the owner with them (the note keeps the organisation it was written for)."""
    owner, receiver = make_organisation(session), make_organisation(session)
    author = make_user(session, role=Role.CASEWORKER, organisation=owner)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=receiver)
    case = make_case(session, organisation=owner, caseworker=author)
    add_note(session, actor=actor_of(author), case_id=case.id, body="Hiding at his sister's")
    make_referral(session, case=case, to=receiver, scopes=frozenset({ConsentScope.FACTS}),
                  state=ReferralState.ACCEPTED)  # fmt: skip
    session.commit()
    reader = actor_of(coordinator)
    add_note(session, actor=reader, case_id=case.id, body="Bed found")
    session.commit()

    def notes() -> list[str]:
        detail = case_detail(session, actor=reader, code=case.code, today=TODAY)
        assert detail is not None and detail.consent is not None
        return list(detail.notes["body"])

    assert notes() == ["Bed found"]
    change_role(session, actor=_admin(session), user_id=author.id, role=Role.CASEWORKER,
                organisation_id=receiver.id)  # fmt: skip
    session.commit()
    assert notes() == ["Bed found"]
    # The owner reads every note of its case, the receiver's included.
    owner_view = case_detail(
        session,
        actor=actor_of(make_user(session, role=Role.COORDINATOR, organisation=owner)),
        code=case.code,
        today=TODAY,
    )
    assert owner_view is not None
    assert sorted(owner_view.notes["body"]) == ["Bed found", "Hiding at his sister's"]


def test_an_admin_s_note_is_the_case_organisation_s_whatever_the_admin_belongs_to(session):
    """An admin whose account belongs to the receiving organisation writes for the case's
    owner: the receiver, without consent to share notes, does not read it."""
    owner, receiver = make_organisation(session), make_organisation(session)
    admin = make_user(session, role=Role.ADMIN, organisation=receiver)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=receiver)
    case = make_case(session, organisation=owner)
    make_referral(session, case=case, to=receiver, scopes=frozenset({ConsentScope.FACTS}),
                  state=ReferralState.ACCEPTED)  # fmt: skip
    session.commit()
    note = add_note(session, actor=actor_of(admin), case_id=case.id, body="New phone +7 701")
    session.commit()
    assert note.organisation_id == owner.id
    detail = case_detail(session, actor=actor_of(coordinator), code=case.code, today=TODAY)
    assert detail is not None and list(detail.notes["body"]) == []


def test_a_receiver_with_consent_to_notes_reads_them_without_the_sender_s_staff_names(session):
    owner, receiver = make_organisation(session), make_organisation(session)
    author = make_user(session, role=Role.CASEWORKER, organisation=owner, username="owner.staff")
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=receiver,
                            username="receiver.coord")  # fmt: skip
    case = make_case(session, organisation=owner, caseworker=author)
    add_note(session, actor=actor_of(author), case_id=case.id, body="Lawyer on Monday")
    make_referral(session, case=case, to=receiver, scopes=frozenset({ConsentScope.NOTES}),
                  state=ReferralState.ACCEPTED)  # fmt: skip
    session.commit()
    add_note(session, actor=actor_of(coordinator), case_id=case.id, body="Bed found")
    session.commit()
    detail = case_detail(session, actor=actor_of(coordinator), code=case.code, today=TODAY)
    assert detail is not None
    shown = dict(zip(detail.notes["body"], detail.notes["author"], strict=True))
    assert pd.isna(shown["Lawyer on Monday"]) and shown["Bed found"] == "receiver.coord"
