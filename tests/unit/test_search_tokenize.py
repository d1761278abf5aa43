"""Unit tests of the search tokenizer (no database).

The properties at the bottom pin the contract the index relies on: whatever a user types that
occurs in a document (a CJK substring, a word prefix, a phone number written differently) yields
query terms that the document's tokens satisfy.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyi.platform.search import (
    MAX_TOKEN_LEN,
    QueryTerms,
    normalize,
    prefix_upper_bound,
    tokenize_document,
    tokenize_query,
)

# --- documents ---------------------------------------------------------------------------------


def test_cjk_run_gives_overlapping_bigrams_and_last_unigram() -> None:
    assert tokenize_document("北京纷享销客") == {"北京", "京纷", "纷享", "享销", "销客", "客"}


def test_two_character_name() -> None:
    assert tokenize_document("王芳") == {"王芳", "芳"}


def test_single_cjk_character_is_a_unigram() -> None:
    assert tokenize_document("王") == {"王"}
    assert tokenize_document("王 芳") == {"王", "芳"}


def test_mixed_latin_cjk_digits() -> None:
    assert tokenize_document("ABC纷享销客2024") == {"abc", "纷享", "享销", "销客", "客", "2024"}


def test_full_width_folds_to_half_width() -> None:
    assert tokenize_document("ＡＢＣ　１２３") == {"abc", "123"}
    assert tokenize_document("ＡＢＣ　１２３") == tokenize_document("abc 123")
    # Half-width katakana becomes full width, so both spellings meet.
    assert tokenize_document("ｶﾀｶﾅ") == tokenize_document("カタカナ")


def test_case_and_diacritics_are_folded() -> None:
    assert tokenize_document("Acme CORP") == {"acme", "corp"}
    assert tokenize_document("Müller Straße Café") == {"muller", "strasse", "cafe"}


def test_kana_voicing_marks_survive_normalisation() -> None:
    assert normalize("ガ") == "ガ"
    assert tokenize_document("ガギ") == {"ガギ", "ギ"}


def test_email_gives_suffixes_at_part_boundaries() -> None:
    assert tokenize_document("Wang.Fang@Acme.com") == {
        "wang.fang@acme.com",
        "fang@acme.com",
        "acme.com",
        "com",
    }


def test_letter_digit_boundary_is_a_part_boundary() -> None:
    assert tokenize_document("iPhone15 Pro") == {"iphone15", "15", "pro"}


def test_phone_digits_are_joined_from_each_group() -> None:
    tokens = tokenize_document("电话：138-0013-8000")
    assert tokens == {"13800138000", "00138000", "8000", "电话", "话"}


def test_phone_with_country_code_and_spaces() -> None:
    tokens = tokenize_document("+86 138 0013 8000")
    assert {"8613800138000", "13800138000", "00138000", "86", "138", "0013", "8000"} <= tokens


def test_landline_with_full_width_parentheses() -> None:
    tokens = tokenize_document("（010）8888-1234")
    assert {"01088881234", "88881234", "010"} <= tokens


def test_phone_join_is_bounded() -> None:
    tokens = tokenize_document(" ".join(["1234"] * 50))
    assert max(len(t) for t in tokens) <= 20


# An account's fields as the demo and the benchmark make them: number, phone, credit code, e-mail
# (each field is tokenized on its own, as the records service does).
_ACCOUNT_FIELDS = (
    "KH-2026-000001",
    "0579-22640621",
    "91330702123456788C",
    "contact@hengxingroup.com",
)


def _account_tokens() -> set[str]:
    return set().union(*(tokenize_document(text) for text in _ACCOUNT_FIELDS))


def test_identifiers_are_stored_without_their_connectors() -> None:
    assert _account_tokens() == {
        "kh2026000001",
        "2026000001",
        "000001",
        "057922640621",
        "22640621",
        "91330702123456788c",
        "contact@hengxingroup.com",
        "hengxingroup.com",
        "com",
    }


def test_identifier_rules_shrink_the_account_document() -> None:
    """Rules 1 stored 12 tokens for these fields (four spellings of the number, three of the
    phone, the credit code's check letter ``c``); nine are left, and all still find it below."""
    assert len(_account_tokens()) == 9


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("2024-01-02", {"20240102", "0102", "02"}),
        ("v1.2.3", {"v123", "123", "23"}),
        ("iPhone15", {"iphone15", "15"}),
        ("AT&T", {"at&t"}),  # no digit: connectors kept; the one-letter suffix is not stored
        ("wang.fang@acme.com", {"wang.fang@acme.com", "fang@acme.com", "acme.com", "com"}),
        ("wang123@qq.com", {"wang123@qq.com", "123@qq.com", "qq.com", "com"}),  # "@" is kept
        ("ab_1", {"ab1"}),
        ("C", {"c"}),  # a word of one character is still a word
    ],
)
def test_identifier_forms(text: str, tokens: set[str]) -> None:
    assert tokenize_document(text) == tokens


