"""Check functions for registry codes: IS_USCC.

A unified social credit code (统一社会信用代码, GB 32100-2015) is 18 characters from a
31-character set (digits and upper-case letters without I, O, Z, S, V) whose last character is a
weighted mod-31 check over the first 17. Validation rules call ``IS_USCC(credit_code)``; the
SQL form lets a formula or a report filter on it too, so the rule is one row here for both
backends rather than a special case in any package.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from keyi.platform.expressions.kinds import TEXT, ValueType
from keyi.platform.expressions.spec import Spec, py1, signature
from keyi.platform.expressions.sqlgen import SqlContext, SqlExpr, Typed, binop

#: The code's alphabet in value order: a character's value is its index.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weight of positions 1-17 (3**i mod 31).
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18


def uscc_check_char(head: str) -> str:
    """The check character for the first 17 characters (which must be in the charset)."""
    total = sum(
        USCC_CHARSET.index(ch) * weight for ch, weight in zip(head, USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_uscc(code: str) -> bool:
    """Whether ``code`` is a well-formed unified social credit code (exact: no trimming, no
    case folding — a stored code should be stored as printed on the licence)."""
    if len(code) != USCC_LENGTH or any(ch not in USCC_CHARSET for ch in code):
        return False
    return code[-1] == uscc_check_char(code[:-1])


def _is_uscc_sql(ctx: SqlContext, args: Sequence[Typed], _kind: ValueType) -> SqlExpr:
    """Length, charset and check character in plain SQL (substr/strpos or instr, %, =)."""
    code = args[0].el
    charset = ctx.text(USCC_CHARSET)
    length = sa.func.char_length if ctx.pg else sa.func.length
    position = sa.func.strpos if ctx.pg else sa.func.instr

    def char(index: int) -> SqlExpr:
        return sa.func.substr(code, index, 1, type_=sa.Text())

    # 1-based position of each character in the charset; 0 when it is not in it.
    found = [position(charset, char(i), type_=sa.Integer()) for i in range(1, USCC_LENGTH + 1)]
    total = sum(
        (binop(binop(found[i], "-", 1), "*", weight) for i, weight in enumerate(USCC_WEIGHTS)),
        start=sa.literal(0, sa.Integer()),
    )
    check_index = binop(binop(sa.literal(31, sa.Integer()), "-", binop(total, "%", 31)), "%", 31)
    expected = sa.func.substr(charset, binop(check_index, "+", 1), 1, type_=sa.Text())
    return sa.and_(
        binop(length(code, type_=sa.Integer()), "=", USCC_LENGTH, comparison=True),
        *(binop(f, ">", 0, comparison=True) for f in found),
        binop(char(USCC_LENGTH), "=", expected, comparison=True),
    )


SPECS: list[Spec] = [
    Spec(
        "IS_USCC",
        1,
        1,
        signature(TEXT, returns=ValueType.BOOLEAN, name="IS_USCC"),
        py1(is_uscc),
        _is_uscc_sql,
    ),
]
