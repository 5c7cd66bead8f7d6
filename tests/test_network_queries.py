"""The coordination queries: inbox and outbox scoping and order, the navigation count, the
weekly review's overdue list, and the flows (recomputed here by hand from the rows made)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.enums import ExtraditionStatus, Role, Urgency
from models.network import ConsentScope, ReferralState, ServiceType, services
from models.network import queries as q
from models.tables import utcnow
from tests.factories import actor_of, make_case, make_city, make_organisation, make_user
from tests.network_factories import make_offer, make_referral

TODAY = dt.date.today()


@pytest.fixture
def world(session):
    a, b, c = (make_organisation(session, name) for name in ("Bureau", "Shelter", "Visa group"))
    almaty, astana = make_city(session, key="almaty"), make_city(session, key="astana")
    calm = make_case(session, organisation=a, city=almaty)
    urgent = make_case(
        session, organisation=a, city=almaty, extradition=ExtraditionStatus.PROCEEDINGS
    )
    other = make_case(session, organisation=c, city=astana)
    now = utcnow()
    refs = {
        "calm_high": make_referral(session, case=calm, to=b, urgency=Urgency.HIGH,
                                   sent_at=now - dt.timedelta(hours=1)),
        "urgent_low": make_referral(session, case=urgent, to=b, urgency=Urgency.LOW,
                                    sent_at=now - dt.timedelta(hours=2)),
        "old": make_referral(session, case=calm, to=b, service=ServiceType.HOUSING,
                             sent_at=now - dt.timedelta(hours=80)),
        "accepted": make_referral(session, case=calm, to=c, state=ReferralState.ACCEPTED,
                                  service=ServiceType.VISA_RELOCATION,
                                  answered_after=dt.timedelta(hours=10)),
        "declined": make_referral(session, case=calm, to=c, state=ReferralState.DECLINED,
                                  answered_after=dt.timedelta(hours=30)),
        "c_to_b": make_referral(session, case=other, to=b, state=ReferralState.COMPLETED,
                                answered_after=dt.timedelta(hours=4),
                                scopes=frozenset({ConsentScope.NEEDS})),
    }  # fmt: skip
    make_offer(session, organisation=b, service=ServiceType.EMERGENCY_SHELTER, open_places=2,
               cities=(almaty,), countries=())  # fmt: skip
    make_offer(session, organisation=c, service=ServiceType.EMERGENCY_SHELTER, open_places=5,
               countries=("KZ",), taking_referrals=False)  # fmt: skip
    users = {
        "a": make_user(session, role=Role.COORDINATOR, organisation=a),
        "b": make_user(session, role=Role.COORDINATOR, organisation=b),
        "c": make_user(session, role=Role.COORDINATOR, organisation=c),
        "b_worker": make_user(session, role=Role.CASEWORKER, organisation=b),
        "admin": make_user(session, role=Role.ADMIN),
        "funder": make_user(session, role=Role.FUNDER),
    }
    session.commit()
    return refs, {k: actor_of(v) for k, v in users.items()}, (calm, urgent, other)


def test_the_inbox_puts_urgent_cases_first_then_urgency(session, world):
    refs, users, (calm, urgent, _other) = world
    rows = q.inbox(session, actor=users["b"], today=TODAY)
    assert list(rows["id"]) == [refs["urgent_low"].id, refs["calm_high"].id, refs["old"].id]
    assert list(rows["urgent"]) == [True, False, False]
    # Completed referrals leave the inbox; the unassigned caseworker has none.
    assert q.inbox(session, actor=users["b_worker"], today=TODAY).empty
    assert q.inbox_count(session, actor=users["b"]) == 3
    assert q.inbox_count(session, actor=users["b_worker"]) == 0


def test_the_outbox_holds_the_own_cases_referrals_in_every_state(session, world):
    refs, users, _cases = world
    ids = set(q.outbox(session, actor=users["a"], today=TODAY)["id"])
    assert ids == {refs[k].id for k in ("calm_high", "urgent_low", "old", "accepted", "declined")}
    assert q.outbox(session, actor=users["b_worker"], today=TODAY).empty


def test_the_weekly_list_shows_pending_over_72_hours_to_both_sides(session, world):
    refs, users, _cases = world
    for side in ("a", "b"):
        assert list(q.overdue_pending(session, actor=users[side], today=TODAY)["id"]) == [
            refs["old"].id
        ]
    assert q.overdue_pending(session, actor=users["c"], today=TODAY).empty


def test_flows_of_a_coordinator_are_those_of_its_organisation(session, world):
    _refs, users, _cases = world
    flows = q.flows(session, actor=users["c"])
    pairs = {(r.from_organisation, r.to_organisation): r for r in flows.pairs.itertuples()}
    assert set(pairs) == {("Bureau", "Visa group"), ("Visa group", "Shelter")}
    # Answered for C: accepted (10 h), declined (30 h), c_to_b completed (4 h): 2 of 3 yes.
    assert flows.acceptance_rate == pytest.approx(2 / 3)
    assert flows.median_hours_to_answer == pytest.approx(10)
    assert pairs[("Bureau", "Visa group")].acceptance_rate == pytest.approx(0.5)
    assert not flows.network_wide
    assert q.flows(session, actor=users["b_worker"]) is None
    assert q.flows(session, actor=users["funder"]) is None


def test_the_admin_sees_the_whole_network(session, world):
    _refs, users, _cases = world
    flows = q.flows(session, actor=users["admin"])
    assert flows.network_wide and int(flows.pairs["sent"].sum()) == 6


def test_capacity_against_demand_per_service_and_city(session, world):
    _refs, users, _cases = world
    capacity = q.capacity_against_demand(session, actor=users["admin"])
    cells = {(r.service, r.city): r for r in capacity.itertuples()}
    shelter = cells[(ServiceType.EMERGENCY_SHELTER, "Almaty")]
    # Open shelter referrals in Almaty: calm_high, urgent_low (the declined one is closed).
    # B's 2 places cover Almaty; C covers all KZ but is not taking referrals.
    assert (shelter.demand, shelter.open_places, shelter.taking) == (2, 2, 1)


def test_the_directory_is_read_by_those_who_refer(session, world):
    _refs, users, _cases = world
    assert len(services.directory(session, actor=users["a"])) == 2
    assert services.directory(session, actor=users["b_worker"]).empty


def test_the_directory_names_the_countries_a_service_covers(session, world):
    _refs, users, _cases = world
    russian = services.directory(session, actor=users["admin"], language="ru")
    assert "Казахстан" in set(russian["areas"]) and "KZ" not in set(russian["areas"])
    assert "Kazakhstan" in set(services.directory(session, actor=users["admin"])["areas"])
