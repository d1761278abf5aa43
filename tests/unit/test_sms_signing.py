"""The SMS adapters' signatures against the vendors' published worked examples.

The expected values are copied from the vendors' documentation, not computed by this code:
Alibaba Cloud's RPC signature page (DescribeRegions, secret ``testsecret``) and its SMS
signature example (SendSms, secret ``testSecret``); Tencent Cloud's "Signature v3" page
(DescribeInstances, secret ``Gu5t9xGARNpq86cd98joQYCN3EXAMPLE``, timestamp 1551113065).
"""

from __future__ import annotations

from keyi.platform.sms import aliyun, tencent
from keyi.platform.sms.provider import e164, mainland_or_international, segments

ALIYUN_ECS = {
    "Timestamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}
ALIYUN_SMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_aliyun_rpc_signature_matches_the_documented_example() -> None:
    assert aliyun.string_to_sign("GET", ALIYUN_ECS) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26"
    )
    assert aliyun.rpc_signature("GET", ALIYUN_ECS, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_sendsms_signature_matches_the_documented_example() -> None:
    to_sign = aliyun.string_to_sign("GET", ALIYUN_SMS)
    assert "SignName%3D%25E9%2598%25BF%25E9%2587%258C" in to_sign  # UTF-8, encoded twice
    assert "TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D" in to_sign
    assert aliyun.rpc_signature("GET", ALIYUN_SMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # The Signature parameter itself is never signed; another secret gives another signature.
    assert aliyun.rpc_signature("GET", {**ALIYUN_SMS, "Signature": "x"}, "testSecret") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )
    assert aliyun.rpc_signature("GET", ALIYUN_SMS, "testSecreT") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_percent_encoding_keeps_only_unreserved_characters() -> None:
    assert aliyun.percent_encode("a b*c~d-_.") == "a%20b%2Ac~d-_."
    assert aliyun.percent_encode("/=&+") == "%2F%3D%26%2B"
    assert aliyun.percent_encode("派") == "%E6%B4%BE"


TENCENT_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)


def test_tencent_tc3_matches_the_documented_example() -> None:
    canonical = tencent.canonical_request(
        "cvm.tencentcloudapi.com", TENCENT_PAYLOAD, "application/json; charset=utf-8"
    )
    assert canonical.endswith(
        "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    to_sign = tencent.string_to_sign(1551113065, "cvm", canonical)
    assert to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    secret = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
    assert tencent.signature(secret, 1551113065, "cvm", to_sign) == (
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )
    header = tencent.authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret,
        host="cvm.tencentcloudapi.com",
        payload=TENCENT_PAYLOAD,
        timestamp=1551113065,
        service="cvm",
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_tencent_date_is_the_utc_date_of_the_timestamp() -> None:
    # 2019-02-26 00:44:25 in UTC+8 is still 2019-02-25 in UTC (the documentation's warning).
    assert "\n2019-02-25/sms/tc3_request\n" in tencent.string_to_sign(1551113065, "sms", "x")


def test_phone_numbers_and_segments() -> None:
    assert e164("138 1234 5678") == "+8613812345678"
    assert e164("+86 138-1234-5678") == "+8613812345678"
    assert e164("12345") is None
    assert e164(None) is None
    assert mainland_or_international("+8613812345678") == "13812345678"
    assert mainland_or_international("+85291234567") == "85291234567"
    assert segments("") == 0
    assert segments("好" * 70) == 1
    assert segments("好" * 71) == 2
    assert segments("好" * 134) == 2
    assert segments("好" * 135) == 3
