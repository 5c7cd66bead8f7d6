"""Referral transitions and their refusals, on SQLite and PostgreSQL: who may send, answer,
complete, revoke and withdraw; what each writes to the audit trail (never a value); and that
access ends the moment a referral ends."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlmodel import select

from models.access import PermissionDenied, visible_case
from models.case_queries import case_identity
from models.cases import CaseNotFound
from models.enums import AuditAction, Role, Urgency
from models.errors import ValidationError
from models.identity.store import case_cipher, open_sealed
from models.network import ConsentMethod, ConsentScope, ReferralState, ServiceType
from models.network import referrals as r
from models.network.tables import Referral
from models.tables import AuditEvent, utcnow
from tests.factories import actor_of, make_case, make_organisation, make_user
from tests.network_factories import make_offer

TODAY = dt.date.today()


@pytest.fixture
def world(session):
    sender, receiver, third = (make_organisation(session) for _ in range(3))
    make_offer(session, organisation=receiver, service=ServiceType.EMERGENCY_SHELTER)
    make_offer(session, organisation=receiver, service=ServiceType.HOUSING, taking_referrals=False)
    people = {
        "sender": make_user(session, role=Role.COORDINATOR, organisation=sender),
        "sender_worker": make_user(session, role=Role.CASEWORKER, organisation=sender),
        "receiver": make_user(session, role=Role.COORDINATOR, organisation=receiver),
        "receiver_worker": make_user(session, role=Role.CASEWORKER, organisation=receiver),
        "third": make_user(session, role=Role.COORDINATOR, organisation=third),
        "sender_org": sender,
        "receiver_org": receiver,
    }
    people["case"] = make_case(
        session,
        organisation=sender,
        caseworker=people["sender_worker"],
        full_name="Пётр Тайный",
    )
    session.commit()
    return people


def referral_input(world, **changes) -> r.ReferralInput:
    base = r.ReferralInput(
        to_organisation_id=world["receiver_org"].id,
        service=ServiceType.EMERGENCY_SHELTER,
        reason="Evicted; needs a bed tonight",
        urgency=Urgency.HIGH,
        consent_given=True,
        consent_given_on=TODAY,
        consent_method=ConsentMethod.IN_PERSON,
        scopes=frozenset({ConsentScope.FACTS, ConsentScope.NEEDS}),
        consent_ends_on=TODAY + dt.timedelta(days=60),
    )
    return dataclasses.replace(base, **changes)


def send(session, world, **changes) -> Referral:
    referral = r.refer_case(
        session,
        actor=actor_of(world["sender"]),
        case_id=world["case"].id,
        data=referral_input(world, **changes),
        today=TODAY,
    )
    session.commit()
    return referral


def audit_details(session, referral: Referral) -> list[tuple[str, str | None]]:
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "referral", AuditEvent.entity_id == str(referral.id))
        .order_by(AuditEvent.id)
    ).all()
    return [(AuditAction(row.action).value, row.detail) for row in rows]


def sees(session, user, case) -> bool:
    return visible_case(session, actor=actor_of(user), code=case.code) is not None


def test_sending_records_consent_and_opens_the_case_to_the_receiver(session, world):
    assert not sees(session, world["receiver"], world["case"])
    referral = send(session, world)
    assert referral.state == ReferralState.PENDING
    assert referral.from_organisation_id == world["sender_org"].id
    assert referral.consent_recorded_by_id == world["sender"].id
    assert referral.share_facts and referral.share_needs and not referral.share_identity
    assert sees(session, world["receiver"], world["case"])
    assert not sees(session, world["third"], world["case"])
    # No identity in this scope, even for a coordinator who may read identities.
    assert (
        case_identity(session, actor=actor_of(world["receiver"]), case_id=world["case"].id) is None
    )
    assert audit_details(session, referral) == [("referral", "sent")]


def test_the_audit_row_never_holds_the_reason_or_a_name(session, world):
    referral = send(session, world)
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "referral")).one()
    text = " ".join(str(v) for v in event.model_dump().values())
    assert "Evicted" not in text and "Пётр" not in text
    assert event.case_id == world["case"].id and event.entity_id == str(referral.id)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent_given": False}, "consent_given"),
        ({"consent_given_on": TODAY + dt.timedelta(days=1)}, "consent_given_on"),
        ({"consent_ends_on": TODAY - dt.timedelta(days=1)}, "consent_ends_on"),
        ({"scopes": frozenset()}, "scopes"),
        ({"reason": "  "}, "reason"),
        ({"reason": "<b>x</b>"}, "reason"),
        ({"service": ServiceType.HOUSING}, "service"),  # not taking referrals
        ({"service": ServiceType.MEDICAL}, "service"),  # not offered there
    ],
)
def test_a_bad_referral_is_refused_and_nothing_is_written(session, world, changes, field):
    with pytest.raises(ValidationError) as refused:
        send(session, world, **changes)
    assert field in refused.value.messages
    session.rollback()
    assert session.exec(select(Referral)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.entity == "referral")).all() == []


def test_a_case_cannot_be_referred_to_its_own_organisation(session, world):
    with pytest.raises(ValidationError):
        send(session, world, to_organisation_id=world["sender_org"].id)


def test_only_the_owning_side_refers(session, world):
    with pytest.raises(PermissionDenied):  # caseworkers do not refer
        r.refer_case(session, actor=actor_of(world["sender_worker"]), case_id=world["case"].id,
                     data=referral_input(world), today=TODAY)  # fmt: skip
    with pytest.raises(CaseNotFound):  # another organisation's coordinator
        r.refer_case(session, actor=actor_of(world["third"]), case_id=world["case"].id,
                     data=referral_input(world), today=TODAY)  # fmt: skip


def test_the_same_open_referral_is_not_sent_twice(session, world):
    send(session, world)
    with pytest.raises(ValidationError):
        send(session, world)


def test_accept_assign_complete(session, world):
    referral = send(session, world)
    receiver, worker = actor_of(world["receiver"]), actor_of(world["receiver_worker"])
    assert not sees(session, world["receiver_worker"], world["case"])
    r.accept(session, actor=receiver, referral_id=referral.id)
    r.assign(session, actor=receiver, referral_id=referral.id, caseworker_id=worker.id)
    session.commit()
    assert sees(session, world["receiver_worker"], world["case"])
    r.complete(session, actor=worker, referral_id=referral.id, service_delivered="Two weeks")
    session.commit()
    assert referral.state == ReferralState.COMPLETED
    cipher = case_cipher(session, case_id=world["case"].id)
    assert open_sealed(cipher, referral.sealed_service_delivered) == "Two weeks"
    assert not sees(session, world["receiver"], world["case"])
    assert not sees(session, world["receiver_worker"], world["case"])
    assert sees(session, world["sender"], world["case"])
    assert audit_details(session, referral) == [
        ("referral", "sent"),
        ("referral", "pending->accepted"),
        ("referral", "accepted->accepted"),
        ("referral", "accepted->completed"),
    ]


def test_decline_needs_a_reason_and_ends_access(session, world):
    referral = send(session, world)
    receiver = actor_of(world["receiver"])
    with pytest.raises(ValidationError):
        r.decline(session, actor=receiver, referral_id=referral.id, reason="")
    session.rollback()
    r.decline(session, actor=receiver, referral_id=referral.id, reason="No beds")
    session.commit()
    assert referral.state == ReferralState.DECLINED
    assert not sees(session, world["receiver"], world["case"])
    assert audit_details(session, referral)[-1] == ("referral", "pending->declined")


def test_only_the_receiving_coordinator_answers(session, world):
    referral = send(session, world)
    for user in ("sender", "third"):
        with pytest.raises(CaseNotFound):
            r.accept(session, actor=actor_of(world[user]), referral_id=referral.id)
    # A receiving caseworker not yet assigned cannot see it; once assigned, still cannot answer.
    with pytest.raises(CaseNotFound):
        r.accept(session, actor=actor_of(world["receiver_worker"]), referral_id=referral.id)
    r.assign(session, actor=actor_of(world["receiver"]), referral_id=referral.id,
             caseworker_id=world["receiver_worker"].id)  # fmt: skip
    with pytest.raises(ValidationError):
        r.accept(session, actor=actor_of(world["receiver_worker"]), referral_id=referral.id)


def test_assign_only_to_an_active_caseworker_of_the_receiving_organisation(session, world):
    referral = send(session, world)
    with pytest.raises(ValidationError):
        r.assign(session, actor=actor_of(world["receiver"]), referral_id=referral.id,
                 caseworker_id=world["sender_worker"].id)  # fmt: skip


def test_only_an_accepted_referral_is_completed(session, world):
    referral = send(session, world)
    with pytest.raises(ValidationError):
        r.complete(session, actor=actor_of(world["receiver"]), referral_id=referral.id,
                   service_delivered="Bed")  # fmt: skip


@pytest.mark.parametrize("answered", [False, True])
def test_the_sender_revokes_and_access_ends_at_once(session, world, answered):
    referral = send(session, world)
    if answered:
        r.accept(session, actor=actor_of(world["receiver"]), referral_id=referral.id)
        session.commit()
    with pytest.raises(CaseNotFound):  # the receiver cannot revoke
        r.revoke(session, actor=actor_of(world["third"]), referral_id=referral.id)
    r.revoke(session, actor=actor_of(world["sender"]), referral_id=referral.id)
    session.commit()
    assert referral.state == ReferralState.REVOKED
    assert not sees(session, world["receiver"], world["case"])
    # A revoked referral cannot be answered any more.
    with pytest.raises(CaseNotFound):
        r.accept(session, actor=actor_of(world["receiver"]), referral_id=referral.id)


@pytest.mark.parametrize("who", ["sender_worker", "receiver"])
def test_consent_withdrawal_told_to_either_side_ends_access(session, world, who):
    referral = send(session, world, scopes=frozenset({ConsentScope.IDENTITY}))
    receiver = actor_of(world["receiver"])
    assert case_identity(session, actor=receiver, case_id=world["case"].id) is not None
    r.withdraw_consent(session, actor=actor_of(world[who]), referral_id=referral.id)
    session.commit()
    assert referral.state == ReferralState.WITHDRAWN and referral.consent_withdrawn_at
    assert case_identity(session, actor=receiver, case_id=world["case"].id) is None
    assert not sees(session, world["receiver"], world["case"])
    assert audit_details(session, referral)[-1] == ("consent_withdrawn", "pending->withdrawn")
    with pytest.raises(ValidationError):  # an ended referral cannot be withdrawn again
        r.withdraw_consent(session, actor=actor_of(world["sender"]), referral_id=referral.id)


def test_no_answer_within_the_deadline_expires_it(session, world):
    referral = send(session, world)
    later = utcnow() + dt.timedelta(days=r.ANSWER_WITHIN_DAYS, minutes=1)
    # Access ends at the deadline even before anything records the expiry.
    with pytest.raises(CaseNotFound):
        r.accept(session, actor=actor_of(world["receiver"]), referral_id=referral.id, now=later)
    assert r.expire_overdue(session, now=utcnow()) == 0
    assert r.expire_overdue(session, now=later) == 1
    session.commit()
    assert referral.state == ReferralState.EXPIRED
    assert audit_details(session, referral)[-1] == ("referral", "pending->expired")


def test_consent_past_its_end_date_ends_access(session, world):
    referral = send(session, world, consent_ends_on=TODAY)
    r.accept(session, actor=actor_of(world["receiver"]), referral_id=referral.id)
    session.commit()
    tomorrow = utcnow() + dt.timedelta(days=1)
    with pytest.raises(CaseNotFound):
        r.complete(session, actor=actor_of(world["receiver"]), referral_id=referral.id,
                   service_delivered="Bed", now=tomorrow)  # fmt: skip
