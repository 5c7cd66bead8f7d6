"""Is this the same person? Names compared across scripts, spellings and orders.

Each name becomes a set of tokens; each Cyrillic token gets its Latin spellings in the
official schemes (``iuliia``: ICAO Doc 9303, MVD 310 and 782, GOST 52535, BGN/PCGN,
Wikipedia) and ``anyascii``; every Latin spelling is then folded to a *skeleton* that erases
the differences between schemes (``y``/``j``/``i``, ``ts``/``tz``/``c``, ``kh``/``h``,
doubled letters, ``-iy``/``-ii``/``-y`` endings). Two tokens are as similar as their most
similar pair of skeletons (``rapidfuzz`` ratio), which absorbs one-letter typos.

The names are aligned token to token whatever their order; a missing patronymic costs
nothing (only the shorter name's tokens are aligned), a different one does. The score leans
on the *worst* aligned token, so that siblings (same surname, another first name) stay low.
Birth years: off by one costs little, missing costs a little, three or more years apart
means namesakes of a different age, never a pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import iuliia
from anyascii import anyascii
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from models.i18n import N_

T = TypeVar("T", int, str)
LIKELY = 0.85
POSSIBLE = 0.72
SCHEMES = (
    iuliia.ICAO_DOC_9303,
    iuliia.MVD_310,
    iuliia.MVD_782,
    iuliia.GOST_52535,
    iuliia.BGN_PCGN,
    iuliia.WIKIPEDIA,
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_TOKEN = re.compile(r"[^\W\d_]+")
_APOSTROPHES = re.compile("['’ʼʹ`ʺ\"]")
TYPO_SIMILARITY = 0.93
_PATRONYMIC = ("vich", "vna", "ich", "ichna")
# Applied in order to a lower-case Latin spelling; each line erases one difference between
# transliteration schemes (and informal spellings).
_FOLDS: tuple[tuple[str, str], ...] = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("tc", "c"),
    ("zh", "j"),
    ("kh", "h"),
    ("ks", "x"),
    ("tz", "c"),
    ("ts", "c"),
    ("ph", "f"),
    ("w", "v"),
    ("ie", "e"),
    ("ye", "e"),
    ("je", "e"),
    ("yo", "e"),
    ("jo", "e"),
    ("io", "e"),
    ("y", "i"),
    ("j", "i"),
    ("'", ""),
)
_ENDINGS = re.compile(r"(?:ii|iy|yi|ij|iy|y)$")


def _plain(text: str) -> str:
    """NFKC, lower case, ё as е: the spelling differences that carry no information."""
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a name, lower case, ё as е, without punctuation or digits; the
    apostrophes that transliterate soft and hard signs (Ol'ga, Ul’yana) are dropped."""
    return tuple(_TOKEN.findall(_APOSTROPHES.sub("", _plain(name))))


def skeleton(latin: str) -> str:
    """A Latin spelling folded so that the transliteration schemes agree."""
    text = anyascii(latin).lower()
    text = re.sub(r"[^a-z]", "", text)
    text = _ENDINGS.sub("i", text)
    for old, new in _FOLDS:
        text = text.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", text)


@lru_cache(maxsize=200_000)
def token_variants(token: str) -> frozenset[str]:
    """The skeletons of every spelling of one name token (Cyrillic or Latin)."""
    plain = re.sub(r"[^a-z]", "", anyascii(token).lower())
    if not _CYRILLIC.search(token):
        return frozenset({skeleton(token), plain} - {""})
    spellings = {scheme.translate(token) for scheme in SCHEMES}
    spellings.add(anyascii(token))
    # The unfolded spelling too: a typo is one edit away from it, not always from a skeleton.
    return frozenset({skeleton(s) for s in spellings if s} | {plain} - {""})


@dataclass(frozen=True)
class NameRecord:
    """What matching reads of a person: every name they are known by, and a birth year."""

    key: object
    names: tuple[str, ...]
    birth_year: int | None = None

    def token_sets(self) -> tuple[tuple[frozenset[str], ...], ...]:
        """Per name, its tokens as sets of skeletons (empty and repeated names dropped)."""
        return _token_sets(self.names)