@pytest.mark.parametrize(
    "query",
    [
        "KH-2026-000001",
        "kh-2026-000001",
        "KH2026000001",
        "kh-2026",
        "KH-2026-0000",
        "kh2026",
        "kh",
        "2026-000001",
        "2026000001",
        "2026",
        "000001",
        "0579-22640621",
        "057922640621",
        "0579 22640621",
        "(0579) 2264-0621",
        "0579-2264",
        "22640621",
        "2264-0621",
        "91330702123456788C",
        "9133070212",
        "contact@hengxingroup.com",
        "contact@",
        "hengxingroup.com",
        "hengxin",
        "KH-2026-000001 0579-22640621",
    ],
)
def test_every_spelling_of_an_identifier_finds_the_account(query: str) -> None:
    assert tokenize_query(query).matches(_account_tokens()), tokenize_query(query)


@pytest.mark.parametrize(
    "query", ["KH-2026-000002", "kh-2027", "2026-000002", "0579-22640622", "h-2026", "6000001"]
)
def test_other_identifiers_do_not_find_the_account(query: str) -> None:
    assert not tokenize_query(query).matches(_account_tokens()), tokenize_query(query)


@pytest.mark.parametrize(
    ("query", "term"),
    [
        (
            "KH-2026-000001",
            "kh2026000001",
        ),  # one term, not "kh" (a prefix of every number) + digits
        ("kh-2026", "kh2026"),
        ("0579-22640621", "057922640621"),
        ("(0579)2264-0621", "057922640621"),
        ("2026-000001", "2026000001"),
    ],
)
def test_identifier_queries_are_one_term(query: str, term: str) -> None:
    assert tokenize_query(query) == QueryTerms(prefixes=frozenset({term}))


def test_empty_and_punctuation_only() -> None:
    assert tokenize_document("") == set()
    assert tokenize_document(None) == set()
    assert tokenize_document("  ,.;!？。 ") == set()


def test_long_tokens_are_capped() -> None:
    (token,) = tokenize_document("x" * 500)
    assert len(token) == MAX_TOKEN_LEN


# --- queries -----------------------------------------------------------------------------------


def test_query_two_cjk_chars_is_one_exact_bigram() -> None:
    assert tokenize_query("纷享") == QueryTerms(exact=frozenset({"纷享"}))


def test_query_long_cjk_needs_all_bigrams() -> None:
    assert tokenize_query("纷享销客").exact == {"纷享", "享销", "销客"}


def test_query_single_cjk_char_is_a_prefix() -> None:
    assert tokenize_query("王") == QueryTerms(prefixes=frozenset({"王"}))


def test_query_words_are_prefixes() -> None:
    assert tokenize_query("Acm CORP") == QueryTerms(prefixes=frozenset({"acm", "corp"}))


def test_query_mixed() -> None:
    assert tokenize_query("ABC纷享") == QueryTerms(
        exact=frozenset({"纷享"}), prefixes=frozenset({"abc"})
    )


def test_query_phone_any_format_becomes_digit_string() -> None:
    expected = QueryTerms(prefixes=frozenset({"13800138000"}))
    for q in (
        "13800138000",
        "138-0013-8000",
        "138 0013 8000",
        "(138)0013.8000",
        "１３８００１３８０００",
    ):
        assert tokenize_query(q) == expected, q


def test_query_short_spaced_numbers_stay_separate_words() -> None:
    assert tokenize_query("12 345") == QueryTerms(prefixes=frozenset({"12", "345"}))


def test_query_email() -> None:
    assert tokenize_query("fang@Acme") == QueryTerms(prefixes=frozenset({"fang@acme"}))


def test_query_redundant_prefixes_are_pruned() -> None:
    assert tokenize_query("王 王芳") == QueryTerms(exact=frozenset({"王芳"}))
    assert tokenize_query("ac acme") == QueryTerms(prefixes=frozenset({"acme"}))


def test_empty_query() -> None:
    for q in ("", "   ", "!!!", None):
        terms = tokenize_query(q)
        assert not terms
        assert len(terms) == 0


