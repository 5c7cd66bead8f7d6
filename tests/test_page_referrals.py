"""The referral pages, driven in AppTest: the sender refers a case from its page (consent
first); the receiver sees only the shared categories, answers, and loses the case the moment
the sender revokes; the inbox, the directory, the flows and the weekly review's list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from models.database import make_engine
from models.enums import Role
from models.network import ConsentScope, ReferralState, ServiceType
from models.network import referrals as r
from models.network.tables import Referral, ServiceOffer
from models.tables import Organisation, utcnow
from tests.factories import actor_of, make_case, make_city, make_organisation, make_user
from tests.network_factories import make_offer, make_referral

NAME = "Пётр Засекреченный"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        sender, receiver = (
            make_organisation(session, "Bureau"),
            make_organisation(session, "Shelter"),
        )
        city = make_city(session, key="almaty")
        make_offer(session, organisation=receiver, service=ServiceType.EMERGENCY_SHELTER,
                   open_places=2, cities=(city,), countries=())  # fmt: skip
        sending = make_user(session, role=Role.COORDINATOR, organisation=sender)
        receiving = make_user(session, role=Role.COORDINATOR, organisation=receiver)
        worker = make_user(session, role=Role.CASEWORKER, organisation=receiver)
        case = make_case(session, organisation=sender, city=city, full_name=NAME)
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "case": case,
        "receiver_org": receiver,
        "sender": actor_of(sending),
        "receiver": actor_of(receiving),
        "worker": actor_of(worker),
    }
    engine.dispose()


def db(world):
    return Session(world["engine"], expire_on_commit=False)


def open_page(page_test, world, actor, page="case_page.py", code=None):
    at = page_test(page, database_url=world["url"], actor=actor)
    if code:
        at.query_params["code"] = code
    return at.run()


def everything(at) -> str:
    parts = [e.value for e in [*at.text, *at.error, *at.success, *at.caption, *at.info]]
    parts += [str(e.value) for e in at.markdown] + [e.value for e in at.header]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def refer(world, scopes=frozenset({ConsentScope.FACTS})) -> Referral:
    with db(world) as session:
        referral = make_referral(session, case=world["case"], to=world["receiver_org"],
                                 scopes=scopes)  # fmt: skip
        session.commit()
        return referral


def test_the_sender_refers_from_the_case_page_with_consent(page_test, world):
    at = open_page(page_test, world, world["sender"], code=world["case"].code)
    assert not at.exception
    at.selectbox(key="wp_ref_service").set_value(ServiceType.EMERGENCY_SHELTER)
    at.text_area(key="wp_ref_reason").set_value("Evicted, needs a bed")
    at.multiselect(key="wp_ref_scopes").set_value([ConsentScope.FACTS])
    at.button(key="wp_ref_send").click().run()
    # Without the consent box ticked, nothing is sent.
    assert any("consent" in e.value for e in at.error)
    with db(world) as session:
        assert session.exec(select(Referral)).all() == []
    at.checkbox(key="wp_ref_given").check()
    at.button(key="wp_ref_send").click().run()
    assert not at.exception
    with db(world) as session:
        [referral] = session.exec(select(Referral)).all()
    assert referral.state == ReferralState.PENDING
    assert referral.share_facts and not referral.share_identity and not referral.share_notes
    assert referral.to_organisation_id == world["receiver_org"].id


def test_the_receiver_sees_the_facts_and_no_identity_then_not_found_after_revoke(page_test, world):
    referral = refer(world)
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    assert not at.exception
    shown = everything(at)
    assert world["case"].code in shown
    assert "Almaty" in shown  # a case fact: the city
    assert NAME not in shown and "Засекреченный" not in shown
    assert not at.toggle  # no identity toggle: the scope does not include it
    with db(world) as session:
        r.revoke(session, actor=world["sender"], referral_id=referral.id)
        session.commit()
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    assert [e.value for e in at.error] == ["Case not found."]
    assert "Almaty" not in everything(at)
    assert not at.dataframe


def test_the_receiver_sees_the_identity_only_when_shared_and_it_is_audited(page_test, world):
    refer(world, scopes=frozenset({ConsentScope.IDENTITY}))
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    assert "Almaty" not in everything(at)  # facts not shared
    at.toggle(key="wp_ref_identity").set_value(True).run()
    assert NAME in everything(at)


def test_the_sending_organisation_s_name_is_shown_as_typed_never_as_markup(page_test, world):
    """An organisation's name is typed by an admin; shown to the receiver inside Markdown, an
    image in it would make every receiver's browser fetch from another host."""
    with db(world) as session:
        sender = session.get(Organisation, world["case"].organisation_id)
        sender.name = "Bureau ![x](https://host.example/x.png) :red[urgent]"
        session.add(sender)
        session.commit()
    refer(world)
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    [referred] = [e.value for e in at.info if "Referred by" in e.value]
    assert "Bureau \\!\\[x\\]\\(https\\:" in referred
    assert "![x]" not in referred and ":red[" not in referred


