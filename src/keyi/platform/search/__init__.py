"""Full-text search index shared by SQLite and PostgreSQL (docs/architecture.md).

CJK text is indexed as overlapping bigrams (plus a trailing unigram), other text as words and
word suffixes, phone numbers also as their digit strings; queries AND their terms and rank by
field weight. See :mod:`.tokenize` for the token rules and :mod:`.index` for the storage and SQL
(a token table on SQLite, one GIN-indexed ``tsvector`` per record on PostgreSQL:
:mod:`.documents`); :mod:`.storage` creates and rebuilds it for existing tenants.
"""

from keyi.platform.search.index import (
    MAX_WEIGHT,
    SEARCH_TABLE_NAME,
    SearchHit,
    SearchTerms,
    candidates,
    define_search_table,
    index_record,
    index_records,
    remove_record,
    search,
    search_candidates_by_object,
    search_candidates_query,
    search_terms,
    top_tier,
)
from keyi.platform.search.tokenize import (
    MAX_TOKEN_LEN,
    QueryTerms,
    normalize,
    prefix_upper_bound,
    tokenize_document,
    tokenize_query,
)

__all__ = [
    "MAX_TOKEN_LEN",
    "MAX_WEIGHT",
    "SEARCH_TABLE_NAME",
    "QueryTerms",
    "SearchHit",
    "SearchTerms",
    "candidates",
    "define_search_table",
    "index_record",
    "index_records",
    "normalize",
    "prefix_upper_bound",
    "remove_record",
    "search",
    "search_candidates_by_object",
    "search_candidates_query",
    "search_terms",
    "tokenize_document",
    "tokenize_query",
    "top_tier",
]
