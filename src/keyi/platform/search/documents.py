"""The PostgreSQL search index: one row per record, its tokens in a GIN-indexed ``tsvector``.

Why not the token table (:mod:`.index`) on PostgreSQL too: one heap row plus two B-tree entries
per token (~21 per record) cost ~150 bytes each — ~3 KB a record, five times the record itself.
Here a record's tokens are one ``tsvector`` value (~300 bytes) and the GIN index stores each
posting compressed in 1–2 bytes, so the index is ~7× smaller. The tokens are still
:mod:`.tokenize`'s (CJK bigrams, word suffixes, phone digits): PostgreSQL's text-search parser
and dictionaries are not used at all, only its storage, its GIN operator class and its prefix
matching (``'acm':*``).

Ranking keeps what it needs in the value: each token carries its best field weight as the
lexeme's weight class (3 → ``A``, 2 → ``B``, 1 → ``D``), so ``document @@ 'tok:A'`` tells whether
the token came from the name. A record's score is the sum over query terms of the best weight,
exactly as with the token table.

Common words: a GIN lookup answers *which* records match but not in ranked order, and a term
held by half the table would need half the table read to rank it. So :mod:`keyi.platform.query
.search` first asks for the **top tier** — records where every term has the highest weight (the
best score a record can have), in record-id order, which PostgreSQL answers by walking the
primary key and stopping after ``limit`` matches — and computes the full ranking only when
that tier has fewer than ``limit`` records (a rare term, whose candidates are few).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from keyi.platform.search.tokenize import tokenize_document

__all__ = [
    "DOCUMENT_TABLE_NAME",
    "TOP_WEIGHT",
    "WEIGHT_CLASSES",
    "define_document_table",
    "document_from_tokens",
    "document_rows",
    "matches",
    "optional_term_score",
    "term_score",
    "tsquery_text",
]

DOCUMENT_TABLE_NAME = "keyi_search_document"

WEIGHT_CLASSES = {3: "A", 2: "B", 1: ""}
"""Field weight → the lexeme's weight class (``D``, the default, is written without a letter)."""
TOP_WEIGHT = max(WEIGHT_CLASSES)

_Text = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
# Text on SQLite only so that the shared metadata can be created there; SQLite never uses it.
_Document = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


def define_document_table(metadata: sa.MetaData) -> sa.Table:
    """Define (not create) the document table: ``(object, record_id)`` → ``document``.

    The primary key serves removal, re-indexing and the top tier's walk in record-id order; the
    GIN index (PostgreSQL only) serves term lookups, prefixes included.
    """
    table = sa.Table(
        DOCUMENT_TABLE_NAME,
        metadata,
        sa.Column("object", _Text, nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("document", _Document, nullable=False),
        sa.PrimaryKeyConstraint("object", "record_id", name=f"pk_{DOCUMENT_TABLE_NAME}"),
    )
    sa.Index(f"ix_{DOCUMENT_TABLE_NAME}_document", table.c.document, postgresql_using="gin").ddl_if(
        dialect="postgresql"
    )
    return table


def _lexeme(token: str) -> str:
    """A token as a quoted ``tsvector``/``tsquery`` lexeme (a value, parsed by the server)."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def document_text(texts: Sequence[tuple[str | None, int]]) -> str | None:
    """The ``tsvector`` input for a record's texts, or ``None`` when it has no tokens."""
    best: dict[str, int] = {}
    for text, weight in texts:
        if weight not in WEIGHT_CLASSES:
            raise ValueError(f"search weight must be one of {sorted(WEIGHT_CLASSES)}, got {weight}")
        if not text:
            continue
        for token in tokenize_document(text):
            if best.get(token, 0) < weight:
                best[token] = weight
    return document_from_tokens(best) if best else None


def document_from_tokens(best: dict[str, int]) -> str:
    """The ``tsvector`` input for tokens with their best weights.

    Every lexeme gets position 1: a weight class is stored on a position, and a lexeme without
    one would match weight-restricted queries (``'x':A``) whatever its weight.
    """
    return " ".join(f"{_lexeme(t)}:1{WEIGHT_CLASSES[w]}" for t, w in sorted(best.items()))


def document_rows(
    object_name: str, documents: Sequence[tuple[str, Sequence[tuple[str | None, int]]]]
) -> list[dict[str, object]]:
    """Rows for the document table; records without any token get no row."""
    rows: list[dict[str, object]] = []
    for record_id, texts in documents:
        text = document_text(texts)
        if text is not None:
            rows.append({"object": object_name, "record_id": record_id, "document": text})
    return rows


def tsquery_text(
    terms: Sequence[tuple[str, bool]], weight: str = "", *, any_term: bool = False
) -> str:
    """``tsquery`` input ANDing (ORing with ``any_term``) ``(token, prefix)`` terms, optionally
    restricted to a class."""
    parts = []
    for token, prefix in terms:
        suffix = ("*" if prefix else "") + weight
        parts.append(_lexeme(token) + (":" + suffix if suffix else ""))
    return (" | " if any_term else " & ").join(parts)


def matches(
    table: sa.FromClause, query_text: str, *, param: str | None = None
) -> sa.ColumnElement[bool]:
    """``document @@ CAST(:query AS tsquery)``: a GIN index condition. ``param`` names the
    bound parameter, so a kept statement can be run with another query's text."""
    value = (
        sa.bindparam(param, query_text, type_=sa.Text)
        if param is not None
        else sa.literal(query_text, sa.Text)
    )
    return table.c.document.bool_op("@@")(sa.cast(value, postgresql.TSQUERY))


def term_score(
    table: sa.FromClause, token: str, prefix: bool, *, param: str | None = None
) -> sa.ColumnElement[int]:
    """The best weight with which ``document`` holds one term (the caller knows it holds it).

    With ``param``, the term's query for weight class ``X`` is bound as ``{param}X``."""
    whens = [
        (
            matches(
                table,
                tsquery_text([(token, prefix)], letter),
                param=None if param is None else f"{param}{letter}",
            ),
            weight,
        )
        for weight, letter in sorted(WEIGHT_CLASSES.items(), reverse=True)
        if letter
    ]
    return sa.case(*whens, else_=min(WEIGHT_CLASSES))


def optional_term_score(
    table: sa.FromClause, token: str, prefix: bool, *, param: str
) -> sa.ColumnElement[int]:
    """The best weight with which ``document`` holds one term, 0 when it does not hold it (for
    queries matching any term). Term queries are bound as ``{param}X`` per weight class and
    ``{param}`` for any class."""
    whens = [
        (matches(table, tsquery_text([(token, prefix)], letter), param=f"{param}{letter}"), weight)
        for weight, letter in sorted(WEIGHT_CLASSES.items(), reverse=True)
        if letter
    ]
    whens.append(
        (matches(table, tsquery_text([(token, prefix)]), param=param), min(WEIGHT_CLASSES))
    )
    return sa.case(*whens, else_=0)
