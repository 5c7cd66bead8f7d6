"""Every user-facing string has a Russian translation, with the same placeholders."""

from __future__ import annotations

import string

from models.enums import LabelledEnum
from models.i18n import Language, catalogue, translate
from tests.i18n_extract import messages, missing


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_marked_message_has_a_russian_translation():
    assert missing("ru") == {}, "run `python tests/i18n_extract.py` and translate these"


def test_translations_keep_the_placeholders_of_the_english_text():
    for message, translated in catalogue("ru").items():
        assert _placeholders(translated) == _placeholders(message), message


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
