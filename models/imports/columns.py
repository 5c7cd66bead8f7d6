"""The canonical columns of an import, how headers map onto them, and how cells are read.

Enum cells are accepted as the stored value (``temporary_residence``), the English label
(``Temporary residence``) or the Russian one (``Разрешение на временное проживание``, or an
earlier version's ``Временное проживание``); cities by English or Russian name; dates as
``YYYY-MM-DD``, ``DD.MM.YYYY`` or an Excel serial number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from models.enums import (
    Category,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    LabelledEnum,
    PermitType,
    Stage,
)
from models.errors import ValidationError
from models.i18n import N_, Language, translate

REQUIRED = ("reference", "full_name", "category", "city", "opened_on")
OPTIONAL = (
    "name_cyrillic",
    "name_latin",
    "other_spellings",
    "birth_year",
    "contact",
    "permit_type",
    "permit_expires_on",
    "wanted",
    "extradition_status",
    "housing_situation",
    "employment_situation",
    "stage",
    "note",
)
COLUMNS = REQUIRED + OPTIONAL

# The Russian header of each column in the Russian template.
RUSSIAN_HEADERS: dict[str, str] = {
    "reference": "Номер",
    "full_name": "ФИО",
    "category": "Категория",
    "city": "Город",
    "opened_on": "Дата приёма",
    "name_cyrillic": "Имя кириллицей",
    "name_latin": "Имя латиницей",
    "other_spellings": "Другие написания",
    "birth_year": "Год рождения",
    "contact": "Контакт",
    "permit_type": "Вид разрешения",
    "permit_expires_on": "Разрешение до",
    "wanted": "В розыске",
    "extradition_status": "Экстрадиция",
    "housing_situation": "Жильё",
    "employment_situation": "Работа",
    "stage": "Этап",
    "note": "Заметка",
}


def column_header(column: str, language: str) -> str:
    """What the import page and the template of ``language`` call a Waypoint column."""
    return RUSSIAN_HEADERS[column] if language == "ru" else column


# Other headers seen in real sheets, normalised (see ``normalise_header``).
_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": ("ref", "id", "case id", "our id", "no", "number", "номер дела", "код", "ид"),
    "full_name": ("name", "full name", "person", "имя", "фамилия имя", "полное имя", "ф и о"),
    "category": ("type", "group", "категория лица", "тип", "группа"),
    "city": ("town", "location", "place", "населенный пункт", "место"),
    "opened_on": ("date", "opened", "intake date", "date opened", "дата", "дата обращения"),
    "name_cyrillic": ("cyrillic", "name cyrillic", "кириллица", "имя по русски"),
    "name_latin": ("latin", "name latin", "passport name", "латиница", "имя в паспорте"),
    "other_spellings": ("aliases", "also known as", "aka", "другие имена", "варианты"),
    "birth_year": ("born", "year of birth", "birth", "год", "г р"),
    "contact": ("phone", "telegram", "signal", "email", "телефон", "контакты", "связь"),
    "permit_type": (
        "permit",
        "status",
        "residence",
        "разрешение",
        "статус",
        "тип разрешения",
        "вид на жительство",
    ),
    "permit_expires_on": (
        "permit expires",
        "expiry",
        "expires",
        "permit until",
        "срок разрешения",
        "действует до",
    ),
    "wanted": ("wanted list", "in wanted list", "розыск", "в розыске мвд"),
    "extradition_status": ("extradition", "экстрадиция статус"),
    "housing_situation": ("housing", "жилье", "жилье ситуация"),
    "employment_situation": ("employment", "work", "job", "занятость", "работа ситуация"),
    "stage": ("pipeline stage", "этап переселения"),
    "note": ("notes", "comment", "comments", "примечание", "комментарий", "заметки"),
}


def normalise_header(text: str) -> str:
    """Lower case, ё as е, № as номер, anything but letters and digits as single spaces."""
    lowered = text.lower().replace("ё", "е").replace("_", " ").replace("№", " номер ")
    return " ".join(re.findall(r"[^\W_]+", lowered))


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS:
        names = (column, RUSSIAN_HEADERS[column], *_ALIASES.get(column, ()))
        for name in names:
            index.setdefault(normalise_header(name), column)
    return index


HEADER_INDEX = _header_index()


def guess_mapping(
    headers: Iterable[str], remembered: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Each header -> the canonical column it most likely holds (``None``: ignore it).
    A header the organisation mapped before keeps that mapping; no column is used twice."""
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for header in headers:
        key = normalise_header(header)
        column = (remembered or {}).get(key, HEADER_INDEX.get(key))
        if column is None:
            # "ФИО (как в паспорте)": the first known name that starts the header.
            column = next(
                (c for name, c in HEADER_INDEX.items() if len(name) > 2 and key.startswith(name)),
                None,
            )
        if column in COLUMNS and column not in used:
            mapping[header] = column
            used.add(column)
        else:
            mapping[header] = None
    return mapping


