"""Importing a caseload from a spreadsheet: formats, mapping, the dry run, the apply, re-import,
and hostile files, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from models import risk
from models.access import PermissionDenied
from models.case_codes import is_valid
from models.database import make_engine
from models.enums import (
    AuditAction,
    Category,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    PermitType,
    Role,
    Stage,
)
from models.i18n import translate
from models.identity.store import case_cipher, open_notes, read_identity
from models.imports import (
    COLUMNS,
    ImportRefused,
    MappingIncomplete,
    NoSuchOrganisation,
    RowStatus,
    apply_import,
    column_header,
    error_rows,
    guess_mapping,
    plan_import,
    read_table,
    remembered_mapping,
    result_rows,
)
from models.imports.columns import RUSSIAN_HEADERS
from models.imports.reading import MAX_CELL_CHARS, MAX_ROWS
from models.stored import stored_as_of
from models.tables import (
    AuditEvent,
    Case,
    CaseNote,
    CaseReference,
    City,
    EmploymentNeed,
    HousingNeed,
    LegalStatus,
    Person,
    StageChange,
)
from reports.import_template import template_file
from tests.factories import actor_of, make_case, make_user
from tests.import_files import (
    csv_bytes,
    inline_row,
    ods_bytes,
    raw_xlsx,
    worksheet,
    xlsx_bytes,
)
from tests.import_worlds import IMPORT_DAY, apply, make_world

TODAY = IMPORT_DAY
HEADERS = ["reference", "full_name", "category", "city", "opened_on", "birth_year", "contact"]


@pytest.fixture
def world(session: Session):
    return make_world(session)


def plan(session, world, data: bytes, *, mapping=None, name="f.csv"):
    table = read_table(data, name)
    return table, plan_import(
        session,
        actor=world["coordinator"],
        organisation_id=world["org"].id,
        table=table,
        mapping=mapping or guess_mapping(table.headers),
        today=TODAY,
    )


def people(session) -> dict[str, tuple]:
    """reference -> (code, full name, category, city key, opened on), read independently."""
    rows = session.execute(
        sa.select(
            CaseReference.reference,
            Case.code,
            Case.id,
            Case.category,
            City.key,
            Case.opened_on,
        )
        .join(Case, Case.id == CaseReference.case_id)
        .join(City, City.id == Case.city_id)
    ).all()
    return {
        r[0]: (r[1], read_identity(session, case_id=r[2]).full_name, *r[3:])  # type: ignore[union-attr]
        for r in rows
    }


def count(session, table) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(table))


# Formats ---------------------------------------------------------------------------------

ROWS = [
    HEADERS,
    ["A-1", "Зайцев Дмитрий Олегович", "journalist", "Almaty", "2025-03-01", "1990", "Signal"],
    ["A-2", "Мария Соколова", "Политический активист", "Астана", "02.04.2025", "", ""],
]


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes(ROWS),
        csv_bytes(ROWS, encoding="utf-8-sig"),
        csv_bytes(ROWS, encoding="cp1251", delimiter=";"),
        csv_bytes(ROWS, encoding="utf-16"),
        xlsx_bytes(ROWS),
        ods_bytes(ROWS),
    ],
    ids=["utf8", "utf8-bom", "cp1251-semicolon", "utf16", "xlsx", "ods"],
)
def test_every_format_reads_the_same_two_people(data):
    table = read_table(data)
    assert table.headers == HEADERS
    assert [cells[:5] for _line, cells in table.rows] == [row[:5] for row in ROWS[1:]]
    assert [line for line, _cells in table.rows] == [2, 3]


def test_typed_spreadsheet_cells_become_dates_and_years(session, world):
    rows = [
        HEADERS + ["permit_expires_on"],
        ["X-1", "Ivan Petrov", "deserter", "almaty", dt.date(2025, 1, 5), 1988, "", 46000],
    ]
    _table, result = plan(session, world, xlsx_bytes(rows), name="f.xlsx")
    row = result.rows[0]
    assert row.status is RowStatus.CREATED, row.problems
    assert row.values["opened_on"] == dt.date(2025, 1, 5)
    assert row.values["birth_year"] == 1988
    assert row.values["permit_expires_on"] == dt.date(1899, 12, 30) + dt.timedelta(days=46000)


# The template ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_template_in_either_language_imports_its_example_row(session, world, language):
    data = template_file(language)
    table = read_table(data, "template.xlsx")
    expected = list(COLUMNS) if language == "en" else [RUSSIAN_HEADERS[c] for c in COLUMNS]
    assert table.headers == expected
    mapping = guess_mapping(table.headers)
    assert sorted(c for c in mapping.values() if c) == sorted(COLUMNS)
    outcome = apply(session, world, data, name="template.xlsx")
    assert outcome.written and outcome.plan.counts["created"] == 1
    code, name, category, city, opened = people(session)["A-001"]
    assert (name, category, city) == ("Пример Иван Петрович", Category.JOURNALIST, "almaty")
    assert opened == dt.date(2025, 3, 1)
    case_id = session.scalar(select(Case.id).where(Case.code == code))
    legal = session.get(LegalStatus, case_id)
    assert legal.permit_type == PermitType.TEMPORARY_RESIDENCE
    assert legal.permit_expires_on == dt.date(2026, 6, 1)
    assert legal.wanted is False and legal.extradition_status == ExtraditionStatus.NONE
    assert session.get(HousingNeed, case_id).situation == HousingSituation.TEMPORARY
    assert session.get(EmploymentNeed, case_id).situation == EmploymentSituation.INFORMAL
    person = read_identity(session, case_id=case_id)
    assert (person.name_latin, person.other_spellings, person.birth_year) == (
        "Primer Ivan",
        "PRIMER IVAN",
        1990,
    )


# Mapping ---------------------------------------------------------------------------------


def test_messy_headers_are_guessed_in_russian_and_english():
    headers = ["№ дела", "Ф.И.О.", "Категория", "Город", "Дата обращения", "Телефон", "Что-то ещё"]
    guessed = guess_mapping(headers)
    assert guessed == {
        "№ дела": "reference",
        "Ф.И.О.": "full_name",
        "Категория": "category",
        "Город": "city",
        "Дата обращения": "opened_on",
        "Телефон": "contact",
        "Что-то ещё": None,
    }
    assert guess_mapping(["Our ID", "Name", "Type", "Town", "Date"]) == {
        "Our ID": "reference",
        "Name": "full_name",
        "Type": "category",
        "Town": "city",
        "Date": "opened_on",
    }


def test_a_sheet_without_a_required_column_is_refused_naming_it(session, world):
    table = read_table(csv_bytes([["full_name", "city"], ["A", "Almaty"]]))
    with pytest.raises(MappingIncomplete) as refused:
        plan_import(
            session,
            actor=world["coordinator"],
            organisation_id=world["org"].id,
            table=table,
            mapping=guess_mapping(table.headers),
            today=TODAY,
        )
    assert refused.value.missing == ["reference", "category", "opened_on"]


def test_the_mapping_chosen_for_an_organisation_is_remembered_for_its_next_file(session, world):
    rows = [
        ["Дело", "Человек", "Kind", "Where", "When"],
        ["R-1", "Иван Петров", "journalist", "Almaty", "2025-01-01"],
    ]
    table = read_table(csv_bytes(rows))
    assert guess_mapping(table.headers)["Человек"] is None
    mapping = dict(
        zip(table.headers, ["reference", "full_name", "category", "city", "opened_on"], strict=True)
    )
    outcome = apply_import(
        session,
        actor=world["coordinator"],
        organisation_id=world["org"].id,
        table=table,
        mapping=mapping,
        today=TODAY,
    )
    session.commit()
    assert outcome.written
    remembered = remembered_mapping(session, organisation_id=world["org"].id)
    assert guess_mapping(table.headers, remembered) == mapping
    assert remembered_mapping(session, organisation_id=world["other"].id) == {}


@pytest.mark.parametrize(
    ("permit", "extradition", "stage"),
    [
        ("Вид на жительство", "Принято решение об экстрадиции", "Переселение"),
        ("Постоянное проживание", "Экстрадиция постановлена", "Переселён"),
    ],
    ids=["current labels", "former labels"],
)
def test_russian_labels_import_as_they_read_now_and_as_they_read_before(
    session, world, permit, extradition, stage
):
    rows = [
        [*HEADERS, "permit_type", "extradition_status", "stage"],
        [
            "L-1",
            "Иван Петров",
            "journalist",
            "Almaty",
            "2025-03-01",
            "",
            "",
            permit,
            extradition,
            stage,
        ],
    ]
    _, result = plan(session, world, csv_bytes(rows))
    assert [row.problems for row in result.rows] == [[]]
    values = result.rows[0].values
    assert values["permit_type"] == PermitType.PERMANENT_RESIDENCE
    assert values["extradition_status"] == ExtraditionStatus.ORDERED
    assert values["stage"] == Stage.RELOCATED


# Dry run and apply -----------------------------------------------------------------------

MESSY = [
    HEADERS + ["permit_type", "wanted", "stage", "note"],
    [
        "M-1",
        "ZAYTSEV DMITRIY",
        "Журналист",
        "алматы",
        "01.03.2025",
        "1990",
        "+7 701 555 0101",
        "РВП",
        "да",
        "Документы",
        "Needs a lawyer",
    ],
    ["M-2", "", "journalist", "Almaty", "2025-03-01", "", "", "", "", "", ""],
    ["M-3", "Пётр Иванов", "astronaut", "Almaty", "2025-03-01", "", "", "", "", "", ""],
    ["M-4", "Анна Смирнова", "activist", "Paris", "2025-03-01", "", "", "", "", "", ""],
    ["M-5", "Олег Орлов", "activist", "Almaty", "31.02.2025", "", "", "", "", "", ""],
    [
        "M-6",
        "<script>alert(1)</script>",
        "activist",
        "Almaty",
        "2025-03-01",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["M-7", '=HYPERLINK("http://x")', "activist", "Almaty", "2025-03-01", "", "", "", "", "", ""],
    ["M-1", "Повтор Номера", "activist", "Almaty", "2025-03-01", "", "", "", "", "", ""],
    ["M-9", "Завтрашний День", "activist", "Almaty", "2026-12-01", "", "", "", "", "", ""],
    ["M-10", "Ok Person", "other", "Astana", "45000", "1850", "", "", "maybe", "", ""],
]


def test_the_dry_run_reports_each_row_with_its_errors_and_writes_nothing(session, world):
    before = count(session, Case)
    table, result = plan(session, world, csv_bytes(MESSY))
    statuses = {
        row.line: (row.status.value, [p.column for p in row.problems]) for row in result.rows
    }
    assert statuses == {
        2: ("created", []),
        3: ("error", ["full_name"]),
        4: ("error", ["category"]),
        5: ("error", ["city"]),
        6: ("error", ["opened_on"]),
        7: ("error", ["full_name"]),
        8: ("error", ["full_name"]),
        9: ("error", ["reference"]),
        10: ("error", ["opened_on"]),
        11: ("error", ["birth_year", "wanted"]),
    }
    first = result.rows[0].values
    assert first["category"] == Category.JOURNALIST
    assert first["permit_type"] == PermitType.TEMPORARY_RESIDENCE
    assert first["wanted"] is True and first["stage"] == Stage.DOCUMENTS
    assert first["contact"] == "+7 701 555 0101"
    messages = {row.line: row.problems[0].text() for row in result.rows if row.problems}
    assert "HTML" in messages[7]
    assert "formula" in messages[8]
    assert "line 2" in messages[9]
    assert "“astronaut” is not one of the listed values" in messages[4]
    assert count(session, Case) == before
    report = result_rows(result)
    assert [r["status"] for r in report].count("error") == 9
    headers, errors = error_rows(result, table)
    assert headers[0] == "Errors" and headers[1:] == table.headers
    assert len(errors) == 9 and errors[0][1] == "M-2"


def test_a_russian_error_file_names_each_column_by_the_file_s_own_header(session, world):
    """The errors of a Russian sheet are named by its headers (Дата приёма, not opened_on),
    in Russian, under a Russian first column; the page names the columns as its template."""
    rows = [[column_header(c, "ru") for c in MESSY[0]], *MESSY[1:]]
    table, result = plan(session, world, csv_bytes(rows))
    mapping = guess_mapping(table.headers)
    in_file = {column: header for header, column in mapping.items() if column}
    assert in_file["opened_on"] == "Дата приёма" and in_file["full_name"] == "ФИО"
    headers, errors = error_rows(result, table, lambda m: translate(m, "ru"), in_file)
    assert headers[0] == "Ошибки"
    cells = [row[0] for row in errors]
    assert any(cell.startswith("Дата приёма: ") for cell in cells)
    assert any(cell.startswith("ФИО: ") for cell in cells)
    internal = tuple(f"{column}:" for column in COLUMNS)
    assert not any(part.strip().startswith(internal) for cell in cells for part in cell.split(";"))
    report = result_rows(result, lambda m: translate(m, "ru"), in_file)
    assert {r["status"] for r in report} == {"created", "error"}  # the page labels them


def test_all_or_nothing_writes_nothing_when_a_row_has_an_error(session, world):
    before = (count(session, Case), count(session, Person), count(session, AuditEvent))
    outcome = apply(session, world, csv_bytes(MESSY))
    assert not outcome.written
    assert (count(session, Case), count(session, Person), count(session, AuditEvent)) == before


def test_valid_rows_only_writes_them_in_one_go_with_one_audit_row_of_counts(session, world):
    outcome = apply(session, world, csv_bytes(MESSY), all_or_nothing=False)
    assert outcome.written
    assert set(people(session)) == {"M-1"}
    code, name, category, city, opened = people(session)["M-1"]
    assert (name, category, city, opened) == (
        "ZAYTSEV DMITRIY",
        Category.JOURNALIST,
        "almaty",
        dt.date(2025, 3, 1),
    )
    case = session.exec(select(Case).where(Case.code == code)).one()
    assert case.stage == Stage.DOCUMENTS and case.organisation_id == world["org"].id
    sealed = session.exec(select(CaseNote.sealed_body).where(CaseNote.case_id == case.id)).all()
    assert open_notes(case_cipher(session, case_id=case.id), list(sealed)) == ["Needs a lawyer"]
    stages = session.exec(select(StageChange).where(StageChange.case_id == case.id)).all()
    assert [(s.from_stage, s.to_stage) for s in stages] == [(None, Stage.DOCUMENTS)]
    audit = session.exec(select(AuditEvent)).all()
    assert [(a.action, a.entity, a.detail) for a in audit] == [
        (AuditAction.IMPORT, "import", "created=1 updated=0 unchanged=0 error=9")
    ]
    assert audit[0].username == world["coordinator"].username
    text = " ".join(str(v) for a in audit for v in a.model_dump().values())
    assert "ZAYTSEV" not in text and "M-1" not in text


def test_imported_cases_get_fresh_codes_of_their_intake_year(session, world):
    make_case(session, organisation=world["org"], opened_on=dt.date(2025, 1, 1))
    session.commit()
    apply(session, world, csv_bytes(ROWS))
    codes = [code for code, *_ in people(session).values()]
    assert len(set(codes)) == 2 and all(c.startswith("WP-25-") for c in codes)
    assert all(is_valid(c) for c in codes)


def test_reimporting_the_same_file_changes_nothing_and_an_edited_row_updates_its_case(
    session, world
):
    apply(session, world, csv_bytes(ROWS))
    first = people(session)
    _table, again = plan(session, world, csv_bytes(ROWS))
    assert [r.status for r in again.rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]
    assert [r.case_code for r in again.rows] == [first["A-1"][0], first["A-2"][0]]
    edited = [row[:] for row in ROWS]
    edited[1][3] = "Astana"
    edited[1][5] = "1991"
    outcome = apply(session, world, csv_bytes(edited))
    assert [r.status for r in outcome.plan.rows] == [RowStatus.UPDATED, RowStatus.UNCHANGED]
    assert outcome.plan.rows[0].changed == ["birth_year", "city_id"]
    assert count(session, Case) == 2
    after = people(session)
    assert after["A-1"][0] == first["A-1"][0] and after["A-1"][3] == "astana"
    case = session.exec(select(Case).where(Case.code == first["A-1"][0])).one()
    assert case.version == 2
    person = read_identity(session, case_id=case.id)
    assert person.birth_year == 1991 and person.contact == "Signal"


def test_an_empty_cell_on_reimport_keeps_the_stored_value(session, world):
    apply(session, world, csv_bytes(ROWS))
    blanked = [row[:] for row in ROWS]
    blanked[1][6] = ""  # the contact
    _table, result = plan(session, world, csv_bytes(blanked))
    assert result.rows[0].status is RowStatus.UNCHANGED


def test_the_same_reference_in_another_organisation_is_another_case(session, world):
    apply(session, world, csv_bytes(ROWS))
    other_coordinator = actor_of(
        make_user(session, role=Role.COORDINATOR, organisation=world["other"])
    )
    session.commit()
    table = read_table(csv_bytes(ROWS))
    result = plan_import(
        session,
        actor=other_coordinator,
        organisation_id=world["other"].id,
        table=table,
        mapping=guess_mapping(table.headers),
        today=TODAY,
    )
    assert [r.status for r in result.rows] == [RowStatus.CREATED, RowStatus.CREATED]


def test_possible_duplicates_are_flagged_per_row(session, world):
    make_case(session, organisation=world["org"], full_name="Зайцев Дмитрий Олегович")
    session.commit()
    existing = session.scalar(select(Case.code))
    rows = [
        HEADERS,
        ["D-1", "ZAYTSEV DMITRIY", "journalist", "Almaty", "2025-03-01", "", ""],
        ["D-2", "Dmitry Zaitsev", "journalist", "Almaty", "2025-03-01", "", ""],
        ["D-3", "Зайцев Алексей", "journalist", "Almaty", "2025-03-01", "", ""],
    ]
    _table, result = plan(session, world, csv_bytes(rows))
    assert result.rows[0].duplicates == [existing, "line 3"] or result.rows[0].duplicates == [
        "line 3",
        existing,
    ]
    assert existing in result.rows[1].duplicates and "line 2" in result.rows[1].duplicates
    assert result.rows[2].duplicates == []
    # The lookup is audited, as a name check: how many names, never one of them.
    [check] = session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.NAME_CHECK))
    assert (check.entity, check.detail) == ("import", "3 names of a file")


def test_an_admin_s_dry_run_finds_no_duplicates_by_name(session, world):
    """An admin imports for any organisation but may not read identities: the dry run must
    not answer which of the organisation's cases a name in the file belongs to."""
    make_case(session, organisation=world["org"], full_name="Зайцев Дмитрий Олегович")
    admin = actor_of(make_user(session, role=Role.ADMIN))
    session.commit()
    table = read_table(csv_bytes([HEADERS, ["D-1", "ZAYTSEV DMITRIY", "journalist", "Almaty",
                                            "2025-03-01", "", ""]]))  # fmt: skip
    result = plan_import(session, actor=admin, organisation_id=world["org"].id, table=table,
                         mapping=guess_mapping(table.headers), today=TODAY)  # fmt: skip
    assert result.rows[0].status is RowStatus.CREATED and result.rows[0].duplicates == []


