"""Unit tests of the search tokenizer (no database).

The properties at the bottom pin the contract the index relies on: whatever a user types that
occurs in a document (a CJK substring, a word prefix, a phone number written differently) yields
query terms that the document's tokens satisfy.
"""

from __future__ import annotations

import string

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
    assert {"13800138000", "00138000", "138-0013-8000", "8000", "电话", "话"} <= tokens


def test_phone_with_country_code_and_spaces() -> None:
    tokens = tokenize_document("+86 138 0013 8000")
    assert {"8613800138000", "13800138000", "00138000", "86", "138", "0013", "8000"} <= tokens


def test_landline_with_full_width_parentheses() -> None:
    tokens = tokenize_document("（010）8888-1234")
    assert {"01088881234", "88881234", "010"} <= tokens


def test_phone_join_is_bounded() -> None:
    tokens = tokenize_document(" ".join(["1234"] * 50))
    assert max(len(t) for t in tokens) <= 20


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
