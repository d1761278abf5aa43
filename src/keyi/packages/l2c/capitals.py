"""Amounts in Chinese financial capitals (人民币大写), as printed on quotes, contracts and invoices.

Chinese business documents state the total a second time in capital numerals (壹贰叁…), which
cannot be altered by adding a stroke; a contract's amount in words is the legally binding one.
The conventions followed here are those of the People's Bank of China's rules for filling in
payment instruments (《支付结算办法》 附件《正确填写票据和结算凭证的基本规定》):

- digits 零壹贰叁肆伍陆柒捌玖 with the units 拾佰仟 inside a group of four, and 万/亿 between
  groups; ``10`` is written 壹拾 (never the colloquial 拾);
- a run of zeros in the middle is written as one 零; trailing zeros of the yuan part are dropped;
  a whole group of zeros (e.g. the 万 group of 100 010 000) gives one 零 before what follows;
- the yuan part ends with 元, followed by 角 and 分; an amount with no 角 and no 分 ends with 整;
  a 分 without 角 after a non-zero yuan part gets 零 (壹拾元零伍分);
- below one yuan only 角/分 are written (0.05 → 伍分); zero is 零元整; negative amounts are
  prefixed with 负.

Amounts are rounded half-up to the fen (0.01) first, like every money figure in Keyi.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["to_chinese_capital"]

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS = ("仟", "佰", "拾", "")
_CENT = Decimal("0.01")
_WAN = 10**4
_YI = 10**8


def _group(number: int) -> str:
    """1..9999 without leading zeros: inner runs of zeros become one 零, trailing ones vanish."""
    text: list[str] = []
    zero_pending = False
    for unit, digit in zip(_GROUP_UNITS, f"{number:04d}", strict=True):
        if digit == "0":
            zero_pending = bool(text)
            continue
        if zero_pending:
            text.append("零")
            zero_pending = False
        text.append(DIGITS[int(digit)] + unit)
    return "".join(text)


def _integer(number: int) -> str:
    """A positive whole number of yuan, in 亿/万 sections (亿 recursively, so 万亿 works)."""
    if number >= _YI:
        high, low = divmod(number, _YI)
        text = _integer(high) + "亿"
        if low:
            # The eight digits below 亿 start with a zero: say it once.
            text += ("零" if low < _YI // 10 else "") + _integer(low)
        return text
    if number >= _WAN:
        high, low = divmod(number, _WAN)
        text = _group(high) + "万"
        if low:
            text += ("零" if low < _WAN // 10 else "") + _group(low)
        return text
    return _group(number)


def to_chinese_capital(amount: Decimal) -> str:
    """``Decimal("1004.50")`` → ``"壹仟零肆元伍角"``; see the module's docstring for the rules."""
    if not isinstance(amount, Decimal):
        raise TypeError("to_chinese_capital takes a Decimal (money is never a float)")
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    cents = int(amount.quantize(_CENT, rounding=ROUND_HALF_UP).scaleb(2))
    sign = "负" if cents < 0 else ""
    yuan, rest = divmod(abs(cents), 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    if not rest:
        text += "整"
    return sign + text
