"""Stand-ins for Alibaba Cloud's and Tencent Cloud's SMS APIs on 127.0.0.1 that check the
signature of every request the way the vendors document it — with their own implementation,
written from the documentation here and sharing no code with keyi.platform.sms — and answer in
the vendors' real response shapes (success, flow control, signature mismatch)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def pop_encode(text: str) -> str:
    """Alibaba Cloud's percent-encoding, byte by byte: unreserved as is, else %XX (upper)."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def aliyun_expected(method: str, params: dict[str, str], secret: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(pop_encode(k) + "=" + pop_encode(v) for k, v in pairs)
    to_sign = method + "&" + pop_encode("/") + "&" + pop_encode(canonical)
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode(), "sha1").digest()
    return base64.b64encode(mac).decode()


def tencent_expected(headers: dict[str, str], body: bytes, secret_key: str) -> tuple[str, str]:
    """(expected Authorization signature, the signature sent), recomputed from the headers the
    request names in SignedHeaders."""
    auth = headers["authorization"]
    algorithm, _, rest = auth.partition(" ")
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    _secret_id, date, service, terminator = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{h}:{headers[h].strip().lower()}\n" for h in signed)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            parts["SignedHeaders"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    timestamp = headers["x-tc-timestamp"]
    assert datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") == date
    to_sign = "\n".join(
        [
            algorithm,
            timestamp,
            f"{date}/{service}/{terminator}",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def step(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = step(step(step(b"TC3" + secret_key.encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), parts["Signature"]


@dataclass
class VendorStandIn:
    """One vendor's API: what it received, and what it answers next."""

    vendor: str
    key_id: str
    secret: str
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    refuse_with: str | None = None  # an error code to answer (flow control, ...)
    bad_signatures: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def sent_to(self) -> list[str]:
        return [r["phone"] for r in self.received]


def _handler(stand_in: VendorStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if stand_in.vendor == "aliyun":
                self._aliyun(body)
            else:
                self._tencent(body)

        def _aliyun(self, body: bytes) -> None:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
            request_id = str(uuid.uuid4()).upper()
            expected = aliyun_expected("POST", params, stand_in.secret)
            if params.get("AccessKeyId") != stand_in.key_id or not hmac.compare_digest(
                expected, params.get("Signature", "")
            ):
                stand_in.bad_signatures += 1
                self._reply(
                    400,
                    {
                        "RequestId": request_id,
                        "HostId": "dysmsapi.aliyuncs.com",
                        "Code": "SignatureDoesNotMatch",
                        "Message": "Specified signature does not match our calculation.",
                    },
                )
                return
            for phone in params["PhoneNumbers"].split(","):
                stand_in.received.append(
                    {
                        "phone": phone,
                        "sign": params["SignName"],
                        "template": params["TemplateCode"],
                        "params": json.loads(params.get("TemplateParam") or "{}"),
                        "out_id": params.get("OutId"),
                    }
                )
            if stand_in.refuse_with:
                stand_in.received.pop()
                self._reply(
                    200,
                    {
                        "Message": "触发分钟级流控Permits:1",
                        "RequestId": request_id,
                        "Code": stand_in.refuse_with,
                    },
                )
                return
            biz_id = f"{len(stand_in.received)}^0"
            self._reply(
                200, {"Message": "OK", "RequestId": request_id, "BizId": biz_id, "Code": "OK"}
            )

        def _tencent(self, body: bytes) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            request_id = str(uuid.uuid4())
            expected, sent = tencent_expected(headers, body, stand_in.secret)
            credential = headers["authorization"].split("Credential=")[1].split("/")[0]
            if (
                credential != stand_in.key_id
                or headers.get("x-tc-action") != "SendSms"
                or headers.get("x-tc-version") != "2021-01-11"
                or not hmac.compare_digest(expected, sent)
            ):
                stand_in.bad_signatures += 1
                self._reply(
                    200,
                    {
                        "Response": {
                            "Error": {
                                "Code": "AuthFailure.SignatureFailure",
                                "Message": "The provided credentials could not be validated.",
                            },
                            "RequestId": request_id,
                        }
                    },
                )
                return
            data = json.loads(body)
            if stand_in.refuse_with:
                self._reply(
                    200,
                    {
                        "Response": {
                            "Error": {"Code": stand_in.refuse_with, "Message": "frequency limit"},
                            "RequestId": request_id,
                        }
                    },
                )
                return
            statuses = []
            for phone in data["PhoneNumberSet"]:
                stand_in.received.append(
                    {
                        "phone": phone,
                        "sign": data["SignName"],
                        "template": data["TemplateId"],
                        "params": data["TemplateParamSet"],
                        "app": data["SmsSdkAppId"],
                    }
                )
                statuses.append(
                    {
                        "SerialNo": f"2028:{len(stand_in.received)}",
                        "PhoneNumber": phone,
                        "Fee": 1,
                        "SessionContext": data.get("SessionContext", ""),
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                )
            self._reply(200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}})

    return Handler


@contextmanager
def vendor(
    name: str,
    key_id: str = "AKID-test",
    secret: str = "s3cret-key",  # noqa: S107
) -> Iterator[VendorStandIn]:
    stand_in = VendorStandIn(vendor=name, key_id=key_id, secret=secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    stand_in.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
