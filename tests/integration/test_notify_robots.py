"""Group robots against local HTTP servers that impersonate WeCom, DingTalk and Feishu.

The fakes (tests/integration/robot_fakes.py) check each request the way the vendor documents
it and recompute the signature themselves from the published algorithm, then answer like the
vendor: HTTP 200 with `errcode`/`code` in the body.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from keyi.platform.errors import ValidationFailed
from keyi.platform.notify import RobotChannel, RobotMessage, SendResult, robot_channel, robots
from tests.integration.robot_fakes import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    WECOM_KEY,
    Received,
    dingtalk,
    dingtalk_signature,
    feishu,
    feishu_signature,
    wecom,
)

MESSAGE = RobotMessage(
    title="商机“华为云年度框架”已赢单",
    text="金额：¥880,000.00\n负责人：王芳",
    url="https://crm.example.com/r/opportunity/0192",
)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


# ------------------------------------------------------------------ WeCom
def test_wecom_markdown_and_text(serve: Any, client: httpx.Client) -> None:
    vendor = serve(wecom)
    url = f"{vendor.base_url}/cgi-bin/webhook/send?key={WECOM_KEY}"
    result = robots.send(RobotChannel("wecom", url), MESSAGE, client=client)
    assert result.ok and result.status_code == 200 and result.error is None
    body = vendor.received[-1].body
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith(f"### [{MESSAGE.title}]({MESSAGE.url})")
    assert MESSAGE.text in content

    plain = RobotChannel("wecom", url, markdown=False)
    assert robots.send(plain, MESSAGE, client=client).ok
    assert vendor.received[-1].body == {
        "msgtype": "text",
        "text": {"content": f"{MESSAGE.title}\n{MESSAGE.text}\n{MESSAGE.url}"},
    }


def test_wecom_long_content_is_clipped_to_the_vendors_limit(
    serve: Any, client: httpx.Client
) -> None:
    vendor = serve(wecom)
    url = f"{vendor.base_url}/cgi-bin/webhook/send?key={WECOM_KEY}"
    long = RobotMessage("标题", "长" * 3000)  # 9000 bytes of UTF-8
    assert robots.send(RobotChannel("wecom", url), long, client=client).ok
    assert robots.send(RobotChannel("wecom", url, markdown=False), long, client=client).ok
    text = vendor.received[-1].body["text"]["content"]
    assert text.endswith("…") and len(text.encode()) <= 2048


def test_vendor_error_answers_are_failures_with_the_vendors_message(
    serve: Any, client: httpx.Client
) -> None:
    vendor = serve(lambda request: (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    url = f"{vendor.base_url}/cgi-bin/webhook/send?key={WECOM_KEY}"
    result = robots.send(RobotChannel("wecom", url), MESSAGE, client=client)
    assert not result.ok
    assert result.status_code == 200
    assert result.error == "wecom error 45009: api freq out of limit"
    assert result.retryable  # a rate limit: later may work

    wrong_key = serve(wecom)
    result = robots.send(
        RobotChannel("wecom", f"{wrong_key.base_url}/cgi-bin/webhook/send?key=nope"),
        MESSAGE,
        client=client,
    )
    assert not result.ok and not result.retryable
    assert result.error == "wecom error 93000: invalid webhook url"


# ------------------------------------------------------------------ DingTalk
def _a_moment_whose_signature_has_plus_and_slash() -> float:
    """A time near now whose signature contains '+' and '/', the characters a signature
    must have percent-encoded in a query string (a bare '+' would read as a space)."""
    start = int(time.time() * 1000)
    for ms in range(start, start + 10_000):
        signature = dingtalk_signature(DINGTALK_SECRET, str(ms))
        if "+" in signature and "/" in signature:
            return ms / 1000
    raise AssertionError("no such moment")


def test_dingtalk_signed_markdown(serve: Any, client: httpx.Client) -> None:
    vendor = serve(dingtalk)
    channel = RobotChannel(
        "dingtalk",
        f"{vendor.base_url}/robot/send?access_token={DINGTALK_TOKEN}",
        secret=DINGTALK_SECRET,
    )
    moment = _a_moment_whose_signature_has_plus_and_slash()
    result = robots.send(channel, MESSAGE, client=client, now=moment)
    assert result.ok, result.error
    request = vendor.received[-1]
    assert request.query["timestamp"] == [str(int(moment * 1000))]  # milliseconds
    assert "+" not in request.raw_query and "%2B" in request.raw_query
    assert request.body == {
        "msgtype": "markdown",
        "markdown": {
            "title": MESSAGE.title,
            "text": f"#### [{MESSAGE.title}]({MESSAGE.url})\n\n{MESSAGE.text}",
        },
    }

    plain = RobotChannel("dingtalk", channel.url, secret=DINGTALK_SECRET, markdown=False)
    assert robots.send(plain, RobotMessage("标题", "内容"), client=client).ok
    assert vendor.received[-1].body == {"msgtype": "text", "text": {"content": "标题\n内容"}}


def test_dingtalk_bad_signature_and_stale_timestamp(serve: Any, client: httpx.Client) -> None:
    vendor = serve(dingtalk)
    url = f"{vendor.base_url}/robot/send?access_token={DINGTALK_TOKEN}"
    wrong = robots.send(RobotChannel("dingtalk", url, secret="SECwrong"), MESSAGE, client=client)
    assert not wrong.ok and not wrong.retryable
    assert wrong.error is not None and wrong.error.startswith("dingtalk error 310000: sign not")
    assert "SECwrong" not in wrong.error and DINGTALK_TOKEN not in wrong.error

    stale = robots.send(
        RobotChannel("dingtalk", url, secret=DINGTALK_SECRET),
        MESSAGE,
        client=client,
        now=time.time() - 2 * 3600,
    )
    assert not stale.ok and "310000" in (stale.error or "")

    unsigned = robots.send(RobotChannel("dingtalk", url), MESSAGE, client=client)
    assert not unsigned.ok
    assert "timestamp" not in vendor.received[-1].query


# ------------------------------------------------------------------ Feishu
def test_feishu_signed_post_and_text(serve: Any, client: httpx.Client) -> None:
    vendor = serve(feishu)
    url = f"{vendor.base_url}/open-apis/bot/v2/hook/{FEISHU_HOOK}"
    channel = RobotChannel("feishu", url, secret=FEISHU_SECRET)
    result = robots.send(channel, MESSAGE, client=client, now=time.time())
    assert result.ok, result.error
    body = vendor.received[-1].body
    assert body["timestamp"].isdigit() and abs(int(body["timestamp"]) - time.time()) < 60
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == MESSAGE.title
    assert post["content"] == [
        [{"tag": "text", "text": "金额：¥880,000.00"}],
        [{"tag": "text", "text": "负责人：王芳"}],
        [{"tag": "a", "text": MESSAGE.url, "href": MESSAGE.url}],
    ]

    plain = RobotChannel("feishu", url, secret=FEISHU_SECRET, markdown=False)
    assert robots.send(plain, RobotMessage("标题", "内容"), client=client).ok
    body = vendor.received[-1].body
    assert body["msg_type"] == "text" and body["content"] == {"text": "标题\n内容"}


def test_feishu_bad_signature(serve: Any, client: httpx.Client) -> None:
    vendor = serve(feishu)
    url = f"{vendor.base_url}/open-apis/bot/v2/hook/{FEISHU_HOOK}"
    result = robots.send(RobotChannel("feishu", url, secret="wrong"), MESSAGE, client=client)
    assert not result.ok and result.status_code == 200 and not result.retryable
    assert result.error == (
        "feishu error 19021: sign match fail or timestamp is not within one hour from current time"
    )
    # The DingTalk recipe (secret as key, "timestamp\nsecret" as message) is not Feishu's.
    moment = int(time.time())
    assert robots.feishu_sign(FEISHU_SECRET, moment) == feishu_signature(FEISHU_SECRET, str(moment))
    assert robots.feishu_sign(FEISHU_SECRET, moment) != dingtalk_signature(
        FEISHU_SECRET, str(moment)
    )


# ------------------------------------------------------------------ transport failures
def test_http_errors_redirects_and_unreachable_hosts(serve: Any, client: httpx.Client) -> None:
    broken = serve(lambda request: (502, {"message": "bad gateway"}))
    result = robots.send(
        RobotChannel("feishu", f"{broken.base_url}/open-apis/bot/v2/hook/x"), MESSAGE, client=client
    )
    assert not result.ok and result.status_code == 502 and result.retryable
    assert result.error == "HTTP 502"

    moved = serve(lambda request: (302, {}))
    result = robots.send(
        RobotChannel("wecom", f"{moved.base_url}/cgi-bin/webhook/send?key=k"),
        MESSAGE,
        client=client,
    )
    assert not result.ok and result.status_code == 302
    assert [r.path for r in moved.received] == ["/cgi-bin/webhook/send"]  # not followed

    not_json = serve(lambda request: (200, {"unexpected": True}))
    result = robots.send(RobotChannel("wecom", not_json.base_url), MESSAGE, client=client)
    assert not result.ok and result.error == "unexpected answer (no result code)"

    with socket_port() as port:
        url = f"http://127.0.0.1:{port}/robot/send?access_token={DINGTALK_TOKEN}"
        result = robots.send(
            RobotChannel("dingtalk", url, secret=DINGTALK_SECRET), MESSAGE, client=client
        )
    assert not result.ok and result.retryable and result.status_code is None
    assert result.error is not None and "ConnectError" in result.error
    assert DINGTALK_TOKEN not in result.error and DINGTALK_SECRET not in result.error


@contextmanager
def socket_port() -> Iterator[int]:
    """A local port with nothing listening on it (held bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


# ------------------------------------------------------------------ configuration
def test_channel_configuration_is_validated_and_keeps_credentials_out_of_repr() -> None:
    channel = robot_channel(
        {
            "vendor": "dingtalk",
            "url": f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}",
            "secret": DINGTALK_SECRET,
        }
    )
    assert channel.vendor == "dingtalk" and channel.markdown
    assert DINGTALK_TOKEN not in repr(channel) and DINGTALK_SECRET not in repr(channel)

    with pytest.raises(ValidationFailed) as caught:
        robot_channel(
            {"vendor": "slack", "url": "ftp://x", "secret": 5, "markdown": "yes", "extra": 1}
        )
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("vendor", "invalid_option"),
        ("url", "invalid_url"),
        ("secret", "invalid_text"),
        ("markdown", "invalid_boolean"),
        ("extra", "unknown_field"),
    }
    with pytest.raises(ValidationFailed) as caught:
        robot_channel({"vendor": "wecom", "url": "https://qyapi.weixin.qq.com/x", "secret": "s"})
    assert [(e.field, e.code) for e in caught.value.errors] == [("secret", "unknown_field")]
    with pytest.raises(ValidationFailed) as caught:
        robot_channel({"vendor": "feishu"})
    assert [(e.field, e.code) for e in caught.value.errors] == [("url", "required")]


def test_errors_never_carry_the_robots_credentials(serve: Any, client: httpx.Client) -> None:
    def echoing(request: Received) -> tuple[int, dict[str, Any]]:
        key = request.query["key"][0]
        return 200, {"errcode": 93000, "errmsg": f"invalid webhook url, key={key} " + "x" * 900}

    vendor = serve(echoing)
    url = f"{vendor.base_url}/cgi-bin/webhook/send?key={WECOM_KEY}"
    result = robots.send(RobotChannel("wecom", url), MESSAGE, client=client)
    assert not result.ok and result.error is not None
    assert WECOM_KEY not in result.error and "key=***" in result.error
    assert len(result.error) <= 500

    invalid = robots.send(RobotChannel("wecom", "http://[::1"), MESSAGE, client=client)
    assert invalid == SendResult(ok=False, error="invalid robot URL")
