"""Tokenizer for the search index: pure functions, no database.

Why a home-made tokenizer instead of PostgreSQL ``tsvector`` / SQLite FTS5: the index must behave
identically on both databases, and neither built-in handles Chinese well —
``pg_trgm`` and FTS5's trigram tokenizer cannot answer two-character queries, and two-character
Chinese names (王芳) are the most common thing people type. So text is cut into tokens here and the
tokens are stored in an ordinary B-tree-indexed table (see :mod:`keyi.platform.search.index`),
where every lookup is an equality or a prefix range.

Rules, applied identically to documents and queries so that they always meet:

* Text is NFKC-normalised (full-width ``ＡＢＣ１２３`` → ``ABC123``, half-width katakana → full
  width, the ideographic space → space), case-folded, and Latin diacritics are dropped
  (``Müller`` → ``muller``) because users rarely type them.
* **CJK runs** (Han, kana, Hangul, bopomofo) become overlapping **bigrams**, plus the run's last
  character as a **unigram**. A query of two or more CJK characters is answered by the exact
  bigrams (all must match); a one-character query ``王`` is a *prefix* lookup, which finds every
  bigram starting with ``王`` and the unigram ``王`` at the end of a run — i.e. every occurrence,
  at the cost of one unigram per run instead of one per character.
* **Words** — runs of other letters and digits, possibly joined by connectors such as
  ``. @ _ - + / : & # '`` (e-mails, domains, ``iPhone15``, ``2024-01-02``) — are stored as their
  *suffixes starting at each part boundary*: ``wang.fang@acme.com`` gives ``wang.fang@acme.com``,
  ``fang@acme.com``, ``acme.com``, ``com``; ``iphone15`` gives ``iphone15``, ``15``. A query word
  is a *prefix* term, so ``acm`` finds ``Acme``, ``acme.com`` finds the e-mail, so does
  ``fang@acme``. A suffix of one character (the check letter of ``91330702123456788C``) is not
  stored: as a query it is the prefix of a large part of the index anyway.
* **Identifiers** — a connector other than ``@`` next to a digit is dropped from the word before
  its suffixes are taken, in documents and queries alike: ``KH-2026-000001`` is stored as
  ``kh2026000001``, ``2026000001``, ``000001`` — no longer also as ``kh-2026-000001`` and
  ``2026-000001`` beside the digit join. On PostgreSQL each such token is unique to its record,
  i.e. one GIN entry of its own, and these spellings were most of the index. Whether a connector
  is dropped depends only on its two neighbours, which a query word starting at a part boundary
  shares with the document word, so ``kh-2026``, ``2026-000001``, ``KH2026`` still find it.
* **Phone numbers** — digit groups separated by spaces, ``- . ( ) / +`` — additionally give the
  concatenated digits from each group on (``138 0013 8000`` → ``13800138000``, ``00138000``), so a
  number is found whichever way it was written and by any group-aligned prefix/suffix of it. A
  number inside one word (``0579-22640621``) needs nothing more: the identifier rule joined it.

Tokens are capped at :data:`MAX_TOKEN_LEN` characters (documents and queries alike, so prefix
matching still works) to keep B-tree keys small.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "MAX_PHONE_DIGITS",
    "MAX_TOKEN_LEN",
    "TOKEN_RULES",
    "QueryTerms",
    "normalize",
    "prefix_upper_bound",
    "tokenize_document",
    "tokenize_query",
]

MAX_TOKEN_LEN = 64
"""Longest stored token, in characters. Longer tokens are truncated (queries too)."""

MAX_PHONE_DIGITS = 20
"""Longest concatenated digit string built from a phone-like sequence (E.164 is 15 + extension)."""

TOKEN_RULES = 2
"""Version of the rules above. A tenant records the version its index was built with, and the
upgrade at start rebuilds an index built with older rules (:mod:`keyi.platform.records.reindex`).
Bump it with any change that alters the tokens of a document or a query. 2: identifiers without
their connectors next to digits, no one-character suffixes."""

# Han (BMP, extension A, compatibility, supplementary planes), kana, Hangul, bopomofo,
# and the ideographic iteration/zero marks. Characters in these ranges form "CJK runs".
_CJK_CLASS = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u3005\u3007"  # 々 〇
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f"  # Bopomofo
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u31a0-\u31bf"  # Bopomofo extended
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f"  # Hangul Jamo extended-A
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B–G, compatibility supplement
)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")

# A letter-or-digit that is not CJK (CJK runs are cut out before this is applied).
_ALNUM = r"[^\W_]"
_CONNECTOR_CHARS = frozenset(".@_+-/:&#'")
_CONNECTORS = r"[.@_+\-/:&#']"
_COMPOUND = re.compile(f"{_ALNUM}+(?:{_CONNECTORS}{_ALNUM}+)*")
# Part boundaries inside a compound: after a connector, and at letter<->digit transitions.
_PART_START = re.compile(r"(?:(?<=[.@_+\-/:&#'])|(?<=[0-9])(?=[^\W\d_])|(?<=[^\W\d_])(?=[0-9]))")

# Digit groups separated by 1-3 phone separators, each group a whole word (not glued to letters).
_PHONE = re.compile(r"(?<![^\W_])[0-9]+(?:[ \t\-.()/+]{1,3}[0-9]+)+(?![^\W_])")
_DIGITS = re.compile(r"[0-9]+")

_COMBINING_LATIN = re.compile("[\u0300-\u036f]")


def normalize(text: str) -> str:
    """Normalise text the way both documents and queries are normalised.

    NFKC folds full-width forms and compatibility characters; ``casefold`` is a stronger
    ``lower`` (``ß`` → ``ss``); Latin combining diacritics are dropped via NFKD so that ``cafe``
    finds ``Café``. Only U+0300–U+036F are removed: kana voicing marks must survive.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", _COMBINING_LATIN.sub("", decomposed))


