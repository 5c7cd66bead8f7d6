"""Name normalisation: the plain-text tokens a name is indexed (and searched) by.

A name is split into words (letters and digits). Each word gives a small set of *forms*:
- a Cyrillic word is transliterated by every official scheme ``iuliia`` knows (ICAO 9303,
  MVD 310, MVD 782, GOST 52535, BGN/PCGN, Wikipedia style) and by ``anyascii`` (which also
  handles Kazakh letters such as ә, ұ, і that the Russian schemes leave alone);
- a word in any other script goes through ``anyascii``;
- every result is then *folded*: lower case, ё as е, letters and digits only, ``x`` -> ``ks``,
  ``w`` -> ``v``, ``q`` -> ``k``, ``j``/``y`` -> ``i``, ``kh`` -> ``h``, doubled letters single,
  ``ie`` -> ``e``. So Алексей, Aleksei, Aleksey, Aleksej and Alexei all fold to ``aleksei``,
  and Мария, Mariya and Mariia to ``maria``.
Two spellings match when one of their folded forms is equal. ``name_tokens`` is the public
entry point; the blind index (``blind_index.py``) only ever sees its output through an HMAC.
"""

from __future__ import annotations

import re
from functools import lru_cache

import iuliia
from anyascii import anyascii

SCHEMES = (
    iuliia.ICAO_DOC_9303,
    iuliia.MVD_310,
    iuliia.MVD_782,
    iuliia.GOST_52535,
    iuliia.BGN_PCGN,
    iuliia.WIKIPEDIA,
)
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")
_FOLDS = (("x", "ks"), ("w", "v"), ("q", "k"), ("j", "i"), ("y", "i"), ("kh", "h"))


def words(text: str) -> list[str]:
    """The words of ``text`` (runs of letters and digits), lower case, ё as е."""
    return _WORD.findall(text.lower().replace("ё", "е"))


def fold(latin: str) -> str:
    """A Latin spelling reduced so that the usual transliteration differences vanish."""
    text = _NOT_ALNUM.sub("", anyascii(latin).lower())
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = _DOUBLED.sub(r"\1", text)
    return _DOUBLED.sub(r"\1", text.replace("ie", "e"))


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> frozenset[str]:
    """The folded forms of one word (see the module docstring)."""
    word = word.lower().replace("ё", "е")
    latin = {anyascii(word)}
    if _CYRILLIC.search(word):
        latin |= {scheme.translate(word) for scheme in SCHEMES}
    return frozenset(form for form in map(fold, latin) if form)


def name_tokens(text: str) -> set[str]:
    """Every folded form of every word of ``text``: what a name is indexed by.

    Duplicate detection can block on these: two spellings of the same person share tokens
    (``name_tokens("Алексей Смирнов") & name_tokens("Smirnov Alexei")`` is not empty)."""
    return {form for word in words(text) for form in word_forms(word)}