# Who may import --------------------------------------------------------------------------


def test_a_coordinator_imports_only_into_their_own_organisation(session, world):
    table = read_table(csv_bytes(ROWS))
    with pytest.raises(NoSuchOrganisation):
        plan_import(
            session,
            actor=world["coordinator"],
            organisation_id=world["other"].id,
            table=table,
            mapping=guess_mapping(table.headers),
            today=TODAY,
        )
    caseworker = actor_of(make_user(session, role=Role.CASEWORKER, organisation=world["org"]))
    with pytest.raises(PermissionDenied):
        plan_import(
            session,
            actor=caseworker,
            organisation_id=world["org"].id,
            table=table,
            mapping=guess_mapping(table.headers),
            today=TODAY,
        )


# Hostile files ---------------------------------------------------------------------------


def _refused(data: bytes, name: str = "f.xlsx") -> str:
    with pytest.raises(ImportRefused) as refused:
        read_table(data, name)
    return str(refused.value)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    assert "zip bomb" in _refused(buffer.getvalue())


def test_an_xml_entity_bomb_is_refused():
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    data = raw_xlsx(inline_row(1, ["reference", "&lol2;"]), prologue=laughs)
    assert "XML entities" in _refused(data)


FORMULA_SHEET = inline_row(1, ["reference", "full_name"]) + (
    b'<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>'
)
PLAIN_SHEET = inline_row(1, ["reference", "full_name"]) + inline_row(2, ["r-1", "Anna"])


