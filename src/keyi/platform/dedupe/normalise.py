"""Normalised keys for duplicate matching: company names, mobile numbers, emails, USCCs.

Two spellings of one company or person must give the same key, so matching is an exact,
indexed comparison of stored keys instead of fuzzy scans over a million accounts. The keys are
deliberately forgiving (a legal form, a region, full-width characters or a +86 do not make a
company or a number different): they propose candidates, a person decides.
"""

from __future__ import annotations

import re
import unicodedata

from keyi.platform.dedupe.regions import REGIONS, SUFFIXES
from keyi.platform.expressions.lib_codes import is_uscc

# Chinese legal forms at the end of a name, longest first (股份有限公司 before 有限公司).
CN_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "集团",
    "公司",
    "股份",
)
# English legal forms at the end of a name: "Co., Ltd.", "Inc.", "LLC", "Limited" ...
EN_LEGAL_FORM = re.compile(
    r"(?:^|[\s,.&]+)(?:co|ltd|limited|inc|incorporated|llc|l\.l\.c|corp|corporation|company"
    r"|gmbh|plc|group)[\s,.]*$"
)
# Parenthesised parts, after NFKC turned （ ） into ( ): (中国), (北京), [HK], 【总部】.
BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^】]*】")
NOT_WORD = re.compile(r"[\W_]+")
# What is left of a name once a leading region is removed must still say something.
MIN_REST = 2
CN_MOBILE = re.compile(r"1[3-9]\d{9}")


def _fold(text: str) -> str:
    """Full-width → half-width (NFKC: ＡＢＣ１２３（） → ABC123()), lower case, trimmed."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def _strip_suffixes(text: str, suffixes: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def _strip_regions(text: str) -> str:
    """Leading regions with their administrative suffix: 广东省深圳市某某 → 某某."""
    changed = True
    while changed:
        changed = False
        for region in REGIONS:
            if not text.startswith(region):
                continue
            rest = text[len(region) :]
            for suffix in SUFFIXES:
                if rest.startswith(suffix):
                    rest = rest[len(suffix) :]
                    break
            if len(rest) >= MIN_REST:
                text = rest
                changed = True
            break
    return text


def normalise_company_name(name: str | None) -> str | None:
    """The matching key of a company name; None when nothing is left to match on.

    北京某某科技有限公司, 某某科技（北京）有限公司 and 某某科技 share the key 某某科技;
    "Acme Trading Co., Ltd." and "ACME TRADING" share acmetrading."""
    if not name:
        return None
    text = BRACKETED.sub(" ", _fold(name))
    while True:
        shorter = EN_LEGAL_FORM.sub("", text)
        if shorter == text or not shorter.strip():
            break
        text = shorter
    text = NOT_WORD.sub("", text)
    text = _strip_suffixes(text, CN_LEGAL_FORMS)
    text = _strip_regions(text)
    return text or None


def normalise_mobile(number: str | None) -> str | None:
    """A mobile number in E.164 (+8613812345678); None when it is not one.

    Chinese mobiles come with or without +86 / 0086 / 86, with spaces, dashes, dots or
    parentheses; other international numbers keep their country code."""
    if not number:
        return None
    text = unicodedata.normalize("NFKC", number).strip()
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international:
        if digits.startswith("86"):
            national = digits[2:]
        else:
            return f"+{digits}" if 7 <= len(digits) <= 15 else None
    elif len(digits) == 13 and digits.startswith("86"):
        national = digits[2:]
    elif len(digits) == 12 and digits.startswith("01"):
        national = digits[1:]  # a trunk 0 some people dial before a mobile
    else:
        national = digits
    return f"+86{national}" if CN_MOBILE.fullmatch(national) else None


def normalise_email(email: str | None) -> str | None:
    """Lower case, trimmed; None when it cannot be an address."""
    if not email:
        return None
    text = unicodedata.normalize("NFKC", email).strip().lower()
    if text.count("@") != 1 or any(c.isspace() for c in text):
        return None
    local, domain = text.split("@")
    return text if local and domain else None


def normalise_credit_code(code: str | None) -> str | None:
    """A unified social credit code as printed (upper case, no spaces); None if invalid."""
    if not code:
        return None
    text = re.sub(r"[\s-]+", "", unicodedata.normalize("NFKC", code)).upper()
    return text if is_uscc(text) else None