def _split_cjk(text: str) -> Iterator[tuple[bool, str]]:
    """Yield ``(is_cjk, segment)`` pieces of normalised text, in order."""
    pos = 0
    for m in _CJK_RUN.finditer(text):
        if m.start() > pos:
            yield False, text[pos : m.start()]
        yield True, m.group()
        pos = m.end()
    if pos < len(text):
        yield False, text[pos:]


def _cap(token: str) -> str:
    return token[:MAX_TOKEN_LEN]


def _cjk_document_tokens(run: str) -> Iterator[str]:
    for i in range(len(run) - 1):
        yield run[i : i + 2]
    yield run[-1]


_DIGIT_CHARS = frozenset("0123456789")
_KEPT_CONNECTOR = "@"


def _identifier_form(compound: str) -> tuple[str, list[int]]:
    """The word without its connectors next to a digit, and where its parts start in that form.

    ``kh-2026-000001`` → (``kh2026000001``, [2, 6]). A compound begins and ends with a letter or
    digit, so every connector has both neighbours, and a query word that starts at a part
    boundary of a document word drops exactly the connectors the document word drops there.
    """
    kept: list[str] = []
    position: list[int] = []  # index in the normal form of each original character
    for i, ch in enumerate(compound):
        position.append(len(kept))
        if (
            ch in _CONNECTOR_CHARS
            and ch != _KEPT_CONNECTOR
            and (compound[i - 1] in _DIGIT_CHARS or compound[i + 1] in _DIGIT_CHARS)
        ):
            continue
        kept.append(ch)
    starts = [position[m.start()] for m in _PART_START.finditer(compound, 1)]
    return "".join(kept), starts


def _compound_suffixes(compound: str) -> Iterator[str]:
    """The word's identifier form and its suffixes from each part start, but one-character ones."""
    form, starts = _identifier_form(compound)
    yield _cap(form)
    for start in starts:
        if len(form) - start > 1:
            yield _cap(form[start:])


