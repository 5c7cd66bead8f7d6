"""Case writes: validation refuses bad input and writes nothing; good input is saved with a
bumped version, a fresh ``updated_at`` and an audit row naming the fields, never values."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models import case_codes, cases
from models.access import PermissionDenied
from models.enums import (
    AuditAction,
    CaseStatus,
    Category,
    DetentionOutcome,
    DetentionPlace,
    HousingSituation,
    Outcome,
    PermitType,
    Role,
    Stage,
    Urgency,
)
from models.errors import ValidationError
from models.identity.store import case_cipher, open_notes, open_sealed, read_identity
from models.tables import (
    AuditEvent,
    Case,
    CaseNote,
    Detention,
    HousingNeed,
    LegalStatus,
    Person,
    StageChange,
)
from tests.factories import actor_of, make_case, make_detention, make_organisation, make_user

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def world(session):
    org = make_organisation(session)
    other = make_organisation(session)
    caseworker = make_user(session, role=Role.CASEWORKER, organisation=org)
    coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
    case = make_case(session, organisation=org, caseworker=caseworker)
    session.commit()
    return {
        "org": org,
        "other": other,
        "caseworker": caseworker,
        "coordinator": coordinator,
        "case": case,
    }


def legal(**changes):
    values = {
        "permit_type": PermitType.TEMPORARY_RESIDENCE,
        "permit_issued_on": dt.date(2026, 1, 10),
        "permit_expires_on": dt.date(2027, 1, 10),
    }
    return cases.LegalStatusInput(**{**values, **changes})


def audit_rows(session, case_id):
    return session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id)).all()


def test_saving_legal_status_bumps_version_and_records_changed_fields(session, world):
    case, actor = world["case"], actor_of(world["caseworker"])
    before = case.updated_at
    changed = cases.update_legal_status(
        session, actor=actor, case_id=case.id, expected_version=1, data=legal()
    )
    session.commit()
    stored = session.get(LegalStatus, case.id, populate_existing=True)
    reloaded = session.get(Case, case.id, populate_existing=True)
    assert stored.permit_expires_on == dt.date(2027, 1, 10)
    assert reloaded.version == 2
    assert reloaded.updated_at.replace(tzinfo=dt.UTC) >= before.replace(tzinfo=dt.UTC)
    assert set(changed) == {"permit_issued_on", "permit_expires_on"}
    [event] = audit_rows(session, case.id)
    assert event.action == AuditAction.UPDATE
    assert event.fields == "permit_expires_on,permit_issued_on"
    assert "2027" not in (event.detail or "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (legal(permit_expires_on=dt.date(2025, 1, 1)), "permit_expires_on"),
        (legal(charge_article="<script>alert(1)</script>"), "charge_article"),
        (legal(charge_article='=HYPERLINK("http://x")'), "charge_article"),
        (legal(charge_max_years=45), "charge_max_years"),
        (legal(permit_type="tourist"), "permit_type"),
    ],
)
def test_bad_legal_status_is_refused_and_nothing_is_written(session, world, data, field):
    case = world["case"]
    with pytest.raises(ValidationError) as error:
        cases.update_legal_status(
            session,
            actor=actor_of(world["caseworker"]),
            case_id=case.id,
            expected_version=1,
            data=data,
        )
    session.rollback()
    assert field in error.value.messages
    assert session.get(Case, case.id, populate_existing=True).version == 1
    assert audit_rows(session, case.id) == []


def test_detention_in_the_future_is_refused(session, world):
    with pytest.raises(ValidationError) as error:
        cases.record_detention(
            session,
            actor=actor_of(world["caseworker"]),
            case_id=world["case"].id,
            expected_version=1,
            detained_on=TODAY + dt.timedelta(days=1),
            place=DetentionPlace.AIRPORT,
            today=TODAY,
        )
    assert "detained_on" in error.value.messages
    session.rollback()
    assert session.exec(select(Detention)).all() == []


def test_detention_and_release_are_recorded(session, world):
    case, actor = world["case"], actor_of(world["caseworker"])
    detention = cases.record_detention(
        session,
        actor=actor,
        case_id=case.id,
        expected_version=1,
        detained_on=TODAY,
        place=DetentionPlace.AIRPORT,
        today=TODAY,
    )
    session.commit()
    cases.record_release(
        session,
        actor=actor,
        case_id=case.id,
        expected_version=2,
        detention_id=detention.id,
        released_on=TODAY,
        outcome=DetentionOutcome.RELEASED,
        today=TODAY,
    )
    session.commit()
    stored = session.get(Detention, detention.id, populate_existing=True)
    assert (stored.released_on, stored.outcome) == (TODAY, DetentionOutcome.RELEASED)
    assert session.get(Case, case.id, populate_existing=True).version == 3


def test_release_before_detention_is_refused(session, world):
    case = world["case"]
    detention = make_detention(session, case=case, detained_on=TODAY)
    session.commit()
    with pytest.raises(ValidationError) as error:
        cases.record_release(
            session,
            actor=actor_of(world["caseworker"]),
            case_id=case.id,
            expected_version=1,
            detention_id=detention.id,
            released_on=TODAY - dt.timedelta(days=2),
            outcome=DetentionOutcome.RELEASED,
            today=TODAY,
        )
    assert "released_on" in error.value.messages


def test_housing_need_is_created_then_updated_with_cyrillic_text(session, world):
    case, actor = world["case"], actor_of(world["caseworker"])
    data = cases.NeedInput(HousingSituation.SHELTER, "Нужна комната в Алматы", Urgency.HIGH, False)
    cases.update_housing_need(
        session, actor=actor, case_id=case.id, expected_version=1, data=data, today=TODAY
    )
    session.commit()
    stored = session.get(HousingNeed, case.id, populate_existing=True)
    # Stored sealed with the person's key, like a note: never the clear text.
    assert "Алматы".encode() not in bytes(stored.sealed_need)
    assert open_sealed(case_cipher(session, case_id=case.id), stored.sealed_need) == (
        "Нужна комната в Алматы"
    )
    assert stored.situation == HousingSituation.SHELTER


def test_unknown_stage_is_refused(session, world):
    with pytest.raises(ValidationError) as error:
        cases.move_stage(
            session,
            actor=actor_of(world["caseworker"]),
            case_id=world["case"].id,
            expected_version=1,
            to_stage="teleported",
        )
    assert "stage" in error.value.messages


def test_stage_moves_forward_one_step_only_and_is_recorded(session, world):
    case, actor = world["case"], actor_of(world["caseworker"])
    with pytest.raises(ValidationError):
        cases.move_stage(
            session, actor=actor, case_id=case.id, expected_version=1, to_stage=Stage.DOCUMENTS
        )
    session.rollback()
    cases.move_stage(
        session, actor=actor, case_id=case.id, expected_version=1, to_stage=Stage.NEEDS_ASSESSMENT
    )
    session.commit()
    moves = session.exec(
        select(StageChange).where(StageChange.case_id == case.id).order_by(StageChange.id)
    ).all()
    assert [(m.from_stage, m.to_stage) for m in moves] == [
        (None, Stage.INTAKE),
        (Stage.INTAKE, Stage.NEEDS_ASSESSMENT),
    ]
    assert session.get(Case, case.id, populate_existing=True).stage == Stage.NEEDS_ASSESSMENT


def test_closing_needs_an_outcome_and_the_right_role(session, world):
    case = world["case"]
    with pytest.raises(PermissionDenied):
        cases.close_case(
            session,
            actor=actor_of(world["caseworker"]),
            case_id=case.id,
            expected_version=1,
            outcome=Outcome.WITHDREW,
            today=TODAY,
        )
    coordinator = actor_of(world["coordinator"])
    with pytest.raises(ValidationError) as error:
        cases.close_case(
            session,
            actor=coordinator,
            case_id=case.id,
            expected_version=1,
            outcome=None,
            today=TODAY,
        )
    assert "outcome" in error.value.messages
    with pytest.raises(ValidationError):
        cases.close_case(
            session,
            actor=coordinator,
            case_id=case.id,
            expected_version=1,
            outcome=Outcome.RELOCATED,
            today=TODAY,
        )
    session.rollback()
    cases.close_case(
        session,
        actor=coordinator,
        case_id=case.id,
        expected_version=1,
        outcome=Outcome.WITHDREW,
        today=TODAY,
    )
    session.commit()
    closed = session.get(Case, case.id, populate_existing=True)
    assert (closed.status, closed.outcome, closed.closed_on) == (
        CaseStatus.CLOSED,
        Outcome.WITHDREW,
        TODAY,
    )


def test_assignment_only_to_a_caseworker_of_the_case_organisation(session, world):
    case = world["case"]
    outsider = make_user(session, role=Role.CASEWORKER, organisation=world["other"])
    colleague = make_user(session, role=Role.CASEWORKER, organisation=world["org"])
    session.commit()
    coordinator = actor_of(world["coordinator"])
    with pytest.raises(ValidationError):
        cases.assign_caseworker(
            session,
            actor=coordinator,
            case_id=case.id,
            expected_version=1,
            caseworker_id=outsider.id,
        )
    session.rollback()
    with pytest.raises(PermissionDenied):
        cases.assign_caseworker(
            session,
            actor=actor_of(world["caseworker"]),
            case_id=case.id,
            expected_version=1,
            caseworker_id=colleague.id,
        )
    cases.assign_caseworker(
        session, actor=coordinator, case_id=case.id, expected_version=1, caseworker_id=colleague.id
    )
    session.commit()
    assert session.get(Case, case.id, populate_existing=True).caseworker_id == colleague.id


@pytest.mark.parametrize("body", ["", "<b>bold</b>", "@SUM(A1:A9)", "-2+3", "x" * 4001])
def test_bad_notes_are_refused(session, world, body):
    with pytest.raises(ValidationError):
        cases.add_note(
            session, actor=actor_of(world["caseworker"]), case_id=world["case"].id, body=body
        )
    session.rollback()
    assert session.exec(select(CaseNote)).all() == []


def test_a_note_in_cyrillic_is_kept_as_typed(session, world):
    case = world["case"]
    cases.add_note(
        session,
        actor=actor_of(world["caseworker"]),
        case_id=case.id,
        body="Звонил адвокат; a < b — это не HTML.",
    )
    session.commit()
    [note] = session.exec(select(CaseNote)).all()
    # Stored sealed; read back through the case's key.
    assert "Звонил".encode() not in note.sealed_body
    [body] = open_notes(case_cipher(session, case_id=case.id), [note.sealed_body])
    assert body == "Звонил адвокат; a < b — это не HTML."
    assert session.get(Case, case.id, populate_existing=True).version == 2


def test_a_caseworker_cannot_write_to_a_case_not_assigned_to_them(session, world):
    stranger = make_user(session, role=Role.CASEWORKER, organisation=world["org"])
    session.commit()
    with pytest.raises(cases.CaseNotFound):
        cases.update_legal_status(
            session,
            actor=actor_of(stranger),
            case_id=world["case"].id,
            expected_version=1,
            data=legal(),
        )


def intake(**changes):
    values = {
        "full_name": "Иван Петров",
        "category": Category.DESERTER,
        "opened_on": dt.date(2026, 11, 20),
        "name_latin": "Ivan Petrov",
    }
    return cases.Intake(**{**values, **changes})


def test_new_cases_get_a_random_checked_code_of_their_intake_year(session, world):
    coordinator = actor_of(world["coordinator"])
    first = cases.create_case(session, actor=coordinator, data=intake(), today=TODAY)
    second = cases.create_case(session, actor=coordinator, data=intake(), today=TODAY)
    session.commit()
    for case in (first, second):
        assert re.fullmatch(r"WP-26-[23456789ABCDEFGHJKMNPQRSTVWXY]{6}", case.code)
        assert case_codes.is_valid(case.code)
    # Nothing in the code counts cases: it is not the sequence, in any base.
    assert first.code != second.code
    assert str(first.intake_seq) not in first.code[6:]
    sealed = session.exec(select(Person).where(Person.case_id == second.id)).one()
    assert "Иван".encode() not in sealed.sealed
    person = read_identity(session, case_id=second.id)
    assert person is not None and person.full_name == "Иван Петров"
    assert session.get(LegalStatus, second.id) is not None
    assert session.exec(select(StageChange).where(StageChange.case_id == second.id)).one()
    created = session.exec(select(AuditEvent).where(AuditEvent.case_id == second.id)).one()
    assert "Иван" not in (created.fields or "") + (created.detail or "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (intake(full_name="Я" * 5000), "full_name"),
        (intake(full_name="  "), "full_name"),
        (intake(name_latin="<img src=x onerror=alert(1)>"), "name_latin"),
        (intake(contact="=cmd|' /C calc'!A0"), "contact"),
        (intake(opened_on=TODAY + dt.timedelta(days=3)), "opened_on"),
        (intake(category="spy"), "category"),
    ],
)
def test_bad_intake_is_refused_and_no_case_is_created(session, world, data, field):
    with pytest.raises(ValidationError) as error:
        cases.create_case(session, actor=actor_of(world["coordinator"]), data=data, today=TODAY)
    session.rollback()
    assert field in error.value.messages
    assert session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one() == 1


def test_a_caseworker_cannot_open_a_case(session, world):
    with pytest.raises(PermissionDenied):
        cases.create_case(session, actor=actor_of(world["caseworker"]), data=intake(), today=TODAY)


def test_an_admin_takes_in_for_any_organisation_a_coordinator_only_for_their_own(session, world):
    admin = make_user(session, role=Role.ADMIN, organisation=world["org"])
    session.commit()
    other_id = world["other"].id
    case = cases.create_case(
        session, actor=actor_of(admin), data=intake(organisation_id=other_id), today=TODAY
    )
    assert case.organisation_id == other_id
    with pytest.raises(ValidationError) as error:
        cases.create_case(
            session,
            actor=actor_of(world["coordinator"]),
            data=intake(organisation_id=other_id),
            today=TODAY,
        )
    assert "organisation" in error.value.messages


def test_a_code_already_taken_anywhere_in_the_network_is_drawn_again(session, world, monkeypatch):
    coordinator = actor_of(world["coordinator"])
    first = cases.create_case(session, actor=coordinator, data=intake(), today=TODAY)
    session.commit()
    drawn = iter([first.code, first.code, "WP-26-FRESH2"])
    monkeypatch.setattr(case_codes, "new_code", lambda year: next(drawn))
    second = cases.create_case(session, actor=coordinator, data=intake(), today=TODAY)
    session.commit()
    assert second.code == "WP-26-FRESH2"
