"""Alibaba Cloud SMS (``dysmsapi.aliyuncs.com``, ``SendSms``, API version 2017-05-25).

Signed with Alibaba Cloud's RPC signature, version 1.0 (HMAC-SHA1), as its documentation
publishes it ("Request syntax and signature method for RPC APIs"):

1. every request parameter but ``Signature`` — the common ones (``AccessKeyId``, ``Action``,
   ``Format``, ``SignatureMethod``, ``SignatureNonce``, ``SignatureVersion``, ``Timestamp``,
   ``Version``, ``RegionId``) and the operation's — sorted by name;
2. names and values percent-encoded in UTF-8 with only ``A-Z a-z 0-9 - _ . ~`` left as they
   are (so a space is ``%20``, ``*`` is ``%2A``, ``~`` stays), joined ``name=value`` by ``&``:
   the canonicalized query string;
3. ``StringToSign = HTTPMethod & percentEncode("/") & percentEncode(canonicalized)``;
4. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``.

The request is a POST with the parameters, ``Signature`` included, as a form body. The answer is
JSON: ``Code`` ``OK`` with a ``BizId`` when the message was accepted, otherwise an error code such
as ``isv.BUSINESS_LIMIT_CONTROL`` (the vendor's flow control: retryable) or
``isv.SMS_TEMPLATE_ILLEGAL`` (not retryable).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from keyi.platform.sms.provider import SmsRequest, SmsResult, mainland_or_international

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "AliyunSmsProvider",
    "canonicalized_query",
    "percent_encode",
    "rpc_signature",
    "string_to_sign",
]

DEFAULT_BASE_URL = "https://dysmsapi.aliyuncs.com/"
API_VERSION = "2017-05-25"
# The vendor's flow control and its own passing troubles: another attempt later may pass.
RETRYABLE = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
        "isp.RAM_PERMISSION_DENY",
    }
)


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature wants it: only unreserved characters stay."""
    return quote(value, safe="~", encoding="utf-8")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(k)}={percent_encode(params[k])}"
        for k in sorted(params)
        if k != "Signature"
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """The ``Signature`` parameter of an RPC request signed with ``secret``."""
    digest = hmac.new(
        (secret + "&").encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AliyunSmsProvider:
    """SendSms over HTTPS; ``client`` is given so callers can bind it to a checked address."""

    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        client: httpx.Client,
        base_url: str = DEFAULT_BASE_URL,
        region: str = "cn-hangzhou",
        now: Callable[[], datetime] = _utc_now,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._client = client
        self._url = base_url
        self._region = region or "cn-hangzhou"
        self._now = now
        self._nonce = nonce

    def __repr__(self) -> str:  # the secret stays out of tracebacks
        return f"AliyunSmsProvider(base_url={self._url!r})"

    def params(self, request: SmsRequest) -> dict[str, str]:
        """The signed parameters of the SendSms call for ``request``."""
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self._region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": ",".join(mainland_or_international(n) for n in request.phone_numbers),
            "SignName": request.sign_name,
            "TemplateCode": request.template_code,
        }
        if request.params:
            params["TemplateParam"] = json.dumps(request.params, ensure_ascii=False)
        if request.reference:
            params["OutId"] = request.reference
        params["Signature"] = rpc_signature("POST", params, self._secret)
        return params

    def send(self, request: SmsRequest) -> SmsResult:
        body = "&".join(
            f"{percent_encode(k)}={percent_encode(v)}" for k, v in self.params(request).items()
        )
        try:
            response = self._client.post(
                self._url,
                content=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except httpx.HTTPError as exc:
            return SmsResult(
                ok=False, error_code="network", error_message=type(exc).__name__, retryable=True
            )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        code = str(answer.get("Code") or f"http_{response.status_code}")
        if response.status_code == 200 and code == "OK":
            return SmsResult(ok=True, message_id=answer.get("BizId"), status_code=200)
        return SmsResult(
            ok=False,
            error_code=code,
            error_message=str(answer.get("Message") or "")[:500] or None,
            retryable=code in RETRYABLE or response.status_code >= 500,
            status_code=response.status_code,
        )