def _compound_term(compound: str) -> str:
    """A query word: its identifier form, capped like the stored tokens."""
    return _cap(_identifier_form(compound)[0])


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether ``span`` lies within one of ``spans`` (a phone number inside one word)."""
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _phone_joins(groups: list[str]) -> Iterator[str]:
    """Concatenations of consecutive digit groups starting at each group (≥ 2 groups)."""
    for i in range(len(groups) - 1):
        joined = groups[i]
        count = 1
        for group in groups[i + 1 :]:
            if len(joined) + len(group) > MAX_PHONE_DIGITS:
                break
            joined += group
            count += 1
        if count >= 2:
            yield joined


def tokenize_document(text: str | None) -> set[str]:
    """Return the set of index tokens for a piece of document text.

    The set is what gets stored (one row per token per record); see the module docstring for the
    rules and why they were chosen.
    """
    tokens: set[str] = set()
    if not text:
        return tokens
    for is_cjk, segment in _split_cjk(normalize(text)):
        if is_cjk:
            tokens.update(_cjk_document_tokens(segment))
            continue
        words: list[tuple[int, int]] = []
        for m in _COMPOUND.finditer(segment):
            words.append(m.span())
            tokens.update(_compound_suffixes(m.group()))
        for m in _PHONE.finditer(segment):
            if not _inside(m.span(), words):  # one word: its identifier form joined it
                tokens.update(_phone_joins(_DIGITS.findall(m.group())))
    return tokens


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """What a query asks for: every term must match (AND).

    ``exact`` tokens must be present as-is (CJK bigrams); each of ``prefixes`` must be the prefix of
    at least one stored token (words, numbers, single CJK characters).
    """

    exact: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def __len__(self) -> int:
        return len(self.exact) + len(self.prefixes)

    def matches(self, tokens: Iterable[str]) -> bool:
        """Pure-Python evaluation of the same AND semantics the SQL implements (for tests/tools)."""
        token_set = set(tokens)
        if not self.exact <= token_set:
            return False
        return all(any(t.startswith(p) for t in token_set) for p in self.prefixes)


def _prune(exact: set[str], prefixes: set[str]) -> QueryTerms:
    """Drop prefix terms implied by a longer term (``王`` is implied by ``王芳``).

    Any record matching the longer term has a token starting with the shorter prefix, so the
    shorter term would only cost an extra index range scan without changing the result.
    """
    kept = {
        p
        for p in prefixes
        if not any(e.startswith(p) for e in exact)
        and not any(q != p and q.startswith(p) for q in prefixes)
    }
    return QueryTerms(frozenset(exact), frozenset(kept))


def tokenize_query(query: str | None) -> QueryTerms:
    """Turn a search box string into the terms that must all match.

    Digit groups that look like a phone number (joined by ``- . ( ) /``, or by spaces when they
    total seven digits or more) become one prefix term of the concatenated digits, matching the
    document side's joined tokens whatever separators the stored number used. Everything else
    follows the document rules, with words taken as prefixes.
    """
    exact: set[str] = set()
    prefixes: set[str] = set()
    if not query:
        return QueryTerms()
    for is_cjk, segment in _split_cjk(normalize(query)):
        if is_cjk:
            if len(segment) == 1:
                prefixes.add(segment)
            else:
                exact.update(segment[i : i + 2] for i in range(len(segment) - 1))
            continue
        rest = segment
        words = [m.span() for m in _COMPOUND.finditer(segment)]
        for m in _PHONE.finditer(segment):
            if _inside(m.span(), words):
                continue  # one word, joined by its identifier form (one term with its letters)
            groups = _DIGITS.findall(m.group())
            digits = "".join(groups)
            spaced_only = m.group().replace(" ", "").replace("\t", "").isdigit()
            if len(digits) > MAX_PHONE_DIGITS or (spaced_only and len(digits) < 7):
                continue  # leave the groups to be separate word terms
            prefixes.add(digits)
            rest = rest[: m.start()] + " " * (m.end() - m.start()) + rest[m.end() :]
        for m in _COMPOUND.finditer(rest):
            prefixes.add(_compound_term(m.group()))
    return _prune(exact, prefixes)


def prefix_upper_bound(prefix: str) -> str | None:
    """Smallest string greater than every string starting with ``prefix`` (code-point order).

    Used to turn a prefix match into the index range ``token >= prefix AND token < bound``, which
    both SQLite (BINARY) and PostgreSQL (``COLLATE "C"``) answer with a B-tree range scan, unlike
    ``LIKE 'p%'`` whose index use depends on collation and settings. ``None`` means unbounded.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be encoded; skip past them
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None
