"""Case codes: random, checked, free of look-alikes; the earlier codes still read as codes."""

from __future__ import annotations

import random
import re

import pytest

from models import case_codes

LOOK_ALIKES = set("0O1IL")


def codes(n: int) -> list[str]:
    rng = random.Random(16)
    return [case_codes.new_code(2026, rng) for _ in range(n)]


def test_a_new_code_is_the_prefix_five_random_symbols_and_a_check():
    for code in codes(200) + [case_codes.new_code(2026)]:
        assert re.fullmatch(r"WP-26-[2-9A-Z]{6}", code)
        assert not LOOK_ALIKES & set(code[6:])
        assert not code[6:11].isdigit()  # never mistaken for a code of the earlier form
        assert case_codes.is_valid(code)


def test_codes_drawn_one_after_another_do_not_count_anything():
    """Two consecutive codes share no more than chance: not a counter in any base."""
    drawn = codes(2000)
    assert len(set(drawn)) == len(drawn)
    same_position = sum(a[6] == b[6] for a, b in zip(drawn, drawn[1:], strict=False))
    # A counter would keep its leading symbol for long runs; random symbols match ~1/29.
    assert same_position < len(drawn) / 10


@pytest.mark.parametrize("code", codes(40))
def test_every_single_mistyped_character_and_neighbour_swap_is_caught(code):
    typos = set()
    for i in range(6, 12):
        typos |= {code[:i] + s + code[i + 1 :] for s in case_codes.ALPHABET}
    for i in (3, 4):
        typos |= {code[:i] + d + code[i + 1 :] for d in "0123456789"}
    for i in [3, *range(6, 11)]:
        typos.add(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    typos.discard(code)
    assert typos
    for typo in typos:
        assert not case_codes.is_valid(typo), typo
        if not typo[6:].isdigit():
            assert case_codes.code_problem(typo) == case_codes.TYPO_MESSAGE, typo


@pytest.mark.parametrize("code", ["WP-24-0137", "wp-25-0001", " WP-26-123456 ", "WP-99-9999"])
def test_codes_of_the_earlier_form_raise_no_typing_error(code):
    assert case_codes.code_problem(code) is None


def test_a_right_code_typed_in_small_letters_is_right():
    code = codes(1)[0]
    assert case_codes.code_problem(f"  {code.lower()} ") is None
    assert case_codes.is_valid(code.lower())