def _ods_with_a_formula(
    *, dressed_as_xlsx: bool = False, attribute: bytes = b'table:formula="of:=1+1"'
) -> bytes:
    """An ODS file with one formula cell; dressed as an XLSX, it also holds the parts an
    XLSX is recognised by (calamine still reads it as ODS)."""
    ods = ods_bytes([["reference"], ["x"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ods)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item).replace(
                b'<table:table-cell office:value-type="string"><text:p>x',
                b"<table:table-cell " + attribute + b' office:value-type="string"><text:p>x',
            )
            target.writestr(item, content)
        if dressed_as_xlsx:
            target.writestr("[Content_Types].xml", "<Types/>")
            target.writestr("xl/worksheets/sheet1.xml", worksheet(PLAIN_SHEET))
    return buffer.getvalue()


def test_formula_cells_are_refused():
    assert "formulas" in _refused(raw_xlsx(FORMULA_SHEET))
    assert "formulas" in _refused(_ods_with_a_formula(), "f.ods")


@pytest.mark.parametrize(
    "attribute", [b'table:formula = "of:=1+1"', b"t:formula='of:=1+1'", b'table:formula ="of:=1"']
)
def test_an_ods_formula_written_with_spaces_or_another_prefix_is_refused(attribute):
    """XML allows spaces around an attribute's '=' and any prefix for its namespace; calamine
    reads the cell's stored result either way."""
    assert "formulas" in _refused(_ods_with_a_formula(attribute=attribute), "f.ods")


def test_the_word_formula_in_a_cell_s_text_is_not_a_formula():
    data = ods_bytes([["reference", "note"], ["r-1", 'the formula="one" we agreed']])
    assert read_table(data, "f.ods").rows == [(2, ["r-1", 'the formula="one" we agreed'])]


@pytest.mark.parametrize("part", ["xl/data/sheet1.xml", "xl/data/sheet1.bin", "xl/media/a.png"])
def test_a_formula_sheet_moved_out_of_xl_worksheets_is_refused_like_any_other(part):
    """The workbook's relationships point its sheet anywhere; a harmless decoy sheet waits
    under xl/worksheets/, where a scan of that folder alone would look."""
    moved = raw_xlsx(FORMULA_SHEET, part=part, decoy=PLAIN_SHEET)
    assert _refused(moved) == _refused(raw_xlsx(FORMULA_SHEET))
    assert "formulas" in _refused(moved)


def test_an_ods_formula_in_a_file_that_also_looks_like_an_xlsx_is_refused():
    assert "formulas" in _refused(_ods_with_a_formula(dressed_as_xlsx=True))


def test_a_moved_sheet_without_formulas_and_a_picture_that_looks_like_one_are_read():
    moved = raw_xlsx(PLAIN_SHEET, part="xl/data/sheet1.xml", decoy=PLAIN_SHEET)
    assert read_table(moved, "f.xlsx").rows == [(2, ["r-1", "Anna"])]
    buffer = io.BytesIO(xlsx_bytes([["reference", "full_name"], ["r-1", "Anna"]]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n<f>" + bytes(range(256)))
    assert read_table(buffer.getvalue(), "f.xlsx").rows == [(2, ["r-1", "Anna"])]


def test_a_million_row_sheet_is_refused():
    data = b"reference,full_name\n" + b"r,n\n" * 1_000_000
    assert f"more than {MAX_ROWS} rows" in _refused(data, "big.csv")
    sheet = b"".join(inline_row(n, ["x"]) for n in range(1, MAX_ROWS + 3))
    assert f"more than {MAX_ROWS} rows" in _refused(raw_xlsx(sheet))


def test_a_hundred_thousand_character_cell_is_refused():
    big = "a" * 100_000
    assert f"longer than {MAX_CELL_CHARS}" in _refused(
        csv_bytes([["reference", "note"], ["r", big]]), "f.csv"
    )
    assert f"longer than {MAX_CELL_CHARS}" in _refused(
        raw_xlsx(inline_row(1, ["reference", "note"]) + inline_row(2, ["r", big]))
    )


def test_reading_a_csv_leaves_the_process_wide_field_limit_alone():
    """csv.field_size_limit is one setting for the whole server: an import lowering it for a
    while would change it under every other thread reading CSV meanwhile. A cell past the
    module's own limit is still refused plainly."""
    before = csv.field_size_limit()
    calls: list[int] = []
    real = csv.field_size_limit

    def watched(*limit: int) -> int:
        calls.extend(limit)
        return real(*limit)

    csv.field_size_limit = watched  # type: ignore[assignment]
    try:
        read_table(csv_bytes([["reference", "note"], ["r", "short"]]), "f.csv")
    finally:
        csv.field_size_limit = real  # type: ignore[assignment]
    assert calls == [] and csv.field_size_limit() == before
    huge = "a" * (before + 10)
    assert "longer than" in _refused(csv_bytes([["reference", "note"], ["r", huge]]), "f.csv")


def test_not_a_spreadsheet_is_refused_plainly():
    assert "damaged" in _refused(b"PK\x03\x04garbage")
    assert "xls" in _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert "empty" in _refused(b"", "f.csv")


# The vault: nothing clear on disk, stored risk -------------------------------------------------

VAULT_HEADERS = [*HEADERS, "name_latin", "other_spellings", "permit_expires_on", "note"]
VAULT_ROWS = [
    [
        "V-1",
        "Жемчужникова Ульяна Тимуровна",
        "journalist",
        "Almaty",
        "2025-03-01",
        "1987",
        "+7 701 909 1234",
        "Zhemchuzhnikova Uliana",
        "ZHEMCHUZHNIKOVA",
        "2025-03-20",
        "Встреча у Квашнина в среду",
    ],
    [
        "V-2",
        "Ошурков Евлампий",
        "activist",
        "Astana",
        "2025-04-02",
        "1979",
        "evlampii.oshurkov@example.org",
        "",
        "",
        "",
        "Needs Quillfeather lawyer",
    ],
]


def test_no_imported_name_contact_or_note_reaches_the_database_file_in_clear(sqlite_url):
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session)
        apply(session, world, csv_bytes([VAULT_HEADERS, *VAULT_ROWS]))
        edited = [row[:] for row in VAULT_ROWS]
        edited[1][1] = "Ошурков-Пламенный Евлампий"
        edited[1][10] = "Second Quillfeather meeting"
        outcome = apply(session, world, csv_bytes([VAULT_HEADERS, *edited]))
        assert [r.status for r in outcome.plan.rows] == [RowStatus.UNCHANGED, RowStatus.UPDATED]
        assert people(session)["V-2"][1] == "Ошурков-Пламенный Евлампий"
    engine.dispose()
    database = Path(sa.engine.make_url(sqlite_url).database or "")
    blobs = {
        path.name: path.read_bytes()
        for path in (database, Path(f"{database}-wal"), database.with_name("waypoint-keys.db"))
        if path.exists()
    }
    needles = [
        "Жемчужникова",
        "Zhemchuzhnikova",
        "ZHEMCHUZHNIKOVA",
        "909 1234",
        "Ошурков",
        "Пламенный",
        "oshurkov",
        "Квашнин",
        "Quillfeather",
    ]
    found = [(name, n) for name, blob in blobs.items() for n in needles if n.encode() in blob]
    assert blobs and found == []


def test_imported_and_updated_cases_store_their_risk_level(session, world):
    apply(session, world, csv_bytes([VAULT_HEADERS, *VAULT_ROWS]))
    edited = [row[:] for row in VAULT_ROWS]
    edited[1][8] = "2025-01-05"  # a permit now long expired: the level goes up
    apply(session, world, csv_bytes([VAULT_HEADERS, *edited]))
    day = stored_as_of(session) or dt.datetime.now(dt.UTC).date()
    expected = dict(
        session.execute(
            risk.with_legal_status(sa.select(Case.id, risk.level_expression(day)))
        ).all()
    )
    stored = dict(session.execute(sa.select(Case.id, Case.risk_level)).all())
    assert len(stored) == 2 and None not in stored.values()
    assert stored == expected
