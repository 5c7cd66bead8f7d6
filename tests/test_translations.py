"""Every user-facing string has a Russian translation, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from models.enums import LabelledEnum
from models.i18n import Language, catalogue, plural_catalogue, translate, translate_plural
from tests.i18n_extract import messages, missing, missing_plurals


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_marked_message_has_a_russian_translation():
    assert missing("ru") == {}, "run `python tests/i18n_extract.py` and translate these"


def test_every_message_with_plural_forms_has_russian_translations():
    assert missing_plurals("ru") == {}, "run `python tests/i18n_extract.py` and translate these"


def test_translations_keep_the_placeholders_of_the_english_text():
    for message, translated in catalogue("ru").items():
        assert _placeholders(translated) == _placeholders(message), message


def test_every_plural_form_keeps_the_placeholders_of_the_english_text():
    for (singular, plural), forms in plural_catalogue("ru").forms.items():
        assert _placeholders(singular) == _placeholders(plural), singular
        assert len(forms) == 3, singular
        for form in forms:
            assert _placeholders(form) == _placeholders(plural), form


@pytest.mark.parametrize(
    ("n", "russian"),
    [
        (0, "Найдено 0 дел."),
        (1, "Найдено 1 дело."),
        (2, "Найдено 2 дела."),
        (5, "Найдено 5 дел."),
        (11, "Найдено 11 дел."),
        (12, "Найдено 12 дел."),
        (21, "Найдено 21 дело."),
        (22, "Найдено 22 дела."),
        (25, "Найдено 25 дел."),
        (101, "Найдено 101 дело."),
        (111, "Найдено 111 дел."),
    ],
)
def test_russian_chooses_the_plural_form_for_the_number(n, russian):
    message = translate_plural("{total} case matches.", "{total} cases match.", n, Language.RU)
    assert message.format(total=n) == russian


@pytest.mark.parametrize(("n", "english"), [(1, "1 case matches."), (2, "2 cases match.")])
def test_english_chooses_the_singular_for_one_only(n, english):
    message = translate_plural("{total} case matches.", "{total} cases match.", n, Language.EN)
    assert message.format(total=n) == english


def test_every_enum_member_has_a_label_marked_for_translation():
    marked = messages()
    for enum in LabelledEnum.__subclasses__():
        for member in enum:
            assert member.label in marked, f"{enum.__name__}.{member.name}"


def test_english_is_the_message_itself_and_russian_differs():
    assert translate("Sign out", Language.EN) == "Sign out"
    assert translate("Sign out", Language.RU) == "Выйти"


def test_unknown_message_falls_back_to_english():
    assert translate("Never marked for translation", Language.RU) == "Never marked for translation"
