"""Normalised matching keys (keyi.platform.dedupe): tables of real spellings, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyi.platform.dedupe import (
    normalise_company_name,
    normalise_credit_code,
    normalise_email,
    normalise_mobile,
)
from keyi.platform.dedupe.regions import CITIES, PROVINCES
from keyi.platform.expressions.lib_codes import USCC_CHARSET, uscc_check_char


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (
            ["北京某某科技有限公司", "某某科技", "某某科技（北京）有限公司", "北京市某某科技"],
            "某某科技",
        ),
        (
            ["广东省深圳市腾讯计算机系统有限公司", "腾讯计算机系统", "深圳腾讯计算机系统有限公司"],
            "腾讯计算机系统",
        ),
        (["内蒙古伊利实业集团股份有限公司", "伊利实业", "伊利实业集团"], "伊利实业"),
        (["新疆维吾尔自治区天山科技有限责任公司", "天山科技"], "天山科技"),
        (["华为技术有限公司", "华为技术（中国）有限公司", "华为技术 股份有限公司"], "华为技术"),
        (
            ["Acme Trading Co., Ltd.", "ACME TRADING", "acme trading limited", "Acme Trading Inc."],
            "acmetrading",
        ),
        (["Globex LLC", "GLOBEX", "Globex Corp."], "globex"),
        (["ＡＢＣ科技有限公司", "abc科技", "ABC 科技"], "abc科技"),
    ],
)
def test_spellings_of_one_company_share_a_key(spellings: list[str], key: str) -> None:
    assert {normalise_company_name(s) for s in spellings} == {key}


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("北京某某科技有限公司", "北京某某软件有限公司"),
        ("Acme Trading", "Acme Holding"),
        ("华为", "中兴"),
    ],
)
def test_different_companies_differ(left: str, right: str) -> None:
    assert normalise_company_name(left) != normalise_company_name(right)


def test_a_region_alone_is_not_stripped_to_nothing() -> None:
    assert normalise_company_name("北京公司") == "北京"
    assert normalise_company_name("上海") == "上海"
    assert normalise_company_name("") is None
    assert normalise_company_name(None) is None


@given(
    region=st.sampled_from(PROVINCES + CITIES),
    suffix=st.sampled_from(["", "省", "市"]),
    core=st.text(alphabet="星河云帆智能数据网络", min_size=2, max_size=6),
    form=st.sampled_from(["", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]),
)
def test_region_and_legal_form_never_matter(region: str, suffix: str, core: str, form: str) -> None:
    assert normalise_company_name(f"{region}{suffix}{core}{form}") == normalise_company_name(core)


@given(st.text(max_size=40))
def test_company_key_is_idempotent_and_total(name: str) -> None:
    key = normalise_company_name(name)
    assert key is None or (key and key == key.strip() and " " not in key)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ科技贸易 ", min_size=1, max_size=20))
def test_full_width_and_case_do_not_matter(name: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) if "A" <= c <= "Z" else c for c in name)
    assert normalise_company_name(full_width) == normalise_company_name(name.lower())


@pytest.mark.parametrize(
    "spelling",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 13812345678",
        "8613812345678",
        "(+86) 138-1234-5678",
        "＋８６１３８１２３４５６７８",
        "013812345678",
    ],
)
def test_cn_mobile_spellings(spelling: str) -> None:
    assert normalise_mobile(spelling) == "+8613812345678"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+1 415 555 0100", "+14155550100"),
        ("0044 20 7946 0958", "+442079460958"),
        ("010-12345678", None),  # a Beijing landline, not a mobile
        ("12345678901", None),  # no mobile prefix 12x
        ("", None),
        (None, None),
        ("call me", None),
    ],
)
def test_other_numbers(number: str | None, expected: str | None) -> None:
    assert normalise_mobile(number) == expected


@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from(["", "+86", "0086", "86", "+86 "]),
)
def test_every_cn_mobile_gets_one_e164_key(national: str, prefix: str) -> None:
    assert normalise_mobile(prefix + national) == "+86" + national


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("  Zhang.Wei@Example.COM ", "zhang.wei@example.com"),
        ("zhang@example.com", "zhang@example.com"),
        ("not an email", None),
        ("a@b@c", None),
        ("", None),
    ],
)
def test_emails(email: str, expected: str | None) -> None:
    assert normalise_email(email) == expected


@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17))
def test_credit_codes(head: str) -> None:
    code = head + uscc_check_char(head)
    assert normalise_credit_code(code) == code
    assert normalise_credit_code(f" {code.lower()[:6]} {code.lower()[6:]} ") == code
    wrong = head + USCC_CHARSET[(USCC_CHARSET.index(code[-1]) + 1) % 31]
    assert normalise_credit_code(wrong) is None
