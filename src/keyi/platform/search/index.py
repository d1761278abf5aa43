"""The search index: an inverted index stored in an ordinary table, same on SQLite and PostgreSQL.

Why a plain table rather than ``tsvector``/GIN or FTS5: the same code, tokens and ranking on both
databases, CJK bigrams that neither built-in offers, and it lives inside the tenant's
namespace (a PostgreSQL schema or the tenant's SQLite file) so it is backed up, restored and
dropped with the tenant's data.

One row per (token, object, record): ``keyi_search_token(token, object, record_id, weight)``.

* The primary key ``(token, object, record_id)`` is the posting list: ``token = ?`` and prefix
  ranges ``token >= ? AND token < ?`` (optionally ``AND object IN (...)``) are B-tree range scans.
  On SQLite the table is ``WITHOUT ROWID`` so the rows *are* that B-tree; on PostgreSQL the key
  ``INCLUDE``\\ s ``weight`` so searches can be index-only scans (once autovacuum has set the
  visibility map). Text columns use ``COLLATE "C"`` on
  PostgreSQL: byte order equals code-point order, which makes prefix ranges correct (a linguistic
  collation could order ``"acm-x"`` outside ``["acm", "acn")``) and comparisons cheaper.
* A secondary index on ``(object, record_id)`` makes re-indexing and removal of one record cheap.
* ``weight`` is the highest weight of any field the token came from (e.g. 3 for the name field,
  1 for the rest); a record's score for a query is the sum over query terms of the best weight.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from keyi.platform.search import documents
from keyi.platform.search.planning import plan_with_values
from keyi.platform.search.rules import define_state_table
from keyi.platform.search.tokenize import prefix_upper_bound, tokenize_document, tokenize_query

__all__ = [
    "ESTIMATE_CAP",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "MAX_WEIGHT",
    "PARAMETER_PREFIX",
    "SEARCH_TABLE_NAME",
    "SearchHit",
    "SearchTerms",
    "candidates",
    "copy_rows",
    "define_search_table",
    "index_record",
    "index_records",
    "remove_record",
    "search",
    "search_candidates_by_object",
    "search_candidates_query",
    "search_terms",
    "top_tier",
]

SEARCH_TABLE_NAME = "keyi_search_token"
MAX_WEIGHT = documents.TOP_WEIGHT
"""Field weights are 1, 2 or 3 (PostgreSQL keeps them as lexeme weight classes)."""
ESTIMATE_CAP = 10_000
"""A term with fewer postings than this drives a probe-shaped query (see search_candidates_query).

Measuring costs up to this many index entries per term (~2 ms each on PostgreSQL); above it the
probe shape's per-candidate lookups stop paying off against a plain merge of posting lists."""

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 16

_Text = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked search result. ``score`` is the sum over query terms of the best field weight."""

    object_name: str
    record_id: str
    score: int


def define_search_table(metadata: sa.MetaData) -> sa.Table:
    """Define (not create) the token table on ``metadata``, PostgreSQL's document table beside
    it (:mod:`.documents`) and the one-row table of the index's token rules (:mod:`.rules`); the
    functions here take the token table and use whichever the connection's database keeps. All
    are created on both databases (one stays empty), so one metadata describes every tenant.

    No schema name: the caller maps the tenant's PostgreSQL schema with ``schema_translate_map``;
    on SQLite each tenant has its own file. Constraint and index names are explicit so they do not
    depend on the metadata's naming convention (and stay unique within a schema).
    """
    documents.define_document_table(metadata)
    define_state_table(metadata)
    return sa.Table(
        SEARCH_TABLE_NAME,
        metadata,
        sa.Column("token", _Text, nullable=False),
        sa.Column("object", _Text, nullable=False),
        sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("weight", sa.SmallInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "token",
            "object",
            "record_id",
            name=f"pk_{SEARCH_TABLE_NAME}",
            postgresql_include=["weight"],
        ),
        sa.Index(f"ix_{SEARCH_TABLE_NAME}_record", "object", "record_id"),
        sqlite_with_rowid=False,
    )


# Below this many rows a plain INSERT is as quick as COPY and keeps one code path.
COPY_THRESHOLD = 500


def _document_rows(
    object_name: str, record_id: str, texts: Sequence[tuple[str | None, int]]
) -> list[dict[str, object]]:
    best: dict[str, int] = {}
    for text, weight in texts:
        if weight not in documents.WEIGHT_CLASSES:
            raise ValueError(
                f"search weight must be one of {sorted(documents.WEIGHT_CLASSES)}, got {weight}"
            )
        if not text:
            continue
        for token in tokenize_document(text):
            if best.get(token, 0) < weight:
                best[token] = weight
    return [
        {"token": token, "object": object_name, "record_id": record_id, "weight": weight}
        for token, weight in best.items()
    ]


def _document_table(table: sa.Table) -> sa.Table:
    """PostgreSQL's document table, defined beside ``table`` by :func:`define_search_table`."""
    return table.metadata.tables[documents.DOCUMENT_TABLE_NAME]


