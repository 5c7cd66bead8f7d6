"""The blind index: names searchable without being stored.

Each folded token of each spelling (``names.name_tokens``) is stored only as
HMAC-SHA256(blind-index key, token), cut to 16 bytes, in ``person_token`` (person id, token).
A search computes the same HMACs for the words typed and looks them up; nothing is decrypted.

Beside the word tokens (16 bytes) each person has *blocking* tokens (12 bytes, so the two
kinds are told apart by length alone): HMACs of the duplicate-detection blocking keys of
their names (``models.duplicates.matching.blocking_keys``: pairs of word prefixes, a word
with another's initial). Two records that may be the same person share one; duplicate
detection reads only these tokens to choose whom to decrypt and compare.

Public surface, for search and for duplicate detection (block on shared tokens):
- ``blind_tokens(session, text) -> set[bytes]``: the blind word tokens of a name, as stored;
- ``blocking_tokens(session, *texts) -> set[bytes]``: the blocking tokens of a name;
- ``IS_BLOCKING_TOKEN``: the SQL condition selecting blocking tokens only;
- ``candidate_people(session, tokens, min_shared=1)``: people sharing at least
  ``min_shared`` of ``tokens``, with how many they share, most first;
- ``cases_matching_all(words_tokens)``: a SQL selection of case ids whose person has, for
  every word, at least one of its tokens (what the case list's name search uses).

What the index still reveals to someone holding the database but not the key: which people
share a token (for example the same surname in some transliteration; through the blocking
tokens, which people are candidate duplicates), and how many tokens each name has (roughly
its number of words). Without the key the tokens cannot be tested
against guessed names; with the key (it sits beside the master key) a guessed name can be
confirmed, which is why a purge deletes the tokens too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.identity.names import name_tokens, word_forms, words
from models.tables import Person, PersonToken

TOKEN_BYTES = 16
BLOCK_BYTES = 12


class BlindIndex:
    """HMACs of name tokens under one key, remembered (names repeat)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._memo: dict[str, bytes] = {}
        self._blocks: dict[str, bytes] = {}

    def token(self, form: str) -> bytes:
        found = self._memo.get(form)
        if found is None:
            found = hmac.new(self._key, form.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
            if len(self._memo) < 500_000:
                self._memo[form] = found
        return found

    def of_text(self, *texts: str) -> set[bytes]:
        """Every blind token stored for a person known by the spellings ``texts``: the word
        tokens (search) and the blocking tokens (duplicate detection)."""
        return self.word_tokens(*texts) | self.blocking_tokens(*texts)

    def word_tokens(self, *texts: str) -> set[bytes]:
        """The blind tokens of every word of every spelling in ``texts``."""
        return {self.token(form) for text in texts for form in name_tokens(text)}

    def block(self, key: str) -> bytes:
        """The blocking token of one blocking key (an HMAC cut to ``BLOCK_BYTES``)."""
        found = self._blocks.get(key)
        if found is None:
            found = hmac.new(self._key, key.encode(), hashlib.sha256).digest()[:BLOCK_BYTES]
            if len(self._blocks) < 500_000:
                self._blocks[key] = found
        return found

    def blocking_tokens(self, *texts: str) -> set[bytes]:
        """The blocking tokens of a person known by the spellings ``texts``."""
        # Imported here: the blocking keys belong to duplicate detection, which itself
        # reads identities through this package.
        from models.duplicates.matching import blocking_keys_of_names

        return {self.block(key) for key in blocking_keys_of_names(tuple(texts))}

    def per_word(self, text: str, *, min_length: int = 2) -> list[set[bytes]]:
        """For each word of a search (of at least ``min_length`` characters), its tokens."""
        return [
            {self.token(form) for form in word_forms(word)}
            for word in words(text)
            if len(word) >= min_length and word_forms(word)
        ]


def blind_tokens(session: Session, text: str) -> set[bytes]:
    """The blind word tokens of the name ``text`` under this deployment's key."""
    from models.identity.crypto import vault_for

    return vault_for(session).index.word_tokens(text)


def blocking_tokens(session: Session, *texts: str) -> set[bytes]:
    """The blocking tokens of a person known by the spellings ``texts``."""
    from models.identity.crypto import vault_for

    return vault_for(session).index.blocking_tokens(*texts)


# Blocking tokens are the only ones of ``BLOCK_BYTES`` bytes.
IS_BLOCKING_TOKEN = sa.func.length(PersonToken.token) == BLOCK_BYTES


@dataclass(frozen=True)
class Candidate:
    person_id: int
    case_id: int
    shared: int


def candidate_people(
    session: Session, tokens: Iterable[bytes], *, min_shared: int = 1
) -> list[Candidate]:
    """People whose name shares at least ``min_shared`` of ``tokens``, most shared first.

    Not scoped: callers limit the case ids to what the actor may see."""
    wanted = list(set(tokens))
    if not wanted:
        return []
    shared = sa.func.count(col(PersonToken.token)).label("shared")
    rows = session.execute(
        sa.select(col(Person.id), col(Person.case_id), shared)
        .join(PersonToken, col(PersonToken.person_id) == col(Person.id))
        .where(col(PersonToken.token).in_(wanted))
        .group_by(col(Person.id), col(Person.case_id))
        .having(shared >= min_shared)
        .order_by(shared.desc(), col(Person.id))
    ).all()
    return [Candidate(int(p), int(c), int(n)) for p, c, n in rows]


def cases_matching_all(per_word: list[set[bytes]]) -> sa.Select[int]:
    """Case ids whose person has, for every word, one of that word's tokens."""
    selects = [
        sa.select(col(Person.case_id))
        .join(PersonToken, col(PersonToken.person_id) == col(Person.id))
        .where(col(PersonToken.token).in_(sorted(tokens)))
        for tokens in per_word
    ]
    if len(selects) == 1:
        return selects[0]
    return sa.select(sa.intersect(*selects).subquery().c[0])


def token_rows(person_id: int, tokens: Iterable[bytes]) -> list[dict[str, object]]:
    return [{"person_id": person_id, "token": token} for token in tokens]