@lru_cache(maxsize=200_000)
def _token_sets(names: tuple[str, ...]) -> tuple[tuple[frozenset[str], ...], ...]:
    found: list[tuple[frozenset[str], ...]] = []
    for name in names:
        tokens = tuple(token_variants(t) for t in name_tokens(name or "") if len(t) > 1)
        if tokens and tokens not in found:
            found.append(tokens)
    return tuple(found)


@lru_cache(maxsize=500_000)
def _token_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if a & b:
        return 1.0
    # One typo (a letter added, dropped, changed or two swapped) in a word of four or more;
    # ``extractOne`` runs the comparisons of one spelling with all the others in C.
    longer = [y for y in b if len(y) >= 4]
    if longer and any(
        process.extractOne(x, longer, scorer=OSA.distance, score_cutoff=1) is not None
        for x in a
        if len(x) >= 4
    ):
        return TYPO_SIMILARITY
    return max(process.extractOne(x, b, scorer=fuzz.ratio)[1] for x in a) / 100


@lru_cache(maxsize=200_000)
def _name_similarity(
    a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]
) -> tuple[float, tuple[str, ...]]:
    """Aligned token similarity of two names, whatever their order (greedy alignment)."""
    pairs = sorted(
        ((_token_similarity(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    scores: list[float] = []
    crossed = False
    for similarity, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        scores.append(similarity)
        crossed = crossed or i != j
    if not scores:
        return 0.0, ()
    score = 0.4 * sum(scores) / len(scores) + 0.6 * min(scores)
    if len(scores) < 2:
        score *= 0.75  # a single word is weak evidence
    reasons = []
    if min(scores) < 1.0:
        reasons.append(N_("spelling differs"))
    if crossed:
        reasons.append(N_("name order differs"))
    if len(a) != len(b):
        reasons.append(N_("a name part is missing"))
    return score, tuple(reasons)


YEARS_APART = 3  # born this many years apart or more: namesakes, never the same person


def years_apart(left: NameRecord, right: NameRecord) -> bool:
    """Whether both birth years are known and ``YEARS_APART`` or more apart: such a pair
    scores 0.3 at most, so a search for likely or possible pairs can skip it unscored."""
    return bool(
        left.birth_year
        and right.birth_year
        and abs(left.birth_year - right.birth_year) >= YEARS_APART
    )


def score_pair(left: NameRecord, right: NameRecord) -> tuple[float, list[str]]:
    """How likely ``left`` and ``right`` are the same person (0..1), and why."""
    best = 0.0
    reasons: list[str] = []
    for a in left.token_sets():
        for b in right.token_sets():
            score, why = _name_similarity(a, b)
            if score > best:
                best, reasons = score, list(why)
    if left.birth_year and right.birth_year:
        gap = abs(left.birth_year - right.birth_year)
        if gap >= YEARS_APART:
            return min(best, 0.3), [N_("born years apart")]
        if gap == 2:
            best -= 0.15
        elif gap == 1:
            best -= 0.02
            reasons.append(N_("birth year off by one"))
        else:
            best = min(1.0, best + 0.02)
            reasons.append(N_("same birth year"))
    else:
        best -= 0.03
        reasons.append(N_("birth year unknown"))
    return round(max(best, 0.0), 3), reasons


def blocking_keys(record: NameRecord) -> frozenset[str]:
    """Keys two records must share to be compared: for each pair of words of a name, the
    pair of their first three letters, and each whole word with the other's initial. A
    typo in one word leaves at least one key intact; name order does not matter.
    Patronymics and word endings are left out: thousands of people share them.

    The blind index stores each key as an HMAC (``BlindIndex.blocking_tokens``), so the
    database finds candidates without any name in clear."""
    return _blocking_keys(record.token_sets())


def blocking_keys_of_names(names: tuple[str, ...]) -> frozenset[str]:
    """``blocking_keys`` of a person known by the spellings ``names``."""
    return _blocking_keys(_token_sets(names))


@lru_cache(maxsize=200_000)
def _blocking_keys(token_sets: tuple[tuple[frozenset[str], ...], ...]) -> frozenset[str]:
    keys: set[str] = set()
    for all_tokens in token_sets:
        # Patronymics are scored but never blocked on: thousands share "Ivanovich".
        tokens = [t for t in all_tokens if not any(v.endswith(_PATRONYMIC) for v in t)]
        for i, a in enumerate(tokens):
            for b in tokens[i + 1 :]:
                for x in a:
                    for y in b:
                        keys.add("p:" + "|".join(sorted((x[:3], y[:3]))))
                        keys.add(f"w:{x}|{y[0]}")
                        keys.add(f"w:{y}|{x[0]}")
    return frozenset(keys)


MIN_SHARED_KEYS = 1
# A block this large says nothing (thousands sharing one key): it is not compared.
MAX_BLOCK = 2000


def pairs_in_blocks(
    blocks: Iterable[Sequence[T]], born: Mapping[T, int | None] | None = None
) -> set[tuple[T, T]]:
    """Every pair ``(a, b)``, ``a < b``, of members of one block, blocks over ``MAX_BLOCK``
    left out. With ``born`` (each member's birth year, or ``None``), pairs born
    ``YEARS_APART`` years or more apart are left out too: they can never score as a pair,
    and in a network of 100,000 they are most of what a common first name's block holds."""
    pairs: set[tuple[T, T]] = set()
    for block in blocks:
        if not 1 < len(block) <= MAX_BLOCK:
            continue
        members = sorted(set(block))
        if born is None:
            pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
            continue
        by_year: dict[int, list[T]] = {}
        unknown: list[T] = []
        for member in members:
            year = born.get(member)
            if year is None:
                unknown.append(member)
            else:
                by_year.setdefault(year, []).append(member)
        pairs.update((min(a, b), max(a, b)) for a in unknown for b in members if a != b)
        for year, group in by_year.items():
            for near in range(year, year + YEARS_APART):
                for a in group:
                    for b in by_year.get(near, ()):
                        if a < b:
                            pairs.add((a, b))
                        elif near != year and b < a:
                            pairs.add((b, a))
    return pairs


class BlockIndex:
    """Records by blocking key; two records are candidates when they share a key. This is
    what keeps a network of 100,000 from being compared pair by pair."""

    def __init__(self, records: list[NameRecord]) -> None:
        self.records = records
        self.keys = [blocking_keys(record) for record in records]
        self.blocks: dict[str, list[int]] = {}
        for position, keys in enumerate(self.keys):
            for key in keys:
                self.blocks.setdefault(key, []).append(position)

    def candidates(self, position: int) -> list[int]:
        """Positions of the records that share enough keys with the one at ``position``."""
        shared: dict[int, int] = {}
        for key in self.keys[position]:
            if len(self.blocks[key]) > MAX_BLOCK:
                continue
            for other in self.blocks[key]:
                shared[other] = shared.get(other, 0) + 1
        return [o for o, n in shared.items() if n >= MIN_SHARED_KEYS and o != position]


def candidate_pairs(records: list[NameRecord]) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of records that blocking makes candidates (the
    same pairs the database finds through the blocking tokens of the blind index), pairs
    born years apart left out."""
    born = {i: record.birth_year or None for i, record in enumerate(records)}
    return pairs_in_blocks(BlockIndex(records).blocks.values(), born)


@dataclass(frozen=True)
class Match:
    left: object
    right: object
    score: float
    reasons: tuple[str, ...]


def find_matches(records: list[NameRecord], *, threshold: float = LIKELY) -> list[Match]:
    """Every pair of ``records`` scoring at least ``threshold``, best first."""
    found = []
    for i, j in candidate_pairs(records):
        score, reasons = score_pair(records[i], records[j])
        if score >= threshold:
            found.append(Match(records[i].key, records[j].key, score, tuple(reasons)))
    return sorted(found, key=lambda m: -m.score)