def _uses_documents(conn: Connection | str) -> bool:
    name = conn if isinstance(conn, str) else conn.dialect.name
    return name == "postgresql"


def index_record(
    conn: Connection,
    table: sa.Table,
    *,
    object_name: str,
    record_id: str,
    texts: Sequence[tuple[str | None, int]],
) -> None:
    """Replace the record's tokens with those of ``texts`` (``(text, weight)`` pairs).

    Delete-then-insert rather than a diff: it is two statements whatever changed, the insert is one
    ``executemany`` (SQLAlchemy batches it into multi-row ``INSERT``\\ s), and it runs inside the
    caller's transaction so a failed write leaves the old tokens in place.

    Concurrent re-indexing of the *same* record must be serialised by the caller (the records
    service holds the record's row lock; the indexing worker handles one record's events in
    order): two overlapping delete-then-insert transactions would collide on the primary key.
    """
    index_records(conn, table, object_name=object_name, documents=[(record_id, texts)], fresh=False)


def index_records(
    conn: Connection,
    table: sa.Table,
    *,
    object_name: str,
    documents: Sequence[tuple[str, Sequence[tuple[str | None, int]]]],
    fresh: bool = False,
) -> None:
    """:func:`index_record` for many records at once: one delete and one batched insert.

    ``fresh`` says the records were created in this transaction and have no tokens yet, so the
    delete is skipped (it is a third of the cost of a bulk create otherwise).
    """
    if not documents:
        return
    target = _document_table(table) if _uses_documents(conn) else table
    if _uses_documents(conn):
        rows = _documents_rows(object_name, documents)
    else:
        rows = [
            row
            for record_id, texts in documents
            for row in _document_rows(object_name, record_id, texts)
        ]
    if not fresh:
        ids = [record_id for record_id, _ in documents]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(
                target.delete().where(
                    target.c.object == object_name,
                    target.c.record_id == chunk[0]
                    if len(chunk) == 1
                    else target.c.record_id.in_(chunk),
                )
            )
    if len(rows) >= COPY_THRESHOLD and conn.dialect.name == "postgresql":
        copy_rows(conn, target, rows)
    elif rows:
        conn.execute(target.insert(), rows)


def _documents_rows(
    object_name: str, docs: Sequence[tuple[str, Sequence[tuple[str | None, int]]]]
) -> list[dict[str, object]]:
    return documents.document_rows(object_name, docs)


