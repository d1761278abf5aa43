"""Webhook target URLs: the SSRF guard (schemes, credentials, private and special addresses).

Only literal addresses, `localhost` and a name under `.invalid` (RFC 2606: never resolves)
are used, so nothing depends on outside DNS; nothing here connects anywhere.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.i18n import MESSAGES, message
from keyi.platform.webhooks import address_allowed, check_url
from keyi.settings import Settings


def refusal(url: str, *, allow_private: bool = False) -> FieldError:
    with pytest.raises(ValidationFailed) as caught:
        check_url(url, allow_private=allow_private)
    assert len(caught.value.errors) == 1
    error = caught.value.errors[0]
    assert error.field == "url"
    return error


@pytest.mark.parametrize(
    "url",
    ["ftp://198.51.100.7/", "file:///etc/passwd", "gopher://8.8.8.8/", "javascript:alert(1)"],
)
def test_only_http_and_https(url: str) -> None:
    assert refusal(url).code == "url_scheme"


def test_credentials_in_the_url_are_refused() -> None:
    assert refusal("https://user:secret@8.8.8.8/hook").code == "url_credentials"
    assert refusal("https://user@8.8.8.8/hook").code == "url_credentials"


@pytest.mark.parametrize("url", ["http:///path", "https://:443/"])
def test_a_host_is_required(url: str) -> None:
    assert refusal(url).code == "url_host"


def test_malformed_and_overlong_urls() -> None:
    assert refusal("http://exa mple.com/").code == "invalid_url"
    assert refusal("http://8.8.8.8:99999/").code == "invalid_url"
    assert refusal("http://8.8.8.8:0/").code == "invalid_url"
    assert refusal("https://8.8.8.8/" + "a" * 2100).code == "too_long"
    assert refusal("").code == "required"


def test_unresolvable_host() -> None:
    error = refusal("https://no-such-host.invalid/hook", allow_private=True)
    assert error.code == "url_unresolvable"
    assert error.params == {"host": "no-such-host.invalid"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/",
        "http://localhost/",
        "http://LOCALHOST:5000/",
        "http://[::1]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "http://198.18.0.1/",  # benchmarking
        "http://192.0.2.1/",  # documentation
        "http://240.0.0.1/",  # reserved
        "http://[fc00::1]/",  # unique local
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://[::ffff:10.1.2.3]/",  # IPv4-mapped private
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.0.0.1/",  # 127.0.0.1 in hexadecimal
        "http://127.1/",  # 127.0.0.1 shortened
    ],
)
def test_private_and_loopback_refused_unless_allowed(url: str) -> None:
    error = refusal(url)
    assert error.code == "url_private_address"
    assert check_url(url, allow_private=True).addresses


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0:8000/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
    ],
)
def test_link_local_multicast_and_unspecified_are_never_allowed(url: str) -> None:
    assert refusal(url).code == "url_private_address"
    assert refusal(url, allow_private=True).code == "url_private_address"


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://8.8.8.8/hook", "8.8.8.8", 443),
        ("http://1.1.1.1:8080/hook?x=1", "1.1.1.1", 8080),
        ("https://[2606:4700:4700::1111]/", "2606:4700:4700::1111", 443),
        ("https://[::ffff:8.8.4.4]/", "::ffff:8.8.4.4", 443),
    ],
)
def test_public_addresses_pass(url: str, host: str, port: int) -> None:
    target = check_url(url, allow_private=False)
    assert (target.host, target.port) == (host, port)
    assert target.addresses == (ipaddress.ip_address(host),)


def test_localhost_resolves_to_checked_addresses_when_allowed() -> None:
    target = check_url("http://localhost:9/hook#fragment", allow_private=True)
    assert target.host == "localhost"
    assert all(address.is_loopback for address in target.addresses)
    assert str(target.url) == "http://localhost:9/hook"


def test_every_resolved_address_must_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # DNS stands in for a name with one public and one private record (no such name can be
    # made on this machine without editing /etc/hosts); any other name resolves as usual.
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host == "mixed.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port)),
            ]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert refusal("https://mixed.example/hook").code == "url_private_address"
    target = check_url("https://mixed.example/hook", allow_private=True)
    assert target.addresses == (ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1"))
    assert address_allowed(ipaddress.ip_address("8.8.8.8"), allow_private=False)


def test_codes_have_messages_in_both_languages() -> None:
    for code in ("url_scheme", "url_host", "url_credentials", "url_unresolvable"):
        assert set(MESSAGES[code]) == {"en", "zh-CN"}
    text = message("url_private_address", "zh-CN", host="localhost")
    assert "localhost" in text and "公网" in text


def test_setting_read_from_the_environment() -> None:
    assert Settings.from_env({}).webhook_allow_private is False
    assert Settings.from_env({"KEYI_WEBHOOK_ALLOW_PRIVATE": "1"}).webhook_allow_private is True
    assert Settings.from_env({"KEYI_WEBHOOK_ALLOW_PRIVATE": "0"}).webhook_allow_private is False
