"""Enum labels: each member has its own, even when members of different enums share a value."""

from __future__ import annotations

from models.enums import Category, DetentionPlace, LabelledEnum, Outcome, Stage


def test_labels_within_an_enum_are_distinct():
    for enum in LabelledEnum.__subclasses__():
        labels = [member.label for member in enum]
        assert len(set(labels)) == len(labels), enum.__name__


def test_members_with_equal_values_in_different_enums_keep_their_own_labels():
    assert Category.OTHER.label == "Other"
    assert DetentionPlace.OTHER.label == "Other place"
    assert Stage.RELOCATED.label == Outcome.RELOCATED.label == "Relocated"