def missing_required(mapping: Mapping[str, str | None]) -> list[str]:
    """The required columns that no header is mapped to."""
    chosen = set(mapping.values())
    return [column for column in REQUIRED if column not in chosen]


# Cell values -----------------------------------------------------------------------------


def _key(text: str) -> str:
    return normalise_header(text)


@dataclass(frozen=True)
class EnumReader:
    """Reads a cell into a member of ``enum`` from its value or either language's label."""

    enum: type[LabelledEnum]
    extra: Mapping[str, Enum]

    def lookup(self) -> dict[str, Enum]:
        table: dict[str, Enum] = {}
        for member in self.enum:
            for text in (member.value, member.label, translate(member.label, Language.RU)):
                table.setdefault(_key(text), member)
        table.update({_key(k): v for k, v in self.extra.items()})
        return table


ENUMS: dict[str, type[LabelledEnum]] = {
    "category": Category,
    "permit_type": PermitType,
    "extradition_status": ExtraditionStatus,
    "housing_situation": HousingSituation,
    "employment_situation": EmploymentSituation,
    "stage": Stage,
}
_EXTRA: dict[str, dict[str, Enum]] = {
    "category": {
        "activist": Category.ACTIVIST,
        "активист": Category.ACTIVIST,
        "дезертир": Category.DESERTER,
        "уклонист": Category.MOBILISATION_EVADER,
        "evader": Category.MOBILISATION_EVADER,
    },
    "permit_type": {
        "trp": PermitType.TEMPORARY_RESIDENCE,
        "рвп": PermitType.TEMPORARY_RESIDENCE,
        "внж": PermitType.PERMANENT_RESIDENCE,
        "нет": PermitType.NONE,
        "no": PermitType.NONE,
    },
    "extradition_status": {"нет": ExtraditionStatus.NONE, "no": ExtraditionStatus.NONE},
    "housing_situation": {"приют": HousingSituation.SHELTER, "shelter": HousingSituation.SHELTER},
}
# Russian labels that earlier versions showed, still in sheets filled from their lists.
_FORMER_RUSSIAN_LABELS: dict[str, dict[str, Enum]] = {
    "permit_type": {
        "Постоянное проживание": PermitType.PERMANENT_RESIDENCE,
        "Временное проживание": PermitType.TEMPORARY_RESIDENCE,
        "Ожидает решения по убежищу": PermitType.ASYLUM_PENDING,
    },
    "extradition_status": {"Экстрадиция постановлена": ExtraditionStatus.ORDERED},
    "stage": {"Переселён": Stage.RELOCATED},
}
_LOOKUPS: dict[str, dict[str, Enum]] = {
    column: EnumReader(
        enum, {**_FORMER_RUSSIAN_LABELS.get(column, {}), **_EXTRA.get(column, {})}
    ).lookup()
    for column, enum in ENUMS.items()
}
_YES = {"yes", "y", "true", "1", "x", "да", "д", "+"}
_NO = {"no", "n", "false", "0", "нет", "н", "-"}


def read_enum(column: str, text: str) -> Enum:
    member = _LOOKUPS[column].get(_key(text))
    if member is None:
        raise ValidationError(column, N_("“{value}” is not one of the listed values."), value=text)
    return member


def read_bool(column: str, text: str) -> bool:
    key = text.strip().lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValidationError(column, N_("Write yes or no (да or нет)."))


EXCEL_EPOCH = dt.date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")


def read_date(column: str, text: str) -> dt.date:
    """``YYYY-MM-DD``, ``DD.MM.YYYY`` (or with slashes) or an Excel serial day number."""
    value = text.strip()
    try:
        if match := _ISO.match(value):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DOTTED.match(value):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        if _SERIAL.match(value) and 1 <= float(value) < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(float(value)))
    except ValueError:
        pass
    raise ValidationError(column, N_("Write the date as YYYY-MM-DD or DD.MM.YYYY."))


def read_year(column: str, text: str) -> int:
    try:
        year = int(float(text.strip()))
    except ValueError:
        year = 0
    if not 1900 <= year <= 2020:
        raise ValidationError(column, N_("Enter a year from 1900 to 2020."))
    return year


def city_lookup(cities: Iterable[tuple[int, str, str, str]]) -> dict[str, int]:
    """Normalised key, English and Russian names -> city id, from ``(id, key, en, ru)``."""
    table: dict[str, int] = {}
    for city_id, key, name_en, name_ru in cities:
        for name in (key, name_en, name_ru):
            table.setdefault(_key(name), city_id)
    return table


def read_city(column: str, text: str, cities: Mapping[str, int]) -> int:
    city_id = cities.get(_key(text))
    if city_id is None:
        raise ValidationError(column, N_("“{value}” is not a city Waypoint knows."), value=text)
    return city_id
