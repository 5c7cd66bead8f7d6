"""The demo seed's network data: services for every demo organisation, and referrals between
them in every state with mixed consent scopes, which the demo coordinators can work with."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from models.access import Actor
from models.network import ReferralState
from models.network import queries as q
from models.network.tables import Referral, ServiceOffer
from models.tables import Organisation, User
from seed_data.generator import seed

TODAY = dt.date.today()


def test_the_seed_makes_services_and_referrals_in_every_state(session: Session) -> None:
    seed(session, cases=120, seed=4, today=TODAY, password="waypoint-demo")
    session.commit()
    organisations = session.exec(select(Organisation)).all()
    offering = {offer.organisation_id for offer in session.exec(select(ServiceOffer))}
    assert offering == {org.id for org in organisations}
    referrals = session.exec(select(Referral)).all()
    assert {ReferralState(r.state) for r in referrals} == set(ReferralState)
    scopes = {(r.share_facts, r.share_needs, r.share_identity, r.share_notes) for r in referrals}
    assert len(scopes) >= 4
    assert any(not r.share_identity for r in referrals) and any(r.share_identity for r in referrals)
    pairs = {(r.from_organisation_id, r.to_organisation_id) for r in referrals}
    assert len(pairs) == len(organisations) * (len(organisations) - 1)
    # The demo coordinator has an inbox, an outbox and something on the weekly list.
    coordinator = session.exec(select(User).where(User.username == "coordinator")).one()
    actor = Actor.of(coordinator)
    assert q.inbox_count(session, actor=actor) > 0
    assert not q.outbox(session, actor=actor, today=TODAY).empty
    assert not q.overdue_pending(session, actor=actor, today=TODAY).empty
