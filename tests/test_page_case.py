"""The case page, driven as each role: it shows what the role may see, answers "not found"
for a hidden case, and its forms write to the database (checked afterwards)."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from sqlmodel import Session, select

from dashboard import state
from models import case_codes, cases
from models.database import make_engine
from models.enums import (
    AuditAction,
    CaseStatus,
    DetentionPlace,
    HousingSituation,
    Outcome,
    PermitType,
    Role,
    Stage,
)
from models.i18n import Language, translate
from models.identity.store import case_cipher, open_notes, open_sealed
from models.tables import (
    AuditEvent,
    Case,
    CaseNote,
    Detention,
    HousingNeed,
    LegalStatus,
    Organisation,
    StageChange,
)
from tests.factories import actor_of, make_case, make_organisation, make_user

TODAY = "2026-11-23"


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org, other = make_organisation(session), make_organisation(session)
        caseworker = make_user(session, role=Role.CASEWORKER, organisation=org)
        colleague = make_user(session, role=Role.CASEWORKER, organisation=org)
        coordinator = make_user(session, role=Role.COORDINATOR, organisation=org)
        admin = make_user(session, role=Role.ADMIN, organisation=org)
        case = make_case(
            session,
            organisation=org,
            caseworker=caseworker,
            full_name="Пётр <b>Сидоров</b>",
            permit_expires_on=dt.date(2026, 12, 1),
        )
        hidden = make_case(session, organisation=other)
        session.commit()
    yield {
        "engine": engine,
        "url": database_url,
        "case": case,
        "hidden": hidden,
        "caseworker": actor_of(caseworker),
        "coordinator": actor_of(coordinator),
        "admin": actor_of(admin),
        "colleague": colleague,
    }
    engine.dispose()


def open_case(page_test, world, actor, code, language="en"):
    at = page_test(
        "case_page.py", database_url=world["url"], actor=actor, today=TODAY, language=language
    )
    at.query_params["code"] = code
    return at.run()


def colleague_saves_the_legal_status(world) -> None:
    """The coordinator saves the case's legal status (a permit to 2027-02-02) in a session of
    their own, while a form opened before stays on the page."""
    with db(world) as session:
        cases.update_legal_status(
            session,
            actor=world["coordinator"],
            case_id=world["case"].id,
            expected_version=1,
            data=cases.LegalStatusInput(PermitType.TEMPORARY_RESIDENCE, None, dt.date(2027, 2, 2)),
        )
        session.commit()


def texts(at) -> str:
    return "\n".join(e.value for e in [*at.text, *at.error, *at.success, *at.caption])


def db(world):
    return Session(world["engine"], expire_on_commit=False)


def k(name, version=1):
    return f"wp_cf_{name}_v{version}"


def test_caseworker_sees_the_case_with_its_risk_and_the_view_is_audited(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    assert not at.exception
    assert world["case"].code in [h.value for h in at.header]
    assert "Medium risk" in [s.value for s in at.subheader]
    assert "Permit expires within 30 days" in texts(at)
    with db(world) as session:
        views = session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_CASE))
        assert [e.case_id for e in views] == [world["case"].id]


@pytest.mark.parametrize("how", ["hidden", "missing"])
def test_a_hidden_case_answers_exactly_like_a_missing_one(page_test, world, how):
    code = world["hidden"].code if how == "hidden" else "WP-99-9999"
    at = open_case(page_test, world, world["caseworker"], code)
    assert [e.value for e in at.error] == ["Case not found."]
    assert not at.header and not at.dataframe


def test_a_lookup_of_a_hidden_case_is_audited_for_admins_and_a_missing_one_is_not(page_test, world):
    hidden = world["hidden"]
    open_case(page_test, world, world["caseworker"], hidden.code.lower())
    open_case(page_test, world, world["caseworker"], "WP-99-9999")
    with db(world) as session:
        denied = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.ACCESS_DENIED)
        ).all()
    assert [(e.username, e.case_id, e.entity_id) for e in denied] == [
        (world["caseworker"].username, hidden.id, str(hidden.id))
    ]
    # Nothing identifying: no code, no name, no field values.
    assert hidden.code not in f"{denied[0].detail} {denied[0].fields}"
    admin_view = audit_events_of(world, world["admin"])
    assert AuditAction.ACCESS_DENIED in set(admin_view["action"])


def audit_events_of(world, actor):
    from models.audit_queries import AuditFilters, audit_events

    with db(world) as session:
        return audit_events(session, actor=actor, filters=AuditFilters())


def test_a_mistyped_new_code_is_caught_and_a_right_one_opens(page_test, world):
    with db(world) as session:
        new = make_case(
            session,
            organisation=session.get(Organisation, world["case"].organisation_id),
            code=case_codes.new_code(2026),
        )
        session.commit()
    at = open_case(page_test, world, world["coordinator"], new.code)
    assert new.code in [h.value for h in at.header]
    swapped = new.code[:-2] + new.code[-1] + new.code[-2]
    wrong = next(new.code[:-1] + symbol for symbol in case_codes.ALPHABET if symbol != new.code[-1])
    for typo in {swapped, wrong} - {new.code}:
        at = open_case(page_test, world, world["coordinator"], typo)
        assert [e.value for e in at.error] == [case_codes.TYPO_MESSAGE]
        assert not at.header


def test_typing_a_hidden_code_in_the_box_is_also_not_found(page_test, world):
    at = open_case(page_test, world, world["coordinator"], world["case"].code)
    at.text_input(key="wp_case_code").set_value(world["hidden"].code).run()
    assert [e.value for e in at.error] == ["Case not found."]
    assert (
        at.query_params["code"] == [world["hidden"].code]
        or at.query_params["code"] == world["hidden"].code
    )


def test_identity_is_shown_as_text_on_request_and_audited(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    assert "Сидоров" not in texts(at)
    at.toggle(key="wp_case_show_identity").set_value(True).run()
    assert "Full name: Пётр <b>Сидоров</b>" in [t.value for t in at.text]
    assert not at.markdown or all("Сидоров" not in m.value for m in at.markdown)
    with db(world) as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.case_id == world["case"].id)
        ).all()
    assert AuditAction.VIEW_IDENTITY in actions


def test_admin_reads_the_case_but_never_the_identity(page_test, world):
    at = open_case(page_test, world, world["admin"], world["case"].code)
    assert not at.toggle
    assert "Your role does not show identities." in texts(at)


def test_caseworker_updates_the_permit_expiry(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    at.date_input(key=k("permit_issued_on")).set_value(dt.date(2026, 1, 5))
    at.date_input(key=k("permit_expires_on")).set_value(dt.date(2027, 6, 30))
    at.button(key=k("legal_save")).click().run()
    assert "Legal status saved." in texts(at)
    with db(world) as session:
        status = session.get(LegalStatus, world["case"].id)
        case = session.get(Case, world["case"].id)
        assert status.permit_expires_on == dt.date(2027, 6, 30)
        assert case.version == 2
    # The form now starts from the saved values, at the new version.
    assert at.date_input(key=k("permit_expires_on", 2)).value == dt.date(2027, 6, 30)


def test_an_expiry_before_the_issue_date_is_shown_under_the_field_and_not_saved(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    at.date_input(key=k("permit_issued_on")).set_value(dt.date(2026, 5, 5))
    at.date_input(key=k("permit_expires_on")).set_value(dt.date(2026, 1, 1))
    at.button(key=k("legal_save")).click().run()
    assert "The expiry date is before the date of issue." in [e.value for e in at.error]
    with db(world) as session:
        assert session.get(LegalStatus, world["case"].id).permit_expires_on == dt.date(2026, 12, 1)
        assert session.get(Case, world["case"].id).version == 1


def test_a_formula_in_the_charge_is_refused(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    at.text_input(key=k("charge_article")).set_value("=1+2")
    at.button(key=k("legal_save")).click().run()
    assert any("formula" in e.value for e in at.error)
    with db(world) as session:
        assert session.get(LegalStatus, world["case"].id).charge_article is None


def test_a_save_after_someone_else_saved_is_refused_and_shows_the_current_values(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    colleague_saves_the_legal_status(world)  # first, in another session
    at.date_input(key=k("permit_expires_on")).set_value(dt.date(2027, 9, 9))
    at.button(key=k("legal_save")).click().run()
    assert any("Someone else saved this case" in e.value for e in at.error)
    with db(world) as session:
        assert session.get(LegalStatus, world["case"].id).permit_expires_on == dt.date(2027, 2, 2)
    assert at.date_input(key=k("permit_expires_on", 2)).value == dt.date(2027, 2, 2)


def test_detention_in_the_future_is_refused_then_a_real_one_recorded(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    at.date_input(key=k("detained_on")).set_value(dt.date(2026, 12, 25))
    at.button(key=k("detention_save")).click().run()
    assert "This date is in the future." in [e.value for e in at.error]
    at.date_input(key=k("detained_on")).set_value(dt.date(2026, 11, 20))
    at.selectbox(key=k("place")).set_value(DetentionPlace.AIRPORT)
    at.button(key=k("detention_save")).click().run()
    with db(world) as session:
        [detention] = session.exec(select(Detention)).all()
    assert (detention.detained_on, detention.place) == (
        dt.date(2026, 11, 20),
        DetentionPlace.AIRPORT,
    )
    at.date_input(key=k("released_on", 2)).set_value(dt.date(2026, 11, 22))
    at.button(key=k("release_save", 2)).click().run()
    with db(world) as session:
        assert session.get(Detention, detention.id).released_on == dt.date(2026, 11, 22)


def test_housing_need_form_saves_cyrillic_and_html_is_refused(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    at.selectbox(key=k("housing_situation")).set_value(HousingSituation.SHELTER)
    at.text_area(key=k("housing_need")).set_value("<script>x</script>")
    at.button(key=k("housing_save")).click().run()
    assert any("HTML" in e.value for e in at.error)
    at.text_area(key=k("housing_need")).set_value("Нужно жильё")
    at.button(key=k("housing_save")).click().run()
    with db(world) as session:
        need = session.get(HousingNeed, world["case"].id)
        text = open_sealed(case_cipher(session, case_id=world["case"].id), need.sealed_need)
    assert (need.situation, text) == (HousingSituation.SHELTER, "Нужно жильё")
    # The page shows the need opened again.
    assert any("Нужно жильё" in frame.value.to_csv() for frame in at.dataframe)


def test_moving_the_stage_and_closing_as_coordinator(page_test, world):
    at = open_case(page_test, world, world["coordinator"], world["case"].code)
    at.button(key=k("stage_save")).click().run()
    with db(world) as session:
        assert session.get(Case, world["case"].id).stage == Stage.NEEDS_ASSESSMENT
    at.button(key=k("close_save", 2)).click().run()
    assert "Choose the outcome to close the case." in [e.value for e in at.error]
    at.selectbox(key=k("close_outcome", 2)).set_value(Outcome.SETTLED_LOCALLY)
    at.button(key=k("close_save", 2)).click().run()
    with db(world) as session:
        case = session.get(Case, world["case"].id)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.SETTLED_LOCALLY)


def test_caseworkers_get_no_close_or_assign_form(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    keys = {b.key for b in at.button}
    assert k("close_save") not in keys and k("assign_save") not in keys
    assert k("legal_save") in keys


def test_coordinator_assigns_a_colleague(page_test, world):
    at = open_case(page_test, world, world["coordinator"], world["case"].code)
    at.selectbox(key=k("assign_to")).set_value(world["colleague"].id)
    at.button(key=k("assign_save")).click().run()
    with db(world) as session:
        assert session.get(Case, world["case"].id).caseworker_id == world["colleague"].id


def test_a_note_is_added_and_shown_as_text(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code)
    at.text_area(key=k("note_body")).set_value("Адвокат: **не** звонить до среды")
    at.button(key=k("note_save")).click().run()
    with db(world) as session:
        [note] = session.exec(select(CaseNote)).all()
        [body] = open_notes(case_cipher(session, case_id=note.case_id), [note.sealed_body])
    assert body == "Адвокат: **не** звонить до среды"
    assert "Адвокат".encode() not in note.sealed_body
    shown = [df.value for df in at.dataframe]
    assert any("Адвокат: **не** звонить до среды" in frame.to_string() for frame in shown)


def test_the_russian_stage_history_names_its_columns_as_stages_not_dates(page_test, world):
    at = open_case(page_test, world, world["caseworker"], world["case"].code, language="ru")
    assert not at.exception
    columns = [list(frame.value.columns) for frame in at.dataframe]
    assert ["Когда изменено", "Был этап", "Стал этап", "Кем"] in columns


def test_a_russian_reader_sees_dates_as_dd_mm_yyyy_and_times_in_kazakhstan(page_test, world):
    with db(world) as session:  # late on 22 November in UTC is past midnight in Almaty
        session.add(
            StageChange(
                case_id=world["case"].id,
                from_stage=Stage.INTAKE,
                to_stage=Stage.NEEDS_ASSESSMENT,
                changed_at=dt.datetime(2026, 11, 22, 19, 30, tzinfo=dt.UTC),
            )
        )
        session.add(
            Detention(
                case_id=world["case"].id,
                detained_on=dt.date(2026, 11, 2),
                place=DetentionPlace.AIRPORT,
            )
        )
        session.commit()
    at = open_case(page_test, world, world["caseworker"], world["case"].code, language="ru")
    assert not at.exception
    shown = "\n".join(frame.value.to_string() for frame in at.dataframe)
    assert "23.11.2026 00:30" in shown and "UTC" not in shown
    assert "01.03.2025" in shown  # opened on
    assert "02.11.2026" in shown and "2026-11-02" not in shown  # detained on
    assert at.date_input(key=k("detained_on")).proto.format == "DD.MM.YYYY"
    assert "ДД.ММ.ГГГГ" in at.date_input(key=k("detained_on")).help


def conflict_table(at) -> dict[str, str]:
    [frame] = [f.value for f in at.dataframe if "Текущее значение" in f.value.columns]
    return dict(zip(frame["Поле"], frame["Текущее значение"], strict=True))


@pytest.fixture
def russian_widgets():
    """AppTest calls a selectbox's format_func in the test's thread: let the page's labels
    be Russian there too, as they are in the page's own run."""
    st.session_state[state.LANGUAGE] = Language.RU
    yield
    del st.session_state[state.LANGUAGE]


def test_a_refused_save_names_the_fields_by_label_and_dates_as_the_reader_writes_them(
    page_test, world, russian_widgets
):
    at = open_case(page_test, world, world["coordinator"], world["case"].code, language="ru")
    colleague_saves_the_legal_status(world)  # first, in another session
    at.button(key=k("legal_save")).click().run()
    assert conflict_table(at)[translate("Permit expires on", "ru")] == "02.02.2027"


def test_a_refused_assignment_names_the_current_caseworker(page_test, world, russian_widgets):
    at = open_case(page_test, world, world["coordinator"], world["case"].code, language="ru")
    with db(world) as session:  # a colleague assigns the case first, in another session
        cases.assign_caseworker(
            session,
            actor=world["coordinator"],
            case_id=world["case"].id,
            expected_version=1,
            caseworker_id=world["colleague"].id,
        )
        session.commit()
    at.selectbox(key=k("assign_to")).set_value(world["colleague"].id)
    at.button(key=k("assign_save")).click().run()
    assert conflict_table(at) == {translate("Caseworker", "ru"): world["colleague"].display_name}
