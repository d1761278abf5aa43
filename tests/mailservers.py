"""Real mail servers for the suite: an IMAP server (pymap, a pure-Python IMAP4rev1 server from
PyPI, a dev dependency installed by `make install-python`) started once per test session, and
helpers to deliver mail into it over IMAP APPEND, as a mail server's delivery would.

For TLS: a test CA made once per session (``mail_ca``: a CA certificate and a server
certificate for ``localhost`` and 127.0.0.1 signed by it), a second pymap offering STARTTLS
with it (``imap_tls_server``), and aiosmtpd started with it for STARTTLS or TLS from the start
(``start_smtp``). The code under test trusts the CA because the installation names its file
(``mail_ca_file``), as an on-premise installation would name its internal CA.

pymap's in-memory ("dict") backend has one user; each test reads its own folder, so tests and
xdist workers never see each other's mail.
"""

from __future__ import annotations

import datetime
import imaplib
import ipaddress
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str

    ca_file: str | None = None  # set when the server offers STARTTLS with the test CA

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        if self.ca_file is not None:
            client.starttls(ssl_context=ssl.create_default_context(cafile=self.ca_file))
        client.login(self.username, self.password)
        return client

    def new_folder(self) -> str:
        """A fresh, empty folder for one test."""
        name = f"t{uuid.uuid4().hex[:12]}"
        client = self.connect()
        try:
            status, _ = client.create(name)
            assert status == "OK"
        finally:
            client.logout()
        return name

    def deliver(self, folder: str, raw: bytes) -> None:
        client = self.connect()
        try:
            status, data = client.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str) -> list[bytes]:
        client = self.connect()
        try:
            client.select(folder)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [d for d in data if isinstance(d, bytes)]
        finally:
            client.logout()


@dataclass(frozen=True)
class MailCA:
    ca_file: str  # the CA certificate (PEM): what the installation trusts
    cert_file: str  # the servers' certificate chain for localhost and 127.0.0.1
    key_file: str


def _make_ca(folder: Path) -> MailCA:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Keyi test mail CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "cert.pem").write_bytes(cert.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    return MailCA(str(folder / "ca.pem"), str(folder / "cert.pem"), str(folder / "key.pem"))


@pytest.fixture(scope="session")
def mail_ca(tmp_path_factory: pytest.TempPathFactory) -> MailCA:
    return _make_ca(tmp_path_factory.mktemp("mail-ca"))


def _wait_for(port: int, process: subprocess.Popen[bytes], what: str, log: Path | None) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                said = log.read_text() if log is not None and log.exists() else ""
                raise RuntimeError(f"{what} did not start: {said}") from None
            time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def _pymap(folder: Path, tls: MailCA | None) -> Iterator[ImapServer]:
    port = free_port()
    password = secrets.token_urlsafe(12)
    log = folder / "pymap.log"
    security = ["--cert", tls.cert_file, "--key", tls.key_file] if tls else ["--no-tls"]
    with Path(log).open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("pymap")),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *security,
                "dict",
                "--demo-data",
                "--demo-user",
                "keyi",
                "--demo-password",
                password,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, process, "IMAP server", log)
        yield ImapServer("127.0.0.1", port, "keyi", password, tls.ca_file if tls else None)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    with _pymap(tmp_path_factory.mktemp("imap"), None) as server:
        yield server


@pytest.fixture(scope="session")
def imap_tls_server(
    tmp_path_factory: pytest.TempPathFactory, mail_ca: MailCA
) -> Iterator[ImapServer]:
    """pymap offering STARTTLS with the test CA's certificate (it refuses LOGIN before it)."""
    with _pymap(tmp_path_factory.mktemp("imap-tls"), mail_ca) as server:
        yield server


@contextmanager
def start_smtp(maildir: Path, tls: MailCA | None = None, *, mode: str = "none") -> Iterator[int]:
    """aiosmtpd in its own process storing what it receives in ``maildir``: plain, with
    STARTTLS required before mail (``mode="starttls"``) or TLS from the start (``"ssl"``)."""
    port = free_port()
    args = []
    if mode == "starttls" and tls is not None:
        args = ["--tlscert", tls.cert_file, "--tlskey", tls.key_file]
    elif mode == "ssl" and tls is not None:
        args = ["--smtpscert", tls.cert_file, "--smtpskey", tls.key_file]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            *args,
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process, "SMTP server", None)
        yield port
    finally:
        _stop(process)


@contextmanager
def tls_front(target_port: int, tls: MailCA) -> Iterator[int]:
    """A port speaking TLS from the first byte (the test CA's certificate) in front of a plain
    server on ``target_port``: IMAP over TLS (port 993 style) where pymap offers STARTTLS only.
    Each connection is decrypted here and passed on byte for byte."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = int(listener.getsockname()[1])
    stop = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.close()

    def serve(raw: socket.socket) -> None:
        try:
            raw.settimeout(10)
            secured = context.wrap_socket(raw, server_side=True)
            secured.settimeout(None)
            backend = socket.create_connection(("127.0.0.1", target_port), timeout=10)
            backend.settimeout(None)
        except (OSError, ssl.SSLError):
            raw.close()  # a client that refused our certificate
            return
        threading.Thread(target=pipe, args=(secured, backend), daemon=True).start()
        pipe(backend, secured)

    def accept() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@contextmanager
def smtp_maildir(directory: Path) -> Iterator[tuple[int, Path]]:
    """A plain SMTP server (see :func:`start_smtp`) storing into ``directory/maildir``: its
    port and the Maildir."""
    maildir = directory / "maildir"
    with start_smtp(maildir) as port:
        yield port, maildir
