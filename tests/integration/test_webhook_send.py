"""Webhook deliveries against real HTTP(S) servers on 127.0.0.1, started by the tests.

The servers record every connection and request, so a test can tell "refused before
connecting" from "connected and failed". Receivers verify signatures with the Standard
Webhooks reference library. No database is involved.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from standardwebhooks.webhooks import Webhook

from keyi.platform.webhooks import deliver, event_body, headers, new_secret
from keyi.platform.webhooks.send import EXCERPT_BYTES


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the test server saw."""

    base_url: str
    port: int
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    sni: list[str | None] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def handle(self) -> None:
        self.server.receiver.connections += 1
        super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"", **extra: str) -> None:
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver = self.server.receiver
        receiver.requests.append(
            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        if self.path == "/ok":
            self._answer(200, b"thanks")
        elif self.path == "/fail":
            self._answer(500, b"boom")
        elif self.path == "/busy":
            self._answer(503, b"later", Retry_After="30")
        elif self.path == "/redirect":
            self._answer(302, Location=f"{receiver.base_url}/ok")
        elif self.path == "/slow":
            receiver.release.wait(2.0)  # the test's timeout is far shorter; teardown releases
            self._answer(200, b"too late")
        elif self.path == "/big":
            self._answer(200, "é".encode() * 5000)  # 10,000 bytes of two-byte characters
        elif self.path == "/binary":
            self._answer(200, b"\xff" * 3000)
        else:
            self._answer(404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout, refused certificate) is expected here


@contextmanager
def _serve(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    scheme = "https" if tls else "http"
    server.receiver = Receiver(base_url=f"{scheme}://127.0.0.1:{port}", port=port)
    if tls is not None:
        tls.sni_callback = lambda _sock, name, _ctx: server.receiver.sni.append(name)
        # The handshake runs in the request's thread, not in the accepting loop.
        server.socket = tls.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.receiver
    finally:
        server.receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with _serve() as serving:
        yield serving


def _signed(secret: str) -> tuple[bytes, dict[str, str]]:
    body = event_body(
        "opportunity.updated",
        dt.datetime(2026, 11, 23, 8, 0),
        {"object": "opportunity", "id": "0193a", "changes": {"stage": ["new", "won"]}},
    )
    return body, headers(secret, "msg_0193a", int(time.time()), body)


def test_delivery_arrives_signed_and_verifies(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = new_secret()
    body, sent = _signed(secret)
    result = deliver(f"{receiver.base_url}/ok", body, sent, allow_private=True)
    # Nothing on the way (Keyi, httpx, httpcore at debug level) logged a secret or signature.
    assert caplog.records
    assert secret not in caplog.text and sent["webhook-signature"] not in caplog.text

    assert result.ok, result
    assert (result.status_code, result.error, result.response_excerpt) == (200, None, "thanks")
    assert result.address == "127.0.0.1"
    assert 0 <= result.duration_ms < 2000
    [request] = receiver.requests
    assert request.body == body
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert request.headers["content-type"] == "application/json"
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert request.headers[name] == sent[name]
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["data"]["changes"] == {"stage": ["new", "won"]}


def test_host_name_is_kept_while_connecting_to_its_checked_address(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    result = deliver(f"http://localhost:{receiver.port}/ok", body, sent, allow_private=True)
    assert result.ok, result
    assert receiver.requests[0].headers["host"] == f"localhost:{receiver.port}"


def test_private_target_is_refused_without_connecting(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    for url in (f"{receiver.base_url}/ok", f"http://localhost:{receiver.port}/ok"):
        result = deliver(url, body, sent, allow_private=False)
        assert not result.ok
        assert (result.status_code, result.error) == (None, "url_private_address")
    assert receiver.connections == 0 and receiver.requests == []


def test_server_error_is_a_failed_result(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    result = deliver(f"{receiver.base_url}/fail", body, sent, allow_private=True)
    assert not result.ok
    assert (result.status_code, result.error, result.response_excerpt) == (500, "HTTP 500", "boom")


def test_retry_after_is_reported(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    result = deliver(f"{receiver.base_url}/busy", body, sent, allow_private=True)
    assert (result.ok, result.status_code, result.retry_after) == (False, 503, 30.0)


def test_redirect_is_not_followed(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    result = deliver(f"{receiver.base_url}/redirect", body, sent, allow_private=True)
    assert not result.ok
    assert result.status_code == 302
    assert result.error == f"HTTP 302: redirect to '{receiver.base_url}/ok' not followed"
    assert [request.path for request in receiver.requests] == ["/redirect"]


def test_slow_receiver_times_out(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    result = deliver(f"{receiver.base_url}/slow", body, sent, allow_private=True, timeout=0.3)
    assert not result.ok
    assert result.status_code is None
    assert result.error == "timeout: ReadTimeout"
    assert 250 <= result.duration_ms < 1500


def test_response_excerpt_is_truncated_and_decoded_safely(receiver: Receiver) -> None:
    body, sent = _signed(new_secret())
    big = deliver(f"{receiver.base_url}/big", body, sent, allow_private=True)
    assert big.ok
    assert big.response_excerpt == "é" * (EXCERPT_BYTES // 2)
    binary = deliver(f"{receiver.base_url}/binary", body, sent, allow_private=True)
    assert binary.response_excerpt == "\ufffd" * EXCERPT_BYTES


def test_nobody_listening_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    body, sent = _signed(new_secret())
    result = deliver(f"http://127.0.0.1:{port}/ok", body, sent, allow_private=True)
    assert (result.ok, result.status_code) == (False, None)
    assert result.error is not None and result.error.startswith("connect_error")


def test_name_is_resolved_once_and_never_again(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers loopback when checked and fails afterwards; the
    delivery still reaches the checked address, so it never asked again. (DNS is faked: no
    name can be made to change its records on this machine.)"""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            lookups.append(host)
            if len(lookups) > 1:
                raise socket.gaierror(socket.EAI_NONAME, "rebound")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    body, sent = _signed(new_secret())
    result = deliver(f"http://rebind.example:{receiver.port}/ok", body, sent, allow_private=True)
    assert result.ok, result
    assert lookups == ["rebind.example"]
    assert receiver.requests[0].headers["host"] == f"rebind.example:{receiver.port}"


# --- TLS: the certificate is verified for the host name, not for the address connected to


def _certificate(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A CA and a server certificate for `name`: (server context, client context)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Keyi test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


def test_https_verifies_the_host_name_and_sends_it_as_sni(tmp_path: Path) -> None:
    server_tls, client_tls = _certificate(tmp_path, "localhost")
    secret = new_secret()
    body, sent = _signed(secret)
    with _serve(server_tls) as receiver:
        with httpx.Client(verify=client_tls, trust_env=False) as client:
            url = f"https://localhost:{receiver.port}/ok"
            result = deliver(url, body, sent, allow_private=True, client=client)
        assert result.ok, result
        assert result.address == "127.0.0.1"
        assert receiver.sni == ["localhost"]
        [request] = receiver.requests
        assert request.headers["host"] == f"localhost:{receiver.port}"
        Webhook(secret).verify(request.body, request.headers)


def test_https_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    server_tls, client_tls = _certificate(tmp_path, "other.example")
    body, sent = _signed(new_secret())
    with _serve(server_tls) as receiver:
        with httpx.Client(verify=client_tls, trust_env=False) as client:
            url = f"https://localhost:{receiver.port}/ok"
            result = deliver(url, body, sent, allow_private=True, client=client)
        assert (result.ok, result.status_code) == (False, None)
        assert result.error is not None and "CERTIFICATE_VERIFY_FAILED" in result.error
        assert receiver.requests == []
