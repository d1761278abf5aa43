"""Tencent Cloud SMS (``sms.tencentcloudapi.com``, ``SendSms``, API version 2021-01-11).

Signed with TencentCloud API signature v3, ``TC3-HMAC-SHA256``, as its documentation publishes
it ("Signature v3"):

1. ``CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n
   SignedHeaders \\n Lowercase(Hex(SHA256(payload)))`` — for a JSON POST: ``POST``, ``/``, an
   empty query, the ``content-type`` and ``host`` headers lower-cased as ``key:value\\n`` in
   name order, their names joined by ``;``;
2. ``StringToSign = "TC3-HMAC-SHA256" \\n Timestamp \\n CredentialScope \\n
   Lowercase(Hex(SHA256(CanonicalRequest)))`` with ``CredentialScope = Date/service/tc3_request``
   and ``Date`` the **UTC** date of the timestamp;
3. derived keys: ``SecretDate = HMAC_SHA256("TC3" + SecretKey, Date)``, ``SecretService =
   HMAC_SHA256(SecretDate, service)``, ``SecretSigning = HMAC_SHA256(SecretService,
   "tc3_request")``; ``Signature = Hex(HMAC_SHA256(SecretSigning, StringToSign))``;
4. ``Authorization: TC3-HMAC-SHA256 Credential=SecretId/CredentialScope,
   SignedHeaders=content-type;host, Signature=...`` with the ``X-TC-Action``,
   ``X-TC-Timestamp``, ``X-TC-Version`` and ``X-TC-Region`` headers.

The answer is ``{"Response": {...}}``: ``SendStatusSet`` with one status per number (``Code``
``Ok`` and a ``SerialNo`` when accepted), or ``Error`` (``AuthFailure.SignatureFailure``,
``LimitExceeded.*``, ...) when the whole request was refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from keyi.platform.sms.provider import SmsRequest, SmsResult

__all__ = [
    "API_VERSION",
    "CONTENT_TYPE",
    "DEFAULT_BASE_URL",
    "SERVICE",
    "TencentSmsProvider",
    "authorization",
    "canonical_request",
    "signature",
    "string_to_sign",
]

DEFAULT_BASE_URL = "https://sms.tencentcloudapi.com/"
API_VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def canonical_request(host: str, payload: bytes, content_type: str = CONTENT_TYPE) -> str:
    headers = f"content-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n"
    return "\n".join(["POST", "/", "", headers, "content-type;host", _sha256_hex(payload)])


def string_to_sign(timestamp: int, service: str, canonical: str) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    return "\n".join([ALGORITHM, str(timestamp), scope, _sha256_hex(canonical.encode())])


def signature(secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    secret_date = _hmac(("TC3" + secret_key).encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(
    secret_id: str, secret_key: str, *, host: str, payload: bytes, timestamp: int, service: str
) -> str:
    """The ``Authorization`` header of a JSON POST to ``host``."""
    to_sign = string_to_sign(timestamp, service, canonical_request(host, payload))
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    return (
        f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders=content-type;host, "
        f"Signature={signature(secret_key, timestamp, service, to_sign)}"
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TencentSmsProvider:
    """SendSms over HTTPS; ``client`` is given so callers can bind it to a checked address."""

    name = "tencent"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        client: httpx.Client,
        base_url: str = DEFAULT_BASE_URL,
        region: str = "ap-guangzhou",
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._app_id = sdk_app_id
        self._client = client
        self._url = httpx.URL(base_url)
        self._region = region or "ap-guangzhou"
        self._now = now

    def __repr__(self) -> str:  # the secret stays out of tracebacks
        return f"TencentSmsProvider(base_url={str(self._url)!r})"

    def payload(self, request: SmsRequest) -> bytes:
        body: dict[str, object] = {
            "PhoneNumberSet": list(request.phone_numbers),
            "SmsSdkAppId": self._app_id,
            "SignName": request.sign_name,
            "TemplateId": request.template_code,
            "TemplateParamSet": [str(v) for v in request.params.values()],
        }
        if request.reference:
            body["SessionContext"] = request.reference
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def headers(self, payload: bytes) -> dict[str, str]:
        timestamp = int(self._now().timestamp())
        host = self._url.netloc.decode("ascii")
        return {
            "Authorization": authorization(
                self._secret_id,
                self._secret_key,
                host=host,
                payload=payload,
                timestamp=timestamp,
                service=SERVICE,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self._region,
        }

    def send(self, request: SmsRequest) -> SmsResult:
        payload = self.payload(request)
        try:
            response = self._client.post(self._url, content=payload, headers=self.headers(payload))
        except httpx.HTTPError as exc:
            return SmsResult(
                ok=False, error_code="network", error_message=type(exc).__name__, retryable=True
            )
        try:
            answer = response.json().get("Response") or {}
        except (ValueError, AttributeError):
            answer = {}
        error = answer.get("Error") if isinstance(answer, dict) else None
        if isinstance(error, dict) or response.status_code != 200:
            code = str((error or {}).get("Code") or f"http_{response.status_code}")
            return SmsResult(
                ok=False,
                error_code=code,
                error_message=str((error or {}).get("Message") or "")[:500] or None,
                retryable=_retryable(code) or response.status_code >= 500,
                status_code=response.status_code,
            )
        statuses = [s for s in answer.get("SendStatusSet") or () if isinstance(s, dict)]
        failed = next((s for s in statuses if s.get("Code") != "Ok"), None)
        if failed is not None or not statuses:
            code = str((failed or {}).get("Code") or "no_status")
            return SmsResult(
                ok=False,
                error_code=code,
                error_message=str((failed or {}).get("Message") or "")[:500] or None,
                retryable=_retryable(code),
                status_code=200,
            )
        return SmsResult(ok=True, message_id=statuses[0].get("SerialNo"), status_code=200)


def _retryable(code: str) -> bool:
    return code.startswith(("LimitExceeded", "InternalError", "RequestLimitExceeded")) or code in {
        "network",
        "ResourceUnavailable",
    }