def test_the_receiver_accepts_and_adds_a_note(page_test, world):
    referral = refer(world)
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    at.button(key="wp_ref_accept").click().run()
    assert not at.exception
    at.text_area(key="wp_ref_note_body").set_value("Bed found for two weeks")
    at.button(key="wp_ref_note_save").click().run()
    with db(world) as session:
        assert session.get(Referral, referral.id).state == ReferralState.ACCEPTED
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    assert "Bed found for two weeks" in everything(at)


def test_the_inbox_lists_urgent_cases_first_and_the_outbox_the_sender(page_test, world):
    refer(world)
    at = open_page(page_test, world, world["receiver"], page="referrals.py")
    assert not at.exception
    assert world["case"].code in at.dataframe[0].value.to_csv()
    at = open_page(page_test, world, world["sender"], page="referrals.py")
    assert world["case"].code in at.dataframe[-1].value.to_csv()
    # An unassigned caseworker of the receiving organisation sees nothing.
    at = open_page(page_test, world, world["worker"], page="referrals.py")
    assert not at.dataframe


def test_the_coordinator_keeps_the_directory(page_test, world):
    at = open_page(page_test, world, world["receiver"], page="services.py")
    assert "Shelter" in at.dataframe[0].value.to_csv()
    at.selectbox(key="wp_services_service").set_value(ServiceType.PSYCHOSOCIAL)
    at.text_input(key="wp_services_countries").set_value("KZ, kg")
    at.button(key="wp_services_save").click().run()
    assert not at.exception
    with db(world) as session:
        offers = {o.service for o in session.exec(select(ServiceOffer)).all()}
    assert offers == {ServiceType.EMERGENCY_SHELTER, ServiceType.PSYCHOSOCIAL}


def test_flows_show_counts_and_the_weekly_review_lists_old_pending(page_test, world):
    with db(world) as session:
        make_referral(session, case=world["case"], to=world["receiver_org"],
                      sent_at=utcnow() - dt.timedelta(hours=80))  # fmt: skip
        session.commit()
    at = open_page(page_test, world, world["sender"], page="referral_flows.py")
    assert not at.exception
    assert "Bureau" in at.dataframe[0].value.to_csv()
    at = open_page(page_test, world, world["receiver"], page="weekly.py")
    assert not at.exception
    assert any("more than 72 hours" in h.value for h in at.subheader)
    assert world["case"].code in at.dataframe[-1].value.to_csv()


def test_the_receiver_reads_why_the_case_was_sent_and_the_sender_reads_the_answer(page_test, world):
    """A referral's reason and the receiver's answer are sealed with the person's key; the
    case page opens them for the two sides of the referral (as plain table cells)."""
    with db(world) as session:
        referral = make_referral(session, case=world["case"], to=world["receiver_org"],
                                 reason="Выселен, нужна койка до пятницы")  # fmt: skip
        session.commit()
    at = open_page(page_test, world, world["receiver"], code=world["case"].code)
    assert "Выселен, нужна койка до пятницы" in everything(at)
    with db(world) as session:
        r.decline(session, actor=world["receiver"], referral_id=referral.id,
                  reason="Нет мест до декабря")  # fmt: skip
        session.commit()
    at = open_page(page_test, world, world["sender"], code=world["case"].code)
    shown = everything(at)
    assert "Выселен, нужна койка до пятницы" in shown and "Нет мест до декабря" in shown
