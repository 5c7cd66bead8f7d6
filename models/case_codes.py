"""Case codes: ``WP-YY-`` followed by five random characters and a check character.

The random part says nothing about how many cases anyone took in, or when: it is drawn
from 29 digits and capital letters without look-alikes (no 0/O, 1/I/L, U, Z/2), and always
holds at least one letter, so that it is never confused with a code of the earlier form.
The check character makes the weighted sum of the year's two digits, the random part and
itself a multiple of 29; as 29 is prime and the weights 1 to 8 are distinct, every single
mistyped character and every swap of two neighbours is caught.

Codes of the earlier form (``WP-YY-`` and digits, numbered in sequence) stay valid: they are
looked up as they are; only a code of the new shape has a check character to verify.
"""

from __future__ import annotations

import re
import secrets
from random import Random

from models.i18n import N_

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXY"
RANDOM_CHARS = 5
_MODULUS = len(ALPHABET)  # 29, a prime
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_INVERSES = {n: pow(n, -1, _MODULUS) for n in range(1, _MODULUS)}
_NEW_SHAPE = re.compile(rf"^WP-(\d{{2}})-([{ALPHABET}]{{{RANDOM_CHARS + 1}}})$")
_LOOSE_NEW_SHAPE = re.compile(rf"^WP-\d{{2}}-[0-9A-Z]{{{RANDOM_CHARS + 1}}}$")
_OLD_SHAPE = re.compile(r"^WP-\d{2}-\d{4,}$")
CODE_DISPLAY = r"WP-\d{2}-[0-9A-Z]{4,}"  # any code, old or new, in a text or link
TYPO_MESSAGE = N_(
    "This case code has a typing error: check each character. Codes use the digits 2 to 9 "
    "and capital letters without I, L, O, U and Z."
)


def _weighted(year_digits: str, symbols: str) -> int:
    values = [int(d) for d in year_digits] + [_VALUE[s] for s in symbols]
    return sum(weight * value for weight, value in enumerate(values, start=1))


def check_character(year_digits: str, random_part: str) -> str:
    """The symbol that makes the code's weighted sum a multiple of 29."""
    position = len(year_digits) + len(random_part) + 1
    partial = _weighted(year_digits, random_part)
    # position * c = -partial (mod 29); 29 is prime, so position has an inverse.
    return ALPHABET[(-partial * _INVERSES[position]) % _MODULUS]


def new_code(year: int, rng: Random | None = None) -> str:
    """A fresh random code for a case taken in during ``year`` (uniqueness is the caller's:
    it must retry on a collision). ``rng`` only for reproducible synthetic data."""
    while True:
        if rng is None:
            random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
        else:
            random_part = "".join(rng.choices(ALPHABET, k=RANDOM_CHARS))
        if not random_part.isdigit():
            break
    digits = f"{year % 100:02d}"
    return f"WP-{digits}-{random_part}{check_character(digits, random_part)}"


def normalise(code: str) -> str:
    """As users type it: surrounding spaces dropped, letters in capitals."""
    return code.strip().upper()


def is_valid(code: str) -> bool:
    """Whether ``code`` is a well-formed code of the new shape with a correct check."""
    match = _NEW_SHAPE.match(normalise(code))
    if match is None or match.group(2)[:-1].isdigit():
        return False
    return _weighted(match.group(1), match.group(2)) % _MODULUS == 0


def code_problem(code: str) -> str | None:
    """A message when ``code`` cannot be any case's code because of a typing error (shape of
    a new code, wrong check), else ``None``. Decided from the text alone, so the answer
    says nothing about which cases exist."""
    text = normalise(code)
    if not text or _OLD_SHAPE.match(text):
        return None
    if _LOOSE_NEW_SHAPE.match(text) and not text[6:].isdigit() and not is_valid(text):
        return TYPO_MESSAGE
    return None