def copy_rows(conn: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    """Bulk rows through PostgreSQL's COPY on the caller's connection (same transaction).

    A bulk create writes a row per record (documents) or ~18 per record (tokens); as one
    statement per row (psycopg's pipelined executemany) that was most of a large import's time.
    """
    from psycopg import sql

    columns = tuple(rows[0])
    # Tenants select their schema with SET LOCAL search_path; a caller that maps it with
    # schema_translate_map instead (SQL that SQLAlchemy compiles) gets it named explicitly.
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(table.schema)
    name = sql.Identifier(schema, table.name) if schema else sql.Identifier(table.name)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        name, sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def remove_record(conn: Connection, table: sa.Table, *, object_name: str, record_id: str) -> None:
    """Delete the record's index entries (by the ``(object, record_id)`` key or index)."""
    target = _document_table(table) if _uses_documents(conn) else table
    conn.execute(
        target.delete().where(target.c.object == object_name, target.c.record_id == record_id)
    )


@dataclass(frozen=True, slots=True)
class _Term:
    """One query term: an exact token (CJK bigram) or a token prefix (everything else).

    ``slot`` is the term's place in the query's canonical order: its values are bound under
    parameter names made from it (:data:`PARAMETER_PREFIX`), so one statement serves every query
    of the same shape however the terms are reordered for it (:class:`SearchTerms`).
    """

    token: str
    prefix: bool
    slot: int

    @property
    def upper(self) -> str | None:
        return prefix_upper_bound(self.token) if self.prefix else None

    def conditions(self, tbl: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        """Index-range conditions on ``tbl.token``: ``= token`` or ``[token, upper bound)``."""
        lower: sa.BindParameter[str] = sa.bindparam(f"{PARAMETER_PREFIX}{self.slot}", self.token)
        if not self.prefix:
            return [tbl.c.token == lower]
        upper = self.upper
        return [tbl.c.token >= lower] + (
            [tbl.c.token < sa.bindparam(f"{PARAMETER_PREFIX}{self.slot}_end", upper)]
            if upper is not None
            else []
        )


PARAMETER_PREFIX = "srch_"
"""Search statements name their bound parameters ``srch_...`` (:meth:`SearchTerms.parameters`)."""


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """A query's terms in the order its statement uses them, and the statement's shape.

    Everything a search statement depends on besides the objects and the reader is :attr:`key`;
    the words themselves are bound parameters (:meth:`parameters`). So a statement built for one
    query serves every query with the same key — the caller can keep it (building a search
    statement cost more CPU than PostgreSQL spent running it).

    Shapes: ``documents`` (PostgreSQL's document table, :func:`_document_candidates`), ``probe``
    and ``merge`` (the token table, see :func:`search_candidates_query`).
    """

    terms: tuple[_Term, ...]
    shape: str
    any_term: bool = False
    """Match records holding *any* of the terms (ranked by how many, and where), not all: for
    suggestions from a sentence (a case's subject), whose words an article rarely holds all of."""

    @property
    def key(self) -> tuple[object, ...]:
        return (
            self.shape,
            self.any_term,
            tuple((t.slot, t.prefix, t.prefix and t.upper is None) for t in self.terms),
        )

    def parameters(self) -> dict[str, str]:
        """The values of the statement's parameters for these terms."""
        values: dict[str, str] = {}
        if self.shape == "documents":
            pairs = [(t.token, t.prefix) for t in self.terms]
            values[f"{PARAMETER_PREFIX}all"] = documents.tsquery_text(pairs, any_term=self.any_term)
            values[f"{PARAMETER_PREFIX}top"] = documents.tsquery_text(pairs, _TOP_LETTER)
            for t in self.terms:
                for letter in _SCORED_LETTERS:
                    values[f"{PARAMETER_PREFIX}{t.slot}{letter}"] = documents.tsquery_text(
                        [(t.token, t.prefix)], letter
                    )
                if self.any_term:
                    values[f"{PARAMETER_PREFIX}{t.slot}"] = documents.tsquery_text(
                        [(t.token, t.prefix)]
                    )
            return values
        for t in self.terms:
            values[f"{PARAMETER_PREFIX}{t.slot}"] = t.token
            upper = t.upper
            if upper is not None:
                values[f"{PARAMETER_PREFIX}{t.slot}_end"] = upper
        return values


_TOP_LETTER = documents.WEIGHT_CLASSES[documents.TOP_WEIGHT]
_SCORED_LETTERS = [
    letter for _, letter in sorted(documents.WEIGHT_CLASSES.items(), reverse=True) if letter
]


def _query_terms(query: str) -> list[_Term]:
    """The query's terms in a deterministic order (so the generated SQL is stable), bounded.

    A pasted paragraph must not become a statement with hundreds of subqueries: the query is cut
    to :data:`MAX_QUERY_CHARS` and at most :data:`MAX_QUERY_TERMS` terms are kept. Dropping terms
    of an AND only widens the result, and that many terms already pin a record down.
    """
    terms = tokenize_query(query[:MAX_QUERY_CHARS])
    ordered = [(tok, False) for tok in sorted(terms.exact)] + [
        (tok, True) for tok in sorted(terms.prefixes, key=lambda p: (-len(p), p))
    ]
    kept = ordered[:MAX_QUERY_TERMS]
    return [_Term(tok, prefix, slot) for slot, (tok, prefix) in enumerate(kept)]


def _object_filter(
    table: sa.FromClause, objects: Collection[str] | None
) -> list[sa.ColumnElement[bool]] | None:
    """``object IN (...)``; ``[]`` for no restriction; ``None`` when nothing can match."""
    if objects is None:
        return []
    names = sorted(set(objects))
    return [table.c.object.in_(names)] if names else None


def _estimate_postings(
    conn: Connection,
    table: sa.Table,
    terms: Sequence[_Term],
    object_filter: Sequence[sa.ColumnElement[bool]],
) -> list[int]:
    """Count each term's index entries, capped at :data:`ESTIMATE_CAP`, in one round trip.

    Each count is a bounded index range scan (~0.2 µs an entry on PostgreSQL), so measuring costs
    at most ``ESTIMATE_CAP`` entries per term however common the term is. Portable, unlike reading
    planner statistics, and exact where it matters (for rare terms).
    """
    counts = []
    for term in terms:
        capped = (
            sa.select(sa.literal(1))
            .select_from(table)
            .where(*term.conditions(table), *object_filter)
            .limit(ESTIMATE_CAP)
            .subquery()
        )
        counts.append(sa.select(sa.func.count()).select_from(capped).scalar_subquery())
    return [int(c) for c in conn.execute(sa.select(*counts)).one()]


def search_terms(
    table: sa.Table,
    query: str,
    objects: Collection[str] | None = None,
    *,
    conn: Connection | None = None,
    dialect: str | None = None,
    any_term: bool = False,
) -> SearchTerms | None:
    """The query's terms and the statement shape that answers it best (see
    :func:`search_candidates_query`); ``None`` when the query has no searchable tokens or
    ``objects`` is empty.

    On the token table the shape depends on the terms' posting counts (measured over all
    ``objects`` together when ``conn`` is given, one capped query), so it is chosen once per
    query and each object's statement is then bounded by it. With ``any_term`` a record
    matches when it holds any term (:attr:`SearchTerms.any_term`): on the token table always
    the merge shape (a probe needs one term every candidate holds).
    """
    terms = _query_terms(query)
    if not terms or (objects is not None and not objects):
        return None
    if _uses_documents(conn if conn is not None else dialect or ""):
        return SearchTerms(tuple(terms), "documents", any_term)
    if any_term:
        return SearchTerms(tuple(terms), "merge", any_term)
    object_filter = _object_filter(table, objects)
    assert object_filter is not None
    shape, ordered = _choose_shape(table, terms, object_filter, conn)
    return SearchTerms(tuple(ordered), shape)


def candidates(
    table: sa.Table, terms: SearchTerms, objects: Collection[str] | None = None
) -> sa.Select[tuple[str, str, int]]:
    """The candidates statement for ``terms`` (columns ``object_name``, ``record_id``,
    ``score``), restricted to ``objects`` when given: one object keeps ``object = name`` on the
    index's second key column."""
    if terms.shape == "documents":
        docs = _document_table(table)
        doc_filter = _names_filter(docs, objects)
        return _document_candidates(docs, terms.terms, doc_filter, any_term=terms.any_term)
    if terms.any_term:
        return _merged_candidates(table, terms.terms, _names_filter(table, objects), any_term=True)
    build = _probed_candidates if terms.shape == "probe" else _merged_candidates
    return build(table, terms.terms, _names_filter(table, objects))


def _names_filter(
    table: sa.FromClause, objects: Collection[str] | None
) -> list[sa.ColumnElement[bool]]:
    if objects is None:
        return []
    names = sorted(set(objects))
    if len(names) == 1:
        return [table.c.object == names[0]]
    return [table.c.object.in_(names)]


def search_candidates_query(
    table: sa.Table,
    query: str,
    *,
    objects: Collection[str] | None = None,
    conn: Connection | None = None,
    dialect: str | None = None,
) -> sa.Select[tuple[str, str, int]] | None:
    """Build the SQL answering ``query``: columns ``object_name``, ``record_id``, ``score``.

    The database (``conn``'s, else ``dialect``, else SQLite's token table) decides the storage:
    on PostgreSQL the document table (:func:`_document_candidates`), elsewhere the token table
    described below. The words are bound parameters with their values (:class:`SearchTerms`).

    Returns ``None`` when the query has no searchable tokens or ``objects`` is empty (the caller
    shows nothing rather than everything). The statement is unordered and unlimited on purpose,
    so the caller can use it as a subquery, join each object's table with its permission
    predicate, then order by ``score DESC, record_id`` and limit — as :func:`search` does.

    Every term is an equality or a bounded range on the leading key column, so every table access
    is an index range scan (only a prefix covering much of the table, say a one-letter query, may
    make PostgreSQL's planner prefer reading it whole). Two shapes, because neither
    wins everywhere (measured at 1M records / 11M token rows on PostgreSQL):

    * **merge** (:func:`_merged_candidates`): read every term's postings, ``UNION ALL``, group by
      record, keep records that matched all terms. Cost = sum of all posting lists; best when all
      terms are common (``有限公司``: 3×500k postings, ~2 s; the probe shape took ~4 s).
    * **probe** (:func:`_probed_candidates`): read the rarest term's postings and check the others
      per candidate with index lookups. Cost = rarest postings × terms; best when one term is rare
      (``北京华信科技有限公司``: ~30 ms instead of ~1.9 s for merge).

    Choosing needs posting counts, so pass ``conn`` to measure them (one capped query); without
    it the merge shape is used, whose cost never depends on a guess.
    """
    terms = search_terms(table, query, objects, conn=conn, dialect=dialect)
    return None if terms is None else candidates(table, terms, objects)


def _document_candidates(
    docs: sa.Table,
    terms: Sequence[_Term],
    object_filter: Sequence[sa.ColumnElement[bool]],
    *,
    any_term: bool = False,
) -> sa.Select[tuple[str, str, int]]:
    """Records whose document holds every term (any term with ``any_term``; one GIN lookup),
    scored from the document."""
    pairs = [(term.token, term.prefix) for term in terms]
    score: sa.ColumnElement[int] = sa.cast(sa.literal(0), sa.Integer)
    for term in terms:
        param = f"{PARAMETER_PREFIX}{term.slot}"
        score = score + (
            documents.optional_term_score(docs, term.token, term.prefix, param=param)
            if any_term
            else documents.term_score(docs, term.token, term.prefix, param=param)
        )
    return sa.select(
        docs.c.object.label("object_name"),
        docs.c.record_id.label("record_id"),
        score.label("score"),
    ).where(
        documents.matches(
            docs,
            documents.tsquery_text(pairs, any_term=any_term),
            param=f"{PARAMETER_PREFIX}all",
        ),
        *object_filter,
    )


def top_tier(
    table: sa.Table, terms: SearchTerms, object_name: str
) -> sa.Select[tuple[str, str, int]] | None:
    """PostgreSQL only: ``object_name``'s records holding every term at the top weight.

    Their score is the best any record can have (``MAX_WEIGHT`` × terms), so when at least
    ``limit`` visible records are in this tier, its first ``limit`` by record id *are* the
    answer, and PostgreSQL finds them by walking the primary key in order, stopping early, which
    keeps a term that half the records hold as cheap as a rare one (see
    :mod:`keyi.platform.query.search`). ``None`` on the token table (SQLite).
    """
    if terms.shape != "documents" or terms.any_term:
        return None
    docs = _document_table(table)
    pairs = [(term.token, term.prefix) for term in terms.terms]
    return sa.select(
        docs.c.object.label("object_name"),
        docs.c.record_id.label("record_id"),
        sa.literal(documents.TOP_WEIGHT * len(terms.terms), sa.Integer).label("score"),
    ).where(
        docs.c.object == object_name,
        documents.matches(
            docs, documents.tsquery_text(pairs, _TOP_LETTER), param=f"{PARAMETER_PREFIX}top"
        ),
    )


def search_candidates_by_object(
    table: sa.Table,
    query: str,
    objects: Collection[str],
    *,
    conn: Connection | None = None,
    dialect: str | None = None,
) -> dict[str, sa.Select[tuple[str, str, int]]]:
    """:func:`search_candidates_query` for each of ``objects`` separately (same columns).

    For permission-filtered search: each object has its own table and access predicate, so the
    caller joins each object's candidates with its table and ranks the union. The query shape is
    chosen once, from posting counts over all ``objects`` together (an upper bound of each
    object's, so a probe chosen for all is a probe bounded for each), and each statement keeps
    ``object = name`` on the index's second key column. Empty when nothing can match.
    """
    names = sorted(set(objects))
    terms = search_terms(table, query, names, conn=conn, dialect=dialect)
    if terms is None:
        return {}
    return {name: candidates(table, terms, [name]) for name in names}


def _choose_shape(
    table: sa.Table,
    terms: Sequence[_Term],
    object_filter: Sequence[sa.ColumnElement[bool]],
    conn: Connection | None,
) -> tuple[str, Sequence[_Term]]:
    """Probe or merge (see :func:`search_candidates_query`), with the terms in driving order."""
    if len(terms) == 1:
        return "probe", terms
    if conn is not None:
        counts = _estimate_postings(conn, table, terms, object_filter)
        rarest = min(range(len(terms)), key=counts.__getitem__)
        if counts[rarest] < ESTIMATE_CAP:
            ordered = [term for _, term in sorted(zip(counts, terms, strict=True), key=_first)]
            return "probe", ordered
    return "merge", terms


def _first(pair: tuple[int, _Term]) -> int:
    return pair[0]


def _postings(
    table: sa.FromClause, term: _Term, object_filter: Sequence[sa.ColumnElement[bool]]
) -> sa.Select[tuple[str, str, int]]:
    """One row per record matching ``term``: exact tokens are unique per record already; a prefix
    can match several tokens of one record, which count once, with their best weight."""
    t = table.c
    if not term.prefix:
        return sa.select(t.object, t.record_id, t.weight).where(
            *term.conditions(table), *object_filter
        )
    return (
        sa.select(t.object, t.record_id, sa.func.max(t.weight).label("weight"))
        .where(*term.conditions(table), *object_filter)
        .group_by(t.object, t.record_id)
    )


def _merged_candidates(
    table: sa.Table,
    terms: Sequence[_Term],
    object_filter: Sequence[sa.ColumnElement[bool]],
    *,
    any_term: bool = False,
) -> sa.Select[tuple[str, str, int]]:
    """``UNION ALL`` of all terms' postings, grouped; ``HAVING count(*) = n`` is the AND (left
    out with ``any_term``: the sum of weights then ranks records by how many terms they hold)."""
    hits = sa.union_all(*(_postings(table, term, object_filter) for term in terms)).subquery("hits")
    stmt = sa.select(
        hits.c.object.label("object_name"),
        hits.c.record_id.label("record_id"),
        sa.func.sum(hits.c.weight).label("score"),
    ).group_by(hits.c.object, hits.c.record_id)
    return stmt if any_term else stmt.having(sa.func.count() == len(terms))


def _probed_candidates(
    table: sa.Table, terms: Sequence[_Term], object_filter: Sequence[sa.ColumnElement[bool]]
) -> sa.Select[tuple[str, str, int]]:
    """Postings of ``terms[0]`` (the driver); each other term checked per candidate.

    The check is a correlated ``EXISTS`` on the token table: a primary-key lookup for an exact
    term; for a prefix, both planners pick the ``(object, record_id)`` index, i.e. the candidate's
    own few tokens, rather than the whole prefix range. The other terms' weights are fetched the
    same way, only for matching records.

    The probes carry ``LIMIT 1 OFFSET 0`` so that PostgreSQL keeps them as per-candidate subplans
    instead of pulling them up into semi-joins. Pulled up, it (a) searched join orders over every
    term — 95 ms of planning for the 9 terms of ``北京华信科技有限公司`` against 6 ms of execution
    — and (b) misjudged a rare driver (estimated 486 postings for ``王芳``, actually 27) and
    hash-joined it with the 140k postings of the prefix ``13``: 93 ms instead of ~1 ms. The driver
    has fewer than :data:`ESTIMATE_CAP` postings by construction, so per-candidate lookups are
    bounded and are the right plan. SQLite runs correlated subqueries this way regardless.
    """
    driver, *others = terms
    d = _postings(table, driver, object_filter).subquery("d")
    # Integer: on PostgreSQL smallint + smallint stays smallint and could overflow.
    score: sa.ColumnElement[int] = sa.cast(d.c.weight, sa.Integer)
    matched: list[sa.ColumnElement[bool]] = []
    for i, term in enumerate(others, start=1):
        probe = table.alias(f"p{i}")
        same_record = [
            *term.conditions(probe),
            probe.c.object == d.c.object,
            probe.c.record_id == d.c.record_id,
        ]
        matched.append(sa.select(sa.literal(1)).where(*same_record).limit(1).offset(0).exists())
        weight = sa.func.max(probe.c.weight) if term.prefix else probe.c.weight
        score = score + sa.select(weight).where(*same_record).scalar_subquery()
    return sa.select(
        d.c.object.label("object_name"), d.c.record_id.label("record_id"), score.label("score")
    ).where(*matched)


def search(
    conn: Connection,
    table: sa.Table,
    query: str,
    *,
    objects: Collection[str] | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Search without permission filtering: best score first, ties by record id.

    Measures the terms' posting counts first (``conn`` is passed on) so the cheaper query shape is
    used; that is one extra, bounded round trip for multi-term queries.

    For user-facing search use :func:`keyi.platform.query.search.search_records`, which joins
    each object's permission predicate before ranking (search must not bypass
    record access).
    """
    if limit <= 0:
        return []
    terms = search_terms(table, query, objects, conn=conn)
    if terms is None:
        return []
    ranked = candidates(table, terms, objects).subquery("ranked")
    full: sa.Select[Any] = (
        sa.select(ranked.c.object_name, ranked.c.record_id, ranked.c.score)
        .order_by(ranked.c.score.desc(), ranked.c.record_id, ranked.c.object_name)
        .limit(limit)
    )
    # Without named objects there is no per-object walk to take: rank every candidate.
    names = sorted(set(objects)) if objects is not None else []
    if terms.shape == "documents" and names:
        full = _top_tier_first(table, terms, names, full, limit)
    plan_with_values(conn)  # see keyi.platform.search.planning
    rows = conn.execute(full)
    return [SearchHit(str(o), str(r), int(s)) for o, r, s in rows]


def _top_tier_first(
    table: sa.Table,
    terms: SearchTerms,
    names: Sequence[str],
    full: sa.Select[Any],
    limit: int,
) -> sa.Select[Any]:
    """``full``, unless at least ``limit`` records are in the top tier (see :func:`top_tier`):
    then the tier's first ``limit`` by record id, in one statement.

    Each object's tier is cut to ``limit`` on its own (a walk of its primary key); if their union
    holds ``limit`` records, the global best ``limit`` are among them."""
    tiers = []
    for name in names:
        best = top_tier(table, terms, name)
        assert best is not None
        tiers.append(best.order_by(best.selected_columns.record_id).limit(limit).subquery())
    union = sa.union_all(*(sa.select(*t.c) for t in tiers)).cte("tier")
    filled = sa.select(sa.func.count()).select_from(union).scalar_subquery()
    ranked = full.subquery("full")
    either = sa.union_all(
        sa.select(union.c.object_name, union.c.record_id, union.c.score).where(filled >= limit),
        sa.select(ranked.c.object_name, ranked.c.record_id, ranked.c.score).where(filled < limit),
    ).subquery("either")
    return (
        sa.select(either.c.object_name, either.c.record_id, either.c.score)
        .order_by(either.c.score.desc(), either.c.record_id, either.c.object_name)
        .limit(limit)
    )