def test_matches_semantics() -> None:
    doc = tokenize_document("北京纷享销客 Acme Corp wang@acme.com 138-0013-8000")
    for q in ("纷享", "销", "acm", "corp acme", "13800138000", "8000", "wang@", "acme.com", "京"):
        assert tokenize_query(q).matches(doc), q
    for q in ("享纷", "acme zeta", "138001380001", "北京 zeta", "cme"):
        assert not tokenize_query(q).matches(doc), q


def test_prefix_upper_bound() -> None:
    assert prefix_upper_bound("acm") == "acn"
    assert prefix_upper_bound("王") == chr(ord("王") + 1)
    assert prefix_upper_bound("a\ud7ff") == "a\ue000"
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("\U0010ffff") is None


# --- properties --------------------------------------------------------------------------------

_han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_other = st.sampled_from(list(string.ascii_letters + string.digits + " .,-@，。、（）"))
_documents = st.lists(st.one_of(_han, _han, _other), min_size=2, max_size=60).map("".join)


@given(data=st.data(), doc=_documents)
def test_property_cjk_substring_terms_are_document_tokens(data: st.DataObject, doc: str) -> None:
    """Any CJK substring of length >= 2 is found by exact bigram lookups."""
    runs = [(i, j) for i in range(len(doc)) for j in range(i + 2, len(doc) + 1)]
    cjk = [(i, j) for i, j in runs if all(0x4E00 <= ord(c) <= 0x9FFF for c in doc[i:j])]
    if not cjk:
        return
    i, j = data.draw(st.sampled_from(cjk))
    terms = tokenize_query(doc[i:j])
    assert not terms.prefixes
    assert terms.exact
    assert terms.exact <= tokenize_document(doc)


@given(data=st.data(), doc=_documents)
def test_property_single_cjk_character_is_found(data: st.DataObject, doc: str) -> None:
    """Any one CJK character of the document matches (prefix over bigrams + trailing unigram)."""
    chars = [c for c in doc if 0x4E00 <= ord(c) <= 0x9FFF]
    if not chars:
        return
    assert tokenize_query(data.draw(st.sampled_from(chars))).matches(tokenize_document(doc))


_words = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12),
    min_size=1,
    max_size=8,
)


@given(data=st.data(), words=_words, seps=st.sampled_from([" ", ", ", " / ", "纷享"]))
def test_property_word_prefixes_are_found(data: st.DataObject, words: list[str], seps: str) -> None:
    """Any prefix of any word of the document (any case) matches that document."""
    doc = seps.join(words)
    word = data.draw(st.sampled_from(words))
    prefix = word[: data.draw(st.integers(min_value=1, max_value=len(word)))]
    assert tokenize_query(prefix.upper()).matches(tokenize_document(doc))


@given(
    groups=st.lists(
        st.text(alphabet=string.digits, min_size=2, max_size=5), min_size=2, max_size=4
    ),
    doc_sep=st.sampled_from(["-", " ", ".", ") ", "/"]),
    query_sep=st.sampled_from(["", "-", " "]),
)
def test_property_phone_found_whatever_the_separators(
    groups: list[str], doc_sep: str, query_sep: str
) -> None:
    """A phone number stored with one separator style is found when typed with another."""
    doc = "Tel " + doc_sep.join(groups) + " ext"
    query = query_sep.join(groups)
    assert tokenize_query(query).matches(tokenize_document(doc)), (doc, query)


_parts = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=6),
    min_size=1,
    max_size=5,
)


@given(
    data=st.data(),
    parts=_parts,
    joins=st.lists(st.sampled_from(list(".@_+-/:&#'")), min_size=4, max_size=4),
)
def test_property_identifier_substrings_are_found(
    data: st.DataObject, parts: list[str], joins: list[str]
) -> None:
    """A query that starts after a connector of a document word and ends on a letter or digit
    finds the document, whichever connectors the identifier rule dropped."""
    word = parts[0] + "".join(j + p for j, p in zip(joins, parts[1:], strict=False))
    starts = [0] + [i + 1 for i, ch in enumerate(word) if ch in ".@_+-/:&#'"]
    start = data.draw(st.sampled_from(starts))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(word)))
    query = word[start:end].rstrip(".@_+-/:&#'")
    if len(query) < 2:
        return  # a one-character query may miss a one-character suffix (not stored)
    doc = tokenize_document(f"ref {word} end")
    assert tokenize_query(query.upper()).matches(doc), (word, query)
